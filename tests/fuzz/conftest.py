"""Fuzz fixtures: seeds (reference samples, demo payloads) and an audit context; counts."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import pytest

EXAMPLES: Counter[str] = Counter()
"""Inputs tried per fuzz test in this session (reported in the terminal summary)."""


def pytest_terminal_summary(terminalreporter) -> None:  # type: ignore[no-untyped-def]
    if EXAMPLES:
        terminalreporter.write_sep("-", "fuzz inputs tried")
        for name, count in sorted(EXAMPLES.items()):
            terminalreporter.write_line(f"{name}: {count}")
        terminalreporter.write_line(f"total: {sum(EXAMPLES.values())}")


@dataclass(frozen=True)
class FuzzWorld:
    """The verify context over a demo world, its rendered payloads, the example counter."""

    context: Any
    payloads: list[bytes]
    examples: Counter[str]


@pytest.fixture(scope="session")
def fuzz_world(tmp_path_factory: pytest.TempPathFactory) -> FuzzWorld:
    """A written demo world, its rendered payloads and the verify context over it."""
    from certcheck.cli.verify_run import VerifyRequest, build_context
    from certcheck.demo.payloads import render_payloads
    from certcheck.demo.world import build_world
    from certcheck.demo.write import write_world

    directory = tmp_path_factory.mktemp("fuzz-world")
    world = build_world(size=10)
    write_world(world, directory)
    context = build_context(
        VerifyRequest(
            paths=[],
            mapping=str(directory / "meters.csv"),
            operators=str(directory / "operators.csv"),
            trust=[str(directory / "pki" / "root.pem")],
            certs=[str(directory / "pki" / "orgs")],
            at="2026-06-01",
        )
    )
    rendered = render_payloads(world)
    return FuzzWorld(context, [f.content for f in rendered.files], EXAMPLES)
