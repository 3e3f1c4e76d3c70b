"""Several classes, readable (issue #14): each output unit drawn with its own links and bias,
every class's probability at a hovered point, colours apart from the value scale, a legend
that follows what the plot shows, the number of classes chosen on the page, and own points of
any class or value."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from tests.browser.a11y import blocking
from tests.browser.test_inspector import EPOCH, open_run
from tests.browser.test_own_data import click_plot
from tests.browser.test_setup import wait_for_new_run

LEGEND = "document.querySelector('#legend').dataset.shows"
DATASET = "window.nnplayground.store.state.dataset"


def trained_blobs(page: Page, live_server: str, classes: int = 3, epochs: int = 20) -> None:
    open_run(page, live_server, {"data": {"dataset": "blobs", "classes": classes}})
    page.get_by_role("button", name="Play", exact=True).click()
    page.wait_for_function(f"{EPOCH} >= {epochs}", timeout=30_000)
    page.get_by_role("button", name="Pause").click()
    expect(page.get_by_role("button", name="Play", exact=True)).to_be_visible()


def hover_plot(page: Page, x1: float, x2: float) -> None:
    box = page.locator("#output canvas.map").bounding_box()
    assert box is not None
    x, y = (x1 + 6) / 12 * box["width"], (6 - x2) / 12 * box["height"]
    page.mouse.move(box["x"] + x, box["y"] + y)


def test_each_class_has_its_own_output_unit(page: Page, live_server: str, artifacts: Path) -> None:
    trained_blobs(page, live_server, classes=4)
    units = page.locator("#diagram .class-node")
    expect(units).to_have_count(4)
    for k in range(4):
        expect(page.get_by_role("img", name=f"Output unit of Class {k}")).to_be_visible()
    assert page.locator("#diagram .output-column .bias").count() == 4
    # each unit's links end at that unit: 2 hidden neurons × 4 outputs, at 4 heights
    ends = page.evaluate(
        """() => {
          const links = [...document.querySelectorAll('#diagram path[data-layer]')];
          const last = Math.max(...links.map(p => +p.dataset.layer));
          const ends = {};
          for (const p of document.querySelectorAll(`#diagram path[data-layer="${last}"]`)) {
            const y = p.getAttribute('d').split(' ').at(-1).split(',')[1];
            (ends[p.dataset.target] ??= new Set()).add(y);
          }
          return Object.values(ends).map(s => [...s]);
        }"""
    )
    assert len(ends) == 4 and all(len(y) == 1 for y in ends)
    assert len({y[0] for y in ends}) == 4
    page.locator("#diagram").screenshot(path=artifacts / "classes-diagram.png")


def test_a_hovered_point_lists_every_class_with_its_probability(
    page: Page, live_server: str, artifacts: Path
) -> None:
    trained_blobs(page, live_server, epochs=60)
    readout = page.locator("#plot-readout")
    expect(readout).to_be_hidden()
    hover_plot(page, 0.0, 3.5)  # blob 0's centre (the blobs lie on a circle of radius 3.5)
    expect(readout).to_be_visible()
    rows = readout.locator(".readout-class")
    expect(rows).to_have_count(3)
    percents = [int(rows.nth(k).locator("span").nth(1).inner_text().rstrip("%")) for k in range(3)]
    assert abs(sum(percents) - 100) <= 2 and percents[0] == max(percents) > 50
    expect(readout.locator(".top")).to_contain_text("Class 0")
    page.screenshot(path=artifacts / "classes-hover.png")
    page.mouse.move(0, 0)
    expect(readout).to_be_hidden()
    # from the keyboard: the plot takes the focus, the arrows move a cross and read it out
    page.locator("#output canvas.map").focus()
    page.keyboard.press("ArrowRight")  # the first arrow: the middle
    expect(readout).to_contain_text("At (0.0, 0.0)")
    page.keyboard.press("ArrowRight")
    expect(readout).to_contain_text("At (0.5, 0.0)")
    expect(readout).to_have_attribute("aria-live", "polite")
    expect(page.locator("#output .plot-cross")).to_be_visible()


def test_the_legend_follows_a_hovered_neuron_and_a_hovered_class(
    page: Page, live_server: str, artifacts: Path
) -> None:
    trained_blobs(page, live_server, epochs=5)
    legend = page.get_by_role("group", name="Colour legend")
    expect(legend).to_contain_text("Class 2")
    assert page.evaluate(LEGEND) == "classes"
    neuron = page.get_by_role("img", name="Layer 1, neuron 1")
    neuron.hover()
    page.wait_for_function(f"{LEGEND} === 'values'")  # the plot shows the neuron: its scale
    expect(legend.locator(".legend-scale")).to_be_visible()
    expect(legend.locator(".legend-classes")).to_be_hidden()
    expect(legend).to_contain_text("−1")
    output = page.locator("#output").locator("xpath=..")  # the plot, its caption and legend
    output.screenshot(path=artifacts / "classes-legend-neuron.png")
    page.mouse.move(0, 0)
    page.wait_for_function(f"{LEGEND} === 'classes'")  # and back
    expect(legend.locator(".legend-classes")).to_be_visible()
    page.get_by_role("img", name="Output unit of Class 1").hover()
    page.wait_for_function(f"{LEGEND} === 'class'")  # 0 … 1 in class 1's colour
    expect(page.locator("#focus-caption")).to_have_text("Showing the probability of Class 1")
    expect(legend.locator(".legend-high")).to_have_text("1")
    output.screenshot(path=artifacts / "classes-legend-class.png")
    page.mouse.move(0, 0)
    page.wait_for_function(f"{LEGEND} === 'classes'")


def test_the_number_of_classes_is_chosen_on_the_page(page: Page, live_server: str) -> None:
    open_run(page, live_server, {"data": {"dataset": "spirals"}})
    count = page.get_by_label("Classes", exact=True)
    expect(count).to_have_value("3")
    assert count.locator("option").all_inner_texts() == [str(k) for k in range(3, 9)]
    count.select_option("5")
    wait_for_new_run(page)
    page.wait_for_function(f"{DATASET}?.classes === 5")
    expect(page.locator("#diagram .class-node")).to_have_count(5)
    expect(page.get_by_role("group", name="Colour legend")).to_contain_text("Class 4")
    link = "atob(location.hash.split('c=')[1].replace(/-/g, '+').replace(/_/g, '/'))"
    assert '"classes":5' in page.evaluate(link)
    page.get_by_role("radio", name="Circle", exact=True).click()  # two classes: no count to choose
    wait_for_new_run(page)
    expect(page.get_by_label("Classes", exact=True)).to_have_count(0)


def test_own_points_of_several_classes_and_of_values(
    page: Page, live_server: str, artifacts: Path
) -> None:
    open_run(page, live_server)
    page.get_by_role("button", name="Draw points").click()
    page.get_by_label("Points are").select_option("several classes")
    classes = page.get_by_role("radiogroup", name="Class of new points")
    expect(classes.get_by_role("radio")).to_have_count(3)  # three to start with
    expect(page.get_by_text("Draw three classes or more")).to_be_visible()
    for k, (x1, x2) in enumerate([(-4, 4), (4, 4), (-4, -4), (4, -4)]):
        classes.get_by_role("radio", name=f"Class {k}").check()
        for dx, dy in ((0, 0), (1, 0), (0, 1)):
            click_plot(page, x1 + dx, x2 + dy)
        expect(classes.get_by_role("radio")).to_have_count(min(10, k + 2) if k >= 2 else 3)
    expect(page.get_by_text("12 points drawn")).to_be_visible()
    page.screenshot(path=artifacts / "classes-drawing.png")
    page.get_by_role("button", name="Train on my points").click()
    page.wait_for_function(f"{DATASET}?.task === 'multiclass'")
    assert page.evaluate(f"{DATASET}.classes") == 4
    expect(page.locator("#diagram .class-node")).to_have_count(4)
    # values: a regression
    page.get_by_role("button", name="Draw points").click()
    page.get_by_label("Points are").select_option("values (regression)")
    value = page.get_by_label("Value of new points", exact=True)
    for v, x1 in ((-0.8, -4), (-0.3, -1), (0.2, 1), (0.7, 4)):
        value.fill(str(v))
        expect(page.get_by_text(f"Value of new points: {v}")).to_be_visible()
        click_plot(page, x1, 0)
        click_plot(page, x1, 2)
    page.get_by_role("button", name="Train on my points").click()
    page.wait_for_function(f"{DATASET}?.task === 'regression'")
    labels = page.evaluate(f"(d => [...d.train, ...d.test].map(r => r[2]))({DATASET})")
    assert sorted(labels) == sorted([-0.8, -0.8, -0.3, -0.3, 0.2, 0.2, 0.7, 0.7])


def test_eight_classes_fit_a_phone_and_a_laptop(
    browser: Browser, live_server: str, artifacts: Path
) -> None:
    """The output units, the legend and the confusion matrix of the most classes: nothing
    wider than the screen (a phone names the units by number)."""
    wider = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    for name, width, height in (("phone", 390, 844), ("laptop", 1280, 720)):
        context = browser.new_context(viewport={"width": width, "height": height}, bypass_csp=True)
        page = context.new_page()
        open_run(page, live_server, {"data": {"dataset": "spirals", "classes": 8}})
        expect(page.locator("#diagram .class-node")).to_have_count(8)
        expect(page.get_by_role("table", name="Confusion matrix (test data)")).to_be_visible()
        assert page.evaluate(wider) == 0, name
        page.locator("#diagram").screenshot(path=artifacts / f"classes-8-{name}-diagram.png")
        page.locator("#confusion").scroll_into_view_if_needed()
        plot = page.locator("#output").locator("xpath=..")
        plot.screenshot(path=artifacts / f"classes-8-{name}-output.png")
        assert not blocking(page), name
        context.close()


def test_a_regression_legend_switches_to_a_hovered_neuron_s_range(
    page: Page, live_server: str
) -> None:
    open_run(page, live_server, {"data": {"dataset": "reg-plane"}})
    high = page.get_by_role("group", name="Colour legend").locator(".legend-high")
    expect(high).to_have_text("1.15")  # the output's range: the largest target
    page.get_by_role("img", name="Layer 1, neuron 2").hover()
    expect(high).to_have_text("1")  # a neuron's picture spans −1 … 1
    page.mouse.move(0, 0)
    expect(high).to_have_text("1.15")
