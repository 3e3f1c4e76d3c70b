"""The websocket (docs/protocol.md): frames in its envelope, control, and bad messages."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.testclient import WebSocketTestSession
from starlette.websockets import WebSocketDisconnect

from server.wire import decode

HEADER_FIELDS = {"type", "epoch", "step", "train_loss", "test_loss", "arrays"}


def create(client: TestClient, **config: Any) -> dict[str, Any]:
    body = {"config": {"seed": 2, **config}, "start": False}
    run: dict[str, Any] = client.post("/api/runs", json=body).json()
    return run


def connect(client: TestClient, run: dict[str, Any], token: bool = True) -> WebSocketTestSession:
    query = f"?token={run['control_token']}" if token else ""
    return client.websocket_connect(f"/api/runs/{run['id']}/stream{query}")


def next_of(ws: WebSocketTestSession, kind: str, limit: int = 200) -> Any:
    """Read until a message of ``kind`` (a frame header+arrays, or a JSON type) arrives."""
    for _ in range(limit):
        message = ws.receive()
        if message.get("bytes") is not None:
            header, arrays = decode(message["bytes"])
            if header["type"] == kind:
                return header, arrays
        elif (parsed := json.loads(message["text"]))["type"] == kind:
            return parsed
    raise AssertionError(f"no {kind} in {limit} messages")


def test_viewer_gets_dataset_status_and_a_first_frame(client: TestClient) -> None:
    run = create(client)
    seen: dict[str, Any] = {}
    with connect(client, run) as ws:
        # in any order: the run may still be building when we join
        while not {"dataset", "features", "status", "history", "frame"} <= set(seen):
            message = ws.receive()
            if message.get("bytes") is not None:
                header, arrays = decode(message["bytes"])
                seen[header["type"]] = (header, arrays)
            else:
                parsed = json.loads(message["text"])
                seen[parsed["type"]] = parsed
    assert len(seen["dataset"]["train"]) == 250 and len(seen["dataset"]["test"]) == 250
    assert seen["status"]["status"] == "created"
    assert [row[0] for row in seen["history"]["rows"]] in ([], [0])  # the metrics so far
    names, features = seen["features"]  # every input feature's picture, once
    assert names["names"][:2] == ["x1", "x2"] and features["features"].shape == (9, 20, 20)
    x1 = features["features"][0].astype(int)  # x1 grows to the right: orange to blue
    assert x1[:, -1].mean() > x1[:, 0].mean()
    header, arrays = seen["frame"]
    assert set(header) >= HEADER_FIELDS and header["epoch"] == 0
    assert arrays["output"].shape == (100, 100)
    assert arrays["neurons"].shape[0] == 6
    assert arrays["weights.0"].dtype.name == "float32"


def test_play_streams_frames_whose_epochs_advance_and_loss_falls(client: TestClient) -> None:
    run = create(client)
    with connect(client, run) as ws:
        first, _ = next_of(ws, "frame")
        ws.send_text('{"type": "play"}')
        assert next_of(ws, "status")["status"] == "running"
        epochs, losses = [], []
        while len(epochs) < 30:
            header, _ = next_of(ws, "frame")
            epochs.append(header["epoch"])
            losses.append(header["test_loss"])
        ws.send_text('{"type": "pause"}')
        assert next_of(ws, "status")["status"] == "paused"
    assert epochs == sorted(epochs) and epochs[-1] >= 30
    assert losses[-1] < first["test_loss"]


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ({"type": "step"}, (1, 25)),
        ({"type": "step", "epochs": 3}, (3, 75)),
        ({"type": "step", "batches": 4}, (0, 4)),
    ],
)
def test_step_trains_exactly_what_was_asked(
    client: TestClient, message: dict[str, Any], expected: tuple[int, int]
) -> None:
    run = create(client)
    with connect(client, run) as ws:
        next_of(ws, "frame")
        ws.send_json(message)
        header = last_frame_before_paused(ws)  # a loaded worker may ship frames mid-step
    assert (header["epoch"], header["step"]) == expected


def last_frame_before_paused(ws: WebSocketTestSession) -> Any:
    """The header of the last frame before the status says the step ended (``paused``):
    the worker sends a run's frame before its status."""
    header = None
    for _ in range(500):
        message = ws.receive()
        if message.get("bytes") is not None:
            found, _ = decode(message["bytes"])
            header = found if found["type"] == "frame" else header
            continue
        parsed = json.loads(message["text"])
        if header is not None and (parsed["type"], parsed.get("status")) == ("status", "paused"):
            return header
    raise AssertionError("the step never ended")


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        '{"type": "jump"}',
        '{"type": "step", "epochs": 0}',
        '{"type": "play", "x": 1}',
        '["play"]',
        "x" * 5000,
    ],
)
def test_malformed_messages_get_an_error_and_the_socket_stays_open(
    client: TestClient, text: str
) -> None:
    run = create(client)
    with connect(client, run) as ws:
        ws.send_text(text)
        error = next_of(ws, "error")
        assert error["message"]
        ws.send_text('{"type": "step"}')  # still open and working
        header, _ = next_of(ws, "frame")
        while header["epoch"] == 0:
            header, _ = next_of(ws, "frame")
        assert header["epoch"] == 1


