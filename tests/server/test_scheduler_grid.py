"""When a paced run is next due: on the worker clock's grid, and never later than needed."""

from __future__ import annotations

import math

from server.scheduler import _next_on_grid


def test_a_run_on_time_is_due_at_the_next_grid_point() -> None:
    assert math.isclose(_next_on_grid(1.01, now=1.0, rate=20.0), 1.05)
    assert math.isclose(_next_on_grid(1.05, now=1.0, rate=20.0), 1.05)


def test_runs_started_apart_fall_due_together() -> None:
    first = _next_on_grid(3.012 + 0.05, now=3.012, rate=20.0)
    second = _next_on_grid(3.031 + 0.05, now=3.031, rate=20.0)
    assert math.isclose(first, second)


def test_a_run_behind_is_due_at_once_still_on_the_grid() -> None:
    """An overloaded worker must not sit idle until the next grid point."""
    due = _next_on_grid(2.0, now=2.26, rate=20.0)
    assert due <= 2.26 and math.isclose(due, 2.25)


def test_rounding_never_skips_a_grid_point() -> None:
    """67.1 + 0.05 is 67.150000000000006 in floating point: its ceiling on the grid of 1/20
    was 67.2, so a fifth of a run's epochs and frames were lost (80 % delivered at 20 fps)."""
    moment = 67.1
    for _ in range(2000):
        following = _next_on_grid(moment + 0.05, now=moment + 0.001, rate=20.0)
        assert math.isclose(following - moment, 0.05, abs_tol=1e-9)
        moment = following


def test_a_workers_phase_shifts_its_grid_by_that_share_of_a_period() -> None:
    """Two workers' runs at 10 fps fall due 50 ms apart, so their bursts take turns."""
    assert math.isclose(_next_on_grid(1.01, now=1.0, rate=10.0, phase=0.5), 1.05)
    assert math.isclose(_next_on_grid(1.06, now=1.0, rate=10.0, phase=0.5), 1.15)
    assert math.isclose(_next_on_grid(1.0, now=1.27, rate=10.0, phase=0.5), 1.25)  # behind
    assert math.isclose(_next_on_grid(1.05 + 0.1, now=1.05, rate=10.0, phase=0.5), 1.15)
