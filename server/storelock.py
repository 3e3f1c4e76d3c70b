"""One server per run store: a lock file beside the database."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from server.storefile import StoreError

try:
    import fcntl
except ImportError:  # not on POSIX: no lock
    fcntl = None  # type: ignore[assignment]


class StoreLock:
    """One server per store: an exclusive ``flock`` on ``<database>.lock``, held for the
    server's life (the system drops it when the process dies, even by SIGKILL). Two servers
    on one file would each mark the other's live runs interrupted and train them both. The
    command line's ``runs`` and ``export`` only read and take no lock; ``train`` adds a run
    of its own and takes none either."""

    def __init__(self, database: str) -> None:
        self.database = database
        self.path = None if database == ":memory:" else Path(f"{database}.lock")
        self._file: Any = None

    def acquire(self) -> None:
        """Take the lock (again: nothing to do), or raise StoreError naming the holder."""
        if self._file is not None or self.path is None or fcntl is None:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            file = open(self.path, "a+")  # noqa: SIM115 - held open for the server's life
        except OSError as error:
            raise StoreError(
                f"cannot lock the run store at {self.database}: {error.strerror}"
            ) from error
        try:
            fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            file.seek(0)
            holder = file.read().strip() or "?"
            file.close()
            raise StoreError(
                f"another server (pid {holder}) is using the run store at {self.database}; "
                "stop it, or give this one another store (NNPG_DATABASE or --db)"
            ) from None
        file.truncate(0)
        file.write(f"{os.getpid()}\n")
        file.flush()
        self._file = file

    def release(self) -> None:
        if self._file is not None:
            self._file.close()  # closing drops the lock
            self._file = None
