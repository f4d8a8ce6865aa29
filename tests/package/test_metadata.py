"""Distribution metadata: the name, licence, classifiers and URLs users and PyPI see."""

from __future__ import annotations

import tomllib

from certcheck import PROJECT_URL
from tests.conftest import ROOT


def project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def test_distribution_name_licence_and_classifiers() -> None:
    meta = project()
    assert meta["name"] == "smki-certcheck"
    assert meta["license"] == {"text": "MIT"}
    assert "License :: OSI Approved :: MIT License" in meta["classifiers"]
    licence = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert licence.startswith("MIT License") and "certcheck contributors" in licence
    assert "smki-certcheck" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_project_urls_name_the_project_home() -> None:
    urls = project()["urls"]
    assert urls["Source"] == PROJECT_URL
    assert urls["Documentation"].startswith(PROJECT_URL)
