"""The server's Ray cluster (``NNPG_RAY_ADDRESS``): joined at startup, left at shutdown.

``local`` starts a cluster on this machine (its services on 127.0.0.1 only, a CPU per core);
``auto`` or an address joins a running one, whose nodes need nnplayground installed (the
workers' path starts with this checkout's folder, so a node with the same checkout at the
same place runs it as it is). A
process that already joined one (a test's, a notebook's) keeps it: the server neither
starts another nor shuts it down. Every task and actor gets one-thread BLAS, as the local
worker processes do.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from server.workers import ONE_THREAD

log = logging.getLogger(__name__)
CODE_ROOT = Path(__file__).resolve().parent.parent  # where engine/ and server/ are


def connect(address: str, cpus: int) -> bool:
    """Join (or, ``local``, start) the cluster; whether this call started the connection."""
    import ray  # noqa: PLC0415 - Ray is an optional extra, imported only when configured

    if ray.is_initialized():
        return False
    # the workers import this very code (a checkout run in place, as an installed one)
    path = os.pathsep.join(filter(None, [str(CODE_ROOT), os.environ.get("PYTHONPATH")]))
    options: dict[str, Any] = {
        "runtime_env": {"env_vars": {**ONE_THREAD, "PYTHONPATH": path}},
        "log_to_driver": False,
        "configure_logging": False,
    }
    if address == "local":
        ray.init(num_cpus=cpus, include_dashboard=False, _node_ip_address="127.0.0.1", **options)
    else:
        ray.init(address=address, **options)
    log.info("on Ray: %d CPUs", cluster_cpus())
    return True


def cluster_cpus() -> int:
    """The CPUs of the cluster, at least one."""
    import ray  # noqa: PLC0415

    resources = ray.cluster_resources()  # type: ignore[no-untyped-call]
    return max(1, int(resources.get("CPU", 1)))


def disconnect() -> None:
    import ray  # noqa: PLC0415

    ray.shutdown()
