"""``certcheck checks``: every check certcheck runs, or one explained (as ``ruff rule``)."""

import typer

from certcheck.cli.options import Color, ColorChoice, ConfigFile, ListFormat, NoConfig


def checks(
    code: str | None = typer.Argument(
        None,
        metavar="[CODE]",
        show_default=False,
        help="A finding code to explain, or a family to list; every check when absent.",
    ),
    fmt: ListFormat = typer.Option(
        ListFormat.TABLE, "-f", "--format", help="table (terminal), json or csv."
    ),
    color: Color = ColorChoice.AUTO,
    config: ConfigFile = None,
    no_config: NoConfig = False,
) -> int:
    """List the checks and their finding codes, or explain one: what it means, why it
    matters, what to do, an example and the clause it enforces.

    Example: certcheck checks NO_CERT_WRONG_NETWORK
    """
    from certcheck.checks.registry import UnknownCheck, all_rules, rules_named
    from certcheck.cli.common import UsageProblem
    from certcheck.cli.render_checks import explain, print_checks

    if code is None:
        print_checks(all_rules(), fmt.value)
        return 0
    try:
        rules = rules_named(code)
    except UnknownCheck as exc:
        raise UsageProblem(str(exc)) from None
    if len(rules) == 1 and rules[0].code == code.upper():
        explain(rules[0], fmt.value)
    else:
        print_checks(rules, fmt.value)
    return 0
