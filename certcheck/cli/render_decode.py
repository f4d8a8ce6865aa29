"""What ``decode`` shows: a record per item, and a rich view grouping certificates by cell."""

from __future__ import annotations

import sys
from typing import Any

from rich.table import Table
from rich.text import Text

from certcheck.audit.keystore import KeyStore
from certcheck.audit.model import Cell, Item, Record
from certcheck.audit.serialise import certificate_entries, outcome_entry
from certcheck.checks.input import unreadable_findings
from certcheck.output.console import terminal_console
from certcheck.output.terminal import plain


def signature_state(item: Item, keystore: KeyStore) -> str | None:
    """valid / invalid / not-checked for a signed GBCS message; ``absent`` (a pre-command) or
    ``null`` (a MAC-protected message) when it carries no signature; None without GBCS."""
    gbcs = item.inner or item
    if gbcs.signature is None:
        return None
    if gbcs.signature.value is None:
        return gbcs.signature.state
    from certcheck.smki.signature import signature_status

    return signature_status(gbcs, keystore.by_entity)


def decoded_record(item: Item, keystore: KeyStore) -> dict[str, Any]:
    """SPEC.md record fields for a decoded item, plus what decoding alone can tell."""
    record = Record(
        source=item.source,
        kind=item.kind.value if item.kind else None,
        service=item.service,
        message_code=item.message_code,
        originator=item.originator,
        sender=None,
        supplier=None,
        device_id=item.device_id,
        device_type=None,
        mpan=None,
        expected_network=None,
        certificates=certificate_entries(item, None),
        findings=tuple(unreadable_findings(item)),
        digest=item.digest,
    ).as_dict()
    outcomes = item.outcomes  # a DUIS reader lifts its GBCS layer's outcomes
    record.update(
        {
            "message_name": item.message_name,
            "counter": item.counter,
            "remote_party_role": item.remote_party_role,
            "execution_time": item.execution_time,
            "signature": signature_state(item, keystore),
            "outcomes": [outcome_entry(o, keystore.by_ski) for o in outcomes],
            "details": _plain(item.details),
        }
    )
    return record


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
            self.console.print(
                f"  from {item.originator or '-'} to {recipient or '-'}"
                + (f"  counter {item.counter}" if item.counter is not None else "")
            )
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
        ):
            table.add_row("  " + label, value)
        self.console.print(table)

    @staticmethod
    def _certificates(certs: list[dict[str, Any]]) -> Table:
        table = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
        for column in (
            "target cell",
            "entity id",
            "role",
            "key usage",
            "serial",
            "valid to",
            "SKI",
        ):
            table.add_column(column)
        ordered = sorted(
            certs, key=lambda c: (c["path"], c["cell"] is None, _cell_label(c["cell"]))
        )
        for cert in ordered:
            cell = "certification path" if cert["path"] else _cell_label(cert["cell"]) or "-"
            table.add_row(
                cell,
                cert["entity_id"] or "-",
                cert["role_name"] or "-",
                ",".join(cert["key_usage"]) or "-",
                cert["serial"],
                cert["not_after"][:10],
                cert["subject_key_id"] or "-",
            )
        return table

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


def _occupant(occ: dict[str, Any] | None) -> str:
    if not occ:
        return "-"
    text = f"{occ['entity_id'] or '?'} / {occ['subject_key_id'] or '?'}"
    return text + (f" = {occ['certificate'][:12]}…" if occ.get("certificate") else "")
