"""My runs and reloads (issue #14): the runs this browser made are listed (nobody else's),
reopened where they were with their control tokens, forgotten, and dropped from the list
when the server no longer has them; a reload brings back the run the tab showed."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from server.settings import Settings
from tests.browser.test_loss_chart import setup_url
from tests.browser.test_setup import open_page, wait_for_new_run
from tests.conftest import free_port, serve_in_thread

RUN_ID = "window.nnplayground.store.state.run?.id"
PAST_FIVE = "Number(document.querySelector('#epoch').textContent.replace(',', '')) > 5"
KEPT = "JSON.parse(localStorage.getItem('nnpg.runs')).map((entry) => entry.id)"


def run_id(page: Page) -> str:
    found: str = page.evaluate(RUN_ID)
    return found


def open_my_runs(page: Page) -> None:
    toggle = page.get_by_role("button", name="My runs")
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")


def test_my_runs_lists_this_browsers_runs_and_reopens_one_where_it_was(
    page: Page, live_server: str, artifacts: Path
) -> None:
    open_page(page, live_server)
    first = run_id(page)
    page.get_by_role("button", name="Step one epoch").click()
    expect(page.locator("#epoch")).to_have_text("000,001")
    page.get_by_role("radio", name="XOR", exact=True).click()
    wait_for_new_run(page)
    second = run_id(page)
    stranger = page.request.post(f"{live_server}/api/runs", data={"start": False}).json()

    open_my_runs(page)
    rows = page.get_by_role("region", name="My runs").get_by_role("listitem")
    expect(rows).to_have_count(2)  # not the stranger's run
    expect(rows.nth(0)).to_contain_text("XOR · hidden 4, 2 · tanh")
    expect(rows.nth(0)).to_contain_text("shown here")
    expect(rows.nth(1)).to_contain_text("Circle · hidden 4, 2 · tanh")
    expect(rows.nth(1)).to_contain_text("epoch 1 · paused")
    expect(rows.nth(1).locator("img")).to_have_count(1)  # its picture, as it was left
    page.screenshot(path=artifacts / "my-runs.png")
    assert stranger["id"] not in page.evaluate(KEPT)

    rows.nth(1).get_by_role("button", name="Open").click()
    expect(page.get_by_role("region", name="My runs")).to_be_hidden()
    page.wait_for_function(f"{RUN_ID} === '{first}'")
    expect(page.locator("#epoch")).to_have_text("000,001")
    expect(page.get_by_role("radio", name="Circle", exact=True)).to_have_attribute(
        "aria-checked", "true"
    )
    page.get_by_role("button", name="Step one epoch").click()  # its token came with it
    expect(page.locator("#epoch")).to_have_text("000,002")

    open_my_runs(page)
    xor = rows.filter(has_text="XOR")
    xor.get_by_role("button", name="Forget").click()
    expect(rows).to_have_count(1)
    assert page.evaluate(KEPT) == [first]
    assert second not in page.evaluate(KEPT)


def test_a_run_the_server_no_longer_has_leaves_the_list(page: Page, live_server: str) -> None:
    open_page(page, live_server)
    first = run_id(page)
    page.get_by_role("radio", name="Spiral", exact=True).click()
    wait_for_new_run(page)
    token = page.evaluate(
        f"JSON.parse(localStorage.getItem('nnpg.runs')).find((e) => e.id === '{first}').token"
    )
    deleted = page.request.delete(
        f"{live_server}/api/runs/{first}", headers={"Authorization": f"Bearer {token}"}
    )
    assert deleted.status == 204
    open_my_runs(page)
    panel = page.get_by_role("region", name="My runs")
    expect(panel).to_contain_text("1 run(s) the server no longer has were taken off the list.")
    expect(panel.get_by_role("listitem")).to_have_count(1)
    assert page.evaluate(KEPT) == [run_id(page)]


def test_a_reload_brings_back_the_same_run_where_it_was(page: Page, live_server: str) -> None:
    open_page(page, live_server)
    first = run_id(page)
    page.get_by_role("button", name="Step one epoch").click()
    page.get_by_role("button", name="Step one epoch").click()
    expect(page.locator("#epoch")).to_have_text("000,002")
    page.reload()
    expect(page.get_by_role("button", name="Play", exact=True)).to_be_enabled()  # paused, as left
    assert run_id(page) == first
    expect(page.locator("#epoch")).to_have_text("000,002")
    expect(page.locator("#test-loss")).not_to_have_text("—")

    page.get_by_role("button", name="Play", exact=True).click()
    page.wait_for_function(PAST_FIVE)
    page.reload()
    expect(page.get_by_role("button", name="Pause")).to_be_visible()  # training, as it was
    assert run_id(page) == first
    page.wait_for_function(PAST_FIVE)
    page.get_by_role("button", name="Pause").click()

    page.goto(f"{live_server}/#seed=7")  # a link to another setup: a new run of it
    wait_for_new_run(page)
    assert run_id(page) != first


def test_an_ended_run_reopens_to_be_looked_at(page: Page, live_server: str) -> None:
    page.goto(setup_url(live_server, {"training": {"max_epochs": 5}}))
    wait_for_new_run(page)
    first = run_id(page)
    page.get_by_role("button", name="Play", exact=True).click()
    expect(page.locator("#epoch")).to_have_text("000,005")
    expect(page.get_by_role("alert")).to_contain_text("the last epoch was reached")
    page.get_by_role("radio", name="Moons", exact=True).click()
    wait_for_new_run(page)

    open_my_runs(page)
    row = page.get_by_role("region", name="My runs").get_by_role("listitem").nth(1)
    expect(row).to_contain_text("epoch 5 · finished")
    row.get_by_role("button", name="Open").click()
    page.wait_for_function(f"{RUN_ID} === '{first}'")
    expect(page.locator("#epoch")).to_have_text("000,005")
    expect(page.locator("#test-loss")).not_to_have_text("—")
    expect(page.locator("#time-travel")).to_be_visible()  # its kept states, to go back to
    points = "window.nnplayground.store.state.dataset?.train.length"
    page.wait_for_function(f"{points} > 0")  # its data is drawn


def test_an_interrupted_run_comes_back_from_my_runs_and_a_reload(
    page: Page, tmp_path: Path
) -> None:
    settings = Settings(database=str(tmp_path / "runs.db"))
    port = free_port()
    with serve_in_thread(settings, port) as url:
        page.goto(f"{url}/#seed=5")
        page.get_by_role("button", name="Step one epoch").click()
        page.get_by_role("button", name="Step one epoch").click()
        expect(page.locator("#epoch")).to_have_text("000,002")
        first = run_id(page)
        page.get_by_role("radio", name="Spiral", exact=True).click()
        wait_for_new_run(page)
    expect(page.locator("#status")).to_contain_text("reconnecting")
    with serve_in_thread(settings, port):  # the server stopped: both runs were interrupted
        expect(page.locator("#status")).to_be_hidden(timeout=30_000)
        open_my_runs(page)
        row = page.get_by_role("region", name="My runs").get_by_role("listitem").nth(1)
        expect(row).to_contain_text("epoch 2 · interrupted")
        row.get_by_role("button", name="Open").click()
        page.wait_for_function(f"{RUN_ID} === '{first}'")
        expect(page.get_by_role("button", name="Play", exact=True)).to_be_enabled()
        expect(page.locator("#epoch")).to_have_text("000,002")  # paused where it was
        page.get_by_role("button", name="Play", exact=True).click()
        page.wait_for_function(PAST_FIVE)
    with serve_in_thread(settings, port):  # interrupted while training: a reload trains on
        page.reload()
        page.wait_for_function(f"{RUN_ID} === '{first}'")
        expect(page.get_by_role("button", name="Pause")).to_be_visible(timeout=30_000)
        page.get_by_role("button", name="Pause").click()


def test_a_run_replaced_in_another_tab_is_followed_there(
    page: Page, live_server: str, artifacts: Path
) -> None:
    """Two tabs of one browser show one run, and a watcher has its share link: a layer added
    in the first tab makes a new run; the second tab follows it as its owner, the watcher as a
    watcher (its link too), and both say why (they kept showing the old run, paused)."""
    open_page(page, live_server)
    first = run_id(page)
    code = page.evaluate("window.nnplayground.store.state.run.share_code")
    other = page.context.new_page()
    open_page(other, live_server)
    open_my_runs(other)
    other.locator(f"li[data-run='{first}']").get_by_role("button", name="Open").click()
    other.wait_for_function(f"{RUN_ID} === '{first}'")
    watcher = page.context.browser.new_context(bypass_csp=True).new_page()  # type: ignore[union-attr]
    watcher.goto(f"{live_server}/?watch={code}")
    watcher.wait_for_function(f"{RUN_ID} === '{first}'")

    page.get_by_role("button", name="Add a hidden layer").click()
    page.wait_for_function(f"({RUN_ID} ?? '{first}') !== '{first}'")
    second = run_id(page)
    for follower in (other, watcher):
        follower.wait_for_function(f"{RUN_ID} === '{second}'")
        expect(follower.locator("#status")).to_contain_text("Another page changed this run's setup")
        expect(follower.get_by_text("3 hidden layers")).to_be_visible()
    expect(other.get_by_role("button", name="Play", exact=True)).to_be_enabled()  # its owner
    expect(watcher.get_by_role("button", name="Play", exact=True)).to_be_disabled()
    new_code = other.evaluate("window.nnplayground.store.state.run.share_code")
    assert watcher.evaluate("new URLSearchParams(location.search).get('watch')") == new_code
    other.screenshot(path=artifacts / "run-followed-in-another-tab.png")
    watcher.context.close()
