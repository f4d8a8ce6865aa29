"""The readers' contract, asserted by every fuzz target: an Item, decoded or saying why not,
and never a reader's last-resort catch-all (that is a defect, not bad input)."""

from __future__ import annotations

from certcheck.audit.model import Item
from certcheck.formats.sniff import is_reader_defect


def check_item(item: object) -> None:
    """Raise AssertionError when ``item`` breaks the readers' contract."""
    if not isinstance(item, Item):
        raise AssertionError(f"not an Item: {item!r}")
    if item.kind is None and not item.problems:
        raise AssertionError("unreadable item without a problem")
    for problem in item.problems:
        if is_reader_defect(problem):
            raise AssertionError(f"reader defect: {problem}")
