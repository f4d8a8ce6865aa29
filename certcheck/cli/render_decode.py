"""What ``decode`` shows: a record per item, and a rich view grouping certificates by cell."""

from __future__ import annotations

import sys
from typing import Any

from rich.table import Table
from rich.text import Text

from certcheck.audit.keystore import KeyStore
from certcheck.audit.model import Cell, Finding, Item, Organisation, Record
from certcheck.audit.serialise import certificate_entries, outcome_entry
from certcheck.market.operators import OperatorRegistry
from certcheck.output.console import terminal_console
from certcheck.output.terminal import plain
from certcheck.smki.profile import profile_problems


def decoded_record(
    item: Item, keystore: KeyStore, registry: OperatorRegistry | None = None
) -> dict[str, Any]:
    """SPEC.md record fields for a decoded item, plus what decoding alone can tell.

    Each certificate entry adds its ``profile_problems`` (SMKI profile, empty when none). With
    ``registry`` (``--operators``) the sender, the certificates' parties and networks and the
    cell occupants' parties are named.
    """
    from certcheck.smki.signature import signature_state  # cryptography, when needed

    certificates = certificate_entries(item, registry)
    for entry, placement in zip(certificates, item.placements, strict=True):
        entry["profile_problems"] = list(profile_problems(placement.certificate))
    sender = _organisation(registry, item.originator)
    record = Record(
        source=item.source,
        kind=item.kind.value if item.kind else None,
        service=item.service,
        message_code=item.message_code,
        originator=item.originator,
        sender=sender,
        supplier=None,
        device_id=item.device_id,
        device_type=None,
        mpan=None,
        expected_network=None,
        certificates=certificates,
        findings=_unreadable(item),
        id=item.entry_id,
        request_id=item.request_id,
        sent=item.sent_at,
        digest=item.digest,
    ).as_dict()
    outcomes = item.outcomes  # a DUIS reader lifts its GBCS layer's outcomes
    record.update(
        {
            "message_name": item.message_name,
            "counter": item.counter,
            "remote_party_role": item.remote_party_role,
            "execution_time": item.execution_time,
            "signature": signature_state(item, keystore.by_entity),
            "outcomes": [_named(outcome_entry(o, keystore.by_ski), registry) for o in outcomes],
            "details": _plain(item.details),
        }
    )
    return record


def _unreadable(item: Item) -> tuple[Finding, ...]:
    """INPUT_UNREADABLE findings, one per problem (the check registry is imported for those)."""
    if not item.problems:
        return ()
    from certcheck.checks.input import unreadable_findings

    return tuple(unreadable_findings(item))


def _organisation(registry: OperatorRegistry | None, entity_id: str | None) -> dict | None:
    """SPEC.md ``sender`` of a listed entity id ({party, entity_id, user_role}), else None."""
    operator = registry.by_entity(entity_id) if registry is not None and entity_id else None
    if operator is None:
        return None
    return Organisation(operator.entity_id, operator.party, operator.user_role).as_dict()


def _named(outcome: dict[str, Any], registry: OperatorRegistry | None) -> dict[str, Any]:
    """An outcome whose old and new occupants carry their party (None when not listed)."""
    for key in ("existing", "replacing"):
        occupant = outcome[key]
        if occupant is not None:
            found = _organisation(registry, occupant["entity_id"])
            occupant["party"] = found["party"] if found else None
    return outcome


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, bytes):
        return value.hex().upper()
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


