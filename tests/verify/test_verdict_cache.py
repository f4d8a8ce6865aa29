"""Strict X.509 parsing verdicts on certificates no keystore holds, kept between runs: the same
reports, the strict parser not imported again, and a damaged or foreign form never trusted."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from certcheck.audit import verdict_cache
from certcheck.audit.verdict_cache import VerdictCache
from certcheck.smki import strict
from tests.verify.cli import WORLD, world_options_anywhere

DUIS = WORLD / "payloads" / "duis"
BEGIN, END = "-----BEGIN CERTIFICATE-----", "-----END CERTIFICATE-----"

# certcheck's entry point in a fresh process, saying on its last line of standard error
# whether the strict parser (cryptography.x509) was imported
PROBE = (
    "import atexit, sys\n"
    "atexit.register(lambda: print('cryptography.x509' in sys.modules, file=sys.stderr))\n"
    "sys.argv[0] = 'certcheck'\n"
    "from certcheck.cli.app import main\n"
    "main()"
)


def _run(*args: str) -> tuple[int, str, str, bool]:
    """``certcheck ARGS``: exit code, output, standard error but its last line, and whether
    the strict parser was imported."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "NO_COLOR": "1", "TERM": "dumb"},
    )
    *errors, imported = done.stderr.splitlines()
    return done.returncode, done.stdout, "\n".join(errors), imported == "True"


def _forms(cache: Path) -> list[Path]:
    return sorted(cache.glob("verdicts-*.bin"))


def _refused_certificate(tmp_path: Path) -> Path:
    """A certificate file whose version field says 18: asn1crypto decodes it, the strict
    parser refuses it."""
    text = sorted((WORLD / "pki" / "orgs").glob("*.pem"))[0].read_text()
    der = base64.b64decode("".join(line for line in text.splitlines() if "-----" not in line))
    refused = der.replace(bytes.fromhex("a003020102"), bytes.fromhex("a003020112"), 1)
    assert refused != der
    path = tmp_path / "version-18.pem"
    path.write_text(f"{BEGIN}\n{base64.encodebytes(refused).decode()}{END}\n")
    return path


def test_decode_judges_a_carried_certificate_once_then_takes_the_kept_verdict(
    tmp_path: Path,
) -> None:
    payload = str(next(DUIS.glob("*correct*.xml")))
    command = ("decode", payload, "-f", "json", "--cache-dir", str(tmp_path / "cache"))
    first = _run(*command)
    assert first[3]  # judged by the strict parser
    [form] = _forms(tmp_path / "cache")
    written = form.stat().st_ino
    second = _run(*command)
    assert second[:3] == first[:3]
    assert not second[3]  # taken from the kept verdicts
    assert _forms(tmp_path / "cache") == [form] and form.stat().st_ino == written  # not rewritten


def test_verify_reports_a_refused_certificate_the_same_from_the_kept_verdict(
    tmp_path: Path,
) -> None:
    item = _refused_certificate(tmp_path)
    command = ("verify", str(item), *world_options_anywhere(), "-f", "json")
    command += ("--cache-dir", str(tmp_path / "cache"))
    first, second = _run(*command), _run(*command)
    assert "rejected by strict X.509 parsing" in first[1]
    assert first[3] and not second[3]
    assert second[:3] == first[:3]


def test_without_the_cache_nothing_is_kept_and_the_parser_judges_every_run(
    tmp_path: Path,
) -> None:
    payload = str(next(DUIS.glob("*correct*.xml")))
    env_cache = Path(os.environ["XDG_CACHE_HOME"]) / "certcheck"
    before = _forms(env_cache)
    for _ in range(2):
        assert _run("decode", payload, "--no-cache")[3]
    assert _forms(env_cache) == before


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[:-7],  # cut short
        lambda data: data.replace(b'"rejected', b'"accepted'),  # altered: its digest differs
        lambda data: b"something else entirely\n",
    ],
)
def test_a_damaged_form_is_ignored_and_written_again(tmp_path: Path, damage) -> None:  # type: ignore[no-untyped-def]
    item = _refused_certificate(tmp_path)
    command = ("verify", str(item), *world_options_anywhere(), "-f", "json")
    command += ("--cache-dir", str(tmp_path / "cache"))
    first = _run(*command)
    [form] = _forms(tmp_path / "cache")
    good = form.read_bytes()
    assert b"rejected by strict X.509 parsing" in good
    form.write_bytes(damage(good))
    again = _run(*command)
    assert again[3]  # judged again
    assert again[:3] == first[:3]
    assert form.read_bytes() == good  # written again as it was
    third = _run(*command)
    assert not third[3] and third[:3] == first[:3]


