"""A student shapes the run from the page: dataset, features, layers, live learning rate."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

EPOCH = "Number(document.querySelector('#epoch').textContent.replace(/,/g, ''))"


def open_page(page: Page, live_server: str, seed: int = 1) -> None:
    page.goto(f"{live_server}/#seed={seed}")
    wait_for_new_run(page)


def wait_for_new_run(page: Page) -> None:
    expect(page.locator("#epoch")).to_have_text("000,000")
    expect(page.get_by_role("button", name="Play")).to_be_enabled()
    expect(page.locator("#test-loss")).not_to_have_text("—")


def test_spiral_with_sin_features_and_a_bigger_net_is_learned(
    page: Page, live_server: str, artifacts: Path
) -> None:
    open_page(page, live_server)
    page.get_by_role("radio", name="Spiral", exact=True).click()
    wait_for_new_run(page)
    for feature in ("sin(X₁)", "sin(X₂)"):
        page.get_by_role("checkbox", name=feature, exact=True).check()
        wait_for_new_run(page)
    for layer, clicks in ((1, 4), (2, 6)):
        for _ in range(clicks):
            page.get_by_role("button", name=f"Add a neuron to layer {layer}").click()
            wait_for_new_run(page)
    layer_2 = page.get_by_role("group", name="Layer 2", exact=True)
    expect(layer_2.get_by_text("8 neurons")).to_be_visible()
    page.get_by_label("Epochs per second").select_option("200")
    page.get_by_role("button", name="Play").click()
    page.wait_for_function(
        "parseFloat(document.querySelector('#test-loss').textContent) < 0.05", timeout=60_000
    )
    page.get_by_role("button", name="Pause").click()
    page.screenshot(path=artifacts / "spiral-learned.png")
    assert page.evaluate("document.querySelectorAll('#diagram .neuron canvas').length") == 16


def test_a_three_class_set_shows_three_colours(
    page: Page, live_server: str, artifacts: Path
) -> None:
    open_page(page, live_server)
    page.get_by_role("radio", name="Blobs").click()
    wait_for_new_run(page)
    page.get_by_role("button", name="Step one epoch").click()
    page.wait_for_function(f"{EPOCH} >= 1")
    for _ in range(20):
        page.get_by_role("button", name="Step one epoch").click()
    page.wait_for_function(f"{EPOCH} >= 21", timeout=30_000)
    classes = page.evaluate(
        """() => {
          // each tinted pixel: the class colour it is a blend of (over white), if any
          const options = JSON.parse(document.getElementById('options').textContent);
          const colors = options.vocabulary.palette.classes;
          const c = document.querySelector('#output canvas.map');
          const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
          const seen = new Set();
          for (let i = 0; i < d.length; i += 4 * 37) {
            const tint = [255 - d[i], 255 - d[i + 1], 255 - d[i + 2]];
            const size = Math.hypot(...tint);
            if (size < 40) continue;  // pale: no class
            const cos = colors.map((rgb) => {
              const full = rgb.map((v) => 255 - v);
              return full.reduce((s, v, j) => s + v * tint[j], 0) / Math.hypot(...full) / size;
            });
            const best = cos.indexOf(Math.max(...cos));
            if (cos[best] > 0.995) seen.add(best);
          }
          return [...seen].sort();
        }"""
    )
    page.screenshot(path=artifacts / "three-classes.png")
    assert classes == [0, 1, 2]  # each class's own colour, and no other
    table = page.get_by_role("table", name="Confusion matrix (test data)")
    assert table.locator("tr").count() == 4  # a header and one row per class


def test_the_learning_rate_changes_mid_run_without_a_reset(page: Page, live_server: str) -> None:
    open_page(page, live_server)
    run_id = page.evaluate("window.nnplayground.store.state.run.id")
    page.get_by_role("button", name="Play").click()
    page.wait_for_function(f"{EPOCH} >= 10")
    page.get_by_label("Learning rate", exact=True).select_option("0.3")
    epoch_after_change = page.evaluate(EPOCH)
    page.wait_for_function(f"{EPOCH} >= {epoch_after_change + 10}")
    assert page.evaluate("window.nnplayground.store.state.run.id") == run_id  # the same run goes on
    expect(page.get_by_role("button", name="Pause")).to_be_visible()


def test_reset_goes_back_to_epoch_zero(page: Page, live_server: str) -> None:
    open_page(page, live_server)
    first_loss = page.locator("#test-loss").inner_text()
    page.get_by_role("button", name="Play").click()
    page.wait_for_function(f"{EPOCH} >= 5")
    page.get_by_role("button", name="Reset").click()
    expect(page.locator("#epoch")).to_have_text("000,000")
    expect(page.locator("#test-loss")).to_have_text(first_loss)  # the same initial weights


def open_relu_regression(page: Page, live_server: str) -> None:
    """Plane with ReLU: a learning rate of 10 diverges it in its first epoch."""
    open_page(page, live_server)
    page.get_by_role("radio", name="Plane").click()
    wait_for_new_run(page)
    page.get_by_label("Activation", exact=True).select_option("relu")
    wait_for_new_run(page)


def diverge(page: Page) -> None:
    page.get_by_label("Learning rate", exact=True).select_option("10")
    page.get_by_role("button", name="Play").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("learning rate 10 is probably too high", timeout=30_000)
    expect(alert).to_contain_text("Training diverged")


def test_a_diverging_run_says_why(page: Page, live_server: str, artifacts: Path) -> None:
    open_relu_regression(page, live_server)
    diverge(page)
    alert = page.get_by_role("alert")
    expect(page.locator("#epoch")).not_to_have_text("000,000")  # the epoch it stopped at
    expect(page.get_by_role("button", name="Play")).to_be_disabled()
    assert "NaN" not in page.locator("#test-loss").inner_text()
    page.screenshot(path=artifacts / "diverged.png")
    page.get_by_role("button", name="Reset").click()  # an ended run starts again
    wait_for_new_run(page)
    expect(alert).to_be_hidden()


def test_after_diverging_a_smaller_rate_and_reset_train(page: Page, live_server: str) -> None:
    """The student does what the divergence says: a smaller learning rate, then Reset. The
    rate was refused ("the run has ended; create a new one", over why it had ended) and Reset
    started again with the rate the run was made with, neither 10 nor the chosen one."""
    open_relu_regression(page, live_server)
    diverge(page)
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Reset starts again with the settings as they are now")
    first = page.evaluate("window.nnplayground.store.state.run.id")
    page.get_by_label("Learning rate", exact=True).select_option("0.01")
    page.get_by_role("button", name="Reset").click()
    page.wait_for_function(f"window.nnplayground.store.state.run?.id !== {first!r}")
    wait_for_new_run(page)
    expect(alert).to_be_hidden()
    expect(page.get_by_label("Learning rate", exact=True)).to_have_value("0.01")
    rate = "window.nnplayground.store.state.run.config.training.learning_rate"
    assert page.evaluate(rate) == 0.01
    page.get_by_role("button", name="Play").click()
    page.wait_for_function(f"{EPOCH} >= 20", timeout=30_000)
    page.get_by_role("button", name="Pause").click()
    expect(alert).to_be_hidden()  # it trains


def test_new_weights_after_a_run_ended_draws_new_ones(page: Page, live_server: str) -> None:
    """New weights on an ended run started it again with the same first weights (the same
    seed), as Reset did."""
    open_relu_regression(page, live_server)
    loss = page.locator("#test-loss").inner_text()  # the first weights' loss
    diverge(page)
    page.get_by_label("Learning rate", exact=True).select_option("0.03")
    page.get_by_role("button", name="Reset").click()
    wait_for_new_run(page)
    expect(page.locator("#test-loss")).to_have_text(loss)  # the same first weights
    diverge(page)
    page.get_by_role("button", name="New weights").click()
    expect(page.get_by_role("alert")).to_be_hidden()
    expect(page.locator("#epoch")).to_have_text("000,000")
    expect(page.locator("#test-loss")).not_to_have_text(loss)  # newly drawn ones


def test_step_one_batch_moves_the_step_not_the_epoch(page: Page, live_server: str) -> None:
    open_page(page, live_server)
    for expected in ("1", "2", "3"):
        page.get_by_role("button", name="Step one batch").click()
        expect(page.locator("#step-count")).to_have_text(expected)
    expect(page.locator("#epoch")).to_have_text("000,000")


def test_optimizer_starts_a_new_run_and_regularization_changes_live(
    page: Page, live_server: str
) -> None:
    open_page(page, live_server)
    page.get_by_label("Optimizer", exact=True).select_option("adam")
    wait_for_new_run(page)
    first_loss = float(page.locator("#test-loss").inner_text())
    page.get_by_role("button", name="Play").click()
    page.wait_for_function(f"{EPOCH} >= 5")
    page.get_by_label("Regularization", exact=True).select_option("l2")
    page.get_by_label("Rate λ", exact=True).select_option("0.01")
    page.get_by_label("Batch size", exact=True).fill("25")
    page.get_by_label("Batch size", exact=True).press("Enter")
    epoch = page.evaluate(EPOCH)
    page.wait_for_function(f"{EPOCH} >= {epoch + 10}")  # the same run trains on, no reset
    expect(page.get_by_role("alert")).to_be_hidden()
    assert float(page.locator("#test-loss").inner_text()) < first_loss


def test_the_legend_follows_the_task_and_the_chart_has_a_log_scale(
    page: Page, live_server: str
) -> None:
    open_page(page, live_server)
    legend = page.get_by_role("group", name="Colour legend")
    expect(legend).to_contain_text("−1")
    page.get_by_role("radio", name="Blobs").click()
    wait_for_new_run(page)
    expect(legend).to_contain_text("Class 0")
    expect(legend).to_contain_text("Class 2")
    for epoch in (1, 2, 3):
        page.get_by_role("button", name="Step one epoch").click()
        page.wait_for_function(f"{EPOCH} >= {epoch}")
    chart = "document.querySelector('#loss-chart').toDataURL()"
    page.wait_for_timeout(100)
    linear = page.evaluate(chart)
    page.get_by_label("Log scale").check()
    page.wait_for_function(f"{chart} !== {linear!r}")  # redrawn at once, differently
    page.get_by_label("Log scale").uncheck()
    page.wait_for_function(f"{chart} === {linear!r}")  # and back
