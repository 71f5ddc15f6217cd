"""A short deadline day (tests/load/run.py) for `make bench`'s table.

    .venv/bin/python tests/bench/bench_deadline.py [--json OUT]

The full day (393 people, 5 minutes' ramp, 10 minutes held) is `make load`; this runs the
same scenario on the embedded default with fewer people for two minutes, so the bench
table shows its per-task p95/p99, the versions stored against those accepted, and the
pipeline's lag.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

RUN = Path(__file__).resolve().parents[1] / "load" / "run.py"
SHORT = ["--users", "80", "--ramp", "30", "--hold", "90"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", type=Path, required=True)
    args = parser.parse_args()
    return subprocess.run([sys.executable, str(RUN), *SHORT, "--json", str(args.json)]).returncode


if __name__ == "__main__":
    raise SystemExit(main())
