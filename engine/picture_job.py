"""A frame drawn in pieces, so that a big run's frame never holds its worker for long.

A frame evaluates every neuron over the grid (``Network.forward_picture``) and, between two
epochs, the metrics over the whole data set (``engine.metrics.evaluate``). For the biggest
network the budget allows ([256, 256, 128], ~98,000 parameters) on 10,000 points, each of the
two is 30-40 ms on a quiet core and three times that on a busy one, while the worker's other
runs wait. A ``FrameJob`` is the same frame computed a few thousand points at a time
(``advance``), between which the worker trains and draws its other runs. It draws the run as
it stood when the job began: the parameters and what the metrics need are copied then, so
training between pieces never tears a picture or mixes two moments' numbers.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace

import numpy as np

from engine.data import Prepared
from engine.frames import Frame, frame_of
from engine.heads import Head
from engine.kernels import BLOCK
from engine.metrics import Metrics, layer_norms, metrics_of
from engine.network import Network
from engine.network_buffers import Buffers, PicturePass

Array = np.ndarray
FIRST_PIECE = 2 * BLOCK  # points: a pass's first piece, and the least any piece draws …
MOST_PIECE = 4 * BLOCK  # … and the most: a piece's work arrays stay small, and are reused


class GridPass:
    """Every neuron over the grid, in pieces (``Network.forward_picture``)."""

    def __init__(self, network: Network, grid: Array, buf: Buffers) -> None:
        forms, folding = network.picture_folding(grid.dtype)
        layers = folding.fold(network)
        self.picture = PicturePass(forms, folding.plan, folding.cast, layers).frozen(network.sizes)
        self.grid, self.points = grid, int(grid.shape[1])
        self.per_point = 0.0  # seconds a point took in the last piece
        self.buf = buf

    def fill(self, first: int, last: int) -> None:
        self.picture.fill(self.grid, self.buf, first, last)


class DataPass:
    """The network's outputs on every data point, in float32 pieces: what ``evaluate``'s
    metrics are made of (``metrics_of``), with the weights of the moment it was made."""

    def __init__(self, network: Network, data: Prepared) -> None:
        cast = network.params.astype(np.float32)
        self.layers = [layer.T.copy() for layer in network.views(cast)]  # (fan_out, fan_in + 1)
        self.activations = list(network.activations)
        self.x = data.all_x_aug
        self.points = int(self.x.shape[1])
        self.per_point = 0.0
        self.z = np.empty((self.points, network.sizes[-1]), np.float32)

    def fill(self, first: int, last: int) -> None:
        a = self.x[:, first:last]
        with np.errstate(all="ignore"):  # a diverging run's numbers stay what they are
            for k, activation in enumerate(self.activations):
                z = self.layers[k] @ a
                a = np.ones((len(z) + 1, z.shape[1]), z.dtype)
                activation.forward(z, a[:-1])
            self.z[first:last] = (self.layers[-1] @ a).T


class FrameJob:
    def __init__(
        self,
        network: Network,
        head: Head,
        grid: Array,
        metrics: Metrics | Callable[[Array], Metrics],
        *,
        buffers: Buffers,
        data: Prepared | None = None,
        view: tuple[int, int, int | None],
        value_range: tuple[float, float],
        finish: Callable[[Frame, Array], None] | None = None,
    ) -> None:
        """``metrics``: the frame's, or (with ``data``) made from the outputs on ``data``
        (``metrics_of``); ``buffers``: for the grid's points, kept by the caller for its next
        jobs (a fresh 26 MB block a frame costs page faults, on a VM ~10 ms a megabyte when
        the host backs it first), one job at a time; ``view``: (resolution, thumbnail,
        focus); ``finish(frame, params)`` adds what the frame needs beyond the pass, from the
        copied ``params``."""
        self._passes: list[GridPass | DataPass] = [GridPass(network, grid, buffers)]
        if data is not None:
            self._passes.insert(0, DataPass(network, data))
        self._metrics = metrics
        self._params = network.params.copy()
        self._network, self._head = network, head
        self._view, self._value_range, self._finish = view, value_range, finish
        self._at, self._done = 0, 0  # the pass under way, and its points done

    @property
    def done(self) -> bool:
        return self._at >= len(self._passes)

    def advance(self, seconds: float) -> bool:
        """Compute pieces for about ``seconds`` (at least one); whether all are done. A
        piece is sized by what its pass's last piece took a point."""
        end = time.perf_counter() + seconds
        while not self.done:
            work = self._passes[self._at]
            left = end - time.perf_counter()
            piece = FIRST_PIECE
            if work.per_point:
                fits = int(min(MOST_PIECE, left / work.per_point)) // BLOCK * BLOCK
                piece = max(FIRST_PIECE, fits)
            started, last = time.perf_counter(), min(work.points, self._done + piece)
            work.fill(self._done, last)
            work.per_point = (time.perf_counter() - started) / (last - self._done)
            self._done = last
            if last >= work.points:
                self._at, self._done = self._at + 1, 0
            if time.perf_counter() >= end:
                break
        return self.done

    def frame(self) -> Frame:
        """The frame, once ``advance`` said all is done."""
        if not self.done:
            raise RuntimeError("the frame is not drawn yet")
        metrics = self._metrics
        if not isinstance(metrics, Metrics):
            data = self._passes[0]
            assert isinstance(data, DataPass)
            metrics = metrics(data.z)
        grid = self._passes[-1]
        assert isinstance(grid, GridPass)
        resolution, thumbnail, focus = self._view
        frame = frame_of(
            grid.picture.trace(grid.buf),
            self._network,
            self._params,
            self._head,
            metrics,
            resolution=resolution,
            thumbnail=thumbnail,
            value_range=self._value_range,
            focus=focus,
        )
        if self._finish is not None:
            self._finish(frame, self._params)
        return frame


def later_metrics(
    network: Network, data: Prepared, head: Head, *, epoch: int, step: int, forward_passes: int
) -> Callable[[Array], Metrics]:
    """What makes the metrics of now from the outputs a ``DataPass`` begun now computes,
    with the per-layer norms of now (as ``evaluate``'s ``detail``)."""
    norms = layer_norms(network.weights), layer_norms(network.grad_weights)

    def made(z: Array) -> Metrics:
        metrics = metrics_of(z, data, head, epoch, step, forward_passes)
        return replace(metrics, weight_norms=norms[0], grad_norms=norms[1])

    return made
