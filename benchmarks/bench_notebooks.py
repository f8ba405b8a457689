"""What each chapter cost in the last book build, against the Binder budget (90 s, 2 GB).

The build (python3 dev.py book, or the test command, which builds first) measures every chapter's
run time and its kernel's peak memory (book/_ext/initdyn_execstats.py) and writes them to
_build/execution-costs.json.  This script prints them as a table and appends them, dated, to
benchmarks/results/notebook_costs.csv so their history is kept in the repository.

Run: .venv/bin/python benchmarks/bench_notebooks.py [--no-record]
"""

import csv
import datetime
import json
import os
import platform
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "_build" / "execution-costs.json"
RECORD = ROOT / "benchmarks" / "results" / "notebook_costs.csv"


def main(argv):
    if not SOURCE.is_file():
        print(f"{SOURCE.relative_to(ROOT)} not found: build the book first (python3 dev.py book)")
        return 1
    rows = json.loads(SOURCE.read_text())
    print(f"{'chapter':40s} {'run time (s)':>12s} {'peak MB':>8s}  within 90 s / 2 GB")
    for r in rows:
        mem = "n/a" if r["peak_memory_mb"] is None else f"{r['peak_memory_mb']:.0f}"
        print(f"{r['chapter']:40s} {r['runtime_s']:12.1f} {mem:>8s}  {'yes' if r['within_budget'] else 'NO'}")
    if "--no-record" not in argv:
        new = not RECORD.is_file()
        with RECORD.open("a", newline="") as fh:
            w = csv.writer(fh)
            if new:
                w.writerow(["date", "machine", "cores", "chapter", "runtime_s", "peak_memory_mb"])
            stamp = datetime.datetime.fromtimestamp(SOURCE.stat().st_mtime).strftime("%Y-%m-%d %H:%M")
            for r in rows:
                w.writerow([stamp, platform.machine(), os.cpu_count(), r["chapter"], r["runtime_s"], r["peak_memory_mb"]])
        print(f"recorded in {RECORD.relative_to(ROOT)}")
    return 0 if all(r["within_budget"] for r in rows) else 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