def test_binary_messages_are_refused_politely(client: TestClient) -> None:
    with connect(client, create(client)) as ws:
        ws.send_bytes(b"\x00\x01")
        assert "binary" in next_of(ws, "error")["message"]


def test_control_without_the_token_is_refused_but_watching_is_not(client: TestClient) -> None:
    run = create(client)
    with connect(client, run, token=False) as viewer:
        next_of(viewer, "frame")
        viewer.send_text('{"type": "play"}')
        assert "control token" in next_of(viewer, "error")["message"]
        with connect(client, run) as owner:
            owner.send_text('{"type": "step"}')
        header, _ = next_of(viewer, "frame")  # the watcher sees the owner's step
        assert header["epoch"] == 1


def test_unknown_run_closes_with_a_reason(client: TestClient) -> None:
    with (
        client.websocket_connect("/api/runs/nope/stream") as ws,
        pytest.raises(WebSocketDisconnect) as closed,
    ):
        ws.receive_text()
    assert closed.value.code == 4404 and "nope" in closed.value.reason


def test_set_changes_live_fields_and_names_a_bad_one(client: TestClient) -> None:
    run = create(client)
    with connect(client, run) as ws:
        ws.send_json({"type": "set", "learning_rate": -1})
        error = next_of(ws, "error")
        assert error["detail"][0]["loc"] == ["set", "learning_rate"]
        ws.send_json({"type": "set", "dropout": [0.1, 0.2, 0.3]})  # the net has 2 hidden layers
        assert "one per hidden layer" in next_of(ws, "error")["message"]
        ws.send_json({"type": "set", "batch_size": 250})
        ws.send_json({"type": "step"})
        header, _ = next_of(ws, "frame")
        while header["epoch"] == 0:
            header, _ = next_of(ws, "frame")
    assert header["step"] == 1  # one batch of 250 is the whole epoch


def test_reset_goes_back_to_epoch_zero_with_the_same_weights(client: TestClient) -> None:
    run = create(client)
    with connect(client, run) as ws:
        _, first = next_of(ws, "frame")
        ws.send_json({"type": "step", "epochs": 3})
        header, _ = next_of(ws, "frame")
        while header["epoch"] < 3:
            header, _ = next_of(ws, "frame")
        ws.send_json({"type": "reset", "same_init": True})
        assert next_of(ws, "status")["status"] == "paused"
        header, arrays = next_of(ws, "frame")
    assert header["epoch"] == 0
    assert (arrays["weights.0"] == first["weights.0"]).all()


def test_regenerate_sends_new_points(client: TestClient) -> None:
    run = create(client)
    with connect(client, run) as ws:
        before = next_of(ws, "dataset")
        ws.send_json({"type": "regenerate"})
        after = next_of(ws, "dataset")
    assert after["train"] != before["train"] and after["task"] == "binary"


def play_until_it_ends(ws: WebSocketTestSession) -> Any:
    """Play, and read the status messages until one says the run ended."""
    ws.send_json({"type": "play"})
    status = next_of(ws, "status")
    while status["status"] in ("created", "running"):
        status = next_of(ws, "status", limit=5000)
    return status


def create_diverging(client: TestClient) -> dict[str, Any]:
    """A run whose learning rate (10 on ReLU regression) makes its loss overflow."""
    return create(
        client,
        data={"dataset": "reg-plane"},
        network={"hidden": [8, 8], "activation": "relu"},
        training={"learning_rate": 10.0},
    )


def test_a_diverging_run_ends_as_diverged_and_says_why(client: TestClient) -> None:
    run = create_diverging(client)
    with connect(client, run) as ws:
        status = play_until_it_ends(ws)
        assert status["status"] == "diverged" and "learning rate" in status["error"]
        ws.send_json({"type": "play"})
        assert "ended (diverged)" in next_of(ws, "error")["message"]
    assert client.get(f"/api/runs/{run['id']}").json()["status"] == "diverged"


