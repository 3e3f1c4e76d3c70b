"""The worker side of the run manager: trains every playing run round-robin in one loop.

Nothing here touches the event loop. Commands (``server.protocol``) arrive on a queue;
results leave through ``deliver``, one list per turn. A worker (``server.workers``) hosts the
loop on a thread or in a process. A run's ``Trainer`` is only touched by its loop.

Work is sliced by time, not by epochs: a run trains a mini-batch at a time until its share
of the turn is spent, so no run, however big, holds the loop for much more than ``SLICE``
(its own pictures aside), and every neighbour's frames keep coming. Training speed (epochs
per second) and frame rate are separate: a run trains on its own clock, and frames go out at
most ``fps`` times a second, only when something changed.
"""

from __future__ import annotations

import gc
import logging
import math
import queue
import time
from collections.abc import Callable, Hashable
from typing import Protocol

try:
    from numpy._core import multiarray
except ImportError:  # NumPy 1
    from numpy.core import multiarray  # type: ignore[no-redef]

from engine import generation_kernel, kernels, population_kernel
from engine.batch import batch_key, train_epochs
from server import protocol as p
from server.handlers import Handlers
from server.inspect_worker import INSPECT_SLICE
from server.slot import Slot, grid_points
from server.trials import STACK_MAX_STEPS

log = logging.getLogger(__name__)

Deliver = Callable[[list[p.Result]], None]
SLICE = 0.02  # seconds of training the flat-out runs share per turn
PACED_SLICE = 0.01  # at most this per turn for a paced run or a step (they stop when done)
PACED_TOTAL = 0.02  # … and the paced runs share this when many are behind at once
PACED_FLOOR = 0.002  # the least a paced run gets a turn, however many there are
PIECE = 0.015  # seconds: a costly frame's piece a turn, when other runs share the worker
MAX_DRAIN = 512  # commands taken per turn: a flood cannot starve training
GRID_SLACK = 1e-6  # in periods
TRIAL_SLICE = 0.02  # seconds a turn for sweeps' trials, after the live runs' work and frames


class CommandQueue(Protocol):
    def get(self, block: bool = True, timeout: float | None = None) -> p.Command: ...


