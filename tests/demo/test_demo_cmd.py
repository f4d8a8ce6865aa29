"""``certcheck demo`` through the real command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, "-m", "certcheck", *args],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False,
    )


def test_demo_writes_a_world_and_prints_the_verify_command_on_stderr(tmp_path):
    done = run("demo", "w", "--seed", "cli", "--size", "20", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    assert "certcheck verify w/payloads --mapping w/meters.csv" in done.stderr
    assert "every item's findings and Supplier agree with truth.json" in done.stderr
    world = tmp_path / "w"
    for name in ("operators.csv", "meters.csv", "truth.json", "pki/root.pem", "pki/oca.pem"):
        assert (world / name).is_file(), name
    truth = json.loads((world / "truth.json").read_text())
    assert truth["seed"] == "cli" and truth["size"] == 20


def test_rerunning_with_another_seed_leaves_no_stale_payloads(tmp_path):
    assert run("demo", "w", "--seed", "one", "--size", "20", cwd=tmp_path).returncode == 0
    assert run("demo", "w", "--seed", "two", "--size", "10", cwd=tmp_path).returncode == 0
    truth = json.loads((tmp_path / "w" / "truth.json").read_text())["items"]
    files = {
        str(p.relative_to(tmp_path / "w")) for p in (tmp_path / "w" / "payloads").rglob("*.*")
        if p.suffix != ".jsonl"
    }
    assert files == {k for k in truth if "#" not in k}


def test_demo_refuses_a_directory_that_is_not_a_demo_world(tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    done = run("demo", "mine", cwd=tmp_path)
    assert done.returncode == 2
    assert "not a certcheck demo world" in done.stderr
    assert (tmp_path / "mine" / "notes.txt").read_text() == "keep me"


def test_demo_help_shows_an_example(tmp_path):
    done = run("demo", "--help", cwd=tmp_path)
    assert done.returncode == 0 and "Example: certcheck demo" in done.stdout


def test_the_self_check_reports_an_item_whose_findings_differ_from_truth(tmp_path):
    from certcheck.demo.selfcheck import check_world
    from certcheck.demo.world import build_world
    from certcheck.demo.write import write_world

    write_world(build_world("selfcheck", 12), tmp_path)
    assert check_world(tmp_path).agrees
    path = tmp_path / "truth.json"
    truth = json.loads(path.read_text())
    name = next(k for k, v in truth["items"].items() if v["codes"] == [])
    truth["items"][name]["codes"] = ["NO_CERT_WRONG_NETWORK"]
    path.write_text(json.dumps(truth))
    check = check_world(tmp_path)
    assert not check.agrees
    assert check.mismatches == [(name, ["NO_CERT_WRONG_NETWORK"], [])]
