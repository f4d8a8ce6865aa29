"""The certificate files of ``--certs`` and ``--trust``, kept decoded while they are unchanged.

Decoding a certificate with asn1crypto takes about half a millisecond, so a directory of some
hundreds (the DCC test keystore holds 416) cost more than the rest of a one-command run's
start-up. A keystore that loaded without error is kept compiled (:mod:`certcheck.compiled`):
its certificates' decoded fields as JSON (:mod:`certcheck.smki.compiled`), no code, nothing
unpickled, named by a SHA-256 of this format, the versions of certcheck and of asn1crypto
(which decodes them), and each file's bytes in the order they are read. The next run reads the
files, and while that digest is unchanged takes the certificates from the compiled form instead
of decoding them. A compiled form that is cut short, altered or from another version is not
used. Bad files are never compiled: they are reported at start-up as before.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import asn1crypto

from certcheck import __version__
from certcheck.compiled import CompiledFiles
from certcheck.smki.certificate import SmkiCertificate
from certcheck.smki.compiled import certificate_from_values, certificate_values

FORMAT = 1  # the layout below and certcheck.smki.compiled's: change it when either changes
MAGIC = b"certcheck compiled certificates\n"
KEEP = 8  # compiled keystores kept in the directory (a run reads two: --trust and --certs)
_PREFIX = "certs-"


@dataclass(frozen=True)
class KeyStoreCache:
    """Compiled keystores in ``directory``."""

    directory: Path

    @property
    def files(self) -> CompiledFiles:
        return CompiledFiles(self.directory, _PREFIX, KEEP)

    def key(self, contents: Sequence[bytes]) -> str:
        """The name of the compiled form of certificate files with these bytes, in order."""
        versions = f"{FORMAT} {__version__} {asn1crypto.__version__} {len(contents)}\n"
        digest = hashlib.sha256(versions.encode())
        for data in contents:
            digest.update(len(data).to_bytes(8, "little"))
            digest.update(data)
        return digest.hexdigest()

    def load(self, key: str) -> list[SmkiCertificate] | None:
        """The certificates compiled under ``key``, in the order they were added, or None."""
        return self.files.load(key, lambda data: _decode(data, key))

    def store(self, key: str, certificates: Sequence[SmkiCertificate]) -> None:
        """Keep ``certificates`` under ``key`` (best effort: not when one cannot be written
        as JSON values, nor when the directory cannot be written)."""
        try:
            body = json.dumps(
                [certificate_values(certificate) for certificate in certificates],
                separators=(",", ":"),
            ).encode()
        except TypeError:
            return
        header = json.dumps(
            {"format": FORMAT, "key": key, "body": hashlib.sha256(body).hexdigest()},
            separators=(",", ":"),
        ).encode()
        self.files.write(key, [MAGIC, header, b"\n", body])


def _decode(data: bytes, key: str) -> list[SmkiCertificate]:
    """The certificates of a compiled keystore; ValueError (or TypeError, KeyError) when it
    is not exactly one written for ``key`` by this format."""
    if not data.startswith(MAGIC):
        raise ValueError("not a compiled keystore")
    end = data.index(b"\n", len(MAGIC))
    header = json.loads(data[len(MAGIC) : end])
    body = memoryview(data)[end + 1 :]
    if header["format"] != FORMAT or header["key"] != key:
        raise ValueError("another version or key")
    if hashlib.sha256(body).hexdigest() != header["body"]:
        raise ValueError("altered")
    values = json.loads(bytes(body))
    if not isinstance(values, list):
        raise TypeError("expected a list of certificates")
    return [certificate_from_values(entry) for entry in values]