def test_a_run_with_max_epochs_succeeds(client: TestClient) -> None:
    run = create(client, training={"max_epochs": 5})
    with connect(client, run) as ws:
        ws.send_json({"type": "play"})
        status = next_of(ws, "status")
        while status["status"] in ("created", "running"):
            status = next_of(ws, "status", limit=5000)
    assert (status["status"], status["epoch"], status["stop_reason"]) == (
        "succeeded",
        5,
        "max_epochs",
    )


def test_every_epoch_reaches_the_chart_as_a_metrics_row(client: TestClient) -> None:
    run = create(client)
    with connect(client, run) as ws:
        ws.send_json({"type": "step", "epochs": 5})
        epochs: list[int] = []
        while not epochs or epochs[-1] < 5:
            epochs += [row[0] for row in next_of(ws, "metrics")["rows"]]
    assert epochs[-5:] == [1, 2, 3, 4, 5]


def test_a_watchers_frame_rate_never_sets_the_runs_speed(client: TestClient) -> None:
    """A run with no speed of its own trains one epoch per frame of its fastest controlling
    viewer: a watcher without the token asking 60 fps gets its frames faster, but used to
    triple the run's speed too."""
    run = create(client)
    record = client.app.state.manager.runs[run["id"]]  # type: ignore[attr-defined]

    def settled(ws: WebSocketTestSession) -> None:  # messages are handled in order
        ws.send_bytes(b"?")
        next_of(ws, "error")

    with connect(client, run, token=False) as watcher, connect(client, run) as owner:
        settled(owner)
        pace = record.pace
        watcher.send_json({"type": "view", "fps": 60})
        settled(watcher)
        assert (record.fps, record.pace) == (60.0, pace)
        owner.send_json({"type": "view", "fps": 45})
        settled(owner)
        assert (record.fps, record.pace) == (60.0, 45.0)


def test_a_run_stepped_before_it_ever_played_is_paused_not_created(client: TestClient) -> None:
    """It trained, so it is no longer new: its status used to stay "created"."""
    run = create(client)
    with connect(client, run) as ws:
        assert next_of(ws, "status")["status"] == "created"
        ws.send_json({"type": "step", "epochs": 3})
        status = next_of(ws, "status")
        assert (status["status"], status["epoch"]) == ("paused", 3)
    answer = client.get(f"/api/runs/{run['id']}").json()
    assert (answer["status"], answer["epoch"]) == ("paused", 3)


def test_a_live_change_reaches_every_viewer_and_the_runs_config(client: TestClient) -> None:
    """A ``set`` the trainer took is the run's config from then on (a new viewer, a resume
    and a classmate's copy start from it) and every viewer's controls are told."""
    run = create(client, network={"hidden": [3, 2]})
    with connect(client, run) as owner, connect(client, run, token=False) as watcher:
        owner.send_json({"type": "set", "learning_rate": 0.3, "dropout": [0.1, 0.2]})
        for ws in (owner, watcher):
            assert next_of(ws, "settings")["changes"] == {
                "learning_rate": 0.3,
                "dropout": [0.1, 0.2],
            }
        owner.send_json({"type": "set", "dropout": [0.1]})  # the wrong length: refused
        assert "dropout" in next_of(owner, "error")["message"]
    config = client.get(f"/api/runs/{run['id']}").json()["config"]
    assert config["training"]["learning_rate"] == 0.3
    assert [layer["dropout"] for layer in config["network"]["hidden"]] == [0.1, 0.2]
    assert [layer["units"] for layer in config["network"]["hidden"]] == [3, 2]


def test_a_viewer_may_go_without_metrics_rows(client: TestClient) -> None:
    """A dashboard tile reads its numbers off each frame: ``metrics: false`` spares it the
    rows (and the server their sends); the other viewers still get them."""
    run = create(client)
    with connect(client, run) as owner, connect(client, run, token=False) as tile:
        tile.send_json({"type": "view", "metrics": False})
        tile.send_json({"type": "no such message"})  # answered in order: the view is in place
        next_of(tile, "error")
        owner.send_json({"type": "step", "epochs": 3})
        assert next_of(owner, "metrics")["rows"]
        kinds = []
        while not kinds or kinds[-1] != "status" or not any(k == "frame" for k in kinds):
            message = tile.receive()
            kind = (
                "frame" if message.get("bytes") is not None else json.loads(message["text"])["type"]
            )
            kinds.append(kind)
        assert "metrics" not in kinds


def test_a_new_viewer_of_an_ended_run_sees_where_it_ended(client: TestClient) -> None:
    run = create(client, training={"max_epochs": 3})
    with connect(client, run) as ws:
        ws.send_json({"type": "play"})
        while next_of(ws, "status")["status"] != "succeeded":
            pass
    with connect(client, run) as ws:  # a reload, or My runs' Open
        header, _ = next_of(ws, "frame")
    assert header["epoch"] == 3
