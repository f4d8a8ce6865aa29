"""Shared test fixtures: paths to the project's fixtures and the external reference data."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
REFERENCE = (ROOT / ".." / "shared" / "reference").resolve()


@pytest.fixture
def reference_dir() -> Path:
    """The DCC public test data beside the project; skip only when it is absent."""
    if not REFERENCE.is_dir():
        pytest.skip("../shared/reference is not present")
    return REFERENCE
