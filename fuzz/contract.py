"""The readers' contract, asserted by every fuzz target: an Item, decoded or saying why not,
never a problem flagged as a defect by a reader's last-resort handler (a bug, not bad input),
and every ``where`` in the one grammar of :mod:`certcheck.audit.where`."""

from __future__ import annotations

from certcheck.audit.model import Item
from certcheck.audit.where import is_where
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
    places = [p.where for p in item.problems if p.where is not None]
    places += [p.where for p in item.placements] + [o.where for o in item.outcomes]
    for where in places:
        if not is_where(where):
            raise AssertionError(f"where {where!r} is outside the grammar")
