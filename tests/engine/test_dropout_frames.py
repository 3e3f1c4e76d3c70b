"""The sampled training-mode picture (issue #13, item 9): a frame's ``dropout_output`` is the
output through a fresh dropout mask, drawn from a generator of its own."""

from __future__ import annotations

import numpy as np
import pytest

from engine.frames import sampled_output
from tests.engine.helpers import make_trainer

HIDDEN = {"hidden": [8, 8], "dropout": 0.5}


def test_the_sampled_picture_differs_from_the_evaluation_picture_with_dropout() -> None:
    trainer = make_trainer(network=HIDDEN)
    trainer.fit(5)
    frame = trainer.frame(40, dropout_sample=True)
    sampled, evaluated = frame.arrays["dropout_output"], frame.arrays["output"]
    assert sampled.shape == evaluated.shape == (40, 40)
    assert frame.ranges["dropout_output"] == frame.ranges["output"]
    assert np.mean(sampled != evaluated) > 0.05
    again = trainer.frame(40, dropout_sample=True).arrays["dropout_output"]
    assert not np.array_equal(again, sampled)  # a fresh mask each frame
    assert "dropout_output" not in trainer.frame(40).arrays  # only when a viewer asks


@pytest.mark.parametrize("data", [{}, {"dataset": "blobs"}])
def test_without_dropout_it_is_the_evaluation_picture(data: dict[str, str]) -> None:
    trainer = make_trainer(network={"hidden": [6, 4], "dropout": 0.0}, data=data)
    trainer.fit(3)
    frame = trainer.frame(30)
    assert "dropout_output" not in trainer.frame(30, dropout_sample=True).arrays
    sampled_output(
        frame,
        trainer.network,
        trainer.head,
        trainer._grids[(30, 20)],
        np.random.default_rng(0),
        resolution=30,
        value_range=trainer._value_range(),
    )
    for name in ("output", "confidence") if data else ("output",):
        near = np.abs(frame.arrays[f"dropout_{name}"].astype(int) - frame.arrays[name])
        assert near.max() <= 1 and np.mean(near) < 0.01, name  # float32 on a shade's edge


def test_training_is_bit_identical_with_and_without_the_sampled_picture() -> None:
    plain, watched = make_trainer(network=HIDDEN), make_trainer(network=HIDDEN)
    for _ in range(4):
        plain.train_epoch()
        plain.frame(30)
        watched.train_epoch()
        watched.frame(30, dropout_sample=True)
    assert np.array_equal(plain.network.params, watched.network.params)
    assert plain.rng.bit_generator.state == watched.rng.bit_generator.state
    assert plain.metrics().train_loss == watched.metrics().train_loss