class DecodeView:
    """Rich rendering of decoded items on a terminal."""

    def __init__(self) -> None:
        self.console = terminal_console(sys.stdout, width=160, soft_wrap=False)

    def show(self, item: Item, record: dict[str, Any]) -> None:
        title = plain(item.source, style="bold")
        if not item.readable:
            self.console.print(title, Text("  unreadable", style="red"))
            return
        facts = [record["kind"]]
        for label in ("service", "message_code", "message_name"):
            if record.get(label):
                facts.append(str(record[label]))
        self.console.print(title, plain("  " + " · ".join(facts), style="cyan"))
        if item.originator or item.device_id:
            sent_by_device = item.originator is not None and item.originator == item.device_id
            recipient = item.details.get("recipient") if sent_by_device else item.device_id
            sender = record.get("sender")
            named = f" ({sender['party']}, {sender['user_role']})" if sender else ""
            self.console.print(
                plain(
                    f"  from {item.originator or '-'}{named} to {recipient or '-'}"
                    + (f"  counter {item.counter}" if item.counter is not None else "")
                )
            )
        stamps = [
            f"{label} {record[key]}"
            for key, label in (("id", "id"), ("request_id", "request"), ("sent", "sent"))
            if record.get(key) is not None
        ]
        if stamps:
            self.console.print(plain("  " + "  ".join(stamps)))
        if record.get("signature"):
            style = {"valid": "green", "invalid": "red"}.get(record["signature"], "yellow")
            self.console.print("  signature: ", plain(record["signature"], style=style))
        if record.get("execution_time"):
            self.console.print(f"  execution time: {record['execution_time']}")
        certs = record["certificates"]
        if item.kind == "certificate":
            for cert in certs:
                self._certificate_card(cert)
        elif certs:
            self.console.print(self._certificates(certs))
            self._profile_lines(certs)
        if record["outcomes"]:
            self.console.print(self._outcomes(record["outcomes"]))
        self.console.print()

    def _certificate_card(self, cert: dict[str, Any]) -> None:
        table = Table(box=None, show_header=False, pad_edge=False)
        table.add_column(style="bold")
        table.add_column()
        role = f"{cert['role']} ({cert['role_name']})" if cert["role"] is not None else "-"
        for label, value in (
            ("entity id", cert["entity_id"] or "-"),
            ("role", role),
            ("key usage", ", ".join(cert["key_usage"]) or "-"),
            ("subject", cert["subject"] or "(empty: device certificate)"),
            ("issuer", cert["issuer"]),
            ("serial", cert["serial"]),
            ("valid", f"{cert['not_before']} to {cert['not_after']}"),
            ("subject key id", cert["subject_key_id"] or "-"),
            ("sha256", cert["sha256"]),
            ("party", _party(cert)),
            ("profile", _profile(cert)),
        ):
            table.add_row("  " + label, plain(value))
        self.console.print(table)

    @staticmethod
    def _certificates(certs: list[dict[str, Any]]) -> Table:
        named = any(cert.get("party") for cert in certs)
        table = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
        columns = ["target cell", "entity id", "role", "key usage", "serial", "valid to", "SKI"]
        if named:
            columns.insert(2, "party")
        for column in columns:
            table.add_column(column)
        for cert in _ordered(certs):
            row = [
                _place(cert),
                cert["entity_id"] or "-",
                cert["role_name"] or "-",
                ",".join(cert["key_usage"]) or "-",
                cert["serial"],
                cert["not_after"][:10],
                cert["subject_key_id"] or "-",
            ]
            if named:
                row.insert(2, _party(cert))
            table.add_row(*(plain(value) for value in row))
        return table

    def _profile_lines(self, certs: list[dict[str, Any]]) -> None:
        for cert in _ordered(certs):
            if cert.get("profile_problems"):
                self.console.print(
                    plain(f"  profile ({_place(cert)}, serial {cert['serial']}): {_profile(cert)}")
                )

    @staticmethod
    def _outcomes(outcomes: list[dict[str, Any]]) -> Table:
        table = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
        for column in ("cell", "status", "old occupant", "new occupant"):
            table.add_column(column)
        for outcome in outcomes:
            table.add_row(
                _cell_label(outcome["cell"]),
                outcome["status"] or "-",
                _occupant(outcome["existing"]),
                _occupant(outcome["replacing"]),
            )
        return table


def _cell_label(cell: dict[str, Any] | None) -> str:
    """Cell.label() of a record's cell dict ("" for none)."""
    return Cell(**cell).label() if cell else ""


def _ordered(certs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Placed certificates by cell, then the certification path."""
    return sorted(certs, key=lambda c: (c["path"], c["cell"] is None, _cell_label(c["cell"])))


def _place(cert: dict[str, Any]) -> str:
    return "certification path" if cert["path"] else _cell_label(cert["cell"]) or "-"


def _party(cert: dict[str, Any]) -> str:
    """The organisation behind a certificate's entity id and its networks (--operators)."""
    if not cert.get("party"):
        return "-"
    networks = f" ({', '.join(cert['mpids'])})" if cert.get("mpids") else ""
    return f"{cert['party']}{networks}"


def _profile(cert: dict[str, Any]) -> str:
    """The certificate's SMKI profile problems, or ``ok``."""
    return "; ".join(cert.get("profile_problems") or ()) or "ok"


def _occupant(occ: dict[str, Any] | None) -> str:
    if not occ:
        return "-"
    text = f"{occ['entity_id'] or '?'} / {occ['subject_key_id'] or '?'}"
    if occ.get("party"):
        text += f" ({occ['party']})"
    return text + (f" = {occ['certificate'][:12]}…" if occ.get("certificate") else "")
