"""Hostile and broken XML: refused with a Problem saying why and where, never expanded."""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

from certcheck.formats.duis import decode_duis
from certcheck.formats.xmlsafe import XmlRefused, parse_xml
from tests.loopback import LoopbackListener

SR = "http://www.dccinterface.co.uk/ServiceUserGateway"
TEMPLATES = "payloads/duis/templates-HEAD"
HEADER = (
    "<sr:Header><sr:RequestID>90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A0:1</sr:RequestID>"
    "<sr:CommandVariant>1</sr:CommandVariant><sr:ServiceReference>6.21</sr:ServiceReference>"
    "<sr:ServiceReferenceVariant>6.21</sr:ServiceReferenceVariant></sr:Header>"
)


def _request(doctype: str, body: str = "&x;") -> bytes:
    return (
        f'<?xml version="1.0"?>\n{doctype}\n<sr:Request xmlns:sr="{SR}">{HEADER}'
        f"<sr:Body><sr:RequestHandoverOfDCCControlledDevice><sr:RemotePartyRole>{body}"
        "</sr:RemotePartyRole></sr:RequestHandoverOfDCCControlledDevice></sr:Body></sr:Request>"
    ).encode()


def _everything(item: object) -> str:
    """Every string reachable from the item (fields, details, problems, inner)."""
    return repr(item)


def test_external_entity_is_refused_and_file_not_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-7f3a9c")
    for target in (secret.as_uri(), "file:///etc/passwd"):
        data = _request(f'<!DOCTYPE r [<!ENTITY x SYSTEM "{target}">]>')
        item = decode_duis(data, "xxe.xml")
        assert item.kind is None
        (problem,) = item.problems
        assert "external entity" in problem.message
        assert problem.where == "line 2, column 14"
        text = _everything(item)
        assert "TOP-SECRET-7f3a9c" not in text
        if os.path.exists("/etc/passwd"):
            first_line = Path("/etc/passwd").read_text().splitlines()[0]
            assert first_line not in text
            assert "root:" not in text


def test_billion_laughs_is_refused() -> None:
    entities = '<!ENTITY a0 "lol">' + "".join(
        f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, 10)
    )
    item = decode_duis(_request(f"<!DOCTYPE r [{entities}]>", "&a9;"), "lol.xml")
    assert item.kind is None
    assert "entity declaration" in item.problems[0].message
    assert "lollollol" not in _everything(item)


def test_parameter_entity_is_refused() -> None:
    doctype = (
        '<!DOCTYPE r [<!ENTITY % p SYSTEM "http://127.0.0.1:9/p.dtd"> %p;'
        '<!ENTITY x "y">]>'
    )
    item = decode_duis(_request(doctype), "pe.xml")
    assert item.kind is None
    assert "parameter entity" in item.problems[0].message


@pytest.mark.parametrize("port", [9, None])
def test_external_dtd_over_the_network_is_refused_without_fetching(port: int | None) -> None:
    listener = LoopbackListener()
    try:
        url = f"http://127.0.0.1:{port or listener.port}/x.dtd"
        item = decode_duis(_request(f'<!DOCTYPE r SYSTEM "{url}">', "Supplier"), "dtd.xml")
    finally:
        listener.close()
    assert item.kind is None
    assert "external DTD" in item.problems[0].message
    assert item.problems[0].where == "line 2, column 1"
    assert not listener.connected


def test_doctype_in_utf16_is_refused_after_parsing() -> None:
    data = _request("<!DOCTYPE r>", "Supplier").decode().replace(
        '<?xml version="1.0"?>', '<?xml version="1.0" encoding="UTF-16"?>'
    ).encode("utf-16")
    with pytest.raises(XmlRefused) as refused:
        parse_xml(data, "u16.xml")
    assert "DOCTYPE" in refused.value.message


def test_oversize_and_deep_documents_are_refused() -> None:
    with pytest.raises(XmlRefused, match="over the 100-byte limit"):
        parse_xml(b"<a>" + b" " * 200 + b"</a>", "big.xml", max_bytes=100)
    deep = b"<a>" * 70 + b"</a>" * 70
    with pytest.raises(XmlRefused, match="deeper than 64") as refused:
        parse_xml(deep, "deep.xml")
    assert refused.value.where == "line 1"
    assert parse_xml(b"<a>" * 60 + b"</a>" * 60, "ok.xml").tag == "a"
    item = decode_duis(deep, "deep.xml")
    assert item.kind is None and "deeper" in item.problems[0].message


def test_truncated_xml_names_line_and_column(reference_dir: Path) -> None:
    path = reference_dir / TEMPLATES / "CS02bNOByNO_6.15.1_SUCCESS_REQUEST_DUIS.XML"
    data = path.read_bytes()[:1500]
    item = decode_duis(data, "cut.xml")
    assert item.kind is None
    (problem,) = item.problems
    assert "not well-formed" in problem.message
    assert problem.where is not None and problem.where.startswith("line ")
    assert ", column " in problem.where


def test_wrong_namespace_is_unreadable_with_element_name() -> None:
    data = _request("", "Supplier").replace(SR.encode(), b"http://example.com/not-duis")
    item = decode_duis(data, "ns.xml")
    assert item.kind is None
    assert item.problems[0].where == "Request"
    assert "not a DUIS" in item.problems[0].message


def test_random_bytes_are_unreadable_never_raise() -> None:
    rng = random.Random(20261126)
    for _ in range(200):
        data = bytes(rng.randrange(256) for _ in range(rng.randrange(0, 400)))
        item = decode_duis(b"<" + data, "random.bin")
        assert item.kind is None
        assert item.problems and item.problems[0].where


def test_bad_certificate_gives_problem_but_item_still_decodes(reference_dir: Path) -> None:
    path = reference_dir / TEMPLATES / "CS02bNOByNOHandover_6.21_SUCCESS_REQUEST_DUIS.XML"
    text = path.read_text()
    start = text.index("<sr:DigitalSigningCertificate>") + len("<sr:DigitalSigningCertificate>")
    end = text.index("</sr:DigitalSigningCertificate>")
    broken_b64 = text[:start] + "!!not base64!!" + text[end:]
    item = decode_duis(broken_b64.encode(), "b64.xml")
    assert item.kind is not None
    assert [p.where.rsplit("/", 1)[1] for p in item.placements] == [
        "KeyAgreementCertificate",
        "Certificate[0]",
    ]
    (problem,) = item.problems
    assert "base64" in problem.message
    assert problem.where.endswith("ReplacementCertificates/DigitalSigningCertificate")

    not_x509 = text[:start] + "AAECAwQFBgcICQ==" + text[end:]
    item = decode_duis(not_x509.encode(), "der.xml")
    assert item.kind is not None
    assert len(item.placements) == 2
    (problem,) = item.problems
    assert "not an X.509 certificate" in problem.message
    assert problem.where.endswith("/DigitalSigningCertificate")
