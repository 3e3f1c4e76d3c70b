"""Classes as REST resources (docs/api.md, "Classes"): make one, join by code, the teacher's
view and settings, the class's runs, class-wide controls."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from starlette.requests import HTTPConnection

from server.class_races import ClassRaces, ForeignRaceError
from server.class_schemas import (
    ClassControl,
    ClassCreate,
    ClassCreated,
    ClassDetail,
    ClassUpdate,
)
from server.classes import ClassHub, LockedError
from server.classroom import Classroom, Role, Student, experiment_cells, with_cell
from server.clients import client_key
from server.lan import join_url
from server.messages import SERVER, refuse
from server.routes.common import FULL, full
from server.routes.runs import _run_create, bearer_tokens, public
from server.run import CapacityError, ConflictError
from server.schemas import RunCreate, RunCreated

router = APIRouter(prefix="/api/classes", tags=["classes"])
NO_CLASS: dict[int | str, dict[str, Any]] = {404: {"description": "no class with that id"}}
TEACHER: dict[int | str, dict[str, Any]] = {
    **NO_CLASS,
    403: {"description": "the teacher token is missing or wrong"},
}
Authorization = Annotated[
    str | None, Header(description="`Bearer <token>`: the teacher's or a student's token")
]


async def get_hub(connection: HTTPConnection) -> ClassHub:
    hub: ClassHub = connection.app.state.classes
    return hub


Hub = Annotated[ClassHub, Depends(get_hub)]


def races_of(connection: HTTPConnection) -> ClassRaces:
    """The class's races: the class hub and the race hub together (they hold no state)."""
    state = connection.app.state
    return ClassRaces(state.classes, state.races)


def bearer(authorization: str | None) -> str:
    """The member's token from ``Bearer <token>`` ("" without one)."""
    return next(iter(bearer_tokens(authorization)), "")


class Member:
    def __init__(self, room: Classroom, role: Role, student: Student | None) -> None:
        self.room, self.role, self.student = room, role, student


async def member(class_id: str, hub: Hub, authorization: Authorization = None) -> Member:
    """The class and who the request's token makes the caller: 404, or 403 for nobody."""
    room = hub.classes.get(class_id)
    if room is None:
        raise refuse(404, SERVER.say("class.unknown", id=class_id))
    found = room.role_of(bearer(authorization))
    if found is None:
        raise refuse(403, SERVER.say("class.needs_member"))
    return Member(room, *found)


async def teacher(found: Annotated[Member, Depends(member)]) -> Classroom:
    if found.role != "teacher":
        raise refuse(403, SERVER.say("class.needs_teacher"))
    return found.room


Teaching = Annotated[Classroom, Depends(teacher)]


def shown(room: Classroom, hub: ClassHub, request: Request) -> dict[str, Any]:
    """The class as anyone in it sees it."""
    state = room.state(0)
    return {
        **{key: state[key] for key in ("id", "code", "name", "teacher", "mode", "locks")},
        "stage": state["stage"],
        "experiment": state["experiment"],
        "experiment_race": state["experiment_race"],
        "lesson": state["lesson"],
        "join_path": f"/join/{room.code}",
        "lan_url": join_url(hub.manager.settings.host, request, room.code),
    }


def detail(room: Classroom, hub: ClassHub, request: Request) -> ClassDetail:
    roster = hub.roster(room)["students"]
    return ClassDetail.model_validate({**shown(room, hub, request), "students": roster})


@router.post(
    "",
    status_code=201,
    response_model=ClassCreated,
    responses={
        429: {
            "description": "too many runs or classes created a minute, or this client holds "
            "its maximum of classes"
        }
    },
)
async def create_class(body: ClassCreate, hub: Hub, request: Request) -> ClassCreated:
    """A new class: its join code, and the teacher token (shown only here)."""
    request.app.state.create_rates.check(request)
    try:
        room, token = hub.create(body.name, body.teacher, client_key(request))
    except CapacityError as error:  # this client holds its share of classes
        raise full(error) from None
    return ClassCreated.model_validate({**dict(detail(room, hub, request)), "teacher_token": token})


@router.get("/{class_id}", response_model=ClassDetail, responses=TEACHER)
async def read_class(room: Teaching, hub: Hub, request: Request) -> ClassDetail:
    """The class with every student, connected or not, and their runs' numbers."""
    return detail(room, hub, request)


@router.patch(
    "/{class_id}",
    response_model=ClassDetail,
    responses={
        **TEACHER,
        409: {"description": "the spotlit student has no run yet, or no teacher run to vary"},
        **FULL,
    },
)
async def update_class(
    body: ClassUpdate, room: Teaching, hub: Hub, request: Request
) -> ClassDetail:
    """Switch the mode, set the locks, spotlight a student's run (null: back to the
    teacher's), or start a lesson for the class; every member's page follows at once."""
    spotlight = body.spotlight if "spotlight" in body.model_fields_set else ""
    lesson = body.lesson if "lesson" in body.model_fields_set else ""
    raced = races_of(request)
    try:
        if "experiment" in body.model_fields_set:
            experiment = body.experiment.model_dump() if body.experiment else None
            check_experiment(hub, room, experiment)
        if "race" in body.model_fields_set:  # told with the rest, below
            raced.show(room, body.race, tell=False)
        hub.update(room, body.mode, body.locks, spotlight, lesson)
        if "experiment" in body.model_fields_set:
            if experiment and experiment["race"]:
                raced.set_experiment(room, experiment)
            else:
                hub.set_experiment(room, experiment)
    except KeyError as error:
        raise refuse(404, error) from None
    except ForeignRaceError as error:
        raise refuse(403, error) from None
    except ConflictError as error:
        raise refuse(409, error) from None
    except CapacityError as error:  # an experiment's runs: the server is full
        raise full(error) from None
    return detail(room, hub, request)


