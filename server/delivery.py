"""Results from the workers, applied on the event loop: one handler per result class.

Each result is applied on its own: one that breaks (a number JSON cannot carry, a store
error) fails its own run, logged, and the rest of the batch goes on. Nothing a result holds
reaches a viewer as NaN or Infinity: rows and messages are cleaned before they are sent.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Callable
from typing import Any, Generic, TypeVar

import numpy as np

from engine.config import LiveChanges
from server import protocol as p
from server.audience import deliver_frame
from server.messages import fields
from server.records import config_json
from server.run import Run
from server.store import Store
from server.wire import clean, dumps

log = logging.getLogger(__name__)
Weights = tuple[int, int, np.ndarray]  # epoch, step, flat parameters
T = TypeVar("T")


class Requests(Generic[T]):
    """Answers the event loop waits for from a worker, by request number."""

    def __init__(self) -> None:
        self._ids = itertools.count()
        self._waiting: dict[int, asyncio.Future[T]] = {}

    def open(self) -> tuple[int, asyncio.Future[T]]:
        request = next(self._ids)
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._waiting[request] = future
        return request, future

    def close(self, request: int) -> None:
        self._waiting.pop(request, None)

    def answer(self, request: int, value: T) -> None:
        future = self._waiting.get(request)
        if future is not None and not future.done():
            future.set_result(value)


class Delivery:
    def __init__(
        self,
        runs: dict[str, Run],
        store: Store,
        requests: Requests[Weights],
        set_status: Callable[[Run, p.Status], None],
        inspections: Requests[p.Inspected] | None = None,
    ) -> None:
        self._runs, self._store, self._requests = runs, store, requests
        self._inspections = inspections or Requests()
        self._set_status = set_status
        self.trials: Callable[[p.TrialReport], None] = _nobody  # a sweep manager's
        self._handlers: dict[type[p.Result], Callable[[Run, Any], None]] = {
            p.Frame: self._frame,
            p.Features: self._features,
            p.Dataset: self._dataset,
            p.Status: set_status,
            p.Rows: self._rows,
            p.Saved: self._saved,
            p.Weights: self._weights,
            p.Notice: self._notice,
            p.Tuned: self._tuned,
        }

    def __call__(self, results: list[p.Result]) -> None:
        for result in results:
            run = self._runs.get(result.run_id)
            if isinstance(result, p.Inspected):  # its asker waits, whatever became of the run
                self._inspections.answer(result.request, result)
                continue
            if isinstance(result, p.TrialReport):  # a sweep's trial, not a live run
                self._trial(result)
                continue
            if run is None:
                continue  # removed while the worker was busy with it
            try:
                self._handlers[type(result)](run, result)
            except Exception as error:
                log.exception("run %s: %s could not be applied", run.id, type(result).__name__)
                self._fail(run, error)

    def _trial(self, report: p.TrialReport) -> None:
        try:
            self.trials(report)
        except Exception:
            log.exception("trial %s: its report could not be applied", report.run_id)

    def _fail(self, run: Run, error: Exception) -> None:
        if not run.live:
            return
        reason = f"the server could not handle this run's results ({type(error).__name__})"
        try:
            self._set_status(run, p.Status(run.id, "failed", run.epoch, run.step, error=reason))
        except Exception:
            log.exception("run %s: could not be marked failed", run.id)

    def _frame(self, run: Run, frame: p.Frame) -> None:
        if frame.step >= run.step:  # a frame drawn in pieces may show an earlier moment
            run.epoch, run.step = frame.epoch, frame.step
        deliver_frame(run, frame.view, frame.data)

    def _features(self, run: Run, features: p.Features) -> None:
        run.features = features.data
        _broadcast(run, features.data)

    def _dataset(self, run: Run, dataset: p.Dataset) -> None:
        run.dataset = dumps(clean(dataset.message))
        run.examples = len(dataset.message["train"])  # what an inspection may name
        _broadcast(run, run.dataset)

    def _rows(self, run: Run, rows: p.Rows) -> None:
        if rows.reset:  # back to its start (a reset): its count too
            self._store.clear_metrics(run.id)
            run.latest = None
            run.epoch = run.step = 0
        self._store.append_metrics(run.id, rows.rows)
        if rows.rows:
            run.latest = rows.rows[-1]
            run.epoch, run.step = run.latest[:2]
        wanted = [viewer for viewer in run.viewers if viewer.metrics]
        if wanted:  # the loss chart gets every epoch, not only those with a frame
            message = {
                "type": "metrics",
                "rows": clean(rows.rows),
                "reset": rows.reset,
                "batches": clean([tuple(pair) for pair in rows.batches]),  # not lists: see clean
            }
            text = dumps(message)
            for viewer in wanted:
                viewer.offer_message(text)

    def _saved(self, run: Run, saved: p.Saved) -> None:
        self._store.save_checkpoint(run.id, saved.epoch, saved.step, saved.state, saved.kept)

    def _weights(self, run: Run, weights: p.Weights) -> None:
        self._requests.answer(weights.request, (weights.epoch, weights.step, weights.params))

    def _tuned(self, run: Run, tuned: p.Tuned) -> None:
        """The run's config follows its live changes (a resume, a classmate's copy and a new
        viewer's controls start from it), and every viewer's controls show them."""
        config = run.body.config.with_live(LiveChanges.model_validate(tuned.changes))
        run.body = run.body.model_copy(update={"config": config})
        self._store.update_run(run.id, config=config_json(config))
        _broadcast(run, dumps({"type": "settings", "changes": clean(tuned.changes)}))

    def _notice(self, run: Run, notice: p.Notice) -> None:
        # each type spelled out: tests/server/test_docs.py reads the types sent off the source
        message = {"type": "error" if notice.error else "notice", **fields(notice.message)}
        _broadcast(run, dumps(message))


def _nobody(report: p.TrialReport) -> None:
    log.warning("trial %s reported with no sweep manager to hear it", report.run_id)


def _broadcast(run: Run, message: str | bytes) -> None:
    for viewer in run.viewers:
        viewer.offer_message(message)
