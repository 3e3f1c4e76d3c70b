"""The teaching views' numbers for a live run: ``POST /api/runs/{run_id}/inspect``.

A heavy read (``server.heavy``): limited per client and server-wide like the results'. The
numbers come from the run's worker (``server.inspections``): they need the trainer as it
trains, so only a live run can be inspected.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field

from server.deps import FoundRun, Manager
from server.heavy import BUSY, HeavyRead
from server.inspect_schemas import KINDS, InspectBody
from server.inspections import Misfit, framed
from server.messages import SERVER, refuse
from server.routes.runs import NOT_FOUND
from server.run import ConflictError

router = APIRouter(prefix="/api/runs", tags=["results"])
RESPONSES: dict[int | str, dict[str, Any]] = {
    **NOT_FOUND,
    **BUSY,
    409: {"description": "the run is not live (it ended, or is not held in memory)"},
}


class Inspection(BaseModel):
    kind: str = Field(description=" | ".join(KINDS))
    epoch: int = Field(description="the run's epoch when the numbers were taken")
    step: int
    data: dict[str, Any] = Field(description="the numbers (docs/api.md); non-finite ones null")


def _refused(kind: str, field: str, message: str) -> RequestValidationError:
    """A 422 shaped as the body's own validation errors: ``loc`` names the field."""
    loc = ("body", kind, field) if field else ("body", kind)
    return RequestValidationError([{"loc": loc, "msg": message, "type": "value_error"}])


@router.post("/{run_id}/inspect", response_model=Inspection, responses=RESPONSES)
async def inspect(found: FoundRun, manager: Manager, _: HeavyRead, body: InspectBody) -> Response:
    """What the teaching page shows of the network now: a point's way through it
    (``probe``), a layer's z (``activations``), the gradient's norms (``gradients``), one
    weight's next update (``update``) or its chain rule (``chain``)."""
    run = found.live
    if run is None:
        raise refuse(409, SERVER.say("inspect.not_live", status=found.record.status))
    try:
        answer = await manager.inspections.ask(run, body)
    except ConflictError as error:
        raise refuse(409, error) from None
    except Misfit as misfit:
        raise _refused(body.kind, misfit.field, misfit.message) from None
    except TimeoutError:
        said = SERVER.say("inspect.no_answer")
        raise refuse(503, said, {"Retry-After": "2"}) from None
    if answer.error is not None:
        if not answer.refused:
            raise RuntimeError(answer.error)  # a bug, logged by the worker: a 500
        field, colon, message = answer.error.partition(": ")
        named = colon and field.isidentifier()  # the engine names the field it refuses
        raise _refused(body.kind, field if named else "", message if named else answer.error)
    head = {"kind": body.kind, "epoch": answer.epoch, "step": answer.step}
    return Response(framed(head, answer.data), media_type="application/json")
