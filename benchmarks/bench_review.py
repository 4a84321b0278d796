"""Wall time of `identity-harness review` on the bundled defaults.

Prints, in one run, the median wall time of the whole command (interpreter start,
configs, scenarios, reports) serially and, with `--workers N`, in N processes, and
the time the review itself reports in its summary. The aim is under 60 seconds on a
2-core machine.

Run: python benchmarks/bench_review.py [--repeats N] [--workers N]
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def run(out: Path, workers: int) -> tuple[float, float, int]:
    """(wall seconds, the review's own seconds, exit code)."""
    command = [sys.executable, "-m", "simulator.cli", "review", "--out", str(out)]
    if workers:
        command += ["--workers", str(workers)]
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if result.returncode not in (0, 1):
        sys.exit(f"the review failed ({result.returncode}):\n{result.stderr}")
    found = re.search(r"review took ([\d.]+) s", result.stderr)
    return wall, float(found.group(1)) if found else float("nan"), result.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    options = parser.parse_args()
    print(f"Python {platform.python_version()}, {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp:
        for workers in (0, options.workers) if options.workers else (0,):
            samples = [
                run(Path(tmp) / f"w{workers}-{i}", workers)
                for i in range(options.repeats)
            ]
            label = "serial" if not workers else f"{workers} workers"
            print(
                f"{label:>10}: wall {statistics.median(s[0] for s in samples):.2f} s, "
                f"reported {statistics.median(s[1] for s in samples):.2f} s, exit "
                f"{samples[0][2]} (median of {len(samples)}; aim: under 60 s)"
            )


if __name__ == "__main__":
    main()
