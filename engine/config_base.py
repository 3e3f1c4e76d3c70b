"""What the config's models share (``engine.config``, ``engine.data_config``): strict models,
a name checked against a registry, and whether a config is being read back from the store."""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationInfo

STORED = {"stored": True}


def stored(info: ValidationInfo) -> bool:
    return bool(info.context and info.context.get("stored"))


def member_of(registry: Mapping[str, object], *extra: str) -> AfterValidator:
    def check(name: str) -> str:
        if name not in extra:
            registry[name]  # raises, listing the valid names
        return name

    return AfterValidator(check)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, validate_default=True)
