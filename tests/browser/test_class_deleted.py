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
ORANGE = "rgb(230, 81, 0)"  # the Play disc of a run this page can play (app.css)


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
        expect(page.locator("#class-banner")).to_contain_text(GONE, timeout=FOLLOW_MS)
    expect(teacher.locator("#class-banner")).to_have_text(GONE)  # the teacher's runs stay
    student.screenshot(path=artifacts / "class-deleted-student.png")
    # the run the student watched went with the class: nothing offers to play it (the Play
    # button is not the orange call to action), and the way on is a playground of their own
    play = student.get_by_role("button", name="Play", exact=True)
    expect(play).to_be_disabled()
    disc = play.locator(".disc").evaluate("node => getComputedStyle(node).backgroundColor")
    assert disc != ORANGE, "a disabled Play button still looks like one to press"
    student.get_by_role("link", name="Open the playground on your own").click()
    expect(student.locator("#class-banner")).to_be_hidden()
    expect(play).to_be_enabled()


def test_the_teacher_ends_the_class_from_the_page(
    contexts: list[BrowserContext], live_server: str, artifacts: Path
) -> None:
    """The class panel ends the class (it was only `DELETE /api/classes/ID` with the token:
    a teacher at the page had no way out of a class). It asks first; then every student's
    page is told, and the teacher's page is a playground again."""
    teacher, student = [context.new_page() for context in contexts]
    code = start_class(teacher, live_server)
    join(student, live_server, code, "Ada")
    room = teacher.evaluate("window.nnplayground.store.state.classroom.id")
    teacher.get_by_role("button", name="End the class…").click()
    teacher.get_by_role("button", name="Cancel", exact=True).click()  # a slip is undone
    teacher.get_by_role("button", name="End the class…").click()
    expect(teacher.get_by_text("students' runs are deleted")).to_be_visible()
    teacher.screenshot(path=artifacts / "class-end-ask.png")
    teacher.get_by_role("button", name="End it for everyone").click()
    expect(student.locator("#class-banner")).to_contain_text(GONE, timeout=FOLLOW_MS)
    expect(teacher.locator("#class-banner")).to_be_hidden()
    expect(teacher).not_to_have_url(f"{live_server}/?class={room}", timeout=FOLLOW_MS)
    assert teacher.evaluate(f"localStorage.getItem('nnpg.class.{room}')") is None
    assert httpx.get(f"{live_server}/api/classes/{room}").status_code == 404
    expect(teacher.get_by_role("button", name="Play", exact=True)).to_be_enabled()
