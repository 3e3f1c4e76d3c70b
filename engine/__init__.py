"""nnplayground's training engine: a plain, deterministic NumPy library.

>>> from engine import ExperimentConfig, Trainer
>>> trainer = Trainer(ExperimentConfig(seed=1))
>>> for _ in range(100):
...     trainer.train_epoch()
>>> trainer.metrics().test_accuracy > 0.9
True
"""

from engine.activations import ACTIVATIONS, Activation
from engine.config import ExperimentConfig
from engine.datasets import DATASETS, Dataset, Split
from engine.features import FEATURES
from engine.frames import Frame
from engine.metrics import Metrics
from engine.network import Network
from engine.registry import UnknownNameError
from engine.trainer import DivergedError, Trainer

__all__ = [
    "ACTIVATIONS",
    "DATASETS",
    "FEATURES",
    "Activation",
    "Dataset",
    "DivergedError",
    "ExperimentConfig",
    "Frame",
    "Metrics",
    "Network",
    "Split",
    "Trainer",
    "UnknownNameError",
]