@router.post(
    "/{class_id}/runs",
    status_code=201,
    response_model=RunCreated,
    responses={
        **TEACHER,
        403: {"description": "no member's token, or a change the teacher has locked"},
        409: {"description": "a student's own run while the class watches the teacher"},
        422: {"description": "a field of the body is invalid"},
        **FULL,
        429: {"description": "too many runs made a minute by this member, or held"},
    },
)
async def create_class_run(
    body: Annotated[RunCreate, Depends(_run_create)],
    found: Annotated[Member, Depends(member)],
    hub: Hub,
    request: Request,
    authorization: Authorization = None,
) -> RunCreated:
    """The teacher's new run (the class's stage moves to it), or a student's own run in
    hands-on mode (the teacher's setup; a locked change is 403). The run's control token
    is the caller's own token."""
    if body.replicates > 1:  # a class's stage and a student's hands show one run
        raise RequestValidationError(
            [
                {
                    "loc": ("body", "replicates"),
                    "type": "less_than_equal",
                    "msg": "a class's run is one run: replicates must be 1",
                }
            ]
        )
    token = bearer(authorization)
    # each member has a budget of their own: a class behind one address is many members
    member_key = f"member:{found.room.id}:{found.student.id if found.student else 'teacher'}"
    request.app.state.create_rates.check_key(member_key)
    try:
        if found.student is None:
            run = hub.teacher_run(found.room, body, token)
        else:
            run = hub.student_run(found.room, found.student, body, token)
    except LockedError as error:
        raise refuse(403, error) from None
    except ConflictError as error:
        raise refuse(409, error) from None
    except CapacityError as error:
        raise full(error) from None
    shown_run = public(run.record(), run, hub.manager)
    return RunCreated.model_validate({**dict(shown_run), "control_token": token})


def check_experiment(hub: ClassHub, room: Classroom, experiment: dict[str, Any] | None) -> None:
    """Every cell must make a valid config of the teacher's setup: else 422 naming the
    setting (an activation that is not registered, a batch size out of bounds)."""
    if experiment is None:
        return
    base = hub.stage_config(room, teacher_only=True)
    if base is None:
        raise ConflictError(SERVER.say("class.experiment_needs_run"))
    for cell in experiment_cells(experiment):
        try:
            with_cell(base, cell, experiment["epochs"])
        except ValidationError as error:
            where = ("body", "experiment", "settings", _culprit(error, cell))
            problems = [{"loc": where, "msg": e["msg"], "type": e["type"]} for e in error.errors()]
            raise RequestValidationError(problems) from None


def _culprit(error: ValidationError, cell: dict[str, Any]) -> str:
    """The setting an invalid cell's error is about (its location names the field)."""
    place = ".".join(str(part) for part in error.errors()[0]["loc"])
    return next((name for name in cell if name in place), next(iter(cell)))


@router.post(
    "/{class_id}/control",
    responses={
        **TEACHER,
        409: {"description": "send_setup before the teacher has a run"},
        **FULL,
    },
)
async def control_class(body: ClassControl, room: Teaching, request: Request) -> dict[str, int]:
    """Pause, play, step (an epoch, or ``batches``) or reset every student's run at once,
    or ``send_setup``: every student gets a new run of the teacher's setup now (hands-on);
    answers how many runs it reached."""
    raced = races_of(request)
    if body.type == "send_setup":
        try:
            return {"runs": raced.send_setup(room)}
        except ConflictError as error:
            raise refuse(409, error) from None
        except CapacityError as error:
            raise full(error) from None
    return {"runs": raced.control_all(room, body)}


@router.delete("/{class_id}", status_code=204, responses=TEACHER)
async def delete_class(room: Teaching, hub: Hub) -> Response:
    """Delete the class: its students' runs go with it, its join code stops working, and
    every member's page is told (the class socket closes with 4404)."""
    hub.delete(room)
    return Response(status_code=204)


@router.delete(
    "/{class_id}/students/{student_id}",
    status_code=204,
    responses={**TEACHER, 404: {"description": "no such class, or no such student in it"}},
)
async def remove_student(student_id: str, room: Teaching, hub: Hub) -> Response:
    """Take a student out of the class: their token stops working, their run is deleted,
    their pages are closed (4403); they may join again with the code."""
    student = room.students.get(student_id)
    if student is None:
        raise refuse(404, SERVER.say("class.no_student", id=student_id))
    hub.remove_student(room, student)
    return Response(status_code=204)
