"""The meter mapping, meters.csv: device EUI-64 -> MPAN or MPRN, registered network, type.

SPEC.md "Inputs": columns ``device_id``, ``mpan`` (13-digit core or full MPAN, check digit
validated) or ``mprn``, optional ``network`` (the MPID registered for the meter point) and
optional ``device_type`` (``ESME`` by default with an MPAN, ``GPF`` with an MPRN).

The modules, one job each: :mod:`.model` (Meter, DeviceType, BadRow), :mod:`.table` (the
packed lookup table), :mod:`.rows` (judging one row), :mod:`.bulk` (reading a large file
quickly), :mod:`.repeats` (devices listed twice), :mod:`.cache` (the compiled form, reused),
:mod:`.arguments` (``--meter`` values).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from certcheck.compiled import default_cache_dir
from certcheck.market.csvread import RegistryError, read_header, read_rows
from certcheck.market.meters.arguments import METER_ARGUMENT, mapping_from_arguments
from certcheck.market.meters.bulk import read_bulk
from certcheck.market.meters.cache import MappingCache
from certcheck.market.meters.model import BadRow, DeviceType, Meter, eui_number
from certcheck.market.meters.repeats import refuse_repeated
from certcheck.market.meters.rows import RowJudge
from certcheck.market.meters.table import MeterMapping


def load_meters(
    path: str | Path,
    *,
    lenient: bool = False,
    strict: bool = True,
    networks: frozenset[str] | None = None,
    cache: MappingCache | None = None,
) -> MeterMapping:
    """Read meters.csv, checking every row; the header must be sound (RegistryError if not).

    ``strict`` raises RegistryError for the first bad row (by line). Otherwise every bad row is
    skipped and kept in ``mapping.bad_rows``; its device, when its EUI can be read, is marked
    invalid (:meth:`MeterMapping.bad_row`). ``networks``, when given, are the networks some
    organisation answers for: a row naming another is kept and listed as ``undetermined``.
    ``lenient=True`` keeps MPANs whose check digit or top line is wrong (test data such as the
    DCC's sample MPANs, ``reference/market.md`` 1.3.5) instead of rejecting them.
    ``cache``, when given, keeps the mapping compiled and reuses it while the file's content
    (and these options) are unchanged; a stream is always read.
    """
    key = _cache_key(cache, path, lenient, networks)
    mapping = cache.load(key, str(path)) if cache is not None and key else None
    if mapping is None:
        mapping = read_mapping(path, lenient=lenient, networks=networks)
        if cache is not None and key:
            cache.store(key, mapping)
    if strict:
        first = next((bad for bad in mapping.bad_rows if not bad.undetermined), None)
        if first is not None:
            raise first.error()
    return mapping


COLUMNS: dict[str, tuple[str, ...]] = {
    "required": ("device_id",),
    "optional": ("mpan", "mprn", "network", "device_type"),
    "any_of": ("mpan", "mprn"),
}


def read_mapping(
    path: str | Path, *, lenient: bool = False, networks: frozenset[str] | None = None
) -> MeterMapping:
    """Every row of meters.csv, sealed: sound rows in the table, bad ones listed.

    A regular file is read in bulk (:mod:`.bulk`) unless it needs the csv module; a stream
    (a FIFO, standard input) is read once, row by row, by :func:`read_carefully`.
    """
    if not _regular(path):
        return read_carefully(path, lenient=lenient, networks=networks)
    header = read_header(path, **COLUMNS)
    mapping = MeterMapping(header.path)
    if not read_bulk(path, header, RowJudge(mapping, header, lenient, networks)):
        return read_carefully(path, lenient=lenient, networks=networks)
    refuse_repeated(mapping, path, header.index["device_id"])
    return mapping


def read_carefully(
    path: str | Path, *, lenient: bool = False, networks: frozenset[str] | None = None
) -> MeterMapping:
    """:func:`read_mapping` with the csv module reading every row."""
    header, rows = read_rows(path, **COLUMNS, check_width=False)
    mapping = MeterMapping(header.path)
    RowJudge(mapping, header, lenient, networks).add_all(rows)
    refuse_repeated(mapping, path, header.index["device_id"])
    return mapping


def _cache_key(
    cache: MappingCache | None, path: str | Path, lenient: bool, networks: frozenset[str] | None
) -> str | None:
    """The compiled form's key; None without a cache, for a stream, or for a file that cannot
    be read (:func:`read_mapping` then says why, as a usage error)."""
    if cache is None or not _regular(path):
        return None
    try:
        return cache.key(path, lenient, networks)
    except OSError:
        return None


def _regular(path: str | Path) -> bool:
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


__all__ = [
    "METER_ARGUMENT",
    "BadRow",
    "DeviceType",
    "MappingCache",
    "Meter",
    "MeterMapping",
    "RegistryError",
    "default_cache_dir",
    "eui_number",
    "load_meters",
    "mapping_from_arguments",
]
