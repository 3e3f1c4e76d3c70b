"""A run's viewers: which views its worker draws for them, and which frame each one gets.

Each viewer asks for its own view (``server.protocol.ViewKey``: a resolution, and the neuron
it hovers). A run's worker draws at most ``MAX_VIEWS`` distinct views: the controllers'
first (the teacher's picture is never someone else's), then the most wanted. A viewer whose
view is not drawn gets the nearest that is: its resolution without the focus, or the first.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Callable, Iterable

from server.clients import Bucket
from server.messages import SERVER
from server.protocol import DEFAULT_VIEW, MAX_VIEWS, Command, ViewKey, Watch
from server.run import CapacityError, Run
from server.schemas import View
from server.settings import Settings
from server.store import Store
from server.viewers import Viewer
from server.wire import clean, dumps

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


class Audience:
    """Who watches each run: a viewer joins (registered only once what it is first sent is
    ready) and leaves, asks for its own view, and the run's worker is told what to draw."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        runs: dict[str, Run],
        submit: Callable[[Run, Command], None],
    ) -> None:
        self.settings, self.store, self._runs, self._submit = settings, store, runs, submit

    def subscribe(self, run: Run, can_control: bool, client: str = "") -> Viewer:
        """A new viewer of the run, registered only once everything it is first sent (the
        dataset, the status, the history so far, a frame) is ready: a join that fails leaves
        nothing behind."""
        if len(run.viewers) >= self.settings.max_viewers:
            raise CapacityError(SERVER.say("full.viewers", limit=self.settings.max_viewers))
        bucket = Bucket(self.settings.message_rate, self.settings.message_burst)
        viewer = Viewer(can_control, bucket, fps=self.settings.default_fps, client=client)
        viewer.view = capped(viewer.view, run.parameters)
        first = [m for m in (run.dataset, run.features) if m]
        first += [run.status_message(), self._history_message(run)]
        # an old share link's watcher follows on; the owner reopening it (My runs) means it
        if run.moved_to and not can_control:
            first.append(run.moved_message())
        for message in first:
            viewer.offer_message(message)
        frame = latest_frame(run, viewer.view)
        if frame:
            viewer.offer_frame(frame)
        run.viewers.add(viewer)
        run.watched = True
        run.last_seen = time.monotonic()
        self.views_changed(run)
        return viewer

    def _history_message(self, run: Run, max_points: int = 2000) -> str:
        """The run's metrics so far (evenly thinned to ``max_points``), for a new viewer."""
        rows = self.store.metrics(run.id, max_points=max_points)
        return dumps({"type": "history", "rows": clean([tuple(row) for row in rows])})

    def unsubscribe(self, run: Run, viewer: Viewer) -> None:
        if viewer not in run.viewers:
            return
        run.viewers.discard(viewer)
        run.last_seen = time.monotonic()
        if run.id in self._runs:
            self.views_changed(run)

    def set_view(self, run: Run, viewer: Viewer, view: View) -> None:
        """One viewer's own frame rate, resolution, focus and dropout sample: nobody else's
        picture changes."""
        viewer.fps = view.fps or viewer.fps
        if view.metrics is not None:
            viewer.metrics = view.metrics
        if view.steps is not None:
            viewer.steps = view.steps
        focus = viewer.view.focus
        if view.focus is not None:  # -1: none
            focus = view.focus if view.focus >= 0 else None
        sample = viewer.view.dropout_sample if view.dropout_sample is None else view.dropout_sample
        wanted = ViewKey(view.resolution or viewer.view.resolution, focus, sample)
        viewer.view = capped(wanted, run.parameters)
        self.views_changed(run)
        latest = latest_frame(run, viewer.view)  # the best drawn already; its own comes next
        if latest:
            viewer.offer_frame(latest)

    def views_changed(self, run: Run) -> None:
        """Tell the worker when what it must draw changes (and only then)."""
        views = choose_views(run.viewers, run.parameters)
        default = self.settings.default_fps
        fps = max((viewer.fps for viewer in run.viewers), default=default)
        pace = max((v.fps for v in run.viewers if v.can_control), default=default)
        steps = any(viewer.steps for viewer in run.viewers)
        for viewer in run.viewers:  # the run draws at the fastest rate: slower ones skip
            viewer.interval = 0.0 if viewer.fps >= fps else 1.0 / viewer.fps
        if (views, fps, pace, steps) == (run.views, run.fps, run.pace, run.steps):
            return
        run.views, run.fps, run.pace, run.steps = views, fps, pace, steps
        if run.live:  # an ended run draws no more: its last frames stay for its next viewer
            run.frames = {view: frame for view, frame in run.frames.items() if view in views}
        self._submit(run, watch_command(run))

    def broadcast(self, run: Run, message: str | bytes) -> None:
        for viewer in run.viewers:
            viewer.offer_message(message)
