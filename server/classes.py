"""The classes a server holds (docs/architecture.md, "Classes"): making and joining them,
moving the stage, the students' own runs, locks, and telling every member's page.

On the event loop, like the run manager it drives: a class's runs are ordinary runs (made
by ``RunManager.create``), whose control token is the teacher's or the student's own. The
hub keeps which run belongs to whom, so the run stream can hold a student to the locks.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

from engine.config import ExperimentConfig
from engine.messages import Message
from server import protocol as p
from server.class_members import ROSTER_SECONDS, ClassMembers
from server.classroom import (
    Classroom,
    Mode,
    Student,
    changed_groups,
    message_groups,
    new_join_code,
    refused,
    same_name,
    with_cell,
)
from server.classstore import ClassStore
from server.messages import SERVER
from server.records import new_id, new_token
from server.run import ClientLimitError, ConflictError, Run
from server.runs import RunManager
from server.schemas import AnyClientMessage, RunCreate, Set

log = logging.getLogger(__name__)
REMOVED = 4403  # the class socket's close code for a token that is no member's (any more)
GONE = 4404  # … and for a class the server does not hold (any more)
MAX_SOCKETS = 8  # class sockets one member may hold open (pages, tabs, a dashboard)


class LockedError(PermissionError):
    """A student's change that a lock forbids (403, naming the lock)."""


