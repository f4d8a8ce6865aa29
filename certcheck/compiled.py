"""Compiled forms of input files, kept in certcheck's cache directory for the next run.

A compiled form is one file under the cache directory (``$XDG_CACHE_HOME/certcheck``, else
``~/.cache/certcheck``, or ``--cache-dir``), named by a key its owner derives from the input's
content: meters.csv (:mod:`certcheck.market.meters.cache`) and the certificate files of
``--certs`` and ``--trust`` (:mod:`certcheck.audit.keystore_cache`). Each owner checks what it
reads back and ignores a file that is not exactly one it wrote. Writing is atomic (a temporary
file renamed into place) and best effort: a read-only or missing directory only costs the reuse.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

_T = TypeVar("_T")


def default_cache_dir() -> Path | None:
    """``$XDG_CACHE_HOME/certcheck``, else ``~/.cache/certcheck``; None (nothing is kept) when
    there is no home, or it is relative or the root directory."""
    base = os.environ.get("XDG_CACHE_HOME")
    if base and Path(base).is_absolute():
        return Path(base) / "certcheck"
    try:
        home = Path.home()
    except (RuntimeError, KeyError, OSError):  # no HOME and no password entry
        return None
    return home / ".cache" / "certcheck" if home.is_absolute() and home != Path("/") else None


def cache_directory(named: str | None, off: bool) -> Path | None:
    """Where compiled forms are kept: ``named`` (``--cache-dir``), else the user's cache;
    None when ``off`` (``--no-cache``) or when the user has no cache directory."""
    if off:
        return None
    return Path(named) if named else default_cache_dir()


@dataclass(frozen=True)
class CompiledFiles:
    """The compiled forms of one kind in ``directory``: ``{prefix}{key}.bin``, of which the
    ``keep`` most recently used are kept."""

    directory: Path
    prefix: str
    keep: int

    def path(self, key: str) -> Path:
        return self.directory / f"{self.prefix}{key}.bin"

    def load(self, key: str, decode: Callable[[bytes], _T]) -> _T | None:
        """What ``decode`` makes of the bytes compiled under ``key``, marked as recently used;
        None when there are none to be read, or ``decode`` finds them damaged (it raises
        ValueError, TypeError, KeyError or OverflowError for bytes that are not exactly a
        form it wrote; RecursionError comes from JSON nested past the parser's depth)."""
        try:
            data = self.path(key).read_bytes()
        except OSError:
            return None
        try:
            decoded = decode(data)
        except (ValueError, TypeError, KeyError, OverflowError, RecursionError):
            return None
        with suppress(OSError):
            os.utime(self.path(key))  # recently used: kept by the next prune
        return decoded

    def write(self, key: str, parts: Iterable[bytes]) -> None:
        """Keep ``parts`` under ``key`` (atomically; silently not when the directory cannot be
        written), and drop all but the ``keep`` most recently used."""
        import tempfile  # only when something is written: about 3 ms of a decode's start-up

        try:
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(
                prefix=f".{self.prefix}", suffix=".tmp", dir=self.directory
            )
        except OSError:
            return
        try:
            with os.fdopen(handle, "wb") as out:
                for part in parts:
                    out.write(part)
            os.replace(temporary, self.path(key))
        except OSError:
            _remove(Path(temporary))
            return
        self._prune()

    def _prune(self) -> None:
        try:
            kept = sorted(
                self.directory.glob(f"{self.prefix}*.bin"),
                key=lambda found: found.stat().st_mtime,
                reverse=True,
            )
        except OSError:
            return
        for old in kept[self.keep :]:
            _remove(old)


def sealed_json(magic: bytes, form: int, key: str, value: Any) -> list[bytes]:
    """A compiled form of JSON values, to :meth:`CompiledFiles.write`: ``magic``, then a JSON
    header line naming the format, the key and the SHA-256 of the body, then the body (``value``
    as compact JSON)."""
    import hashlib
    import json

    body = json.dumps(value, separators=(",", ":")).encode()
    header = {"format": form, "key": key, "body": hashlib.sha256(body).hexdigest()}
    return [magic, json.dumps(header, separators=(",", ":")).encode(), b"\n", body]


def unsealed_json(data: bytes, magic: bytes, form: int, key: str) -> Any:
    """The JSON value of a form :func:`sealed_json` wrote with this magic, format and key;
    ValueError (or KeyError, TypeError) for any other bytes: another kind, version or key, or
    a body cut short or altered."""
    import hashlib
    import json

    if not data.startswith(magic):
        raise ValueError("not a compiled form of this kind")
    end = data.index(b"\n", len(magic))
    header = json.loads(data[len(magic) : end])
    body = memoryview(data)[end + 1 :]
    if header["format"] != form or header["key"] != key:
        raise ValueError("another version or key")
    if hashlib.sha256(body).hexdigest() != header["body"]:
        raise ValueError("altered")
    return json.loads(bytes(body))


def _remove(path: Path) -> None:
    with suppress(OSError):
        path.unlink()
