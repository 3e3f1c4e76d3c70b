"""A trained network on its own: config + weights -> predictions, JSON, arrays.

What a finished run leaves behind, and what ``predict``, the model download and the
exported code are built from. It needs no data and no trainer.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.activations import ACTIVATIONS
from engine.config import ExperimentConfig
from engine.features import feature_matrix
from engine.heads import Head
from engine.network import Network

Array = np.ndarray
CHUNK_BYTES = 32 * 2**20  # work arrays of one chunk of points, whatever the grid's size


def build_network(config: ExperimentConfig, dtype: np.dtype | type = np.float64) -> Network:
    """The (untrained) network a config describes."""
    layers = config.network.layers()
    sizes = [len(config.data.features), *(layer.units for layer in layers), config.n_outputs()]
    return Network(
        sizes,
        [ACTIVATIONS[layer.activation or "tanh"] for layer in layers],
        [layer.dropout or 0.0 for layer in layers],
        dtype=dtype,
    )


def build_head(config: ExperimentConfig) -> Head:
    task, output, loss = config.head()
    return Head.build(task, output, loss, config.n_outputs() if task == "multiclass" else 2)


@dataclass
class Model:
    config: ExperimentConfig
    network: Network
    head: Head
    epoch: int = 0
    step: int = 0

    @classmethod
    def build(cls, config: ExperimentConfig, params: Array, epoch: int = 0, step: int = 0) -> Model:
        network = build_network(config)
        params = np.asarray(params, dtype=np.float64).ravel()
        if params.shape != network.params.shape:
            raise ValueError(
                f"expected {network.params.size} parameters for this config, got {params.size}"
            )
        network.params[:] = params
        return cls(config, network, build_head(config), epoch, step)

    def outputs(self, points: Array) -> Array:
        """Points (n, 2) in the plane -> the output units' values (n, outputs): a class's
        probability (sigmoid, softmax), a ±1 score (tanh) or the regression value.

        Evaluated in chunks of ``chunk_size`` points: a million points through a wide
        network would otherwise hold every layer's (units, n) array at once (gigabytes)."""
        points = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        out = np.empty((len(points), self.network.sizes[-1]))
        step = self.chunk_size()
        for start in range(0, len(points), step):
            x = feature_matrix(points[start : start + step], self.features)
            out[start : start + len(x)] = self.head.activate(self.network.predict(x))
        return out

    def chunk_size(self) -> int:
        """Points per chunk: a forward pass keeps two float64 arrays per layer, each
        (units + 1) × chunk."""
        per_point = 2 * 8 * sum(n + 1 for n in self.network.sizes)
        return max(64, CHUNK_BYTES // per_point)

    def labels(self, outputs: Array) -> Array | None:
        """The predicted labels (±1 or class indices); None for regression."""
        return None if self.head.task == "regression" else self.head.labels(outputs)

    @property
    def features(self) -> list[str]:
        return list(self.config.data.features)

    @property
    def activations(self) -> list[str]:
        return [activation.name for activation in self.network.activations]

    def layers(self) -> list[dict[str, Any]]:
        """Per layer: weights (fan_in, fan_out), biases (fan_out,) and activation."""
        names = [*self.activations, self.head.output]
        return [
            {"activation": name, "weights": w.tolist(), "biases": b.tolist()}
            for name, w, b in zip(names, self.network.weights, self.network.biases, strict=True)
        ]

    def as_dict(self) -> dict[str, Any]:
        return {
            "config": self.config.model_dump(mode="json"),
            "epoch": self.epoch,
            "step": self.step,
            "task": self.head.task,
            "features": self.features,
            "output_activation": self.head.output,
            "loss": self.head.loss.name,
            "layers": self.layers(),
        }

    def to_npz(self) -> bytes:
        """``W0, b0, W1, b1, ...`` and the ``config`` (JSON) as one ``.npz`` file."""
        buffer = io.BytesIO()
        arrays: dict[str, Any] = {"config": np.array(self.config.model_dump_json())}
        arrays.update(self.arrays())
        np.savez(buffer, **arrays)
        return buffer.getvalue()

    def arrays(self) -> dict[str, Array]:
        """``W0, b0, W1, b1, ...`` for ``np.savez``."""
        found: dict[str, Array] = {}
        for k, (w, b) in enumerate(zip(self.network.weights, self.network.biases, strict=True)):
            found[f"W{k}"], found[f"b{k}"] = w.copy(), b.copy()
        return found
