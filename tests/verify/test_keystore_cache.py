"""Certificate files (--certs, --trust) kept decoded between runs: the same keystore, the same
reports, and a bad or changed file treated exactly as without the cache."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from certcheck.audit.keystore import KeyStore, KeyStoreError
from certcheck.audit.keystore_cache import KEEP, KeyStoreCache
from certcheck.smki.cache import certificate_from_der
from tests.verify.cli import WORLD, certcheck, world_options_anywhere

ORGS = WORLD / "pki" / "orgs"
GBCS = WORLD / "payloads" / "gbcs"
BEGIN, END = "-----BEGIN CERTIFICATE-----", "-----END CERTIFICATE-----"
BROKEN_PEM = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"


def _seen(store: KeyStore) -> tuple:
    """Everything a caller can observe of a keystore."""
    return (
        [certificate.sha256 for certificate in store.certificates],
        {entity: [c.sha256 for c in found] for entity, found in store.by_entity.items()},
        {ski: certificate.sha256 for ski, certificate in store.by_ski.items()},
        [certificate.problems for certificate in store.certificates],
    )


def _compiled(directory: Path) -> list[Path]:
    return sorted(directory.glob("certs-*.bin"))


def _orgs(tmp_path: Path) -> Path:
    return Path(shutil.copytree(ORGS, tmp_path / "orgs"))


def test_an_unchanged_keystore_is_read_from_its_compiled_form(tmp_path: Path) -> None:
    orgs, cache = _orgs(tmp_path), KeyStoreCache(tmp_path / "cache")
    fresh = _seen(KeyStore.from_paths([str(orgs)]))
    assert _seen(KeyStore.from_paths([str(orgs)], cache)) == fresh
    [compiled] = _compiled(cache.directory)
    written = compiled.stat().st_ino
    certificate_from_der.cache_clear()
    assert _seen(KeyStore.from_paths([str(orgs)], cache)) == fresh
    assert certificate_from_der.cache_info().misses == 0  # nothing was decoded
    assert _compiled(cache.directory) == [compiled] and compiled.stat().st_ino == written


def test_a_changed_or_added_file_is_decoded_again(tmp_path: Path) -> None:
    orgs, cache = _orgs(tmp_path), KeyStoreCache(tmp_path / "cache")
    KeyStore.from_paths([str(orgs)], cache)
    shutil.copy(WORLD / "pki" / "oca.pem", orgs / "zz-oca.pem")
    assert _seen(KeyStore.from_paths([str(orgs)], cache)) == _seen(KeyStore.from_paths([str(orgs)]))
    assert len(_compiled(cache.directory)) == 2


def test_a_damaged_compiled_form_is_ignored_and_written_again(tmp_path: Path) -> None:
    orgs, cache = _orgs(tmp_path), KeyStoreCache(tmp_path / "cache")
    fresh = _seen(KeyStore.from_paths([str(orgs)], cache))
    [compiled] = _compiled(cache.directory)
    data = compiled.read_bytes()
    at = data.index(b'"', data.index(b"\n", data.index(b"\n") + 1) + 1) + 5  # in the first DER
    flipped = data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]
    for damaged in (data[: len(data) // 2], b"\x00" * len(data), flipped, b""):
        compiled.write_bytes(damaged)
        assert _seen(KeyStore.from_paths([str(orgs)], cache)) == fresh
        assert compiled.read_bytes() == data  # compiled again


def test_a_compiled_form_nested_past_the_json_parser_is_ignored(tmp_path: Path) -> None:
    orgs, cache = _orgs(tmp_path), KeyStoreCache(tmp_path / "cache")
    fresh = _seen(KeyStore.from_paths([str(orgs)], cache))
    [compiled] = _compiled(cache.directory)
    data = compiled.read_bytes()
    magic_and_header = data[: data.index(b"\n", data.index(b"\n") + 1) + 1]
    body = b"[" * 200_000 + b"]" * 200_000
    header = magic_and_header.replace(
        magic_and_header.split(b'"body":"')[1].split(b'"')[0],
        hashlib.sha256(body).hexdigest().encode(),
    )
    compiled.write_bytes(header + body)
    assert _seen(KeyStore.from_paths([str(orgs)], cache)) == fresh


def test_a_bad_file_is_an_error_at_start_up_and_never_compiled(tmp_path: Path) -> None:
    orgs, cache = _orgs(tmp_path), KeyStoreCache(tmp_path / "cache")
    KeyStore.from_paths([str(orgs)], cache)
    (orgs / "broken.pem").write_text(BROKEN_PEM)
    for _ in range(2):
        with pytest.raises(KeyStoreError, match=r"broken\.pem: not a certificate file"):
            KeyStore.from_paths([str(orgs)], cache)
    assert len(_compiled(cache.directory)) == 1


def test_an_unwritable_cache_directory_only_costs_the_reuse(tmp_path: Path) -> None:
    orgs = _orgs(tmp_path)
    (tmp_path / "plain-file").write_text("not a directory")
    cache = KeyStoreCache(tmp_path / "plain-file" / "cache")
    assert _seen(KeyStore.from_paths([str(orgs)], cache)) == _seen(KeyStore.from_paths([str(orgs)]))


def test_only_the_most_recently_used_are_kept(tmp_path: Path) -> None:
    cache = KeyStoreCache(tmp_path / "cache")
    pems = sorted(ORGS.glob("*.pem"))
    for pem in pems[: KEEP + 2]:
        KeyStore.from_paths([str(pem)], cache)
    assert len(_compiled(cache.directory)) == KEEP


def _verify(*extra: str) -> tuple[int, str, str]:
    done = certcheck("verify", str(GBCS), *world_options_anywhere(), "-f", "jsonl", *extra)
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, done.stdout, done.stderr


def test_verify_reports_the_same_with_the_keystore_compiled(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    fresh = _verify("--no-cache")
    assert fresh[0] == 1 and "COMMAND_SIGNATURE_INVALID" in fresh[1]
    assert _verify("--cache-dir", str(cache)) == fresh
    assert len(_compiled(cache)) == 2  # --trust and --certs
    assert _verify("--cache-dir", str(cache)) == fresh
    assert not (tmp_path / "none").exists()
    _verify("--no-cache", "--cache-dir", str(tmp_path / "none"))
    assert not (tmp_path / "none").exists()


def test_decode_names_the_same_signatures_with_the_keystore_compiled(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    command = ["decode", str(GBCS), "--certs", str(ORGS), "-f", "json"]
    fresh = certcheck(*command, "--no-cache")
    assert '"signature"' in fresh.stdout and '"valid"' in fresh.stdout
    for _ in range(2):
        again = certcheck(*command, "--cache-dir", str(cache))
        assert (again.returncode, again.stdout, again.stderr) == (
            fresh.returncode,
            fresh.stdout,
            fresh.stderr,
        )
    assert len(_compiled(cache)) == 1


def test_an_item_carrying_a_keystore_certificate_takes_the_keystores(tmp_path: Path) -> None:
    orgs, cache = _orgs(tmp_path), KeyStoreCache(tmp_path / "cache")
    KeyStore.from_paths([str(orgs)], cache)
    certificate_from_der.cache_clear()
    store = KeyStore.from_paths([str(orgs)], cache)  # read back: nothing decoded
    assert store.certificates
    for certificate in store.certificates:
        assert certificate_from_der(bytes(bytearray(certificate.der))) is certificate


# A keystore read back from its compiled form, then every certificate's profile problems, in a
# fresh process: whether that imported cryptography.x509 (the strict parser) or not.
PROFILE_PROBLEMS = """
import json, sys
from certcheck.audit.keystore import KeyStore
from certcheck.audit.keystore_cache import KeyStoreCache
from certcheck.smki.profile import profile_problems
store = KeyStore.from_paths([sys.argv[1]], KeyStoreCache(__import__("pathlib").Path(sys.argv[2])))
problems = {c.sha256: list(profile_problems(c)) for c in store.certificates}
print(json.dumps([problems, "cryptography.x509" in sys.modules]))
"""


def _profile_problems(orgs: Path, cache: Path) -> tuple[dict[str, list[str]], bool]:
    done = subprocess.run(
        [sys.executable, "-c", PROFILE_PROBLEMS, str(orgs), str(cache)],
        capture_output=True,
        text=True,
        check=True,
    )
    problems, strict_parser_imported = json.loads(done.stdout)
    return problems, strict_parser_imported


def test_the_strict_parsers_verdicts_are_kept_with_the_keystore(tmp_path: Path) -> None:
    orgs = _orgs(tmp_path)
    text = sorted(orgs.glob("*.pem"))[0].read_text()
    der = base64.b64decode("".join(line for line in text.splitlines() if "-----" not in line))
    refused = der.replace(bytes.fromhex("a003020102"), bytes.fromhex("a003020112"), 1)  # v18
    assert refused != der
    body = base64.encodebytes(refused).decode()
    (orgs / "version-18.pem").write_text(f"{BEGIN}\n{body}{END}\n")
    fresh = _profile_problems(orgs, tmp_path / "cache")  # decoded, compiled
    again = _profile_problems(orgs, tmp_path / "cache")  # read back
    assert fresh[1] and not again[1]
    assert again[0] == fresh[0]
    refused_problems = again[0][hashlib.sha256(refused).hexdigest()]
    assert any("rejected by strict X.509 parsing" in p for p in refused_problems)
