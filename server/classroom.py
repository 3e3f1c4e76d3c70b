"""A class as the server holds it: its join code, its teacher, its students, what everyone
watches (the stage), the mode and the locks. Plain data and the rules on it; the hub
(``server.classes``) owns the instances, the store and the sockets.
"""

from __future__ import annotations

import hmac
import itertools
import secrets
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from engine.config import ExperimentConfig
from engine.messages import Message
from server.messages import SERVER
from server.records import hash_token, now
from server.viewers import Viewer

# Easy to read aloud and to type: no 0/O, no 1/I/L.
JOIN_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
Mode = Literal["watch", "hands_on"]
Role = Literal["teacher", "student"]
# What a teacher may lock, and which parts of a run's config and which websocket messages
# each group covers (``changed_groups``, ``message_groups``).
LOCKS = ("data", "features", "network", "activation", "training", "own_data")
USER_DATA = ("points", "csv")


def same_name(a: str, b: str) -> bool:
    """Whether two names read the same on the roster: case and width aside (Ada, ADA, ａｄａ)."""
    read = [unicodedata.normalize("NFKC", name).casefold() for name in (a, b)]
    return read[0] == read[1]


def new_join_code(taken: set[str] | dict[str, Any]) -> str:
    while (code := "".join(secrets.choice(JOIN_ALPHABET) for _ in range(6))) in taken:
        pass
    return code


@dataclass(eq=False)
class Student:
    id: str
    name: str
    token_hash: str
    run_id: str | None = None  # the student's own run (hands-on mode)
    cell: dict[str, Any] | None = None  # the class experiment's settings for this student
    race: str | None = None  # the race their run is a lane of (a class experiment race)
    client: str = ""  # who joined them (``server.clients.client_key``): a per-client cap
    joined_at: datetime = field(default_factory=now)
    sockets: set[Viewer] = field(default_factory=set)  # class sockets open now

    @property
    def connected(self) -> bool:
        return bool(self.sockets)


@dataclass(eq=False)
class Classroom:
    id: str
    code: str
    name: str
    teacher: str  # the teacher's display name
    teacher_hash: str
    mode: Mode = "watch"
    locks: frozenset[str] = frozenset()
    teacher_run: str | None = None  # the run the teacher's page trains now
    spotlight: str | None = None  # a student whose run the class watches instead
    experiment: dict[str, Any] | None = None  # {"settings": {field: [values]}, "epochs": n}
    lesson: str | None = None  # the lesson the teacher started for the class (its id)
    race: tuple[str, str] | None = None  # a race on the stage: its id and its first lane's run
    experiment_race: str | None = None  # the class experiment's race (its cells' runs)
    created_at: datetime = field(default_factory=now)
    client: str = ""  # who made it (``server.clients.client_key``): a per-client cap
    students: dict[str, Student] = field(default_factory=dict)
    teachers: set[Viewer] = field(default_factory=set)  # the teacher's class sockets

    def role_of(self, token: str) -> tuple[Role, Student | None] | None:
        """Who holds ``token`` in this class: the teacher, one student, or nobody."""
        if not token:
            return None
        hashed = hash_token(token)  # once: a class has up to hundreds of students
        if hmac.compare_digest(hashed, self.teacher_hash):
            return "teacher", None
        for student in self.students.values():
            if hmac.compare_digest(hashed, student.token_hash):
                return "student", student
        return None

    @property
    def stage(self) -> tuple[str, str | None] | None:
        """The run everyone watches and whose it is (None: the teacher's); a race on the
        stage: its first lane."""
        if self.race:
            return self.race[1], None
        spotlit = self.students.get(self.spotlight or "")
        if spotlit and spotlit.run_id:
            return spotlit.run_id, spotlit.name
        return (self.teacher_run, None) if self.teacher_run else None

    def state(self, viewers: int) -> dict[str, Any]:
        """The ``class`` message: what every member's page needs (no student's name but a
        spotlit one's: the teacher chose to show it)."""
        stage = self.stage
        return {
            "type": "class",
            "id": self.id,
            "code": self.code,
            "name": self.name,
            "teacher": self.teacher,
            "mode": self.mode,
            "locks": sorted(self.locks),
            "stage": None if stage is None else self._stage(stage),
            "experiment": self.experiment,
            "experiment_race": self.experiment_race,
            "lesson": self.lesson,
            "viewers": viewers,
        }

    def _stage(self, stage: tuple[str, str | None]) -> dict[str, Any]:
        race = self.race[0] if self.race else None
        return {"run_id": stage[0], "student": stage[1], "race": race}

    def roster(self, runs: dict[str, dict[str, Any]]) -> dict[str, Any]:
        """The ``roster`` message, the teacher's alone: every student, connected or not,
        with their run's latest numbers (``runs`` by run id)."""
        students = [
            {
                "id": s.id,
                "name": s.name,
                "connected": s.connected,
                "cell": s.cell,
                "run": runs.get(s.run_id or ""),
            }
            for s in sorted(self.students.values(), key=lambda s: s.joined_at)
        ]
        return {"type": "roster", "students": students}

    def assign_cells(self) -> None:
        """Every student, in the order they joined, gets the experiment's next cell."""
        cells = experiment_cells(self.experiment)
        for k, student in enumerate(sorted(self.students.values(), key=lambda s: s.joined_at)):
            student.cell = cells[k % len(cells)] if cells else None

    def next_cell(self) -> dict[str, Any] | None:
        """The cell a student joining now gets (the one after the last student's)."""
        cells = experiment_cells(self.experiment)
        return cells[len(self.students) % len(cells)] if cells else None


