"""The reviews several test modules read, each run at most once per test process
(with xdist, a worker that runs no test reading one never runs it)."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from junitparser import JUnitXml

from simulator.review.runner import PLATFORMS, ReviewOptions, run_review

# 40 characters each, recognisable wherever they might surface
SECRETS = {
    "ios": "hx-test-ios-secret-0123456789abcdefghijk",
    "android": "hx-test-android-secret-0123456789abcdefg",
    "web": "hx-test-web-secret-0123456789abcdefghijk",
}
SECRET_ENV = {p: f"HARNESS_IDENTITY_SECRET_{p.upper()}" for p in PLATFORMS}


@dataclass
class Review:
    code: int
    out: Path
    stream: str

    @property
    def document(self) -> dict[str, Any]:
        return json.loads((self.out / "review.json").read_text(encoding="utf-8"))

    @property
    def cucumber(self) -> list[dict[str, Any]]:
        return json.loads((self.out / "cucumber.json").read_text(encoding="utf-8"))

    def junit_cases(self) -> list[Any]:
        return [
            case
            for suite in JUnitXml.fromfile(str(self.out / "junit.xml"))
            for case in suite
        ]


def review(out: Path, **options: Any) -> Review:
    stream = io.StringIO()
    code = run_review(ReviewOptions(out=out, **options), stream=stream)
    return Review(code, out, stream.getvalue())


@pytest.fixture(scope="session")
def ready(tmp_path_factory: pytest.TempPathFactory) -> Review:
    return review(tmp_path_factory.mktemp("ready") / "review")


@pytest.fixture(scope="session")
def not_ready(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Review]:
    """A workflow that routes on the contact type, an app that never logs the SDK
    out; with known secrets, so that the scan for them knows what to look for."""
    with pytest.MonkeyPatch.context() as patch:
        for platform, value in SECRETS.items():
            patch.setenv(SECRET_ENV[platform], value)
        yield review(
            tmp_path_factory.mktemp("not-ready") / "review",
            workflow="contact-type-only",
            integration="no-sdk-logout",
        )
