"""The class colours: told apart from each other and from the value scale's orange, grey and
blue by normal and colour-blind eyes (Machado, Oliveira and Fernandes 2009's simulation of
full protanopia, deuteranopia and tritanopia; distance ΔE*ab in CIELAB)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from engine.data_config import DataConfig
from engine.userdata import MAX_CLASSES
from server.picture import NEGATIVE, PALETTE, POSITIVE, ZERO

SIGHT = {
    "normal": np.eye(3),
    "protanopia": [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                   [-0.003882, -0.048116, 1.051998]],
    "deuteranopia": [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                     [-0.011820, 0.042940, 0.968881]],
    "tritanopia": [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602],
                   [0.004733, 0.691367, 0.303900]],
}  # fmt: skip
SRGB_TO_XYZ = np.array(
    [[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]
)
WHITE = np.array([0.95047, 1.0, 1.08883])
APART = 12.0  # ΔE: past ~10 two colours are plainly different at a glance


def seen(rgb: tuple[int, int, int], sight: str) -> np.ndarray:
    """An sRGB colour as ``sight`` sees it, in CIELAB."""
    c = np.asarray(rgb) / 255
    linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    xyz = SRGB_TO_XYZ @ np.clip(np.asarray(SIGHT[sight]) @ linear, 0, 1) / WHITE
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def distance(a: tuple[int, int, int], b: tuple[int, int, int], sight: str) -> float:
    return float(np.linalg.norm(seen(a, sight) - seen(b, sight)))


CLASSES = DataConfig.model_fields["classes"].metadata  # ge / le of the config's class count
MOST = max(getattr(bound, "le", 0) or 0 for bound in CLASSES)


@pytest.mark.parametrize("sight", list(SIGHT))
def test_the_classes_a_dataset_can_have_are_told_apart(sight: str) -> None:
    colors = PALETTE["classes"][:MOST]
    assert len(colors) == MOST == 8
    for a, b in itertools.combinations(colors, 2):
        assert distance(a, b, sight) >= APART, (a, b)


@pytest.mark.parametrize("sight", list(SIGHT))
def test_no_class_looks_like_a_value(sight: str) -> None:
    """A hovered neuron's orange-grey-blue picture lies under class-coloured points."""
    for color, value in itertools.product(PALETTE["classes"], (NEGATIVE, ZERO, POSITIVE)):
        assert distance(color, value, sight) >= 10.0, (color, value)


def test_every_class_a_user_may_label_has_its_own_colour() -> None:
    assert len({tuple(c) for c in PALETTE["classes"]}) == len(PALETTE["classes"]) == MAX_CLASSES
