"""Run every benchmark script and print one table; write the figures as JSON too.

    .venv/bin/python tests/bench/run_all.py [--out bench-results]

Each bench_*.py script measures its figures and their references side by side in one
run on this machine and writes {"rows": [{figure, value, unit, reference, ratio}]}.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = ("bench_api.py", "bench_dry_run.py", "bench_quality.py", "bench_release.py",
           "bench_pages.py", "bench_inputs.py", "bench_toolkit.py", "bench_deadline.py")


COLUMNS = ("figure", "value", "unit", "reference", "ratio")


def rows_of(path: Path) -> list[dict]:
    """A script's rows as dicts (a row may also be written as a list in COLUMNS order)."""
    data = json.loads(path.read_text())
    found = data if isinstance(data, list) else data["rows"]
    return [row if isinstance(row, dict) else dict(zip(COLUMNS, row, strict=True))
            for row in found]


def fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}".rstrip("0").rstrip(".")
    return "" if value is None else str(value)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, default=Path("bench-results"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    table, failed = [], []
    for script in SCRIPTS:
        target = args.out / f"{stamp}-{script.removesuffix('.py')}.json"
        print(f"== {script}", flush=True)
        done = subprocess.run([sys.executable, str(HERE / script), "--json", str(target)])
        if done.returncode != 0:
            failed.append(script)
        if not target.exists():
            continue
        # a script that found a failure (deadline day's failed requests) still shows its figures
        table += [{"benchmark": script.removesuffix(".py").removeprefix("bench_"), **row}
                  for row in rows_of(target)]
    (args.out / f"{stamp}-all.json").write_text(json.dumps(table, indent=2))
    print_table(table)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


def print_table(table: list[dict]) -> None:
    columns = ("benchmark", "figure", "value", "unit", "reference", "ratio")
    cells = [[fmt(row.get(c)) for c in columns] for row in table]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    print()
    print(" | ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)))
    print("-+-".join("-" * w for w in widths))
    for row in cells:
        print(" | ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)))


if __name__ == "__main__":
    sys.exit(main())
