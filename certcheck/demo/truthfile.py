"""truth.json: what verify must find in each item of a demonstration world
(:mod:`certcheck.demo.truth`) and what each report must show (:mod:`certcheck.demo.reports`)."""

from __future__ import annotations

from typing import Any

from certcheck.demo.history import HISTORY_PATH, Event
from certcheck.demo.payloads import Rendered, batch_time
from certcheck.demo.reports import Audited, expected_reports
from certcheck.demo.truth import ERROR, WARNING, truth_entry
from certcheck.demo.world import VERIFY_AT, World, verify_arguments


def truth_document(
    world: World, rendered: Rendered, history: list[Event] | None = None
) -> dict[str, Any]:
    """truth.json: one entry per payload file and per JSON Lines entry (``SOURCE#N``), and
    what each report must show (``reports``, see certcheck.demo.reports)."""
    audited = [Audited(payload.path, payload.case, None) for payload in rendered.files]
    audited += [
        Audited(f"{rendered.batch_path}#{number}", case, batch_time(number))
        for number, (_, case) in enumerate(rendered.batch, start=1)
    ]
    audited += [
        Audited(f"{HISTORY_PATH}#{number}", event.case, event.sent_text, event.story)
        for number, event in enumerate(history or (), start=1)
    ]
    reports, suppliers = expected_reports(world, audited)
    items: dict[str, Any] = {}
    for entry in audited:
        items[entry.source] = truth_entry(
            world,
            entry.case,
            entry.case.name if "#" in entry.source else None,
            entry.sent,
            suppliers[entry.source],
        )
        if entry.story:
            items[entry.source]["story"] = entry.story
    return {
        "schema": "certcheck-demo-truth/2",
        "seed": world.seed,
        "size": world.size,
        "verify_at": VERIFY_AT,
        "verify_arguments": list(verify_arguments(".")),
        "severity_reported": [ERROR, WARNING],
        "items": items,
        "reports": reports,
    }
