"""Inspections in the worker: the teaching views' numbers (``engine.inspect``,
``engine.inspect_units``, ``engine.inspect_step``, ``engine.inspect_chain``) computed on the
thread that trains the run, since they use the trainer's work buffers and nudge a weight for
finite differences.

``Scheduler`` works through the waiting ones after each turn's frames, for at most
``INSPECT_SLICE`` seconds (at least one a turn): however many viewers ask, their pictures
come first. Each answer is cleaned of NaN and encoded here, off the event loop. A request
that does not fit the run (a layer or unit it has not) is answered with an error; it never
fails the run.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence

from engine.inspect import Json, gradient_norms, probe
from engine.inspect_chain import chain_rule
from engine.inspect_step import next_update
from engine.inspect_units import activation_stats
from engine.trainer import Trainer
from server import protocol as p
from server.slot import Slot
from server.wire import clean, dumps

log = logging.getLogger(__name__)
INSPECT_SLICE = 0.01  # seconds of inspections a turn, after its frames
MAX_VALUES = 100_000  # z values an activations answer may carry (~2 MB of JSON)
MAX_ANSWER = 4_000_000  # characters: a bigger answer is refused, not sent


def _probe(
    trainer: Trainer, point: Sequence[float] | None = None, example: int | None = None
) -> Json:
    if point is None:
        if example is None:
            raise ValueError("point: give point or example")
        return probe(trainer, example)
    return probe(trainer, point)


def _activations(trainer: Trainer, layer: int, bins: int, values: bool) -> Json:
    """``activation_stats``, with every z only when there are few enough of them."""
    sizes = trainer.network.sizes
    if values and 0 <= layer < len(sizes) - 1:
        count = sizes[layer + 1] * len(trainer.data.train_t)
        if count > MAX_VALUES:
            raise ValueError(
                f"values: layer {layer} has {count:,} over the training set; "
                f"at most {MAX_VALUES:,} are sent"
            )
    return activation_stats(trainer, layer, bins, values=values)


COMPUTE: dict[str, Callable[..., Json]] = {
    "probe": _probe,
    "activations": _activations,
    "gradients": gradient_norms,
    "update": next_update,
    "chain": chain_rule,
}


def answer(slot: Slot | None, command: p.Inspect) -> p.Inspected:
    """The inspection's answer, or the error that stands for it."""
    run_id, request, what = command.run_id, command.request, command.what
    if slot is None:  # removed or ended since it was asked for
        return p.Inspected(run_id, request, what, error="the run is no longer trained")
    trainer = slot.trainer
    epoch, step = trainer.epoch, trainer.step
    try:
        data = dumps(clean(COMPUTE[what](trainer, **command.params)))
    except (ValueError, IndexError) as error:  # asks for what this network has not
        return p.Inspected(run_id, request, what, epoch, step, error=str(error))
    except Exception as error:  # a bug: this inspection fails, the run goes on
        log.exception("run %s: the %s inspection failed", run_id, what)
        message = f"the inspection failed ({type(error).__name__})"
        return p.Inspected(run_id, request, what, epoch, step, error=message, refused=False)
    if len(data) > MAX_ANSWER:
        message = f"the answer would be {len(data):,} characters, more than {MAX_ANSWER:,}"
        return p.Inspected(run_id, request, what, epoch, step, error=message)
    return p.Inspected(run_id, request, what, epoch, step, data)


class Inspector:
    """The inspections a worker has been asked for, oldest first."""

    def __init__(self) -> None:
        self.waiting: deque[p.Inspect] = deque()

    def add(self, command: p.Inspect) -> None:
        self.waiting.append(command)

    def work(self, slots: Mapping[str, Slot], outbox: list[p.Result], budget: float) -> None:
        """Answer waiting inspections for ``budget`` seconds (one at least): the rest wait
        for the next turn, after its frames."""
        end = time.monotonic() + budget
        while self.waiting:
            command = self.waiting.popleft()
            outbox.append(answer(slots.get(command.run_id), command))
            if time.monotonic() >= end:
                return
