"""One step of a run (``Trainer``'s base class): a mini-batch's update (the optimizer's step,
the penalty's own step, L1's dead links) or a genetic generation, and an epoch's end: the
divergence checks, the metrics, the history and the stopping rules."""

from __future__ import annotations

import numpy as np

from engine.data import Prepared
from engine.generation_kernel import take_member
from engine.genetic import Genetic
from engine.heads import Head
from engine.health import MAX_LOSS, MAX_WEIGHT, DivergedError, check_data, divergence, exploded
from engine.history import History
from engine.metrics import Metrics, redated
from engine.steplosses import StepLosses
from engine.stopping import Stopper
from engine.trainer_objective import TrainerObjective
from engine.trainer_views import TrainerViews


class TrainerStep(TrainerObjective, TrainerViews):
    """A step and an epoch's end; ``engine.trainer.Trainer`` holds the state and drives them."""

    rng: np.random.Generator
    learning_rate: float
    batch_size: int
    stopper: Stopper
    diverged: str | None
    history: History
    batch_losses: StepLosses
    _any_dead: bool
    _cursor: int
    _epoch_x: np.ndarray  # (features + 1, n): this epoch's shuffled training inputs
    _epoch_t: np.ndarray  # (n, outputs): their targets
    _measured: tuple[Prepared | None, Head | None, np.ndarray]

    def _step(self) -> None:
        """The next mini-batch's step (the genetic trainer's: a generation); the epoch's last
        one ends the epoch."""
        if self.stopper.reason or self.diverged:
            return
        if isinstance(self.optimizer, Genetic):
            self._generation(self.optimizer)
            return
        n_train = len(self.data.train_t)
        if self._cursor == 0:  # a new epoch: reshuffle once, then batches are plain slices
            order = self.rng.permutation(n_train)
            self._epoch_x = self.train_x_aug[:, order]  # (features + 1, n), feature-major
            self._epoch_t = self.data.train_t[order]
        end = min(self._cursor + self.batch_size, n_train)
        batch = slice(self._cursor, end)
        self.data_gradient(self._epoch_x[:, batch], self._epoch_t[batch], self.rng, True)
        self._update()
        self.step += 1
        self.forward_passes += end - self._cursor
        if self.keep_batch_losses:
            self.batch_losses.append(self.step, self.batch_loss)
        self._cursor = end
        if self._cursor >= n_train:  # a short last batch is its own step
            self._cursor = 0
            self._end_epoch()

    def _generation(self, genetic: Genetic) -> None:
        """The genetic trainer's step and epoch: one generation, scored on the whole training
        set; the network then holds the best member (``engine.genetic``)."""
        scored = genetic.generation(self.population_objective, self._population_objective())
        params, measured = self.network.params, self._measured[2]
        taken = take_member(genetic.population, genetic.best, params, measured, MAX_WEIGHT)
        self.step += 1
        self.forward_passes += scored * len(self.data.train_t)
        self._end_epoch(taken)
        if self.keep_batch_losses:
            self.batch_losses.append(self.step, self.latest.train_loss)

    def _update(self) -> None:
        """The optimizer's step on the data gradient, then the penalty's own step with L1's
        dead-link rule (``engine.regularizers``). Divergence is checked at epoch ends."""
        params, grads, weights = self.network.params, self.network.grads, self._weights
        penalised = self._penalised
        if penalised:  # R′ at the weights before the data step, as TF Playground
            shrink = self.regularizer.derivative(params[weights])
            shrink *= self.learning_rate * self.regularization_rate
        if self._any_dead:
            grads[self.dead] = 0.0
        self.optimizer.step(params, grads, self.learning_rate)
        if penalised:
            params[weights], crossed = self.regularizer.decay(params[weights], shrink)
            if crossed is not None and crossed.any():  # dead for good, until a reset
                self.dead[weights[crossed]] = True
                self._any_dead = True
        if self._any_dead:
            params[self.dead] = 0.0

    def _check_weights(self, exploded_: bool | None = None) -> None:
        """Diverged if a weight is NaN, infinite or past MAX_WEIGHT (``exploded_``: already
        known): back to the last sane ones."""
        params = self.network.params
        if exploded(params) if exploded_ is None else exploded_:
            params[:] = self._sane
            self.latest = self.metrics()
            self._diverge("weights")

    def _diverge(self, part: str) -> None:
        """Stop for good, keeping the last sane weights, and say why."""
        said = divergence(part, self.learning_rate, self.epoch, self.step)
        self.diverged = str(said)
        raise DivergedError(said)

    def _end_epoch(self, taken: tuple[bool, bool] | None = None) -> None:
        """The epoch's checks, metrics, history and stopping rules; ``taken``: whether the
        weights exploded and whether they are the last measured ones, where already known
        (``take_member``)."""
        self.epoch += 1
        self._check_weights(None if taken is None else taken[0])
        self.latest = self._epoch_metrics(None if taken is None else taken[1])
        if not self.latest.train_loss <= MAX_LOSS:  # NaN fails the test too
            self.network.params[:] = self._sane
            self.latest = self.metrics()
            self._diverge("loss")
        check_data(self.latest, self.data.split)
        np.copyto(self._sane, self.network.params)
        self.history.append(self.latest)
        best = self.stopper.update(self.latest, self.network.params)
        if best is not None:  # early stopping with restore_best
            self.network.params[:] = best
            self.latest = self.metrics()

    def _epoch_metrics(self, same: bool | None = None) -> Metrics:
        """The epoch's losses and accuracies: the last epoch's, re-dated, where the network,
        its data and its head are what they were then (a generation that kept its best
        member: the engine is deterministic), else evaluated anew."""
        last, (data, head, params) = self.latest, self._measured
        if (
            last.epoch == self.epoch - 1
            and data is self.data
            and head is self.head
            and (np.array_equal(self.network.params, params) if same is None else same)
        ):
            return redated(last, self.epoch, self.step, self.forward_passes)
        self._measured = (self.data, self.head, self.network.params.copy())
        return self.metrics(detail=False)
