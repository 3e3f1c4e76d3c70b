"""A run's viewers: which views its worker draws for them, and which frame each one gets.

Each viewer asks for its own view (``server.protocol.ViewKey``: a resolution, and the neuron
it hovers). A run's worker draws at most ``MAX_VIEWS`` distinct views: the controllers'
first (the teacher's picture is never someone else's), then the most wanted. A viewer whose
view is not drawn gets the nearest that is: its resolution without the focus, or the first.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from server.protocol import DEFAULT_VIEW, MAX_VIEWS, ViewKey, Watch
from server.run import Run
from server.viewers import Viewer


def choose_views(viewers: Iterable[Viewer]) -> tuple[ViewKey, ...]:
    """The views to draw for these viewers, most important first (none when nobody watches)."""
    viewers = list(viewers)
    if not viewers:
        return ()
    wanted = Counter(viewer.view for viewer in viewers)
    first = sorted({viewer.view for viewer in viewers if viewer.can_control})
    rest = sorted(wanted, key=lambda view: (-wanted[view], view))
    chosen: list[ViewKey] = []
    for view in [*first, *rest]:
        if view not in chosen and len(chosen) < MAX_VIEWS:
            chosen.append(view)
    plain = ViewKey(chosen[0].resolution)
    if plain not in chosen:  # the fallback for viewers left out: the first view, unfocused
        chosen[-1 if len(chosen) == MAX_VIEWS else len(chosen) :] = [plain]
    return tuple(chosen)


def shown_view(view: ViewKey, drawn: tuple[ViewKey, ...]) -> ViewKey:
    """The drawn view a viewer that wants ``view`` gets."""
    if view in drawn or not drawn:
        return view
    plain = ViewKey(view.resolution)
    return plain if plain in drawn else ViewKey(drawn[0].resolution)


def watch_command(run: Run) -> Watch:
    """What the run's worker needs to know of its viewers now."""
    return Watch(run.id, run.views, run.fps, interactive=run.watched)


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
