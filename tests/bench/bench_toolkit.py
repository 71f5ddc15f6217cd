"""Benchmark the toolkit: compiling 1M meetings + ~100k survey rows against plain reading.

A plain script, not collected by pytest:

    .venv/bin/python tests/bench/bench_toolkit.py [--json OUT] [--records DIR]
                                                  [--meetings N] [--eligible N] [--repeat N]

It writes a synthetic record set (in a separate interpreter) to a temporary folder, or
to --records DIR to keep and reuse it, times csv.reader over the same
files against compiling them (interleaved, best of --repeat runs each, in one process;
wall and CPU time, the latter steadier on a shared machine), and measures the compile's
peak memory in fresh subprocesses (peak RSS, and tracemalloc's peak).

The compile splits the meeting log's plain lines (no quotes) itself rather than through
the csv module, so the table also shows, for context, iterating the files' text lines
with no parsing at all: the floor of any reading.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from registry_toolkit.compiler import compile_records  # noqa: E402
from registry_toolkit.streams import ReadOptions  # noqa: E402

TIME_RATIO_TARGET = 3.0
MEMORY_TARGET_MB = 1024.0
# Peak RSS comes from /proc/self/status (VmHWM): ru_maxrss survives exec on Linux, so a
# child forked from this (already big) process would report the parent's size.
MEMORY_PROBE = """
import json, resource, sys, tracemalloc
from pathlib import Path
from registry_toolkit.compiler import compile_records
from registry_toolkit.streams import ReadOptions
def peak_rss_kb():
    try:
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmHWM"))
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
mode, folder = sys.argv[1], Path(sys.argv[2])
if mode == "tracemalloc":
    tracemalloc.start()
if mode != "imports":
    compile_records(folder, ReadOptions(progress=False))
peak = tracemalloc.get_traced_memory()[1] if mode == "tracemalloc" else 0
print(json.dumps({"maxrss_kb": peak_rss_kb(), "traced_peak": peak}))
"""


def parse_args() -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    parser.add_argument("--meetings", type=int, default=1_000_000)
    parser.add_argument("--eligible", type=int, default=46_000,
                        help="eligible mentees; survey rows come to about 2.2 x this")
    parser.add_argument("--records", type=Path,
                        help="reuse (or keep) the generated records in this folder")
    parser.add_argument("--repeat", type=int, default=5,
                        help="timed runs of each (interleaved); the best of each counts")
    return parser.parse_args()


def count_rows(folder: Path) -> dict[str, int]:
    """Return the data rows of every CSV in the folder."""
    counts = {}
    for path in sorted(folder.glob("*.csv")):
        with path.open(newline="", encoding="utf-8") as handle:
            counts[path.name] = sum(1 for _ in handle) - 1
    return counts


def plain_read(folder: Path) -> None:
    """Read every record file with csv.reader, doing nothing with the rows."""
    for path in sorted(folder.glob("*.csv")):
        with path.open(newline="", encoding="utf-8-sig") as handle:
            for _ in csv.reader(handle):
                pass


def line_read(folder: Path) -> None:
    """Iterate every record file's text lines, parsing nothing."""
    for path in sorted(folder.glob("*.csv")):
        with path.open(newline="", encoding="utf-8-sig") as handle:
            for _ in handle:
                pass


def best_times(actions: dict, repeat: int) -> dict[str, dict[str, float]]:
    """Run the actions in turn, repeat times; return each one's best wall and CPU time."""
    best = {name: {"wall": float("inf"), "cpu": float("inf")} for name in actions}
    for _ in range(repeat):
        for name, action in actions.items():
            wall, cpu = time.perf_counter(), time.process_time()
            action()
            best[name]["wall"] = min(best[name]["wall"], time.perf_counter() - wall)
            best[name]["cpu"] = min(best[name]["cpu"], time.process_time() - cpu)
    return best


def probe(mode: str, folder: Path) -> dict:
    """Run the compile (or just the imports) in a fresh interpreter and report its memory."""
    output = subprocess.run([sys.executable, "-c", MEMORY_PROBE, mode, str(folder)],
                            check=True, capture_output=True, text=True, cwd=ROOT).stdout
    return json.loads(output)


