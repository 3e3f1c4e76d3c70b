"""A run's viewers: which views its worker draws for them, and which frame each one gets.

Each viewer asks for its own view (``server.protocol.ViewKey``: a resolution, and the neuron
it hovers). A run's worker draws at most ``MAX_VIEWS`` distinct views: the controllers'
first (the teacher's picture is never someone else's), then the most wanted. A viewer whose
view is not drawn gets the nearest that is: its resolution without the focus, or the first.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable

from server.protocol import DEFAULT_VIEW, MAX_VIEWS, ViewKey, Watch
from server.run import Run
from server.viewers import Viewer

# Multiply-adds a run's frame may cost its worker, all views together (about 15-30 ms here):
# a big network's pictures are drawn coarser, and its viewers share fewer views, so no
# viewer's choice of resolution or focus can hold up the other runs on the worker.
FRAME_BUDGET = 5e8
MIN_RESOLUTION = 10


def max_resolution(parameters: int) -> int:
    """The finest grid one view of a network with ``parameters`` weights may be drawn at."""
    return max(MIN_RESOLUTION, int(math.sqrt(FRAME_BUDGET / max(parameters, 1))))


def capped(view: ViewKey, parameters: int) -> ViewKey:
    resolution = min(view.resolution, max_resolution(parameters))
    return ViewKey(resolution, view.focus, view.dropout_sample)


def choose_views(viewers: Iterable[Viewer], parameters: int = 0) -> tuple[ViewKey, ...]:
    """The views to draw for these viewers, most important first (none when nobody watches),
    within ``FRAME_BUDGET`` for a network of ``parameters`` weights."""
    viewers = list(viewers)
    if not viewers:
        return ()
    wanted = Counter(viewer.view for viewer in viewers)
    first = sorted({viewer.view for viewer in viewers if viewer.can_control}, key=_order)
    rest = sorted(wanted, key=lambda view: (-wanted[view], *_order(view)))
    chosen: list[ViewKey] = []
    spent, pixel = 0.0, max(parameters, 1)
    for view in [*first, *rest]:
        fits = not chosen or spent + view.resolution**2 * pixel <= FRAME_BUDGET
        if view not in chosen and len(chosen) < MAX_VIEWS and fits:
            chosen.append(view)
            spent += view.resolution**2 * pixel
    plain = ViewKey(chosen[0].resolution)  # for viewers left out: the first view, unfocused
    if plain not in chosen and len(chosen) > 1:
        chosen[-1] = plain
    elif plain not in chosen and spent + plain.resolution**2 * pixel <= FRAME_BUDGET:
        chosen.append(plain)
    return tuple(chosen)


def _order(view: ViewKey) -> tuple[int, int, bool]:
    """A fixed order of views (an unfocused one first), so equal wishes pick equal views."""
    return (view.resolution, -1 if view.focus is None else view.focus, view.dropout_sample)


def shown_view(view: ViewKey, drawn: tuple[ViewKey, ...]) -> ViewKey:
    """The drawn view a viewer that wants ``view`` gets."""
    if view in drawn or not drawn:
        return view
    plain = ViewKey(view.resolution)
    return plain if plain in drawn else ViewKey(drawn[0].resolution)


def watch_command(run: Run) -> Watch:
    """What the run's worker needs to know of its viewers now."""
    return Watch(
        run.id, run.views, run.fps, interactive=run.watched, pace=run.pace, steps=run.steps
    )


def latest_frame(run: Run, view: ViewKey) -> bytes | None:
    """The newest frame a viewer of ``view`` can be shown now."""
    frame = run.frames.get(shown_view(view, run.views))
    if frame is None:
        frame = run.frames.get(DEFAULT_VIEW) or next(iter(run.frames.values()), None)
    return frame


def deliver_frame(run: Run, view: ViewKey, frame: bytes) -> None:
    run.frames[view] = frame
    for viewer in run.viewers:
        if shown_view(viewer.view, run.views) == view:
            viewer.offer_frame(frame)
