"""A race as its worker holds it: lanes (runs of this worker) that train in lockstep.

The manager (``server.races``) creates a race's lanes as ordinary runs, all on one worker,
then sends ``RaceStart``. From then on the lanes never play on their own: the race holds a
*target*, an epoch (or a count of forward passes, a compute-fair clock against the genetic
trainer), and every turn each lane trains towards it, a slice at a time. Playing, the target
moves on one tick at the lanes' pace once every lane has reached it, so lanes never differ
by more than a tick; pausing stops it where the furthest lane stands and reports the lanes
paused once they are all there; a step moves it by what was asked. Lanes one epoch behind
whose epochs stack (``engine.batch``) train together. A lane's own play, pause, step or
reset (its stream's, the janitor's) acts on its whole race.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from engine.batch import batch_key, train_epochs
from engine.genetic import Genetic
from engine.trainer import Trainer
from server import protocol as p
from server.messages import SERVER
from server.slot import Slot

if TYPE_CHECKING:
    from server.handlers import Handlers

RACE_SLICE = 0.02  # seconds of training a race's lanes share per turn
LANE_CONTROLS = (p.Play, p.Pause, p.Step, p.Reset, p.Regenerate)


@dataclass
class Race:
    lanes: tuple[str, ...]
    unit: str  # "epochs" or "forward_passes"
    tick: int  # how far the target moves a tick, in the unit
    target: int  # every lane trains to here
    playing: bool = False
    holding: bool = False  # a pause or step under way: report paused once all are there
    owing: bool = False  # a lane fell short of the target in its last slice
    next_tick: float = 0.0


def progress(trainer: Trainer, unit: str) -> int:
    """Where a lane stands on the race's clock."""
    return trainer.epoch if unit == "epochs" else trainer.forward_passes


def tick_of(trainer: Trainer) -> int:
    """The forward passes of one indivisible step of a lane: a mini-batch, or a generation."""
    examples = len(trainer.data.train_t)
    optimizer = trainer.optimizer
    if isinstance(optimizer, Genetic):
        return (optimizer.hyper.population - optimizer.hyper.elites) * examples
    return min(trainer.batch_size, examples)


def finished(trainer: Trainer) -> bool:
    return bool(trainer.stopper.reason or trainer.diverged)


