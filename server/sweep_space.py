"""A sweep's space made into trials: each one a validated run config and the values it got.

The trials are the grid's combinations (the first field slowest) × the random draws × the
seeds (fastest). Every trial's config is validated as a run's is; a value the config refuses
is a 422 naming the swept field (``["body", "grid", "training.learning_rate"]``), one from
the base config names the config's path, and a space with more trials than its budget (or
the server's ``NNPG_MAX_SWEEP_TRIALS``) names ``trials``.
"""

from __future__ import annotations

import copy
import itertools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from pydantic import BaseModel, ValidationError

from engine.config import ExperimentConfig
from server.sweep_schemas import Range, SweepCreate

Problem = dict[str, Any]


class SpaceError(ValueError):
    """The space cannot be made into trials: ``problems`` as a 422 lists them."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(problems[0]["msg"])
        self.problems = problems


@dataclass(frozen=True)
class Trial:
    params: dict[str, Any]  # the swept fields' values and the seed
    config: ExperimentConfig


def _problem(loc: tuple[Any, ...], msg: str) -> Problem:
    return {"loc": ("body", *loc), "type": "value_error", "msg": msg}


def check_path(path: str) -> str | None:
    """Why ``path`` names no config field a sweep may set (None: it does)."""
    if path == "seed":
        return "the seed is swept by seeds"
    model: type[BaseModel] = ExperimentConfig
    parts = path.split(".")
    for depth, part in enumerate(parts):
        fields = model.model_fields
        if part not in fields:
            return f"no config field {path!r}; here: {', '.join(fields)}"
        annotation = fields[part].annotation
        leaf = depth == len(parts) - 1
        if not leaf:
            if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
                return f"{'.'.join(parts[: depth + 1])} has no fields"
            model = annotation
        elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
            return f"{path} is a group of fields: name one of them"
    return None


def _seeds(body: SweepCreate, base_seed: int) -> list[int]:
    if body.seeds is None:
        return [base_seed]
    seeds = list(range(body.seeds)) if isinstance(body.seeds, int) else body.seeds
    if len(set(seeds)) != len(seeds):  # the schema bounds their count and each seed
        raise SpaceError([_problem(("seeds",), "1 to 1000 different seeds, each ≥ 0")])
    return seeds


def _draw(spec: Range | list[Any], rng: np.random.Generator) -> Any:
    if isinstance(spec, list):
        return copy.deepcopy(spec[int(rng.integers(len(spec)))])
    if spec.log:
        value = math.exp(rng.uniform(math.log(spec.low), math.log(spec.high)))
    else:
        value = float(rng.uniform(spec.low, spec.high))
    return round(value) if spec.integer else float(f"{value:.6g}")


def settings(body: SweepCreate, budget: int, seeds: int = 1) -> list[dict[str, Any]]:
    """Every trial's swept values (without the seed), in order; checks the fields and that
    the settings times ``seeds`` fit the ``budget`` of trials."""
    problems = [
        _problem((part, path), why)
        for part, space in (("grid", body.grid), ("random", body.random))
        for path in space
        if (why := check_path(path)) is not None
    ]
    problems += [
        _problem(("grid", path), "give 1 to 100 values")
        for path, values in body.grid.items()
        if not 1 <= len(values) <= 100
    ]
    problems += [
        _problem(("random", path), "give 1 to 100 choices")
        for path, spec in body.random.items()
        if isinstance(spec, list) and not 1 <= len(spec) <= 100
    ]
    if problems:
        raise SpaceError(problems)
    settings_count = math.prod(len(values) for values in body.grid.values())
    room = max(1, budget // seeds // settings_count)
    samples = (body.samples or room) if body.random else 1
    if settings_count * samples * seeds > budget:  # counted before one is made: it may be huge
        raise _too_big(settings_count * samples, seeds, budget, body)
    combos = [
        dict(zip(body.grid, values, strict=True))
        for values in itertools.product(*body.grid.values())
    ]
    if body.random:
        rng = np.random.default_rng(body.sample_seed)
        draws = [
            {path: _draw(spec, rng) for path, spec in body.random.items()} for _ in range(samples)
        ]
        combos = [{**combo, **draw} for combo in combos for draw in draws]
    return combos


def expand(body: SweepCreate, max_trials: int, max_parameters: int) -> list[Trial]:
    """The trials of ``body``, each config validated; raises ``SpaceError``."""
    base = _validated(body.config, {}, body)
    seeds = _seeds(body, base.seed)
    budget = min(body.trials or max_trials, max_trials)
    combos = settings(body, budget, len(seeds))
    trials: list[Trial] = []
    for combo in combos:
        raw = copy.deepcopy(body.config)
        for path, value in combo.items():
            _set(raw, path, value)
        config = _validated(raw, combo, body)
        _check_trial(config, combo, body, max_parameters)
        trials += [
            Trial({**combo, "seed": seed}, config.model_copy(update={"seed": seed}))
            for seed in seeds
        ]
    return trials


def _too_big(settings: int, seeds: int, budget: int, body: SweepCreate) -> SpaceError:
    where = f"{settings} settings × {seeds} seeds"
    allowed = "the budget" if budget == body.trials else "NNPG_MAX_SWEEP_TRIALS"
    msg = f"the space has {settings * seeds} trials ({where}); {allowed} is {budget}"
    return SpaceError([_problem(("trials",), msg)])


def _set(raw: dict[str, Any], path: str, value: Any) -> None:
    *parents, leaf = path.split(".")
    node = raw
    for part in parents:
        child = node.get(part)
        node[part] = child = dict(child) if isinstance(child, dict) else {}
        node = child
    node[leaf] = value


def _validated(raw: dict[str, Any], combo: dict[str, Any], body: SweepCreate) -> ExperimentConfig:
    try:
        return ExperimentConfig.model_validate(raw)
    except ValidationError as error:
        raise SpaceError([_located(e, combo, body) for e in error.errors()]) from None


def _swept(path: str, body: SweepCreate) -> tuple[str, str]:
    return ("grid" if path in body.grid else "random", path)


def _located(error: Any, combo: dict[str, Any], body: SweepCreate) -> Problem:
    """A config's error at the swept field it came from, else at the base config's path (an
    error of the whole config, a head that does not fit the task, at a swept field of the
    head or the data, if any)."""
    loc = tuple(str(part) for part in error["loc"])
    for path, value in combo.items():
        parts = tuple(path.split("."))
        whole = not loc and (parts[0] in ("data", "network") or path == "training.loss")
        if loc[: len(parts)] == parts or whole:
            return _problem(_swept(path, body), f"{path} = {_short(value)}: {error['msg']}")
    return {"loc": ("body", "config", *loc), "type": error["type"], "msg": error["msg"]}


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _check_trial(
    config: ExperimentConfig, combo: dict[str, Any], body: SweepCreate, max_parameters: int
) -> None:
    if config.training.max_epochs is None:
        loc = ("config", "training", "max_epochs")
        raise SpaceError([_problem(loc, "a sweep's trials need max_epochs (a stop rule)")])
    size = config.n_parameters()
    if size > max_parameters:
        shaping = [path for path in combo if path.startswith(("network.", "data."))]
        where: tuple[str, ...] = ("config", "network", "hidden")
        if shaping:
            where = _swept(shaping[0], body)
        msg = f"a trial's network has {size:,} parameters; the limit is {max_parameters:,}"
        raise SpaceError([_problem(where, msg)])
