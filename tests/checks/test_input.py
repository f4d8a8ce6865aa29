"""The input family: an item, or a part of it, that could not be decoded says where."""

from __future__ import annotations

import re

from certcheck.demo.payloads import CORRECT, DUIS_HANDOVER, GBCS_NO_BY_NO, render_case
from tests.checks.casebook import HANDOVER_DS, CaseBook

FAMILY = "input"


def test_readable_payloads_pass(book: CaseBook) -> None:
    for form in (DUIS_HANDOVER, GBCS_NO_BY_NO):
        assert book.findings(book.case(CORRECT, form), FAMILY) == [], form


def test_a_broken_certificate_in_a_duis_request_names_its_element(book: CaseBook) -> None:
    xml = render_case(book.case(CORRECT, DUIS_HANDOVER)).decode()
    broken = re.sub(r"(<(?:\w+:)?DigitalSigningCertificate>)[^<]{8}", r"\1AAAAAAAA", xml, count=1)
    assert broken != xml
    assert book.findings(broken.encode(), FAMILY) == [("INPUT_UNREADABLE", None, HANDOVER_DS)]


def test_a_truncated_gbcs_command_names_the_length_that_overruns(book: CaseBook) -> None:
    """The ACB's command carries a MAC header whose length field, at offset 0x7, promises
    more bytes than a truncated copy holds."""
    case = book.case(CORRECT, GBCS_NO_BY_NO)
    assert case.sender.handle == "ACB"
    raw = bytes.fromhex(render_case(case).decode())
    assert book.findings(raw[:0x40], FAMILY) == [("INPUT_UNREADABLE", None, "offset 0x7")]
