"""Running a verify: build the context, stream the pipeline, write outputs and the store."""

from __future__ import annotations

import codecs
import os
import sys
from collections import Counter, deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from certcheck.audit.limits import DEFAULT_LIMITS, Limits
from certcheck.cli.common import ExitCode, UsageProblem, say
from certcheck.cli.progress import progress_line

if TYPE_CHECKING:
    from certcheck.audit.context import AuditContext
    from certcheck.audit.pipeline import BlockResult
    from certcheck.audit.sources import Block
    from certcheck.checks.registry import Rule
    from certcheck.market.meters import BadRow
    from certcheck.output.gate import Gate
    from certcheck.output.writers import RecordWriter


@dataclass
class VerifyRequest:
    """The verify command's arguments, after parsing."""

    paths: list[str]
    mapping: str | None
    operators: str
    meters: list[str] = field(default_factory=list)
    strict_mapping: bool = False
    cache_dir: str | None = None  # where meters.csv is kept compiled (default: the user's cache)
    no_cache: bool = False
    trust: list[str] = field(default_factory=list)
    certs: list[str] = field(default_factory=list)
    at: str | None = None
    fail_on: str = "error"
    fmt: str = "table"
    output: str | None = None
    store: str | None = None
    passed: str | None = None
    failed: str | None = None
    jobs: int = 1
    limits: Limits = DEFAULT_LIMITS
    rules: list[Rule] | None = None  # the checks to run (--select/--ignore); None: every one
    quiet: bool = False


def parse_at(text: str | None) -> datetime:
    """``--at`` as an aware UTC datetime (a date means its midnight UTC)."""
    from certcheck.audit.context import parse_instant

    try:
        return parse_instant(text)
    except ValueError as exc:
        raise UsageProblem(f"--at {text!r}: expected an ISO 8601 date or date-time") from exc


def build_context(request: VerifyRequest) -> AuditContext:
    """The AuditContext for a request; usage errors name the file at fault."""
    from certcheck.audit import context
    from certcheck.audit.keystore import KeyStoreError
    from certcheck.audit.keystore_cache import KeyStoreCache
    from certcheck.checks.registry import check_functions
    from certcheck.compiled import cache_directory
    from certcheck.market.meters import MappingCache

    at = parse_at(request.at)
    cache = cache_directory(request.cache_dir, request.no_cache)
    try:
        built = context.build_context(
            mapping=request.mapping,
            meters=request.meters,
            operators=request.operators,
            trust=request.trust,
            certs=request.certs,
            at=at,
            checks=None if request.rules is None else check_functions(request.rules),
            mapping_cache=MappingCache(cache) if cache is not None else None,
            keystore_cache=KeyStoreCache(cache) if cache is not None else None,
        )
    except KeyStoreError as exc:
        raise UsageProblem(str(exc)) from exc
    if built.mapping is not None:
        list_bad_rows(built.mapping.bad_rows, request.strict_mapping)
    return built


BAD_ROWS_SHOWN = 20  # SPEC.md "Inputs": the first 20 bad rows, then a count


def list_bad_rows(bad_rows: list[BadRow], strict: bool) -> None:
    """List bad mapping rows on standard error (``FILE:LINE: column COL: reason``, the first
    20 and a count); with ``strict``, any row skipped is a usage error."""
    if not bad_rows:
        return
    skipped = sum(1 for bad in bad_rows if not bad.undetermined)
    undetermined = len(bad_rows) - skipped
    parts = []
    if skipped:
        parts.append(f"{skipped} bad row(s) " + ("refused" if strict else "skipped"))
    if undetermined:
        parts.append(f"{undetermined} row(s) with a network no organisation answers for")
    say(f"{bad_rows[0].path}: {', '.join(parts)}:")
    lines = [str(bad) for bad in bad_rows[:BAD_ROWS_SHOWN]]
    if len(bad_rows) > BAD_ROWS_SHOWN:
        lines.append(f"... and {len(bad_rows) - BAD_ROWS_SHOWN} more")
    sys.stderr.write("".join(f"{line}\n" for line in lines))
    sys.stderr.flush()
    if strict and skipped:
        raise UsageProblem(f"{bad_rows[0].path}: {skipped} bad row(s) (--strict-mapping)")


def _by_severity(codes: dict[str, int]) -> dict[tuple[str, str], int] | None:
    """A block's finding counts by code and severity (each code's rule's: every finding is
    made by its rule), or None when a code is no registered rule's."""
    from certcheck.checks.registry import REGISTRY

    counts = {}
    for code, count in codes.items():
        rule = REGISTRY.get(code)
        if rule is None:
            return None
        counts[(code, rule.severity.label)] = count
    return counts


