"""Races in a class, in real browsers (issue #15's classroom line): a teacher and three
students, each in their own browser. The teacher puts a race on the class's stage and every
student page follows it there, watches it read-only while the teacher drives it, and follows
the stage back; a class experiment as a race starts every cell from the teacher's first
weights, moves them in lockstep, and the dashboard overlays their curves beside the heatmap."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.test_class_views import class_of
from tests.browser.test_classroom import (
    FOLLOW_MS,
    browsers,
    join,
    run_id,
    start_class,
    wait_for_run,
)

STUDENTS = ("Ada", "Bob", "Cy")
LANES = "#race-lanes figure.race-lane"
CLASS_ID = "new URLSearchParams(location.search).get('class')"
TOKEN = f"JSON.parse(localStorage.getItem(`nnpg.class.${{{CLASS_ID}}}`)).token"
METRICS = "async (id) => (await (await fetch(`/api/runs/${id}/metrics`)).json())"


@pytest.fixture
def contexts(browser: Browser) -> Iterator[list[BrowserContext]]:
    yield from browsers(browser, 1 + len(STUDENTS))


def a_class(contexts: list[BrowserContext], url: str) -> tuple[Page, list[Page]]:
    teacher, *students = [context.new_page() for context in contexts]
    code = start_class(teacher, f"{url}/#seed=3")
    expect(teacher.locator("#test-loss")).not_to_have_text("—")
    for page, name in zip(students, STUDENTS, strict=True):
        join(page, url, code, name)
    return teacher, students


def lane_epochs(page: Page) -> list[str]:
    return page.eval_on_selector_all(LANES, "(lanes) => lanes.map((l) => l.dataset.epoch)")


def all_lanes(page: Page, condition: str) -> None:
    page.wait_for_function(
        f"[...document.querySelectorAll('{LANES}')].length && "
        f"[...document.querySelectorAll('{LANES}')].every((l) => {condition})",
        timeout=FOLLOW_MS,
    )


def test_students_follow_the_stage_to_a_race_and_back(
    contexts: list[BrowserContext], live_server: str, artifacts: Path
) -> None:
    teacher, students = a_class(contexts, live_server)
    stage = run_id(teacher)
    teacher.get_by_role("link", name="Race for the class…").click()
    teacher.get_by_role("button", name="SGD vs momentum vs RMSProp vs Adam").click()
    teacher.wait_for_url(lambda url: "/races/" in url and "/races/new" not in url)
    race = teacher.url.split("/races/")[1].split("?")[0]
    for page in students:  # every student page follows the stage to the race
        page.wait_for_url(f"**/races/{race}?class=*", timeout=FOLLOW_MS)
        expect(page.locator(LANES)).to_have_count(4)
        expect(page.get_by_role("button", name="Play", exact=True)).to_be_disabled()
        expect(page.locator("#race-summary")).to_contain_text("Ms Kim plays, pauses and steps")
        expect(page.locator(".race-setup")).to_be_hidden()
    # the teacher's play and pause drive it for everyone, in lockstep
    teacher.get_by_role("button", name="Play", exact=True).click()
    for page in students:
        all_lanes(page, "Number(l.dataset.epoch) >= 5")
    teacher.get_by_role("button", name="Pause", exact=True).click()
    all_lanes(teacher, "l.dataset.status === 'paused'")
    for page in students:
        all_lanes(page, "l.dataset.status === 'paused'")
        assert len(set(lane_epochs(page))) == 1, lane_epochs(page)
    students[0].screenshot(path=artifacts / "class-race-student.png", full_page=True)
    # a student's own script is refused: their token drives nothing in the race
    refused = students[0].evaluate(
        f"""async (race) => (await fetch(`/api/races/${{race}}/play`, {{method: "POST",
          headers: {{Authorization: `Bearer ${{{TOKEN}}}`}}}})).status""",
        race,
    )
    assert refused == 403
    # the teacher takes the stage back: every student returns to the teacher's run
    teacher.get_by_role("button", name="Stop showing the class").click()
    for page in students:
        page.wait_for_url("**/?class=*", timeout=FOLLOW_MS)
        wait_for_run(page, stage or "")
        expect(page.locator("#class-banner")).to_contain_text("Watching Ms Kim's run")


def first_losses(page: Page, runs: list[str]) -> list[Any]:
    losses: list[Any] = page.evaluate(
        f"async (runs) => (await Promise.all(runs.map({METRICS}))).map((m) => m.train_loss[0])",
        runs,
    )
    return losses


def test_a_class_experiment_races_its_cells(
    contexts: list[BrowserContext], live_server: str, artifacts: Path
) -> None:
    teacher, students = a_class(contexts, live_server)
    stage = run_id(teacher)
    dashboard = contexts[0].new_page()
    dashboard.goto(f"{live_server}/class/{class_of(teacher)}")
    form = dashboard.get_by_role("form", name="Set up a class experiment")
    form.get_by_label("Values of setting 1").fill("0.01, 0.1, 1")
    form.get_by_label("Setting 2", exact=True).select_option("")
    form.get_by_label("Epochs").fill("40")
    form.get_by_label("As a race").check()
    form.get_by_role("button", name="Give every student a cell").click()
    for page, rate in zip(students, ("0.01", "0.1", "1"), strict=True):
        expect(page.locator("#class-banner")).to_contain_text(
            f"Your cell in the class race: Learning rate {rate}"
        )
        expect(
            page.get_by_role("button", name="Play", exact=True)
        ).to_be_disabled()  # the teacher drives
    runs = [run_id(page) for page in students]
    assert all(runs) and stage
    # every cell starts from the teacher's first weights: the same first loss
    dashboard.wait_for_function(
        f"async (runs) => (await Promise.all(runs.map({METRICS}))).every((m) => m.epoch.length)",
        arg=[stage, *runs],
        timeout=FOLLOW_MS,
    )
    assert len(set(first_losses(dashboard, [stage, *runs]))) == 1
    # one step for everyone: every lane one epoch on, together
    dashboard.get_by_role("button", name="Step all", exact=True).click()
    for page in students:
        expect(page.locator("#epoch")).to_have_text("000,001", timeout=FOLLOW_MS)
    dashboard.get_by_role("button", name="Play all").click()
    heatmap = dashboard.get_by_role("group", name="Final test loss of each cell")
    expect(heatmap.get_by_text("1 of 1 done")).to_have_count(3, timeout=FOLLOW_MS * 2)
    for page in students:
        expect(page.locator("#epoch")).to_have_text("000,040", timeout=FOLLOW_MS)
    # the dashboard overlays the cells' curves on one race chart, beside the heatmap
    legend = dashboard.locator("#cell-race-legend li")
    expect(legend).to_have_count(3)
    expect(legend.nth(2)).to_contain_text("Learning rate 1")
    dashboard.wait_for_function(
        """() => { const c = document.querySelector('.cell-race canvas');
          const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
          return d.some((v, i) => i % 4 === 2 && v > 150 && d[i - 2] < 60); }""",
        timeout=FOLLOW_MS,
    )  # a blue line is drawn
    dashboard.screenshot(path=artifacts / "class-race-experiment.png", full_page=True)
    # the teacher projects the race: the students' pages follow it there
    dashboard.get_by_role("button", name="Show the race to the class").click()
    for page in students:
        page.wait_for_url("**/races/*?class=*", timeout=FOLLOW_MS)
        expect(page.locator(LANES)).to_have_count(3)
