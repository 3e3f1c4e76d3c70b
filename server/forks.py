"""Forks: a new run from another run's kept state at some epoch, with one setting changed.

The fork's trainer is built from the parent's config (as it stood at that epoch, its live
settings read from the state) with ``changes`` merged in, then given the state: the same
weights, optimizer moments, random generators and stopping memory. Unchanged, it trains on
exactly as the parent did from there.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from engine.config import ExperimentConfig, LiveChanges
from engine.messages import Message
from engine.snapshot import from_bytes, to_bytes
from server.messages import SERVER
from server.records import RunRecord
from server.schemas import ForkCreate, RunCreate
from server.states import Kept
from server.store import Store

NEAREST = 3  # kept epochs an error names, either side of the one asked for


@dataclass(frozen=True)
class Origin:
    """Where a fork starts: its parent, the kept epoch and step, and the state there."""

    parent: str
    epoch: int
    step: int
    state: bytes


class ForkError(ValueError):
    """A fork that cannot be made; ``field`` names the body's field at fault."""

    def __init__(self, field: tuple[str, ...], message: Message) -> None:
        super().__init__(message)
        self.field = field


def nearest(kept: list[Kept], epoch: int) -> list[int]:
    """The kept epochs nearest ``epoch``, ascending."""
    epochs = sorted((abs(e - epoch), e) for e, _, _ in kept)[: 2 * NEAREST]
    return sorted(e for _, e in epochs)


def choose(store: Store, record: RunRecord, epoch: int | None) -> Origin:
    """The kept state to fork from (default: the latest); a ForkError naming the nearest kept
    epochs when ``epoch`` is not kept. On the store's thread."""
    kept = store.kept_states(record.id)
    if not kept:
        raise ForkError(("epoch",), SERVER.say("fork.no_states"))
    epoch = kept[-1][0] if epoch is None else epoch
    found = store.kept_state(record.id, epoch)
    if found is None:
        listed = ", ".join(map(str, nearest(kept, epoch)))
        raise ForkError(("epoch",), SERVER.say("state.not_kept", epoch=epoch, kept=listed))
    return Origin(record.id, epoch, *found)


def plan(record: RunRecord, body: ForkCreate, origin: Origin) -> tuple[RunCreate, Origin]:
    """The fork's create body and origin (its state's live settings those of the changed
    config); a ForkError when the changes do not fit the state, a ValidationError when they
    are not a valid config. CPU work: off the event loop."""
    state = from_bytes(origin.state)
    then = ExperimentConfig.from_stored(record.config).with_live(
        LiveChanges.model_validate(state["live"])
    )
    config = ExperimentConfig.model_validate(merged(then.model_dump(mode="json"), body.changes))
    if config.n_parameters() != state["params"].size:
        said = SERVER.say("fork.shape", size=config.n_parameters(), kept=state["params"].size)
        raise ForkError(("changes",), said)
    if config != then:
        state["live"] = live_of(config)
        origin = replace(origin, state=to_bytes(state))
    name = body.name or f"{record.name or record.id} @ {origin.epoch}"
    return RunCreate(config=config, name=name, start=body.start, speed=record.speed), origin


def merged(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """``base`` with ``changes`` written over it, section by section."""
    out = dict(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merged(out[key], value)
        else:
            out[key] = value
    return out


def live_of(config: ExperimentConfig) -> dict[str, Any]:
    """The live settings a trainer built from ``config`` starts with (a snapshot's ``live``)."""
    training = config.training
    return {
        "learning_rate": training.learning_rate,
        "batch_size": training.batch_size,
        "regularization": training.regularization,
        "regularization_rate": training.regularization_rate,
        "dropout": [layer.dropout for layer in config.network.layers()],
    }
