"""The JSON Schema (draft 2020-12) of review.json, shipped with the package.

Tools that read a review (dashboards, `identity-harness diff`, a team's CI) can
validate a document against it before trusting its fields:

    from simulator.review.schema import load_schema
    jsonschema.validate(document, load_schema())
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

__all__ = ["SCHEMA_ID", "SCHEMA_PATH", "load_schema"]

SCHEMA_PATH = Path(__file__).resolve().parent / "review.schema.json"
SCHEMA_ID = "urn:mobile-identity-harness:review:1"


def load_schema() -> dict[str, Any]:
    """The review document's schema, as a dict."""
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
