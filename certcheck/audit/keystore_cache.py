"""The certificate files of ``--certs`` and ``--trust``, kept decoded while they are unchanged.

Decoding a certificate with asn1crypto takes about half a millisecond, so a directory of some
hundreds (the DCC test keystore holds 416) cost more than the rest of a one-command run's
start-up. A keystore that loaded without error is kept compiled (:mod:`certcheck.compiled`):
its certificates' decoded fields as JSON (:mod:`certcheck.smki.compiled`), no code, nothing
unpickled, each beside the strict X.509 parser's verdict on it (:mod:`certcheck.smki.strict`),
so that an item carrying one of them neither decodes it nor imports that parser. The file is
named by a SHA-256 of this format, the versions of certcheck, asn1crypto (which decodes the
certificates) and cryptography (which gives the verdicts), and each file's bytes in the order
they are read. The next run reads the files, and while that digest is unchanged takes the
certificates and verdicts from the compiled form instead. A compiled form that is cut short,
altered or from another version is not used. Bad files are never compiled: they are reported
at start-up as before.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import asn1crypto
import cryptography

from certcheck import __version__
from certcheck.compiled import CompiledFiles, sealed_json, unsealed_json
from certcheck.smki.certificate import SmkiCertificate
from certcheck.smki.compiled import certificate_from_values, certificate_values
from certcheck.smki.strict import judge, remember

FORMAT = 2  # the layout below and certcheck.smki.compiled's: change it when either changes
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
        versions = (
            f"{FORMAT} {__version__} {asn1crypto.__version__} {cryptography.__version__} "
            f"{len(contents)}\n"
        )
        digest = hashlib.sha256(versions.encode())
        for data in contents:
            digest.update(len(data).to_bytes(8, "little"))
            digest.update(data)
        return digest.hexdigest()

    def load(self, key: str) -> list[SmkiCertificate] | None:
        """The certificates compiled under ``key``, in the order they were added, or None;
        their strict parsing verdicts are remembered (:func:`certcheck.smki.strict.remember`)."""
        entries = self.files.load(key, lambda data: _decode(data, key))
        if entries is None:
            return None
        for certificate, verdict in entries:
            remember(certificate.der, verdict)
        return [certificate for certificate, _ in entries]

    def store(self, key: str, certificates: Sequence[SmkiCertificate]) -> None:
        """Keep ``certificates`` under ``key``, each with its strict parsing verdict (best
        effort: not when one cannot be written as JSON values, nor when the directory cannot
        be written)."""
        try:
            entries = [[certificate_values(c), list(_verdict(c))] for c in certificates]
        except TypeError:
            return
        self.files.write(key, sealed_json(MAGIC, FORMAT, key, entries))


def _verdict(certificate: SmkiCertificate) -> tuple[str, ...]:
    """The strict parser's verdict on ``certificate``, remembered for the rest of this run (and
    kept with the keystore, not with the verdicts on items' certificates)."""
    verdict = judge(certificate.der)
    remember(certificate.der, verdict)
    return verdict


def _decode(data: bytes, key: str) -> list[tuple[SmkiCertificate, tuple[str, ...]]]:
    """The certificates of a compiled keystore with their verdicts; ValueError (or TypeError,
    KeyError) when it is not exactly one written for ``key`` by this format."""
    entries = unsealed_json(data, MAGIC, FORMAT, key)
    if not isinstance(entries, list):
        raise TypeError("expected a list of certificates")
    return [_entry(entry) for entry in entries]


def _entry(entry: object) -> tuple[SmkiCertificate, tuple[str, ...]]:
    """One certificate and its verdict, as :meth:`KeyStoreCache.store` wrote them."""
    if not isinstance(entry, list) or len(entry) != 2:
        raise ValueError("not a compiled certificate and its verdict")
    values, verdict = entry
    if not isinstance(verdict, list) or not all(isinstance(text, str) for text in verdict):
        raise TypeError("expected a verdict as a list of strings")
    return certificate_from_values(values), tuple(verdict)
