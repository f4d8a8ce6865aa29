"""``certcheck decode``: show what certificate files and command payloads carry."""

from typing import TYPE_CHECKING, Any

import typer

from certcheck.cli.options import (
    FORMAT_HELP,
    PATH,
    CacheDir,
    Color,
    ColorChoice,
    ConfigFile,
    MaxCertificates,
    MaxDerDepth,
    MaxItemBytes,
    MaxLineBytes,
    NoCache,
    NoConfig,
    OutputFormat,
)

if TYPE_CHECKING:
    from certcheck.audit.keystore import KeyStore


def decode(
    paths: list[str] = typer.Argument(
        ..., metavar="PATH...", help="Files, directories (recursive) or - for standard input."
    ),
    fmt: OutputFormat = typer.Option(OutputFormat.TABLE, "-f", "--format", help=FORMAT_HELP),
    certs: list[str] = typer.Option(
        [],
        "--certs",
        "--trust",
        click_type=PATH,
        help="Certificate files or directories: check GBCS signatures, name cell occupants.",
    ),
    operators: str = typer.Option(
        None,
        "--operators",
        click_type=PATH,
        help="operators.csv: name the parties behind entity ids (sender, certificates, occupants).",
    ),
    max_item_bytes: MaxItemBytes = None,
    max_line_bytes: MaxLineBytes = None,
    max_der_depth: MaxDerDepth = None,
    max_certificates: MaxCertificates = None,
    cache_dir: CacheDir = None,
    no_cache: NoCache = False,
    color: Color = ColorChoice.AUTO,
    config: ConfigFile = None,
    no_config: NoConfig = False,
) -> int:
    """Decode SMKI certificates, DUIS XML and GBCS messages, recognised by content.

    \b
    Example, in the test world 'certcheck demo world' writes:
    certcheck decode world/payloads/gbcs --certs world/pki/orgs
    """
    from certcheck.audit.decoding import decode_raw
    from certcheck.audit.keystore import KeyStore, KeyStoreError
    from certcheck.audit.limits import limits_with
    from certcheck.audit.sources import NoInput, iter_raw
    from certcheck.audit.verdict_cache import VerdictCache
    from certcheck.cli.common import ExitCode, UsageProblem, say
    from certcheck.cli.render_decode import DecodeView, decoded_record
    from certcheck.compiled import cache_directory

    try:
        keystore = _keystore(certs, cache_dir, no_cache) if certs else KeyStore()
    except KeyStoreError as exc:
        raise UsageProblem(str(exc)) from exc
    # the strict parser's verdicts kept by earlier runs (certcheck.audit.verdict_cache)
    strict_verdicts = VerdictCache.learnt_from(cache_directory(cache_dir, no_cache))
    registry = None
    if operators:
        from certcheck.market.operators import load_operators

        registry = load_operators(operators)
    view = DecodeView() if fmt is OutputFormat.TABLE else None
    writer = None
    if not view:
        from certcheck.output.formats import open_writer

        writer = open_writer(fmt.value, None)
    limits = limits_with(
        max_item_bytes=max_item_bytes,
        max_line_bytes=max_line_bytes,
        max_der_depth=max_der_depth,
        max_certificates=max_certificates,
    )
    failures = 0
    count = 0
    try:
        for raw in iter_raw(paths, limits):
            item = decode_raw(raw, limits)
            count += 1
            record: dict[str, Any] = decoded_record(item, keystore, registry)
            if not item.readable or item.problems:
                failures += 1
                for problem in item.problems:
                    where = f" ({problem.where})" if problem.where else ""
                    say(f"{item.source}: {problem.message}{where}")
            if view:
                view.show(item, record)
            elif writer:
                writer.write(record)
    except NoInput as exc:
        raise UsageProblem(str(exc)) from exc
    finally:
        if writer:
            writer.close()
    if count == 0:
        raise UsageProblem("no input found")
    if strict_verdicts is not None:
        strict_verdicts.store()
    return ExitCode.FINDINGS if failures else ExitCode.OK


def _keystore(certs: list[str], cache_dir: str | None, no_cache: bool) -> "KeyStore":
    """The certificates of ``--certs``, kept compiled unless ``--no-cache`` (imported only
    then: a decode without them starts without the cache's modules)."""
    from certcheck.audit.keystore import KeyStore
    from certcheck.audit.keystore_cache import KeyStoreCache
    from certcheck.compiled import cache_directory

    cache = cache_directory(cache_dir, no_cache)
    return KeyStore.from_paths(certs, KeyStoreCache(cache) if cache is not None else None)
