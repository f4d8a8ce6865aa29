"""The audit store: foreign, damaged, read-only and full stores; exit 2 with one line.

A full disk is made with RLIMIT_FSIZE (writes past the limit fail with EFBIG, as on a full
disk), so the test needs no mount; a read-only file system is a read-only bind mount where the
test runs as root, else a read-only file in a read-only directory.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
from pathlib import Path

import pytest

from tests.hostile.disk import audited_store, one_line, run, small_disk


def _sidecars(store: Path) -> list[Path]:
    return [p for p in store.parent.iterdir() if p.name.startswith(store.name + "-")]


# --- stores that are not certcheck's ---------------------------------------------------------


@pytest.mark.parametrize("command", ["report", "verify"])
@pytest.mark.parametrize("kind", ["foreign-sqlite", "empty", "text"])
def test_a_file_that_is_not_an_audit_store_is_refused_untouched(
    demo_world, tmp_path: Path, command: str, kind: str
) -> None:
    store = tmp_path / "other.db"
    if kind == "foreign-sqlite":
        db = sqlite3.connect(store)
        db.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
        db.execute("INSERT INTO invoices VALUES (1, 9.5)")
        db.commit()
        db.close()
    elif kind == "text":
        store.write_text("meeting notes\n")
    else:
        store.touch()
    before = store.read_bytes()
    if command == "report":
        done = run("report", "--store", str(store), cwd=tmp_path)
    else:
        if kind == "empty":  # verify may start a new store in an empty file
            return
        (tmp_path / "a.xml").write_bytes(demo_world.duis[0])
        done = run(
            "verify", "a.xml", *demo_world.verify_args(), "--store", str(store), cwd=tmp_path
        )
    assert done.returncode == 2
    assert one_line(done).startswith(f"certcheck: error: {store}: ")
    assert store.read_bytes() == before
    assert _sidecars(store) == []


def test_verify_starts_a_new_store_in_an_empty_file(demo_world, tmp_path: Path) -> None:
    store = tmp_path / "audit.db"
    store.touch()
    audited_store(demo_world, tmp_path)
    done = run("report", "--store", "audit.db", "-f", "json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr


def test_a_damaged_page_is_exit_2_with_one_line(demo_world, tmp_path: Path) -> None:
    store = audited_store(demo_world, tmp_path)
    data = bytearray(store.read_bytes())
    page = 4096
    assert len(data) > 4 * page
    for offset in range(2 * page, len(data), page):  # every page but the header's
        data[offset : offset + 64] = b"\xa5" * 64
    store.write_bytes(bytes(data))
    done = run("report", "--store", "audit.db", cwd=tmp_path)
    assert done.returncode == 2
    assert one_line(done).startswith("certcheck: error: audit.db: ")


def test_schema_drift_is_exit_2_with_one_line(demo_world, tmp_path: Path) -> None:
    store = audited_store(demo_world, tmp_path)
    db = sqlite3.connect(store)
    db.execute("ALTER TABLE items RENAME TO items_old")
    db.commit()
    db.close()
    done = run("report", "--store", "audit.db", cwd=tmp_path)
    assert done.returncode == 2
    line = one_line(done)
    assert "audit.db: the audit store cannot be read" in line and "items" in line


# --- read-only stores ----------------------------------------------------------------------------


def _remount_read_only(folder: Path) -> bool:
    done = subprocess.run(["mount", "--bind", str(folder), str(folder)], capture_output=True)
    if done.returncode != 0:
        return False
    subprocess.run(["mount", "-o", "remount,ro,bind", str(folder)], check=True)
    return True


def test_a_store_on_a_read_only_file_system_is_read(demo_world, tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    store = audited_store(demo_world, folder)
    expected = run("report", "--store", str(store), "-f", "json", cwd=tmp_path)
    assert expected.returncode == 0, expected.stderr
    if os.geteuid() == 0 and _remount_read_only(folder):
        try:
            done = run("report", "--store", str(store), "-f", "json", cwd=tmp_path)
            written = run(
                "verify",
                str(tmp_path / "batch.jsonl"),
                *demo_world.verify_args(),
                "--store",
                str(store),
                cwd=tmp_path,
            )
        finally:
            subprocess.run(["umount", str(folder)], check=True)
        assert written.returncode == 2
        assert (
            one_line(written) == f"certcheck: error: {store}: cannot write (Read-only file system)"
        )
    else:  # no mount here: a read-only file in a read-only directory is the nearest thing
        store.chmod(0o444)
        folder.chmod(0o555)
        try:
            done = run("report", "--store", str(store), "-f", "json", cwd=tmp_path)
        finally:
            folder.chmod(0o755)
    assert done.returncode == 0, done.stderr
    shown, wanted = json.loads(done.stdout), json.loads(expected.stdout)
    shown.pop("generated", None)
    wanted.pop("generated", None)
    assert shown == wanted


def test_a_full_disk_under_store_is_exit_2_not_masked_by_rollback(
    demo_world, tmp_path: Path
) -> None:
    batch = demo_world.batch(tmp_path / "batch.jsonl", 2000)
    done = run(
        "verify",
        "batch.jsonl",
        *demo_world.verify_args(),
        "-f",
        "jsonl",
        "--store",
        "audit.db",
        cwd=tmp_path,
        preexec=small_disk,
    )
    assert done.returncode == 2, done.stderr
    line = one_line(done)
    assert line.startswith("certcheck: error: audit.db: cannot write to the audit store (")
    assert "rollback" not in line  # EFBIG reads "disk I/O error"; ENOSPC "database or disk is full"
    assert not list(tmp_path.glob(".certcheck-*"))
    del batch
    # What was committed before the disk filled stays readable, as after a kill.
    done = run("report", "--store", "audit.db", "-f", "json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
