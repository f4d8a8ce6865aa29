"""Running a verify: build the context, stream the pipeline, write outputs and the store."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from certcheck.audit.limits import DEFAULT_LIMITS, Limits
from certcheck.cli.common import ExitCode, UsageProblem, say
from certcheck.cli.progress import progress_line

if TYPE_CHECKING:
    from certcheck.audit.context import AuditContext
    from certcheck.checks.registry import Rule


@dataclass
class VerifyRequest:
    """The verify command's arguments, after parsing."""

    paths: list[str]
    mapping: str
    operators: str
    trust: list[str] = field(default_factory=list)
    certs: list[str] = field(default_factory=list)
    at: str | None = None
    fail_on: str = "error"
    fmt: str = "table"
    output: str | None = None
    store: str | None = None
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
    from certcheck.checks.registry import check_functions

    at = parse_at(request.at)
    try:
        return context.build_context(
            mapping=request.mapping,
            operators=request.operators,
            trust=request.trust,
            certs=request.certs,
            at=at,
            checks=None if request.rules is None else check_functions(request.rules),
        )
    except KeyStoreError as exc:
        raise UsageProblem(str(exc)) from exc


def run_verify(request: VerifyRequest) -> int:
    """Run the pipeline over the inputs; return the exit code per SPEC.md."""
    from certcheck.audit.pairing import BatchPairing
    from certcheck.audit.pipeline import verify_blocks
    from certcheck.audit.sources import NoInput, iter_blocks
    from certcheck.output.formats import open_writer
    from certcheck.output.writers import OutputError

    context = build_context(request)
    fast_lines = request.fmt in ("jsonl",)
    # -q drops the table's closing summary: the items alone, as ruff -q prints diagnostics only.
    options = {"summary": not request.quiet} if request.fmt == "table" else {}
    writer = open_writer(request.fmt, request.output, refuse=[request.store], **options)
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
    failed_checks = 0
    stream = None
    progress = None if request.quiet else progress_line(request.fmt)
    try:
        stream = verify_blocks(
            iter_blocks(request.paths, request.limits),
            context,
            jobs=request.jobs,
            limits=request.limits,
            digests=store is not None,
        )
        pairing = BatchPairing(store.supplier_for if store is not None else None)
        for result in pairing.feed(stream):
            count += result.items
            if fast_lines:
                writer.out.stream.write(result.text)  # type: ignore[attr-defined]
            else:
                for record in result.records():
                    writer.write(record)
            writer.out.stream.flush()  # type: ignore[attr-defined]  # out before the next block
            worst = max(worst, result.worst)
            failed_checks += result.codes.get("CHECK_FAILED", 0)
            if store is not None:
                store.add_block(result)
            if progress:
                progress.update(count)
    except NoInput as exc:
        _stop(stream, writer, progress)
        raise UsageProblem(str(exc)) from exc
    except KeyboardInterrupt:
        _stop(stream, writer, progress)
        say(f"interrupted after {count} item(s); {_left_as_it_was(request)}")
        raise Interrupted() from None
    except OutputError:  # one line says which output and why; nothing else is left
        _stop(stream, writer, progress)
        raise
    except BaseException:
        _stop(stream, writer, progress)
        if count:
            say(f"stopped after {count} item(s); {_left_as_it_was(request)}")
        raise
    if progress:
        progress.close()
    if count == 0:
        writer.abort()
        raise UsageProblem("no input found")
    writer.close()
    if store is not None:
        store.finish()
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


class Interrupted(KeyboardInterrupt):
    """Ctrl-C during a run, already reported (with how far the batch got)."""

    reported = True


def _stop(stream, writer, progress) -> None:  # type: ignore[no-untyped-def]
    """Clear the progress line, discard the partial output and end the worker pool now."""
    if progress:
        progress.close()
    writer.abort()
    if stream is not None:
        stream.close()


def _left_as_it_was(request: VerifyRequest) -> str:
    if request.output and request.output != "-":
        return f"{request.output} was left as it was"
    return "the report is incomplete"
