"""The package ships every module and every bundled config.

`pyproject.toml` lists its packages by hand (the fixtures folder travels inside the
package under another name), so a new subpackage or fixtures folder must be added
there; these tests say so when one is not.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    tomllib = pytest.importorskip("tomli")

ROOT = Path(__file__).resolve().parents[1]
SETUPTOOLS = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]


def test_every_simulator_subpackage_is_packaged():
    found = {
        ".".join(path.parent.relative_to(ROOT).parts)
        for path in (ROOT / "simulator").rglob("__init__.py")
    }
    missing = found - set(SETUPTOOLS["packages"])
    assert not missing, f"add {sorted(missing)} to packages in pyproject.toml"


def test_every_fixtures_folder_is_packaged_with_its_yaml():
    folders = {p.name for p in (ROOT / "fixtures").iterdir() if p.is_dir()}
    for folder in folders:
        name = f"simulator.bundled_fixtures.{folder}"
        assert name in SETUPTOOLS["packages"], f"add {name} to pyproject.toml"
        assert "*.yaml" in SETUPTOOLS["package-data"].get(name, []), (
            f"add '*.yaml' package data for {name} in pyproject.toml"
        )
