"""``certcheck demo``: write a complete, deterministic test world and show how to verify it."""

import typer

from certcheck.cli.options import ConfigFile, NoConfig, Quiet


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
    batch: int | None = typer.Option(
        None,
        "--batch",
        min=1,
        metavar="N",
        help="Lines in the JSON Lines batch (default: a tenth of --size, at least 12).",
    ),
    quiet: Quiet = False,
    config: ConfigFile = None,
    no_config: NoConfig = False,
) -> int:
    """Write a test world (PKI, operators.csv, meters.csv, DUIS/GBCS payloads, truth.json)
    and verify it.

    The exit code is 0 when every item's findings and Supplier agree with truth.json, 1 when
    one does not.

    \b
    Example: certcheck demo world --size 60 --batch 100
    """
    import shlex
    import shutil
    from pathlib import Path

    from certcheck.cli.common import ExitCode, UsageProblem, say
    from certcheck.demo.selfcheck import check_world
    from certcheck.demo.world import build_world, verify_arguments
    from certcheck.demo.write import write_world

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

    def note(message: str) -> None:  # -q: only disagreements and errors
        if not quiet:
            say(message)

    world = build_world(seed, size)
    counts = write_world(world, target, batch)
    note(
        f"wrote {directory}: {counts['certificates']} certificates under pki/, "
        f"{counts['operators']} operators, {counts['meters']} meters, "
        f"{counts['payload_files']} payload files, a batch of {counts['batch_lines']} lines "
        f"and {counts['history_lines']} lines of device histories under payloads/, expected "
        "findings and reports in truth.json"
    )
    check = check_world(target)
    verdicts = ", ".join(f"{check.verdicts[v]} {v}" for v in ("pass", "warn", "fail"))
    note(f"verified {check.items} items: {verdicts}")
    for name, want, got in check.mismatches[:10]:
        say(f"  {name}: truth.json expects {want or 'no finding'}, verify reported {got}")
    if check.mismatches:
        say(f"{len(check.mismatches)} item(s) disagree with truth.json")
    else:
        note("every item's findings and Supplier agree with truth.json")
    note("verify it yourself with:")
    note("  certcheck " + shlex.join(verify_arguments(directory)))
    return ExitCode.OK if check.agrees else ExitCode.FINDINGS
