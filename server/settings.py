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
    max_runs: int = Field(500, ge=1, description="runs held in memory at once")
    default_fps: float = Field(20.0, gt=0, le=60, description="frames per second a viewer gets")
    send_deadline: float = Field(5.0, gt=0, description="seconds before a stuck viewer is dropped")
    static_dir: Path = ROOT / "static"
    templates_dir: Path = ROOT / "templates"
