"""A request that differs from an earlier one only in its RequestID text is read from that
one's template: it must decode exactly as when read alone, and a document that only looks like
it (another RequestID, markup or references in the text, other limits) must not match."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from certcheck.audit.limits import DEFAULT_LIMITS, Limits
from certcheck.formats import duis, duis_templates
from certcheck.formats.duis import decode_duis

RID = b"90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-01:1"


@pytest.fixture()
def request_xml(handover_request: Callable[..., bytes]) -> bytes:
    duis.clear_memos()
    data = handover_request()
    assert data.count(RID) == 1
    return data


def _fresh(data: bytes, source: str, limits: Limits = DEFAULT_LIMITS) -> object:
    duis.clear_memos()
    return decode_duis(data, source, limits=limits)


def _matched(data: bytes, limits: Limits = DEFAULT_LIMITS) -> bool:
    return duis.TEMPLATES.find(data, limits) is not None


@pytest.mark.parametrize(
    "request_id",
    [
        b"90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-02:77",
        b"90-b3-d5-1f-30-01-00-00:00-db-12-34-56-78-90-02:77",
        b"\n  90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-02:77 \t",
        b"90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-02:99999999999999999999",
        b"90-B3-D5-1F-30-01-00-00",
        b"::",
        b" ",
    ],
)
def test_a_request_with_another_plain_request_id_reads_as_alone(
    request_xml: bytes, request_id: bytes
) -> None:
    decode_duis(request_xml, "first.xml")
    other = request_xml.replace(RID, request_id)
    assert _matched(other)
    item = decode_duis(other, "other.xml")
    assert item == _fresh(other, "other.xml")
    assert item.details is not decode_duis(other, "again.xml").details


@pytest.mark.parametrize(
    "request_id",
    [
        b"",  # no text: the tree holds None, "missing RequestID"
        b"A&amp;B",
        b"&#x39;0-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-02:1",
        b"90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-02:1\r\n",
        b"caf\xc3\xa9:x:1",
        b"RequestID",
        b"<![CDATA[90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-02:1]]>",
        b"90-B3-D5-1F-30-01-00-00]]>:1",  # not well-formed in text
        b"90-B3-D5-1F-30-01-00-00<x/>:1",
        b"90-B3-D5-1F-30-01-00-00<:1",
    ],
)
def test_a_request_id_text_that_is_not_plain_is_read_from_the_tree(
    request_xml: bytes, request_id: bytes
) -> None:
    decode_duis(request_xml, "first.xml")
    other = request_xml.replace(RID, request_id)
    assert not _matched(other)
    assert decode_duis(other, "other.xml") == _fresh(other, "other.xml")


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (b"</sr:RequestID>", b"</sr:RequestID><sr:RequestID/>"),  # the last RequestID counts
        (b"</sr:RequestID>", b"</sr:RequestID><sr:RequestID>1</sr:RequestID>"),
        (b"<sr:RequestID>", b'<sr:RequestID xml:lang="en">'),
        (b"</sr:Body>", b'<x:RequestID xmlns:x="urn:x">1</x:RequestID></sr:Body>'),
        (b"<sr:ServiceReference>", b"<sr:ServiceReference>RequestID>"),
        (b"<sr:Header>", b"<sr:Header><!-- RequestID -->"),
    ],
)
def test_a_document_that_only_looks_plain_is_never_a_template(
    request_xml: bytes, old: bytes, new: bytes
) -> None:
    data = request_xml.replace(old, new, 1)
    _assert_never_a_template(data, data.replace(RID, RID[:-1] + b"2"))


def _assert_never_a_template(data: bytes, other: bytes) -> None:
    """``data`` decodes as alone, twice, and leaves no template; ``other``, like it but for a
    text a template would leave out, decodes as alone."""
    assert decode_duis(data, "first.xml") == _fresh(data, "first.xml")
    decode_duis(data, "first.xml")
    assert not duis.TEMPLATES.order
    assert decode_duis(other, "other.xml") == _fresh(other, "other.xml")


@pytest.mark.parametrize(
    "limits",
    [Limits(max_certificates=1), Limits(max_der_depth=2), Limits(max_xml_depth=3)],
    ids=["certificates", "der-depth", "xml-depth"],
)
def test_a_template_is_matched_only_under_the_limits_it_was_read_with(
    request_xml: bytes, limits: Limits
) -> None:
    decode_duis(request_xml, "first.xml")
    other = request_xml.replace(RID, RID[:-1] + b"5")
    assert _matched(other) and not _matched(other, limits)
    refused = decode_duis(other, "other.xml", limits=limits)
    assert refused == _fresh(other, "other.xml", limits)
    assert refused.problems  # each of these limits is exceeded by the request


@pytest.mark.parametrize("signed", [False, True], ids=["unsigned", "signed"])
def test_a_matched_request_is_not_parsed_again(
    request_xml: bytes, monkeypatch: pytest.MonkeyPatch, signed: bool
) -> None:
    parsed: list[str] = []
    real_parse = duis.parse_xml

    def counted(data: bytes, source: str, **options: object) -> object:
        parsed.append(source)
        return real_parse(data, source, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(duis, "parse_xml", counted)
    other = request_xml.replace(RID, RID[:-1] + b"6")
    if signed:
        first, other = _signed(request_xml), _signed(other, b"REVG", b"R0hJ&#13;\nSktM")
    else:
        first = request_xml
    decode_duis(first, "first.xml")
    item = decode_duis(other, "other.xml")
    assert parsed == ["first.xml"]
    monkeypatch.undo()
    assert item == _fresh(other, "other.xml")


def test_the_templates_are_bounded(request_xml: bytes) -> None:
    for n in range(duis_templates.MAX_TEMPLATES + 10):
        varied = request_xml.replace(b"<sr:CommandVariant>1<", f"<sr:CommandVariant>{n}<".encode())
        decode_duis(varied, f"{n}.xml")
    kept = duis.TEMPLATES
    assert len(kept.order) == duis_templates.MAX_TEMPLATES
    assert sum(map(len, kept.by_shape.values())) == duis_templates.MAX_TEMPLATES
    newest = request_xml.replace(b"<sr:CommandVariant>1<", b"<sr:CommandVariant>73<")
    oldest = request_xml.replace(b"<sr:CommandVariant>1<", b"<sr:CommandVariant>0<")
    assert _matched(newest) and not _matched(oldest)


DIGEST = b"hARemJbaumROQU1QsyhmJvIcwtW0SBlUyT/WUF7R6mw="
# wrapped as XML signature tools write it: a carriage-return reference and a newline
SIGNATURE = b"9yXeLI2OgcJdzxhQ7nWUXt3bhIdWwaCNaWoGsRarAd5nIrDnMc9H7lWg5b0Qjnrp&#13;\nK7lzr+6LFA=="


def _signed(data: bytes, digest: bytes = DIGEST, signature: bytes = SIGNATURE) -> bytes:
    """``data`` with an enveloped ds:Signature as XML signature tools write one (payloads.md
    section 1.1), after sr:Body: its DigestValue and SignatureValue texts as given."""
    block = (
        b'<ds:Signature xmlns="http://www.w3.org/2000/09/xmldsig#">\n'
        b"<!-- NOTE: placeholder values -->\n"
        b'<ds:SignedInfo><ds:Reference URI="">'
        b"<ds:DigestValue>" + digest + b"</ds:DigestValue>"
        b"</ds:Reference></ds:SignedInfo>\n"
        b"<ds:SignatureValue>" + signature + b"</ds:SignatureValue>\n"
        b"<ds:KeyInfo><ds:X509Data><ds:X509IssuerSerial>"
        b"<ds:X509IssuerName>CN=Z1, OU=07</ds:X509IssuerName>"
        b"<ds:X509SerialNumber>1234567890</ds:X509SerialNumber>"
        b"</ds:X509IssuerSerial></ds:X509Data></ds:KeyInfo>\n"
        b"</ds:Signature>\n"
    )
    assert data.count(b"</sr:Request>") == 1
    return data.replace(b"</sr:Request>", block + b"</sr:Request>")


@pytest.mark.parametrize(
    ("digest", "signature"),
    [
        (b"QUJD", b"REVG"),
        (DIGEST, SIGNATURE.replace(b"&#13;\n", b"")),
        (b"", b""),
        (b" \n\t", b"QUJD&#13;\nREVG&#xD;\nR0hJ&#xd;\n"),
        (b"A" * 3000, b"=" * 8),
    ],
)
def test_a_signed_request_with_other_signature_values_reads_as_alone(
    request_xml: bytes, digest: bytes, signature: bytes
) -> None:
    decode_duis(_signed(request_xml), "first.xml")
    other = _signed(request_xml.replace(RID, RID[:-1] + b"9"), digest, signature)
    assert _matched(other)
    item = decode_duis(other, "other.xml")
    assert item == _fresh(other, "other.xml")
    assert item.details["signed_xml"] is True


@pytest.mark.parametrize(
    "value",
    [
        b"&amp;",
        b"&#10;",
        b"&#13",
        b"QUJD-",
        b"caf\xc3\xa9",
        b"<x/>",
        b"<!-- x -->",
        b"<![CDATA[QUJD]]>",
        b"QUJD]]>",
    ],
)
def test_a_signature_value_that_is_not_plain_is_read_from_the_tree(
    request_xml: bytes, value: bytes
) -> None:
    decode_duis(_signed(request_xml), "first.xml")
    for other in (_signed(request_xml, digest=value), _signed(request_xml, signature=value)):
        assert not _matched(other)
        assert decode_duis(other, "other.xml") == _fresh(other, "other.xml")


@pytest.mark.parametrize(
    ("old", "new"),
    [
        # a value element outside the signature, where the reader could read it
        (b"</sr:Body>", b"<ds:DigestValue>QUJD</ds:DigestValue></sr:Body>"),
        (b"</sr:Body>", b"<sr:SignatureValue>QUJD</sr:SignatureValue></sr:Body>"),
        # a CDATA section: its text could hold what looks like a value tag
        (b"</sr:Body>", b"<!-- <![CDATA[ --></sr:Body>"),
        (b"</sr:Body>", b"<sr:Note><![CDATA[x]]></sr:Note></sr:Body>"),
        # the signature is not the root's last child
        (b"</sr:Request>", b"<sr:Trailer/></sr:Request>"),
    ],
)
def test_a_signed_document_whose_values_could_be_read_is_never_a_template(
    request_xml: bytes, old: bytes, new: bytes
) -> None:
    data = _signed(request_xml).replace(old, new, 1)
    _assert_never_a_template(data, data.replace(DIGEST, b"QUJD"))


def test_a_value_tag_hidden_in_a_read_text_cannot_make_a_template(
    request_xml: bytes,
) -> None:
    """A CDATA section in a certificate's text holding a value tag, with a real value element
    that the tag search does not see (it has an attribute): the certificate's text must
    still be read from each document."""
    cdata = b"<![CDATA[<ds:DigestValue>QUJD<]]>"
    hidden = (
        _signed(request_xml)
        .replace(b"<ds:DigestValue>", b'<ds:DigestValue Id="d">', 1)
        .replace(b"</sr:DigitalSigningCertificate>", cdata + b"</sr:DigitalSigningCertificate>", 1)
    )
    decode_duis(hidden, "first.xml")
    assert not duis.TEMPLATES.order
    other = hidden.replace(b"QUJD<]]>", b"REVG<]]>")
    assert decode_duis(other, "other.xml") == _fresh(other, "other.xml")


def test_a_value_tag_in_a_comment_stays_unread(request_xml: bytes) -> None:
    data = _signed(request_xml).replace(
        b"</sr:Body>", b"<!-- <ds:DigestValue>QUJD< --></sr:Body>", 1
    )
    decode_duis(data, "first.xml")
    other = data.replace(b"QUJD< -->", b"REVG< -->").replace(RID, RID[:-1] + b"4")
    assert _matched(other)
    assert decode_duis(other, "other.xml") == _fresh(other, "other.xml")


def test_a_signature_far_from_the_end_is_kept_whole(request_xml: bytes) -> None:
    """A signed request whose last bytes are not its signature (a long comment after the
    root) keeps its signature values in its template's bytes: only an identical signature
    matches."""
    trailer = b"<!-- " + b"x" * 300 + b" -->\n"
    data = _signed(request_xml) + trailer
    decode_duis(data, "first.xml")
    same = data.replace(RID, RID[:-1] + b"3")
    assert _matched(same)
    other = _signed(request_xml.replace(RID, RID[:-1] + b"3"), b"QUJD") + trailer
    assert not _matched(other)
    assert decode_duis(other, "other.xml") == _fresh(other, "other.xml")


def test_templates_of_one_shape_are_kept_side_by_side(request_xml: bytes) -> None:
    """Two documents of the same lengths throughout (another CommandVariant digit) are two
    templates under one key: each is matched, neither replaces the other."""
    first = request_xml
    second = request_xml.replace(b"<sr:CommandVariant>1<", b"<sr:CommandVariant>2<")
    assert len(first) == len(second) and first != second
    decode_duis(first, "first.xml")
    decode_duis(second, "second.xml")
    assert len(duis.TEMPLATES.by_shape) == 1
    others = [data.replace(RID, RID[:-1] + b"8") for data in (first, second)]
    assert all(map(_matched, others))
    items = [decode_duis(other, "other.xml") for other in others]
    assert items == [_fresh(other, "other.xml") for other in others]
