"""Server settings, read from ``NNPG_*`` environment variables."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NNPG_", extra="ignore")

    host: str = Field("127.0.0.1", description="interface `serve` binds to")
    port: int = Field(8000, ge=0, le=65535, description="port `serve` listens on")
    workers: int | None = Field(
        None,
        ge=0,
        le=64,
        description="worker processes; 0 = a thread; `serve` default: one per core",
    )
    default_fps: float = Field(20.0, gt=0, le=60, description="frames per second a viewer gets")
    # limits: going over gets 429/503 with Retry-After, or a websocket close with a reason
    max_runs: int = Field(500, ge=1, description="runs held at once")
    max_viewers: int = Field(200, ge=1, description="viewers of one run")
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
        "a class behind one NAT address shares it",
    )
    # hygiene
    send_deadline: float = Field(5.0, gt=0, description="seconds before a stuck viewer is dropped")
    pause_after: float = Field(15.0, ge=0, description="seconds a watched run plays unwatched")
    idle_ttl: float = Field(1800.0, gt=0, description="seconds an idle run is kept")
    unwatched_limit: float = Field(
        600.0, gt=0, description="seconds a script's endless run trains with nobody looking"
    )
    evict_grace: float = Field(
        60.0, ge=0, description="seconds a new or touched run is safe from eviction"
    )
    allowed_origins: list[str] = Field(
        default_factory=list, description="extra websocket origins; the page's own always passes"
    )
    # persistence
    database: str = Field(
        str(Path.home() / ".nnplayground" / "runs.db"),
        description="the SQLite file runs are stored in (':memory:' keeps nothing)",
    )
    max_body_bytes: int = Field(2_000_000, ge=1024, description="largest request body accepted")
    static_dir: Path = ROOT / "static"
    templates_dir: Path = ROOT / "templates"