# -- the class experiment ----------------------------------------------------------------


def experiment_cells(experiment: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The grid's cells, first setting slowest: [{field: value, ...}, ...]."""
    if not experiment:
        return []
    settings = experiment["settings"]
    names = list(settings)
    return [
        dict(zip(names, values, strict=True)) for values in itertools.product(*settings.values())
    ]


def with_cell(
    config: ExperimentConfig, cell: dict[str, Any] | None, epochs: int
) -> ExperimentConfig:
    """``config`` with an experiment cell's settings and its epochs (validated: a value the
    config cannot take raises pydantic's ValidationError, naming the field)."""
    if cell is None:
        return config
    raw = config.model_dump()
    layers = [layer.model_dump() for layer in config.network.layers()]
    for name, value in cell.items():
        if name in ("activation", "dropout"):
            for layer in layers:
                layer[name] = value
        else:
            raw["training"][name] = value
    raw["network"]["hidden"] = layers
    raw["training"]["max_epochs"] = epochs
    return ExperimentConfig.model_validate(raw)


# -- locks --------------------------------------------------------------------------------


def config_groups(config: ExperimentConfig) -> dict[str, Any]:
    """Each lock group's part of a config, comparable with ``==``."""
    data, network, training = config.data, config.network, config.training
    layers = network.layers()
    own = data.dataset in USER_DATA
    sample = (config.seed, data.dataset, data.n_samples, data.noise, data.classes)
    return {
        "data": None if own else sample,
        "own_data": (data.dataset, data.points, data.csv) if own else None,
        "features": tuple(data.features),
        "network": (tuple(layer.units for layer in layers), network.init),
        "activation": (tuple(layer.activation for layer in layers), network.output_activation),
        "training": (
            training.model_dump(exclude={"max_epochs", "early_stopping", "target_loss"}),
            data.train_ratio,
            tuple(layer.dropout for layer in layers),
        ),
    }


def changed_groups(base: ExperimentConfig, wanted: ExperimentConfig) -> set[str]:
    """The lock groups in which ``wanted`` differs from ``base``."""
    before, after = config_groups(base), config_groups(wanted)
    changed = {group for group in LOCKS if before[group] != after[group]}
    if "own_data" in changed and "data" in changed:  # to or from own data: that lock alone
        changed.discard("data")
    return changed


MESSAGE_GROUPS: dict[str, str] = {"regenerate": "data", "set": "training", "weight": "network"}


def message_groups(kind: str) -> set[str]:
    """The lock groups a websocket control message touches."""
    group = MESSAGE_GROUPS.get(kind)
    return {group} if group else set()


def refused(locks: frozenset[str], groups: set[str]) -> Message | None:
    """Why a student may not make this change (the locks it breaks), or None."""
    broken = tuple(SERVER.say(f"lock.{group}") for group in sorted(groups & locks))
    return SERVER.say("class.locked", locks=broken) if broken else None
