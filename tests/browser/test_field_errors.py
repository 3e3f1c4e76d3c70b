"""A refused field in words the page's controls use: the server's 422 names the field by its
path (`lanes.1.changes.training.learning_rate`), the page says "Lane 2 · Learning rate", in
Korean too; a field the page has no word for is said as it is sent."""

from __future__ import annotations

import json
from pathlib import Path

from playwright.sync_api import Page, Route, expect


def spoil_second_lane(route: Route) -> None:
    """The race as the page asks for it, but its second lane's learning rate below zero (a
    script could send it): the server's own 422 comes back."""
    if route.request.method != "POST":
        route.continue_()
        return
    body = json.loads(route.request.post_data or "{}")
    body["lanes"][1]["changes"] = {"training": {"learning_rate": -1}}
    route.continue_(post_data=json.dumps(body))


def test_a_race_names_the_refused_lane_and_setting(
    page: Page, live_server: str, artifacts: Path
) -> None:
    page.route("**/api/races", spoil_second_lane)
    page.goto(f"{live_server}/races/new#seed=3")
    page.get_by_role("button", name="SGD vs momentum vs RMSProp vs Adam").click()
    problem = page.get_by_role("alert")
    expect(problem).to_contain_text("Lane 2 · Learning rate: Input should be greater than 0")
    expect(problem).not_to_contain_text("lanes.1")
    page.screenshot(path=artifacts / "race-field-error.png")
    page.goto(f"{live_server}/races/new?lang=ko#seed=3")
    page.get_by_role("button", name="SGD 대 모멘텀 대 RMSProp 대 Adam").click()
    expect(problem).to_contain_text("레인 2 · 학습률")
    expect(problem).not_to_contain_text("lanes.1")


def test_field_paths_in_words_and_an_unknown_one_as_sent(page: Page, live_server: str) -> None:
    page.goto(live_server)
    said = page.evaluate(
        """async () => {
          const { fieldErrors } = await import("/static/js/said.js");
          return fieldErrors([
            { loc: ["body", "config", "training", "batch_size"], msg: "too big", type: "x" },
            { loc: ["body", "config", "data", "spread_out"], msg: "no such field", type: "y" },
            { loc: ["body", "config", "network", "hidden", 0], msg: "too many", type: "z" },
            { loc: ["body", "config", "training", "momentum"], msg: "below 0", type: "v" },
            { loc: ["body", "config"], msg: "a batch larger than the data", type: "u" },
            { loc: ["body", "lanes", 2, "changes"], msg: "nothing changed", type: "t" },
            { loc: ["body"], msg: "not JSON", type: "w" },
          ]);
        }"""
    )
    assert said == (
        "Batch size: too big; Data · spread out: no such field; Hidden layer 1: too many; "
        "Momentum μ: below 0; a batch larger than the data; Lane 3: nothing changed; not JSON"
    )
