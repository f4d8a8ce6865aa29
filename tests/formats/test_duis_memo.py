"""What a repeated request header or service body gives is built once and shared: every
request must still decode exactly as when read alone, with its own RequestID and source."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable

import pytest

from certcheck.audit.model import Item, ItemKind
from certcheck.demo.pki import Issued
from certcheck.formats import duis
from certcheck.formats.duis import decode_duis

HandoverRequest = Callable[..., bytes]  # conftest's handover_request


def _fresh(data: bytes, source: str) -> object:
    """The item read with every reader memo emptied first."""
    duis.clear_memos()
    return decode_duis(data, source)


def _placed(item: object) -> list[tuple[str, str]]:
    return [(p.where, p.certificate.sha256) for p in item.placements]  # type: ignore[attr-defined]


def test_bodies_differing_in_one_certificate_are_told_apart(
    handover_pki: dict[str, Issued], handover_request: HandoverRequest
) -> None:
    pki = handover_pki
    first, second = handover_request(), handover_request(ka="ka2")
    a = decode_duis(first, "a.xml")
    b = decode_duis(second, "b.xml")
    again = decode_duis(first, "a.xml")
    ka = "Body/RequestHandoverOfDCCControlledDevice/ReplacementCertificates/KeyAgreementCertificate"
    assert dict(_placed(a))[ka] == hashlib.sha256(pki["ka"].der).hexdigest()
    assert dict(_placed(b))[ka] == hashlib.sha256(pki["ka2"].der).hexdigest()
    assert again == a == _fresh(first, "a.xml")
    assert b == _fresh(second, "b.xml")


def test_each_request_keeps_its_own_request_id(handover_request: HandoverRequest) -> None:
    items = [decode_duis(handover_request(counter=n, device=f"{n:02x}"), f"r{n}") for n in (7, 8)]
    assert [(i.counter, i.device_id) for i in items] == [
        (7, "00-DB-12-34-56-78-90-07"),
        (8, "00-DB-12-34-56-78-90-08"),
    ]
    assert items[0].placements == items[1].placements
    assert items[0].details == items[1].details
    assert items[0].details is not items[1].details  # each item owns its details


def test_a_body_with_problems_names_each_item_source(handover_request: HandoverRequest) -> None:
    data = handover_request().replace(
        b"<sr:RemotePartyRole>NetworkOperator<", b"<sr:RemotePartyRole>Nobody<"
    )
    data = data.replace(b"<sr:CommandVariant>1<", b"<sr:CommandVariant>one<")
    one = decode_duis(data, "one.xml")
    two = decode_duis(data, "two.xml")
    assert one.kind == two.kind == ItemKind.DUIS_REQUEST
    assert [p.message for p in one.problems] == [
        "one.xml: CommandVariant 'one' is not a number",
        "one.xml: unknown RemotePartyRole 'Nobody'",
    ]
    assert [p.message.replace("one.xml", "two.xml") for p in one.problems] == [
        p.message for p in two.problems
    ]
    assert [p.where for p in one.problems] == [p.where for p in two.problems]
    assert two == _fresh(data, "two.xml")


def test_a_large_request_is_read_without_the_memos(handover_request: HandoverRequest) -> None:
    data = handover_request().replace(b"<sr:Body>", b"<sr:Body>" + b" " * duis._MEMO_MAX_BYTES)
    small = _fresh(handover_request(), "small.xml")
    held = duis._service_outcome.cache_info(), duis._request_head.cache_info()
    large = decode_duis(data, "small.xml")
    assert (duis._service_outcome.cache_info(), duis._request_head.cache_info()) == held
    assert large.placements == small.placements and large.problems == ()


def test_a_request_item_is_a_frozen_item_with_every_field(
    handover_request: HandoverRequest,
) -> None:
    item = decode_duis(handover_request(counter=9), "r.xml")
    assert type(item) is Item
    values = {field.name: getattr(item, field.name) for field in dataclasses.fields(Item)}
    assert Item(**values) == item and values["counter"] == 9
    with pytest.raises(dataclasses.FrozenInstanceError):
        item.counter = 10  # type: ignore[misc]
