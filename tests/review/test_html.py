"""The review's HTML report: structure, self-containment, escaping, and a browser.

The documents come from real reviews (run once ready, once not ready, for the
module) and from small hand-written ones; the page is read back with the stdlib's
`html.parser` into a tree of elements.
"""

from __future__ import annotations

import copy
import shutil
import subprocess
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from simulator.review.html import render_html
from tests.review.conftest import Review

BROWSERS = ("chromium", "chromium-browser", "google-chrome")
VOID = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
    "source", "track", "wbr",
}  # fmt: skip
URL_ATTRIBUTES = {
    "href", "src", "srcset", "action", "formaction", "poster", "data", "background",
    "cite", "xlink:href", "manifest", "ping",
}  # fmt: skip


# -- a small DOM -----------------------------------------------------------------------


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    parent: Element | None = None
    children: list[Element] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)

    def text(self) -> str:
        return "".join(self.texts) + "".join(c.text() for c in self.children)

    def iter(self):
        yield self
        for child in self.children:
            yield from child.iter()

    def find_all(self, tag: str | None = None, **attrs: str) -> list[Element]:
        return [
            e
            for e in self.iter()
            if (tag is None or e.tag == tag)
            and all(e.attrs.get(k.rstrip("_")) == v for k, v in attrs.items())
        ]

    def by_id(self, ident: str) -> Element | None:
        found = [e for e in self.iter() if e.attrs.get("id") == ident]
        assert len(found) <= 1, f"id {ident!r} is not unique"
        return found[0] if found else None

    def has_class(self, name: str) -> bool:
        return name in (self.attrs.get("class") or "").split()

    def with_class(self, name: str) -> list[Element]:
        return [e for e in self.iter() if e.has_class(name)]

    def ancestors(self):
        node = self.parent
        while node is not None:
            yield node
            node = node.parent


class TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {})
        self.current = self.root
        self.all_attrs: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        self.all_attrs += [(tag, k, v) for k, v in values.items()]
        element = Element(tag, values, self.current)
        self.current.children.append(element)
        if tag not in VOID:
            self.current = element

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        node: Element | None = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        assert node is not None and node.parent is not None, f"stray </{tag}>"
        self.current = node.parent

    def handle_data(self, data: str) -> None:
        self.current.texts.append(data)


def parse(page: str) -> TreeBuilder:
    builder = TreeBuilder()
    builder.feed(page)
    builder.close()
    return builder


# -- the documents ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def reviews(ready: Review, not_ready: Review) -> dict[str, dict[str, Any]]:
    """The shared ready and not-ready reviews: the document and the page the review
    wrote beside it."""
    out: dict[str, dict[str, Any]] = {}
    for name, run in (("ready", ready), ("not_ready", not_ready)):
        assert run.code == (0 if name == "ready" else 1), run.stream
        out[name] = {
            "document": run.document,
            "path": run.out / "review.html",
            "page": (run.out / "review.html").read_text(encoding="utf-8"),
        }
    return out


@pytest.fixture(params=["ready", "not_ready"])
def review(request: pytest.FixtureRequest, reviews) -> dict[str, Any]:
    return reviews[request.param]


