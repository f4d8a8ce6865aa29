"""Output safety (SPEC.md): what ``-o`` may replace, hostile file names, CSV and terminal text.

Every output is a sink for hostile data: file names and party names reach CSV cells, terminal
lines and rich tables. Special files and symlinks given to ``-o`` are written through, never
replaced, and the store is never overwritten by a report.
"""

from __future__ import annotations

import csv
import io
import json
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from certcheck.output.csvcell import cell, row

ESC = "\x1b"
HOSTILE_NAMES = (
    '=HYPERLINK("http:attacker.example","click").xml',
    "+cmd.xml",
    "-2+3.xml",
    "@SUM(A1).xml",
    "\tTAB.xml",
    "line\rbreak.xml",
    "line\nfeed.xml",
    f"screen{ESC}[2J{ESC}]0;title{chr(7)}.xml",
    "markup[bold]x[link=http:x].xml",
)


def _run(*args: str, cwd: Path, **options) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    return subprocess.run(
        [sys.executable, "-m", "certcheck", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        errors="strict",
        timeout=120,
        **options,
    )


def _one_line_error(done: subprocess.CompletedProcess[str]) -> str:
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr
    return lines[0]


# --- CSV cells ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+cmd", "'+cmd"),
        ("-x", "'-x"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", '"\'\rx"'),
        ("a\rb", '"a\rb"'),
        ("a\nb", '"a\nb"'),
        ('say "hi", then', '"say ""hi"", then"'),
        ("plain", "plain"),
        (None, ""),
        (-3, "-3"),
        (0.25, "0.25"),
    ],
)
def test_csv_cell_is_neutralised_and_quoted(value: object, expected: str) -> None:
    assert cell(value) == expected


def test_csv_row_reads_back_as_one_row_per_line() -> None:
    text = row(["a\rb", "=x", "c\nd"]) + row(["next", "", "row"])
    parsed = list(csv.reader(io.StringIO(text, newline="")))
    assert parsed == [["a\rb", "'=x", "c\nd"], ["next", "", "row"]]


@pytest.fixture()
def hostile_dir(demo_world, tmp_path: Path) -> Path:
    """A directory of one DUIS request under each hostile name and a name that is not UTF-8."""
    folder = tmp_path / "in"
    folder.mkdir()
    for name in HOSTILE_NAMES:
        (folder / name).write_bytes(demo_world.duis[0])
    os.mkfifo(folder / "pipe.xml")  # skipped by the walk, with a note
    (folder.joinpath(os.fsdecode(b"latin1-\xe9\xff.xml"))).write_bytes(demo_world.duis[0])
    return folder


def test_verify_csv_neutralises_hostile_file_names(demo_world, hostile_dir: Path) -> None:
    done = _run("verify", "in", *demo_world.verify_args(), "-f", "csv", cwd=hostile_dir.parent)
    assert done.returncode == 1, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout, newline="")))
    sources = {r["source"] for r in rows}
    assert len(sources) == len(HOSTILE_NAMES) + 1, sources
    for source in sources:
        name = source.removeprefix("'").removeprefix("in/")
        assert source.startswith("in/")
    assert "in/latin1-\\xe9\\xff.xml" in sources
    # Every row parsed back whole: the CR and LF names did not split a row.
    assert all(r["verdict"] in ("pass", "warn", "fail") for r in rows)
    assert all(not (r.get("supplier") or "").startswith(("=", "+", "-", "@")) for r in rows)
    assert "pipe.xml: skipped, a FIFO is not a regular file" in done.stderr
    del name


