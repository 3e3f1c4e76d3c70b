"""The CPU paths the speed benches measure: this CPU as it runs, and a CPU without AVX-512
(many classroom servers and laptops), by environment variables set before the libraries load;
and the measuring subprocess each path runs in."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any


def avx2_env() -> dict[str, str]:
    """The environment of a CPU without AVX-512, for NumPy, OpenBLAS, PyTorch and MKL. NumPy
    takes only the names of its own dispatch targets that this CPU has (it refuses others)."""
    try:
        from numpy._core import _multiarray_umath as umath
    except ImportError:  # NumPy 1.x
        from numpy.core import _multiarray_umath as umath  # type: ignore[no-redef]
    wide = [
        name
        for name in umath.__cpu_dispatch__
        if (name.startswith("AVX512") or name == "X86_V4") and umath.__cpu_features__.get(name)
    ]
    return {
        "NPY_DISABLE_CPU_FEATURES": " ".join(wide),
        **numba_avx2_env(),
        "OPENBLAS_CORETYPE": "Haswell",
        "ATEN_CPU_CAPABILITY": "avx2",
        "MKL_ENABLE_INSTRUCTIONS": "AVX2",
        "ONEDNN_MAX_CPU_ISA": "AVX2",
    }


def numba_avx2_env() -> dict[str, str]:
    """numba (the compiled picture pass) compiling for this CPU with its AVX-512 turned off,
    tuned for Haswell (the first AVX2 CPU)."""
    from llvmlite import binding

    features = binding.get_host_cpu_features().flatten().split(",")
    off = [f"-{f[1:]}" if f[1:].startswith("avx512") else f for f in features if f]
    return {"NUMBA_CPU_NAME": "haswell", "NUMBA_CPU_FEATURES": ",".join(off)}


def path_name(torch: Any) -> str:
    """Which loops ran: NumPy's float32 tanh, the picture pass, OpenBLAS, PyTorch."""
    from engine import kernels
    from engine.shading import tanh_is_fast

    numpy_tanh = "?"
    try:
        from numpy.lib.introspect import opt_func_info

        numpy_tanh = opt_func_info("^tanh$", "float32")["tanh"]["ff"]["current"]
    except (ImportError, KeyError):
        pass
    blas = "?"
    try:
        from threadpoolctl import threadpool_info

        blas = ",".join(
            str(i.get("architecture")) for i in threadpool_info() if i["user_api"] == "blas"
        )
    except ImportError:
        pass
    route = "numba " + (os.environ.get("NUMBA_CPU_NAME") or "host")
    if not kernels.AVAILABLE:
        route = "NumPy by " + ("tanh" if tanh_is_fast() else "exp")
    cpu = torch.backends.cpu.get_cpu_capability()
    return f"NumPy tanh {numpy_tanh}, pictures by {route}, OpenBLAS {blas}, torch {cpu}"


def measure_in_child(quick: bool, env: dict[str, str], script: str) -> dict[str, Any]:
    """The bench ``script``'s measurements in a subprocess with ``env`` (set
    before NumPy loads) and one BLAS/OpenMP thread, as PyTorch here and as the server's
    workers: a second BLAS thread on a shared core made our small matmuls stall for
    milliseconds behind other libraries' threads. ``script --measure-only`` prints the
    measurements as JSON, last."""
    command = [sys.executable, script, "--measure-only", *(["--quick"] if quick else [])]
    one_thread = {
        name: "1" for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
    }
    done = subprocess.run(
        command, env={**os.environ, **one_thread, **env}, capture_output=True, text=True, check=True
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result
