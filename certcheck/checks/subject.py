"""What checks look at: one decoded item in its audit context."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, NamedTuple, TypeVar

from certcheck.audit.model import CellOccupant, Item, Placement
from certcheck.smki.certificate import SmkiCertificate
from certcheck.smki.roles import RemotePartyRole

if TYPE_CHECKING:
    from certcheck.audit.context import AuditContext
    from certcheck.market.meters import BadRow, Meter
    from certcheck.market.operators import Operator, OperatorRegistry

_T = TypeVar("_T")


class unlocked_cached_property(Generic[_T]):
    """``functools.cached_property`` without its lock: computed once per instance.

    Python 3.11's ``functools.cached_property`` takes a lock on every first access (3.12
    dropped it). A batch builds a Subject per item and reads several of these on it; measured
    with ``timeit`` on a first access: about 1.2 us here against 2.5 us for functools'.
    Subjects are never shared between threads, so the lock buys nothing.
    """

    def __init__(self, function: Callable[[Any], _T]) -> None:
        self.function = function
        self.name = function.__name__
        self.__doc__ = function.__doc__

    def __get__(self, instance: Any, owner: type | None = None) -> _T:
        if instance is None:
            return self  # type: ignore[return-value]
        value = instance.__dict__[self.name] = self.function(instance)
        return value


SUCCESS_STATUSES = frozenset({None, "success"})


class NetworkOperatorEntry(NamedTuple):
    """A Network Operator cell's new (or current) occupant: a certificate or a reported id."""

    entity_id: str | None
    certificate: SmkiCertificate | None
    where: str


@dataclass
class Subject:
    """One item under audit, with the lookups checks share."""

    item: Item
    context: AuditContext

    @property
    def gbcs(self) -> Item:
        """The GBCS layer of the item (the inner message of a DUIS envelope, if any)."""
        return self.item.inner or self.item

    @unlocked_cached_property
    def replacements(self) -> tuple[Placement, ...]:
        return self.item.replacements

    @unlocked_cached_property
    def path_certificates(self) -> tuple[SmkiCertificate, ...]:
        return tuple(p.certificate for p in self.item.path_certificates)

    @unlocked_cached_property
    def meter(self) -> Meter | None:
        mapping = self.context.mapping
        if mapping is None or not self.item.device_id:
            return None
        return mapping.by_device(self.item.device_id)

    @unlocked_cached_property
    def bad_row(self) -> BadRow | None:
        """The bad meters.csv row that named the target device (skipped), or None."""
        mapping = self.context.mapping
        if mapping is None or not self.item.device_id or self.meter is not None:
            return None
        return mapping.bad_row(self.item.device_id)

    @property
    def device_key(self) -> tuple[Any, ...]:
        """What decides whether a network or mapping check finds something on this item,
        besides its placements and the run's context: whether it names a device, that
        device's meter profile (or whether its row was bad or missing), and the Network
        Operator cells it reports (checks.registry.KEYED_FAMILIES)."""
        item = self.item
        meter = self.meter
        if meter is not None:
            row: Any = meter.profile
        elif item.device_id and self.context.mapping is not None:
            row = "bad row" if self.bad_row is not None else "not mapped"
        else:
            row = None
        reported = self.network_operator_entries if item.outcomes else None
        return (bool(item.device_id), row, reported)

    @unlocked_cached_property
    def undetermined(self) -> str | None:
        """Why the mapped meter's network cannot be told, or None when it can (or no meter).

        No network and none from the MPAN's distributor id, a gas meter without a network, or a
        registered network no organisation in operators.csv answers for (SPEC.md
        NETWORK_UNDETERMINED; a network derived from the MPAN is a real MPID, and a certificate
        of an organisation not answering for it is still on the wrong network).
        """
        meter = self.meter
        if meter is None:
            return None
        network = meter.expected_network
        if network is None:
            if meter.mpan is not None:
                return (
                    f"no network is registered for {meter.device_type} {meter.device_id} and its "
                    f"MPAN {meter.mpan}'s distributor id {meter.mpan[:2]} is not a known one"
                )
            return (
                f"no network is registered for {meter.device_type} {meter.device_id} "
                f"(MPRN {meter.mprn})"
            )
        registry = self.context.registry
        if meter.network is not None and registry is not None and not registry.by_mpid(network):
            return (
                f"network {network} registered for {meter.device_type} {meter.device_id} is not "
                "answered for by any organisation in operators.csv"
            )
        return None

    @unlocked_cached_property
    def signature_state(self) -> str | None:
        """The GBCS layer's signature: valid, invalid, not-checked, absent, null, or None."""
        if (self.item.inner or self.item).signature is None:
            return None  # no GBCS layer, or one without a signature (as signature_state says)
        signers = self.context.signers
        return (_SIGNATURE_STATE or _signature_state())(
            self.item, signers.by_entity if signers else None
        )

    @unlocked_cached_property
    def network_operator_entries(self) -> tuple[NetworkOperatorEntry, ...]:
        """Occupants of Network Operator cells: placed NO certificates and reported occupants.

        For an item reporting no cells they follow from its placements alone, so they are
        found once per distinct set of placements in a run.
        """
        item = self.item
        if item.outcomes:
            return _network_operator_entries(item)
        placed = self.context.placement_set(item.placements)
        entries = placed.network_operator_entries
        if entries is None:
            entries = placed.network_operator_entries = _network_operator_entries(item)
        return entries

    @unlocked_cached_property
    def network_operators(self) -> tuple[tuple[NetworkOperatorEntry, Operator | None], ...]:
        """Each Network Operator entry with its operators.csv row (None when not registered)."""
        entries = self.network_operator_entries
        if not entries:
            return ()
        return self.context.once(
            (_with_operators, entries), lambda: _with_operators(entries, self.context.registry)
        )


