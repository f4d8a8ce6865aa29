"""The terminal view of a verify run: each item that is not a pass, then a summary.

An item's heading names its source and id, the device with its MPAN, the network expected with
the organisations answering for it, and the sender. Below it comes one line per finding code
(SPEC.md "Output"), naming the cells concerned, the organisation found there and, for a
certificate in a wrong cell, the organisation that must act (only it can replace it: SECMP0063).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from rich.table import Table
from rich.text import Text

from certcheck.audit.model import Severity, Verdict
from certcheck.output.console import terminal_console
from certcheck.output.escape import printable
from certcheck.output.writers import AtomicOutput

VERDICT_STYLE = {Verdict.FAIL: "bold red", Verdict.WARN: "yellow", Verdict.PASS: "green"}


class TableWriter:
    """Prints failing and warning items as they come, and a summary table at the end."""

    def __init__(self, out: AtomicOutput, summary: bool = True) -> None:
        self.out = out
        self.console = terminal_console(out.stream, width=200, soft_wrap=True)
        self.summary = summary
        self.verdicts: Counter[Verdict] = Counter()
        self.codes: Counter[tuple[str, str]] = Counter()
        self.items = 0

    def write(self, record: dict[str, Any]) -> None:
        self.items += 1
        verdict = Verdict.parse(record["verdict"])
        self.verdicts[verdict] += 1
        for finding in record["findings"]:
            self.codes[(finding["code"], finding["severity"])] += 1
        if verdict is not Verdict.PASS:
            self.show(record)

    def count(
        self, items: int, verdicts: Mapping[str, int], codes: Mapping[tuple[str, str], int]
    ) -> None:
        """Count records without reading them, as :meth:`write` would: their number, their
        verdicts by label and their findings by code and severity. Each that is not a pass
        is then given to :meth:`show`."""
        self.items += items
        self.verdicts.update({Verdict.parse(label): n for label, n in verdicts.items()})
        self.codes.update(codes)

    def show(self, record: dict[str, Any]) -> None:
        """Print a record that is not a pass (its heading and one line per finding code)."""
        verdict = Verdict.parse(record["verdict"])
        line = Text()
        line.append(f"{verdict.name:5} ", style=VERDICT_STYLE[verdict])
        line.append(printable(item_heading(record)))
        self.console.print(line, highlight=False)
        for text in finding_lines(record):
            self.console.print(Text(printable(f"      {text}")), highlight=False)

    def close(self) -> None:
        if self.summary:
            self._summary()
        self.out.commit()

    def _summary(self) -> None:
        summary = Table(title=None, box=None, header_style="bold")
        summary.add_column("finding")
        summary.add_column("severity")
        summary.add_column("count", justify="right")
        for (code, severity), count in sorted(
            self.codes.items(), key=lambda x: (-Severity.parse(x[0][1]), x[0][0])
        ):
            summary.add_row(code, severity, str(count))
        self.console.print()
        if self.codes:
            self.console.print(summary)
        counts = ", ".join(f"{self.verdicts[verdict]} {verdict}" for verdict in Verdict)
        self.console.print(f"{self.items} item(s): {counts}")

    def abort(self) -> None:
        self.out.discard()


def item_heading(record: dict[str, Any]) -> str:
    """Source, id, device and MPAN, the expected network and its organisations, the sender."""
    parts = [record["source"]]
    if record.get("id") is not None:
        parts.append(f"id {record['id']}")
    if record["device_id"]:
        device = f"device {record['device_id']}"
        if record["mpan"]:
            kind = "MPRN" if record["device_type"] in ("GSME", "GPF") else "MPAN"
            device += f" {kind} {record['mpan']}"
        parts.append(device)
    expected = record.get("expected")
    if expected:
        parties = ", ".join(p["party"] for p in expected["parties"])
        parts.append(
            f"expected {expected['network']} "
            f"({parties or 'no organisation in operators.csv answers for it'})"
        )
    sender = record["supplier"] or record["originator"]
    if sender:
        parts.append(f"from {sender}")
    return "  ".join(parts)


def finding_lines(record: dict[str, Any]) -> list[str]:
    """One line per finding code (info left out): the cells, the message, who is there and who
    must act."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for finding in record["findings"]:
        if finding["severity"] != Severity.INFO.label:
            groups.setdefault(finding["code"], []).append(finding)
    placed = {(c["sha256"], c["where"]): c for c in record["certificates"]}
    lines = []
    for code, findings in groups.items():
        cells: list[str] = []
        found: list[str] = []
        for finding in findings:
            entry = placed.get((finding["certificate"], finding["where"]))
            place = _cell(entry) if entry else finding["where"]
            if place and place not in cells:
                cells.append(place)
            holder = _holder(entry, finding)
            if holder and holder not in found:
                found.append(holder)
        text = code
        if cells:
            text += f"  {'cells' if len(cells) > 1 else 'cell'} {', '.join(cells)}"
        text += f": {findings[0]['message']}"
        if len(findings) > 1:
            text += f" (and {len(findings) - 1} more)"
        if found and any(f["certificate"] for f in findings):
            text += f"; found {', '.join(found)}"
        actors = _must_act(findings, placed)
        if actors:
            text += f"; must act: {', '.join(actors)}"
        lines.append(text)
    return lines


def _cell(entry: dict[str, Any]) -> str | None:
    from certcheck.audit.model import Cell

    if entry["cell"]:
        return Cell(**entry["cell"]).label()
    return "certification path" if entry.get("path") else None


def _holder(entry: dict[str, Any] | None, finding: dict[str, Any]) -> str | None:
    if entry is None:
        return None
    name = entry.get("party")
    return f"{name} ({entry['entity_id']})" if name else entry.get("entity_id")


# Errors only the organisation whose certificate sits in the wrong cell can put right
# (SECMP0063; SPEC.md "Output", findings[].responsible).
_ACTION_PREFIXES = ("NO_CERT_", "CELL_")


def _must_act(findings: list[dict[str, Any]], placed: dict[Any, dict[str, Any]]) -> list[str]:
    actors: list[str] = []
    for finding in findings:
        if finding["severity"] != Severity.ERROR.label or not finding["code"].startswith(
            _ACTION_PREFIXES
        ):
            continue
        responsible = finding.get("responsible")
        if responsible:
            actor = f"{responsible['party']} ({responsible['entity_id']})"
        else:
            actor = _holder(placed.get((finding["certificate"], finding["where"])), finding)
        if actor and actor not in actors:
            actors.append(actor)
    return actors
