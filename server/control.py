"""Client control messages (``server.schemas``: the websocket's, and the REST controls') as
worker commands (``server.protocol``). View and permission messages are the manager's own
and never reach a worker."""

from __future__ import annotations

from functools import singledispatch

from server import protocol as p
from server import schemas as s

SERVER_FIELDS = ("type", "speed")  # in a "set" message, fields that are not the trainer's


@singledispatch
def to_command(message: s.AnyClientMessage, run_id: str) -> p.Command:
    raise TypeError(f"{type(message).__name__} is not a control message")


@to_command.register
def _(message: s.Play, run_id: str) -> p.Command:
    return p.Play(run_id)


@to_command.register
def _(message: s.Pause, run_id: str) -> p.Command:
    return p.Pause(run_id)


@to_command.register
def _(message: s.Step, run_id: str) -> p.Command:
    return p.Step(run_id, epochs=message.epochs or 0, batches=message.batches or 0)


@to_command.register
def _(message: s.Reset, run_id: str) -> p.Command:
    return p.Reset(run_id, same_init=message.same_init)


@to_command.register
def _(message: s.Regenerate, run_id: str) -> p.Command:
    return p.Regenerate(run_id)


@to_command.register
def _(message: s.Set, run_id: str) -> p.Command:
    changes = message.model_dump(exclude_none=True, exclude=set(SERVER_FIELDS))
    return p.Tune(run_id, changes=changes, speed=message.speed)


@to_command.register
def _(message: s.Weight, run_id: str) -> p.Command:
    return p.EditWeight(run_id, message.layer, message.source, message.target, message.value)
