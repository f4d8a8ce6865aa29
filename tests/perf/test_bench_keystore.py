"""The bench's large keystore: device certificates of the demo world's DCA, one per device."""

from __future__ import annotations

from pathlib import Path

from bench.generate import generate_devices
from certcheck.audit.keystore import KeyStore


def test_the_bench_writes_distinct_device_certificates_once(tmp_path: Path) -> None:
    directory = generate_devices(tmp_path / "devices", 3)
    store = KeyStore.from_paths([str(directory)])
    assert [certificate.kind for certificate in store.certificates] == ["device"] * 3
    assert len(store.by_entity) == 3
    written = sorted(path.stat().st_mtime_ns for path in directory.iterdir())
    generate_devices(directory, 3)  # complete: reused, not written again
    assert sorted(path.stat().st_mtime_ns for path in directory.iterdir()) == written
