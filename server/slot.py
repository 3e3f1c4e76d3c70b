"""One run as its worker holds it: the trainer, what its viewers want, and its clock."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from engine.picture_job import FrameJob
from engine.trainer import Trainer
from server.protocol import Result, ViewKey

COSTLY_FRAME = 0.01  # seconds: a run whose frames take longer draws them in pieces
PICTURE_SECONDS = 5e-11  # a frame's cost, a parameter at a grid point (measured: [256, 256,
# 128]'s ~98,000 parameters at the default view's 10,400 points took ~35 ms, [8]×6's 0.23 ms)


DEFAULT_POINTS = 100 * 100 + 20 * 20  # the default view's grid: the output's, a neuron's


def grid_points(views: Iterable[ViewKey]) -> int:
    """The grid points of the frames of ``views``."""
    return sum(view.resolution**2 + 20 * 20 for view in views)


def first_frame_cost(trainer: Trainer) -> float:
    """What a run's frames of the default view cost before one was drawn: roughly its
    parameters times the grid's points."""
    return PICTURE_SECONDS * trainer.network.params.size * DEFAULT_POINTS


@dataclass
class Slot:
    trainer: Trainer
    fps: float  # the fastest frame rate any viewer asked for
    speed: float | None  # epochs per second; None: one per frame when watched, else flat out
    views: tuple[ViewKey, ...] = ()  # one frame per view; none: nobody watches
    undrawn: set[ViewKey] = field(default_factory=set)  # new views, not drawn yet
    interactive: bool = False  # watched once: keeps a viewer's pace when nobody watches
    viewer_pace: float = 20.0  # epochs/s when no speed is set: the controllers' fastest fps
    playing: bool = False
    started: bool = False  # has played or stepped: its status is no longer "created"
    next_epoch: float = 0.0
    next_frame: float = 0.0
    dirty: bool = False  # trained since the last frame
    shipped: int = -1  # the last epoch whose metrics row went out
    shipped_step: int = -1  # the last step whose mini-batch loss went out
    next_ship: float = 0.0
    next_checkpoint: float = 0.0
    owed_epochs: int = 0  # still to train: a paced run's due epochs, or a step's
    owed_batches: int = 0  # a step of single mini-batches
    step_deadline: float = 0.0  # a step still owed past this is cut short
    frame_cost: float = 0.0  # seconds its last frames took to draw (the scheduler's estimate)
    frame_points: int = DEFAULT_POINTS  # … over this many grid points
    drawing: list[ViewKey] = field(default_factory=list)  # views whose frames are in pieces
    job: FrameJob | None = None  # the first one's, under way
    drawing_cost: float = 0.0  # seconds the pieces drawn so far took …
    drawing_points: int = 0  # … of the frames of this many grid points
    held: list[Result] = field(default_factory=list)  # statuses to follow the frames drawing

    @property
    def costly(self) -> bool:
        """Its frames are slow to draw (``COSTLY_FRAME``), so they are drawn in pieces
        (``Reporter.draw``): by what its last frames took a grid point, times the points of
        those it has to draw (a big run's tiny view is quick, its next big one not)."""
        if self.drawing:
            return True
        views = self.due_views or self.views
        cost = self.frame_cost / max(1, self.frame_points) * grid_points(views)
        return cost > COSTLY_FRAME

    @property
    def pace(self) -> float | None:
        """Epochs per second now: the set speed; for an interactive run (even while its page
        is away) one per frame of its fastest controlling viewer; else flat out (a script's)."""
        return self.speed or (self.viewer_pace if self.views or self.interactive else None)

    @property
    def due_views(self) -> tuple[ViewKey, ...]:
        """The views to draw at the next frame time: all when the run changed, else the new."""
        if self.dirty:
            return self.views
        return tuple(view for view in self.views if view in self.undrawn)

    @property
    def busy(self) -> bool:
        """Has training to do: it plays, or a step is under way."""
        return self.playing or self.owed_epochs > 0 or self.owed_batches > 0

    def wants_work(self, now: float) -> bool:
        """Due to train now: it owes epochs or batches, or it plays and its time has come."""
        return bool(self.owed_epochs or self.owed_batches) or (
            self.playing and self.next_epoch <= now
        )
