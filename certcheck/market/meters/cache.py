"""The compiled form of a meters.csv, reused while the file's content is unchanged.

SPEC.md "Performance targets": a million-row meters.csv is ready within 4 s CPU, and a compiled
form may be reused. A compiled mapping is one file under the cache directory
(``$XDG_CACHE_HOME/certcheck``, else ``~/.cache/certcheck``, or ``--cache-dir``), named by a
SHA-256 of the file's bytes, this module's format, certcheck's version and the reading options
(leniency, the networks operators.csv answers for). It holds no code and nothing is
unpickled: a magic line, a JSON header (counts, networks, bad rows, a SHA-256 of the arrays)
and the two arrays of the table. A file that is missing, from another version, cut short or
altered in any way is not used: the CSV is read again. Writing is atomic (a temporary file
renamed into place) and best effort: a read-only or missing directory only costs the reuse.
"""

from __future__ import annotations

import hashlib
import json
import sys
from array import array
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from certcheck import __version__
from certcheck.compiled import CompiledFiles
from certcheck.market.meters.model import BadRow
from certcheck.market.meters.table import MeterMapping

FORMAT = 1  # the layout below and the packing of meters.table: change it when either changes
MAGIC = b"certcheck compiled meters.csv\n"
KEEP = 4  # compiled mappings kept in the directory, the most recently used
_READ_BYTES = 1 << 20
_PREFIX = "meters-"
_SIZE_BYTES = 8  # the JSON header's length, little-endian


@dataclass(frozen=True)
class MappingCache:
    """Compiled meters.csv mappings in ``directory``."""

    directory: Path

    @property
    def files(self) -> CompiledFiles:
        return CompiledFiles(self.directory, _PREFIX, KEEP)

    def key(self, path: str | Path, lenient: bool, networks: frozenset[str] | None) -> str:
        """The name of the compiled form of ``path`` read with these options."""
        digest = hashlib.sha256()
        options = {
            "format": FORMAT,
            "version": __version__,
            "lenient": lenient,
            "networks": None if networks is None else sorted(networks),
        }
        digest.update(json.dumps(options, sort_keys=True).encode() + b"\n")
        with open(path, "rb") as handle:
            while block := handle.read(_READ_BYTES):
                digest.update(block)
        return digest.hexdigest()

    def load(self, key: str, shown: str) -> MeterMapping | None:
        """The mapping compiled under ``key`` (bad rows naming ``shown``), or None."""
        return self.files.load(key, lambda data: _decode(data, key, shown))

    def store(self, key: str, mapping: MeterMapping) -> None:
        """Keep ``mapping`` under ``key`` (atomically; silently not when the directory cannot
        be written), and drop all but the :data:`KEEP` most recently used."""
        self.files.write(key, _encode(mapping, key))


def _encode(mapping: MeterMapping, key: str) -> list[bytes]:
    keys, values = mapping._keys.tobytes(), mapping._values.tobytes()
    header = {
        "format": FORMAT,
        "key": key,
        "byteorder": sys.byteorder,
        "rows": len(mapping._keys),
        "count": len(mapping),
        "networks": mapping._networks,
        "bad_rows": [
            [bad.line, bad.column, bad.reason, bad.undetermined] for bad in mapping.bad_rows
        ],
        "arrays": _digest(keys, values),
    }
    text = json.dumps(header, separators=(",", ":")).encode()
    return [MAGIC, len(text).to_bytes(_SIZE_BYTES, "little"), text, keys, values]


def _decode(data: bytes, key: str, shown: str) -> MeterMapping:
    """The mapping in a compiled file; ValueError (or KeyError, TypeError) when it is not
    exactly one written for ``key`` by this format on this machine's byte order."""
    if not data.startswith(MAGIC):
        raise ValueError("not a compiled meters.csv")
    at = len(MAGIC) + _SIZE_BYTES
    size = int.from_bytes(data[len(MAGIC) : at], "little")
    header: dict[str, Any] = json.loads(data[at : at + size])
    rows = header["rows"]
    width = array("Q").itemsize
    if (
        header["format"] != FORMAT
        or header["key"] != key
        or header["byteorder"] != sys.byteorder
        or not isinstance(rows, int)
        or len(data) != at + size + 2 * rows * width
    ):
        raise ValueError("another version, key or size")
    arrays = memoryview(data)[at + size :]
    packed_keys, packed_values = arrays[: rows * width], arrays[rows * width :]
    if _digest(packed_keys, packed_values) != header["arrays"]:
        raise ValueError("altered")
    keys, values = array("Q"), array("Q")
    keys.frombytes(packed_keys)
    values.frombytes(packed_values)
    networks = header["networks"]
    if not networks or networks[0] is not None or not all(isinstance(n, str) for n in networks[1:]):
        raise ValueError("networks")
    bad_rows = [
        BadRow(shown, _optional(line, int), _optional(column, str), str(reason), bool(flag))
        for line, column, reason, flag in header["bad_rows"]
    ]
    count = header["count"]
    if not isinstance(count, int):
        raise ValueError("count")
    return MeterMapping.from_sealed(shown, keys, values, networks, bad_rows, count)


def _digest(keys: bytes | memoryview, values: bytes | memoryview) -> str:
    digest = hashlib.sha256(keys)
    digest.update(values)
    return digest.hexdigest()


def _optional(value: Any, kind: type) -> Any:
    if value is not None and not isinstance(value, kind):
        raise TypeError(f"expected {kind.__name__} or null")
    return value
