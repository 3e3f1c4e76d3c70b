"""Activation functions, each forward with its derivative right beside it.

``forward(z, out)`` writes a = f(z) into ``out`` and returns it; ``derivative(z, a, out)``
writes da/dz, given both the pre-activation and the output so each can use the cheaper one.
Arrays are whatever the caller passes, usually (B, units).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from engine.registry import Registry

Array = np.ndarray
Forward = Callable[[Array, Array], Array]
Derivative = Callable[[Array, Array, Array], Array]

SELU_ALPHA = 1.6732632423543772
SELU_SCALE = 1.0507009873554805
LEAKY_SLOPE = 0.01
GELU_C = float(np.sqrt(2.0 / np.pi))


@dataclass(frozen=True)
class Activation:
    name: str
    forward: Forward
    derivative: Derivative
    formula: str
    smooth: bool = True  # False: a kink, where finite differences need points away from it

    def __call__(self, z: Array) -> Array:
        return self.forward(z, np.empty_like(z))


ACTIVATIONS: Registry[Activation] = Registry("activation")


def _register(
    name: str, forward: Forward, derivative: Derivative, formula: str, smooth: bool = True
) -> None:
    ACTIVATIONS.register(name, Activation(name, forward, derivative, formula, smooth))


def _put(out: Array, value: Array) -> Array:
    np.copyto(out, value)
    return out


def linear(z: Array, out: Array) -> Array:
    return _put(out, z)


def d_linear(z: Array, a: Array, out: Array) -> Array:
    out.fill(1.0)
    return out


def d_tanh(z: Array, a: Array, out: Array) -> Array:
    np.multiply(a, a, out)
    return np.subtract(1.0, out, out)


def sigmoid(z: Array, out: Array) -> Array:
    """1 / (1 + e^-z), written ½(1 + tanh(z/2)) so it never overflows."""
    np.multiply(z, 0.5, out)
    np.tanh(out, out)
    out += 1.0
    out *= 0.5
    return out


def d_sigmoid(z: Array, a: Array, out: Array) -> Array:
    np.subtract(1.0, a, out)
    out *= a
    return out


def relu(z: Array, out: Array) -> Array:
    return np.maximum(z, 0.0, out=out)


def d_relu(z: Array, a: Array, out: Array) -> Array:
    return np.greater(z, 0.0, out)  # 0 at the kink, as TF Playground


def leaky_relu(z: Array, out: Array) -> Array:
    return _put(out, np.where(z > 0, z, LEAKY_SLOPE * z))


def d_leaky_relu(z: Array, a: Array, out: Array) -> Array:
    return _put(out, np.where(z > 0, 1.0, LEAKY_SLOPE))


def elu(z: Array, out: Array) -> Array:
    return _put(out, np.where(z > 0, z, np.expm1(np.minimum(z, 0.0))))


def d_elu(z: Array, a: Array, out: Array) -> Array:
    return _put(out, np.where(z > 0, 1.0, a + 1.0))


def selu(z: Array, out: Array) -> Array:
    return _put(out, SELU_SCALE * np.where(z > 0, z, SELU_ALPHA * np.expm1(np.minimum(z, 0.0))))


def d_selu(z: Array, a: Array, out: Array) -> Array:
    return _put(out, np.where(z > 0, SELU_SCALE, a + SELU_SCALE * SELU_ALPHA))


def softplus(z: Array, out: Array) -> Array:
    return np.logaddexp(0.0, z, out)


def d_softplus(z: Array, a: Array, out: Array) -> Array:
    return sigmoid(z, out)


def _gelu_tanh(z: Array) -> Array:
    inner: Array = np.tanh(GELU_C * (z + 0.044715 * z**3))
    return inner


def gelu(z: Array, out: Array) -> Array:
    """GELU in its tanh form (Hendrycks & Gimpel 2016)."""
    return _put(out, 0.5 * z * (1.0 + _gelu_tanh(z)))


def d_gelu(z: Array, a: Array, out: Array) -> Array:
    t = _gelu_tanh(z)
    return _put(out, 0.5 * (1 + t) + 0.5 * z * (1 - t * t) * GELU_C * (1 + 3 * 0.044715 * z**2))


def swish(z: Array, out: Array) -> Array:
    """z·σ(z) (Ramachandran et al. 2017)."""
    return np.multiply(z, sigmoid(z, np.empty_like(z)), out=out)


def d_swish(z: Array, a: Array, out: Array) -> Array:
    s = sigmoid(z, np.empty_like(z))
    return _put(out, s + a * (1.0 - s))


def d_sine(z: Array, a: Array, out: Array) -> Array:
    return np.cos(z, out)


_register("linear", linear, d_linear, "z")
_register("tanh", np.tanh, d_tanh, "tanh(z)")  # the ufunc itself: (z, out) fits, one call less
_register("sigmoid", sigmoid, d_sigmoid, "σ(z) = 1 / (1 + e^−z)")
_register("relu", relu, d_relu, "max(0, z)", smooth=False)
_register("leaky_relu", leaky_relu, d_leaky_relu, "max(0.01·z, z)", smooth=False)
_register("elu", elu, d_elu, "z (z > 0);  e^z − 1 (z ≤ 0)", smooth=False)
_register("selu", selu, d_selu, "λ·z (z > 0);  λ·α(e^z − 1) (z ≤ 0)", smooth=False)
_register("softplus", softplus, d_softplus, "ln(1 + e^z)")
_register("gelu", gelu, d_gelu, "½z(1 + tanh(√(2/π)(z + 0.044715z³)))")
_register("swish", swish, d_swish, "z·σ(z)")
_register("sine", np.sin, d_sine, "sin(z)")
