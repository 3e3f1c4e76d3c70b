"""nnplayground's training engine: a plain, deterministic NumPy library.

>>> from engine import ExperimentConfig, Trainer
>>> trainer = Trainer(ExperimentConfig(seed=0))
>>> trainer.fit(150).test_accuracy > 0.95
True
"""

from engine.activations import ACTIVATIONS, Activation
from engine.config import ExperimentConfig, LiveChanges
from engine.datasets import DATASETS, Dataset, Split
from engine.features import FEATURES
from engine.frames import Frame
from engine.heads import Head
from engine.initializers import INITIALIZERS
from engine.losses import LOSSES
from engine.metrics import Metrics
from engine.network import Network
from engine.optimizers import OPTIMIZERS
from engine.registry import UnknownNameError
from engine.regularizers import REGULARIZERS
from engine.trainer import DivergedError, Trainer
from engine.userdata import UserDataError

__all__ = [
    "ACTIVATIONS",
    "DATASETS",
    "FEATURES",
    "INITIALIZERS",
    "LOSSES",
    "OPTIMIZERS",
    "REGULARIZERS",
    "Activation",
    "Dataset",
    "DivergedError",
    "ExperimentConfig",
    "Frame",
    "Head",
    "LiveChanges",
    "Metrics",
    "Network",
    "Split",
    "Trainer",
    "UnknownNameError",
    "UserDataError",
]
