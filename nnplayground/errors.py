"""What the client raises: the server's refusals, and a wait that could never end."""

from __future__ import annotations

from typing import Any

import httpx

Json = dict[str, Any]


class RunStalled(RuntimeError):
    """``wait`` on a run that cannot end by itself: ``run`` is the run as last read (its
    ``status``: ``paused``, ``created``, or ``running`` with no stop rule)."""

    def __init__(self, run: Json, why: str) -> None:
        super().__init__(f"run {run['id']} {why}")
        self.run = run


def check_can_end(run: Json, unstarted: bool, forever: bool) -> None:
    """Raise ``RunStalled`` when waiting for ``run`` to end would never return."""
    training = run["config"]["training"]
    rules = (training.get(rule) for rule in ("max_epochs", "target_loss", "early_stopping"))
    if run["status"] == "paused":
        raise RunStalled(run, f"is paused at epoch {run['epoch']}: resume() it, then wait")
    if run["status"] == "created" and unstarted:
        raise RunStalled(run, "was made with start=False: resume() it, then wait")
    if forever and all(rule is None for rule in rules):
        raise RunStalled(
            run,
            "has no stop rule (max_epochs, target_loss, early_stopping): it trains until "
            "stopped; pass wait() a timeout, or cancel() it",
        )


class ApiError(RuntimeError):
    """The server said no: ``status`` is the HTTP status, ``detail`` its explanation (a 422's:
    the list of field errors), ``code`` and ``params`` the refusal's code and parameters
    (docs/messages.md; None and {} when it has none, as a 422: each field error has its own)."""

    def __init__(
        self,
        status: int,
        detail: Any,
        code: str | None = None,
        params: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(f"{status}: {detail}")
        self.status, self.detail = status, detail
        self.code, self.params = code, params or {}


def refusal(response: httpx.Response) -> ApiError:
    """The ``ApiError`` of a refusal: its detail, code and parameters when the body has them."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return ApiError(response.status_code, response.text)
    params = body.get("params")
    return ApiError(
        response.status_code,
        body.get("detail", response.text),
        body.get("code"),
        params if isinstance(params, dict) else None,
    )
