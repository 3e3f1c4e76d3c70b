"""Snapshots resume training exactly; a model predicts as its trainer; exports reproduce it
(the PyTorch export runs on the test extra's torch)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from engine.config import ExperimentConfig
from engine.export import to_numpy_source, to_pytorch_source
from engine.model import Model
from engine.snapshot import capture, from_bytes, restore, to_bytes
from engine.trainer import Trainer

CONFIGS = {
    "tf default": {},
    "spiral relu adam l1": {
        "data": {"dataset": "spiral", "features": ["x1", "x2", "sin_x1", "x1_sq"]},
        "network": {"hidden": [6, {"units": 4, "activation": "gelu"}], "activation": "relu"},
        "training": {"optimizer": "adam", "regularization": "l1", "regularization_rate": 0.001},
    },
    "3 classes": {
        "data": {"dataset": "blobs", "classes": 3},
        "network": {"hidden": [5], "activation": "swish"},
        "training": {"optimizer": "momentum"},
    },
    "regression": {
        "data": {"dataset": "reg-plane"},
        "network": {"hidden": [4], "activation": "selu", "output_activation": "softplus"},
    },
}
POINTS = np.random.default_rng(7).uniform(-6, 6, (50, 2))


def _trained(raw: dict[str, object], epochs: int = 5) -> Trainer:
    trainer = Trainer(ExperimentConfig.model_validate({"seed": 3, **raw}))
    trainer.fit(epochs)
    return trainer


@pytest.mark.parametrize("raw", CONFIGS.values(), ids=CONFIGS.keys())
def test_a_restored_snapshot_trains_on_exactly_like_the_original(raw: dict[str, object]) -> None:
    original = _trained(raw)
    state = from_bytes(to_bytes(capture(original)))
    copy = Trainer(original.config)
    restore(copy, state)
    assert (copy.epoch, copy.step) == (original.epoch, original.step)
    original.fit(4)
    copy.fit(4)
    np.testing.assert_array_equal(copy.network.params, original.network.params)
    assert copy.latest.test_loss == original.latest.test_loss


def test_a_snapshot_of_another_network_is_refused() -> None:
    state = capture(_trained({}, 1))
    other = Trainer(ExperimentConfig.model_validate({"network": {"hidden": [3]}}))
    with pytest.raises(ValueError, match="parameters"):
        restore(other, state)


@pytest.mark.parametrize("raw", CONFIGS.values(), ids=CONFIGS.keys())
def test_a_model_predicts_what_its_trainer_computes(raw: dict[str, object]) -> None:
    trainer = _trained(raw)
    model = Model.build(trainer.config, trainer.network.params)
    split = trainer.data.split.test
    expected = trainer.head.activate(trainer.network.predict(trainer.data.test_x))
    np.testing.assert_allclose(model.outputs(split.x), expected, rtol=1e-12, atol=1e-12)
    labels = model.labels(expected)
    if trainer.head.task == "regression":
        assert labels is None
    else:
        assert labels is not None
        assert np.mean(labels == split.y) == pytest.approx(trainer.latest.test_accuracy)


def test_a_model_refuses_weights_of_the_wrong_size() -> None:
    with pytest.raises(ValueError, match="expected 25 parameters"):
        Model.build(ExperimentConfig(), np.zeros(24))


def _load(source: str, path: Path) -> object:
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("raw", CONFIGS.values(), ids=CONFIGS.keys())
def test_the_numpy_export_reproduces_the_predictions(
    raw: dict[str, object], tmp_path: Path
) -> None:
    trainer = _trained(raw)
    model = Model.build(trainer.config, trainer.network.params)
    module = _load(to_numpy_source(model), tmp_path / "exported.py")
    got = module.predict(POINTS)  # type: ignore[attr-defined]
    np.testing.assert_allclose(got, model.outputs(POINTS), rtol=1e-12, atol=1e-12)


def test_the_numpy_export_runs_as_a_script(tmp_path: Path) -> None:
    model = Model.build(ExperimentConfig(), _trained({}).network.params)
    (tmp_path / "m.py").write_text(to_numpy_source(model))
    done = subprocess.run(
        [sys.executable, str(tmp_path / "m.py"), "1.5", "-2"],
        check=False,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert float(done.stdout.strip("[] \n")) == pytest.approx(
        float(model.outputs(np.array([[1.5, -2.0]]))[0, 0]), abs=1e-12
    )


@pytest.mark.parametrize("raw", CONFIGS.values(), ids=CONFIGS.keys())
def test_the_pytorch_export_reproduces_the_predictions(
    raw: dict[str, object], tmp_path: Path
) -> None:
    trainer = _trained(raw)
    model = Model.build(trainer.config, trainer.network.params)
    module = _load(to_pytorch_source(model), tmp_path / "exported_torch.py")
    got = module.predict(POINTS).numpy()  # type: ignore[attr-defined]
    np.testing.assert_allclose(got, model.outputs(POINTS), rtol=1e-9, atol=1e-9)
