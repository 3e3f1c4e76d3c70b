"""The mini-batch losses a per-step loss chart plots, kept between two reads of them."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

MAX_STEP_LOSSES = 256  # kept between two reads: a metrics message carries at most this many


class StepLosses:
    """Each step's ``(step, loss)``, at most ``size`` of them spread evenly over the steps
    since the last read (and the newest step): every step while there are few, then every
    2nd, 4th, … step as more are taken. A run taking thousands of steps between two metrics
    messages (batch size 1) so shows its whole stretch thinned, not its newest 256 steps and
    a gap before them."""

    def __init__(self, size: int = MAX_STEP_LOSSES) -> None:
        self.size = size
        self.stride = 1  # the kept steps are multiples of it
        self.kept: list[tuple[int, float]] = []
        self.newest: tuple[int, float] | None = None  # read too: a chart's line reaches now

    def append(self, step: int, loss: float) -> None:
        self.newest = (step, loss)
        if step % self.stride:
            return
        self.kept.append((step, loss))
        if len(self.kept) > self.size:
            self.stride *= 2
            self.kept = [item for item in self.kept if item[0] % self.stride == 0]

    def extend(self, items: Iterable[tuple[int, float]]) -> None:
        for step, loss in items:
            self.append(step, loss)

    def take_after(self, step: int) -> list[tuple[int, float]]:
        """The kept losses of steps after ``step``, oldest first; they are read, and the
        next stretch is kept at every step again."""
        kept, newest = self.kept, self.newest
        if newest is not None and (not kept or kept[-1] != newest):
            kept.append(newest)
        self.kept, self.stride, self.newest = [], 1, None
        return [item for item in kept if item[0] > step]

    def __len__(self) -> int:
        return len(self.kept)

    def __iter__(self) -> Iterator[tuple[int, float]]:
        return iter(self.kept)

    def __getitem__(self, index: int) -> tuple[int, float]:
        return self.kept[index]
