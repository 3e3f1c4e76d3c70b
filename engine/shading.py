"""How pictures evaluate activations: float32, in as few cheap passes as NumPy allows.

A picture (``engine.frames``) evaluates every neuron over a grid of ~10⁴ points and shows it in
31 shades, so its numbers need ~1e-6, not float64. Each activation has a ``PictureForm`` here:
f rewritten as ``offset + scale · core(gain · z)``. The network folds gain, scale and offset
into the next layer's weights (``Network.forward_picture``), so they cost nothing, and ``core``
overwrites z in place. Training never uses these (``engine.activations`` is its math).

NumPy's float32 transcendentals differ by CPU: with its AVX-512 loops tanh is its fastest;
with AVX2 only, tanh is ~6× slower than exp (table gathers), and expm1 and logaddexp have no
SIMD loop at all. So tanh-like forms take tanh or exp, whichever this CPU runs faster.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from engine import kernels
from engine.activations import GELU_C, LEAKY_SLOPE, SELU_ALPHA, SELU_SCALE, Activation

Array = np.ndarray
Core = Callable[[Array, Array], Array]  # (u, spare) -> the result, in u's memory


@dataclass(frozen=True)
class PictureForm:
    """f(z) = offset + scale · core(gain · z). ``core(u, spare)`` overwrites u with its result
    (``spare``: scratch of u's shape). Only for pictures: float32, ~1e-6 of f, never trained."""

    core: Core
    gain: float = 1.0
    scale: float = 1.0
    offset: float = 0.0
    kernel: int | None = None  # this core's code in ``engine.kernels``, if it has one

    def finish(self, g: Array) -> Array:
        """core's output -> f: a fresh array, or ``g`` itself where the form has no affine
        step (callers copy or quantise it anyway)."""
        if self.scale == 1.0 and self.offset == 0.0:
            return g
        out: Array = g * self.scale
        out += self.offset
        return out

    def __call__(self, z: Array) -> Array:
        """f(z), a fresh array (z is not touched)."""
        u: Array = z * self.gain
        with np.errstate(over="ignore"):  # eᵘ → inf in 1/(1 + eᵘ): the limit, 0, is right
            return self.finish(self.core(u, np.empty_like(u)))


@functools.cache
def tanh_is_fast() -> bool:
    """Whether NumPy's float32 tanh beats 1 / (1 + eᵘ) (exp, add, reciprocal) here: timed once
    a process, best of 7 each, turn about, on a picture-sized array (~0.5 ms in all)."""
    u = np.linspace(-4.0, 4.0, 1 << 15, dtype=np.float32)
    out = np.empty_like(u)

    def by_exp() -> None:
        np.exp(u, out)
        np.add(out, 1.0, out)
        np.reciprocal(out, out)

    def by_tanh() -> None:
        np.tanh(u, out)

    best = [np.inf, np.inf]
    for _ in range(7):
        for k, route in enumerate((by_tanh, by_exp)):
            start = time.perf_counter()
            route()
            best[k] = min(best[k], time.perf_counter() - start)
    return bool(best[0] <= best[1])


def _logistic(u: Array, spare: Array) -> Array:
    """1 / (1 + eᵘ); eᵘ may overflow to inf (pictures run under errstate), giving 0."""
    np.exp(u, u)
    u += 1.0
    np.reciprocal(u, u)
    return u


def _tanh_core(u: Array, spare: Array) -> Array:
    np.tanh(u, u)
    return u


def _identity(u: Array, spare: Array) -> Array:
    return u


def _relu_core(u: Array, spare: Array) -> Array:
    np.maximum(u, 0.0, out=u)
    return u


def _leaky_core(u: Array, spare: Array) -> Array:
    np.multiply(u, LEAKY_SLOPE, spare)
    np.maximum(u, spare, out=u)
    return u


def _elu_core(u: Array, spare: Array, alpha: float = 1.0) -> Array:
    """max(u, 0) + α·e^min(u, 0): f + α. exp, not expm1: NumPy's float32 expm1 has no AVX2
    loop (10× slower), and a picture needs e^u − 1 only to ~1e-7 of 1."""
    np.minimum(u, 0.0, out=spare)
    np.exp(spare, spare)
    if alpha != 1.0:
        spare *= alpha
    np.maximum(u, 0.0, out=u)
    u += spare
    return u


def _selu_core(u: Array, spare: Array) -> Array:
    return _elu_core(u, spare, SELU_ALPHA)


def _softplus_core(u: Array, spare: Array) -> Array:
    """max(u, 0) + ln(1 + e^−|u|): logaddexp takes ~60× as long."""
    np.abs(u, spare)
    np.negative(spare, spare)
    np.exp(spare, spare)
    spare += 1.0
    np.log(spare, spare)
    np.maximum(u, 0.0, out=u)
    u += spare
    return u


GELU_K = 0.044715 / GELU_C**2  # u = C·z: the tanh's argument is u(1 + K·u²)


def _gelu_tanh_core(u: Array, spare: Array) -> Array:
    """u(1 + tanh(u(1 + K·u²))) = (2C)·gelu(z)."""
    np.multiply(u, u, spare)
    spare *= GELU_K
    spare += 1.0
    spare *= u
    np.tanh(spare, spare)
    spare += 1.0
    u *= spare
    return u


def _gelu_exp_core(u: Array, spare: Array) -> Array:
    """u / (1 + e^(−2u(1 + K·u²))) = C·gelu(z), since ½(1 + tanh v) = 1 / (1 + e^−2v)."""
    np.multiply(u, u, spare)
    spare *= -2.0 * GELU_K
    spare -= 2.0
    spare *= u
    np.exp(spare, spare)
    spare += 1.0
    np.divide(u, spare, out=u)
    return u


def _swish_tanh_core(u: Array, spare: Array) -> Array:
    """u(1 + tanh u) with u = z/2: z·σ(z)."""
    np.tanh(u, spare)
    spare += 1.0
    u *= spare
    return u


def _swish_exp_core(u: Array, spare: Array) -> Array:
    """u / (1 + eᵘ) with u = −z: −z·σ(z)."""
    np.exp(u, spare)
    spare += 1.0
    np.divide(u, spare, out=u)
    return u


def _sine_core(u: Array, spare: Array) -> Array:
    np.sin(u, u)
    return u


def _fixed(form: PictureForm) -> Callable[[], PictureForm]:
    return lambda: form


def _by_tanh(fast: PictureForm, slow: PictureForm) -> Callable[[], PictureForm]:
    return lambda: fast if tanh_is_fast() else slow


FORMS: dict[str, Callable[[], PictureForm]] = {
    "linear": _fixed(PictureForm(_identity)),
    # tanh z = 1 − 2/(1 + e²ᶻ)
    "tanh": _by_tanh(PictureForm(_tanh_core), PictureForm(_logistic, 2.0, -2.0, 1.0)),
    "sigmoid": _by_tanh(PictureForm(_tanh_core, 0.5, 0.5, 0.5), PictureForm(_logistic, -1.0)),
    "relu": _fixed(PictureForm(_relu_core)),
    "leaky_relu": _fixed(PictureForm(_leaky_core)),
    "elu": _fixed(PictureForm(_elu_core, offset=-1.0)),
    "selu": _fixed(PictureForm(_selu_core, scale=SELU_SCALE, offset=-SELU_SCALE * SELU_ALPHA)),
    "softplus": _fixed(PictureForm(_softplus_core)),
    "gelu": _by_tanh(
        PictureForm(_gelu_tanh_core, GELU_C, 0.5 / GELU_C),
        PictureForm(_gelu_exp_core, GELU_C, 1.0 / GELU_C),
    ),
    "swish": _by_tanh(PictureForm(_swish_tanh_core, 0.5), PictureForm(_swish_exp_core, -1.0, -1.0)),
    "sine": _fixed(PictureForm(_sine_core)),
}


# The forms of the compiled pass: every tanh-like one by tanh (the kernel's is cheap anywhere).
COMPILED: dict[str, PictureForm] = {
    "linear": PictureForm(_identity, kernel=kernels.LINEAR),
    "tanh": PictureForm(_tanh_core, kernel=kernels.TANH),
    "sigmoid": PictureForm(_tanh_core, 0.5, 0.5, 0.5, kernel=kernels.TANH),
    "relu": PictureForm(_relu_core, kernel=kernels.RELU),
    "leaky_relu": PictureForm(_leaky_core, kernel=kernels.LEAKY_RELU),
    "gelu": PictureForm(_gelu_tanh_core, GELU_C, 0.5 / GELU_C, kernel=kernels.GELU),
    "swish": PictureForm(_swish_tanh_core, 0.5, kernel=kernels.SWISH),
}


def picture_forms(activations: list[Activation], dtype: np.dtype) -> list[PictureForm]:
    """The forms a picture pass of ``dtype`` evaluates ``activations`` by: the compiled
    pass's (``engine.kernels``) where it can take them all, else NumPy's for this CPU."""
    if kernels.AVAILABLE and dtype == np.float32:
        compiled = [COMPILED.get(activation.name) for activation in activations]
        if all(form is not None for form in compiled):
            return compiled  # type: ignore[return-value]
    return [picture_form(activation) for activation in activations]


def picture_form(activation: Activation) -> PictureForm:
    """The form pictures evaluate ``activation`` by on this CPU; one without a form of its
    own here goes through its training forward (right, only slower)."""
    form = FORMS.get(activation.name)
    if form is not None:
        return form()
    forward = activation.forward

    def core(u: Array, spare: Array) -> Array:
        np.copyto(spare, u)
        return forward(spare, u)

    return PictureForm(core)