class RaceHost:
    """The races of one worker, keyed by race id; ``lane_of`` maps a lane to its race."""

    def __init__(self) -> None:
        self.races: dict[str, Race] = {}
        self.lane_of: dict[str, str] = {}

    def apply(self, host: Handlers, command: p.RaceStart | p.RaceControl) -> None:
        if isinstance(command, p.RaceStart):
            self._start(host, command)
            return
        race = self.races.get(command.run_id)
        if race is not None:
            self._control(host, race, command.action, command.amount)

    def redirect(self, host: Handlers, command: p.Command) -> bool:
        """A lane's own control acts on its race (True when taken)."""
        race_id = self.lane_of.get(command.run_id)
        race = self.races.get(race_id or "")
        if race is None or not isinstance(command, LANE_CONTROLS):
            return False
        if isinstance(command, p.Regenerate):  # the lanes' data would no longer be the same
            host.outbox.append(p.Notice(command.run_id, SERVER.say("race.regenerate")))
        elif isinstance(command, p.Step):
            amount = command.epochs if race.unit == "epochs" else 0
            self._control(host, race, "step", amount)
        else:
            action = {p.Play: "play", p.Pause: "pause", p.Reset: "reset"}[type(command)]
            self._control(host, race, action, 0)
        return True

    def _start(self, host: Handlers, command: p.RaceStart) -> None:
        slots = host.slots
        lanes = tuple(lane for lane in command.lanes if lane in slots)
        if not lanes:
            return
        first = slots[lanes[0]].trainer
        for lane in command.share_init:
            if lane in slots and lane != lanes[0]:
                self._share_init(host, lane, slots[lane], first)
        trainers = [slots[lane].trainer for lane in lanes]
        unit = command.unit
        tick = 1 if unit == "epochs" else max(tick_of(t) for t in trainers)
        target = max(progress(t, unit) for t in trainers)
        self.races[command.run_id] = Race(lanes, unit, tick, target)
        for lane in lanes:
            self.lane_of[lane] = command.run_id

    def _share_init(self, host: Handlers, lane: str, slot: Slot, first: Trainer) -> None:
        """The lane starts again from the first lane's initial weights: bit for bit."""
        trainer = slot.trainer
        trainer.initial_params = first.initial_params.astype(trainer.dtype, copy=True)
        trainer.reset(same_init=True)
        host.restart(slot)  # a frame under way shows the lane before: never sent
        slot.shipped = slot.shipped_step = -1
        host.ship(lane, slot, reset=True)
        host.checkpoint(lane, slot)
        slot.dirty = True

    def _control(self, host: Handlers, race: Race, action: str, amount: int) -> None:
        lanes = self._lanes(host, race)
        now = time.monotonic()
        if action == "play":
            race.playing, race.holding, race.next_tick = True, False, now
            for lane, slot in lanes:
                slot.started = True
                slot.next_ship, slot.next_checkpoint = now, now + 1.0
                host.status(lane, slot, "running")
        elif action == "pause":
            furthest = max((progress(s.trainer, race.unit) for _, s in lanes), default=0)
            race.target = min(race.target, max(furthest, 0))
            race.playing, race.holding = False, True
        elif action == "step":
            race.playing, race.holding = False, True
            race.target += amount or race.tick
        elif action == "reset":
            race.playing, race.holding = False, False
            for lane, slot in lanes:
                host.reset_run(lane, slot)
            race.target = max((progress(s.trainer, race.unit) for _, s in lanes), default=0)

    def _lanes(self, host: Handlers, race: Race) -> list[tuple[str, Slot]]:
        return [(lane, host.slots[lane]) for lane in race.lanes if lane in host.slots]

    # -- the worker's turn ---------------------------------------------------------------

    def due(self, now: float) -> float | None:
        """When a race next needs the worker (None: none does)."""
        moments = [self._due(race, now) for race in self.races.values()]
        return min((m for m in moments if m is not None), default=None)

    def _due(self, race: Race, now: float) -> float | None:
        if race.holding or race.owing:
            return now
        return race.next_tick if race.playing else None

    def work(self, host: Handlers, now: float) -> None:
        """Each race's turn: move its target when a tick is due, and train its lanes toward
        it for a slice; report its lanes paused once a pause or step has been reached."""
        for race_id, race in list(self.races.items()):
            lanes = self._lanes(host, race)
            if not lanes:
                self._forget(race_id)
                continue
            behind = [(lane, slot) for lane, slot in lanes if self._behind(race, slot)]
            if race.playing and not behind and race.next_tick <= now:
                race.target += race.tick
                race.next_tick = self._next_tick(race, lanes, now)
                behind = [(lane, slot) for lane, slot in lanes if self._behind(race, slot)]
            if behind:
                self._train(host, race, behind, time.monotonic() + RACE_SLICE)
            lanes = self._lanes(host, race)
            race.owing = any(self._behind(race, slot) for _, slot in lanes)
            if race.playing:
                for lane, slot in lanes:
                    host.housekeep(lane, slot, now)
            elif race.holding and not race.owing:
                race.holding = False
                for lane, slot in lanes:
                    host.status(lane, slot, "paused")
                    host.checkpoint(lane, slot)

    def _behind(self, race: Race, slot: Slot) -> bool:
        trainer = slot.trainer
        return progress(trainer, race.unit) < race.target and not finished(trainer)

    def _next_tick(self, race: Race, lanes: list[tuple[str, Slot]], now: float) -> float:
        """A tick at the lanes' pace (their viewers' frame rate, or a set speed); a race
        nobody watches runs flat out."""
        paces = [slot.pace for _, slot in lanes if slot.pace]
        if not paces:
            return now
        return max(now, race.next_tick + 1.0 / max(paces))

    def _train(
        self, host: Handlers, race: Race, behind: list[tuple[str, Slot]], end: float
    ) -> None:
        def out_of_time() -> bool:
            return time.monotonic() >= end

        alone = behind
        if race.unit == "epochs":
            alone = self._stacked(host, race, behind)
        for lane, slot in alone:
            if out_of_time():
                return
            try:
                train_to(slot.trainer, race.unit, race.target, out_of_time)
            except Exception as error:  # a DivergedError, or a bug: this lane alone ends
                host.settle(lane, slot, error)
                continue
            host.settle(lane, slot, None)

    def _stacked(
        self, host: Handlers, race: Race, behind: list[tuple[str, Slot]]
    ) -> list[tuple[str, Slot]]:
        """Lanes one epoch short whose epochs stack train it together; returns the rest."""
        groups: dict[object, list[tuple[str, Slot]]] = {}
        alone: list[tuple[str, Slot]] = []
        for lane, slot in behind:
            trainer = slot.trainer
            key = batch_key(trainer) if trainer.epoch + 1 == race.target else None
            if key is None:
                alone.append((lane, slot))
            else:
                groups.setdefault(key, []).append((lane, slot))
        for members in groups.values():
            if len(members) == 1:
                alone.extend(members)
                continue
            errors = train_epochs([slot.trainer for _, slot in members])
            for (lane, slot), error in zip(members, errors, strict=True):
                host.settle(lane, slot, error)
        return alone

    def _forget(self, race_id: str) -> None:
        race = self.races.pop(race_id)
        for lane in race.lanes:
            self.lane_of.pop(lane, None)


def train_to(trainer: Trainer, unit: str, target: int, out_of_time: Callable[[], bool]) -> None:
    """Train ``trainer`` until it reaches ``target`` on the race's clock or time is out."""
    if unit == "epochs":
        trainer.train_epochs_until(target - trainer.epoch, out_of_time)
        return
    while trainer.forward_passes < target and not finished(trainer):
        trainer.train_batches(1, out_of_time)
        if out_of_time():
            return
