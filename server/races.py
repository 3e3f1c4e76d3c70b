"""Races: 2–4 runs (lanes) trained in lockstep on one worker, on the same data, from the
same initial weights where their networks have the same shape.

A lane is an ordinary run, made by ``RunManager.create`` with the race's control token, so
its stream, metrics, states and model work as any run's. What makes them a race is in their
worker (``server.race_worker``): they train towards one target (an epoch, or a count of
forward passes), and a lane's own controls move the whole race. Here, on the event loop:
the lanes' configs (the first lane's setup with each lane's changes, validated; a change to
the data or seed refused), their creation on one worker, the race's controls, and what a
race shows. A race lives as long as the server process; its lanes are stored runs.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from engine.config import ExperimentConfig
from engine.history import COLUMNS
from server import protocol as p
from server.forks import ForkError, Origin, choose, merged, plan
from server.messages import SERVER
from server.race_schemas import LanePublic, LaneSpec, RaceCreate, RacePublic
from server.records import RunRecord, hash_token, new_token, now
from server.run import ConflictError, Run
from server.runs import RunManager
from server.schemas import ForkCreate, RunCreate

FORWARD_PASSES = COLUMNS.index("forward_passes")
SETTLE_SECONDS = 30.0  # how long a control's answer waits for every lane to act on it
Loc = tuple[str | int, ...]


class LaneError(ValueError):
    """Lane configs that cannot race: each problem a (loc, message, type) for a 422."""

    def __init__(self, problems: list[dict[str, Any]]) -> None:
        super().__init__("invalid lanes")
        self.problems = problems


@dataclass
class Lane:
    run: Run
    spec: LaneSpec
    same_start: bool


@dataclass
class Race:
    id: str
    token_hash: str
    name: str | None
    unit: str
    worker: int
    lanes: list[Lane]
    parent: str | None = None
    fork_epoch: int | None = None
    created_at: datetime = field(default_factory=now)

    @property
    def present(self) -> list[Lane]:
        """Its lanes, less those whose run was deleted (they are no longer the race's)."""
        return [lane for lane in self.lanes if not lane.run.deleted]


@dataclass(frozen=True)
class LanePlan:
    create: RunCreate
    origin: Origin | None  # a fork's kept state
    same_start: bool


def _problem(loc: Loc, message: Any, kind: str = "value_error") -> dict[str, Any]:
    return {"loc": loc, "msg": str(message), "type": kind, "ctx": {"error": ValueError(message)}}


def _data_changes(index: int, changes: dict[str, Any]) -> list[dict[str, Any]]:
    """A lane may change anything but the data (except which features feed the network)."""
    said = SERVER.say("race.same_data")
    here: Loc = ("body", "lanes", index, "changes")
    problems = [_problem((*here, "seed"), said)] if "seed" in changes else []
    data = changes.get("data", {})
    keys = data if isinstance(data, dict) else {"": data}
    problems += [_problem((*here, "data", key) if key else (*here, "data"), said) for key in keys]
    return [problem for problem in problems if problem["loc"][-1] != "features"]


def _validated(index: int, base: dict[str, Any], spec: LaneSpec) -> ExperimentConfig:
    try:
        return ExperimentConfig.model_validate(merged(base, spec.changes))
    except ValidationError as error:
        here: Loc = ("body", "lanes", index, "changes")
        raise LaneError([{**e, "loc": (*here, *e["loc"])} for e in error.errors()]) from None


def fresh_plans(body: RaceCreate, budget: int) -> list[LanePlan]:
    """Each lane's create body: the first lane's setup with its changes. Lanes whose
    network has the first's shape and initializer start from its weights. CPU work."""
    base = body.config.model_dump(mode="json")
    configs = [_validated(i, base, spec) for i, spec in enumerate(body.lanes)]
    for index, config in enumerate(configs):
        if config.n_parameters() > budget:
            said = f"the network has {config.n_parameters():,} parameters; the limit is {budget:,}"
            loc = ("body", "lanes", index, "changes", "network", "hidden")
            raise LaneError([_problem(loc, said)])
    first = configs[0]
    return [
        LanePlan(_create(body, config, i), None, same_shape(first, config))
        for i, config in enumerate(configs)
    ]


def _create(body: RaceCreate, config: ExperimentConfig, index: int) -> RunCreate:
    name = f"{body.name or 'race'} · {body.lanes[index].label or index + 1}"
    return RunCreate(config=config, name=name[:200], start=False)


def same_shape(first: ExperimentConfig, other: ExperimentConfig) -> bool:
    """The same inputs, layer sizes and initializer: the first lane's weights fit as they are."""

    def shape(config: ExperimentConfig) -> tuple[object, ...]:
        units = tuple(layer.units for layer in config.network.layers())
        return tuple(config.data.features), units, config.n_outputs(), config.network.init

    return shape(first) == shape(other)


def fork_plans(record: RunRecord, body: RaceCreate, origin: Origin) -> list[LanePlan]:
    """Each lane a fork of ``record`` at the kept state ``origin``. CPU work."""
    plans = []
    for index, spec in enumerate(body.lanes):
        fork = ForkCreate(epoch=origin.epoch, changes=spec.changes, name=spec.label)
        try:
            create, lane_origin = plan(record, fork, origin)
        except ForkError as error:
            loc: Loc = ("body", "lanes", index, *error.field)
            raise LaneError([_problem(loc, error.args[0])]) from None
        except ValidationError as error:
            here: Loc = ("body", "lanes", index, "changes")
            raise LaneError([{**e, "loc": (*here, *e["loc"])} for e in error.errors()]) from None
        plans.append(LanePlan(create, lane_origin, True))
    return plans


class RaceHub:
    """The server's races, on the event loop beside the run manager."""

    def __init__(self, manager: RunManager) -> None:
        self.manager = manager
        self.races: dict[str, Race] = {}

    async def plans(self, body: RaceCreate) -> tuple[list[LanePlan], RunRecord | None]:
        """The lanes' create bodies (a ``LaneError`` for a 422), and a fork race's parent."""
        manager, fork = self.manager, body.fork
        problems = [p for i, spec in enumerate(body.lanes) for p in _data_changes(i, spec.changes)]
        if problems:
            raise LaneError(problems)
        if fork is None:
            budget = manager.settings.max_parameters
            return await asyncio.to_thread(fresh_plans, body, budget), None
        live = manager.runs.get(fork.run)
        record = live.record() if live else manager.store.get_run(fork.run)
        if record is None:
            said = SERVER.say("run.unknown", id=fork.run)
            raise LaneError([_problem(("body", "fork", "run"), said)])
        try:
            origin = choose(manager.store, record, fork.epoch)  # reads the store: on the loop
        except ForkError as error:
            raise LaneError([_problem(("body", "fork", *error.field), error.args[0])]) from None
        return await asyncio.to_thread(fork_plans, record, body, origin), record

    def create(
        self,
        body: RaceCreate,
        plans: list[LanePlan],
        parent: RunRecord | None,
        client: str,
        token: str = "",
    ) -> tuple[Race, str]:
        """The race's lanes, made on one worker (all or none), and its control token: a new
        one, or ``token`` (a class's teacher's: the race is the class's)."""
        token, token_hash = (token, hash_token(token)) if token else new_token()
        clients = [client] * len(plans)
        race = self.make(
            body.lanes, plans, clients, token_hash, name=body.name, unit=body.unit, parent=parent
        )
        if body.start:
            self.control(race, "play")
        return race, token

    def make(
        self,
        specs: Sequence[LaneSpec],
        plans: Sequence[LanePlan],
        clients: Sequence[str],
        token_hash: str,
        *,
        name: str | None = None,
        unit: str = "epochs",
        parent: RunRecord | None = None,
    ) -> Race:
        """Lanes (any number: a class experiment's are its students' runs), each made for
        its client with ``token_hash`` on one worker, all or none; then ``RaceStart``."""
        self._forget_ended()
        lanes: list[Lane] = []
        worker: int | None = None
        try:
            for spec, lane, client in zip(specs, plans, clients, strict=True):
                run, _ = self.manager.create(
                    lane.create, client, token_hash=token_hash, origin=lane.origin, worker=worker
                )
                worker = run.worker
                lanes.append(Lane(run, spec, lane.same_start))
        except Exception:
            for made in lanes:
                self.manager.remove(made.run, delete=True)
            raise
        assert worker is not None
        race = Race(secrets.token_urlsafe(12), token_hash, name, unit, worker, lanes)
        if parent is not None:
            race.parent, race.fork_epoch = parent.id, lanes[0].run.fork_epoch
        self.races[race.id] = race
        ids = tuple(lane.run.id for lane in lanes)
        shared = tuple(lane.run.id for lane in lanes[1:] if lane.same_start and parent is None)
        self.manager.pool.submit(worker, p.RaceStart(race.id, ids, unit, shared))
        return race

    def control(self, race: Race, action: str, amount: int = 0) -> None:
        """Play, pause, step or reset every lane at once (409 when every lane has ended)."""
        if not any(lane.run.live for lane in race.present):
            raise ConflictError(SERVER.say("race.ended"))
        if action in ("play", "step"):  # lanes that start take their client's slots
            self.manager.room.check([lane.run for lane in race.present if lane.run.live])
        for lane in race.present:
            lane.run.last_seen = time.monotonic()
        self.manager.pool.submit(race.worker, p.RaceControl(race.id, action, amount))

    async def settled(self, race: Race, statuses: tuple[str, ...]) -> None:
        """Wait until every live lane's status is one of ``statuses`` (or it ended)."""
        waits = [lane.run.reaches(statuses, SETTLE_SECONDS) for lane in race.present]
        await asyncio.gather(*waits)

    def public(self, race: Race) -> RacePublic:
        lanes = [self._lane(lane) for lane in race.present]
        return RacePublic(
            id=race.id,
            name=race.name,
            unit=race.unit,
            playing=any(lane.run.status == "running" for lane in race.present),
            parent=race.parent,
            fork_epoch=race.fork_epoch,
            created_at=race.created_at,
            lanes=lanes,
        )

    def _lane(self, lane: Lane) -> LanePublic:
        run = lane.run
        latest = run.latest
        passes = latest[FORWARD_PASSES] if latest and len(latest) > FORWARD_PASSES else None
        return LanePublic(
            run_id=run.id,
            label=lane.spec.label,
            changes=lane.spec.changes,
            same_start=lane.same_start,
            status=run.status,
            epoch=run.epoch,
            forward_passes=passes,
        )

    def _forget_ended(self) -> None:
        """Races whose lanes have all left the server's memory are forgotten."""
        runs = self.manager.runs
        gone = [
            key
            for key, race in self.races.items()
            if all(lane.run.id not in runs for lane in race.lanes)
        ]
        for key in gone:
            del self.races[key]
