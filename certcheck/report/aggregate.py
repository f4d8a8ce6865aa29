"""Aggregate audited items into the report's views (SPEC.md, "Audit store and reporting").

One pass over the stored items, in the order events happened, fills every view: per Supplier
(and the other senders apart), per network, per finding code, per day, and the estate of
devices with its worklist (:mod:`certcheck.report.estate`). Memory grows with the number of
Suppliers, networks, codes, days and devices, never with the number of items.

Definitions:

- an item is an *incident* (incorrect) when it has an error finding of a rule marked
  ``incident`` (``NO_CERT_*`` and ``CELL_*`` errors);
- ``by_code`` counts incident items per incident code they hold;
- the rate is incorrect items / items;
- an item counts for its ``supplier`` (a Supplier: the sender, or the Supplier an ACB
  command was made for, paired at report time when verify could not); any other item counts
  for its sender in ``other_senders``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from certcheck import __version__
from certcheck.audit.pairing import WANT, record_pair_key, record_role
from certcheck.checks.registry import incident_codes
from certcheck.market.operators import UserRole
from certcheck.report.estate import Estate
from certcheck.store.queries import StoredItem

VIEWS = ("supplier", "responsible", "device", "network", "code", "day")


@dataclass
class Tally:
    """Items, incorrect items and incorrect items per incident code, for one group."""

    items: int = 0
    incorrect: int = 0
    codes: Counter[str] = field(default_factory=Counter)

    @property
    def rate(self) -> float:
        return self.incorrect / self.items if self.items else 0.0

    def add(self, incidents: set[str]) -> None:
        self.items += 1
        self.incorrect += bool(incidents)
        self.codes.update(incidents)


@dataclass
class SenderTally(Tally):
    """A Supplier's or another sender's tally, with who it is."""

    party: str | None = None
    entity_ids: set[str] = field(default_factory=set)
    user_role: str | None = None

    def row(self) -> dict[str, Any]:
        """SPEC.md ``suppliers``/``other_senders`` entry."""
        return {
            "party": self.party,
            "entity_id": ";".join(sorted(self.entity_ids)) or None,
            "user_role": self.user_role,
            "items": self.items,
            "incorrect": self.incorrect,
            "rate": round(self.rate, 6),
            "by_code": dict(sorted(self.codes.items())),
        }


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


@dataclass
class Report:
    """Every view of one aggregation."""

    since: str | None = None
    until: str | None = None
    first_day: str | None = None
    last_day: str | None = None
    generated: str = ""
    tool_version: str = __version__
    incomplete: set[int] = field(default_factory=set)
    totals: Tally = field(default_factory=Tally)
    suppliers: dict[str, SenderTally] = field(default_factory=dict)
    others: dict[str | None, SenderTally] = field(default_factory=dict)
    networks: dict[str, NetworkTally] = field(default_factory=dict)
    codes: dict[str, CodeTally] = field(default_factory=dict)
    days: dict[str, Tally] = field(default_factory=dict)
    estate: Estate = field(default_factory=lambda: Estate(incident_codes()))
    offers: dict[str, tuple[str, str | None]] = field(default_factory=dict)

    @property
    def incomplete_runs(self) -> int:
        """How many runs that never finished hold items this report counts."""
        return len(self.incomplete)

    @property
    def period(self) -> dict[str, str | None]:
        return {"from": self.since or self.first_day, "to": self.until or self.last_day}

    def header(self) -> dict[str, Any]:
        """The fields every report starts with."""
        return {
            "period": self.period,
            "generated": self.generated,
            "tool_version": self.tool_version,
            "incomplete_runs": self.incomplete_runs,
        }

    def add(self, stored: StoredItem) -> None:
        """Count one item (items arrive in the order events happened)."""
        record = stored.record
        if not stored.complete:
            self.incomplete.add(stored.run_id)
        if self.first_day is None or stored.day < self.first_day:
            self.first_day = stored.day
        if self.last_day is None or stored.day > self.last_day:
            self.last_day = stored.day
        findings = [f for f in record.get("findings") or () if isinstance(f, dict)]
        codes = incident_codes()
        wrong = [f for f in findings if f.get("severity") == "error" and f.get("code") in codes]
        incidents = {str(f["code"]) for f in wrong}
        self.totals.add(incidents)
        self._sender(record).add(incidents)
        _group(self.days, stored.day, Tally).add(incidents)
        network = record.get("expected_network")
        if network:
            tally = _group(self.networks, network, NetworkTally)
            tally.add(incidents)
            tally.parties.update({_who(f.get("responsible")) for f in wrong} - {None})  # type: ignore[arg-type]
        for f in findings:
            code = str(f.get("code"))
            entry = self.codes.get(code)
            if entry is None:
                entry = self.codes[code] = CodeTally(str(f.get("severity")))
            entry.findings += 1
        for code in {str(f.get("code")) for f in findings}:
            self.codes[code].items += 1
        self.estate.observe(record, stored.when)

    def _sender(self, record: dict[str, Any]) -> SenderTally:
        """The Supplier row an item counts in, else its sender's row in ``other_senders``."""
        sender = record.get("sender") if isinstance(record.get("sender"), dict) else None
        supplier = record.get("supplier")
        entity = None
        if sender is not None and sender.get("user_role") == UserRole.SUPPLIER:
            supplier, entity = sender.get("party") or supplier, sender.get("entity_id")
        elif record_role(record) == WANT or (supplier and record.get("kind") == "gbcs-command"):
            paired = self.offers.get(record_pair_key(record) or "")
            if paired is not None:
                supplier, entity = paired
        if supplier:
            tally = _group(self.suppliers, str(supplier), SenderTally)
            tally.party, tally.user_role = str(supplier), UserRole.SUPPLIER.value
            if entity:
                tally.entity_ids.add(str(entity))
            return tally
        entity = (sender or {}).get("entity_id") or record.get("originator")
        tally = _group(self.others, entity, SenderTally)
        if sender is not None:
            tally.party, tally.user_role = sender.get("party"), sender.get("user_role")
        if entity:
            tally.entity_ids.add(str(entity))
        return tally