def _show_not_passed(
    writer: RecordWriter, result: BlockResult, coded: dict[tuple[str, str], int]
) -> None:
    """Give the table a block's counts, then only the records it prints (those whose worst
    finding is a warning or an error): 100,000 DUIS requests read back one record in twenty."""
    from certcheck.audit.model import Severity
    from certcheck.audit.serialise import record

    writer.count(result.items, result.verdicts, coded)  # type: ignore[attr-defined]
    lines = result.lines()
    for index, rank in enumerate(result.ranks):  # each record's worst severity + 1
        if rank > Severity.WARNING:
            writer.show(record(lines[index]))  # type: ignore[attr-defined]


def run_verify(request: VerifyRequest) -> int:
    """Run the pipeline over the inputs; return the exit code per SPEC.md."""
    from certcheck.audit.pairing import BatchPairing
    from certcheck.audit.pipeline import verify_blocks
    from certcheck.audit.sources import NoInput
    from certcheck.audit.verdict_cache import VerdictCache
    from certcheck.audit.workers import PlaceFailed, WorkerDied
    from certcheck.compiled import cache_directory
    from certcheck.output.formats import open_writer
    from certcheck.output.writers import OutputError, cannot_write

    _refuse_shared_outputs(request)
    context = build_context(request)
    # the strict parser's verdicts kept by earlier runs (certcheck.audit.verdict_cache)
    strict_verdicts = VerdictCache.learnt_from(cache_directory(request.cache_dir, request.no_cache))
    fast_lines = request.fmt in ("jsonl",)
    array = request.fmt == "json"
    table = request.fmt == "table"  # reads back only the records it prints (_show_not_passed)
    # -q drops the table's closing summary: the items alone, as ruff -q prints diagnostics only.
    options = {"summary": not request.quiet} if table else {}
    writer = open_writer(request.fmt, request.output, refuse=[request.store], **options)
    # whether encoded records may go to the stream as they are (asked of the formats that take them)
    utf8 = (fast_lines or array) and codecs.lookup(writer.out.stream.encoding).name == "utf-8"  # type: ignore[attr-defined]
    store = None
    if request.store:
        from certcheck.cli.store_hook import RunRecorder

        try:
            store = RunRecorder(request.store, sys.argv[1:])
        except BaseException:
            writer.abort()
            raise
    threshold = _threshold(request.fail_on)
    worst = -1
    count = 0
    verdicts: Counter[str] = Counter()
    failed_checks = 0
    stream = None
    try:
        gate = _open_gate(request, threshold, writer)
    except BaseException:
        writer.abort()
        raise
    blocks: deque[Block] = deque()
    progress = None if request.quiet else progress_line(request.fmt)
    # Workers write their records into a JSON Lines file themselves, where it is a regular
    # file and the records go nowhere else (the store reads them).
    sink = writer.out.stream  # type: ignore[attr-defined]
    place = sink.placing_fd() if fast_lines and utf8 and store is None else None
    try:
        stream = verify_blocks(
            _kept(_blocks(request, gate is None), blocks, gate is not None),
            context,
            jobs=request.jobs,
            limits=request.limits,
            digests=store is not None,
            place=place,
            elements=array and store is None,  # workers serialise the array's elements
        )
        pairing = BatchPairing(store.supplier_for if store is not None else None)
        for result in pairing.feed(stream):
            count += result.items
            if result.held is not None:
                sink.place(result.place)
            elif result.elements and result.utf8 and utf8:
                writer.write_elements_utf8(result.utf8)  # type: ignore[attr-defined]
            elif result.elements:
                writer.write_elements(result.as_text())  # type: ignore[attr-defined]
            elif fast_lines and result.utf8 and utf8:
                sink.write_utf8(result.utf8)
            elif fast_lines:
                sink.write(result.as_text())
            elif table and (coded := _by_severity(result.codes)) is not None:
                _show_not_passed(writer, result, coded)
            else:
                for record in result.records():
                    writer.write(record)
            sink.flush()  # out before the next block
            if gate is not None:
                gate.add(blocks.popleft(), result.ranks)
            worst = max(worst, result.worst)
            verdicts.update(result.verdicts)
            failed_checks += result.codes.get("CHECK_FAILED", 0)
            if store is not None:
                store.add_block(result)
            if progress:
                progress.update(count)
    except NoInput as exc:
        _stop(stream, writer, progress, gate)
        raise UsageProblem(str(exc)) from exc
    except KeyboardInterrupt:
        _stop(stream, writer, progress, gate)
        say(f"interrupted after {count} item(s); {_left_as_it_was(request)}")
        raise Interrupted() from None
    except PlaceFailed as exc:  # a worker could not write the records it held
        _stop(stream, writer, progress, gate)
        raise cannot_write(request.output or "standard output", exc) from None
    except WorkerDied as died:  # killed from outside (out of memory, say): not a bug here
        _stop(stream, writer, progress, gate)
        say(f"stopped after {count} item(s): {died}; {_left_as_it_was(request)}")
        return ExitCode.INTERNAL
    except OutputError:  # one line says which output and why; nothing else is left
        _stop(stream, writer, progress, gate)
        raise
    except BaseException:
        _stop(stream, writer, progress, gate)
        if count:
            say(f"stopped after {count} item(s); {_left_as_it_was(request)}")
        raise
    if progress:
        progress.close()
    if count == 0:
        writer.abort()
        if gate is not None:
            gate.abort()
        raise UsageProblem("no input found")
    writer.close()
    if gate is not None:
        gate.close()
    if store is not None:
        store.finish()
    if strict_verdicts is not None:
        strict_verdicts.store()
    if not request.quiet and (request.output not in (None, "-") or gate is not None):
        say(_summary(request, count, verdicts, gate))
    if failed_checks:
        say(
            f"internal error: a check raised on {failed_checks} item(s) (CHECK_FAILED findings; "
            "the other checks ran). This is a bug in certcheck; please report it with the "
            "output of the same command run with --debug."
        )
        return ExitCode.INTERNAL
    return ExitCode.FINDINGS if worst >= threshold else ExitCode.OK