def test_a_form_from_another_version_is_not_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = VerdictCache(tmp_path)
    monkeypatch.setattr(strict, "_LEARNT", {})
    monkeypatch.setattr(strict, "_FOUND", {"00" * 32: ("a verdict",)})
    cache.store()
    assert cache.load() == 1
    monkeypatch.setattr(verdict_cache, "FORMAT", verdict_cache.FORMAT + 1)
    monkeypatch.setattr(strict, "_LEARNT", {})
    assert cache.load() == 0  # another name: not found, so not read


@pytest.mark.parametrize(
    "entries",
    [
        {"00" * 31: []},  # not a SHA-256
        {"zz" * 32: []},  # not hex
        {"00" * 32: "a verdict"},  # not a list
        {"00" * 32: [1]},  # not text
        [["00" * 32, []]],  # not by digest
    ],
)
def test_a_form_of_the_wrong_shape_is_not_used(tmp_path: Path, entries: object) -> None:
    body = json.dumps(entries).encode()
    key = VerdictCache.key()
    header = {"format": verdict_cache.FORMAT, "key": key}
    header["body"] = hashlib.sha256(body).hexdigest()
    form = tmp_path / f"verdicts-{key}.bin"
    form.write_bytes(verdict_cache.MAGIC + json.dumps(header).encode() + b"\n" + body)
    assert VerdictCache(tmp_path).load() == 0


def test_verdicts_kept_and_learnt_stay_within_their_limits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(verdict_cache, "LIMIT", 3)
    monkeypatch.setattr(strict, "_LEARNT", {})
    monkeypatch.setattr(strict, "_FOUND", {f"{n:064x}": () for n in range(5)})
    VerdictCache(tmp_path).store()
    assert VerdictCache(tmp_path).load() == 3  # the first three, as they came
    assert set(strict.learnt()) == {f"{n:064x}" for n in range(3)}
    [form] = _forms(tmp_path)
    written = form.stat().st_ino
    monkeypatch.setattr(strict, "_FOUND", {f"{9:064x}": ()})
    VerdictCache(tmp_path).store()  # full: not written again
    assert form.stat().st_ino == written
    monkeypatch.setattr(strict, "KNOWN_LIMIT", 3)
    strict.learn({f"{9:064x}": ()})
    assert len(strict.learnt()) == 3
    monkeypatch.setattr(strict, "FOUND_LIMIT", 2)
    monkeypatch.setattr(strict, "_FOUND", {})
    strict.adopt([(f"{n:064x}", ()) for n in range(10, 15)])  # from workers
    assert list(strict.found()) == [f"{10:064x}", f"{11:064x}"]


def test_verdicts_a_worker_works_out_are_kept_by_the_reading_process(tmp_path: Path) -> None:
    batch = tmp_path / "batch"
    batch.mkdir()
    correct = next(DUIS.glob("*correct*.xml")).read_bytes()
    for n in range(300):  # the first block (audited before the workers) holds 256 of them
        (batch / f"{n:04d}.xml").write_bytes(correct)
    refused = _refused_certificate(tmp_path).rename(batch / "zz-version-18.pem")
    command = ("verify", str(batch), *world_options_anywhere(), "-f", "jsonl", "--jobs", "2")
    command += ("--cache-dir", str(tmp_path / "cache"))
    first = _run(*command)
    assert "rejected by strict X.509 parsing" in first[1]
    der = base64.b64decode("".join(refused.read_text().splitlines()[1:-1]))
    kept = VerdictCache(tmp_path / "cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(strict, "_LEARNT", {})
        kept.load()
        verdict = strict.learnt()[hashlib.sha256(der).hexdigest()]
    assert verdict and "rejected by strict X.509 parsing" in verdict[0]
    second = _run(*command)
    assert second[:3] == first[:3]
