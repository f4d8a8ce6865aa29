"""The compiled meters.csv: reused while the content is unchanged, never trusted otherwise."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from certcheck.market.meters import MappingCache, MeterMapping, load_meters, read_carefully
from certcheck.market.meters.cache import KEEP, MAGIC

LOND = "1200000000002"
ROWS = [
    "device_id,mpan,mprn,network,device_type",
    f"00-DB-12-34-56-78-90-01,{LOND},,LOND,ESME",
    "00-DB-12-34-56-78-90-02,,3938424403,NGN,GSME",
    "00-DB-12-34-56-78-90-03,1312345678111,,,",  # check digit wrong: a bad row
    f"00-DB-12-34-56-78-90-04,{LOND},,ZZZZ,",  # nobody answers for ZZZZ
    f"00-DB-12-34-56-78-90-05,{LOND},,,",
    "00-DB-12-34-56-78-90-05,2000024512368,,,",  # the same device, another row
]
NETWORKS = frozenset({"LOND", "NGN"})
DEVICES = [f"00-DB-12-34-56-78-90-{n:02d}" for n in range(1, 7)]


def _seen(mapping: MeterMapping) -> tuple:
    """Everything a caller can observe of a mapping."""
    return (
        len(mapping),
        mapping.path,
        sorted(mapping, key=lambda meter: meter.device_id),
        [(str(bad), bad.undetermined) for bad in mapping.bad_rows],
        [(mapping.by_device(eui), mapping.bad_row(eui)) for eui in DEVICES],
    )


def _csv(tmp_path: Path, rows: list[str] = ROWS) -> Path:
    path = tmp_path / "meters.csv"
    path.write_text("\n".join(rows) + "\n")
    return path


def _compiled(cache: MappingCache) -> list[Path]:
    return sorted(cache.directory.glob("meters-*.bin"))


def test_an_unchanged_file_is_read_from_its_compiled_form(tmp_path: Path) -> None:
    path = _csv(tmp_path)
    cache = MappingCache(tmp_path / "cache")
    expected = _seen(read_carefully(path, networks=NETWORKS))
    assert _seen(load_meters(path, strict=False, networks=NETWORKS, cache=cache)) == expected
    [compiled] = _compiled(cache)
    written = compiled.stat().st_ino
    key = cache.key(path, False, NETWORKS)
    hit = cache.load(key, str(path))
    assert hit is not None and _seen(hit) == expected
    assert _seen(load_meters(path, strict=False, networks=NETWORKS, cache=cache)) == expected
    assert _compiled(cache) == [compiled] and compiled.stat().st_ino == written  # not rewritten


def test_strict_reading_refuses_the_first_bad_row_from_the_compiled_form(tmp_path: Path) -> None:
    path = _csv(tmp_path)
    cache = MappingCache(tmp_path / "cache")
    messages = []
    for _ in range(2):
        with pytest.raises(ValueError) as caught:
            load_meters(path, networks=NETWORKS, cache=cache)
        messages.append(str(caught.value))
    assert messages[0] == messages[1] and messages[0].startswith(f"{path}:4:mpan: MPAN 13123")
    assert len(_compiled(cache)) == 1


def test_a_changed_file_or_other_options_are_compiled_afresh(tmp_path: Path) -> None:
    path = _csv(tmp_path)
    cache = MappingCache(tmp_path / "cache")
    before = load_meters(path, strict=False, cache=cache)
    assert before.by_device(DEVICES[0]).network == "LOND"  # type: ignore[union-attr]
    path = _csv(tmp_path, [row.replace(",LOND,", ",SOUT,") for row in ROWS])
    after = load_meters(path, strict=False, cache=cache)
    assert after.by_device(DEVICES[0]).network == "SOUT"  # type: ignore[union-attr]
    assert _seen(after) == _seen(read_carefully(path))
    lenient = load_meters(path, strict=False, lenient=True, cache=cache)
    assert lenient.by_device(DEVICES[2]) is not None
    nets = load_meters(path, strict=False, networks=NETWORKS, cache=cache)
    assert _seen(nets) == _seen(read_carefully(path, networks=NETWORKS))
    assert len(_compiled(cache)) == 4


def test_only_the_most_recently_used_are_kept(tmp_path: Path) -> None:
    cache = MappingCache(tmp_path / "cache")
    for n in range(KEEP + 2):
        path = _csv(tmp_path, [*ROWS, f"00-DB-12-34-56-78-91-{n:02d},{LOND},,,"])
        load_meters(path, strict=False, cache=cache)
    assert len(_compiled(cache)) == KEEP
    assert cache.load(cache.key(path, False, None), str(path)) is not None


def _damage(compiled: Path, how: str) -> None:
    data = compiled.read_bytes()
    if how == "truncated":
        compiled.write_bytes(data[: len(data) - 5])
    elif how == "array byte":
        compiled.write_bytes(data[:-3] + bytes([data[-3] ^ 0x40]) + data[-2:])
    elif how == "header":
        compiled.write_bytes(data.replace(b'"rows":', b'"rows":"x",', 1))
    elif how == "magic":
        compiled.write_bytes(b"X" + data[1:])
    elif how == "empty":
        compiled.write_bytes(b"")
    elif how == "nested header":  # past the JSON parser's depth: RecursionError
        nested = b"[" * 200_000 + b"]" * 200_000
        compiled.write_bytes(MAGIC + len(nested).to_bytes(8, "little") + nested)
    elif how == "directory":
        compiled.unlink()
        compiled.mkdir()


@pytest.mark.parametrize(
    "how", ["truncated", "array byte", "header", "magic", "empty", "nested header", "directory"]
)
def test_a_damaged_compiled_form_is_not_used(tmp_path: Path, how: str) -> None:
    path = _csv(tmp_path)
    cache = MappingCache(tmp_path / "cache")
    load_meters(path, strict=False, cache=cache)
    [compiled] = _compiled(cache)
    _damage(compiled, how)
    assert cache.load(cache.key(path, False, None), str(path)) is None
    assert _seen(load_meters(path, strict=False, cache=cache)) == _seen(read_carefully(path))
    if how != "directory":  # written again, and used
        assert cache.load(cache.key(path, False, None), str(path)) is not None


def test_a_cache_that_cannot_be_written_still_reads_the_file(tmp_path: Path) -> None:
    path = _csv(tmp_path)
    (tmp_path / "plain-file").write_text("not a directory")
    cache = MappingCache(tmp_path / "plain-file" / "cache")
    assert _seen(load_meters(path, strict=False, cache=cache)) == _seen(read_carefully(path))
    read_only = MappingCache(tmp_path / "read-only")
    read_only.directory.mkdir(mode=0o555)
    assert _seen(load_meters(path, strict=False, cache=read_only)) == _seen(read_carefully(path))
    if os.geteuid() != 0:  # the superuser writes anyway
        assert _compiled(read_only) == []
    assert not list(read_only.directory.glob(".meters-*"))  # no temporary file left behind


def test_a_fifo_is_read_and_not_compiled(tmp_path: Path) -> None:
    path = _csv(tmp_path)
    fifo = tmp_path / "meters.fifo"
    os.mkfifo(fifo)
    pid = os.fork()
    if pid == 0:  # the writer
        try:
            with open(fifo, "wb") as out:
                out.write(path.read_bytes())
        finally:
            os._exit(0)
    cache = MappingCache(tmp_path / "cache")
    try:
        mapping = load_meters(fifo, strict=False, cache=cache)
    finally:
        os.waitpid(pid, 0)
    assert len(mapping) == len(read_carefully(path)) and _compiled(cache) == []
    repeated = mapping.bad_row(DEVICES[4])  # the stream cannot be read again for the lines
    assert repeated is not None and repeated.line is None
    assert str(repeated).endswith(f"{DEVICES[4]} appears more than once with different rows")