class Scheduler(Handlers):
    def __init__(
        self, deliver: Deliver, default_fps: float, commands: CommandQueue, phase: float = 0.0
    ) -> None:
        """``phase``: where this worker's grid points fall in each period (a share of it):
        the pool spreads its workers' phases, so their bursts of due runs do not meet."""
        super().__init__(default_fps)
        self._deliver = deliver
        self._commands = commands
        self.phase = phase

    def run(self) -> None:
        """Serve commands and train until the ``Stop`` command."""
        small_pages()
        kernels.warm()  # compiled or loaded before the first frame, not during it
        population_kernel.warm()  # and before a genetic run's first generation
        generation_kernel.warm()
        gc.freeze()  # what the imports made lives as long as the process: no GC pass scans it
        while True:
            batch = self._take(self._idle_time())
            for command in _coalesced(batch):
                if isinstance(command, p.Stop):
                    self._send()
                    return
                self.apply(command)
            self.races.work(self, time.monotonic())  # before the frames of ``_tick``
            self._tick(time.monotonic())
            self.inspector.work(self.slots, self.outbox, INSPECT_SLICE)  # after the frames
            if self.trials.waiting:
                self.trials.work(TRIAL_SLICE, self.outbox)
            self._send()

    def _take(self, timeout: float) -> list[p.Command]:
        """Whatever commands are waiting (up to ``MAX_DRAIN``), waiting ``timeout`` for one."""
        taken: list[p.Command] = []
        try:
            taken.append(self._commands.get(timeout=timeout))
            while len(taken) < MAX_DRAIN:
                taken.append(self._commands.get(block=False))
        except queue.Empty:
            pass
        return taken

    def _send(self) -> None:
        if self.outbox:
            batch, self.outbox = self.outbox, []
            self._deliver(batch)

    def _idle_time(self) -> float:
        """Seconds until something is due (0.5 s when nothing is)."""
        if self.inspector.waiting or self.trials.waiting:
            return 0.0
        now, due = time.monotonic(), []
        race = self.races.due(now)
        if race is not None:
            due.append(race)
        for slot in self.slots.values():
            if slot.busy:
                due.append(now if slot.owed_epochs or slot.owed_batches else slot.next_epoch)
            if slot.due_views or slot.drawing:
                due.append(slot.next_frame)
        return max(0.0, min(due) - now) if due else 0.5

    def _tick(self, now: float) -> None:
        due = [(run_id, slot) for run_id, slot in self.slots.items() if slot.wants_work(now)]
        flat_out = sum(slot.playing and slot.pace is None for _, slot in due)
        share = SLICE / max(1, flat_out)
        paced_share = max(PACED_FLOOR, min(PACED_SLICE, PACED_TOTAL / max(1, len(due) - flat_out)))
        stacked = self._train_together(now)
        for run_id, slot in due:
            if run_id not in stacked and run_id in self.slots:
                paced = not slot.playing or slot.pace is not None
                self._work(run_id, slot, now, paced_share if paced else share)
        playing = sum(slot.playing for slot in self.slots.values())
        for run_id, slot in list(self.slots.items()):
            if slot.playing:
                self.housekeep(run_id, slot, now, playing)
        self._draw(now)

    def _draw(self, now: float) -> None:
        """The frames due: every run's whose frames are quick, and of the costly ones (a big
        network's pictures) only the one waiting longest, and that one in a piece of about
        ``PIECE`` seconds when other runs share the worker (``Reporter.draw``): their frames
        keep coming whatever a big run draws, and a costly run alone draws at once."""
        due = [
            (run_id, slot, slot.costly)
            for run_id, slot in self.slots.items()
            if (slot.drawing or slot.due_views) and slot.next_frame <= now
        ]
        costly = [slot for _, slot, dear in due if dear]
        chosen = min(costly, key=lambda slot: slot.next_frame, default=None)
        piece = PIECE if len(self.slots) > 1 else math.inf
        for run_id, slot, dear in due:
            started = time.thread_time()  # its own CPU time: a busy machine's waits aside
            if not dear:
                points = grid_points(slot.due_views)
                self.send_frames(run_id, slot)
                slot.frame_cost, slot.frame_points = time.thread_time() - started, points
            elif slot is not chosen:
                continue  # due still: it waits its turn
            else:
                done = self.draw(run_id, slot, piece)
                slot.drawing_cost += time.thread_time() - started
                if not done:
                    continue  # its next piece next turn
                slot.frame_cost, slot.frame_points = slot.drawing_cost, slot.drawing_points
                slot.drawing_cost = 0.0
            moment = slot.next_frame + 1.0 / slot.fps
            slot.next_frame = next_on_grid(moment, now, slot.fps, self.phase)

    def _train_together(self, now: float) -> set[str]:
        """Paced runs due for an epoch that share a small shape train it stacked: one set of
        NumPy calls for all of them, the same numbers as alone (``engine.batch``)."""
        groups: dict[Hashable, list[tuple[str, Slot]]] = {}
        for run_id, slot in self.slots.items():
            if slot.playing and slot.pace is not None and slot.next_epoch <= now:
                trainer = slot.trainer
                short = len(trainer.data.train_t) <= STACK_MAX_STEPS * trainer.batch_size
                key = batch_key(trainer) if short and not slot.owed_epochs else None
                if key is not None:
                    groups.setdefault(key, []).append((run_id, slot))
        stacked: set[str] = set()
        for members in groups.values():
            if len(members) > 1:
                errors = train_epochs([slot.trainer for _, slot in members])
                for (run_id, slot), error in zip(members, errors, strict=True):
                    stacked.add(run_id)
                    self._due(slot, now)
                    slot.owed_epochs = max(0, slot.owed_epochs - 1)
                    self.settle(run_id, slot, error)
        return stacked

    def _due(self, slot: Slot, now: float) -> None:
        """A paced run owes the epochs due by now, at most one frame's worth: an overloaded
        worker trains slower and keeps every run's pictures coming."""
        pace = slot.pace
        if pace is None or not slot.playing or slot.next_epoch > now:
            return
        behind = int((now - slot.next_epoch) * pace) + 1
        count = min(behind, math.ceil(pace / slot.fps))
        slot.owed_epochs = min(slot.owed_epochs + count, math.ceil(pace / slot.fps))
        slot.next_epoch = next_on_grid(slot.next_epoch + count / pace, now, pace, self.phase)

    def _work(self, run_id: str, slot: Slot, now: float, share: float) -> None:
        """Train the run for its ``share`` of the turn, a mini-batch at a time: the epochs
        (or batches) it owes, or as many as fit when it plays flat out."""
        self._due(slot, now)
        flat_out = slot.playing and slot.pace is None
        if not (flat_out or slot.owed_epochs or slot.owed_batches):
            return
        end = time.monotonic() + share
        trainer = slot.trainer

        def out_of_time() -> bool:
            return time.monotonic() >= end

        try:
            if slot.owed_batches:
                slot.owed_batches -= trainer.train_batches(slot.owed_batches, out_of_time)
            else:
                wanted = 1 << 30 if flat_out else slot.owed_epochs
                done = trainer.train_epochs_until(wanted, out_of_time)
                slot.owed_epochs = max(0, slot.owed_epochs - done)
        except Exception as error:  # a DivergedError, or a bug: this run alone ends
            self.settle(run_id, slot, error)
            return
        if self.settle(run_id, slot, None):
            self.step_progress(run_id, slot, now)


