"""A class's members' sockets (``ClassHub``'s part that talks to pages): a member joins
with what the class is now (and a student with who they are), the class's state goes to every
member when it changes, the teacher's pages get the roster, each student's numbers, every
``ROSTER_SECONDS``."""

from __future__ import annotations

from typing import Any

from server.classroom import Classroom, Role, Student
from server.clients import Bucket
from server.run import Run
from server.runs import RunManager
from server.viewers import Viewer
from server.wire import clean, dumps

ROSTER_SECONDS = 1.0  # how often a teacher's page gets the class's numbers


class ClassMembers:
    """The sockets half of ``server.classes.ClassHub`` (its base class)."""

    manager: RunManager
    classes: dict[str, Classroom]

    def __init__(self) -> None:
        self._told: dict[str, int] = {}  # class id → the stage's viewers its members know of

    def connect(self, room: Classroom, role: Role, student: Student | None, client: str) -> Viewer:
        """A member's class socket: the class now, and for a student who they are."""
        settings = self.manager.settings
        bucket = Bucket(settings.message_rate, settings.message_burst)
        viewer = Viewer(role == "teacher", bucket, client=client)
        viewer.offer_message(dumps(room.state(self._viewers(room))))
        if student is not None:
            viewer.offer_message(dumps(you_message(student)))
            student.sockets.add(viewer)
        else:
            room.teachers.add(viewer)
        self._roster_changed(room)  # the new teacher's page gets its first roster here
        return viewer

    @staticmethod
    def tell_student(student: Student) -> None:
        """Each of the student's pages gets who they are now (a ``you`` message)."""
        message = dumps(you_message(student))
        for viewer in student.sockets:
            viewer.offer_message(message)

    def sockets_of(self, room: Classroom, student: Student | None) -> int:
        return len(student.sockets if student else room.teachers)

    def disconnect(self, room: Classroom, viewer: Viewer) -> None:
        room.teachers.discard(viewer)
        for student in room.students.values():
            student.sockets.discard(viewer)
        self._roster_changed(room)

    def tell_all(self, room: Classroom) -> None:
        self._told[room.id] = viewers = self._viewers(room)
        message = dumps(room.state(viewers))
        for viewer in self._members(room):
            viewer.offer_message(message)

    def tick(self) -> None:
        """Every ``ROSTER_SECONDS``: each teacher's page gets the class's numbers, and every
        member the stage's viewer count when it changed."""
        for room in self.classes.values():
            viewers = self._viewers(room)
            if self._told.get(room.id, viewers) != viewers:
                self.tell_all(room)
            self._roster_changed(room)

    def _roster_changed(self, room: Classroom) -> None:
        if room.teachers:
            message = dumps(self.roster(room))
            for viewer in room.teachers:
                viewer.offer_message(message)

    def roster(self, room: Classroom) -> dict[str, Any]:
        runs = {}
        for student in room.students.values():
            run = self.manager.runs.get(student.run_id or "")
            if run is not None:
                runs[run.id] = self._numbers(run)
        return room.roster(runs)

    def _numbers(self, run: Run) -> dict[str, Any]:
        latest = run.latest
        numbers: dict[str, Any] = clean(
            {
                "id": run.id,
                "status": run.status,
                "epoch": run.epoch,
                "train_loss": latest[2] if latest else None,
                "test_loss": latest[3] if latest else None,
            }
        )
        return numbers

    def _viewers(self, room: Classroom) -> int:
        stage = room.stage
        run = self.manager.runs.get(stage[0]) if stage else None
        return len(run.viewers) if run else 0

    @staticmethod
    def _members(room: Classroom) -> list[Viewer]:
        return [*room.teachers, *(v for s in room.students.values() for v in s.sockets)]


def you_message(student: Student) -> dict[str, Any]:
    """A student's ``you`` message: who they are, their run and their experiment cell."""
    return {
        "type": "you",
        "id": student.id,
        "name": student.name,
        "run_id": student.run_id,
        "cell": student.cell,
        "race": student.race,
    }
