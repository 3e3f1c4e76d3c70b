// The lessons in English: per lesson (configs.js's order and ids) its title and steps; per
// step an instruction, a question answered before the page says what happens, its choices
// (configs.js holds which is right) and the explanation shown once answered.
export default {
  "neuron": {
    "title": "A neuron",
    "steps": [
      {"text": "This network has one hidden neuron. It multiplies each input by a weight, adds them and a bias (z = w₁x₁ + w₂x₂ + b), then applies tanh.",
        "question": "Before training, what will this neuron's picture in the diagram look like?",
        "choices": ["A ring around the centre", "Two halves of the plane split by a straight line", "A checkerboard"],
        "explain": "z = w₁x₁ + w₂x₂ + b is zero on a straight line; tanh only bends the values either side of it. Hover the neuron to see it large."},
      {"text": "Press Inspect in the top bar and, under \"A neuron, as numbers\", click a point of the output plot.",
        "question": "Which numbers does the panel show for the hidden neuron?",
        "choices": ["Its weighted sum z and its activation a", "Only the final class", "The loss of that point"],
        "explain": "The probe follows one point through the network: each neuron's weighted sum z and its activation a = tanh(z)."},
      {"text": "Predict first, then press Apply: the neuron's non-linearity becomes the sigmoid σ(z) = 1 / (1 + e⁻ᶻ).",
        "question": "Which values can the neuron's output take now?",
        "choices": ["Any number", "Between −1 and 1", "Between 0 and 1"],
        "explain": "The sigmoid squeezes every z into (0, 1); tanh gave (−1, 1). The boundary is still the same kind of straight line."}
    ]
  },
  "activation": {
    "title": "Activation functions",
    "steps": [
      {"text": "Four hidden neurons with the linear activation (no non-linearity) on the Circle data. Press Play and let it train for a while.",
        "question": "Can this network separate the blue disc from the orange ring?",
        "choices": ["Yes, with enough epochs", "No: its boundary stays a straight line", "Only with a bigger learning rate"],
        "explain": "A sum of linear functions is linear: without a non-linearity, extra neurons add nothing, and a line cannot cut a disc out."},
      {"text": "Press Apply to switch the hidden layer to tanh (a new run starts), then press Play.",
        "question": "What happens to the boundary now?",
        "choices": ["It can bend and close around the disc", "It stays a straight line", "Training stops with an error"],
        "explain": "Each tanh neuron bends its half-plane; their weighted sum can draw a closed curve around the disc."},
      {"text": "Press Apply to try ReLU, max(0, z), then look at the neurons' pictures in the diagram.",
        "question": "What does a ReLU neuron's picture look like?",
        "choices": ["A smooth blur", "A circle", "Flat zero on one side of a line, a ramp on the other"],
        "explain": "ReLU is 0 for z < 0 and z itself above: the picture is a half-plane of zero and a rising ramp; the boundary is made of straight pieces."}
    ]
  },
  "cost": {
    "title": "Cost functions",
    "steps": [
      {"text": "The output is a sigmoid (a probability) trained with the mean squared error J = 1/n Σ (y − f(x; W))². Press Play.",
        "question": "The network says 0.99 for a point whose label is 0. How big is that point's squared error at most?",
        "choices": ["Unbounded", "About 100", "At most 1"],
        "explain": "(0 − 0.99)² < 1: MSE on a probability never punishes a confident mistake by more than 1, and its gradient fades as the sigmoid saturates."},
      {"text": "Predict, then press Apply: the loss becomes binary cross-entropy, E = −[t log y + (1 − t) log(1 − y)]. Watch the loss chart.",
        "question": "For the same confident mistake (y = 0.99, t = 0), what does cross-entropy give?",
        "choices": ["Less than MSE", "About 4.6, and more the surer the mistake", "Exactly 1"],
        "explain": "−log(1 − 0.99) ≈ 4.6 and grows without bound as y → 1. Note the numbers on the loss chart change scale: a different cost measures differently."}
    ]
  },
  "gradient-descent": {
    "title": "Gradient descent",
    "steps": [
      {"text": "Press Inspect, open \"Gradient descent, one step at a time\" and choose a weight. Then press \"Step one batch\" in the top bar.",
        "question": "If ∂J/∂w is positive, what does the step W ← W − η ∂J/∂W do to w?",
        "choices": ["It makes w smaller", "It makes w larger", "It leaves w alone"],
        "explain": "The step goes against the gradient: a positive slope means a smaller w lowers the cost, so w moves down by η times the slope."},
      {"text": "Press \"Step one batch\" a few more times and compare the panel's predicted value with the weight after the step.",
        "question": "Does the weight land where the panel predicted?",
        "choices": ["Never", "Only for the first layer", "Yes, to many digits"],
        "explain": "The panel computes w − η ∂J/∂w from the same batch the trainer uses next, so the step does exactly what it predicted."},
      {"text": "Now watch the training loss as you step batch after batch.",
        "question": "Does every single step lower the loss on all the training data?",
        "choices": ["Yes, always", "Not always: each step only follows one mini-batch's gradient", "Never"],
        "explain": "A mini-batch's gradient only estimates the full one, so single steps can raise the loss; on average the loss falls."}
    ]
  },
  "regression": {
    "title": "Regression",
    "steps": [
      {"text": "The data is a surface to fit (a number at every point, not a class). Two ReLU hidden layers, a linear output, MSE. Press Play.",
        "question": "Why is the output activation linear (none) here?",
        "choices": ["It trains faster", "A number can be any value: the output must not be squeezed", "ReLU is not allowed at the output"],
        "explain": "A regression target is any real number; tanh or sigmoid would clip it to a range. The course's table: output none for unbounded values."},
      {"text": "Predict, then press Apply: the output becomes ReLU. Press Play.",
        "question": "What can the network no longer predict?",
        "choices": ["Negative values", "Values above 1", "Anything at all"],
        "explain": "ReLU's output is never below 0: where the surface is negative the fit stays flat at 0. The course's table uses ReLU or softplus outputs only for positive targets."},
      {"text": "Press Apply: back to a linear output, with the Huber loss in place of MSE.",
        "question": "What does Huber do differently from MSE?",
        "choices": ["It squares every error more", "It ignores small errors", "It is squared for small errors and grows only linearly for large ones"],
        "explain": "Huber is quadratic near zero and linear far out, so a few large errors (outliers) pull the fit less than under MSE."}
    ]
  },
  "softmax": {
    "title": "Softmax for several classes",
    "steps": [
      {"text": "Three classes (the Blobs data): the output layer has one neuron per class and softmax, P(y = j) = e^θⱼ / Σₖ e^θₖ. Press Play.",
        "question": "What do the three outputs for one point add up to?",
        "choices": ["0", "3", "1"],
        "explain": "Softmax divides each e^θⱼ by their sum: the outputs are probabilities that add up to 1."},
      {"text": "Look at the output plot and the confusion matrix under it.",
        "question": "Which class does the page colour a point of the plane with?",
        "choices": ["The class with the largest probability", "Always class 0", "A random class"],
        "explain": "The prediction is the class of highest probability; the plot colours each region by it, paler where the network is unsure."},
      {"text": "Predict, then press Apply: three interleaved spirals and a bigger network. Press Play.",
        "question": "How does this compare with Blobs?",
        "choices": ["Just as fast", "Much harder: it needs many more epochs and bent boundaries", "Impossible for softmax"],
        "explain": "Softmax with cross-entropy handles any number of classes, but spirals need a network that can draw curled boundaries, and time."}
    ]
  },
  "backprop": {
    "title": "Backpropagation, the worked example",
    "steps": [
      {"text": "The slides' example: one hidden layer, sigmoid everywhere, binary cross-entropy. Press Inspect and open \"Backprop inspector\"; pick a weight of the output layer and a training example.",
        "question": "For a sigmoid output with cross-entropy, what is ∂E/∂z at the output?",
        "choices": ["y(1 − y)", "y − t (output minus target)", "log y"],
        "explain": "The sigmoid's derivative y(1 − y) cancels against cross-entropy's: ∂E/∂z = y − t, so ∂E/∂w_ji = (y − t)·x_j, as on the slide."},
      {"text": "Now pick a weight of the first layer (inputs → hidden) in the inspector.",
        "question": "Which factors does its chain rule have?",
        "choices": ["The output's error, the weight to the output, the hidden neuron's σ′, and the input", "Only the input", "Only the output's error"],
        "explain": "The error travels back: δ_out · w · σ′(z_hidden) · x_i. With several outputs the hidden term sums over all of them."},
      {"text": "Compare the chain rule's product with the number computed by finite differences.",
        "question": "What should they show?",
        "choices": ["Very different numbers", "Opposite signs", "The same gradient, to several digits"],
        "explain": "Finite differences nudge the weight and measure the change in E: the same ∂E/∂w, a check that backpropagation is right."},
      {"text": "Press \"Step one batch\" and choose the same weight again.",
        "question": "Will its gradient be the same as before the step?",
        "choices": ["Yes, always", "No: the weights changed, so every factor changes", "It becomes zero"],
        "explain": "Backpropagation is computed from the current weights: after a step each factor, and so the gradient, is new."}
    ]
  },
  "learning-rate": {
    "title": "The learning rate",
    "steps": [
      {"text": "The learning rate η is 0.03 (see \"Learning rate\" in the bar above). Press Play and watch the loss chart.",
        "question": "What will the training loss do?",
        "choices": ["Fall steadily", "Jump up and down", "Stay exactly the same"],
        "explain": "With a small enough η each step moves a little downhill: the loss falls smoothly."},
      {"text": "Predict first: what if η is 10? Then press Apply (it sets the learning rate to 10 without a new run) and keep playing.",
        "question": "What will the boundary do if η is 10?",
        "choices": ["Learn ten times faster and better", "Nothing changes", "Overshoot: the loss jumps up, and may diverge"],
        "explain": "Steps far too big overshoot the valley: the loss jumps up and often sticks there, the neurons saturated (the plot may turn one colour); if the numbers blow up, the page stops the run and says it diverged."},
      {"text": "Press Apply to set η to 0.0001 (press Reset first if the run diverged), then Play.",
        "question": "What happens now?",
        "choices": ["It diverges", "It crawls: the loss barely moves", "It learns as fast as at 0.03"],
        "explain": "Tiny steps make tiny progress: training crawls, and can stay stuck near a plateau or a poor local minimum."},
      {"text": "Press Apply for η = 0.3 and Play.",
        "question": "Which η worked best on this data?",
        "choices": ["A middle one, like 0.03 or 0.3", "The largest", "The smallest"],
        "explain": "Too large diverges, too small crawls: a good η lies in between, and depends on the data, the network and the optimizer."}
    ]
  },
  "optimizers": {
    "title": "Adaptive optimizers",
    "steps": [
      {"text": "The Spiral data with plain SGD at η = 0.01. Press Play for a while and note the epoch and the test loss.",
        "question": "How does plain SGD do here?",
        "choices": ["It solves it at once", "Slowly: one η for every weight is too small for some, too big for others", "It diverges"],
        "explain": "SGD steps every weight by the same η times its gradient; on a hard set like the spiral it needs many epochs."},
      {"text": "Predict, then press Apply to switch the optimizer to Adam (a new run with the same data and first weights). Press Play.",
        "question": "What will Adam do with the same η?",
        "choices": ["Usually reach a lower loss in fewer epochs", "Exactly what SGD did", "Stop training"],
        "explain": "Adam keeps running averages of each weight's gradient and its square, and scales each weight's step by them."},
      {"text": "Press Apply for AdaGrad and Play.",
        "question": "What does AdaGrad do to a weight's step over time?",
        "choices": ["Makes it larger", "Keeps it fixed", "Makes it smaller, as that weight's squared gradients add up"],
        "explain": "AdaGrad divides by the root of all past squared gradients, so steps shrink; RMSProp and Adam forget old gradients and avoid stalling."}
    ]
  },
  "batch-size": {
    "title": "Batch, stochastic and mini-batch",
    "steps": [
      {"text": "250 training points, batch size 10. Choose \"Per step\" under the loss chart, then press Play.",
        "question": "How many steps (weight updates) does one epoch take?",
        "choices": ["1", "25", "250"],
        "explain": "An epoch passes over every training point once: 250 points in batches of 10 is 25 steps."},
      {"text": "Predict, then press Apply: batch size 1, stochastic gradient descent.",
        "question": "What will the per-step loss curve look like?",
        "choices": ["Smoother", "Unchanged", "Much noisier, with 250 steps an epoch"],
        "explain": "One point's gradient is a rough guess of the whole set's: each step is cheap but noisy."},
      {"text": "Press Apply: batch size 250, the whole training set (batch gradient descent).",
        "question": "And now?",
        "choices": ["One smooth step an epoch", "The noisiest curve", "No steps at all"],
        "explain": "The full gradient is exact but costly, and there is only one update per epoch; mini-batches sit between the two."}
    ]
  },
  "overfitting": {
    "title": "Overfitting and underfitting",
    "steps": [
      {"text": "Few noisy points (30 to train), extra input features and a big network of three layers of 8. Tick \"Show test data\" and press Play for a few hundred epochs.",
        "question": "What will the training and test losses do?",
        "choices": ["Both keep falling", "Both stay where they are", "Training falls, test falls then rises"],
        "explain": "The network memorizes the noise of the training points: it fits them ever better while doing worse on points it has not seen."},
      {"text": "Look at the boundary in the output plot.",
        "question": "What does an overfitted boundary look like?",
        "choices": ["A clean straight line", "Twisted around single training points", "Empty"],
        "explain": "It bends to wrap individual noisy points instead of following the two clouds."},
      {"text": "Predict, then press Apply: a single hidden neuron. Press Play.",
        "question": "What is the risk with such a small network?",
        "choices": ["Underfitting: too simple for the pattern", "Overfitting even more", "Divergence"],
        "explain": "Here two Gaussian clouds need only a line, so one neuron does fine; on the circle or the spiral it would underfit."}
    ]
  },
  "regularization": {
    "title": "Dropout and early stopping",
    "steps": [
      {"text": "The overfitting setup, with part of the training points kept aside to validate. Predict, then press Apply: dropout 0.3 in every hidden layer. Press Play.",
        "question": "What does dropout do while training?",
        "choices": ["Removes training points", "Switches off random hidden neurons at each step", "Lowers the learning rate"],
        "explain": "Each step drops a random 30 % of the hidden neurons, so none can rely on the others: the network overfits less. Testing uses them all."},
      {"text": "Press Apply: no dropout, early stopping with patience 20. Press Play and watch the loss chart.",
        "question": "When will training stop?",
        "choices": ["After 20 epochs without a better validation loss, keeping the best weights", "After exactly 20 epochs", "When the training loss reaches 0"],
        "explain": "Early stopping watches the validation loss and stops once it has not improved for the patience; the chart marks the best epoch."},
      {"text": "Press Apply: L2 regularization, λ = 0.03 (a penalty λ·½Σw² added to the cost). Press Play.",
        "question": "What does the L2 penalty do to the weights?",
        "choices": ["Makes them larger", "Sets them all to zero at once", "Pulls them toward zero, smoothing the boundary"],
        "explain": "Large weights now cost something, so gradient descent keeps them small: a simpler, smoother boundary."}
    ]
  },
  "genetic": {
    "title": "Genetic algorithms",
    "steps": [
      {"text": "This run's optimizer is the genetic algorithm: it trains the network without gradients. A population of 64 weight vectors is scored by its training loss; the fittest are kept, crossed and mutated, one generation each tick. Press Play and watch the counter say Generation.",
        "question": "What does a genetic algorithm need from the network?",
        "choices": ["The gradient ∂J/∂w", "Only the loss of each candidate network", "The learning rate"],
        "explain": "Only the fitness counts, so it works even where no gradient exists (say a step activation)."},
      {"text": "Under the batch size the page says what a generation costs: a forward pass of every member over every training point. Apply starts the same setup with Adam, which uses the gradient.",
        "question": "Per update, which uses more network evaluations?",
        "choices": ["A genetic algorithm: a whole population each generation", "Gradient descent", "They are the same"],
        "explain": "One gradient step needs one forward and one backward pass per batch; a generation evaluates every member of the population."},
      {"text": "Think of a loss surface with many local minima.",
        "question": "Where can a genetic algorithm have the edge?",
        "choices": ["On smooth, convex problems", "Never", "On rugged surfaces, or without gradients, by searching many places at once"],
        "explain": "A population explores widely and can escape poor local minima; on smooth problems like this one, gradient descent is far cheaper."}
    ]
  }
};