def small_pages() -> None:
    """Big NumPy arrays on ordinary pages in this process, not transparent huge pages.
    NumPy asks the kernel for huge pages for arrays of 4 MB or more; the first touch of a
    fresh one then zeroes whole 2 MB pages at once, and on this project's virtual machines
    that stalled a worker ~10 ms a megabyte (a big run's first 26 MB picture block: 240 ms,
    every other run on the worker waiting). On small pages it was 14 ms for the whole block,
    spread over the pieces that touch it, and the arithmetic no slower."""
    setter = getattr(multiarray, "_set_madvise_hugepage", None)  # NumPy's, on Linux
    if setter is not None:
        setter(False)


def _coalesced(commands: list[p.Command]) -> list[p.Command]:
    """The commands in order, with only the last ``Watch`` of each run kept (views change
    often: only the newest matters)."""
    last_watch: dict[str, int] = {}
    for index, command in enumerate(commands):
        if isinstance(command, p.Watch):
            last_watch[command.run_id] = index
    return [
        command
        for index, command in enumerate(commands)
        if not isinstance(command, p.Watch) or last_watch[command.run_id] == index
    ]


def next_on_grid(moment: float, now: float, rate: float, phase: float = 0.0) -> float:
    """When a run is next due: ``moment`` on the worker clock's grid of 1/rate, so that runs
    at the same rate fall due together and same-shaped ones train stacked, one turn for all.
    A run already behind ``moment`` is due at once, at the grid point just passed: waiting for
    the next one would leave an overloaded worker idle for half a period every turn. The
    slack keeps a grid point from being missed by rounding (67.1 + 0.05 is 67.150000000000006,
    whose ceiling on a grid of 1/20 is 67.2: a fifth of the epochs and frames were lost).
    The grid's points are at (k + ``phase``) / rate."""
    if moment < now:
        return (math.floor(now * rate - phase + GRID_SLACK) + phase) / rate
    return (math.ceil(moment * rate - phase - GRID_SLACK) + phase) / rate


_next_on_grid = next_on_grid  # the name the grid tests use