def tiny_document(message: str = "a message") -> dict[str, Any]:
    """A hand-written document: one scenario on ios with a blocking finding and a
    diverged snapshot, one with a medium finding, a matrix row with an empty cell."""
    first = "readiness/x.feature::test_one[ios]"
    second = "readiness/x.feature::test_two[ios]"

    def record(ident: str, name: str, kind: str, severity: str, diverged_at):
        return {
            "id": ident,
            "feature": {"name": "X", "file": "readiness/x.feature"},
            "scenario": {"name": name, "line": 3},
            "platform": "ios",
            "severity": severity,
            "outcome": "failed",
            "message": message,
            "path": "authenticated",
            "guard": [{"procedure": "p", "allowed": True, "reasons": []}],
            "findings": [
                {
                    "kind": kind,
                    "severity": severity,
                    "event": {"seq": 1, "description": "logout"},
                    "message": message,
                }
            ],
            "steps": [
                {"keyword": "When", "name": "<b>x</b>", "line": 4, "status": "passed"},
                {
                    "keyword": "Then",
                    "name": "no findings",
                    "line": 5,
                    "status": "failed",
                    "error": message,
                },
            ],
            "truth": {"logged_in": False, "alias": None},
            "workspace": {"external_id": "usr_1", "custom_attributes": {"x": message}},
            "timeline": [
                {"seq": 1, "elapsed": "+0s", "kind": "app_event", "text": message},
                {
                    "seq": 2,
                    "elapsed": "+1h",
                    "kind": "snapshot",
                    "text": "truth: nobody logged in",
                    "diverged": diverged_at == 2,
                    "truth": {"logged_in": False},
                    "workspace": {"external_id": "usr_1"},
                },
            ],
            "diverged_at": diverged_at,
            "inbox": [],
        }

    def finding(ident: str, name: str, kind: str, severity: str):
        return {
            "id": f"{ident}::{kind}",
            "scenario_id": ident,
            "feature": "X",
            "scenario": name,
            "platform": "ios",
            "kind": kind,
            "severity": severity,
            "event": "logout",
            "message": message,
        }

    return {
        "generated_at": "2026-01-01T00:00:00+00:00",
        "seconds": 1.5,
        "inputs": {
            "workspace": "ws.yaml",
            "workflow": "w",
            "guard": None,
            "integration": "i",
            "platforms": ["ios", "web"],
        },
        "verdict": {"ready": False, "reason": "1 blocking finding"},
        "checks": {
            "lint": [{"code": "c", "path": "p", "message": message}],
            "attributes": [],
            "inbox": {
                "ok": False,
                "failures": [
                    {
                        "scenario_id": first,
                        "platform": "ios",
                        "field": "user_id",
                        "shown": message,
                        "expected": None,
                    }
                ],
            },
            "checklist": [
                {"id": "a", "item": "A", "ok": True, "evidence": "fine"},
                {"id": "b", "item": "B", "ok": False, "evidence": message},
            ],
            "failed_checks": [],
        },
        # the medium one first: the page must still put the blocking one first
        "findings": [
            finding(second, "two", "stale_status", "medium"),
            finding(first, "one", "residual_identity", "high"),
        ],
        "matrix": [
            {
                "feature": "X",
                "scenario": name,
                "severity": "high",
                "cells": {
                    "ios": {
                        "scenario_id": ident,
                        "outcome": "failed",
                        "path": "authenticated",
                        "guard": ["allowed"],
                        "findings": [kind],
                    },
                    "web": None,
                },
            }
            for ident, name, kind in (
                (first, "one", "residual_identity"),
                (second, "two", "stale_status"),
            )
        ],
        "scenarios": [
            record(first, "one", "residual_identity", "high", 2),
            record(second, "two", "stale_status", "medium", None),
        ],
    }


# -- structure -------------------------------------------------------------------------


def test_the_review_writes_the_page(review) -> None:
    assert review["path"].is_file()
    assert review["page"].lstrip().lower().startswith("<!doctype html>")
    assert review["page"] == render_html(review["document"])


def test_the_verdict_comes_first_and_matches_the_document(review) -> None:
    document = review["document"]
    root = parse(review["page"]).root
    verdict = root.by_id("verdict")
    assert verdict is not None
    ready = document["verdict"]["ready"]
    assert verdict.attrs["data-ready"] == ("true" if ready else "false")
    text = " ".join(verdict.text().split())
    assert ("NOT READY" in text) is not ready
    assert "READY" in text
    assert document["verdict"]["reason"] in text
    inputs = document["inputs"]
    for value in (inputs["workspace"], inputs["integration"], document["generated_at"]):
        assert value in text
    if inputs["workflow"]:
        assert inputs["workflow"] in text
    assert ", ".join(inputs["platforms"]) in text
    assert f"{document['seconds']:.1f} s" in text
    # nothing of substance before the verdict: it is the first section
    assert root.find_all("section")[0] is verdict


def test_blocking_findings_come_before_the_others(review) -> None:
    document = review["document"]
    root = parse(review["page"]).root
    items = [e for e in root.find_all("li") if e.has_class("finding")]
    blocking_first = _ordered(document["findings"])
    assert [e.attrs["data-finding-id"] for e in items] == [
        f["id"] for f in blocking_first
    ]
    severities = [e.attrs["data-severity"] for e in items]
    seen_other = False
    for severity in severities:
        seen_other = seen_other or severity not in ("critical", "high")
        assert not (seen_other and severity in ("critical", "high"))
    blocking = root.by_id("blocking")
    assert blocking is not None and root.by_id("findings") is not None
    in_blocking = {
        e.attrs["data-finding-id"] for e in items if blocking in e.ancestors()
    }
    assert in_blocking == set(document["verdict"]["blocking"])
    for element, finding in zip(items, _ordered(document["findings"]), strict=True):
        text = " ".join(element.text().split())
        for key in ("kind", "severity", "platform", "scenario", "event"):
            assert finding[key] in text, (key, finding[key])
        assert " ".join(finding["message"].split()) in text


