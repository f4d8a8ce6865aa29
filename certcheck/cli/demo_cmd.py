"""``certcheck demo``: write a complete, deterministic test world and show how to verify it."""

from __future__ import annotations

import shlex

import typer


def demo(
    directory: str = typer.Argument(
        "certcheck-demo",
        metavar="DIR",
        help="Where to write the world: a new or empty directory, or an earlier demo world.",
    ),
    seed: str = typer.Option(
        "certcheck-demo", "--seed", help="Seed: the same seed always writes the same bytes."
    ),
    size: int = typer.Option(300, "--size", min=10, help="Number of electricity meters (ESMEs)."),
) -> int:
    """Write a test world: PKI, operators.csv, meters.csv, DUIS/GBCS payloads and truth.json.

    Example: certcheck demo ./certcheck-demo --seed 7 --size 300
    """
    import shutil
    from pathlib import Path

    from certcheck.cli.common import UsageProblem, say
    from certcheck.demo.world import build_world, verify_arguments, write_world

    target = Path(directory)
    if target.exists() and not target.is_dir():
        raise UsageProblem(f"{directory}: exists and is not a directory")
    if target.is_dir() and any(target.iterdir()):
        if not (target / "truth.json").is_file():
            raise UsageProblem(
                f"{directory}: not empty and not a certcheck demo world (no truth.json); "
                "give a new or empty directory"
            )
        for part in ("pki", "payloads"):  # replaced whole, so no file of an earlier seed stays
            shutil.rmtree(target / part, ignore_errors=True)
    world = build_world(seed, size)
    counts = write_world(world, target)
    say(
        f"wrote {directory}: {counts['certificates']} certificates under pki/, "
        f"{counts['operators']} operators, {counts['meters']} meters, "
        f"{counts['payload_files']} payload files and a batch of {counts['batch_lines']} lines "
        "under payloads/, expected findings in truth.json"
    )
    say("verify it with:")
    say("  certcheck " + shlex.join(verify_arguments(directory)))
    return 0