def _threshold(fail_on: str) -> int:
    """The lowest severity that makes the exit code 1 (above every severity for ``never``)."""
    from certcheck.audit.model import Severity

    return max(Severity) + 1 if fail_on == "never" else Severity.parse(fail_on)


def _blocks(request: VerifyRequest, lazy: bool) -> Iterator[Block]:
    """The input's blocks; with workers (and nothing else that reads the lines here), the
    blocks of a regular file hold where their lines are, which the workers read themselves."""
    from certcheck.audit.sources import iter_blocks

    return iter_blocks(request.paths, request.limits, lazy=lazy and request.jobs > 1)


def _kept(blocks: Iterator[Block], kept: deque[Block], keep: bool) -> Iterator[Block]:
    """The blocks, each also kept in ``kept`` until its result comes back (for the gate).

    Results come back in the order blocks were read, whatever the number of workers, so the
    oldest kept block is always the one a result belongs to.
    """
    for block in blocks:
        if keep:
            kept.append(block)
        yield block


def _open_gate(request: VerifyRequest, threshold: int, writer: RecordWriter) -> Gate | None:
    if not request.passed and not request.failed:
        return None
    from certcheck.output.gate import Gate

    try:
        return Gate(request.passed, request.failed, threshold, request.limits)
    except BaseException:
        writer.abort()
        raise


def _refuse_shared_outputs(request: VerifyRequest) -> None:
    """--passed, --failed and -o must name different files, none of them an input file, and
    never standard output (but -o)."""
    from certcheck.output.writers import same_file

    named = [
        (flag, path)
        for flag, path in (
            ("-o", request.output),
            ("--passed", request.passed),
            ("--failed", request.failed),
        )
        if path
    ]
    seen: dict[str, str] = {}
    for flag, path in named:
        if path == "-" and flag != "-o":
            raise UsageProblem(f"{flag} needs a file (standard output carries the report)")
        if path == "-":
            continue
        real = os.path.realpath(path)
        if real in seen:
            raise UsageProblem(f"{flag} {path} is the same file as {seen[real]}")
        if flag != "-o" and request.store and real == os.path.realpath(request.store):
            raise UsageProblem(f"{flag} {path}: this is the audit store; name another file")
        if any(same_file(path, given) for given in request.paths if given != "-"):
            raise UsageProblem(
                f"{flag} {path} is an input of this run; name another file (it would be "
                "replaced by what is written)"
            )
        seen[real] = f"{flag} {path}"


def _summary(request: VerifyRequest, count: int, verdicts: Counter[str], gate: Gate | None) -> str:
    """The one-line summary on standard error after a run that wrote files."""
    text = (
        f"{count} item(s): {verdicts['pass']} pass, {verdicts['warn']} warn, "
        f"{verdicts['fail']} fail"
    )
    if request.output not in (None, "-"):
        text += f"; report in {request.output}"
    if gate is not None:
        for passed, flag, path in (
            (True, "--passed", request.passed),
            (False, "--failed", request.failed),
        ):
            text += f"; {gate.lines[passed]} line(s) " + (
                f"to {path}" if path else f"not written ({flag} not given)"
            )
    return text


class Interrupted(KeyboardInterrupt):
    """Ctrl-C during a run, already reported (with how far the batch got)."""

    reported = True


def _stop(stream, writer, progress, gate=None) -> None:  # type: ignore[no-untyped-def]
    """Clear the progress line, discard the partial outputs and end the worker pool now."""
    if progress:
        progress.close()
    writer.abort()
    if gate is not None:
        gate.abort()
    if stream is not None:
        stream.close()


def _left_as_it_was(request: VerifyRequest) -> str:
    if request.output and request.output != "-":
        return f"{request.output} was left as it was"
    return "the report is incomplete"