def verify_signatures(subjects: Iterable[Subject]) -> None:
    """Verify each subject's signature now (its ``signature_state``), one after the other:
    run together, the verifies find the ECDSA code and tables in the processor's caches.
    A subject whose GBCS layer has no signature (a DUIS request's) is given the state that
    says so, None, without the property's call."""
    for subject in subjects:
        item = subject.item
        if (item.inner or item).signature is None:
            subject.__dict__["signature_state"] = None
            continue
        try:
            subject.signature_state  # noqa: B018  (computed and kept)
        except Exception:  # the checks report it
            continue


def find_meters(subjects: Sequence[Subject]) -> None:
    """Look up each subject's meter now (its ``meter``), one after the other: run together,
    the lookups find the mapping's arrays and code in the processor's caches (about 7% less
    CPU for a DUIS 6.21 request than looked up between its decoding and its record).

    Subjects of one mapping (a block's) are looked up in one call (``by_devices``); if that
    raises, each is looked up alone, and one that raises is left for its checks."""
    mapping = subjects[0].context.mapping if subjects else None
    if mapping is None or any(s.context.mapping is not mapping for s in subjects):
        _ahead(subjects, "meter")
        return
    named = [s for s in subjects if s.item.device_id]
    try:
        meters = mapping.by_devices([s.item.device_id for s in named])  # type: ignore[misc]
    except Exception:
        _ahead(subjects, "meter")
        return
    for subject, meter in zip(named, meters, strict=True):
        subject.__dict__["meter"] = meter


def _ahead(subjects: Iterable[Subject], name: str) -> None:
    """Compute and keep the cached property ``name`` of each subject. One that raises is left
    unset: the checks meet the error again, where a check's error is reported (CHECK_FAILED).

    A try rather than ``contextlib.suppress``, whose object and its two calls cost some
    4,300 instructions per subject."""
    for subject in subjects:
        try:
            getattr(subject, name)
        except Exception:  # the checks report it
            continue


_SIGNATURE_STATE: Callable[[Item, Any], str | None] | None = None


def _signature_state() -> Callable[[Item, Any], str | None]:
    """:func:`certcheck.smki.signature.signature_state`, imported when first needed (so
    ``cryptography`` only then) and kept in ``_SIGNATURE_STATE``."""
    global _SIGNATURE_STATE
    from certcheck.smki.signature import signature_state

    _SIGNATURE_STATE = signature_state
    return signature_state


def _network_operator_entries(item: Item) -> tuple[NetworkOperatorEntry, ...]:
    entries: list[NetworkOperatorEntry] = []
    for placement in item.replacements:
        cert = placement.certificate
        if (
            placement.cell is not None
            and placement.cell.role == RemotePartyRole.NETWORK_OPERATOR
            and cert.role == RemotePartyRole.NETWORK_OPERATOR
        ):
            entries.append(NetworkOperatorEntry(cert.entity_id, cert, placement.where))
    for outcome in item.outcomes:  # a DUIS reader lifts its GBCS layer's outcomes
        occupant: CellOccupant | None = outcome.replacing
        if (
            outcome.cell.role == RemotePartyRole.NETWORK_OPERATOR
            and occupant is not None
            and occupant.entity_id
            and outcome.status in SUCCESS_STATUSES
        ):
            entries.append(NetworkOperatorEntry(occupant.entity_id, None, outcome.where))
    return tuple(entries)


def _with_operators(
    entries: tuple[NetworkOperatorEntry, ...], registry: OperatorRegistry | None
) -> tuple[tuple[NetworkOperatorEntry, Operator | None], ...]:
    return tuple(
        (entry, registry.by_entity(entry.entity_id) if registry and entry.entity_id else None)
        for entry in entries
    )
