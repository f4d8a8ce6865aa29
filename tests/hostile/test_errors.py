"""Errors a user can act on: each names the file, line or offset and what was expected."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from certcheck.cli import app as cli_app


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "certcheck", *args], cwd=cwd, capture_output=True, text=True,
        timeout=120,
    )


def test_usage_errors_name_what_is_wrong(demo_world, tmp_path: Path) -> None:
    args = demo_world.verify_args()
    done = _cli("verify", "missing.xml", *args, cwd=tmp_path)
    assert done.returncode == 2
    assert "missing.xml: no such file or directory" in done.stderr
    done = _cli("verify", str(tmp_path), *args[:-2], "--at", "yesterday", cwd=tmp_path)
    assert done.returncode == 2
    assert "--at 'yesterday': expected an ISO 8601 date" in done.stderr
    operators = tmp_path / "operators.csv"
    operators.write_text("entity_id,party,user_role,mpids\nnot-an-eui,X,supplier,\n")
    (tmp_path / "a.xml").write_bytes(demo_world.duis[0])
    done = _cli(
        "verify", "a.xml", "--mapping", args[1], "--operators", str(operators), cwd=tmp_path
    )
    assert done.returncode == 2
    assert f"{operators}:2" in done.stderr
    assert done.stdout == ""
    empty = tmp_path / "empty"
    empty.mkdir()
    done = _cli("verify", str(empty), *args, cwd=tmp_path)
    assert done.returncode == 2 and "no input found" in done.stderr


def test_unreadable_items_say_where_and_what_was_expected(demo_world, tmp_path: Path) -> None:
    xml = demo_world.duis[0]
    (tmp_path / "cut.xml").write_bytes(xml[: len(xml) // 2])
    (tmp_path / "junk.bin").write_bytes(b"\x07\x01\x02")
    (tmp_path / "cut.der").write_bytes(b"\x30\x82\x01\x00\x02\x01")
    gbcs = demo_world.gbcs[0]
    (tmp_path / "cut.hex").write_bytes(gbcs[: len(gbcs) // 2])
    batch = tmp_path / "batch.jsonl"
    batch.write_text(json.dumps({"id": "a", "payload": xml.decode()}) + "\n{not json\n")
    done = _cli("verify", ".", *demo_world.verify_args(), "-f", "jsonl", cwd=tmp_path)
    records = {r["source"]: r for r in map(json.loads, done.stdout.splitlines())}
    unreadable = {
        source: record["findings"][0]
        for source, record in records.items()
        if record["kind"] is None
    }
    assert sorted(unreadable) == sorted(
        ["batch.jsonl#2", "cut.der", "cut.hex", "cut.xml", "junk.bin"]
    ), sorted(records)
    assert unreadable["batch.jsonl#2"]["where"] == "line 2"
    assert "not valid JSON" in unreadable["batch.jsonl#2"]["message"]
    assert unreadable["cut.xml"]["where"].startswith("line ")
    assert "expected" in unreadable["junk.bin"]["message"]
    assert unreadable["junk.bin"]["where"] == "offset 0x0"
    assert unreadable["cut.der"]["where"] == "certificates[0]/offset 0x0"
    assert "runs past the end" in unreadable["cut.der"]["message"]
    assert unreadable["cut.hex"]["where"].startswith("offset 0x")
    assert "expected" in unreadable["cut.hex"]["message"]
    for finding in unreadable.values():
        assert finding["code"] == "INPUT_UNREADABLE"


@pytest.mark.parametrize("debug", [True, False])
def test_internal_error_exit_3_and_traceback_only_with_debug(
    demo_world, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys, debug: bool
) -> None:
    from certcheck.cli import verify_run

    def explode(request):  # type: ignore[no-untyped-def]
        raise RuntimeError("simulated defect")

    monkeypatch.setattr(verify_run, "run_verify", explode)
    (tmp_path / "a.xml").write_bytes(demo_world.duis[0])
    argv = [*(["--debug"] if debug else []), "verify", str(tmp_path / "a.xml"),
            *demo_world.verify_args()]
    with pytest.raises(SystemExit) as stopped:
        cli_app.main(argv)
    assert stopped.value.code == 3
    err = capsys.readouterr().err
    assert "internal error: RuntimeError: simulated defect" in err
    assert "--debug" in err
    assert ("Traceback (most recent call last)" in err) is debug
    assert ("in explode" in err) is debug


def test_a_payload_holding_half_a_character_is_one_unreadable_item(
    demo_world, tmp_path: Path
) -> None:
    """JSON can escape an unpaired surrogate (\\ud800), which no XML or hex payload can be: the
    entry is an unreadable item naming the escape, and the batch goes on."""
    payload = json.dumps(demo_world.duis[0].decode())
    batch = tmp_path / "batch.jsonl"
    batch.write_text(
        '{"id": "half", "payload": "<a>\\ud800</a>"}\n'
        f'{{"id": "whole", "payload": {payload}}}\n'
    )
    done = _cli("verify", "batch.jsonl", *demo_world.verify_args(), "-f", "jsonl", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert done.stderr == ""
    half, whole = map(json.loads, done.stdout.splitlines())
    assert half["id"] == "half" and half["kind"] is None
    assert [f["code"] for f in half["findings"]] == ["INPUT_UNREADABLE"]
    assert "unpaired surrogate \\ud800 at character 3" in half["findings"][0]["message"]
    assert half["findings"][0]["where"] == "line 1"
    assert whole["id"] == "whole" and whole["kind"] == "duis-request"


@pytest.mark.parametrize("flag", ["-o", "--passed", "--failed"])
def test_an_output_naming_an_input_file_is_refused_and_the_input_kept(
    demo_world, tmp_path: Path, flag: str
) -> None:
    batch = tmp_path / "batch.jsonl"
    batch.write_text(json.dumps({"id": "a", "payload": demo_world.duis[0].decode()}) + "\n")
    before = batch.read_bytes()
    (tmp_path / "link.jsonl").symlink_to(batch)
    args = demo_world.verify_args()
    done = _cli("verify", "batch.jsonl", *args, flag, "link.jsonl", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip().endswith(
        f"{flag} link.jsonl is an input of this run; name another file (it would be replaced by "
        "what is written)"
    ), done.stderr
    assert batch.read_bytes() == before
