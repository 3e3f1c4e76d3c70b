"""The race page (issue #15): a classic race in one click, its lanes from the same weights on
the same data, played and paused in lockstep, one chart of all their losses with a legend
naming what each lane changes; the genetic trainer against Adam on the forward-passes axis;
and a race of forks set up from the playground's "Race from here"."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.test_loss_chart import train
from tests.browser.test_setup import open_page

LANES = "#race-lanes figure.race-lane"


def _lane_values(page: Page, key: str) -> list[str]:
    return page.eval_on_selector_all(LANES, f"(lanes) => lanes.map((l) => l.dataset.{key})")


def _all(page: Page, condition: str) -> None:
    """Wait until every lane's figure satisfies ``condition`` (JS, on ``l``)."""
    page.wait_for_function(f"[...document.querySelectorAll('{LANES}')].every((l) => {condition})")


def _start(page: Page, live_server: str, preset: str, lanes: int, seed: int = 3) -> str:
    page.goto(f"{live_server}/races/new#seed={seed}")
    expect(page.locator("#race-step")).to_have_text("Step one epoch")  # named before a race
    page.get_by_role("button", name=preset).click()
    page.wait_for_url("**/races/*")
    expect(page.locator(LANES)).to_have_count(lanes)
    _all(page, "l.dataset.drawn === 'true'")
    return page.url.rstrip("/").split("/")[-1]


def _play_then_pause(page: Page, condition: str) -> None:
    page.get_by_role("button", name="Play", exact=True).click()
    _all(page, condition)
    page.get_by_role("button", name="Pause", exact=True).click()
    _all(page, "l.dataset.status === 'paused'")


def test_an_optimizer_race_from_identical_weights(
    page: Page, live_server: str, artifacts: Path
) -> None:
    race_id = _start(page, live_server, "SGD vs momentum vs RMSProp vs Adam", 4)
    race = page.request.get(f"{live_server}/api/races/{race_id}").json()
    firsts = {
        page.request.get(f"{live_server}/api/runs/{lane['run_id']}/metrics").json()["train_loss"][0]
        for lane in race["lanes"]
    }
    assert len(firsts) == 1  # the same first loss: the same weights on the same data
    expect(page.locator("#race-summary")).to_contain_text("same weights, bit for bit")
    legend = page.locator("#race-legend li")
    expect(legend).to_have_count(4)
    expect(legend.nth(3)).to_contain_text("Optimizer: Adam")  # its display name
    _play_then_pause(page, "Number(l.dataset.epoch) >= 40")
    epochs = set(_lane_values(page, "epoch"))
    assert len(epochs) == 1, epochs  # paused in lockstep
    expect(page.locator("#race-summary")).to_contain_text(f"Every lane at epoch {epochs.pop()}")
    step = int(_lane_values(page, "epoch")[0]) + 1
    page.get_by_role("button", name="Step one epoch").click()
    _all(page, f"Number(l.dataset.epoch) === {step}")
    space = page.locator("#race-space")  # four paths from one start, no population
    expect(space).to_have_attribute("data-population", "0")
    paths = [int(n) for n in (space.get_attribute("data-paths") or "").split()]
    assert len(paths) == 4 and min(paths) >= 2, paths  # a point for each epoch drawn
    page.locator("main.race").screenshot(path=artifacts / "race-optimizers.png")


def test_genetic_against_adam_on_the_forward_passes_axis(
    page: Page, live_server: str, artifacts: Path
) -> None:
    _start(page, live_server, "Genetic vs Adam, by forward passes", 2)
    expect(page.locator("#race-chart-title")).to_contain_text("by forward passes")
    expect(page.locator("#race-note")).to_contain_text("generation of the genetic trainer")
    _play_then_pause(page, "Number(l.dataset.passes) >= 500000")
    passes = [int(value) for value in _lane_values(page, "passes")]
    tick = (64 - 2) * 250  # one generation's forward passes: the race's indivisible step
    assert max(passes) - min(passes) < 2 * tick, passes
    # where the weights went: both lanes' paths in one window, and the population (64) now
    space = page.locator("#race-space")
    expect(space).to_have_attribute("data-population", "64")
    paths = [int(n) for n in (space.get_attribute("data-paths") or "").split()]
    assert len(paths) == 2 and min(paths) >= 2, paths
    expect(space).to_have_attribute("aria-label", re.compile(r"Lane 2: .* from the start"))
    expect(page.locator("#race-space-note")).to_contain_text("genetic trainer's population")
    page.locator("main.race").screenshot(path=artifacts / "race-genetic-vs-adam.png")


