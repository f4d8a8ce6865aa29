"""Shared test fixtures: the project's fixtures, the external reference data, store engines."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
REFERENCE = (ROOT / ".." / "shared" / "reference").resolve()


@pytest.fixture(scope="session", autouse=True)
def _private_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Every run of the CLI keeps its compiled meters.csv and certificate files under this
    test session's own directory (XDG_CACHE_HOME), never in the user's cache."""
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("xdg-cache"))


@pytest.fixture
def reference_dir() -> Path:
    """The DCC public test data beside the project; skip only when it is absent."""
    if not REFERENCE.is_dir():
        pytest.skip("../shared/reference is not present")
    return REFERENCE


# ----- audit store engines: SQLite files and PostgreSQL databases --------------------------------

ENGINES = ("sqlite", "postgresql")


def _no_postgres(reason: str) -> None:
    """Skip a PostgreSQL test with ``reason``; under CI (CI=true) fail it instead."""
    message = f"no PostgreSQL server for the store tests: {reason}"
    if os.environ.get("CI") == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """The URL of a PostgreSQL database with the right to create databases: from
    CERTCHECK_TEST_POSTGRES, else a throwaway cluster started here as a non-root user."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        _no_postgres("psycopg is not installed (pip install -e '.[dev]')")
    given = os.environ.get("CERTCHECK_TEST_POSTGRES")
    if given:
        yield given
        return
    from tests import pg_cluster

    try:
        cluster = pg_cluster.start()
    except pg_cluster.ClusterUnavailable as exc:
        _no_postgres(str(exc))
    try:
        yield cluster.url
    finally:
        cluster.stop()


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A new, empty PostgreSQL database for one test, dropped afterwards."""
    import psycopg

    name = f"certcheck_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_server, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    parts = urlsplit(postgres_server)
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(postgres_server, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(params=ENGINES)
def store_target(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where a test's audit store lives: an SQLite path, or a new PostgreSQL database's URL."""
    if request.param == "sqlite":
        return str(tmp_path / "audit.db")
    return str(request.getfixturevalue("postgres_url"))
