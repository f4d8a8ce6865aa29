"""Verify a written demo world in-process and compare every record with its truth.json: its
findings, and the Supplier it is attributed to (ACB handovers paired as verify pairs them)."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from certcheck.demo.world import verify_options


@dataclass
class WorldCheck:
    """Verdict counts of a verify run and the items whose findings differ from truth.json."""

    items: int = 0
    verdicts: Counter[str] = field(default_factory=Counter)
    codes: Counter[str] = field(default_factory=Counter)
    mismatches: list[tuple[str, list[str], list[str]]] = field(default_factory=list)

    @property
    def agrees(self) -> bool:
        return self.items > 0 and not self.mismatches


def _relative(source: str, directory: Path) -> str:
    path, _, line = source.partition("#")
    name = Path(path).resolve().relative_to(directory.resolve()).as_posix()
    return f"{name}#{line}" if line else name


def check_world(directory: str | Path, jobs: int = 1) -> WorldCheck:
    """Run verify with :func:`verify_options` over ``directory`` and compare with truth."""
    from certcheck.audit.context import build_context, parse_instant
    from certcheck.audit.pairing import BatchPairing
    from certcheck.audit.pipeline import verify_blocks
    from certcheck.audit.sources import iter_blocks

    directory = Path(directory)
    truth = json.loads((directory / "truth.json").read_text("utf-8"))["items"]
    options = verify_options(directory)
    result = WorldCheck()
    seen: set[str] = set()
    context = build_context(
        mapping=options["mapping"],
        operators=options["operators"],
        trust=options["trust"],
        certs=options["certs"],
        at=parse_instant(options["at"]),
    )
    blocks = verify_blocks(iter_blocks(options["paths"]), context, jobs=jobs)
    for block in BatchPairing().feed(blocks):
        for record in block.records():
            result.items += 1
            result.verdicts[record["verdict"]] += 1
            name = _relative(record["source"], directory)
            seen.add(name)
            got = sorted({f["code"] for f in record["findings"] if f["severity"] != "info"})
            result.codes.update(got)
            want = truth.get(name, {}).get("codes")
            if want != got:
                result.mismatches.append((name, want or [], got))
            supplier = truth.get(name, {}).get("supplier")
            if supplier != record.get("supplier"):
                result.mismatches.append(
                    (name, [f"supplier {supplier}"], [f"supplier {record.get('supplier')}"])
                )
    for name in sorted(set(truth) - seen):
        result.mismatches.append((name, truth[name]["codes"], ["(not reported)"]))
    return result
