// The lessons' shared part (one lesson a concept of the course): each lesson's preset setup
// (merged over the server's defaults, as a link's setup is), and per step the index of the
// right choice and the change "Apply" makes (`live`: sent to the running run; `config`: a
// new run). The words are per language (en.js, ko.js), in the same order. Kept as JSON so
// tests/browser/test_lessons.py can read it and post every preset to the server.
export const LESSONS = [
  {
    "id": "neuron",
    "config": {"seed": 7, "data": {"dataset": "gauss", "features": ["x1", "x2"]},
      "network": {"hidden": [1], "activation": "tanh"}, "training": {"learning_rate": 0.03}},
    "steps": [{"answer": 1}, {"answer": 0}, {"answer": 2, "apply": {"config": {"network": {"activation": "sigmoid"}}}}]
  },
  {
    "id": "activation",
    "config": {"seed": 7, "data": {"dataset": "circle", "features": ["x1", "x2"]},
      "network": {"hidden": [4], "activation": "linear"}, "training": {"learning_rate": 0.03}},
    "steps": [{"answer": 1}, {"answer": 0, "apply": {"config": {"network": {"activation": "tanh"}}}},
      {"answer": 2, "apply": {"config": {"network": {"activation": "relu"}}}}]
  },
  {
    "id": "cost",
    "config": {"seed": 7, "data": {"dataset": "gauss", "noise": 0.3},
      "network": {"hidden": [4], "activation": "tanh", "output_activation": "sigmoid"},
      "training": {"loss": "mse", "learning_rate": 0.1}},
    "steps": [{"answer": 2}, {"answer": 1, "apply": {"config": {"training": {"loss": "bce"}}}}]
  },
  {
    "id": "gradient-descent",
    "config": {"seed": 7, "data": {"dataset": "circle"}, "network": {"hidden": [4, 2], "activation": "tanh"},
      "training": {"learning_rate": 0.1, "batch_size": 10}},
    "steps": [{"answer": 0}, {"answer": 2}, {"answer": 1}]
  },
  {
    "id": "regression",
    "config": {"seed": 7, "data": {"dataset": "reg-plane"},
      "network": {"hidden": [8, 8], "activation": "relu", "output_activation": "linear"},
      "training": {"loss": "mse", "learning_rate": 0.01}},
    "steps": [{"answer": 1}, {"answer": 0, "apply": {"config": {"network": {"output_activation": "relu"}}}},
      {"answer": 2, "apply": {"config": {"network": {"output_activation": "linear"}, "training": {"loss": "huber"}}}}]
  },
  {
    "id": "softmax",
    "config": {"seed": 7, "data": {"dataset": "blobs"}, "network": {"hidden": [6], "activation": "tanh"},
      "training": {"learning_rate": 0.03}},
    "steps": [{"answer": 2}, {"answer": 0}, {"answer": 1, "apply": {"config": {"data": {"dataset": "spirals"}, "network": {"hidden": [8, 8]}}}}]
  },
  {
    "id": "backprop",
    "config": {"seed": 7, "data": {"dataset": "gauss", "features": ["x1", "x2"]},
      "network": {"hidden": [3], "activation": "sigmoid", "output_activation": "sigmoid"},
      "training": {"loss": "bce", "learning_rate": 0.3}},
    "steps": [{"answer": 1}, {"answer": 0}, {"answer": 2}, {"answer": 1}]
  },
  {
    "id": "learning-rate",
    "config": {"seed": 7, "data": {"dataset": "circle"}, "network": {"hidden": [4, 2], "activation": "tanh"},
      "training": {"learning_rate": 0.03, "batch_size": 10}},
    "steps": [{"answer": 0}, {"answer": 2, "apply": {"live": {"learning_rate": 10}}},
      {"answer": 1, "apply": {"live": {"learning_rate": 0.0001}}}, {"answer": 0, "apply": {"live": {"learning_rate": 0.3}}}]
  },
  {
    "id": "optimizers",
    "config": {"seed": 7, "data": {"dataset": "spiral", "features": ["x1", "x2", "sin_x1", "sin_x2"]},
      "network": {"hidden": [8, 6], "activation": "tanh"}, "training": {"optimizer": "sgd", "learning_rate": 0.01}},
    "steps": [{"answer": 1}, {"answer": 0, "apply": {"config": {"training": {"optimizer": "adam"}}}},
      {"answer": 2, "apply": {"config": {"training": {"optimizer": "adagrad"}}}}]
  },
  {
    "id": "batch-size",
    "config": {"seed": 7, "data": {"dataset": "gauss", "noise": 0.3}, "network": {"hidden": [4], "activation": "tanh"},
      "training": {"learning_rate": 0.03, "batch_size": 10}},
    "steps": [{"answer": 1}, {"answer": 2, "apply": {"live": {"batch_size": 1}}}, {"answer": 0, "apply": {"live": {"batch_size": 250}}}]
  },
  {
    "id": "overfitting",
    "config": {"seed": 7, "data": {"dataset": "gauss", "noise": 0.5, "n_samples": 100, "train_ratio": 0.3,
      "features": ["x1", "x2", "x1_sq", "x2_sq", "x1x2", "sin_x1", "sin_x2"]},
      "network": {"hidden": [8, 8, 8], "activation": "relu"}, "training": {"learning_rate": 0.03}},
    "steps": [{"answer": 2}, {"answer": 1}, {"answer": 0, "apply": {"config": {"network": {"hidden": [1]}}}}]
  },
  {
    "id": "regularization",
    "config": {"seed": 7, "data": {"dataset": "gauss", "noise": 0.5, "n_samples": 200, "train_ratio": 0.5,
      "validation_ratio": 0.3,
      "features": ["x1", "x2", "x1_sq", "x2_sq", "x1x2", "sin_x1", "sin_x2"]}, "network": {"hidden": [8, 8, 8], "activation": "relu"}, "training": {"learning_rate": 0.03}},
    "steps": [{"answer": 1, "apply": {"config": {"network": {"dropout": 0.3}}}},
      {"answer": 0, "apply": {"config": {"network": {"dropout": 0}, "training": {"early_stopping": {"patience": 20, "min_delta": 0, "restore_best": true}}}}},
      {"answer": 2, "apply": {"live": {"regularization": "l2", "regularization_rate": 0.03}}}]
  },
  {
    "id": "genetic",
    "config": {"seed": 7, "data": {"dataset": "circle"}, "network": {"hidden": [4], "activation": "tanh"},
      "training": {"optimizer": "genetic", "learning_rate": 0.03}},
    "steps": [{"answer": 1}, {"answer": 0, "apply": {"config": {"training": {"optimizer": "adam"}}}}, {"answer": 2}]
  }
];
