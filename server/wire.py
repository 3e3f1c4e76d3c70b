"""The binary frame envelope of docs/protocol.md.

A binary message is a 4-byte little-endian header length ``n``, ``n`` bytes of UTF-8 JSON
header (padded with spaces so the payload starts 4-byte aligned), then the payload: the
arrays back to back, each described in the header by name, dtype, shape, byte offset and
byte count. A quantised picture also has ``range`` and ``levels`` (code q stands for
lo + q / (levels − 1) · (hi − lo)), and ``"encoding": "deflate"`` when its bytes are
zlib-compressed (smooth 31-shade pictures shrink about 8×, in ~15 µs).
"""

from __future__ import annotations

import json
import math
import struct
import zlib
from collections.abc import Mapping
from typing import Any

import numpy as np

from engine.features import FEATURES
from engine.frames import Frame
from engine.trainer import Trainer

JsonValue = Any
DEFLATE_OVER = 512  # bytes: smaller pictures are not worth compressing


def clean(value: JsonValue) -> JsonValue:
    """JSON has no NaN or Infinity: non-finite numbers, however deep, go on the wire as null."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        if value and isinstance(value[0], list) and isinstance(value[0][0], int):
            return value  # a confusion matrix: counts are always finite
        return [clean(v) for v in value]
    return value


_DTYPE_NAMES: dict[np.dtype, str] = {}  # ``dtype.name`` is a slow property; frames ask often


def _dtype_name(dtype: np.dtype) -> str:
    name = _DTYPE_NAMES.get(dtype)
    if name is None:
        name = _DTYPE_NAMES[dtype] = dtype.name
    return name


def dumps(message: Mapping[str, JsonValue]) -> str:
    """Strict JSON: raises instead of writing NaN or Infinity."""
    return json.dumps(message, allow_nan=False, separators=(",", ":"))


def encode(header: dict[str, JsonValue], frame: Frame) -> bytes:
    """``header`` plus the frame's arrays, in the envelope."""
    specs: list[dict[str, JsonValue]] = []
    chunks: list[bytes] = []
    offset = 0
    for name, array in frame.arrays.items():
        data = np.ascontiguousarray(array, dtype=array.dtype.newbyteorder("<")).tobytes()
        spec: dict[str, JsonValue] = {
            "name": name,
            "dtype": _dtype_name(array.dtype),
            "shape": list(array.shape),
        }
        if name in frame.ranges:
            spec["range"] = list(frame.ranges[name])
            spec["levels"] = frame.levels[name]
            if len(data) > DEFLATE_OVER:
                data = zlib.compress(data, 1)
                spec["encoding"] = "deflate"
        spec.update(offset=offset, nbytes=len(data))
        specs.append(spec)
        padding = -len(data) % 4  # keep every array 4-byte aligned
        chunks += [data, b"\0" * padding]
        offset += len(data) + padding
    head = dumps({**header, "arrays": specs}).encode()
    head += b" " * (-len(head) % 4)  # the payload starts 4-byte aligned (Float32Array needs it)
    return struct.pack("<I", len(head)) + head + b"".join(chunks)


def encode_frame(run_id: str, frame: Frame) -> bytes:
    header = {"type": "frame", "run_id": run_id, **clean(frame.metrics.as_dict())}
    if frame.focus is not None:
        header["focus"] = frame.focus
    return encode(header, frame)


def encode_features(run_id: str, frame: Frame) -> bytes:
    """The input features' pictures: sent once a run, not in every frame."""
    return encode({"type": "features", "run_id": run_id, "names": list(FEATURES)}, frame)


def decode(message: bytes) -> tuple[dict[str, JsonValue], dict[str, np.ndarray]]:
    """The inverse of ``encode``, for tests and Python clients."""
    (n,) = struct.unpack_from("<I", message)
    header = json.loads(message[4 : 4 + n])
    payload = memoryview(message)[4 + n :]
    arrays = {}
    for spec in header["arrays"]:
        data = bytes(payload[spec["offset"] : spec["offset"] + spec["nbytes"]])
        if spec.get("encoding") == "deflate":
            data = zlib.decompress(data)
        dtype = np.dtype(spec["dtype"]).newbyteorder("<")
        arrays[spec["name"]] = np.frombuffer(data, dtype=dtype).reshape(spec["shape"])
    return header, arrays


def dataset_message(trainer: Trainer) -> dict[str, Any]:
    """The run's points, rounded for the wire: ``[[x1, x2, label], ...]`` per split."""
    train, test = trainer.data.split.train, trainer.data.split.test
    return {
        "type": "dataset",
        "task": trainer.head.task,
        "classes": trainer.head.n_outputs if trainer.head.task == "multiclass" else 2,
        "features": trainer.config.data.features,
        "train": np.column_stack([train.x.round(4), train.y]).tolist(),
        "test": np.column_stack([test.x.round(4), test.y]).tolist(),
    }
