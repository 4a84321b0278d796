"""Wall time of the bundled scenario catalogue, against a pytest-bdd floor.

Prints, in one run:
- the catalogue (`features/`): how many scenario instances and steps it runs, and the
  wall time of `pytest features` run serially;
- the floor: pytest-bdd running as many scenarios, each with as many steps as its
  counterpart, where every step does nothing (plain pytest-bdd, the harness's plugin
  off), and the ratio of the two.

Both are timed twice: the pytest session (from its start to its end, as the JUnit
report records it: collection and the scenarios) and the whole process, whose
interpreter start and imports weigh the same on both sides. The aim is the catalogue
within 3x of the floor.

Run: python benchmarks/bench_catalogue.py [--repeats N] [--workers N]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

from pytest_bdd.feature import get_features

ROOT = Path(__file__).resolve().parent.parent
FEATURES = ROOT / "features"

FLOOR_STEPS = """\
from pytest_bdd import parsers, scenarios, step

scenarios("features")


@step(parsers.re(r"nothing happens, step \\d+"))
def _nothing() -> None:
    pass
"""


# the floor loads the plugins the repository's configuration loads, but the harness's
FLOOR_PLUGINS = [
    "--disable-plugin-autoload",
    *("-p", "xdist.plugin", "-p", "_hypothesis_pytestplugin"),
    *("-p", "schemathesis.pytest.plugin", "-p", "pytest_bdd.plugin"),
]


def catalogue_shape() -> list[int]:
    """The number of steps of every scenario instance the catalogue runs."""
    shape = []
    paths = sorted(str(p) for p in FEATURES.rglob("*.feature"))
    for feature in get_features(paths):
        for template in feature.scenarios.values():
            steps = len(template.steps)
            rows = sum(len(list(ex.as_contexts())) for ex in template.examples)
            shape += [steps] * max(rows, 1)
    return shape


def write_floor(folder: Path, shape: list[int]) -> None:
    """A feature file with one scenario per catalogue instance, doing nothing."""
    lines = ["Feature: The floor", ""]
    for index, steps in enumerate(shape):
        lines.append(f"  Scenario: scenario {index}")
        for number in range(steps):
            keyword = "Given" if number == 0 else "And"
            lines.append(f"    {keyword} nothing happens, step {number}")
        lines.append("")
    (folder / "features").mkdir()
    (folder / "features" / "floor.feature").write_text("\n".join(lines))
    (folder / "test_floor.py").write_text(FLOOR_STEPS)


def run(args: list[str], cwd: Path, junit: Path) -> tuple[float, float, int]:
    """(session seconds, process seconds, test cases) of one pytest run."""
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args]
        + ["--junitxml", str(junit)],
        cwd=cwd,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"pytest failed in {cwd}:\n{result.stdout[-3000:]}{result.stderr}")
    suite = ET.parse(junit).getroot()
    suite = suite if suite.tag == "testsuite" else suite.find("testsuite")
    assert suite is not None
    return float(suite.get("time", "nan")), wall, int(suite.get("tests", "0"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--workers", type=int, default=0, help="also time the catalogue with -n N"
    )
    options = parser.parse_args()

    shape = catalogue_shape()
    print(
        f"catalogue: {len(shape)} scenario instances, {sum(shape)} steps "
        f"({platform.python_version()}, {os.cpu_count()} cores)"
    )
    with tempfile.TemporaryDirectory() as tmp:
        floor_dir = Path(tmp) / "floor"
        floor_dir.mkdir()
        write_floor(floor_dir, shape)
        junit = Path(tmp) / "junit.xml"
        catalogue, floor, parallel = [], [], []
        for _ in range(options.repeats):
            catalogue.append(run(["features", "-n", "0"], ROOT, junit))
            floor.append(run(FLOOR_PLUGINS, floor_dir, junit))
            if options.workers:
                parallel.append(
                    run(["features", "-n", str(options.workers)], ROOT, junit)
                )

    def median(samples: list[tuple[float, float, int]], index: int) -> float:
        return statistics.median(s[index] for s in samples)

    for name, samples in (("catalogue", catalogue), ("floor", floor)):
        print(
            f"{name:>10}: {samples[0][2]} tests, session {median(samples, 0):.2f} s, "
            f"process {median(samples, 1):.2f} s (median of {len(samples)})"
        )
    if parallel:
        print(
            f"{'-n ' + str(options.workers):>10}: {parallel[0][2]} tests, session "
            f"{median(parallel, 0):.2f} s, process {median(parallel, 1):.2f} s"
        )
    print(
        f"     ratio: session {median(catalogue, 0) / median(floor, 0):.2f}x, "
        f"process {median(catalogue, 1) / median(floor, 1):.2f}x (aim: within 3x)"
    )
    per = median(catalogue, 0) / len(shape) * 1000
    per_floor = median(floor, 0) / len(shape) * 1000
    print(f"per scenario: catalogue {per:.1f} ms, floor {per_floor:.1f} ms")


if __name__ == "__main__":
    main()
