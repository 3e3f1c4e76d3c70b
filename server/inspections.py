"""Inspections on the event loop: a REST request waits for its answer; a viewer's go one at a
time, answered to that viewer alone.

The numbers are computed in the run's worker (``server.inspect_worker``); here a request is
checked against the run (live, and asking for layers, units and examples it has: else
``ConflictError`` or ``Misfit`` at once, before any worker is bothered), sent as an
``Inspect``, and its ``Inspected`` answer framed for the asker. A viewer has at most one
inspection in its worker: one it sends meanwhile waits, and a newer one replaces it (the
page wants the numbers of what it shows now), so a flood of them costs the worker one at a
time and never delays anybody's frames.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from typing import Any

from server import protocol as p
from server.delivery import Requests
from server.inspect_schemas import AnyInspectMessage, AnyInspectRequest, engine_params, misfit
from server.messages import SERVER, fields
from server.run import ConflictError, Run
from server.viewers import Viewer
from server.wire import dumps

ANSWER_SECONDS = 5.0  # a worker that has not answered by then (busy, or gone) never will


class Misfit(ValueError):
    """The request names a layer, unit or example the run has not (a 422 naming ``field``)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message


def framed(head: dict[str, Any], data: str) -> str:
    """``head`` as JSON with ``data``, JSON text the worker encoded already, as its last key."""
    return f'{dumps(head)[:-1]},"data":{data}}}'


class Inspections:
    def __init__(self, submit: Callable[[Run, p.Command], None]) -> None:
        self.requests: Requests[p.Inspected] = Requests()
        self._submit = submit
        # viewers with an inspection in the worker, each with the one it sent since (if any)
        self._busy: dict[Viewer, AnyInspectMessage | None] = {}

    def check(self, run: Run, request: AnyInspectRequest) -> None:
        """Refuse what cannot be answered: a run that is not live, or a part it has not."""
        if not run.live:
            raise ConflictError(SERVER.say("inspect.not_live", status=run.status))
        found = misfit(request, run.sizes, run.examples)
        if found:
            raise Misfit(*found)

    async def ask(
        self, run: Run, request: AnyInspectRequest, timeout: float = ANSWER_SECONDS
    ) -> p.Inspected:
        """The answer (``TimeoutError`` when the worker is too busy, or gone)."""
        self.check(run, request)
        number, future = self.requests.open()
        self._submit(run, _command(run, number, request))
        try:
            return await asyncio.wait_for(future, timeout)
        finally:
            self.requests.close(number)

    def offer(self, run: Run, viewer: Viewer, message: AnyInspectMessage) -> None:
        """A viewer's inspection: sent now, or (one of its own in the worker) the one that
        waits, replacing any that waited."""
        self.check(run, message)
        if viewer in self._busy:
            self._busy[viewer] = message
            return
        self._start(run, viewer, message)

    def _start(self, run: Run, viewer: Viewer, message: AnyInspectMessage) -> None:
        number, future = self.requests.open()
        self._busy[viewer] = None
        timer = asyncio.get_running_loop().call_later(ANSWER_SECONDS, future.cancel)
        done = functools.partial(
            self._answered, run=run, viewer=viewer, message=message, number=number, timer=timer
        )
        future.add_done_callback(done)
        self._submit(run, _command(run, number, message))

    def _answered(
        self,
        future: asyncio.Future[p.Inspected],
        *,
        run: Run,
        viewer: Viewer,
        message: AnyInspectMessage,
        number: int,
        timer: asyncio.TimerHandle,
    ) -> None:
        """Tell the viewer, then send the inspection that waited, if it still may."""
        timer.cancel()
        self.requests.close(number)
        if future.cancelled():
            late = fields(SERVER.say("inspect.no_answer"))
            text = dumps({"type": "error", "id": message.id, **late})
        else:
            text = answer_message(message, future.result())
        viewer.offer_message(text)
        waiting = self._busy.pop(viewer, None)
        if waiting is None or viewer not in run.viewers or viewer.closing:
            return
        try:
            self.check(run, waiting)
        except (ConflictError, Misfit) as error:
            viewer.offer_message(dumps({"type": "error", "id": waiting.id, **fields(error)}))
            return
        self._start(run, viewer, waiting)


def answer_message(message: AnyInspectMessage, answer: p.Inspected) -> str:
    """The ``inspection`` message for a viewer, or the ``error`` that stands for it."""
    if answer.error is not None:
        return dumps({"type": "error", "id": message.id, "message": answer.error})
    head = {
        "type": "inspection",
        "id": message.id,
        "kind": message.kind,
        "epoch": answer.epoch,
        "step": answer.step,
    }
    return framed(head, answer.data)


def _command(run: Run, number: int, request: AnyInspectRequest) -> p.Inspect:
    return p.Inspect(run.id, number, request.kind, engine_params(request))
