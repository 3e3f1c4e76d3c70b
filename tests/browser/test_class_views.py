"""The teacher's other screens in a real browser: the dashboard with its students, the class
experiment's heatmap, presenter mode on a 1920×1080 projector, and a class that outlives a
server restart."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from server.settings import Settings
from tests.browser.test_classroom import FOLLOW_MS, join, run_id, start_class, wait_for_run
from tests.conftest import free_port, serve_in_thread

SMALLEST_TEXT = """() => {
  // every element that shows text of its own, and is on screen: its rendered font size
  const sizes = [];
  for (const node of document.querySelectorAll("body *")) {
    const own = [...node.childNodes].some((c) => c.nodeType === 3 && c.textContent.trim());
    const shown = node.getClientRects().length && getComputedStyle(node).visibility !== "hidden";
    if (!own || !shown) continue;
    const size = parseFloat(getComputedStyle(node).fontSize);
    sizes.push([size, node.tagName, node.textContent.trim().slice(0, 30)]);
  }
  return sizes.sort((a, b) => a[0] - b[0]).slice(0, 3);
}"""


@pytest.fixture
def contexts(browser: Browser) -> Iterator[list[BrowserContext]]:
    made = [
        browser.new_context(viewport={"width": 1280, "height": 800}, bypass_csp=True)
        for _ in range(3)
    ]
    yield made
    for context in made:
        context.close()


def class_of(page: Page) -> str:
    found: str = page.evaluate('new URLSearchParams(location.search).get("class")')
    return found


def test_presenter_mode_is_readable_from_the_back(
    browser: Browser, live_server: str, artifacts: Path
) -> None:
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, bypass_csp=True)
    page = context.new_page()
    code = start_class(page, live_server)
    expect(page.locator("#test-loss")).not_to_have_text("—")
    page.get_by_role("button", name="Present").click()
    expect(page.locator("body")).to_have_class("presenter")
    strip = page.get_by_role("complementary", name="Join a class")
    expect(strip).to_contain_text(code)
    expect(strip.get_by_role("img", name="QR code of the join link")).to_be_visible()
    expect(page.locator("#output canvas.map")).to_be_visible()
    expect(page.locator("#diagram")).to_be_visible()
    expect(page.locator("#loss-chart")).to_be_visible()
    smallest = page.evaluate(SMALLEST_TEXT)
    assert smallest[0][0] >= 24, smallest
    page.screenshot(path=artifacts / "class-presenter-1920.png")
    page.keyboard.press("Escape")
    expect(page.locator("body")).not_to_have_class("presenter")
    context.close()


def class_with_dashboard(contexts: list[BrowserContext], url: str) -> tuple[Page, list[Page], Page]:
    """A teacher, Ada and Bob in a class, and the dashboard open in the teacher's browser
    (it holds the teacher token)."""
    teacher, *students = [context.new_page() for context in contexts]
    code = start_class(teacher, url)
    for page, name in zip(students, ("Ada", "Bob"), strict=True):
        join(page, url, code, name)
    dashboard = contexts[0].new_page()
    dashboard.goto(f"{url}/class/{class_of(teacher)}")
    return teacher, students, dashboard


def test_the_dashboard_shows_every_student_and_spotlights_one(
    contexts: list[BrowserContext], live_server: str, artifacts: Path
) -> None:
    teacher, students, dashboard = class_with_dashboard(contexts, live_server)
    teacher.get_by_label("Everyone trains").check()
    for page in students:
        expect(page.locator("#class-banner")).to_contain_text("Your own run")
    tiles = dashboard.locator("#mosaic button.tile")
    expect(tiles).to_have_count(2)
    expect(tiles.nth(0)).to_contain_text("Ada")
    dashboard.get_by_role("button", name="Play all").click()
    for page in students:
        expect(page.get_by_role("button", name="Pause", exact=True)).to_be_visible()
    painted = """() => [...document.querySelectorAll('#mosaic canvas')].every((c) => {
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        return d.some((v, i) => i % 4 !== 3 && v < 250);
      })"""
    dashboard.wait_for_function(painted, timeout=FOLLOW_MS)
    dashboard.get_by_label("Sort by").select_option("loss")
    bobs = run_id(students[1])
    assert bobs
    dashboard.get_by_role("button", name="Spotlight Bob's run for the class").first.click()
    for page in (teacher, students[0]):
        wait_for_run(page, bobs)
    dashboard.screenshot(path=artifacts / "class-dashboard.png", full_page=True)


def test_a_class_experiment_fills_its_heatmap(
    contexts: list[BrowserContext], live_server: str, artifacts: Path
) -> None:
    _, students, dashboard = class_with_dashboard(contexts, live_server)
    form = dashboard.get_by_role("form", name="Set up a class experiment")
    form.get_by_label("Values of setting 1").fill("0.03, 0.3")
    form.get_by_label("Setting 2", exact=True).select_option("")
    form.get_by_label("Epochs").fill("20")
    end = form.get_by_role("button", name="End the experiment")
    expect(end).to_be_hidden()  # no experiment to end yet
    form.get_by_role("button", name="Give every student a cell").click()
    expect(end).to_be_visible()
    for page, rate in zip(students, ("0.03", "0.3"), strict=True):
        expect(page.locator("#class-banner")).to_contain_text(f"Learning rate {rate}")
        rate_control = page.get_by_label("Learning rate", exact=True)
        expect(rate_control).to_have_value(rate)
        expect(rate_control).to_be_disabled()  # the cell's measurement: not the student's to change
        expect(rate_control).to_have_attribute("title", re.compile("Your experiment cell sets"))
        expect(page.get_by_label("Batch size", exact=True)).to_be_enabled()  # not in the grid
    dashboard.get_by_role("button", name="Play all").click()
    heatmap = dashboard.get_by_role("group", name="Final test loss of each cell")
    expect(heatmap.get_by_text("1 of 1 done")).to_have_count(2, timeout=FOLLOW_MS * 2)
    dashboard.screenshot(path=artifacts / "class-experiment.png", full_page=True)


def test_a_class_and_its_students_outlive_a_restart(
    contexts: list[BrowserContext], tmp_path: Path
) -> None:
    settings, port = Settings(database=str(tmp_path / "runs.db")), free_port()
    teacher, student = [context.new_page() for context in contexts[:2]]
    with serve_in_thread(settings, port) as url:
        code = start_class(teacher, url)
        join(student, url, code, "Ada")
        expect(teacher.locator(".roster")).to_contain_text("1 connected of 1")
    with serve_in_thread(settings, port):
        expect(student.locator("#class-banner")).to_contain_text("Watching Ms Kim's run")
        expect(teacher.locator(".roster")).to_contain_text(
            "1 connected of 1", timeout=FOLLOW_MS * 2
        )
        stage = run_id(teacher)
        assert stage
        wait_for_run(student, stage)
        student.reload()  # the same student, by the token the page keeps
        expect(student.locator("#class-banner")).to_contain_text("Watching Ms Kim's run")
        student.get_by_role("button", name="Class").click()
        expect(student.locator("#class")).to_contain_text("as Ada")
        assert teacher.locator(".join-code strong").inner_text() == code


ORDER_RULES = """async () => {
    const { tileOrder } = await import('/static/js/dashboard.js');
    const tiles = [{ name: 'Eve', loss: 0.2 }, { name: 'Bo', loss: null },
                   { name: 'Al', loss: 0.2 }, { name: 'Cy', loss: Infinity },
                   { name: 'Di', loss: 0.05 }];
    return tiles.sort(tileOrder(true, 'en')).map((tile) => tile.name);
}"""


def test_the_mosaic_orders_names_as_people_read_them(
    contexts: list[BrowserContext], live_server: str
) -> None:
    """Names: "Student 2" before "Student 10", whatever the case; by loss, a student with no loss
    yet last and equal losses by name."""
    teacher = contexts[0].new_page()
    code = start_class(teacher, live_server)
    names = ["Student 10", "student 9", "Student 2", "Émile", "Ada", "Student 1"]
    with httpx.Client(base_url=live_server) as http:
        for name in names:
            http.post(f"/api/join/{code}", json={"name": name}).raise_for_status()
    dashboard = contexts[0].new_page()
    dashboard.goto(f"{live_server}/class/{class_of(teacher)}")
    tiles = dashboard.locator("#mosaic button.tile .tile-name")
    readers = ["Ada", "Émile", "Student 1", "Student 2", "student 9", "Student 10"]
    expect(tiles).to_have_text(readers)
    assert dashboard.evaluate(ORDER_RULES) == ["Di", "Al", "Eve", "Bo", "Cy"]


def test_a_cell_no_student_has_says_so(
    contexts: list[BrowserContext], live_server: str, artifacts: Path
) -> None:
    """Three cells for two students: the third is nobody's, and says so (it said "0 of 0
    done" under a "…" as if a run were on its way), in English and in Korean; the language
    switch turns the whole panel Korean."""
    _, _, dashboard = class_with_dashboard(contexts, live_server)
    form = dashboard.get_by_role("form", name="Set up a class experiment")
    form.get_by_label("Values of setting 1").fill("0.03, 0.3, 3")
    form.get_by_label("Setting 2", exact=True).select_option("")
    form.get_by_role("button", name="Give every student a cell").click()
    heatmap = dashboard.get_by_role("group", name="Final test loss of each cell")
    rows = heatmap.get_by_role("row")
    expect(rows.nth(3)).to_contain_text("No student yet")
    expect(rows.nth(1)).to_contain_text("0 of 1 done")  # Ada's: on its way
    expect(heatmap).not_to_contain_text("0 of 0")
    dashboard.get_by_label("Language").select_option("ko")
    heatmap = dashboard.get_by_role("group", name="칸마다 마지막 테스트 손실")
    expect(heatmap.get_by_role("row").nth(3)).to_contain_text("아직 학생 없음")
    # the whole panel speaks Korean (its form stayed English), and keeps what was typed
    form = dashboard.get_by_role("form", name="수업 실험 설정")
    expect(dashboard.get_by_role("heading", name="수업 실험")).to_be_visible()
    expect(form.get_by_label("설정 1의 값들")).to_have_value("0.03, 0.3, 3")
    expect(form.get_by_role("button", name="실험 끝내기")).to_be_visible()
    expect(form.get_by_label("설정 2", exact=True)).to_have_value("")
    expect(dashboard.get_by_role("button", name="모두 재생")).to_be_visible()  # Play all
    expect(dashboard.get_by_role("heading", level=2).first).to_contain_text("참여 코드")
    dashboard.screenshot(path=artifacts / "class-experiment-empty-cell-ko.png", full_page=True)
