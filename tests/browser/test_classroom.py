"""A class in real browsers: a teacher and five students (each their own browser context,
so their own storage), as a lesson would go. Every wait is for a state, never for a time."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

STUDENTS = ("Ada", "Bob", "<b>Cy</b>", "Dee", "Eve")
FOLLOW_MS = 15_000  # generous for a loaded machine: the stage itself moves in well under 1 s


def browsers(browser: Browser, count: int) -> Iterator[list[BrowserContext]]:
    """``count`` browser contexts, each its own storage (so its own class member), closed after."""
    made = [
        browser.new_context(viewport={"width": 1280, "height": 800}, bypass_csp=True)
        for _ in range(count)
    ]
    yield made
    for context in made:
        context.close()


@pytest.fixture
def contexts(browser: Browser) -> Iterator[list[BrowserContext]]:
    yield from browsers(browser, 1 + len(STUDENTS))


def run_id(page: Page) -> str | None:
    value: str | None = page.evaluate("window.nnplayground.store.state.run?.id ?? null")
    return value


def wait_for_run(page: Page, wanted: str) -> None:
    page.wait_for_function(
        "id => window.nnplayground.store.state.run?.id === id", arg=wanted, timeout=FOLLOW_MS
    )


def wait_for_another_run(page: Page, old: str) -> None:
    """Until the page shows a run that is not ``old`` (between the two it shows none)."""
    page.wait_for_function(
        "old => { const id = window.nnplayground.store.state.run?.id; return id && id !== old; }",
        arg=old,
        timeout=FOLLOW_MS,
    )


def start_class(page: Page, url: str) -> str:
    page.goto(url)
    page.get_by_role("button", name="Class").click()
    page.get_by_role("button", name="Teaching? Start a class instead").click()
    form = page.get_by_role("form", name="Start a class")
    form.get_by_label("Class name").fill("Period 3")
    form.get_by_label("Your name").fill("Ms Kim")
    form.get_by_role("button", name="Start the class").click()
    expect(page.locator("#class-banner")).to_contain_text("Teaching Period 3")
    code = page.locator(".join-code strong").inner_text()
    assert re.fullmatch(r"[A-HJKMNP-Z2-9]{6}", code)
    return code


def join(page: Page, url: str, code: str, name: str) -> None:
    page.goto(f"{url}/join/{code}")
    form = page.get_by_role("form", name="Join a class")
    expect(form.get_by_role("heading")).to_contain_text("Join Period 3 (Ms Kim)")
    form.get_by_label("Your name").fill(name)
    form.get_by_role("button", name="Join").click()
    expect(page.locator("#class-banner")).to_contain_text("Watching Ms Kim's run")


def test_a_class_follows_its_teacher(
    contexts: list[BrowserContext], live_server: str, artifacts: Path
) -> None:
    teacher, *students = [context.new_page() for context in contexts]
    code = start_class(teacher, live_server)
    expect(teacher.locator("#test-loss")).not_to_have_text("—")
    first = run_id(teacher)
    assert first
    for page, name in zip(students, STUDENTS, strict=True):
        join(page, live_server, code, name)
        wait_for_run(page, first)
    roster = teacher.locator(".roster")
    expect(roster).to_contain_text("5 connected of 5")
    expect(roster.get_by_text("<b>Cy</b>", exact=True)).to_be_visible()  # a name is text
    assert teacher.locator(".roster b").count() == 0
    # a student's controls are the teacher's, disabled: they watch
    expect(students[0].get_by_role("button", name="Play", exact=True)).to_be_disabled()
    # … drawing too: drawing points would start a run of their own, out of the class
    expect(students[0].get_by_role("button", name="Draw points")).to_be_disabled()

    # a structural change: the teacher's page makes a new run; every student follows it
    teacher.get_by_role("button", name="Add a hidden layer").click()
    wait_for_another_run(teacher, first)
    second = run_id(teacher)
    assert second and second != first
    for page in students:
        wait_for_run(page, second)
        expect(page.locator("#class-banner")).to_contain_text("Watching Ms Kim's run")
    students[0].screenshot(path=artifacts / "class-student-follows.png")

    # a live change reaches the students' controls
    teacher.get_by_label("Learning rate", exact=True).select_option("0.3")
    for page in students:
        expect(page.get_by_label("Learning rate", exact=True)).to_have_value("0.3")
    teacher.screenshot(path=artifacts / "class-teacher.png", full_page=True)


def test_hands_on_locks_and_spotlight(contexts: list[BrowserContext], live_server: str) -> None:
    teacher, *students = [context.new_page() for context in contexts[:3]]
    code = start_class(teacher, live_server)
    expect(teacher.locator("#test-loss")).not_to_have_text("—")
    stage = run_id(teacher)
    teacher_loss = teacher.locator("#test-loss").inner_text()
    for page, name in zip(students, STUDENTS[: len(students)], strict=True):
        join(page, live_server, code, name)
    teacher.get_by_label("Training settings").check()
    teacher.get_by_label("Everyone trains").check()
    own_runs = []
    for page in students:
        expect(page.locator("#class-banner")).to_contain_text("Your own run")
        page.wait_for_function(
            "id => (window.nnplayground.store.state.run?.id ?? id) !== id", arg=stage
        )
        own_runs.append(run_id(page))
        expect(page.locator("#test-loss")).to_have_text(teacher_loss)  # same data and weights
        expect(page.get_by_role("button", name="Play", exact=True)).to_be_enabled()
        rate = page.get_by_label("Learning rate", exact=True)
        expect(rate).to_be_disabled()  # locked, and saying so
        assert "Locked by the teacher" in (rate.get_attribute("title") or "")
        expect(page.get_by_role("checkbox", name="X₁X₂")).to_be_enabled()  # features: free
    # the lock holds against a script with the student's own token
    refused = students[0].evaluate(
        """async (runId) => {
          const id = new URLSearchParams(location.search).get("class");
          const token = JSON.parse(localStorage.getItem(`nnpg.class.${id}`)).token;
          const socket = new WebSocket(`ws://${location.host}/api/runs/${runId}/stream?token=${token}`);
          return await new Promise((resolve) => {
            socket.onopen = () => socket.send(JSON.stringify({type: "set", learning_rate: 3}));
            socket.onmessage = (event) => {
              const message = JSON.parse(event.data);
              if (message.type === "error") { socket.close(); resolve(message.message); }
            };
          });
        }""",
        own_runs[0],
    )
    assert refused == "locked by the teacher: training"

    # spotlight a student: every page, the teacher's too, watches that run; then back
    teacher.get_by_role("button", name=f"Spotlight {STUDENTS[0]}'s run for the class").click()
    for page in (teacher, *students):
        wait_for_run(page, own_runs[0])
    expect(students[1].locator("#class-banner")).to_contain_text(f"watching {STUDENTS[0]}'s run")
    teacher.get_by_role("button", name="Back to my run").click()
    wait_for_run(teacher, stage or "")
    expect(teacher.get_by_role("button", name="Play", exact=True)).to_be_enabled()


def test_an_unknown_join_code_says_so_and_starts_nothing(page: Page, live_server: str) -> None:
    page.goto(f"{live_server}/join/ZZZZZZ")
    expect(
        page.get_by_role("alert").filter(has_text="No class has the code ZZZZZZ")
    ).to_be_visible()
    assert run_id(page) is None
    assert page.evaluate("window.nnplayground.store.state.status") == "waiting"


def test_a_student_joining_is_not_offered_to_start_a_class(
    page: Page, live_server: str, artifacts: Path
) -> None:
    """A join link shows the join form alone; the landing page's Class panel opens on the join
    form, and a teacher reaches the start form by one button (and back)."""
    code = start_class(page, live_server)
    page.context.clear_cookies()
    page.evaluate("localStorage.clear()")
    page.goto(f"{live_server}/join/{code}")
    panel = page.get_by_role("region", name="Class")
    expect(panel.get_by_role("form", name="Join a class")).to_contain_text("Join Period 3")
    expect(panel.get_by_role("form")).to_have_count(1)
    expect(panel.get_by_text("Start a class")).to_have_count(0)
    page.screenshot(path=artifacts / "class-join-link.png")
    page.goto(live_server)
    page.get_by_role("button", name="Class").click()
    expect(panel.get_by_role("form", name="Join a class")).to_be_visible()
    expect(panel.get_by_role("form", name="Start a class")).to_have_count(0)
    panel.screenshot(path=artifacts / "class-panel-landing.png")
    panel.get_by_role("button", name="Teaching? Start a class instead").click()
    expect(panel.get_by_role("form", name="Join a class")).to_have_count(0)
    expect(panel.get_by_label("Class name")).to_be_focused()
    panel.get_by_role("button", name="Joining? Join a class instead").click()
    expect(panel.get_by_role("form", name="Join a class")).to_be_visible()


def setup_link(url: str, seed: int, **changes: object) -> str:
    """A page link carrying a setup (static/js/urlstate.js's hash)."""
    packed = base64.urlsafe_b64encode(json.dumps(changes).encode()).decode().rstrip("=")
    return f"{url}/#seed={seed}&c={packed}"


def test_students_follow_a_reset_after_the_run_ended(
    contexts: list[BrowserContext], live_server: str
) -> None:
    teacher, student = [context.new_page() for context in contexts[:2]]
    code = start_class(teacher, setup_link(live_server, 3, training={"max_epochs": 15}))
    join(student, live_server, code, "Ada")
    first = run_id(teacher)
    assert first
    wait_for_run(student, first)
    teacher.get_by_role("button", name="Play", exact=True).click()
    expect(student.get_by_role("alert")).to_contain_text("Training stopped", timeout=FOLLOW_MS)
    teacher.get_by_role("button", name="Reset", exact=True).click()  # an ended run starts anew
    wait_for_another_run(teacher, first)
    second = run_id(teacher)
    assert second and second != first
    wait_for_run(student, second)
    expect(student.locator("#epoch")).to_have_text("000,000")


def test_a_teacher_starts_a_lesson_for_the_whole_class(
    contexts: list[BrowserContext], live_server: str, artifacts: Path
) -> None:
    teacher, *students = [context.new_page() for context in contexts[:3]]
    code = start_class(teacher, live_server)
    for page, name in zip(students, ("Ada", "Bob"), strict=True):
        join(page, live_server, code, name)
    first = run_id(teacher)
    assert first
    teacher.get_by_role("button", name="Lessons").click()
    menu = teacher.get_by_role("navigation", name="Lessons")
    menu.get_by_role("link", name="The learning rate").click()
    wait_for_another_run(teacher, first)  # the lesson's preset is the class's new stage
    stage = run_id(teacher)
    assert stage
    panel = teacher.get_by_role("region", name="The learning rate")
    panel.get_by_role("button", name="Start this lesson for the class").click()
    expect(panel.get_by_role("button", name="The class has this lesson")).to_be_disabled()
    for page in students:
        wait_for_run(page, stage)
        theirs = page.get_by_role("region", name="The learning rate")
        expect(theirs).to_contain_text("Step 1 of 4", timeout=FOLLOW_MS)
        expect(page.get_by_label("Learning rate", exact=True)).to_have_value("0.03")
        start_it = theirs.get_by_role("button", name="Start this lesson for the class")
        expect(start_it).to_have_count(0)  # the teacher's alone
        theirs.get_by_role("button", name="Jump up and down").click()  # each answers alone
        expect(theirs.get_by_role("status")).to_contain_text("Not quite")
    students[0].screenshot(path=artifacts / "class-lesson-student.png")


def test_a_mistyped_code_keeps_what_was_typed(page: Page, live_server: str) -> None:
    """A wrong code says so, and the student types the code again, not their name too (the
    form was built anew, empty)."""
    page.goto(live_server)
    page.get_by_role("button", name="Class").click()
    form = page.get_by_role("form", name="Join a class")
    form.get_by_label("Join code").fill("ZZZZZ2")
    form.get_by_label("Your name").fill("Ada Lovelace")
    form.get_by_role("button", name="Join").click()
    expect(page.locator("#class")).to_contain_text("No class has the code ZZZZZ2")
    expect(form.get_by_label("Your name")).to_have_value("Ada Lovelace")
    expect(form.get_by_label("Join code")).to_have_value("ZZZZZ2")


def test_a_student_opening_the_join_link_again_goes_back_in(
    contexts: list[BrowserContext], live_server: str
) -> None:
    """A student who closed the tab opens the join link (the QR code) again: the page offers
    their place back, and taking it adds nobody (a second join made a second "Ada")."""
    teacher, student = (context.new_page() for context in contexts[:2])
    code = start_class(teacher, live_server)
    join(student, live_server, code, "Ada")
    student.goto(f"{live_server}/join/{code}")
    panel = student.locator("#class")
    expect(panel).to_contain_text("You are already in this class as Ada")
    panel.get_by_role("button", name="Back to the class").click()
    expect(student.locator("#class-banner")).to_contain_text("Watching Ms Kim's run")
    expect(teacher.locator(".roster")).to_contain_text("1 connected of 1")


def test_the_teachers_second_tab_and_the_first_follow_the_newest_run(
    contexts: list[BrowserContext], live_server: str
) -> None:
    """The teacher opens the class in a second tab (the dashboard's way back, a projector
    window): that tab's new run is the class's, and the first tab follows it (it kept its
    old run, which its Play then trained for nobody); a layer added in the first takes the
    second along, and the students."""
    first = contexts[0].new_page()
    code = start_class(first, live_server)
    expect(first.locator("#test-loss")).not_to_have_text("—")
    student = contexts[1].new_page()
    join(student, live_server, code, "Ada")
    second = contexts[0].new_page()
    second.goto(first.url)
    expect(second.locator("#test-loss")).not_to_have_text("—")
    newest = run_id(second)
    assert newest
    for page in (first, student):
        wait_for_run(page, newest)
    expect(first.locator("#status")).to_contain_text("Another page of yours started the class")
    expect(first.get_by_role("button", name="Play", exact=True)).to_be_enabled()
    first.get_by_role("button", name="Add a hidden layer").click()
    wait_for_another_run(first, newest)
    latest = run_id(first)
    assert latest
    for page in (second, student):
        wait_for_run(page, latest)
