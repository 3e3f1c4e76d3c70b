"""The binary frame envelope of API.md.

A frame is a 4-byte little-endian header length ``n``, ``n`` bytes of UTF-8 JSON header,
then the payload: the arrays back to back, each described in the header by name, dtype,
shape, byte offset and byte count.
"""

from __future__ import annotations

import json
import math
import struct
from collections.abc import Mapping
from typing import Any

import numpy as np

from engine.frames import Frame

JsonValue = Any


def clean(value: JsonValue) -> JsonValue:
    """JSON has no NaN or Infinity: non-finite numbers, however deep, go on the wire as null."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean(v) for v in value]
    return value


def dumps(message: Mapping[str, JsonValue]) -> str:
    """Strict JSON: raises instead of writing NaN or Infinity."""
    return json.dumps(message, allow_nan=False, separators=(",", ":"))


def encode_frame(run_id: str, frame: Frame) -> bytes:
    header: dict[str, JsonValue] = {
        "type": "frame",
        "run_id": run_id,
        **clean(frame.metrics.as_dict()),
        "arrays": [],
    }
    chunks: list[bytes] = []
    offset = 0
    for name, array in frame.arrays.items():
        data = np.ascontiguousarray(array).astype(array.dtype.newbyteorder("<")).tobytes()
        spec = {
            "name": name,
            "dtype": array.dtype.name,
            "shape": list(array.shape),
            "offset": offset,
            "nbytes": len(data),
        }
        if name in frame.ranges:
            spec["range"] = list(frame.ranges[name])
        header["arrays"].append(spec)
        chunks.append(data)
        offset += len(data) + (-len(data) % 4)  # keep every array 4-byte aligned
        chunks.append(b"\0" * (-len(data) % 4))
    head = dumps(header).encode()
    head += b" " * (-len(head) % 4)  # the payload starts 4-byte aligned (Float32Array needs it)
    return struct.pack("<I", len(head)) + head + b"".join(chunks)


def decode_frame(message: bytes) -> tuple[dict[str, JsonValue], dict[str, np.ndarray]]:
    """The inverse of ``encode_frame``, for tests and Python clients."""
    (n,) = struct.unpack_from("<I", message)
    header = json.loads(message[4 : 4 + n])
    payload = memoryview(message)[4 + n :]
    arrays = {
        spec["name"]: np.frombuffer(
            payload[spec["offset"] : spec["offset"] + spec["nbytes"]],
            dtype=np.dtype(spec["dtype"]).newbyteorder("<"),
        ).reshape(spec["shape"])
        for spec in header["arrays"]
    }
    return header, arrays
