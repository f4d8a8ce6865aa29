"""Aggregate audited items into incident figures per Supplier, network, finding code and day.

One pass over :class:`~certcheck.store.queries.ItemFacts` fills every view; memory grows with
the number of Suppliers, networks, codes and days, never with the number of items (the list of
affected devices is capped per Supplier).

Definitions (SPEC.md, "Audit store and reporting"):

- an item is *incorrect* when it has an error finding whose code starts with ``NO_CERT_`` or
  ``CELL_``: an attempt to load an incorrect Network Operator certificate;
- the incident columns count *items* with at least one finding of that code;
- the incident rate is incorrect items / items sent;
- an item's Supplier is its ``supplier`` (party name), else its originator's EUI-64, else
  ``(unknown)``;
- the affected devices of a Supplier are the devices of its items that have any incident code.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from certcheck.checks.registry import incident_codes
from certcheck.store.queries import ItemFacts

# The incident columns of the SEC Panel report (codes from SPEC.md "Finding codes") with the
# short headings tables show; CSV and JSON use the codes themselves.
INCIDENT_LABELS: dict[str, str] = {
    "NO_CERT_WRONG_NETWORK": "Wrong network",
    "NO_CERT_GAS_ON_ESME": "Gas on ESME",
    "NO_CERT_ELECTRICITY_ON_GAS_DEVICE": "Electricity on gas",
    "CELL_ROLE_MISMATCH": "Cell role",
    "CELL_KEY_USAGE_MISMATCH": "Cell key usage",
    "NO_CERT_PAIR_MISMATCH": "Pair mismatch",
    "CERT_CHAIN_UNTRUSTED": "Chain untrusted",
}
INCIDENT_CODES: tuple[str, ...] = tuple(INCIDENT_LABELS)
UNKNOWN = "(unknown)"
MAX_DEVICES = 500  # affected devices listed per Supplier; the rest are counted
VIEWS = ("supplier", "network", "code", "day")
T = TypeVar("T")


def is_incorrect(code: str, severity: str) -> bool:
    """True for a finding that makes an item an incident (its rule's ``incident`` attribute)."""
    return severity == "error" and code in incident_codes()


def supplier_of(supplier: str | None, originator: str | None) -> str:
    """The Supplier an item is counted against."""
    return supplier or originator or UNKNOWN


@dataclass
class Tally:
    """Items sent, incorrect items and items per finding code, for one group."""

    items: int = 0
    incorrect: int = 0
    codes: Counter[str] = field(default_factory=Counter)

    @property
    def rate(self) -> float:
        return self.incorrect / self.items if self.items else 0.0

    def add(self, incorrect: bool, codes: Iterable[str]) -> None:
        self.items += 1
        self.incorrect += incorrect
        self.codes.update(codes)


@dataclass
class NetworkTally(Tally):
    """A network's tally and the organisations whose certificates were wrongly placed there."""

    parties: Counter[str] = field(default_factory=Counter)


@dataclass
class CodeTally:
    """How often one finding code occurred."""

    severity: str
    items: int = 0
    findings: int = 0
    suppliers: set[str] = field(default_factory=set)


@dataclass
class AffectedDevice:
    """A device a Supplier's incident items targeted."""

    device_id: str
    mpan: str | None
    expected_network: str | None
    codes: set[str] = field(default_factory=set)
    items: int = 0


@dataclass
class SupplierDevices:
    devices: dict[str, AffectedDevice] = field(default_factory=dict)
    omitted_items: int = 0  # incident items on devices beyond MAX_DEVICES


@dataclass
class Report:
    """Every view of one aggregation."""

    since: str | None = None
    totals: Tally = field(default_factory=Tally)
    suppliers: dict[str, Tally] = field(default_factory=dict)
    networks: dict[str, NetworkTally] = field(default_factory=dict)
    codes: dict[str, CodeTally] = field(default_factory=dict)
    days: dict[str, Tally] = field(default_factory=dict)
    devices: dict[str, SupplierDevices] = field(default_factory=dict)

    def add(self, item: ItemFacts) -> None:
        """Count one item."""
        supplier = supplier_of(item.supplier, item.originator)
        codes = {f.code for f in item.findings}
        wrong = [f for f in item.findings if is_incorrect(f.code, f.severity)]
        incorrect = bool(wrong)
        self.totals.add(incorrect, codes)
        _tally(self.suppliers, supplier, Tally).add(incorrect, codes)
        _tally(self.days, item.day, Tally).add(incorrect, codes)
        if item.expected_network:
            network = _tally(self.networks, item.expected_network, NetworkTally)
            network.add(incorrect, codes)
            network.parties.update({f.party for f in wrong if f.party})
        for f in item.findings:
            entry = self.codes.get(f.code)
            if entry is None:
                entry = self.codes[f.code] = CodeTally(f.severity)
            entry.findings += 1
        for code in codes:
            entry = self.codes[code]
            entry.items += 1
            entry.suppliers.add(supplier)
        incidents = codes.intersection(INCIDENT_CODES)
        if incidents or incorrect:
            self._affect(supplier, item, incidents | {f.code for f in wrong})

    def _affect(self, supplier: str, item: ItemFacts, codes: set[str]) -> None:
        listed = self.devices.setdefault(supplier, SupplierDevices())
        key = item.device_id or UNKNOWN
        device = listed.devices.get(key)
        if device is None:
            if len(listed.devices) >= MAX_DEVICES:
                listed.omitted_items += 1
                return
            device = AffectedDevice(key, item.mpan, item.expected_network)
            listed.devices[key] = device
        device.codes |= codes
        device.items += 1


def _tally(groups: dict[str, T], key: str, make: Callable[[], T]) -> T:
    found = groups.get(key)
    if found is None:
        found = groups[key] = make()
    return found


def aggregate(items: Iterable[ItemFacts], since: str | None = None) -> Report:
    """Aggregate ``items`` (already filtered by ``since``) into a :class:`Report`."""
    report = Report(since=since)
    for item in items:
        report.add(item)
    return report


# ----- views: the rows a table, CSV, JSON or HTML rendering shows -----------------------------


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = "text"  # text | count | rate | counter


@dataclass(frozen=True)
class View:
    """A titled table: columns, rows (dicts keyed by column key) and an optional totals row."""

    by: str
    title: str
    columns: tuple[Column, ...]
    rows: list[dict[str, Any]]
    totals: dict[str, Any] | None


_COUNT_COLUMNS = (
    Column("items", "Items sent", "count"),
    Column("incorrect", "Incorrect NO certificates", "count"),
    Column("rate", "Incident rate", "rate"),
)
_CODE_COLUMNS = tuple(Column(code, label, "count") for code, label in INCIDENT_LABELS.items())


def _tally_row(key: str, name: str, tally: Tally) -> dict[str, Any]:
    row: dict[str, Any] = {
        key: name,
        "items": tally.items,
        "incorrect": tally.incorrect,
        "rate": round(tally.rate, 6),
    }
    for code in INCIDENT_CODES:
        row[code] = tally.codes.get(code, 0)
    return row


def view(report: Report, by: str) -> View:
    """The table for ``--by`` ``by`` (supplier, network, code or day)."""
    if by == "supplier":
        ordered = sorted(
            report.suppliers.items(), key=lambda kv: (-kv[1].incorrect, -kv[1].items, kv[0])
        )
        return View(
            by,
            "Incorrect Network Operator certificates per Supplier",
            (Column("supplier", "Supplier"), *_COUNT_COLUMNS, *_CODE_COLUMNS),
            [_tally_row("supplier", name, tally) for name, tally in ordered],
            _tally_row("supplier", "Total", report.totals),
        )
    if by == "day":
        return View(
            by,
            "Incorrect Network Operator certificates per day",
            (Column("day", "Day"), *_COUNT_COLUMNS, *_CODE_COLUMNS),
            [_tally_row("day", day, report.days[day]) for day in sorted(report.days)],
            _tally_row("day", "Total", report.totals),
        )
    if by == "network":
        ordered_networks = sorted(
            report.networks.items(), key=lambda kv: (-kv[1].incorrect, -kv[1].items, kv[0])
        )
        rows = []
        for name, tally in ordered_networks:
            row = _tally_row("network", name, tally)
            parties = sorted(tally.parties.items(), key=lambda kv: (-kv[1], kv[0]))
            row["wrong_parties"] = dict(parties)
            rows.append(row)
        return View(
            by,
            "Networks whose meters received incorrect Network Operator certificates",
            (
                Column("network", "Expected network"),
                *_COUNT_COLUMNS,
                Column("wrong_parties", "Certificates placed from", "counter"),
                *_CODE_COLUMNS,
            ),
            rows,
            None,
        )
    if by == "code":
        ordered_codes = sorted(report.codes.items(), key=lambda kv: (-kv[1].items, kv[0]))
        return View(
            by,
            "Findings by code",
            (
                Column("code", "Code"),
                Column("severity", "Severity"),
                Column("items", "Items", "count"),
                Column("findings", "Findings", "count"),
                Column("suppliers", "Suppliers", "count"),
            ),
            [
                {
                    "code": code,
                    "severity": tally.severity,
                    "items": tally.items,
                    "findings": tally.findings,
                    "suppliers": len(tally.suppliers),
                }
                for code, tally in ordered_codes
            ],
            None,
        )
    raise ValueError(f"unknown view {by!r}; expected one of {', '.join(VIEWS)}")

