"""The README's table of finding codes, written from the check registry.

``python -m certcheck.checks.readme_table`` prints the Markdown table;
``python -m certcheck.checks.readme_table --update README.md`` rewrites the part of README.md
between the markers (appending a "Finding codes" section when the markers are absent).
"""

from __future__ import annotations

import sys
from pathlib import Path

START = "<!-- codes:start -->"
END = "<!-- codes:end -->"
HEADING = "## Finding codes"


def _cell(text: str) -> str:
    """Text safe inside one Markdown table cell."""
    return " ".join(text.split()).replace("|", "\\|")


def markdown_table() -> str:
    """Every registered check as a Markdown table: code | severity | what it finds | source.

    Each code cell holds an anchor named after the code in lower case: the rule's help URI
    (SARIF ``helpUri``) points at it.
    """
    from certcheck.checks.registry import all_rules

    lines = ["| code | severity | what it finds | source |", "|---|---|---|---|"]
    for rule in all_rules():
        anchor = f'<a id="{rule.code.lower()}"></a>'
        lines.append(
            f"| {anchor}`{rule.code}` | {rule.severity.label} | {_cell(rule.description)} "
            f"| {_cell(rule.source)} |"
        )
    return "\n".join(lines) + "\n"


def replace_section(readme: str, table: str) -> str:
    """``readme`` with ``table`` between the markers, or in a new section at its end."""
    block = f"{START}\n{table}{END}"
    start, end = readme.find(START), readme.find(END)
    if start >= 0 and end > start:
        return readme[:start] + block + readme[end + len(END) :]
    return readme.rstrip("\n") + f"\n\n{HEADING}\n\n{block}\n"


def main(argv: list[str]) -> int:
    """Print the table, or with ``--update PATH`` write it into that README."""
    table = markdown_table()
    if len(argv) == 2 and argv[0] == "--update":
        path = Path(argv[1])
        path.write_text(replace_section(path.read_text(encoding="utf-8"), table), "utf-8")
        return 0
    if argv:
        sys.stderr.write("usage: python -m certcheck.checks.readme_table [--update README.md]\n")
        return 2
    sys.stdout.write(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
