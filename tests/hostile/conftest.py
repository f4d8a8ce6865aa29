"""Fixtures for the hostile-input tests: a small demo world written once per session."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass(frozen=True)
class DemoWorld:
    """A written demo world (mapping, registry, PKI) and its rendered payloads."""

    directory: Path
    duis: tuple[bytes, ...]
    gbcs: tuple[bytes, ...]

    def verify_args(self) -> list[str]:
        d = self.directory
        return [
            "--mapping", str(d / "meters.csv"),
            "--operators", str(d / "operators.csv"),
            "--trust", str(d / "pki" / "root.pem"),
            "--at", "2026-06-01",
        ]

    def batch(self, path: Path, count: int) -> Path:
        """A JSON Lines batch of ``count`` DUIS requests cycling through the demo ones."""
        with path.open("w", encoding="utf-8") as handle:
            for index in range(count):
                payload = self.duis[index % len(self.duis)].decode()
                handle.write(json.dumps({"id": f"item-{index}", "payload": payload}) + "\n")
        return path


@pytest.fixture(scope="session")
def demo_world(tmp_path_factory: pytest.TempPathFactory) -> DemoWorld:
    from certcheck.demo.payloads import render_payloads
    from certcheck.demo.world import build_world
    from certcheck.demo.write import write_world

    directory = tmp_path_factory.mktemp("world")
    world = build_world(size=10)
    write_world(world, directory)
    rendered = render_payloads(world)
    duis = tuple(f.content for f in rendered.files if "/duis/" in f.path)
    gbcs = tuple(f.content for f in rendered.files if "/gbcs/" in f.path)
    assert duis and gbcs
    return DemoWorld(directory, duis, gbcs)