def generate(args: argparse.Namespace, folder: Path) -> float:
    """Write the records in a separate interpreter (this one stays clean); return seconds."""
    if (folder / "meetings.csv").is_file():
        return 0.0
    code = ("import sys; from pathlib import Path; "
            "from registry_toolkit.samples import SampleSize, write_sample; "
            "write_sample(Path(sys.argv[1]), seed=1, "
            "size=SampleSize(eligible=int(sys.argv[2]), meetings=int(sys.argv[3])))")
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code, str(folder), str(args.eligible),
                    str(args.meetings)], check=True, cwd=ROOT)
    return time.perf_counter() - started


def measure(args: argparse.Namespace, folder: Path) -> list[dict]:
    """Generate the records, time both readings and measure memory; return table rows."""
    generated = generate(args, folder)
    load = os.getloadavg()[0]
    rows = count_rows(folder)
    best = best_times({
        "plain": lambda: plain_read(folder),
        "lines": lambda: line_read(folder),
        "compile": lambda: compile_records(folder, ReadOptions(progress=False)),
    }, args.repeat)
    plain, compiled = best["plain"], best["compile"]
    rss = probe("compile", folder)["maxrss_kb"] / 1024
    base = probe("imports", folder)["maxrss_kb"] / 1024
    traced = probe("tracemalloc", folder)["traced_peak"] / 2**20
    total = sum(rows.values())
    return [
        _row("meeting rows", rows["meetings.csv"], "rows"),
        _row("survey response rows", rows["survey_responses.csv"], "rows"),
        _row("all record rows (5 files)", total, "rows"),
        _row("generating the records (0: reused)", round(generated, 2), "s"),
        _row("machine load (1-minute average) at start", round(load, 2), "procs"),
        *_time_rows("wall", plain["wall"], compiled["wall"]),
        *_time_rows("CPU", plain["cpu"], compiled["cpu"]),
        _row("context: text lines only, compile ÷ it (wall)", round(best["lines"]["wall"], 3),
             "s", None, compiled["wall"] / best["lines"]["wall"]),
        _row("compile throughput (wall)", round(total / compiled["wall"]), "rows/s"),
        _row("compile peak memory (max RSS)", round(rss, 1), "MB", MEMORY_TARGET_MB,
             rss / MEMORY_TARGET_MB),
        _row("  of which interpreter + imports", round(base, 1), "MB"),
        _row("compile peak Python allocations (tracemalloc)", round(traced, 1), "MB",
             MEMORY_TARGET_MB, traced / MEMORY_TARGET_MB),
    ]


def _time_rows(kind: str, plain: float, compiled: float) -> list[dict]:
    return [
        _row(f"plain csv.reader over the files ({kind})", round(plain, 3), "s"),
        _row(f"compile: read, check, aggregate, validate ({kind})", round(compiled, 3), "s",
             round(TIME_RATIO_TARGET * plain, 3), compiled / plain),
    ]


def _row(figure: str, value: float, unit: str, reference: float | None = None,
         ratio: float | None = None) -> dict:
    return {"figure": figure, "value": value, "unit": unit, "reference": reference,
            "ratio": round(ratio, 3) if ratio is not None else None}


def print_table(rows: list[dict]) -> None:
    """Print the rows as figure | value | unit | reference | ratio."""
    print(f"{'figure':<48} | {'value':>12} | {'unit':<6} | {'reference':>9} | ratio")
    print("-" * 94)
    for row in rows:
        reference = "" if row["reference"] is None else f"{row['reference']:g}"
        ratio = "" if row["ratio"] is None else f"{row['ratio']:.2f}"
        print(f"{row['figure']:<48} | {row['value']:>12,} | {row['unit']:<6} | "
              f"{reference:>9} | {ratio}")


def main() -> None:
    """Run the benchmark and report."""
    args = parse_args()
    if args.records:
        args.records.mkdir(parents=True, exist_ok=True)
        rows = measure(args, args.records)
    else:
        with tempfile.TemporaryDirectory(prefix="toolkit-bench-") as folder:
            rows = measure(args, Path(folder))
    print_table(rows)
    if args.json:
        args.json.write_text(json.dumps({"rows": rows}, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
