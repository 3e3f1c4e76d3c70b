"""A small client for the REST API (docs/api.md), for notebooks, scripts and autograders.

>>> client = Client("http://127.0.0.1:8000")
>>> run = client.create({"data": {"dataset": "spiral"}, "training": {"max_epochs": 200}})
>>> client.wait(run["id"])["status"]
'succeeded'

The client keeps the control token of each run (and sweep) it creates, so ``pause``,
``resume``, ``cancel`` and ``delete`` need only the id (pass ``token=`` for a run made
elsewhere), and ``runs()`` lists the runs it holds tokens for (every run with the server's
``admin_token``).
A 429 or 503 with ``Retry-After`` (a busy server) is retried after that wait, a few times.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx

from nnplayground.errors import ApiError, Json, RunStalled, check_can_end, refusal

__all__ = ["ApiError", "Client", "Json", "RunStalled"]
MAX_TOKENS = 100  # tokens the server reads from one listing request
ENDED = frozenset({"succeeded", "failed", "diverged", "cancelled", "interrupted"})
SWEEP_ENDED = frozenset({"finished", "cancelled", "interrupted"})


class Client:
    def __init__(
        self,
        base_url: str = "http://127.0.0.1:8000",
        *,
        timeout: float = 30.0,
        http: httpx.Client | None = None,
        admin_token: str | None = None,
        retries: int = 3,
    ) -> None:
        self.http = http or httpx.Client(base_url=base_url, timeout=timeout)
        self.tokens: dict[str, str] = {}
        self.unstarted: set[str] = set()  # runs made with start=False and not resumed since
        self.admin_token, self.retries = admin_token, retries

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.http.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        if "json" in kwargs:
            kwargs["json"] = plain(kwargs["json"])
        for _ in range(self.retries):
            response = self.http.request(method, f"/api{path}", **kwargs)
            wait = _retry_after(response)
            if wait is None:
                break
            time.sleep(wait)
        else:
            response = self.http.request(method, f"/api{path}", **kwargs)
        if response.status_code >= 400:
            raise refusal(response)
        return response

    def _control(self, run_id: str, token: str | None) -> dict[str, str]:
        """The control token of a run or sweep this client made (or ``token``)."""
        token = token or self.tokens.get(run_id)
        if token is None:
            raise ValueError(f"no control token for {run_id!r}: pass token=")
        return {"Authorization": f"Bearer {token}"}

    # -- runs ------------------------------------------------------------------------

    def create(
        self,
        config: Json | Any = None,
        *,
        name: str | None = None,
        start: bool = True,
        speed: float | None = None,
    ) -> Json:
        """A new run (trained in the background when ``start``); its id is ``run["id"]``.
        ``config``: a dict, or the engine's ``ExperimentConfig`` (any body may hold NumPy
        arrays and numbers: they are sent as lists and numbers)."""
        body = {"config": config or {}, "name": name, "start": start, "speed": speed}
        run: Json = self._call("POST", "/runs", json=body).json()
        self._keep(run, start)
        return run

    def get(self, run_id: str) -> Json:
        run: Json = self._call("GET", f"/runs/{run_id}").json()
        return run

    def runs(self, status: str | None = None, limit: int = 50) -> list[Json]:
        """The newest runs (optionally of one status) that this client holds tokens for:
        those it created, or every run with ``admin_token``."""
        params = {"limit": limit, **({"status": status} if status else {})}
        if self.admin_token:
            groups = [[self.admin_token]]
        else:
            held = list(self.tokens.values())[::-1]  # the newest first
            groups = [held[k : k + MAX_TOKENS] for k in range(0, len(held), MAX_TOKENS)]
        found: list[Json] = []
        for group in groups:
            headers = {"Authorization": "Bearer " + ",".join(group)}
            found += self._call("GET", "/runs", params=params, headers=headers).json()["runs"]
        found.sort(key=lambda run: run["created_at"], reverse=True)
        return found[:limit]

    def wait(self, run_id: str, timeout: float | None = None, poll: float = 0.2) -> Json:
        """Poll until the run has ended (succeeded, diverged, …); returns the run. A run that
        cannot end by itself raises ``RunStalled`` instead of waiting forever: paused, not
        started (made with ``start=False``), or, without ``timeout``, with no stop rule."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while (run := self.get(run_id))["status"] not in ENDED:
            check_can_end(run, run_id in self.unstarted, timeout is None)
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"run {run_id} is still {run['status']} at epoch {run['epoch']}")
            time.sleep(poll)
        return run

    def metrics(
        self, run_id: str, since_epoch: int | None = None, max_points: int | None = None
    ) -> dict[str, list[float | None]]:
        """The history as columns: ``{"epoch": [...], "train_loss": [...], ...}``."""
        params = {
            k: v
            for k, v in (("since_epoch", since_epoch), ("max_points", max_points))
            if v is not None
        }
        columns: dict[str, list[float | None]] = self._call(
            "GET", f"/runs/{run_id}/metrics", params=params
        ).json()
        return columns

    def model(self, run_id: str) -> Json:
        model: Json = self._call("GET", f"/runs/{run_id}/model").json()
        return model

    def predict(self, run_id: str, points: list[list[float]]) -> Json:
        """``{"outputs": [[...], ...], "labels": [...] or None, ...}`` at the given points."""
        prediction: Json = self._call(
            "POST", f"/runs/{run_id}/predict", json={"points": points}
        ).json()
        return prediction

    def export(self, run_id: str, format: str = "numpy") -> str:
        """A self-contained Python file (``numpy`` or ``pytorch``) with the trained network."""
        return self._call("GET", f"/runs/{run_id}/export", params={"format": format}).text

    def picture(self, run_id: str, size: int = 400, test: bool = False) -> bytes:
        """The decision boundary as PNG bytes (``IPython.display.Image(data=...)``)."""
        params = {"size": size, "test": test}
        return self._call("GET", f"/runs/{run_id}/boundary.png", params=params).content

    # -- time travel -----------------------------------------------------------------

    def states(self, run_id: str) -> list[Json]:
        """The kept epochs, oldest first: ``[{"epoch", "step", "bytes"}, ...]``."""
        kept: list[Json] = self._call("GET", f"/runs/{run_id}/states").json()["states"]
        return kept

    def state(self, run_id: str, epoch: int) -> Json:
        """The network at a kept epoch, as ``model`` gives it."""
        model: Json = self._call("GET", f"/runs/{run_id}/states/{epoch}").json()
        return model

    def fork(
        self,
        run_id: str,
        epoch: int | None = None,
        changes: Json | None = None,
        *,
        start: bool = False,
    ) -> Json:
        """A new run from the kept state at ``epoch`` (default: the latest), with ``changes``
        to its config (nested as in the config); its token is remembered, as ``create``'s."""
        body = {"epoch": epoch, "changes": changes or {}, "start": start}
        run: Json = self._call("POST", f"/runs/{run_id}/fork", json=body).json()
        self._keep(run, start)
        return run

    def _keep(self, run: Json, start: bool) -> None:
        """Remember a new run's token, and that it waits for ``resume`` when not ``start``."""
        self.tokens[run["id"]] = run["control_token"]
        if not start:
            self.unstarted.add(run["id"])

    # -- control ---------------------------------------------------------------------

    def pause(self, run_id: str, token: str | None = None) -> Json:
        return self._post_control(run_id, "pause", token)

    def resume(self, run_id: str, token: str | None = None, play: bool = True) -> Json:
        """Train on; an ``interrupted`` run comes back from its checkpoint (paused, when not
        ``play``)."""
        return self._post_control(run_id, "resume", token, {"play": play})

    def cancel(self, run_id: str, token: str | None = None) -> Json:
        return self._post_control(run_id, "cancel", token)

    def _post_control(
        self, run_id: str, action: str, token: str | None, params: dict[str, Any] | None = None
    ) -> Json:
        headers = self._control(run_id, token)
        path = f"/runs/{run_id}/{action}"
        run: Json = self._call("POST", path, headers=headers, params=params).json()
        if run["status"] != "created":
            self.unstarted.discard(run_id)
        return run

    def delete(self, run_id: str, token: str | None = None) -> None:
        self._call("DELETE", f"/runs/{run_id}", headers=self._control(run_id, token))
        self.tokens.pop(run_id, None)

    # -- sweeps ----------------------------------------------------------------------

    def sweep(
        self,
        config: Json | Any = None,
        *,
        grid: dict[str, list[Any]] | None = None,
        random: dict[str, Any] | None = None,
        seeds: int | list[int] | None = None,
        trials: int | None = None,
        metric: str = "test_loss",
        **more: Any,
    ) -> Json:
        """Start a sweep (docs/api.md, *Sweeps*): ``config`` with each ``grid`` combination
        and ``random`` draw, once per seed; ``more``: ``samples``, ``executor``, ``name``,
        ``sample_seed``. Its id is ``sweep["id"]``; the client keeps its control token."""
        body: Json = {"config": config or {}, "grid": grid or {}, "random": random or {}}
        body |= {"seeds": seeds, "trials": trials, "metric": metric, **more}
        sweep: Json = self._call("POST", "/sweeps", json=body).json()
        self.tokens[sweep["id"]] = sweep["control_token"]
        return sweep

    def get_sweep(self, sweep_id: str) -> Json:
        """The sweep and its trials: each one's ``params``, ``status``, ``result``, ``score``."""
        sweep: Json = self._call("GET", f"/sweeps/{sweep_id}").json()
        return sweep

    def sweep_csv(self, sweep_id: str) -> str:
        """The trials as CSV, one row each."""
        headers = {"Accept": "text/csv"}
        return self._call("GET", f"/sweeps/{sweep_id}", headers=headers).text

    def wait_sweep(
        self,
        sweep_id: str,
        timeout: float | None = None,
        poll: float = 0.5,
        progress: Callable[[Json], None] | None = None,
    ) -> Json:
        """Poll until the sweep has ended (finished, cancelled, interrupted); ``progress``
        gets the sweep at each poll. Returns the sweep."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            sweep = self.get_sweep(sweep_id)
            if progress is not None:
                progress(sweep)
            if sweep["status"] in SWEEP_ENDED:
                return sweep
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"sweep {sweep_id} is still {sweep['status']}")
            time.sleep(poll)

    def cancel_sweep(self, sweep_id: str, token: str | None = None) -> Json:
        return self._sweep_control(sweep_id, "cancel", token)

    def resume_sweep(self, sweep_id: str, token: str | None = None) -> Json:
        """Train an interrupted sweep's unfinished trials on."""
        return self._sweep_control(sweep_id, "resume", token)

    def _sweep_control(self, sweep_id: str, action: str, token: str | None) -> Json:
        headers = self._control(sweep_id, token)
        sweep: Json = self._call("POST", f"/sweeps/{sweep_id}/{action}", headers=headers).json()
        return sweep


def plain(value: Any) -> Any:
    """A notebook's value as JSON takes it: a pydantic model (the engine's
    ``ExperimentConfig``) as its fields, a NumPy array or number as lists and numbers."""
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    return value


def _retry_after(response: httpx.Response, longest: float = 60.0) -> float | None:
    """Seconds to wait before trying again, for a 429 or 503 that says so; else None."""
    if response.status_code not in (429, 503):
        return None
    try:
        wait = float(response.headers.get("retry-after", ""))
    except ValueError:
        return None
    return wait if 0 <= wait <= longest else None
