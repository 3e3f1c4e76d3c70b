"""Races in a class (docs/architecture.md, "Races in a class"): a race on the class's stage,
and a class experiment whose cells' runs are the lanes of one race.

Both reuse the race machinery as it is (``server.races``): a class's race is an ordinary
race whose control token is the teacher's, so the teacher's page drives it with the token
it already holds and a student's token controls nothing in it. The stage names the race
(``Classroom.race``); a new teacher run, a spotlight or ``race: null`` takes it back.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from server import protocol as p
from server.class_schemas import ClassControl
from server.classes import ClassHub
from server.classroom import Classroom, Student, with_cell
from server.messages import SERVER
from server.race_schemas import LaneSpec, RaceCreate
from server.races import LanePlan, Race, RaceHub, same_shape
from server.run import CapacityError, ConflictError
from server.schemas import RunCreate


class ForeignRaceError(PermissionError):
    """A race not made with this class's teacher token (403)."""


def cell_words(cell: dict[str, Any] | None) -> str:
    """A cell as a lane's label: ``learning_rate 0.3 · batch_size 10`` (no student's name:
    anyone who watches the race reads its labels)."""
    return " · ".join(f"{name} {value}" for name, value in (cell or {}).items()) or "—"


class ClassRaces:
    """The class hub and the race hub, together for a class's races (on the event loop)."""

    def __init__(self, classes: ClassHub, races: RaceHub) -> None:
        self.classes = classes
        self.races = races

    # -- a race on the stage ------------------------------------------------------------------

    async def create(self, room: Classroom, body: RaceCreate, token: str, client: str) -> Race:
        """A race for the class, controlled by the teacher's token; the stage moves to it."""
        plans, parent = await self.races.plans(body)
        race, _ = self.races.create(body, plans, parent, client, token=token)
        self.show(room, race.id)
        return race

    def show(self, room: Classroom, race_id: str | None, tell: bool = True) -> None:
        """Put one of the class's races on the stage (every page follows, told now unless
        ``tell`` is false), or take it off (``None``: back to the spotlight or the teacher's
        run)."""
        if race_id is None:
            room.race = None
        else:
            race = self.races.races.get(race_id)
            if race is None:
                raise KeyError(SERVER.say("race.unknown", id=race_id))
            if race.token_hash != room.teacher_hash:
                raise ForeignRaceError(SERVER.say("class.race_elsewhere", id=race_id))
            room.race = (race.id, race.lanes[0].run.id)
        if tell:
            self.classes.tell_all(room)

    # -- a class experiment that is a race ----------------------------------------------------

    def set_experiment(self, room: Classroom, experiment: dict[str, Any]) -> int:
        """Start a race experiment: every student a cell, and their runs one race's lanes."""
        self.classes.set_experiment(room, experiment, runs=False)
        return self.experiment_race(room)

    def experiment_race(self, room: Classroom) -> int:
        """Every student's cell as a lane of one race, from the teacher's setup and seed
        (so the teacher's first weights, shared bit for bit where the shapes match);
        answers how many runs were made."""
        base = self.classes.stage_config(room, teacher_only=True)
        if base is None:
            raise ConflictError(SERVER.say("class.no_teacher_run"))
        assert room.experiment is not None
        students = sorted(room.students.values(), key=lambda s: s.joined_at)
        if not students:
            return 0
        epochs = room.experiment["epochs"]
        configs = [with_cell(base, student.cell, epochs) for student in students]
        plans, specs = [], []
        for student, config in zip(students, configs, strict=True):
            label = cell_words(student.cell)
            create = RunCreate(config=config, name=label, start=False)
            plans.append(LanePlan(create, None, same_shape(configs[0], config)))
            specs.append(LaneSpec(changes=student.cell or {}, label=label[:80]))
        clients = [f"class:{room.id}:{student.id}" for student in students]
        race = self.races.make(specs, plans, clients, room.teacher_hash, name="class experiment")
        room.experiment_race = race.id
        self._hand_out(room, students, race)
        return len(students)

    def _hand_out(self, room: Classroom, students: Sequence[Student], race: Race) -> None:
        """Each lane is its student's run; their pages are told, then switch to hands-on."""
        for student, lane in zip(students, race.lanes, strict=True):
            self.classes.adopt(room, student, lane.run, race=race.id)
            self.classes.tell_student(student)
        if room.mode != "hands_on":
            self.classes.update(room, mode="hands_on")
        else:
            self.classes.tell_all(room)

    def send_setup(self, room: Classroom) -> int:
        """``send_setup`` during a race experiment: a new race of the cells."""
        if room.experiment and room.experiment.get("race"):
            return self.experiment_race(room)
        return self.classes.send_setup(room)

    # -- class-wide controls -------------------------------------------------------------

    def control_all(self, room: Classroom, body: ClassControl) -> int:
        """Play, pause, step or reset every student's run: a race's lanes once, by their
        race (a step of each lane would step the race once a lane); answers the runs reached."""
        manager, reached, raced = self.classes.manager, 0, set()
        for student in room.students.values():
            run = manager.runs.get(student.run_id or "")
            if run is None or not run.live:
                continue
            race = self.races.races.get(student.race or "")
            try:
                if race is not None and race.id not in raced:
                    raced.add(race.id)
                    self.races.control(race, body.type)  # a step: one epoch, the race's tick
                elif race is None:
                    manager.control(run, command(body, run.id))
            except (ConflictError, CapacityError):  # ended meanwhile, or its member is full
                continue
            reached += 1
        return reached


def command(body: ClassControl, run_id: str) -> p.Command:
    if body.type == "step":
        return p.Step(run_id, epochs=int(not body.batches), batches=body.batches or 0)
    kinds: dict[str, type[p.Command]] = {"play": p.Play, "pause": p.Pause, "reset": p.Reset}
    return kinds[body.type](run_id)
