"""The audit context: what checks consult besides the item, built once per run from files.

:func:`build_context` reads the mapping, the registry and the known certificates; it raises
the domain's own errors (:class:`~certcheck.market.csvread.RegistryError`,
:class:`~certcheck.audit.keystore.KeyStoreError`, ``ValueError`` for a bad instant), which
the command line maps to usage errors.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from certcheck.audit.classify import Classification, classify
from certcheck.audit.keystore import KeyStore
from certcheck.audit.keystore_cache import KeyStoreCache
from certcheck.audit.model import Organisation, Placement
from certcheck.audit.serialise import JsonText, dumps
from certcheck.market.meters import (
    MappingCache,
    MeterMapping,
    load_meters,
    mapping_from_arguments,
)
from certcheck.market.operators import OperatorRegistry, load_operators
from certcheck.smki.certificate import SmkiCertificate
from certcheck.smki.chain import TrustStore

_T = TypeVar("_T")
_UNSET: Any = object()  # AuditContext.once: no value kept yet
# Plans kept at most (emptied when full): each may hold a serialised record tail of a few KB,
# so that a batch of ever-new certificates stays within some 20 MB of plans; a batch repeats
# far fewer keys than this (placement sets x meter profiles).
PLAN_LIMIT = 4096
SET_LIMIT = 4096  # sets of placements (and tuples of them) AuditContext keeps keys for


class PlacementSet:
    """The key of a set of placements in a run (:meth:`AuditContext.placement_set`), hashed
    and compared by identity, which keeps what the checks derive from the set alone."""

    __slots__ = ("network_operator_entries",)

    def __init__(self) -> None:
        # checks.subject.Subject.network_operator_entries of an item reporting no cells
        self.network_operator_entries: tuple[Any, ...] | None = None


@dataclass
class AuditContext:
    """Everything the checks may consult besides the item (built once per run)."""

    at: datetime
    registry: OperatorRegistry | None = None
    mapping: MeterMapping | None = None
    trust: TrustStore | None = None
    signers: KeyStore | None = None
    # The check functions a run calls on each item, chosen once from --select/--ignore
    # (checks.registry.check_functions); None runs every check.
    checks: tuple[Callable[..., Any], ...] | None = None
    _classified: dict[str, Classification] = field(default_factory=dict, repr=False)
    _organisations: dict[str, Organisation] = field(default_factory=dict, repr=False)
    _expected: dict[str, tuple[dict[str, Any], JsonText]] = field(default_factory=dict, repr=False)
    _memo: dict[Hashable, Any] = field(default_factory=dict, repr=False)
    # The checks' plans by plan key (checks.registry.check_item), kept for the run: they hold
    # for the selection in ``checks``, which must not change once items are checked.
    plans: dict[Hashable, Any] = field(default_factory=dict, repr=False)
    # Sets of placements by the id of a tuple holding one: (the tuple, the set's key), and
    # the keys by set (AuditContext.placement_set).
    placement_sets: dict[int, tuple[tuple[Placement, ...], PlacementSet]] = field(
        default_factory=dict, repr=False
    )
    _set_keys: dict[tuple[Placement, ...], PlacementSet] = field(
        default_factory=dict, repr=False
    )
    # What the pipeline's records share by kind, service, message code, originator and
    # network (audit.pipeline._Shared), kept for the run.
    heads: dict[Hashable, Any] = field(default_factory=dict, repr=False)

    def keep_plan(self, key: Hashable, plan: Any) -> None:
        """Keep the checks' plan for ``key`` (at most PLAN_LIMIT; emptied when full)."""
        if len(self.plans) >= PLAN_LIMIT:
            self.plans.clear()
        self.plans[key] = plan

    def placement_set(self, placements: tuple[Placement, ...]) -> PlacementSet:
        """The key of a set of placements, the same for equal sets, hashed and compared by
        identity. A reader shares one tuple of placements between the items of one body, so
        the key is found by the tuple's id; a key holding the tuple itself would be hashed
        placement by placement, a Python ``__hash__`` call each."""
        found = self.placement_sets.get(id(placements))
        if found is not None and found[0] is placements:
            return found[1]
        if len(self.placement_sets) >= SET_LIMIT:
            self.placement_sets.clear()
        if len(self._set_keys) >= SET_LIMIT:
            self._set_keys.clear()
        key = self._set_keys.get(placements)
        if key is None:
            key = self._set_keys[placements] = PlacementSet()
        self.placement_sets[id(placements)] = (placements, key)
        return key

    def once(self, key: Hashable, compute: Callable[[], _T]) -> _T:
        """``compute()``, once per ``key`` in this run: for what depends only on the key and
        this context, such as the findings on one set of placements. Results are shared, so
        they must be immutable."""
        memo = self._memo
        found = memo.get(key, _UNSET)
        if found is _UNSET:  # one lookup: a key holding placements costs ~2,000 to hash
            if len(memo) > 65536:
                memo.clear()
            found = memo[key] = compute()
        return found  # type: ignore[no-any-return]

    def organisation(self, entity_id: str | None) -> Organisation | None:
        """The organisation behind an entity id, with operators.csv's party and user role when
        it lists the id (else only the id); None without an id."""
        if not entity_id:
            return None
        found = self._organisations.get(entity_id)
        if found is None:
            if len(self._organisations) > 65536:
                self._organisations.clear()
            registry = self.registry
            operator = registry.by_entity(entity_id) if registry is not None else None
            found = (
                Organisation(operator.entity_id, operator.party, operator.user_role)
                if operator is not None
                else Organisation(entity_id)
            )
            self._organisations[entity_id] = found
        return found

    def expected(self, network: str, serialised: bool = False) -> dict[str, Any] | JsonText:
        """SPEC.md ``expected`` for a network: {network, parties: [{party, entity_id}]}, the
        organisations in operators.csv answering for it; built once per network (its JSON text
        when ``serialised``)."""
        known = self._expected.get(network)
        if known is None:
            operators = self.registry.by_mpid(network) if self.registry is not None else ()
            value = {
                "network": network,
                "parties": [{"party": o.party, "entity_id": o.entity_id} for o in operators],
            }
            known = self._expected[network] = (value, JsonText(dumps(value)))
        return known[1] if serialised else known[0]

    def party_of(self, entity_id: str | None) -> str | None:
        """operators.csv's party for an entity id, or None."""
        organisation = self.organisation(entity_id)
        return organisation.party if organisation else None

    def classify(self, cert: SmkiCertificate) -> Classification:
        """Classification of a certificate, cached by its digest."""
        known = self._classified.get(cert.sha256)
        if known is None:
            if len(self._classified) > 65536:
                self._classified.clear()
            known = self._classified[cert.sha256] = classify(cert, self.registry)
        return known


