"""Regenerate the committed test world: ``python -m certcheck.demo.fixtures [DIR]``.

The world under ``fixtures/world`` is this module's output and nothing else; a test rebuilds
it and compares every byte, so it is changed by changing the code, never by hand.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

FIXTURE_SEED = "certcheck-fixtures"
FIXTURE_SIZE = 40
FIXTURE_DIR = Path(__file__).resolve().parents[2] / "fixtures" / "world"


def generate(directory: str | Path = FIXTURE_DIR) -> dict[str, int]:
    """Write the fixture world into ``directory``, replacing what was there."""
    from certcheck.demo.world import build_world
    from certcheck.demo.write import write_world

    target = Path(directory)
    if target.exists():
        shutil.rmtree(target)
    return write_world(build_world(FIXTURE_SEED, FIXTURE_SIZE), target)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    target = Path(args[0]) if args else FIXTURE_DIR
    counts = generate(target)
    sys.stderr.write(f"wrote {target}: {counts}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