def test_a_fork_races_the_run_it_came_from(page: Page, live_server: str) -> None:
    open_page(page, live_server, seed=3)
    train(page, 12)
    page.get_by_role("link", name="Race from here").click()
    page.wait_for_url("**/races/new?fork=*")
    page.get_by_role("button", name="Batch 1 vs 10 vs full").click()
    page.wait_for_url("**/races/*")
    expect(page.locator(LANES)).to_have_count(3)  # the original (batch 10), 1 and full
    race = page.request.get(f"{live_server}/api/races/{page.url.split('/')[-1]}").json()
    sizes = [lane["changes"].get("training", {}).get("batch_size") for lane in race["lanes"]]
    assert sizes == [None, 1, 250], sizes  # full: circle's 500 points, half of them to train
    expect(page.locator("#race-summary")).to_contain_text("forked from the same kept state")
    expect(page.locator(LANES).first).to_contain_text("the original")
    _all(page, "l.dataset.drawn === 'true'")
    [start] = set(_lane_values(page, "epoch"))  # every lane at the fork's epoch
    page.get_by_role("button", name="Step one epoch").click()
    _all(page, f"Number(l.dataset.epoch) === {int(start) + 1}")  # one epoch on, all of them


def class_race(page: Page, live_server: str, preset: str) -> dict[str, str]:
    """A class's teacher races ``preset`` on the race page (its lanes drawn); the class."""
    made = page.request.post(f"{live_server}/api/classes", data={"name": "P3", "teacher": "Kim"})
    room: dict[str, str] = made.json()
    page.goto(f"{live_server}/?class={room['id']}")
    member = {"role": "teacher", "token": room["teacher_token"], "name": "Kim"}
    page.evaluate(f"localStorage.setItem('nnpg.class.{room['id']}', JSON.stringify({member}))")
    page.goto(f"{live_server}/races/new?class={room['id']}#seed=3")
    page.get_by_role("button", name=preset).click()
    page.wait_for_url(f"**/races/*?class={room['id']}")
    _all(page, "l.dataset.drawn === 'true'")
    return room


def test_a_teacher_projects_a_race_beside_the_join_code(
    page: Page, live_server: str, artifacts: Path
) -> None:
    room = class_race(page, live_server, "Without and with dropout")
    page.get_by_role("button", name="Present").click()
    expect(page.locator("#presenter")).to_contain_text(room["code"])
    expect(page.locator(".race-setup")).to_be_hidden()
    expect(page.locator(LANES)).to_have_count(2)
    page.get_by_role("button", name="Play", exact=True).click()
    _all(page, "Number(l.dataset.epoch) >= 20")
    page.screenshot(path=artifacts / "race-presented.png")
    href = page.locator("#race-back").get_attribute("href") or ""  # hidden while presenting
    assert href.startswith(f"/?class={room['id']}#seed=3")


def test_a_fork_races_against_its_original(page: Page, live_server: str) -> None:
    open_page(page, live_server, seed=3)
    train(page, 12)
    parent = page.evaluate("window.nnplayground.store.state.run.id")
    expect(page.get_by_role("link", name="Race against the original")).to_be_hidden()
    page.get_by_role("button", name="Fork from here").click()
    page.wait_for_function(f"window.nnplayground.store.state.run?.parent === '{parent}'")
    page.get_by_role("link", name="Race against the original").click()
    page.wait_for_url("**/races/*")
    page.wait_for_url(lambda url: "/races/new" not in url)
    expect(page.locator(LANES)).to_have_count(2)
    expect(page.locator(LANES).first).to_contain_text("the original")
    race_id = page.url.rstrip("/").split("/")[-1]
    race = page.request.get(f"{live_server}/api/races/{race_id}").json()
    assert race["parent"] == parent and race["fork_epoch"] >= 12
    page.get_by_role("button", name="Step one epoch").click()
    _all(page, f"Number(l.dataset.epoch) === {race['fork_epoch'] + 1}")


def test_a_deleted_lane_leaves_the_race_page(page: Page, live_server: str, artifacts: Path) -> None:
    race_id = _start(page, live_server, "SGD vs momentum vs RMSProp vs Adam", 4)
    lanes = page.request.get(f"{live_server}/api/races/{race_id}").json()["lanes"]
    token = page.evaluate(f"localStorage.getItem('nnplayground.race.{race_id}')")
    gone = page.request.delete(
        f"{live_server}/api/runs/{lanes[1]['run_id']}", headers={"Authorization": f"Bearer {token}"}
    )
    assert gone.status == 204
    expect(page.locator(LANES)).to_have_count(3)  # the others keep their numbers and colours
    titles = page.locator(f"{LANES} figcaption")
    expect(titles).to_have_text([re.compile(f"^Lane {k}: ") for k in (1, 3, 4)])
    expect(page.locator("#race-legend li")).to_have_count(3)
    page.get_by_role("button", name="Step one epoch").click()  # the race goes on without it
    _all(page, "Number(l.dataset.epoch) === 1")
    page.locator("main.race").screenshot(path=artifacts / "race-lane-deleted.png")
