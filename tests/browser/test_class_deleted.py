"""A class the teacher deletes while a student watches: the student's page says so, it is
not left waiting on a class that is gone (DELETE /api/classes/{id}, docs/api.md)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, expect

from tests.browser.test_classroom import (
    FOLLOW_MS,
    browsers,
    join,
    run_id,
    start_class,
    wait_for_run,
)

GONE = "This class is not on this server any more."


@pytest.fixture
def contexts(browser: Browser) -> Iterator[list[BrowserContext]]:
    yield from browsers(browser, 2)  # a teacher and a student


def test_a_student_watching_is_told_the_class_was_deleted(
    contexts: list[BrowserContext], live_server: str, artifacts: Path
) -> None:
    teacher, student = [context.new_page() for context in contexts]
    code = start_class(teacher, live_server)
    join(student, live_server, code, "Ada")
    stage = run_id(teacher)
    assert stage
    wait_for_run(student, stage)
    room = teacher.evaluate("window.nnplayground.store.state.classroom.id")
    token = teacher.evaluate(f"JSON.parse(localStorage.getItem('nnpg.class.{room}')).token")
    answer = httpx.delete(
        f"{live_server}/api/classes/{room}", headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status_code == 204, answer.text
    for page in (student, teacher):
        expect(page.locator("#class-banner")).to_have_text(GONE, timeout=FOLLOW_MS)
    student.screenshot(path=artifacts / "class-deleted-student.png")
