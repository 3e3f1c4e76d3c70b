"""One weight's next update for the teaching page: ``next_update`` works out what the next
``Trainer.train_batch`` will do to one weight on copies (the optimizer's state, the parameters,
the generator), never applying it. ``engine.inspect_chain`` has the same weight's chain rule,
``engine.inspect`` the rest.

A plain dict of floats (NaN or ±inf on a diverged network, never an exception).
"""

from __future__ import annotations

import copy

import numpy as np

from engine.inspect import (
    Array,
    Json,
    flat_index,
    hidden_dropout,
    loss_gradient,
    next_batch,
    penalty_gradient,
)
from engine.messages import ENGINE
from engine.optimizers import SGD, AdaGrad, Adam, Momentum, Optimizer, RMSProp
from engine.trainer import Trainer


def next_update(trainer: Trainer, layer: int, source: int | None, target: int) -> Json:
    """The next step's update of the weight ``source`` -> ``target`` of weight layer ``layer``
    (with ``source`` None, ``target``'s bias), without applying it: on the batch the step
    will take, with the dropout masks it will draw, from copies of the optimizer's state.

    Returns ``layer``, ``source``, ``target``, ``bias``, ``optimizer`` (its name),
    ``formula``, ``learning_rate``, ``regularization``, ``regularization_rate``, ``weight``
    (w now), ``gradient`` (``loss``: ∂(data loss)/∂w on the batch, ``penalty``: λ·R′(w),
    ``total``, ``seen``: what the optimizer steps on, 0 on an L1-dead link), ``quantities``
    (the optimizer's named numbers: ``eta_g`` for SGD; ``velocity`` for momentum and
    Nesterov; ``accumulator`` for AdaGrad and RMSProp; ``t`` (its step count after this
    step), ``m``, ``v``, ``m_hat``, ``v_hat`` and AdamW's ``decay`` for Adam; each with
    ``step``, the optimizer's move before AdamW's decay), ``optimizer_step`` (w − w after the
    optimizer), ``penalty_step`` (η·λ·R′(w), the penalty's own step), ``new_weight``,
    ``change``, ``dead`` (held at 0 by L1's dead-link rule after the step), ``batch`` (its
    ``start``, ``size``, ``new_epoch``, ``dropout``) and ``will_step`` (False once the run
    has stopped or diverged: then ``new_weight`` is w). The genetic trainer takes no such
    step: asked of it, a ``ValueError``."""
    if trainer.optimizer.gradient_free:
        raise ValueError(ENGINE.say("genetic.no_step"))
    index = flat_index(trainer.network, layer, source, target)
    batch = next_batch(trainer)
    loss = loss_gradient(trainer, batch)
    weight = float(trainer.network.params[index])
    with np.errstate(all="ignore"):
        params, middle, optimizer, seen, shrink, dead = _simulate(trainer, loss)
        penalty = float(penalty_gradient(trainer)[index])
        quantities = _quantities(optimizer, index, float(seen[index]), trainer.learning_rate)
        if getattr(optimizer, "decoupled_decay", False):
            quantities["decay"] = trainer.learning_rate * optimizer.hyper.weight_decay * weight
    will_step = not (trainer.stopper.reason or trainer.diverged)
    new = float(params[index]) if will_step else weight
    return {
        "layer": layer,
        "source": source,
        "target": target,
        "bias": source is None,
        "optimizer": trainer.config.training.optimizer,
        "formula": optimizer.formula,
        "learning_rate": trainer.learning_rate,
        "regularization": trainer.regularizer.name,
        "regularization_rate": trainer.regularization_rate,
        "weight": weight,
        "gradient": {
            "loss": float(loss[index]),
            "penalty": penalty,
            "total": float(loss[index]) + penalty,
            "seen": float(seen[index]),
        },
        "quantities": quantities,
        "optimizer_step": weight - float(middle[index]),
        "penalty_step": 0.0 if shrink is None else float(shrink[index]),
        "new_weight": new,
        "change": new - weight,
        "dead": bool(dead[index]),
        "batch": batch.describe(hidden_dropout(trainer)),
        "will_step": will_step,
    }


def _simulate(
    trainer: Trainer, loss: Array
) -> tuple[Array, Array, Optimizer, Array, Array | None, Array]:
    """``Trainer._update`` on copies: (the parameters after it, those after the optimizer's
    move alone, the optimizer after it, the gradient it stepped on, the penalty's shrink
    η·λ·R′(w_old) (None without a penalty), the dead links after it). The tests hold it to
    the real step for every optimizer and penalty."""
    params = trainer.network.params.copy()
    grads = loss.copy()
    optimizer = copy.deepcopy(trainer.optimizer)
    weights, dead = trainer._weights, trainer.dead.copy()
    shrink = None
    if trainer._penalised:  # the same operations in the same order: the same roundings
        part = trainer.regularizer.derivative(params[weights])
        part *= trainer.learning_rate * trainer.regularization_rate
        shrink = np.zeros_like(params)
        shrink[weights] = part
    if dead.any():
        grads[dead] = 0.0
    optimizer.step(params, grads, trainer.learning_rate)
    middle = params.copy()
    if shrink is not None:
        params[weights], crossed = trainer.regularizer.decay(params[weights], shrink[weights])
        if crossed is not None:
            dead[weights[crossed]] = True
    params[dead] = 0.0
    return params, middle, optimizer, grads, shrink, dead


def _quantities(optimizer: Optimizer, i: int, g: float, lr: float) -> dict[str, float]:
    """The optimizer's named numbers for parameter ``i`` after its step on gradient ``g``."""
    h = optimizer.hyper
    if isinstance(optimizer, Adam):
        m_hat = float(optimizer.m[i]) / (1.0 - h.beta1**optimizer.t)
        v_hat = float(optimizer.v[i]) / (1.0 - h.beta2**optimizer.t)
        step = lr * m_hat / (np.sqrt(v_hat) + h.epsilon)
        return {
            "t": optimizer.t,
            "m": float(optimizer.m[i]),
            "v": float(optimizer.v[i]),
            "m_hat": m_hat,
            "v_hat": v_hat,
            "step": float(step),
        }
    if isinstance(optimizer, Momentum):
        v = float(optimizer.velocity[i])
        return {"velocity": v, "step": lr * (g + h.momentum * v if optimizer.nesterov else v)}
    if isinstance(optimizer, AdaGrad | RMSProp):
        s = float(optimizer.sum_sq[i] if isinstance(optimizer, AdaGrad) else optimizer.mean_sq[i])
        return {"accumulator": s, "step": float(lr * g / (np.sqrt(s) + h.epsilon))}
    if isinstance(optimizer, SGD):
        return {"eta_g": lr * g, "step": lr * g}
    return {  # an optimizer registered later: its state vectors as they are
        name: float(value[i])
        for name, value in vars(optimizer).items()
        if not name.startswith("_") and isinstance(value, np.ndarray) and value.size > i
    }
