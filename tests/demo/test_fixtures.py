"""The committed world under fixtures/world is exactly what the generator writes."""

from __future__ import annotations

from pathlib import Path

from certcheck.demo.fixtures import FIXTURE_DIR, generate

ROOT = Path(__file__).resolve().parents[2]


def tree(directory: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(directory)): p.read_bytes()
        for p in sorted(directory.rglob("*")) if p.is_file()
    }


def test_committed_fixture_world_equals_a_fresh_generation(tmp_path):
    assert ROOT / "fixtures" / "world" == FIXTURE_DIR
    generate(tmp_path / "world")
    fresh, committed = tree(tmp_path / "world"), tree(FIXTURE_DIR)
    assert sorted(fresh) == sorted(committed), "run: python -m certcheck.demo.fixtures"
    changed = [name for name in fresh if fresh[name] != committed[name]]
    assert changed == [], f"regenerate with python -m certcheck.demo.fixtures: {changed[:5]}"
