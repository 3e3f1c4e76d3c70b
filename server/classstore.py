"""Classes and their students in the run store's database (same file, same owner thread).

A class is written when it changes (a join, a stage move, a mode or a lock); there are few
of them and they change at a teacher's pace, so each write is its own transaction. Tokens
are kept only as hashes, like the runs'.
"""

from __future__ import annotations

import json
from datetime import datetime

from server.classroom import Classroom, Student
from server.store import Store, StoreTables
from server.storefile import owned
from server.transaction import transaction

SCHEMA = """
CREATE TABLE IF NOT EXISTS classes (
    id TEXT PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    teacher TEXT NOT NULL,
    teacher_hash TEXT NOT NULL,
    mode TEXT NOT NULL,
    locks TEXT NOT NULL,
    teacher_run TEXT,
    spotlight TEXT,
    created_at TEXT NOT NULL,
    experiment TEXT,
    lesson TEXT,
    client TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS students (
    id TEXT PRIMARY KEY,
    class_id TEXT NOT NULL REFERENCES classes (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    run_id TEXT,
    joined_at TEXT NOT NULL,
    cell TEXT,
    client TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS students_by_class ON students (class_id);
"""
CLASS_FIELDS = (
    *("id", "code", "name", "teacher", "teacher_hash", "mode", "locks"),
    *("teacher_run", "spotlight", "created_at", "experiment", "lesson", "client"),
)
# an upsert, not INSERT OR REPLACE: a replaced row would take its students with it (CASCADE)
_MARKS = ", ".join("?" * len(CLASS_FIELDS))
_SETS = ", ".join(f"{f} = excluded.{f}" for f in CLASS_FIELDS[1:])
SAVE_CLASS = (
    f"INSERT INTO classes ({', '.join(CLASS_FIELDS)}) VALUES ({_MARKS}) "
    f"ON CONFLICT (id) DO UPDATE SET {_SETS}"
)

STUDENT_FIELDS = ("id", "class_id", "name", "token_hash", "run_id", "joined_at", "cell", "client")
SAVE_STUDENT = (
    f"INSERT OR REPLACE INTO students ({', '.join(STUDENT_FIELDS)}) "
    f"VALUES ({', '.join('?' * len(STUDENT_FIELDS))})"
)


class ClassStore(StoreTables):
    """Reads and writes classes through a ``Store``'s connection."""

    SCHEMA = SCHEMA

    def __init__(self, store: Store) -> None:
        super().__init__(store)
        columns = {row["name"] for row in store.db.execute("PRAGMA table_info(classes)")}
        if "lesson" not in columns:  # a store from before lessons were shared
            store.db.execute("ALTER TABLE classes ADD COLUMN lesson TEXT")
        if "client" not in columns:  # a store from before classes were counted per client
            store.db.execute("ALTER TABLE classes ADD COLUMN client TEXT NOT NULL DEFAULT ''")
        columns = {row["name"] for row in store.db.execute("PRAGMA table_info(students)")}
        if "client" not in columns:  # a store from before joins were counted per client
            store.db.execute("ALTER TABLE students ADD COLUMN client TEXT NOT NULL DEFAULT ''")

    @owned
    def save(self, room: Classroom) -> None:
        values = (
            room.id,
            room.code,
            room.name,
            room.teacher,
            room.teacher_hash,
            room.mode,
            json.dumps(sorted(room.locks)),
            room.teacher_run,
            room.spotlight,
            room.created_at.isoformat(),
            None if room.experiment is None else json.dumps(room.experiment),
            room.lesson,
            room.client,
        )
        with transaction(self.db):
            self.db.execute(SAVE_CLASS, values)

    @owned
    def save_student(self, room: Classroom, student: Student) -> None:
        values = (
            student.id,
            room.id,
            student.name,
            student.token_hash,
            student.run_id,
            student.joined_at.isoformat(),
            None if student.cell is None else json.dumps(student.cell),
            student.client,
        )
        with transaction(self.db):
            self.db.execute(SAVE_STUDENT, values)

    @owned
    def save_students(self, room: Classroom) -> None:
        """Every student of the class, in one transaction (a new experiment's cells)."""
        with transaction(self.db):
            self.db.executemany(
                "UPDATE students SET cell = ?, run_id = ? WHERE id = ?",
                [
                    (None if s.cell is None else json.dumps(s.cell), s.run_id, s.id)
                    for s in room.students.values()
                ],
            )

    @owned
    def load(self) -> list[Classroom]:
        """Every class with its students (the sockets start empty)."""
        rooms: dict[str, Classroom] = {}
        for row in self.db.execute("SELECT * FROM classes ORDER BY created_at"):
            rooms[row["id"]] = Classroom(
                id=row["id"],
                code=row["code"],
                name=row["name"],
                teacher=row["teacher"],
                teacher_hash=row["teacher_hash"],
                mode=row["mode"],
                locks=frozenset(json.loads(row["locks"])),
                teacher_run=row["teacher_run"],
                spotlight=row["spotlight"],
                created_at=datetime.fromisoformat(row["created_at"]),
                experiment=json.loads(row["experiment"]) if row["experiment"] else None,
                lesson=row["lesson"],
                client=row["client"],
            )
        for row in self.db.execute("SELECT * FROM students ORDER BY joined_at"):
            room = rooms.get(row["class_id"])
            if room is not None:
                room.students[row["id"]] = Student(
                    id=row["id"],
                    name=row["name"],
                    token_hash=row["token_hash"],
                    run_id=row["run_id"],
                    joined_at=datetime.fromisoformat(row["joined_at"]),
                    cell=json.loads(row["cell"]) if row["cell"] else None,
                    client=row["client"],
                )
        return list(rooms.values())

    @owned
    def delete_student(self, student: Student) -> None:
        with transaction(self.db):
            self.db.execute("DELETE FROM students WHERE id = ?", (student.id,))

    @owned
    def delete(self, room: Classroom) -> None:
        with transaction(self.db):
            self.db.execute("DELETE FROM classes WHERE id = ?", (room.id,))