def test_csv_cells_of_data_starting_with_formula_marks_are_prefixed(
    demo_world, tmp_path: Path
) -> None:
    """A party name in operators.csv starting with = reaches verify, report and classify CSV."""
    operators = tmp_path / "operators.csv"
    original = Path(demo_world.verify_args()[3]).read_text(encoding="utf-8")
    operators.write_text(
        original.replace("Kestrel Power", '"=HYPERLINK(""http://x.example/"",""x"")"')
        .replace("Brightwater Energy", "@SUM(1+1)")
        .replace(",London", ",-London")
        .replace(",Northern", ",+Northern")
        .replace(",ESP", ",=ESP")
        .replace(",SP Energy", ",@SP Energy"),
        encoding="utf-8",
    )
    args = demo_world.verify_args()
    args[3] = str(operators)
    batch = demo_world.batch(tmp_path / "batch.jsonl", 20)
    done = _run("verify", str(batch), *args, "-f", "csv", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    suppliers = {r["supplier"] for r in csv.DictReader(io.StringIO(done.stdout, newline=""))}
    assert suppliers & {'\'=HYPERLINK("http://x.example/","x")', "'@SUM(1+1)"}, suppliers
    assert not any(s.startswith(("=", "@")) for s in suppliers)

    results = tmp_path / "results.jsonl"
    done = _run("verify", str(batch), *args, "-f", "jsonl", "-o", str(results), cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    done = _run("report", str(results), "-f", "csv", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    cells = [c for r in csv.reader(io.StringIO(done.stdout, newline="")) for c in r]
    assert any(c.startswith("'=HYPERLINK") or c.startswith("'@SUM") for c in cells), cells
    assert not any(c.startswith(("=", "@", "+")) for c in cells)

    done = _run("classify", str(batch), "--operators", str(operators), "-f", "csv", cwd=tmp_path)
    cells = [c for r in csv.reader(io.StringIO(done.stdout, newline="")) for c in r]
    assert any(c.startswith(("'-London", "'+Northern", "'=ESP", "'@SP")) for c in cells), cells
    assert not any(c.startswith(("=", "@", "+", "-")) for c in cells)


# --- terminal text -----------------------------------------------------------------------------


def test_table_escapes_control_characters_and_ignores_markup(demo_world, hostile_dir: Path) -> None:
    done = _run("verify", "in", *demo_world.verify_args(), cwd=hostile_dir.parent)
    assert done.returncode == 1, done.stderr
    assert ESC not in done.stdout and "\r" not in done.stdout and chr(7) not in done.stdout
    assert "screen\\x1b[2J\\x1b]0;title\\x07.xml" in done.stdout
    assert "line\\x0dbreak.xml" in done.stdout
    assert "markup[bold]x[link=http:x].xml" in done.stdout
    assert "latin1-\\xe9\\xff.xml" in done.stdout


def test_hostile_party_names_and_subjects_never_crash_a_table(demo_world, tmp_path: Path) -> None:
    """``[/x]`` and ESC in a party name or a certificate subject: report, decode, classify."""
    from certcheck.demo.pki import issue_organisation, make_issuing_ca, make_root

    hostile = f"[/x][bold]Evil{ESC}]8;;http://x.example/{ESC}\\"
    operators = tmp_path / "operators.csv"
    original = Path(demo_world.verify_args()[3]).read_text(encoding="utf-8")
    operators.write_text(original.replace("Kestrel Power", hostile), encoding="utf-8")
    args = demo_world.verify_args()
    args[3] = str(operators)
    batch = demo_world.batch(tmp_path / "batch.jsonl", 20)
    results = tmp_path / "results.jsonl"
    done = _run("verify", str(batch), *args, "-f", "jsonl", "-o", str(results), cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert hostile in results.read_text(encoding="utf-8").encode().decode("unicode_escape")
    for command in (
        ["verify", str(batch), *args],
        ["report", str(results), "-f", "table"],
        ["classify", str(batch), "--operators", str(operators)],
    ):
        done = _run(*command, cwd=tmp_path)
        assert done.returncode in (0, 1), (command, done.stderr)
        assert ESC not in done.stdout, command
        if command[0] == "report":  # the only one of these tables with a supplier column
            assert "Evil" in done.stdout and "\\x1b" in done.stdout, (command, done.stdout)

    root = make_root("hostile", "Root")
    ca = make_issuing_ca("hostile", root, "Issuing")
    bad = issue_organisation("hostile", ca, bytes(8), 0x02, "digitalSignature", common_name=hostile)
    (tmp_path / "a-bad.pem").write_bytes(bad.pem)
    (tmp_path / "b-good.pem").write_bytes(root.pem)
    done = _run("decode", "a-bad.pem", "b-good.pem", cwd=tmp_path)
    assert done.returncode in (0, 1), done.stderr
    assert "b-good.pem" in done.stdout, "decode lost the file after the hostile one"
    assert ESC not in done.stdout
    assert "[/x][bold]Evil\\x1b]8" in done.stdout.replace("\n", "")


# --- what -o may replace -----------------------------------------------------------------------


def _verify_to(demo_world, cwd: Path, out: str, *extra: str, **options):  # type: ignore[no-untyped-def]
    (cwd / "a.xml").write_bytes(demo_world.duis[0])
    return _run(
        "verify",
        "a.xml",
        *demo_world.verify_args(),
        "-f",
        "jsonl",
        "-o",
        out,
        *extra,
        cwd=cwd,
        **options,
    )


def test_new_output_gets_the_umask_mode_and_a_replaced_one_keeps_its_mode(
    demo_world, tmp_path: Path
) -> None:
    done = _verify_to(demo_world, tmp_path, "new.jsonl", preexec_fn=lambda: os.umask(0o027))
    assert done.returncode == 1, done.stderr
    assert stat.S_IMODE((tmp_path / "new.jsonl").stat().st_mode) == 0o640
    kept = tmp_path / "kept.jsonl"
    kept.write_text("old\n")
    kept.chmod(0o604)
    done = _verify_to(demo_world, tmp_path, "kept.jsonl")
    assert done.returncode == 1, done.stderr
    assert stat.S_IMODE(kept.stat().st_mode) == 0o604
    assert json.loads(kept.read_text().splitlines()[0])["source"] == "a.xml"
    assert not list(tmp_path.glob(".certcheck-*"))


def test_output_to_a_fifo_is_written_into_not_replaced(demo_world, tmp_path: Path) -> None:
    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    done = _verify_to(demo_world, tmp_path, str(fifo))
    reader.join(timeout=60)
    assert done.returncode == 1, done.stderr
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert json.loads(received[0].decode().splitlines()[0])["source"] == "a.xml"
    assert not list(tmp_path.glob(".certcheck-*"))


def test_output_to_a_symlink_writes_its_target(demo_world, tmp_path: Path) -> None:
    target = tmp_path / "real" / "out.jsonl"
    target.parent.mkdir()
    target.write_text("old\n")
    link = tmp_path / "link.jsonl"
    link.symlink_to(target)
    done = _verify_to(demo_world, tmp_path, "link.jsonl")
    assert done.returncode == 1, done.stderr
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert json.loads(target.read_text().splitlines()[0])["source"] == "a.xml"
    assert not list(tmp_path.glob(".certcheck-*")) and not list(target.parent.glob(".certcheck-*"))


def test_output_to_a_device_symlink_is_written_through(demo_world, tmp_path: Path) -> None:
    """A symlink to a device (here a FIFO stands for one) is followed, the node kept."""
    fifo = tmp_path / "node"
    os.mkfifo(fifo)
    link = tmp_path / "out"
    link.symlink_to(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    done = _verify_to(demo_world, tmp_path, "out")
    reader.join(timeout=60)
    assert done.returncode == 1, done.stderr
    assert link.is_symlink() and stat.S_ISFIFO(fifo.lstat().st_mode)
    assert received and received[0]


@pytest.mark.parametrize("alias", ["same", "symlink", "hardlink"])
def test_the_store_is_refused_as_output(demo_world, tmp_path: Path, alias: str) -> None:
    (tmp_path / "a.xml").write_bytes(demo_world.duis[0])
    done = _run("verify", "a.xml", *demo_world.verify_args(), "--store", "audit.db", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    store = tmp_path / "audit.db"
    name = {"same": "audit.db", "symlink": "link.db", "hardlink": "hard.db"}[alias]
    if alias == "symlink":
        (tmp_path / name).symlink_to(store)
    elif alias == "hardlink":
        os.link(store, tmp_path / name)
    before = store.read_bytes()
    done = _verify_to(demo_world, tmp_path, name, "--store", "audit.db")
    assert done.returncode == 2
    assert "audit store" in _one_line_error(done)
    assert store.read_bytes() == before
    done = _run("report", "--store", "audit.db", "-f", "json", "-o", name, cwd=tmp_path)
    assert done.returncode == 2
    assert "audit store" in _one_line_error(done)
    assert store.read_bytes() == before


def test_non_utf8_file_name_is_carried_by_every_output(demo_world, hostile_dir: Path) -> None:
    cwd = hostile_dir.parent
    for fmt in ("json", "jsonl", "csv", "sarif", "table"):
        out = cwd / f"out.{fmt}"
        done = _run(
            "verify",
            "in",
            *demo_world.verify_args(),
            "-f",
            fmt,
            "-o",
            str(out),
            "--store",
            "audit.db",
            cwd=cwd,
        )
        assert done.returncode == 1, (fmt, done.stderr)
        text = out.read_text(encoding="utf-8")
        if fmt in ("json", "jsonl", "sarif"):  # JSON escapes the backslash itself
            text = text.replace("\\\\", "\\")
        assert "latin1-\\xe9\\xff" in text, fmt
    records = [json.loads(line) for line in (cwd / "out.jsonl").read_text().splitlines()]
    assert len(records) == len(HOSTILE_NAMES) + 1
    done = _run("report", "--store", "audit.db", "--by", "supplier", "-f", "json", cwd=cwd)
    assert done.returncode == 0, done.stderr
    # The file itself opens: the item was read, not reported unreadable.
    latin = next(r for r in records if "latin1" in r["source"])
    assert latin["kind"] == "duis-request"