def _who(responsible: Any) -> str | None:
    if not isinstance(responsible, dict):
        return None
    return responsible.get("party") or responsible.get("entity_id")


def _group(groups: dict[Any, Any], key: Any, make: type) -> Any:
    found = groups.get(key)
    if found is None:
        found = groups[key] = make()
    return found


def aggregate(
    items: Iterable[StoredItem],
    since: str | None = None,
    until: str | None = None,
    offers: dict[str, tuple[str, str | None]] | None = None,
) -> Report:
    """Aggregate ``items`` (already selected by ``since``/``until``, in event order).

    ``offers`` maps pair keys to the Supplier (and its entity id) of a stored DUIS request,
    for the ACB commands verify could not pair.
    """
    report = Report(since=since, until=until, offers=offers or {})
    report.generated = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    for item in items:
        report.add(item)
    return report


# ----- views: the rows a table, CSV, JSON or HTML rendering shows -----------------------------


def _sender_order(tally: SenderTally) -> tuple[Any, ...]:
    return (-tally.incorrect, -tally.items, str(tally.party or ""), sorted(tally.entity_ids))


def supplier_rows(report: Report) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The Suppliers' rows and the other senders' rows, most incidents first."""
    return (
        [t.row() for t in sorted(report.suppliers.values(), key=_sender_order)],
        [t.row() for t in sorted(report.others.values(), key=_sender_order)],
    )


def document(report: Report, by: str) -> dict[str, Any]:
    """The JSON document of one view (SPEC.md shapes, after the common header)."""
    head = report.header()
    if by == "supplier":
        suppliers, others = supplier_rows(report)
        return {**head, "suppliers": suppliers, "other_senders": others}
    if by == "responsible":
        return {**head, "responsible": report.estate.worklist()}
    if by == "device":
        return {**head, "devices": report.estate.rows()}
    if by == "network":
        return {**head, "networks": network_rows(report)}
    if by == "code":
        return {**head, "codes": code_rows(report)}
    if by == "day":
        return {**head, "days": day_rows(report)}
    raise ValueError(f"unknown view {by!r}; expected one of {', '.join(VIEWS)}")


def _tally_row(tally: Tally) -> dict[str, Any]:
    return {
        "items": tally.items,
        "incorrect": tally.incorrect,
        "rate": round(tally.rate, 6),
        "by_code": dict(sorted(tally.codes.items())),
    }


def network_rows(report: Report) -> list[dict[str, Any]]:
    """Incidents per network wronged, with the organisations whose certificates were placed."""
    ordered = sorted(
        report.networks.items(), key=lambda kv: (-kv[1].incorrect, -kv[1].items, kv[0])
    )
    return [
        {
            "network": name,
            **_tally_row(tally),
            "wrong_parties": dict(sorted(tally.parties.items(), key=lambda kv: (-kv[1], kv[0]))),
        }
        for name, tally in ordered
    ]


def code_rows(report: Report) -> list[dict[str, Any]]:
    """Items and findings per finding code."""
    ordered = sorted(report.codes.items(), key=lambda kv: (-kv[1].items, kv[0]))
    return [
        {"code": code, "severity": t.severity, "items": t.items, "findings": t.findings}
        for code, t in ordered
    ]


def day_rows(report: Report) -> list[dict[str, Any]]:
    """Incidents per day sent (else the day of the run), oldest first."""
    return [{"day": day, **_tally_row(report.days[day])} for day in sorted(report.days)]
