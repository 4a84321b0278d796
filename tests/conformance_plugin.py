"""Placeholder until the OpenAPI conformance check is wired in."""
