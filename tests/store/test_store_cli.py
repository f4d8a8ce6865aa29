"""``--store`` from the command line: an SQLite path or a ``postgresql://`` URL, psycopg only
when a URL asks for it, and no password kept or shown."""

from __future__ import annotations

import json
import subprocess
import sys
from urllib.parse import urlsplit, urlunsplit

from certcheck.store import AuditStore
from certcheck.store.queries import runs
from tests.verify.cli import WORLD, certcheck, world_options_anywhere

SECRET = "s3cret-pw"


def _with_password(url: str) -> str:
    parts = urlsplit(url)
    user, _, host = parts.netloc.rpartition("@")
    return urlunsplit(parts._replace(netloc=f"{user}:{SECRET}@{host}"))


def _verify(store: str) -> subprocess.CompletedProcess[str]:
    options = world_options_anywhere()
    return certcheck("verify", str(WORLD / "payloads"), *options, "-f", "jsonl", "--store", store)


def test_a_url_password_is_neither_stored_nor_shown(postgres_url: str) -> None:
    url = _with_password(postgres_url)  # the test cluster trusts local users: any password
    done = _verify(url)
    assert done.returncode == 1, done.stderr
    report = certcheck("report", "--store", url, "-f", "html")
    assert report.returncode == 0, report.stderr
    assert SECRET not in report.stdout and SECRET not in report.stderr
    with AuditStore.open(postgres_url) as store:
        (run,) = runs(store.db)
    assert run.complete and run.items == len(done.stdout.splitlines())
    assert "--store" in run.arguments
    assert SECRET not in json.dumps(run.arguments)
    assert any(":***@" in argument for argument in run.arguments)


def test_an_unreachable_server_is_a_usage_error_naming_the_url(postgres_url: str) -> None:
    parts = urlsplit(postgres_url)
    missing = urlunsplit(parts._replace(path="/no_such_database"))
    for done in (_verify(_with_password(missing)), certcheck("report", "--store", missing)):
        assert done.returncode == 2, done.stderr
        (line,) = done.stderr.strip().splitlines()
        assert "no_such_database" in line and "cannot connect" in line
        assert SECRET not in line
        assert done.stdout == ""


RUN_WITHOUT_PSYCOPG = (
    "import sys; sys.modules['psycopg'] = None\n"  # as if the postgres extra were not installed
    "sys.argv[0] = 'certcheck'\n"
    "from certcheck.cli.app import main; main()"
)


def test_without_psycopg_a_url_says_which_extra_to_install() -> None:
    done = subprocess.run(
        [sys.executable, "-c", RUN_WITHOUT_PSYCOPG, "report", "--store", "postgresql:///audit"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    (line,) = done.stderr.strip().splitlines()
    assert "pip install 'smki-certcheck[postgres]'" in line
    assert "postgresql:///audit" in line


SQLITE_RUN_IMPORTS = (
    "import sys\n"
    "from datetime import UTC, datetime\n"
    "from certcheck.store import AuditStore\n"
    "with AuditStore.open(sys.argv[1]) as store:\n"
    "    store.start_run([], 'x', datetime.now(UTC))\n"
    "print(sorted(m for m in sys.modules if m.split('.')[0] == 'psycopg'))"
)


def test_an_sqlite_store_never_imports_psycopg(tmp_path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", SQLITE_RUN_IMPORTS, str(tmp_path / "audit.db")],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip() == "[]"


def test_a_role_with_the_privileges_the_readme_lists_can_write_and_read(postgres_url: str) -> None:
    import psycopg

    with AuditStore.open(postgres_url):  # the owner migrates once
        pass
    role = f"auditor_{urlsplit(postgres_url).path.strip('/')[-12:]}"
    with psycopg.connect(postgres_url, autocommit=True) as owner:
        owner.execute(f"CREATE ROLE {role} LOGIN")
        owner.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")  # PostgreSQL 15's default
        owner.execute(f"GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA public TO {role}")
        owner.execute(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {role}")
    parts = urlsplit(postgres_url)
    as_role = urlunsplit(parts._replace(netloc=f"{role}@{parts.netloc.rpartition('@')[2]}"))
    try:
        done = _verify(as_role)
        assert done.returncode == 1, done.stderr
        report = certcheck("report", "--store", as_role, "-f", "json")
        assert report.returncode == 0, report.stderr
        with AuditStore.open(as_role, create=False) as store:
            (run,) = runs(store.db)
        assert run.complete and run.items == len(done.stdout.splitlines())
        with psycopg.connect(as_role, autocommit=True) as writer:
            assert not writer.execute("SELECT has_schema_privilege('public', 'CREATE')").fetchone()[
                0
            ]
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as owner:
            owner.execute(f"DROP OWNED BY {role}")
            owner.execute(f"DROP ROLE {role}")
