"""The bundled catalogue's shape: its tags, its size, its platforms.

Tags select what a team runs (`-m "android and critical"`), so every scenario must
carry exactly one severity and the family of its folder.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from pytest_bdd.feature import get_features

FEATURES = Path(__file__).resolve().parent.parent / "features"
SEVERITIES = {"critical", "high", "medium", "low"}
PLATFORMS = ("ios", "android", "web")


def bundled() -> list[tuple[str, object, object]]:
    paths = sorted(str(p) for p in FEATURES.rglob("*.feature"))
    return [
        (Path(feature.filename).parent.name, feature, scenario)
        for feature in get_features(paths)
        for scenario in feature.scenarios.values()
    ]


def instances(scenario: object) -> list[dict[str, str]]:
    rows = [row for ex in scenario.examples for row in ex.as_contexts()]  # type: ignore[attr-defined]
    return rows or [{}]


@pytest.mark.parametrize(
    ("family", "feature", "scenario"),
    bundled(),
    ids=lambda value: getattr(value, "name", value),
)
def test_each_scenario_has_its_family_and_one_severity(
    family: str, feature: object, scenario: object
) -> None:
    tags = set(feature.tags) | set(scenario.tags)  # type: ignore[attr-defined]
    assert family in tags, f"{feature.filename}: tag the Feature @{family}"  # type: ignore[attr-defined]
    assert ({"spec", "readiness"} - {family}).isdisjoint(tags)
    assert len(tags & SEVERITIES) == 1, (
        f"{scenario.name}: needs one of {sorted(SEVERITIES)}, has {sorted(tags)}"  # type: ignore[attr-defined]
    )


def test_the_catalogue_covers_every_platform_at_size() -> None:
    per_platform: Counter[str] = Counter()
    for _, _, scenario in bundled():
        for row in instances(scenario):
            platform = row.get("platform")
            if platform is None:
                steps = " ".join(s.name for s in scenario.steps)  # type: ignore[attr-defined]
                platform = next((p for p in PLATFORMS if f'runs on "{p}"' in steps), "")
            per_platform[platform] += 1
    assert sum(per_platform.values()) >= 90
    assert all(per_platform[p] >= 20 for p in PLATFORMS), per_platform
