"""README's table of finding codes is the registry's, exactly."""

from __future__ import annotations

import subprocess
import sys

from certcheck.checks.readme_table import END, START, markdown_table, replace_section
from certcheck.checks.registry import all_rules
from tests.conftest import ROOT


def readme_table() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert text.count(START) == 1 and text.count(END) == 1
    return text.split(START, 1)[1].split(END, 1)[0].strip("\n") + "\n"


def table_rows(table: str) -> list[list[str]]:
    rows = [line.strip().strip("|").split(" | ") for line in table.strip().splitlines()]
    return [[cell.strip() for cell in row] for row in rows[2:]]


def test_readme_table_is_the_registry() -> None:
    assert readme_table() == markdown_table()
    rows = table_rows(readme_table())
    assert [row[0] for row in rows] == [
        f'<a id="{rule.code.lower()}"></a>`{rule.code}`' for rule in all_rules()
    ]
    assert all(rule.help_uri.endswith(f"#{rule.code.lower()}") for rule in all_rules())
    for row, rule in zip(rows, all_rules(), strict=True):
        assert row[1:] == [rule.severity.label, rule.description, rule.source]


def test_module_prints_the_table() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "certcheck.checks.readme_table"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout == markdown_table()


def test_replace_section_appends_then_replaces() -> None:
    appended = replace_section("# title\n", "| t |\n")
    assert appended == f"# title\n\n## Finding codes\n\n{START}\n| t |\n{END}\n"
    replaced = replace_section(appended + "after\n", "| u |\n")
    assert replaced == f"# title\n\n## Finding codes\n\n{START}\n| u |\n{END}\nafter\n"
    assert replace_section(replaced, "| u |\n") == replaced