class ClassHub(ClassMembers):
    def __init__(self, manager: RunManager, max_students: int) -> None:
        super().__init__()
        self.manager = manager
        self.max_students = max_students
        self.store = ClassStore(manager.store)
        self.classes: dict[str, Classroom] = {}
        self.by_code: dict[str, Classroom] = {}
        # a student's run → its class and student: the run stream holds it to the locks
        self.owners: dict[str, tuple[Classroom, Student]] = {}
        self._task: asyncio.Task[None] | None = None

    def load(self) -> None:
        """The stored classes, with their codes and students (after a restart)."""
        for room in self.store.load():
            self._hold(room)
            for student in room.students.values():
                if student.run_id:
                    self.owners[student.run_id] = (room, student)

    def start(self) -> None:
        self._task = asyncio.create_task(self._forever())

    def stop(self) -> None:
        if self._task:
            self._task.cancel()

    async def _forever(self) -> None:
        while True:
            await asyncio.sleep(ROSTER_SECONDS)
            try:
                self.tick()
            except Exception:  # logged; the next tick tries again
                log.exception("the classes' numbers could not be sent")

    def _hold(self, room: Classroom) -> None:
        self.classes[room.id] = room
        self.by_code[room.code] = room

    # -- making and joining ---------------------------------------------------------------

    def create(self, name: str, teacher: str, client: str = "") -> tuple[Classroom, str]:
        """A new class and its teacher token (shown once), made by ``client``: one client
        holds at most ``classes_per_client`` classes (a script cannot fill the server's
        memory and store with classes; deleting one frees its place)."""
        cap = self.manager.settings.classes_per_client
        if client and sum(r.client == client for r in self.classes.values()) >= cap:
            raise ClientLimitError(SERVER.say("class.client_classes", limit=cap))
        token, token_hash = new_token()
        code = new_join_code(self.by_code)
        room = Classroom(new_id(9), code, name, teacher, token_hash, client=client)
        self.store.save(room)
        self._hold(room)
        return room, token

    def join(self, room: Classroom, name: str, client: str = "") -> tuple[Student, str]:
        """A new student of the class, joined by ``client``: one client may join at most
        ``students_per_client`` (a script's flood of fake students cannot fill the class)."""
        if len(room.students) >= self.max_students:
            raise ConflictError(SERVER.say("class.full", limit=self.max_students))
        cap = self.manager.settings.students_per_client
        if client and sum(s.client == client for s in room.students.values()) >= cap:
            raise ClientLimitError(SERVER.say("class.client_full", limit=cap))
        if any(same_name(name, other.name) for other in room.students.values()):
            raise ConflictError(SERVER.say("class.name_taken", name=name))  # a second "Ada"
        token, token_hash = new_token()
        student = Student(new_id(9), name, token_hash, cell=room.next_cell(), client=client)
        room.students[student.id] = student
        self.store.save_student(room, student)
        self._roster_changed(room)
        return student, token

    # -- runs -------------------------------------------------------------------------------

    def teacher_run(self, room: Classroom, body: RunCreate, token: str) -> Run:
        """The teacher's new run: the stage moves to it (a spotlight ends) and every page
        follows; the teacher's previous run pauses."""
        run, _ = self.manager.create(body, f"class:{room.id}", token=token)
        previous = self.manager.runs.get(room.teacher_run or "")
        if previous is not None and previous.status == "running":
            self.manager.control(previous, p.Pause(previous.id))
        room.teacher_run, room.spotlight, room.race = run.id, None, None
        self.store.save(room)
        self.tell_all(room)
        return run

    def student_run(self, room: Classroom, student: Student, body: RunCreate, token: str) -> Run:
        """A student's own run in hands-on mode: the teacher's setup, changed only where
        nothing is locked. It replaces the student's previous run."""
        if room.mode != "hands_on" or student.race:
            raise ConflictError(SERVER.say("class.race_lane" if student.race else "class.watching"))
        epochs = room.experiment["epochs"] if room.experiment else 0
        body = body.model_copy(update={"config": with_cell(body.config, student.cell, epochs)})
        base = self.stage_config(room, teacher_only=True)
        if base is not None:
            why = refused(
                room.locks, changed_groups(with_cell(base, student.cell, epochs), body.config)
            )
            if why:
                raise LockedError(why)
        return self._give_run(room, student, body, token=token)

    def _give_run(self, room: Classroom, student: Student, body: RunCreate, token: str = "") -> Run:
        """Make ``body`` the student's run, controlled by their token (or its hash)."""
        client = f"class:{room.id}:{student.id}"
        run, _ = self.manager.create(body, client, token=token, token_hash=student.token_hash)
        self.adopt(room, student, run)
        return run

    def adopt(self, room: Classroom, student: Student, run: Run, race: str | None = None) -> None:
        """``run`` is the student's now (a lane of ``race``, or their own): the previous goes."""
        previous = self.manager.runs.get(student.run_id or "")
        if previous is not None:
            self.owners.pop(previous.id, None)
            self.manager.remove(previous)
        student.run_id, student.race = run.id, race
        self.owners[run.id] = (room, student)
        self.store.save_student(room, student)
        if room.spotlight == student.id:
            self.tell_all(room)  # the stage is the spotlit student's new run
        self._roster_changed(room)

    def send_setup(self, room: Classroom) -> int:
        """Every student gets a new run from the teacher's setup now (with their experiment
        cell), and their page follows it; answers how many runs were made."""
        base = self.stage_config(room, teacher_only=True)
        if base is None:
            raise ConflictError(SERVER.say("class.no_teacher_run"))
        epochs = room.experiment["epochs"] if room.experiment else 0
        room.experiment_race = None
        for student in room.students.values():
            body = RunCreate(config=with_cell(base, student.cell, epochs), start=False)
            self._give_run(room, student, body)
            self.tell_student(student)  # before the mode: a page then finds its run made
        if room.mode != "hands_on":
            self.update(room, mode="hands_on")
        return len(room.students)

    def set_experiment(
        self, room: Classroom, experiment: dict[str, Any] | None, runs: bool = True
    ) -> int:
        """Start a class experiment (every student gets a cell, and a run of it unless
        ``runs`` is false) or end one; answers how many runs were made."""
        ended, room.experiment, room.experiment_race = room.experiment_race, experiment, None
        if ended:
            self._leave_race(room, ended)
        room.assign_cells()
        self.store.save(room)
        self.store.save_students(room)
        self.tell_all(room)
        return self.send_setup(room) if experiment and runs else 0

    def _leave_race(self, room: Classroom, race: str) -> None:
        """The students whose runs were lanes of ``race`` (an experiment that ended) have no
        run now: their pages make their own, as in hands-on. The lanes stay the race's."""
        for student in room.students.values():
            if student.race == race:
                self.owners.pop(student.run_id or "", None)
                self._without_run(room, student)

    def _without_run(self, room: Classroom, student: Student) -> None:
        """The student has no run now (stored, and their pages told)."""
        student.run_id, student.race = None, None
        self.store.save_student(room, student)
        self.tell_student(student)

    def stage_config(self, room: Classroom, teacher_only: bool = False) -> ExperimentConfig | None:
        """The config of the run the class watches (or the teacher's), as it trains now."""
        stage = (room.teacher_run, None) if teacher_only else room.stage
        run = self.manager.runs.get(stage[0] or "") if stage else None
        if run is not None:
            return run.body.config
        record = self.manager.store.get_run(stage[0]) if stage and stage[0] else None
        return ExperimentConfig.from_stored(record.config) if record else None

    def refusal(self, run: Run, message: AnyClientMessage) -> Message | None:
        """Why a control message on ``run`` is refused by its class's locks, or by the
        experiment cell it measures (a live change of a setting the cell fixes): only a
        student's own run is held to them."""
        owner = self.owners.get(run.id)
        if owner is None:
            return None
        room, student = owner
        changes = message.model_dump(exclude_none=True) if isinstance(message, Set) else {}
        if room.experiment and set(student.cell or ()) & changes.keys():
            return SERVER.say("class.cell_fixed")
        return refused(room.locks, message_groups(message.type))

    # -- the teacher's settings -----------------------------------------------------------

    def update(
        self,
        room: Classroom,
        mode: Mode | None = None,
        locks: Sequence[str] | None = None,
        spotlight: str | None = "",
        lesson: str | None = "",
    ) -> None:
        """Change the mode, the locks, the spotlight or the lesson ("" leaves the last two
        as they are, None ends them)."""
        if spotlight:
            student = room.students.get(spotlight)
            if student is None:
                raise KeyError(SERVER.say("class.no_student", id=spotlight))
            if student.run_id is None:
                raise ConflictError(SERVER.say("class.no_spotlight_run", name=student.name))
        if mode is not None:
            room.mode = mode
        if locks is not None:
            room.locks = frozenset(locks)
        if spotlight != "":
            room.spotlight, room.race = spotlight, None
        if lesson != "":
            room.lesson = lesson
        self.store.save(room)
        self.tell_all(room)

    def remove_student(self, room: Classroom, student: Student) -> None:
        """The teacher takes a student out of the class (a wrong name, someone who should
        not be there): their token stops working, their run goes, their pages are closed."""
        self._delete_run(student)
        if room.spotlight == student.id:
            room.spotlight = None
        del room.students[student.id]
        self.store.delete_student(student)
        self.store.save(room)
        for viewer in student.sockets:
            viewer.close(REMOVED, "the teacher removed you from the class")
        self.tell_all(room)
        self._roster_changed(room)

    def _delete_run(self, student: Student) -> None:
        run = self.manager.runs.get(student.run_id or "")
        if run is not None:
            self.owners.pop(run.id, None)
            self.manager.remove(run, delete=True)
        elif student.run_id:
            self.manager.store.delete_run(student.run_id)

    def delete(self, room: Classroom) -> None:
        """The teacher deletes the class: its students' runs go with it (the teacher's runs
        stay the teacher's), its code no longer joins, and every member's page is told (its
        class socket closes with 4404, as for a class the server does not hold)."""
        for student in room.students.values():
            self._delete_run(student)
        self.store.delete(room)  # its students with it
        del self.classes[room.id], self.by_code[room.code]
        self._told.pop(room.id, None)
        for viewer in self._members(room):
            viewer.close(GONE, "the teacher deleted the class")

    def run_deleted(self, run_id: str) -> None:
        """A class's run was deleted by its owner (``DELETE /api/runs/{id}``): the class
        forgets it, so no page is left watching a run that is gone (a spotlight on it shows
        the teacher's run again, as does a student's page; a deleted teacher run empties the
        stage)."""
        room, student = self.owners.pop(run_id, (None, None))
        if room is not None and student is not None:
            self._without_run(room, student)
            if room.spotlight == student.id:
                self.tell_all(room)
            self._roster_changed(room)
        for room in self.classes.values():
            if room.teacher_run == run_id:
                room.teacher_run = None
                self.store.save(room)
                self.tell_all(room)