def _ordered(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    blocking = [f for f in findings if f["severity"] in ("critical", "high")]
    return blocking + [f for f in findings if f not in blocking]


def test_the_not_ready_review_has_blocking_findings(reviews) -> None:
    document = reviews["not_ready"]["document"]
    root = parse(reviews["not_ready"]["page"]).root
    assert document["verdict"]["blocking"]
    blocking = root.by_id("blocking")
    assert blocking is not None
    assert len([e for e in blocking.find_all("li") if e.has_class("finding")]) == len(
        document["verdict"]["blocking"]
    )


def test_the_matrix_has_a_row_per_lifecycle_and_a_column_per_platform(review) -> None:
    document = review["document"]
    root = parse(review["page"]).root
    table = root.by_id("matrix")
    assert table is not None and table.tag == "table"
    platforms = document["inputs"]["platforms"]
    (head,) = table.find_all("thead")
    headers = [th.attrs.get("data-platform") for th in head.find_all("th")][1:]
    assert headers == platforms
    (body,) = table.find_all("tbody")
    rows = body.find_all("tr")
    assert len(rows) == len(document["matrix"])
    for row, entry in zip(rows, document["matrix"], strict=True):
        cells = row.find_all("td")
        assert [c.attrs["data-platform"] for c in cells] == platforms
        assert entry["scenario"] in row.text()
        for cell, platform in zip(cells, platforms, strict=True):
            data = entry["cells"].get(platform)
            if data is None:
                assert cell.attrs["data-outcome"] == "not-run"
                continue
            assert cell.attrs["data-outcome"] == data["outcome"]
            text = cell.text()
            if data["path"]:
                assert data["path"] in text
            for guard in data["guard"]:
                assert guard in text
            badges = [e.text() for e in cell.with_class("kind")]
            assert badges == data["findings"]


def test_each_finding_links_to_its_timeline_with_the_divergence_marked(review) -> None:
    document = review["document"]
    root = parse(review["page"]).root
    records = {r["id"]: r for r in document["scenarios"]}
    timelines = root.by_id("timelines")
    assert timelines is not None
    items = [e for e in root.find_all("li") if e.has_class("finding")]
    for element, finding in zip(items, _ordered(document["findings"]), strict=True):
        links = [e for e in element.find_all("a") if e.has_class("timeline-link")]
        assert len(links) == 1
        target = root.by_id(links[0].attrs["href"].removeprefix("#"))
        assert target is not None, links[0].attrs["href"]
        assert target.attrs["id"].startswith("timeline-")
        assert timelines in target.ancestors()
        assert target.attrs["data-scenario-id"] == finding["scenario_id"]
        record = records[finding["scenario_id"]]
        entries = [e for e in target.find_all("tr") if e.has_class("entry")]
        assert [int(e.attrs["data-seq"]) for e in entries] == [
            t["seq"] for t in record["timeline"]
        ]
        marked = [e for e in entries if e.has_class("diverged")]
        if record["diverged_at"] is None:
            assert marked == []
        else:
            assert [int(e.attrs["data-seq"]) for e in marked] == [record["diverged_at"]]
            assert "truth and workspace diverged" in marked[0].text()
        steps = [e for e in target.find_all("tr") if e.has_class("step")]
        assert [e.attrs["data-status"] for e in steps] == [
            s["status"] for s in record["steps"]
        ]


def test_timelines_are_numbered_and_unique(reviews) -> None:
    root = parse(reviews["not_ready"]["page"]).root
    articles = [e for e in root.find_all("article") if e.has_class("timeline")]
    assert articles
    assert [e.attrs["id"] for e in articles] == [
        f"timeline-{n}" for n in range(1, len(articles) + 1)
    ]
    assert any(e.with_class("diverged") for e in articles)


def test_the_inbox_check_and_the_checklist(review) -> None:
    document = review["document"]
    root = parse(review["page"]).root
    inbox = root.by_id("inbox")
    assert inbox is not None
    expected = document["checks"]["inbox"]
    assert inbox.attrs["data-ok"] == ("true" if expected["ok"] else "false")
    rows = [r for r in inbox.find_all("tr") if r.find_all("td")]
    assert len(rows) == len(expected["failures"])
    for row, failure in zip(rows, expected["failures"], strict=True):
        assert failure["field"] in row.text()
        assert failure["scenario_id"] in row.text()
    checklist = root.by_id("checklist")
    assert checklist is not None
    items = [e for e in checklist.iter() if "data-ok" in e.attrs]
    assert [(e.attrs["data-id"], e.attrs["data-ok"]) for e in items] == [
        (i["id"], "true" if i["ok"] else "false")
        for i in document["checks"]["checklist"]
    ]
    for element, item in zip(items, document["checks"]["checklist"], strict=True):
        assert item["item"] in element.text()
    for problem in document["checks"]["lint"]:
        assert problem["code"] in root.by_id("lint").parent.text()


def test_sections_come_in_order(review) -> None:
    page = review["page"]
    order = ("verdict", "findings", "blocking", "matrix", "timelines", "inbox")
    positions = [page.index(f'id="{ident}"') for ident in (*order, "checklist")]
    assert positions == sorted(positions)


# -- self-contained --------------------------------------------------------------------


def test_nothing_is_fetched_from_elsewhere(review) -> None:
    page = review["page"]
    builder = parse(page)
    for tag, name, value in builder.all_attrs:
        if name in URL_ATTRIBUTES:
            assert value.startswith("#"), (tag, name, value)
    assert not builder.root.find_all("script")
    assert not builder.root.find_all("link")
    assert not builder.root.find_all("img")
    assert not builder.root.find_all("iframe")
    lowered = page.lower()
    for needle in ("http://", "https://", "url(", "@import", 'src="//', 'href="//'):
        assert needle not in lowered, needle
    # the styles are inline
    assert builder.root.find_all("style")


# -- escaping --------------------------------------------------------------------------


def test_user_text_is_escaped() -> None:
    attack = "<script>alert(1)</script>"
    page = render_html(tiny_document(attack))
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>x</b>" not in page
    root = parse(page).root
    assert not root.find_all("script")
    assert not root.find_all("b")
    # the text still reads as the user wrote it
    items = [e for e in root.find_all("li") if e.has_class("finding")]
    assert all(attack in e.text() for e in items)


def test_an_attribute_value_cannot_break_out() -> None:
    document = tiny_document()
    sneaky = 'x" onmouseover="alert(1)'
    document["findings"][0]["id"] = sneaky
    root = parse(render_html(document)).root
    ids = [e.attrs.get("data-finding-id") for e in root.find_all("li")]
    assert sneaky in ids
    assert not [e for e in root.iter() if "onmouseover" in e.attrs]


def test_a_hand_written_document() -> None:
    document = tiny_document()
    root = parse(render_html(document)).root
    assert root.by_id("verdict").attrs["data-ready"] == "false"
    items = [e for e in root.find_all("li") if e.has_class("finding")]
    assert [e.attrs["data-severity"] for e in items] == ["high", "medium"]
    assert root.by_id("blocking") in items[0].ancestors()
    assert root.by_id("blocking") not in items[1].ancestors()
    # a timeline for each scenario a finding points at, the diverged entry marked
    assert root.by_id("timeline-1").attrs["data-scenario-id"].endswith("test_one[ios]")
    assert root.by_id("timeline-2").attrs["data-scenario-id"].endswith("test_two[ios]")
    (marked,) = root.by_id("timeline-1").with_class("diverged")
    assert marked.attrs["data-seq"] == "2"
    assert not root.by_id("timeline-2").with_class("diverged")
    # the web cell did not run
    cells = root.by_id("matrix").find_all("td")
    assert [c.attrs["data-outcome"] for c in cells] == ["failed", "not-run"] * 2
    assert [e.attrs["data-ok"] for e in root.by_id("checklist").find_all("li")] == [
        "true",
        "false",
    ]


def test_a_finding_without_a_record_has_no_dangling_link() -> None:
    document = tiny_document()
    document["scenarios"] = []
    root = parse(render_html(document)).root
    assert not [e for e in root.iter() if e.has_class("timeline-link")]
    assert not root.by_id("timeline-1")


def test_a_ready_document_without_findings() -> None:
    document = copy.deepcopy(tiny_document())
    document["verdict"] = {"ready": True, "reason": "no critical or high finding"}
    document["findings"] = []
    document["checks"]["inbox"] = {"ok": True, "failures": []}
    for record in document["scenarios"]:
        record["findings"] = []
    root = parse(render_html(document)).root
    assert root.by_id("verdict").attrs["data-ready"] == "true"
    assert "NOT READY" not in root.by_id("verdict").text()
    assert not root.by_id("timeline-1")
    assert root.by_id("inbox").attrs["data-ok"] == "true"


def test_an_empty_document_still_renders() -> None:
    root = parse(render_html({})).root
    assert root.by_id("verdict").attrs["data-ready"] == "false"
    assert root.by_id("matrix").tag == "table"


# -- a real browser --------------------------------------------------------------------


def test_renders_in_headless_chromium(reviews, tmp_path: Path) -> None:
    browser = next((b for b in map(shutil.which, BROWSERS) if b), None)
    if browser is None:
        pytest.skip(
            "no headless Chromium on this machine (looked for chromium, "
            "chromium-browser, google-chrome)"
        )
    page = reviews["not_ready"]["path"]
    result = subprocess.run(
        [
            browser,
            "--headless",
            "--disable-gpu",
            "--no-sandbox",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--dump-dom",
            page.resolve().as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    dom = parse(result.stdout).root
    verdict = dom.by_id("verdict")
    assert verdict is not None and verdict.attrs["data-ready"] == "false"
    assert "NOT READY" in verdict.text()
