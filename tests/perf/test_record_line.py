"""A spliced record line is exactly ``dumps`` of the record dict, whatever the text holds."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from certcheck.audit.model import SCHEMA_VERSION, Finding, Organisation, Severity
from certcheck.audit.serialise import JsonText, dumps, record_line

HEAD_KEYS = (
    "source", "id", "request_id", "sent", "kind", "service", "message_code", "originator",
    "sender", "supplier", "expected", "device_id", "device_type", "mpan", "expected_network",
)
text = st.text(alphabet=st.characters(codec="utf-8"), max_size=12)  # includes ", \\, \\u2028
maybe_text = st.none() | text
organisation = st.none() | st.builds(Organisation, text, maybe_text, maybe_text)
findings = st.lists(
    st.builds(
        Finding, text, st.sampled_from(list(Severity)), text, maybe_text, maybe_text, organisation
    ),
    max_size=3,
)
entries = st.lists(st.dictionaries(text, maybe_text | st.integers(), max_size=3), max_size=3)
party = st.fixed_dictionaries({"party": text, "entity_id": text})
expected = st.none() | st.fixed_dictionaries({"network": text, "parties": st.lists(party)})


senders = st.none() | st.builds(lambda o: o.as_dict(), st.builds(Organisation, text, text, text))
heads = st.fixed_dictionaries(
    {key: senders if key == "sender" else maybe_text for key in HEAD_KEYS}
)


@given(heads, expected, entries, findings)
def test_record_line_equals_dumps(
    head: dict, wanted: dict | None, certificates: list, found: list[Finding]
) -> None:
    """The head's ``expected`` goes in as cached JSON text, as the pipeline passes it."""
    head = {**head, "expected": wanted}
    worst = max((int(f.severity) for f in found), default=0)
    record = {
        **head,
        "certificates": certificates,
        "findings": [f.as_dict() for f in found],
        "verdict": {2: "fail", 1: "warn", 0: "pass"}[worst],
        "schema_version": SCHEMA_VERSION,
    }
    spliced = {**head, "expected": None if wanted is None else JsonText(dumps(wanted))}
    line = record_line(spliced, [dumps(c) for c in certificates], tuple(found))
    assert line == dumps(record)
    assert json.loads(line) == record
