"""Whitespace-only text dropped by a lean parse: never where the DUIS reader would see it."""

from __future__ import annotations

import random

import pytest

from certcheck.demo.duis_build import build_duis_request
from certcheck.demo.pki import issue_organisation, make_issuing_ca, make_root
from certcheck.formats.duis import decode_duis
from certcheck.formats.xmlsafe import XmlRefused, parse_xml

_BLANKS = [" ", "\n", "\t", "\r", "\r\n", "  ", "&#32;", "&#10;", "&#13;", ""]
_TEXTS = ["x", "a b", "&amp;", "&#65;", " y ", "\u00e9", "MIIB+/="]


def _document(rnd: random.Random) -> str:
    def blanks() -> str:
        return "".join(rnd.choice(_BLANKS) for _ in range(rnd.randint(0, 4)))

    def element(depth: int) -> str:
        tag = rnd.choice(["sr:a", "sr:b", "c"])
        space = ' xml:space="preserve"' if rnd.random() < 0.05 else ""
        if depth > 4 or rnd.random() < 0.4:
            if rnd.random() < 0.2:
                return f"<{tag}{space}/>"
            text = rnd.choice(_TEXTS) if rnd.random() < 0.6 else ""
            return f"<{tag}{space}>{blanks()}{text}{blanks()}</{tag}>"
        children = "".join(
            blanks() + (rnd.choice(_TEXTS) if rnd.random() < 0.15 else "") + element(depth + 1)
            for _ in range(rnd.randint(1, 4))
        )
        return f"<{tag}{space}>{children}{blanks()}</{tag}>"

    head = '<?xml version="1.0" encoding="UTF-8"?>\n' if rnd.random() < 0.5 else ""
    return f'{head}<sr:r xmlns:sr="urn:x">{element(0)}{blanks()}</sr:r>'


def test_lean_parse_keeps_every_text_a_reader_strips_or_decodes() -> None:
    """Same elements on the same lines; every text the same once stripped or with its
    whitespace removed, except whitespace-only text of an element with children, gone."""
    rnd = random.Random(20261202)
    dropped = 0
    for _ in range(3000):
        data = _document(rnd).encode()
        kept, lean = parse_xml(data, "k.xml"), parse_xml(data, "k.xml", keep_blank_text=False)
        pairs = list(zip(kept.iter(), lean.iter(), strict=True))
        for old, new in pairs:
            assert (old.tag, old.sourceline) == (new.tag, new.sourceline)
            if new.text is None and old.text is not None:
                assert len(old) > 0 and not old.text.strip(), data
                dropped += 1
            elif old.text is not None:
                assert new.text is not None and new.text.strip() == old.text.strip(), data
                assert "".join(new.text.split()) == "".join(old.text.split()), data
            else:
                assert new.text is None
    assert dropped > 1000  # the lean parse did drop text


@pytest.mark.parametrize(
    "data",
    [
        b"<a><b>  <!-- c --></b></a>",  # a comment: kept whitespace
        b"<?xml version='1.0'?><a><b>  <?p i?></b></a>",  # a processing instruction
        b"<a><b>  <![CDATA[x]]></b></a>",
    ],
)
def test_lean_parse_keeps_blank_text_beside_comments_and_instructions(data: bytes) -> None:
    assert parse_xml(data, "x.xml", keep_blank_text=False)[0].text.strip() in ("", "x")


def test_lean_parse_errors_are_those_of_a_parse_keeping_blank_text() -> None:
    data = b"<a>\n  <b>  </b>\n  <c>\n</a>"
    with pytest.raises(XmlRefused) as kept:
        parse_xml(data, "bad.xml")
    with pytest.raises(XmlRefused) as lean:
        parse_xml(data, "bad.xml", keep_blank_text=False)
    assert (kept.value.message, kept.value.where) == (lean.value.message, lean.value.where)


def _request() -> bytes:
    oca = make_issuing_ca("blank", make_root("blank", "Blank Root"), "Blank OCA")
    ka = issue_organisation("blank", oca, bytes.fromhex("90b3d51f30020000"), 3, "keyAgreement")
    return build_duis_request(
        "6.21",
        "90b3d51f30010000",
        "00:db:12:34:56:78:90:a3",
        5,
        "NetworkOperator",
        {"KeyAgreementCertificate": ka.der},
    )


def test_whitespace_text_of_an_element_with_children_is_read_as_written() -> None:
    """A RequestID holding whitespace and a child element: its text is blank, not missing."""
    data = _request()
    start = data.index(b"<sr:RequestID>") + len(b"<sr:RequestID>")
    end = data.index(b"</sr:RequestID>")
    data = data[:start] + b"\n  <sr:Odd/>\n" + data[end:]
    item = decode_duis(data, "odd.xml")
    assert item.problems[0].message == ("odd.xml: RequestID '' is not originator:target:counter")
    role = data.replace(b"<sr:RemotePartyRole>NetworkOperator<", b"<sr:RemotePartyRole> <sr:X/><")
    assert "odd.xml: unknown RemotePartyRole ''" in [
        p.message for p in decode_duis(role, "odd.xml").problems
    ]
