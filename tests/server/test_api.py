"""REST: the page, options, creating and reading runs, and bad input."""

import json
import re
import time

from fastapi.testclient import TestClient

from engine.activations import ACTIVATIONS
from engine.datasets import DATASETS, DOMAIN
from engine.frames import SHADES
from engine.history import COLUMNS
from engine.optimizers import OPTIMIZERS
from server.picture import NEGATIVE, PALETTE
from server.schemas import STATUSES, TERMINAL_STATUSES


def test_page_renders_with_its_controls(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert 'aria-label="Play"' in response.text
    assert client.get("/static/js/main.js").status_code == 200


def test_every_page_carries_the_options_in_their_order(client: TestClient) -> None:
    """The pages make their controls from the options they carry (no request first)."""
    options = client.get("/api/options").json()
    for path in ("/", "/join/ABCDEF", "/class/some-class", "/sweeps/some-sweep", "/races/new"):
        page = client.get(path).text
        found = re.search(r'<script type="application/json" id="options">(.*?)</script>', page)
        assert found, path
        carried = json.loads(found.group(1))
        assert carried == options
        assert list(carried["datasets"]) == [*DATASETS, "points", "csv"]  # the menu's order
        assert "<" not in found.group(1)  # no text of the options can end the element


def test_options_come_from_the_registries(client: TestClient) -> None:
    options = client.get("/api/options").json()
    assert set(options["datasets"]) == {*DATASETS, "points", "csv"}
    assert options["datasets"]["spiral"]["task"] == "binary"
    assert set(options["activations"]) == set(ACTIVATIONS)
    assert set(options["optimizers"]) == set(OPTIMIZERS)
    assert options["heads"]["multiclass"]["allowed"] == {"softmax": ["cross_entropy"]}
    assert options["output_aliases"] == {"none": "linear"}  # the Output menu reads "none" as it
    assert options["optimizers"]["adam"]["hypers"] == ["beta1", "beta2", "epsilon"]
    assert options["optimizers"]["sgd"]["hypers"] == []  # the page's fields: none for SGD
    assert options["defaults"]["network"]["hidden"] == [4, 2]
    assert "seed" not in options["defaults"]


def test_options_give_the_vocabulary_the_engine_and_server_use(client: TestClient) -> None:
    vocabulary = client.get("/api/options").json()["vocabulary"]
    assert vocabulary["statuses"] == list(STATUSES)
    assert set(vocabulary["ended"]) == TERMINAL_STATUSES
    assert vocabulary["live"] == ["created", "running", "paused"]
    assert vocabulary["history_columns"] == list(COLUMNS)
    assert vocabulary["domain"] == list(DOMAIN)
    assert vocabulary["shades"] == SHADES == 31
    assert vocabulary["palette"]["negative"] == list(NEGATIVE)
    assert vocabulary["palette"]["classes"] == [list(rgb) for rgb in PALETTE["classes"]]


def test_create_run_returns_it_with_a_control_token(client: TestClient) -> None:
    response = client.post(
        "/api/runs", json={"config": {"seed": 5}, "name": "mine", "start": False}
    )
    assert response.status_code == 201
    run = response.json()
    assert run["status"] == "created" and run["name"] == "mine"
    assert len(run["control_token"]) >= 20 and len(run["share_code"]) == 6
    assert run["config"]["seed"] == 5 and run["config"]["network"]["hidden"] == [4, 2]
    assert response.headers["location"].endswith(f"/api/runs/{run['id']}")
    public = client.get(f"/api/runs/{run['id']}").json()
    assert public["id"] == run["id"] and "control_token" not in public


def test_empty_body_creates_the_default_run_with_a_recorded_seed(client: TestClient) -> None:
    run = client.post("/api/runs", json={}).json()
    assert run["config"]["data"]["dataset"] == "circle"
    assert isinstance(run["config"]["seed"], int)


def test_a_started_run_trains_in_the_background(client: TestClient) -> None:
    run = client.post("/api/runs", json={"config": {"seed": 1}}).json()
    for _ in range(200):
        state = client.get(f"/api/runs/{run['id']}").json()
        if state["epoch"] >= 3:
            break
        time.sleep(0.02)
    assert state["status"] == "running" and state["epoch"] >= 3


def test_bad_config_is_a_422_naming_the_field(client: TestClient) -> None:
    response = client.post("/api/runs", json={"config": {"network": {"hidden": [4, -1]}}})
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", "config", "network", "hidden", 1, "units"]


def test_nan_and_unknown_keys_are_422_not_500(client: TestClient) -> None:
    body = '{"config": {"data": {"noise": NaN}, "colour": 1}}'
    response = client.post("/api/runs", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    locations = {tuple(e["loc"]) for e in response.json()["detail"]}
    assert locations == {("body", "config", "data", "noise"), ("body", "config", "colour")}


def test_unknown_dataset_lists_the_valid_ones(client: TestClient) -> None:
    response = client.post("/api/runs", json={"config": {"data": {"dataset": "moon"}}})
    assert response.status_code == 422
    assert "valid: circle, xor" in response.json()["detail"][0]["msg"]


def test_unknown_run_is_404(client: TestClient) -> None:
    assert client.get("/api/runs/nope").status_code == 404


def test_health_counts_runs(client: TestClient) -> None:
    client.post("/api/runs", json={"start": False})
    assert client.get("/api/health").json()["runs"] == 1


def test_the_pages_choices_come_from_options_and_fit_the_config(client: TestClient) -> None:
    options = client.get("/api/options").json()
    choices = options["choices"]
    assert set(options["tasks"]) == {spec["task"] for spec in options["datasets"].values()} - {
        "from the labels"
    }
    for epochs, patience in zip(choices["max_epochs"], choices["patience"], strict=True):
        early = {"patience": patience} if patience else None
        training = {"max_epochs": epochs, "early_stopping": early}
        body = {"config": {"training": training}, "start": False}
        assert client.post("/api/runs", json=body).status_code == 201
    for rate in choices["dropout"]:
        body = {"config": {"network": {"hidden": [{"units": 3, "dropout": rate}]}}, "start": False}
        assert client.post("/api/runs", json=body).status_code == 201
    for key in ("noise", "train_ratio"):
        for value in (choices[key]["min"], choices[key]["max"]):
            body = {"config": {"data": {key: value}}, "start": False}
            assert client.post("/api/runs", json=body).status_code == 201
