"""Wire models of classes (docs/api.md, "Classes"): the REST bodies and answers."""

from __future__ import annotations

import unicodedata
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    Field,
    StrictFloat,
    StrictInt,
    StrictStr,
    ValidationInfo,
    field_validator,
    model_validator,
)

from server.messages import SERVER
from server.schemas import RunStatus, _Strict

MAX_NAME = 32
# Letters that draw nothing (Hangul fillers, the blank Braille pattern): a name of only these
# (and spaces or marks) looks empty on the teacher's roster, like a name of spaces.
MAX_MARKS = 4  # combining marks on one letter
INVISIBLE = frozenset("\u115f\u1160\u3164\uffa0\u2800")
LockGroup = Literal["data", "features", "network", "activation", "training", "own_data"]
ClassMode = Literal["watch", "hands_on"]


def _display_name(value: str) -> str:
    """Trimmed, 1 to 32 characters, no control characters (shown escaped everywhere)."""
    value = " ".join(value.split())
    if not any(c not in INVISIBLE and unicodedata.category(c)[0] in "LNPS" for c in value):
        raise ValueError(SERVER.say("name.blank"))
    if len(value) > MAX_NAME:
        raise ValueError(SERVER.say("name.too_long", limit=MAX_NAME, count=len(value)))
    if any(unicodedata.category(c) in ("Cc", "Cf", "Co", "Cs") for c in value):
        raise ValueError(SERVER.say("name.control"))
    if _stacked_marks(unicodedata.normalize("NFC", value)) > MAX_MARKS:
        raise ValueError(SERVER.say("name.marks", limit=MAX_MARKS))
    return value


def _stacked_marks(value: str) -> int:
    """The most marks drawn on one letter (Zalgo text draws dozens, over the roster's other
    names and the projector's banner; a real name needs a few: Vietnamese two, Tibetan three)."""
    most = run = 0
    for c in value:
        run = run + 1 if unicodedata.category(c) in ("Mn", "Me") else 0
        most = max(most, run)
    return most


DisplayName = Annotated[str, Field(max_length=200), AfterValidator(_display_name)]


class ClassCreate(_Strict):
    name: DisplayName = Field("My class", description="the class's name, shown to students")
    teacher: DisplayName = Field("Teacher", description="the teacher's name, shown to students")


ExperimentField = Literal[
    "learning_rate", "batch_size", "optimizer", "activation", "regularization_rate", "dropout"
]
MAX_CELLS = 64


class Experiment(_Strict):
    """A class experiment: one or two settings and their values; each student trains one
    cell of the grid for ``epochs`` epochs."""

    # strict: ``true`` is no setting's value (lax, it would be taken for 1)
    settings: dict[ExperimentField, list[StrictInt | StrictFloat | StrictStr]] = Field(
        min_length=1, max_length=2
    )
    epochs: int = Field(300, ge=1, le=100_000)
    race: bool = Field(
        False,
        description="the cells' runs are the lanes of one race: from the teacher's first "
        "weights, in lockstep, played, paused and stepped by the teacher alone",
    )

    @model_validator(mode="after")
    def _values(self) -> Experiment:
        for name, values in self.settings.items():
            distinct = min(len(set(values)), len(set(map(str, values))))  # 1 and 1.0 are one
            if not 1 <= len(values) <= 8 or distinct != len(values):
                raise ValueError(SERVER.say("experiment.values", name=name))
        cells = 1
        for values in self.settings.values():
            cells *= len(values)
        if cells > MAX_CELLS:
            raise ValueError(SERVER.say("experiment.cells", count=cells, limit=MAX_CELLS))
        return self


class Stage(BaseModel):
    run_id: str
    student: str | None = Field(description="the spotlit student's name; null: the teacher's run")
    race: str | None = Field(
        None, description="a race on the stage: its id (``run_id`` is its first lane); else null"
    )


class ClassPublic(BaseModel):
    id: str
    code: str = Field(description="6 characters to read aloud (no 0/O, 1/I/L); never changes")
    name: str
    teacher: str
    mode: ClassMode
    locks: list[LockGroup]
    stage: Stage | None = Field(description="the run the class watches")
    experiment: Experiment | None = Field(None, description="the class experiment, if any")
    experiment_race: str | None = Field(
        None, description="a race experiment's race (its lanes the cells' runs), or null"
    )
    lesson: str | None = Field(None, description="the lesson the teacher started for the class")
    join_path: str = Field(description="the join link's path on this server")
    lan_url: str | None = Field(
        description="the join link for other machines; null while the server listens on "
        "this machine only"
    )


class StudentRun(BaseModel):
    id: str
    status: RunStatus
    epoch: int
    train_loss: float | None
    test_loss: float | None


class StudentOut(BaseModel):
    id: str
    name: str
    connected: bool
    cell: dict[str, int | float | str] | None = Field(None, description="their experiment cell")
    run: StudentRun | None


class ClassDetail(ClassPublic):
    students: list[StudentOut]


class ClassCreated(ClassDetail):
    teacher_token: str = Field(description="controls the class and its runs; shown only here")


class JoinBody(_Strict):
    name: DisplayName


class Joined(BaseModel):
    classroom: ClassPublic
    student_id: str
    student_token: str = Field(description="the student's own: rejoin with it; shown only here")


class ClassUpdate(_Strict):
    """What the teacher changes; a field left out stays as it is."""

    mode: ClassMode | None = None
    locks: list[LockGroup] | None = Field(None, max_length=6)
    spotlight: str | None = Field(
        None,
        max_length=64,
        description="a student's id: the class watches their run; null: back to the teacher's",
    )
    experiment: Experiment | None = Field(
        None,
        description="start a class experiment (every student gets a cell and a run of it, "
        "in hands-on mode); null: end it",
    )
    race: str | None = Field(
        None,
        max_length=64,
        description="a race the teacher made for the class (or the experiment's race): every "
        "page watches it; null: back to the teacher's run",
    )
    lesson: str | None = Field(
        None,
        pattern=r"^[a-z0-9-]{1,40}$",
        description="a lesson's id (the page's Lessons menu): every student's page opens it; "
        "null: none",
    )

    @field_validator("race")
    @classmethod
    def _one_stage(cls, race: str | None, info: ValidationInfo) -> str | None:
        """A race and a spotlight both choose what the class watches: one at a time."""
        if race is not None and info.data.get("spotlight") is not None:
            raise ValueError(SERVER.say("class.race_and_spotlight"))
        return race


class ClassControl(_Strict):
    """A control for every student's run at once."""

    type: Literal["play", "pause", "step", "reset", "send_setup"]
    batches: int | None = Field(None, ge=1, le=100, description="step: batches, not an epoch")
