"""The typed protocol between the run manager (on the event loop) and the workers that train.

Commands go to a worker, results come back, each one frozen dataclass carrying its run's id.
A worker applies a command with the handler registered for its class (an unknown class is an
error, never silently dropped); the manager applies results by class the same way. Both
sides pickle them unchanged when the worker is another process.

A view is what one viewer wants drawn: a grid resolution and, optionally, one hidden neuron
at full resolution (the one it hovers). A run's worker draws one frame per distinct view the
manager asks for (at most ``MAX_VIEWS``), at the fastest frame rate any viewer asked for.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from engine.config import ExperimentConfig
from engine.messages import Message
from server.schemas import RunStatus

MAX_VIEWS = 4  # distinct views drawn for one run; more viewers share the nearest of them


@dataclass(frozen=True)
class ViewKey:
    """What one frame shows: the output grid's resolution, the focused neuron, if any, and
    whether it carries a dropout sample (``dropout_output``)."""

    resolution: int = 100
    focus: int | None = None
    dropout_sample: bool = False


DEFAULT_VIEW = ViewKey()


@dataclass(frozen=True)
class Command:
    run_id: str


@dataclass(frozen=True)
class Create(Command):
    config: ExperimentConfig
    speed: float | None = None
    checkpoint: bytes | None = None  # resuming: the state to start from


@dataclass(frozen=True)
class Remove(Command):
    pass


@dataclass(frozen=True)
class Play(Command):
    pass


@dataclass(frozen=True)
class Pause(Command):
    pass


@dataclass(frozen=True)
class Cancel(Command):
    pass


@dataclass(frozen=True)
class Step(Command):
    """Train ``epochs`` epochs or ``batches`` mini-batches, then pause."""

    epochs: int = 0
    batches: int = 0


@dataclass(frozen=True)
class Reset(Command):
    same_init: bool = True


@dataclass(frozen=True)
class Regenerate(Command):
    pass


@dataclass(frozen=True)
class Tune(Command):
    """Live changes (``engine.config.LiveChanges`` fields) and the run's speed."""

    changes: dict[str, Any] = field(default_factory=dict)
    speed: float | None = None


@dataclass(frozen=True)
class EditWeight(Command):
    layer: int
    source: int | None
    target: int
    value: float


@dataclass(frozen=True)
class Watch(Command):
    """The views the run's viewers want now (none: nobody watches), and the fastest fps.
    ``pace``: the epochs a second of a run with no speed of its own, the fastest fps a viewer
    who may control the run asked for (a watcher's fps is its frame rate, never the run's
    speed). ``interactive``: someone has watched it, so it keeps that pace when unwatched."""

    views: tuple[ViewKey, ...] = ()
    fps: float = 20.0
    interactive: bool = False
    pace: float = 20.0
    steps: bool = False  # keep every mini-batch's loss (a viewer plots them)


@dataclass(frozen=True)
class Checkpoint(Command):
    pass


@dataclass(frozen=True)
class Snapshot(Command):
    """The weights now, answered with ``Weights`` carrying the same ``request``."""

    request: int


@dataclass(frozen=True)
class Inspect(Command):
    """A teaching view's numbers (``engine.inspect`` and its neighbours) for the run as
    it stands, answered with ``Inspected`` carrying the same ``request``. ``what`` is the kind
    (``server.inspection.KINDS``), ``params`` the engine function's keyword arguments. The
    worker answers inspections after its turn's frames, a few milliseconds' worth a turn."""

    request: int
    what: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Stop(Command):
    """Not a run's: the worker ends its loop."""

    run_id: str = ""


# -- races ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RaceStart(Command):
    """Not a run's: these lanes (runs of this worker, just created) train in lockstep as the
    race ``run_id`` (``server.race_worker``), by ``unit`` ("epochs" or "forward_passes");
    the lanes in ``share_init`` start from the first lane's initial weights."""

    lanes: tuple[str, ...] = ()
    unit: str = "epochs"
    share_init: tuple[str, ...] = ()


@dataclass(frozen=True)
class RaceControl(Command):
    """Not a run's: play, pause, step (``amount`` in the race's unit; 0: one tick) or reset
    the race ``run_id``: every lane at once."""

    action: str = "pause"
    amount: int = 0


# -- results ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    run_id: str


@dataclass(frozen=True)
class Frame(Result):
    epoch: int
    step: int
    view: ViewKey
    data: bytes  # the encoded binary message, sent as it is to every viewer of ``view``


@dataclass(frozen=True)
class Features(Result):
    data: bytes


@dataclass(frozen=True)
class Dataset(Result):
    message: dict[str, Any]


@dataclass(frozen=True)
class Status(Result):
    status: RunStatus
    epoch: int
    step: int
    error: str | Message | None = None
    stop_reason: str | None = None
    best_epoch: int | None = None


@dataclass(frozen=True)
class Rows(Result):
    """History rows not sent before (``reset``: the history starts over), and the newest
    mini-batch losses not sent before, ``(step, loss)``."""

    rows: list[tuple[Any, ...]]
    reset: bool = False
    batches: list[tuple[int, float]] = field(default_factory=list)


@dataclass(frozen=True)
class Saved(Result):
    """A checkpoint to store."""

    epoch: int
    step: int
    state: bytes
    kept: bool = True  # between epochs: a state to keep for time travel (``server.states``)


@dataclass(frozen=True)
class Weights(Result):
    request: int
    epoch: int
    step: int
    params: np.ndarray


@dataclass(frozen=True)
class Inspected(Result):
    """An ``Inspect``'s answer: ``data``, the numbers as JSON text (cleaned of NaN and
    encoded in the worker: the event loop only frames it), or ``error`` when the request does
    not fit the run (a layer or unit it has not; ``refused``) or, a bug, failed in the
    worker; ``epoch`` and ``step`` the run's then."""

    request: int
    what: str
    epoch: int = 0
    step: int = 0
    data: str = "null"
    error: str | None = None
    refused: bool = True


@dataclass(frozen=True)
class Tuned(Result):
    """Live changes the trainer took (``Tune``'s, validated): the run's config changes too."""

    changes: dict[str, Any]


@dataclass(frozen=True)
class Notice(Result):
    """A message for the run's viewers: an error in a command, or why something stopped."""

    message: str | Message
    error: bool = True


# -- sweeps' trials -----------------------------------------------------------------------


@dataclass(frozen=True)
class TrialSpec:
    """One trial to train to its stop rule (a run of a sweep), from ``checkpoint`` when given."""

    run_id: str
    config: ExperimentConfig
    checkpoint: bytes | None = None


@dataclass(frozen=True)
class TrainTrials(Command):
    """Not a run's: train these trials between the live runs' work (``server.trials``)."""

    trials: tuple[TrialSpec, ...] = ()
    run_id: str = ""


@dataclass(frozen=True)
class DropTrials(Command):
    """Not a run's: stop these trials now, each reporting ``status`` with its checkpoint
    (``cancelled``: their sweep was; ``interrupted``: the server stops)."""

    ids: tuple[str, ...] = ()
    status: RunStatus = "cancelled"
    run_id: str = ""


@dataclass(frozen=True)
class TrialReport(Result):
    """A trial's news: history rows not sent before, a checkpoint (``state``) when one is
    due, and its end (``status``; None while it trains on)."""

    epoch: int
    step: int
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    state: bytes | None = None
    status: RunStatus | None = None
    error: str | None = None
    stop_reason: str | None = None
