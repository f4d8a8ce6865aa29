"""Strict X.509 parsing verdicts on the certificates items carried, kept for the next run.

A keystore's certificates have their verdicts in its compiled form
(:mod:`certcheck.audit.keystore_cache`). Items also carry certificates no keystore holds (a
wrong network's, a Gas Transporter's, one made badly), and the first of them in a run imported
the strict parser: about 50 ms of CPU, before the first block's records, in every run that met
one. Their verdicts are kept here instead, by the SHA-256 of each certificate's DER, in one
compiled form (:mod:`certcheck.compiled`) per version of this format, certcheck (which words
the verdict) and cryptography (which gives it). A run reads it at start-up and, when it worked
out verdicts of its own (with ``--jobs``, its workers hand theirs to the reading process with
their results), writes it again with them added, up to :data:`LIMIT`: those kept first, then
the new ones as they came, so that a batch of many certificates seen once (device
certificates, say) does not make every later start-up read them all back. A form that is cut
short, altered or from another version is not used.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import cryptography

from certcheck import __version__
from certcheck.compiled import CompiledFiles, sealed_json, unsealed_json
from certcheck.smki import strict

FORMAT = 1  # the layout below: change it when it changes
MAGIC = b"certcheck strict verdicts\n"
KEEP = 2  # forms kept in the directory: this version's, and one other while versions change
_PREFIX = "verdicts-"
_HEX_DIGITS = "0123456789abcdef"
_DIGEST_LENGTH = 64  # a SHA-256 in hex, as hashlib's hexdigest gives it
LIMIT = strict.FOUND_LIMIT  # verdicts kept at most: far more than a market's organisations hold


@dataclass(frozen=True)
class VerdictCache:
    """The verdicts kept in ``directory``."""

    directory: Path

    @property
    def files(self) -> CompiledFiles:
        return CompiledFiles(self.directory, _PREFIX, KEEP)

    @staticmethod
    def key() -> str:
        """The name of the compiled form for this version of the format, certcheck and
        cryptography."""
        versions = f"{FORMAT} {__version__} {cryptography.__version__}\n"
        return hashlib.sha256(versions.encode()).hexdigest()

    @classmethod
    def learnt_from(cls, directory: Path | None) -> VerdictCache | None:
        """The verdicts kept in ``directory``, learnt (:meth:`load`); None without one."""
        if directory is None:
            return None
        verdicts = cls(directory)
        verdicts.load()
        return verdicts

    def load(self) -> int:
        """Learn the verdicts kept (:func:`certcheck.smki.strict.learn`): how many."""
        key = self.key()
        verdicts = self.files.load(key, lambda data: _decode(data, key))
        if not verdicts:
            return 0
        strict.learn(verdicts)
        return len(verdicts)

    def store(self) -> None:
        """Keep the verdicts learnt and those this process worked out, when it worked out any
        not kept yet (best effort: not when the directory cannot be written)."""
        learnt = strict.learnt()
        new = {d: v for d, v in strict.found().items() if d not in learnt}
        if not new or len(learnt) >= LIMIT:
            return
        kept = dict(list({**learnt, **new}.items())[:LIMIT])
        entries = {digest: list(verdict) for digest, verdict in kept.items()}
        key = self.key()
        self.files.write(key, sealed_json(MAGIC, FORMAT, key, entries))


def _decode(data: bytes, key: str) -> dict[str, strict.Verdict]:
    """The verdicts of a compiled form; ValueError (or TypeError, KeyError) when it is not
    exactly one written for ``key`` by this format."""
    entries = unsealed_json(data, MAGIC, FORMAT, key)
    if not isinstance(entries, dict):
        raise TypeError("expected verdicts by digest")
    verdicts: dict[str, strict.Verdict] = {}
    for digest, verdict in entries.items():
        if not isinstance(verdict, list) or not all(isinstance(text, str) for text in verdict):
            raise TypeError("expected a verdict as a list of strings")
        if len(digest) != _DIGEST_LENGTH or digest.strip(_HEX_DIGITS):
            raise ValueError("expected a SHA-256 digest in hex")
        verdicts[digest] = tuple(verdict)
    return verdicts
