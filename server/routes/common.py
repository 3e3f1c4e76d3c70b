"""What the resource routes (runs, races, sweeps, classes) share: a body read and validated
off the loop, its place in the OpenAPI, a coded field error, the create rate limit, the
answers of a full server, and the check of a `Bearer` control token."""

from __future__ import annotations

import asyncio
from typing import Any, TypeVar

from fastapi import HTTPException, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from engine.messages import Message
from server.messages import refuse
from server.records import token_matches
from server.run import CapacityError, ClientLimitError

Responses = dict[int | str, dict[str, Any]]
Body = TypeVar("Body", bound=BaseModel)
# taking a slot (creating, resuming, forking) can find the client or the server full
FULL: Responses = {
    429: {"description": "this client has its maximum of runs training or starting"},
    503: {"description": "the server holds its maximum of runs"},
}


def json_body(schema: str) -> dict[str, Any]:
    """``openapi_extra`` of a route that reads its body with ``validated_body``: the body is
    the named component schema, required."""
    reference = {"$ref": f"#/components/schemas/{schema}"}
    return {
        "requestBody": {"required": True, "content": {"application/json": {"schema": reference}}}
    }


async def validated_body(request: Request, model: type[Body]) -> Body:
    """The body, validated on a thread: parsing a user's CSV or points is CPU work."""
    raw = await request.body()
    try:
        return await asyncio.to_thread(model.model_validate_json, raw)
    except ValidationError as error:
        problems = [{**e, "loc": ("body", *e["loc"])} for e in error.errors()]
        raise RequestValidationError(problems) from None


def invalid(loc: tuple[str, ...], message: Message) -> RequestValidationError:
    """A 422 whose ``loc`` names the field, its message coded (``field_errors``)."""
    error = ValueError(message)
    return RequestValidationError(
        [{"loc": loc, "msg": str(message), "type": "value_error", "ctx": {"error": error}}]
    )


async def rate_limit(request: Request) -> None:
    """Each client may create ``creates_per_minute`` runs a minute: else 429. (Async: on
    the loop, as every use of the buckets.)"""
    request.app.state.create_rates.check(request)


def rate_limit_more(request: Request, runs: int) -> None:
    """A request that makes ``runs`` more runs than the one ``rate_limit`` counted (a race's
    other lanes, replicates): each counts against the create rate too."""
    for _ in range(runs):
        request.app.state.create_rates.check(request)


def full(error: CapacityError) -> HTTPException:
    """429 for a client over its own share, 503 for a full server; both say when to retry."""
    code = 429 if isinstance(error, ClientLimitError) else 503
    return refuse(code, error, {"Retry-After": "30"})


def bearer_holds(authorization: str | None, token_hash: str) -> bool:
    """Whether an `Authorization: Bearer <token>` header carries the token of this hash."""
    scheme, _, token = (authorization or "").partition(" ")
    return scheme.lower() == "bearer" and token_matches(token.strip(), token_hash)
