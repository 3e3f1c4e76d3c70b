"""What the outside sees of a run (``Trainer``'s base class): its metrics now, its frame
(the output and every hidden neuron's picture, a focused neuron, a dropout sample), the input
features' pictures, and a weight a student sets by hand."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from engine.config import ExperimentConfig
from engine.data import Prepared
from engine.datasets import Dataset
from engine.features import FEATURES
from engine.frames import Frame, feature_maps, frame_of, grid_inputs, sampled_output
from engine.genetic import Genetic
from engine.heads import Head
from engine.messages import ENGINE
from engine.metrics import Metrics, evaluate, with_norms
from engine.network import Network
from engine.network_buffers import Buffers
from engine.optimizers import Optimizer
from engine.picture_job import FrameJob, later_metrics
from engine.weightspace import project


class TrainerViews:
    """The views of a run's state; ``engine.trainer.Trainer`` holds the state."""

    config: ExperimentConfig
    points: Dataset
    data: Prepared
    network: Network
    head: Head
    optimizer: Optimizer
    epoch: int
    step: int
    forward_passes: int
    latest: Metrics
    dead: np.ndarray
    _sane: np.ndarray
    _grids: dict[tuple[int, int], np.ndarray]
    _job_buffers: dict[int, Buffers]
    _sample_rng: np.random.Generator

    def metrics(self, detail: bool = True) -> Metrics:
        """Every metric now; ``detail=False``: just losses and accuracies (cheaper)."""
        return evaluate(
            self.data,
            self.network,
            self.head,
            self.epoch,
            self.step,
            detail=detail,
            forward_passes=self.forward_passes,
        )

    def frame(
        self,
        resolution: int = 100,
        thumbnail: int = 20,
        focus: int | None = None,
        dropout_sample: bool = False,
    ) -> Frame:
        """The output and every hidden neuron over the [-6, 6]² grid, with the latest metrics;
        ``focus``: one hidden neuron (in layer order) at the output's resolution too;
        ``dropout_sample`` (a network with dropout): ``dropout_output`` too, the output of the
        training-mode network through a fresh mask (``sampled_output``), drawn from a
        generator of its own: training's random numbers are the same with or without it."""
        grid = self._frame_grid(resolution, thumbnail)
        frame = frame_of(
            self.network.forward_picture(grid),
            self.network,
            self.network.params,
            self.head,
            self.latest,
            resolution=resolution,
            thumbnail=thumbnail,
            value_range=self._value_range(),
            focus=focus,
        )
        self._extras(grid, resolution, dropout_sample)(frame, self.network.params)
        return frame

    def frame_job(
        self,
        resolution: int = 100,
        thumbnail: int = 20,
        focus: int | None = None,
        dropout_sample: bool = False,
    ) -> FrameJob:
        """``frame``'s frame of the run as it is now, to draw in pieces while it trains on
        (``engine.picture_job``)."""
        stale = self.latest.step != self.step  # mid-epoch: its metrics are made in pieces too
        if not stale and not self.latest.weight_norms:
            self.latest = with_norms(self.latest, self.network)
        grid = self._grid(resolution, thumbnail)
        now = {"epoch": self.epoch, "step": self.step, "forward_passes": self.forward_passes}
        return FrameJob(
            self.network,
            self.head,
            grid,
            later_metrics(self.network, self.data, self.head, **now) if stale else self.latest,
            buffers=self._job_buffers_for(grid.shape[1]),
            data=self.data if stale else None,
            view=(resolution, thumbnail, focus),
            value_range=self._value_range(),
            finish=self._extras(grid, resolution, dropout_sample),
        )

    def _job_buffers_for(self, points: int) -> Buffers:
        """A frame job's work arrays for ``points`` grid points, kept for the next job of a
        view that size (a run draws one job at a time)."""
        found = self._job_buffers.get(points)
        if found is None:
            if len(self._job_buffers) >= 2:
                self._job_buffers.clear()
            found = self._job_buffers[points] = Buffers(
                self.network.sizes, points, np.dtype(np.float32)
            )
        return found

    def _frame_grid(self, resolution: int, thumbnail: int) -> np.ndarray:
        """The grid's inputs for a frame, the latest metrics made current for it."""
        if self.latest.step != self.step:  # mid-epoch, after single batches
            self.latest = self.metrics()
        elif not self.latest.weight_norms:  # an epoch's record: add the norms for the picture
            self.latest = with_norms(self.latest, self.network)
        return self._grid(resolution, thumbnail)

    def _grid(self, resolution: int, thumbnail: int) -> np.ndarray:
        """The grid's inputs for a frame (kept for a few views)."""
        key = (resolution, thumbnail)
        if key not in self._grids:
            if len(self._grids) >= 4:  # a few views of one run at once: keep theirs
                self._grids.clear()
            self._grids[key] = grid_inputs(self.network, self.config.data.features, *key)
        return self._grids[key]

    def _extras(
        self, grid: np.ndarray, resolution: int, dropout_sample: bool
    ) -> Callable[[Frame, np.ndarray], None]:
        """What a frame adds after its pass, as the run is now: a genetic run's population;
        with ``dropout_sample``, one sampled training-mode output (from the frame's weights)."""
        members = None
        if isinstance(self.optimizer, Genetic):  # the population, seen as the network is
            members = project(self.optimizer.population, self.network.sizes).astype(np.float32)
        sample = dropout_sample and any(self.network.dropout)
        value_range = self._value_range()

        def finish(frame: Frame, params: np.ndarray) -> None:
            if members is not None:
                frame.arrays["population_space"] = members
            if sample:
                sampled_output(
                    frame,
                    self.network,
                    self.head,
                    grid,
                    self._sample_rng,
                    resolution=resolution,
                    value_range=value_range,
                    params=params,
                )

        return finish

    def feature_maps(self, thumbnail: int = 20) -> Frame:
        """Every registered input feature's picture, in registry order (used or not: the page
        shows them all as tiles to switch on). They never change during a run."""
        return feature_maps(list(FEATURES), thumbnail)

    def set_weight(self, layer: int, source: int | None, target: int, value: float) -> None:
        """Set one weight (from ``source`` in ``layer`` to ``target`` in the next) or, with
        ``source`` None, the bias of ``target``: what a student does by clicking a link."""
        sizes = self.network.sizes
        if not 0 <= layer < len(sizes) - 1:
            raise ValueError(ENGINE.say("weight.layer", last=len(sizes) - 2))
        fan_in, fan_out = sizes[layer], sizes[layer + 1]
        if not 0 <= target < fan_out or (source is not None and not 0 <= source < fan_in):
            raise ValueError(ENGINE.say("weight.unit", layer=layer, inputs=fan_in, units=fan_out))
        if not math.isfinite(value):
            raise ValueError(ENGINE.say("weight.not_finite"))
        row = fan_in if source is None else source
        self.network.layers[layer][row, target] = value
        self.network.views(self.dead)[layer][row, target] = False  # an edited weight lives
        np.copyto(self._sane, self.network.params)
        self.optimizer.refit(self.network.params)
        self.latest = self.metrics()

    def _value_range(self) -> tuple[float, float]:
        if self.head.task != "regression":
            return (-1.0, 1.0)
        top = max(1.0, float(np.abs(self.points.y).max()))
        return (-top, top)