def parse_instant(text: str | None) -> datetime:
    """An ISO 8601 date or date-time as an aware UTC datetime (a date means its midnight UTC).

    None or empty means now; anything else unreadable raises ``ValueError``.
    """
    if not text:
        return datetime.now(UTC)
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def build_context(
    *,
    mapping: str | None,
    operators: str,
    meters: Sequence[str] = (),
    trust: Sequence[str] = (),
    certs: Sequence[str] = (),
    at: datetime,
    checks: tuple[Callable[..., Any], ...] | None = None,
    mapping_cache: MappingCache | None = None,
    keystore_cache: KeyStoreCache | None = None,
) -> AuditContext:
    """The context for a run: meters.csv (or ``--meter`` values), operators.csv, trust anchors
    and signing certificates. ``mapping_cache`` reuses meters.csv compiled while unchanged,
    and ``keystore_cache`` the certificate files.

    Bad meters.csv rows are skipped and kept in the mapping's ``bad_rows`` (with the rows whose
    network no organisation answers for): the caller lists them, or refuses them.
    """
    registry = load_operators(operators)
    networks = registry.networks()
    if mapping is not None:
        meter_map = load_meters(mapping, strict=False, networks=networks, cache=mapping_cache)
    else:
        meter_map = mapping_from_arguments(meters, networks)
    anchors = KeyStore.from_paths(trust, keystore_cache) if trust else None
    signers = KeyStore.from_paths(certs, keystore_cache) if certs else None
    return AuditContext(
        at=at,
        registry=registry,
        mapping=meter_map,
        trust=TrustStore(anchors.certificates) if anchors else None,
        signers=signers,
        checks=checks,
    )
