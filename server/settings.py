"""Server settings, read from ``NNPG_*`` environment variables."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NNPG_", extra="ignore")

    host: str = Field("127.0.0.1", description="interface `serve` binds to")
    port: int = Field(8000, ge=0, le=65535, description="port `serve` listens on")
    workers: int | None = Field(
        None,
        ge=0,
        le=64,
        description="worker processes; 0 = a thread; `serve` default: one per core (with "
        "NNPG_RAY_ADDRESS: Ray actors; unset or 0: one per CPU of the cluster)",
    )
    default_fps: float = Field(20.0, gt=0, le=60, description="frames per second a viewer gets")
    # limits: going over gets 429/503 with Retry-After, or a websocket close with a reason
    max_runs: int = Field(500, ge=1, description="runs held at once")
    max_viewers: int = Field(200, ge=1, description="viewers of one run")
    max_students: int = Field(200, ge=1, description="students of one class")
    students_per_client: int = Field(
        40,
        ge=1,
        description="students one client (one address) may join to one class: a whole class "
        "behind one school NAT joins, a script cannot fill a class (a bigger class behind "
        "one address raises it)",
    )
    classes_per_client: int = Field(
        20,
        ge=1,
        description="classes one client (one address) may hold at once: a script cannot make "
        "classes without end; the teachers of a school behind one NAT address share it",
    )
    max_parameters: int = Field(100_000, ge=10, description="parameter budget of one network")
    max_message_bytes: int = Field(4096, ge=64, description="largest websocket message accepted")
    message_rate: float = Field(30.0, gt=0, description="websocket messages a second, sustained")
    message_burst: int = Field(60, ge=1, description="websocket messages allowed in a burst")
    max_strikes: int = Field(20, ge=1, description="bad messages before a socket is closed (1008)")
    creates_per_minute: int = Field(120, ge=1, description="runs one client may create a minute")
    max_runs_per_client: int = Field(
        100,
        ge=1,
        description="runs one client (one address) may have training or starting at once; "
        "a class behind one NAT address shares it, save runs made through the class's routes "
        "(each member has its own)",
    )
    reads_per_minute: int = Field(
        120,
        ge=1,
        description="heavy reads (picture, model, export, predict, metrics, a kept state, "
        "inspect) a minute",
    )
    reads_burst: int = Field(30, ge=1, description="heavy reads one client may make at once")
    heavy_concurrency: int = Field(
        2, ge=1, le=64, description="heavy reads computed at once, server-wide"
    )
    heavy_queue: int = Field(
        16, ge=0, description="heavy reads waiting for a turn; past that, 503 + Retry-After"
    )
    share_lookups_per_minute: int = Field(
        20, ge=1, description="share codes one client may look up a minute"
    )
    # sweeps
    max_sweep_trials: int = Field(1000, ge=1, description="trials one sweep may have")
    sweeps_per_client: int = Field(
        4, ge=1, description="sweeps one client may have running at once (429 past it)"
    )
    sweep_retries: int = Field(
        2, ge=0, le=100, description="times a trial is tried again after its worker died"
    )
    ray_address: str | None = Field(
        None,
        description="a Ray cluster to train on: 'auto', an address, or 'local' (a cluster "
        "started on this machine); none: this machine's worker processes only",
    )
    # hygiene
    send_deadline: float = Field(
        5.0, gt=0, description="seconds a send may hang before its viewer is dropped (within 1.5×)"
    )
    pause_after: float = Field(15.0, ge=0, description="seconds a watched run plays unwatched")
    idle_ttl: float = Field(1800.0, gt=0, description="seconds an idle run is kept")
    unwatched_limit: float = Field(
        600.0, gt=0, description="seconds a script's endless run trains with nobody looking"
    )
    evict_grace: float = Field(
        60.0, ge=0, description="seconds a new or touched run is safe from eviction"
    )
    allowed_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="extra websocket origins; the page's own always passes"
    )
    # who may ask
    allowed_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Host names answered besides localhost, 127.0.0.1, [::1] and `host` "
        "(and any IP address when serving on 0.0.0.0); '*' answers any",
    )
    forwarded_allow_ips: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="proxies whose X-Forwarded-For is believed; none: the peer's address",
    )
    admin_token: str | None = Field(
        None, min_length=16, description="a token that lists every run (GET /api/runs)"
    )
    # persistence
    database: str = Field(
        str(Path.home() / ".nnplayground" / "runs.db"),
        description="the SQLite file runs are stored in (':memory:' keeps nothing)",
    )
    state_bytes_per_run: int = Field(
        4_000_000,
        ge=0,
        description="bytes of kept states (time travel, forks) stored per run; older epochs "
        "are thinned to fit",
    )
    max_body_bytes: int = Field(2_000_000, ge=1024, description="largest request body accepted")
    static_dir: Path = ROOT / "static"
    templates_dir: Path = ROOT / "templates"

    @field_validator("allowed_origins", "allowed_hosts", "forwarded_allow_ips", mode="before")
    @classmethod
    def _names(cls, value: object) -> object:
        """A JSON list, or names separated by commas or spaces."""
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [name for name in text.replace(",", " ").split() if name]
        return value
