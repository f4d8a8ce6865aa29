"""The per-family check tests share one case book (a small demo world written once)."""

from __future__ import annotations

import pytest

from tests.checks.casebook import CaseBook, write_book


@pytest.fixture(scope="session")
def book(tmp_path_factory: pytest.TempPathFactory) -> CaseBook:
    return write_book(tmp_path_factory.mktemp("check-families"))
