"""A frame drawn in pieces (engine.picture_job) is the frame drawn at once, of the run as it
stood when the job began, whatever trains in between."""

from __future__ import annotations

import copy
import math
from typing import Any

import numpy as np
import pytest

from engine.frames import Frame
from engine.picture_job import FrameJob
from engine.trainer import Trainer
from tests.engine.helpers import make_trainer


def train(trainer: Trainer, epochs: int) -> None:
    for _ in range(epochs):
        trainer.train_epoch()


def in_pieces(job: FrameJob) -> tuple[Frame, int]:
    """The job's frame, drawn one smallest piece at a time, and how many pieces it took."""
    pieces = 0
    while not job.advance(0.0):
        pieces += 1
    return job.frame(), pieces + 1


def assert_same(a: Frame, b: Frame, exact: bool = True) -> None:
    """Equal frames; not ``exact``: metrics within float32 rounding (made in pieces, their
    sums are summed in another order)."""
    if exact:
        assert a.metrics == b.metrics
    else:
        for name, value in vars(a.metrics).items():
            other = vars(b.metrics)[name]
            if isinstance(value, float):
                assert value == pytest.approx(other, rel=1e-5, abs=1e-7), name
            else:
                assert value == other, name
    assert a.focus == b.focus
    assert sorted(a.arrays) == sorted(b.arrays)
    for name in a.arrays:
        np.testing.assert_array_equal(a.arrays[name], b.arrays[name], err_msg=name)


CASES: dict[str, dict[str, Any]] = {
    "compiled tanh": {"network": {"hidden": [8, 8, 4]}},
    "NumPy's pass (ELU)": {"network": {"hidden": [6, 5], "activation": "elu"}},
    "multi-class": {"data": {"dataset": "blobs"}, "network": {"hidden": [5]}},
    "regression": {"data": {"dataset": "reg-plane"}, "network": {"hidden": [4]}},
    "genetic": {"training": {"optimizer": "genetic"}, "network": {"hidden": [3]}},
}


@pytest.mark.parametrize("case", CASES)
def test_a_frame_in_pieces_is_the_frame_at_once(case: str) -> None:
    trainer = make_trainer(**CASES[case])
    train(trainer, 3)
    whole = trainer.frame(37, 9, focus=2)
    pieced, pieces = in_pieces(trainer.frame_job(37, 9, focus=2))
    assert pieces > 1  # 37² + 9² points: more than one smallest piece
    assert_same(pieced, whole)


def test_training_between_pieces_does_not_reach_the_picture() -> None:
    trainer = make_trainer(network={"hidden": [8, 8]})
    train(trainer, 2)
    before = trainer.frame(40, 10)
    job = trainer.frame_job(40, 10)
    job.advance(0.0)  # one piece drawn, then the run trains on and draws other frames
    train(trainer, 5)
    after = trainer.frame(40, 10)
    assert after.metrics.epoch == before.metrics.epoch + 5
    assert not np.array_equal(after.arrays["neurons"], before.arrays["neurons"])
    pieced, _ = in_pieces(job)
    assert_same(pieced, before)


def test_a_sampled_dropout_picture_comes_from_the_weights_the_job_began_with() -> None:
    trainer = make_trainer(network={"hidden": [8, 8], "dropout": 0.3})
    train(trainer, 2)
    rng = copy.deepcopy(trainer._sample_rng)
    before = trainer.frame(30, 6, dropout_sample=True)
    trainer._sample_rng = rng  # the same mask again
    job = trainer.frame_job(30, 6, dropout_sample=True)
    job.advance(0.0)
    train(trainer, 3)
    pieced, _ = in_pieces(job)
    assert_same(pieced, before)


def test_a_piece_fits_the_time_it_is_given() -> None:
    """Pieces are sized by the time the first took: a generous budget draws it all in one
    call, a tiny one draws one smallest piece a call."""
    trainer: Trainer = make_trainer(network={"hidden": [8, 8]})
    assert trainer.frame_job(50, 10).advance(10.0)
    assert trainer.frame_job(50, 10).advance(math.inf)  # a worker with no other run
    job = trainer.frame_job(50, 10)
    calls = 1
    while not job.advance(0.0):
        calls += 1
    assert calls == -(-(50 * 50 + 100) // 1024)
    with pytest.raises(RuntimeError):
        trainer.frame_job(50, 10).frame()


@pytest.mark.parametrize("case", ["compiled tanh", "multi-class", "regression"])
def test_mid_epoch_its_metrics_are_made_in_pieces_too(case: str) -> None:
    """Between two epochs a frame's metrics are evaluated on all the data: for a big run as
    slow as its pictures, so they are made in pieces as well, from the weights of the start."""
    trainer = make_trainer(**CASES[case], training={"batch_size": 1})
    train(trainer, 1)
    for _ in range(7):
        trainer.train_batch()
    job = trainer.frame_job(30, 6)  # begun before the frame at once: it evaluates on its own
    whole = trainer.frame(30, 6)
    assert whole.metrics.step == trainer.step and trainer.epoch == 1
    job.advance(0.0)
    for _ in range(5):
        trainer.train_batch()
    pieced, _ = in_pieces(job)
    assert_same(pieced, whole, exact=False)
