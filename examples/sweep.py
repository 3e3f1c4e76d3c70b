"""A learning-rate × batch-size sweep on spiral, three seeds each, on a running server.

Start the server first (``nnplayground serve``), then ``python examples/sweep.py``; or pass
its address: ``python examples/sweep.py http://127.0.0.1:9000``. It prints the mean final
test loss of each setting over its seeds, and the best trial's run id (open it in the page:
``/sweeps/SWEEP_ID`` shows them all).
"""

from __future__ import annotations

import statistics
import sys
from collections import defaultdict

from nnplayground import Client

URL = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"

with Client(URL) as client:
    sweep = client.sweep(
        {
            "data": {"dataset": "spiral", "noise": 0.1},
            "network": {"hidden": [8, 8]},
            "training": {"optimizer": "adam", "max_epochs": 100},
        },
        grid={"training.learning_rate": [0.003, 0.03], "training.batch_size": [10, 50]},
        seeds=3,
        name="spiral rates",
    )
    done = client.wait_sweep(sweep["id"], timeout=600)
    losses: dict[tuple[float, int], list[float]] = defaultdict(list)
    for trial in done["trials"]:
        params = trial["params"]
        setting = (params["training.learning_rate"], params["training.batch_size"])
        losses[setting].append(trial["score"])
    for (rate, batch), scores in sorted(losses.items()):
        print(f"learning rate {rate:<6} batch {batch:<3} test loss {statistics.mean(scores):.4f}")
    print(f"{done['counts']} best: {done['best']}")
