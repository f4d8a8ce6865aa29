"""A check that raises is a CHECK_FAILED finding on that item; the batch goes on; exit 3.

The fault is planted by replacing one registered rule's function with one that raises on a
single item, in this process (and so in the workers forked from it).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from certcheck.checks import registry
from certcheck.cli import app as cli_app

FAULTY = "NO_CERT_PAIR_MISMATCH"


def _rule(code: str) -> registry.Rule:
    return next(r for r in registry.all_rules() if r.code == code)


@pytest.fixture()
def faulty_check(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """The pair-mismatch check raises on the third line of a batch, works on the others."""
    rule = _rule(FAULTY)
    original = rule.run
    assert original is not None

    def faulty(subject):  # type: ignore[no-untyped-def]
        if subject.item.source.endswith("#3"):
            raise ZeroDivisionError("planted fault")
        return original(subject)

    monkeypatch.setattr(rule, "run", faulty)
    registry._every_check.cache_clear()  # rebuilt from the registry on first use
    monkeypatch.delenv(registry.DEBUG_ENV, raising=False)
    yield
    monkeypatch.undo()
    registry._every_check.cache_clear()


@pytest.mark.parametrize(("jobs", "debug"), [("1", False), ("2", True)])
def test_a_faulty_check_gives_check_failed_and_the_batch_goes_on(
    demo_world, tmp_path: Path, capfd, faulty_check, jobs: str, debug: bool
) -> None:
    size = len(demo_world.duis) + 3  # line 3 and line 3 + len(duis) carry the same payload
    batch = demo_world.batch(tmp_path / "batch.jsonl", size)
    out = tmp_path / "out.jsonl"
    argv = [
        *(["--debug"] if debug else []),
        "verify",
        str(batch),
        *demo_world.verify_args(),
        "-f",
        "jsonl",
        "-o",
        str(out),
        "--jobs",
        jobs,
    ]
    with pytest.raises(SystemExit) as stopped:
        cli_app.main(argv)
    assert stopped.value.code == 3
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(records) == size
    failed = [r for r in records if any(f["code"] == "CHECK_FAILED" for f in r["findings"])]
    assert [r["source"] for r in failed] == [f"{batch}#3"]
    (finding,) = [f for f in failed[0]["findings"] if f["code"] == "CHECK_FAILED"]
    assert finding["severity"] == "error"
    assert f"the {FAULTY} check raised ZeroDivisionError: planted fault" in finding["message"]
    assert failed[0]["verdict"] == "fail"
    # The other checks still ran on the faulty item: its findings are those of the same
    # payload elsewhere in the batch, but for the faulty rule's.
    twin = records[2 + len(demo_world.duis)]
    assert [f for f in failed[0]["findings"] if f["code"] != "CHECK_FAILED"] == [
        f for f in twin["findings"] if f["code"] != FAULTY
    ]
    err = capfd.readouterr().err  # workers write to the same descriptor
    assert "internal error: a check raised on 1 item(s)" in err
    assert ("Traceback (most recent call last)" in err) is debug
    assert ("planted fault" in err) is debug


def test_check_failed_is_a_registered_rule() -> None:
    rule = _rule("CHECK_FAILED")
    assert rule.severity.label == "error" and rule.family == "input" and rule.run is None
    assert rule.description and rule.source
