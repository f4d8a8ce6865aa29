"""The terminal view of a verify run: one line per item that is not a pass, then a summary."""

from __future__ import annotations

from collections import Counter
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
        shown = [f for f in record["findings"] if f["severity"] != Severity.INFO.label]
        for finding in record["findings"]:
            self.codes[(finding["code"], finding["severity"])] += 1
        if verdict is Verdict.PASS:
            return
        line = Text()
        line.append(f"{verdict.name:5} ", style=VERDICT_STYLE[verdict])
        line.append(printable(record["source"]))
        if record["device_id"]:
            line.append(f"  device {record['device_id']}")
        if record["expected_network"]:
            line.append(f" ({record['expected_network']})")
        if record["supplier"] or record["originator"]:
            line.append(printable(f"  from {record['supplier'] or record['originator']}"))
        self.console.print(line)
        for finding in shown:
            where = f" [{finding['where']}]" if finding["where"] else ""
            self.console.print(f"      {finding['code']}: {finding['message']}{where}")

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
