"""Where a new run trains: balanced across workers, same-shaped runs together (they stack)."""

from __future__ import annotations

import collections

from server.run import shape_of
from server.runs import RunManager, place
from server.schemas import RunCreate
from server.settings import Settings

SHAPES = [[4, 2], [8, 8], [8, 8, 8, 8], [8] * 6]


def admitted(workers: int, n: int, shapes: list[list[int]]) -> RunManager:
    manager = RunManager(Settings(database=":memory:", workers=workers))
    for k in range(n):
        body = RunCreate(config={"seed": k, "network": {"hidden": shapes[k % len(shapes)]}})
        run = manager._admit(f"r{k}", "", body, "client", f"C{k}")
        manager.runs[run.id] = run
    return manager


def test_runs_created_in_turn_are_grouped_by_shape_and_balanced_by_cost() -> None:
    """The bench's mix, created shape after shape as a class would: least-loaded alone put
    all four shapes on both workers (stacks half as big, epochs ~1.7× dearer), and counted
    runs, not what they cost."""
    manager = admitted(2, 120, SHAPES)
    cost = collections.Counter()
    stacks = collections.Counter()
    for run in manager.runs.values():
        cost[run.worker] += run.cost
        stacks[run.worker, run.shape] += 1
    assert abs(cost[0] - cost[1]) <= 0.1 * min(cost.values()) + max(
        r.cost for r in manager.runs.values()
    )
    # most runs sit in a stack bigger than half of its shape's 30 runs
    assert sum(n for n in stacks.values() if n > 15) >= 0.75 * 120


def test_one_shape_for_everyone_is_spread_evenly() -> None:
    manager = admitted(3, 90, [[4, 2]])
    load = collections.Counter(run.worker for run in manager.runs.values())
    assert max(load.values()) - min(load.values()) <= 0.1 * 30 + 1


def test_place_prefers_its_shape_only_within_the_slack() -> None:
    assert place([1000, 1000], [0, 7]) == 1  # as loaded: join its shape
    assert place([1050, 1000], [7, 0]) == 0  # within 10 %: still its shape
    assert place([1200, 1000], [9, 0]) == 1  # its shape's worker is too far ahead
    assert place([0, 0, 0], [0, 0, 0]) == 0
    assert place([400, 0], [1, 0]) == 1  # an idle worker takes its part first
    assert place([3, 1, 1], [0, 0, 0]) == 1


def test_the_shape_ignores_what_does_not_change_the_stack() -> None:
    a = RunCreate(config={"seed": 1, "data": {"dataset": "xor"}}).config
    b = RunCreate(config={"seed": 2, "data": {"dataset": "circle", "noise": 0.2}}).config
    c = RunCreate(config={"seed": 1, "network": {"hidden": [4, 3]}}).config
    assert shape_of(a) == shape_of(b) != shape_of(c)
