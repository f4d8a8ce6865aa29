"""Known certificates given on the command line (``--trust``, ``--certs``), indexed for lookups."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from certcheck.audit.sources import NoInput, RawInput, iter_raw
from certcheck.smki.cache import remember
from certcheck.smki.certificate import SmkiCertificate

if TYPE_CHECKING:
    from certcheck.audit.keystore_cache import KeyStoreCache


class KeyStoreError(ValueError):
    """A certificate path is missing or holds no readable certificate."""


@dataclass
class KeyStore:
    """Certificates by entity id and by subject key id."""

    certificates: list[SmkiCertificate] = field(default_factory=list)
    by_entity: dict[str, list[SmkiCertificate]] = field(default_factory=lambda: defaultdict(list))
    by_ski: dict[str, SmkiCertificate] = field(default_factory=dict)

    def add(self, cert: SmkiCertificate) -> None:
        """Hold ``cert`` (once), and take it for an item that carries the same DER."""
        remember(cert)
        if any(c.sha256 == cert.sha256 for c in self.by_entity.get(cert.entity_id or "", ())):
            return
        self.certificates.append(cert)
        if cert.entity_id:
            self.by_entity[cert.entity_id].append(cert)
        if cert.subject_key_id:
            self.by_ski.setdefault(cert.subject_key_id, cert)

    @classmethod
    def from_paths(cls, paths: Iterable[str], cache: KeyStoreCache | None = None) -> KeyStore:
        """Load every certificate under ``paths``; raise KeyStoreError naming a bad file.

        With ``cache``, files whose bytes are unchanged since a run that loaded them are not
        decoded again (:mod:`certcheck.audit.keystore_cache`)."""
        store = cls()
        try:
            raws = list(iter_raw(list(paths)))
        except NoInput as exc:
            raise KeyStoreError(str(exc)) from exc
        contents = [bytes(raw.data) for raw in raws if raw.data is not None]
        if cache is None or len(contents) < len(raws):  # an unreadable file: _decoded names it
            for certificate in _decoded(raws):
                store.add(certificate)
            return store
        key = cache.key(contents)
        compiled = cache.load(key)
        for certificate in compiled if compiled is not None else _decoded(raws):
            store.add(certificate)
        if compiled is None:
            cache.store(key, store.certificates)
        return store


def _decoded(raws: list[RawInput]) -> Iterator[SmkiCertificate]:
    """The certificates of each file, decoded; KeyStoreError for the first bad one."""
    from certcheck.formats.sniff import decode_item

    for raw in raws:
        if raw.data is None:
            raise KeyStoreError(f"{raw.source}: {raw.error}")
        item = decode_item(raw.data, raw.source)
        if item.kind != "certificate":
            why = item.problems[0].message if item.problems else f"holds a {item.kind}"
            raise KeyStoreError(f"{raw.source}: not a certificate file ({why})")
        for placement in item.placements:
            yield placement.certificate
