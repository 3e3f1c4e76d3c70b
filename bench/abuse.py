"""Abuse: the attacks of a hostile or careless user replayed against a real server.

Run: .venv/bin/python bench/abuse.py [--only 3,4]
Starts `nnplayground serve` on 127.0.0.1 (its store in a temporary folder) for each group of
cases: heavy reads (1) alone, since they may bring it down; a server with the default worker
processes for one bad row (2), the store race (5), CSV oddities (7), websocket abuse (8),
privacy (9) and the Host header (10); one with a single worker for the view flood (3) and one
big run (4), so that the neighbour run measured shares its worker with the attacker; a fresh
one for the slot grab (6), which takes this client's whole share. Every loop is bounded in
count and time; the whole bench takes about a minute and a half. Prints one row per case (what was
sent, what held, what broke, the figures), then
`RESULT abuse_cases=… server_errors=… neighbour_p99_ms=… lost_rows=… broken_cases=…`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # before bench/: its engine.py
sys.path.append(str(Path(__file__).resolve().parent))

from abuse_edges import csv_oddities, host_header, privacy, slot_grab, websocket_abuse
from abuse_kit import TALLY, Outcome, Served, serving
from abuse_load import bad_row, heavy_reads, store_race
from abuse_neighbour import neighbour_cases

Case = Callable[[Served], Awaitable[Outcome]]
Group = Callable[[Served], Awaitable[list[Outcome]]]


def each(*cases: tuple[str, Case]) -> list[tuple[str, Group]]:
    """Cases that each make one outcome, as groups of one (numbered for ``--only``)."""

    def group(case: Case) -> Group:
        async def run(served: Served) -> list[Outcome]:
            return [await case(served)]

        return run

    return [(number, group(case)) for number, case in cases]


# (worker processes, NNPG_ settings, [(case numbers, cases)]): None is serve's default
SERVERS: list[tuple[int | None, dict[str, str], list[tuple[str, Group]]]] = [
    (None, {}, each(("1", heavy_reads))),
    (
        None,
        # the heavy-read limit is case 1's; here it would turn the race's reads into 429s
        {"NNPG_READS_PER_MINUTE": "100000", "NNPG_READS_BURST": "100000"},
        each(
            ("2", bad_row),
            ("5", store_race),
            ("7", csv_oddities),
            ("8", websocket_abuse),
            ("9", privacy),
            ("10", host_header),
        ),
    ),
    (1, {}, [("3,4", neighbour_cases)]),
    (None, {}, each(("6", slot_grab))),
]


async def run_group(served: Served, groups: list[tuple[str, Group]]) -> list[Outcome]:
    outcomes = []
    for number, group in groups:
        if not served.alive():
            break
        started = time.monotonic()
        for outcome in await guarded(group, number, served):
            outcome.figures["seconds"] = round(time.monotonic() - started, 1)
            outcomes.append(outcome)
            print(f"  {outcome.case}: {'held' if not outcome.broke else 'BROKE'}", flush=True)
    return outcomes


async def guarded(group: Group, number: str, served: Served) -> list[Outcome]:
    """The group's outcomes; a case that raised is one outcome that broke, saying how."""
    try:
        return await group(served)
    except Exception as error:
        out = Outcome(f"{number} (raised)", "see its row in the module")
        out.check(False, "", f"the case raised {type(error).__name__}: {str(error)[:200]}")
        return [out]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--only", default="", help="case numbers, comma-separated (3 and 4 run together)"
    )
    args = parser.parse_args()
    wanted = set(args.only.split(",")) - {""}
    outcomes: list[Outcome] = []
    raised: list[str] = []
    started = time.monotonic()
    for workers, settings, groups in SERVERS:
        chosen = [(n, g) for n, g in groups if not wanted or wanted & set(n.split(","))]
        if not chosen:
            continue
        with serving(workers, **settings) as served:
            print(f"server on port {served.port}, workers: {workers or 'default'}", flush=True)
            outcomes += asyncio.run(run_group(served, chosen))
            if not served.alive():
                print(f"  the server died (exit {served.process.returncode})", flush=True)
        raised += served.raised
    report(outcomes, raised, time.monotonic() - started)


def report(outcomes: list[Outcome], raised: list[str], seconds: float) -> None:
    """The table (one row per case, then its checks), then the RESULT line."""
    print()
    print(f"{'case':<20} {'verdict':<7} figures")
    for out in outcomes:
        verdict = "held" if not out.broke else "BROKE"
        print(f"{out.case:<20} {verdict:<7} {json.dumps(out.figures, ensure_ascii=False)}")
        print(f"{'':<20} sent:   {out.sent}")
        for line in out.held:
            print(f"{'':<20} held:   {line}")
        for line in out.broke:
            print(f"{'':<20} BROKE:  {line}")
    print(f"server exceptions in the logs: {len(raised)}")
    for line in sorted(set(raised)):
        print(f"  {sum(r == line for r in raised)} × {line}")
    print(f"5xx answers: {len(TALLY.errors)}; {seconds:.0f} s in all")
    p99s = [out.neighbour_p99_ms for out in outcomes if out.neighbour_p99_ms is not None]
    worst = f"{max(p99s):.1f}" if p99s else "nan"
    print(
        f"RESULT abuse_cases={len(outcomes)} server_errors={len(TALLY.errors)} "
        f"neighbour_p99_ms={worst} lost_rows={sum(out.lost_rows for out in outcomes)} "
        f"broken_cases={sum(bool(out.broke) for out in outcomes)} "
        f"server_exceptions={len(raised)}"
    )


if __name__ == "__main__":
    main()
