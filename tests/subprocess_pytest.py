"""Run pytest in a subprocess, as a team's CI would run the installed plugin.

Every run shares one bytecode cache folder (outside the repository), so only the
first pays for compiling and assertion-rewriting the plugin packages; this matters
where PYTHONDONTWRITEBYTECODE is set and every import would compile from source.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

_CACHE = Path(tempfile.gettempdir()) / "identity-harness-test-pycache"


def run_pytest(
    folder: Path, *args: str, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("PYTEST_") and k != "PYTHONDONTWRITEBYTECODE"
    }
    env["PYTHONPYCACHEPREFIX"] = str(_CACHE)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *args],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def share_bytecode_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let interpreters this test starts (xdist workers) share the cache too."""
    monkeypatch.delenv("PYTHONDONTWRITEBYTECODE", raising=False)
    monkeypatch.setenv("PYTHONPYCACHEPREFIX", str(_CACHE))
