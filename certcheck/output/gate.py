"""The Supplier's gate: every input line to ``--passed`` or ``--failed`` by its verdict.

SPEC.md "Output": each JSON Lines entry's original line, byte for byte and in input order, goes
to one of the two files by its verdict against ``--fail-on``; a file item goes as its path, one
a line. Rules kept here:

* a line keeps its bytes and its line end (``\\n`` or ``\\r\\n``); a line that had none (the
  last of a file) gets a ``\\n`` only when another line follows it in the same output file;
* a blank line (only spaces, tabs or a CR) is no item and has no verdict: it goes to
  ``--passed``, since it holds back nothing and a JSON Lines reader skips it;
* a line over ``--max-line-bytes`` is an INPUT_UNREADABLE item, so it fails; when it was too
  long to be held in memory its bytes are not kept and its ``SOURCE#LINE`` goes instead.

Both files are written atomically like ``-o`` (:class:`~certcheck.output.writers.AtomicOutput`).
"""

from __future__ import annotations

from certcheck.audit.limits import DEFAULT_LIMITS, Limits
from certcheck.audit.sources import Block, LineBlock, block_lines, is_item_line
from certcheck.output.writers import AtomicOutput


class Gate:
    """Splits the input of a verify run into its passed and failed lines."""

    def __init__(
        self,
        passed: str | None,
        failed: str | None,
        threshold: int,
        limits: Limits = DEFAULT_LIMITS,
    ) -> None:
        self.threshold = threshold
        self.limits = limits
        self._outs: dict[bool, AtomicOutput | None] = {}
        self._open: dict[bool, bool] = {True: False, False: False}
        self.lines = {True: 0, False: 0}
        try:
            self._outs[True] = AtomicOutput(passed, binary=True) if passed else None
            self._outs[False] = AtomicOutput(failed, binary=True) if failed else None
        except BaseException:
            self.abort()
            raise

    def add(self, block: Block, ranks: bytes) -> None:
        """Route one block's lines; ``ranks`` holds each item's worst severity rank + 1."""
        at = 0
        if isinstance(block, LineBlock):
            lines = block_lines(block)
            last = len(lines) - 1
            ended = block.data.endswith(b"\n")
            for index, line in enumerate(lines):
                failed = False
                if is_item_line(line):
                    failed = ranks[at] - 1 >= self.threshold
                    at += 1
                self._write(not failed, line, b"\n" if index < last or ended else b"")
        else:
            for raw in block:
                failed = ranks[at] - 1 >= self.threshold
                at += 1
                self._write(not failed, raw.source.encode("utf-8", "surrogateescape"), b"\n")
        if at != len(ranks):
            raise AssertionError(f"gate: {len(ranks)} verdicts for {at} items of a block")

    def _write(self, passed: bool, line: bytes, end: bytes) -> None:
        self.lines[passed] += 1
        out = self._outs[passed]
        if out is None:
            return
        if self._open[passed]:
            out.stream.write(b"\n")
        out.stream.write(line + end)
        self._open[passed] = not end

    def close(self) -> None:
        """Put both files in place."""
        for out in self._outs.values():
            if out is not None:
                out.commit()

    def abort(self) -> None:
        """Drop both files, leaving earlier ones as they were."""
        for out in self._outs.values():
            if out is not None:
                out.discard()
