"""Classic XML attacks, in every encoding a parser might accept, through the real CLI.

Each must give an INPUT_UNREADABLE finding, and the content of the local file an attack
points at must appear nowhere in standard output or standard error.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path

import pytest

from certcheck.formats.xmlsafe import XmlRefused, parse_xml
from tests.loopback import LoopbackListener

SECRET = "LOCAL-FILE-CONTENT-5c1e0b"
SR = "http://www.dccinterface.co.uk/ServiceUserGateway"


def _document(doctype: str, body: str) -> str:
    return (
        f"{doctype}<sr:Request xmlns:sr=\"{SR}\"><sr:Header><sr:RequestID>"
        "90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A0:1</sr:RequestID>"
        "<sr:ServiceReferenceVariant>6.21</sr:ServiceReferenceVariant></sr:Header><sr:Body>"
        "<sr:RequestHandoverOfDCCControlledDevice><sr:RemotePartyRole>"
        f"{body}</sr:RemotePartyRole></sr:RequestHandoverOfDCCControlledDevice></sr:Body>"
        "</sr:Request>"
    )


def _attacks(secret: Path, url: str) -> dict[str, str]:
    laughs = "".join(
        f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10)
    ).replace("&l0;", "lol")
    return {
        "xxe": _document(f'<!DOCTYPE r [<!ENTITY x SYSTEM "file://{secret}">]>', "&x;"),
        "billion-laughs": _document(f"<!DOCTYPE r [{laughs}]>", "&l9;"),
        "quadratic": _document(f'<!DOCTYPE r [<!ENTITY a "{"A" * 20000}">]>', "&a;" * 2000),
        "external-dtd": _document(f'<!DOCTYPE r SYSTEM "{url}">', "Supplier"),
        "parameter-entity": _document(
            f'<!DOCTYPE r [<!ENTITY % p SYSTEM "file://{secret}"> %p;]>', "Supplier"
        ),
        "xinclude": _document(
            "",
            f'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file://{secret}" '
            'parse="text"/>',
        ),
    }


def _utf7(text: str) -> bytes:
    """UTF-7 with every markup character in its +...- form (as attackers write it)."""
    out = []
    for char in text:
        if char in "<>!&%\"=/[]":
            out.append("+" + base64.b64encode(char.encode("utf-16-be")).decode().rstrip("=") + "-")
        else:
            out.append(char)
    return "".join(out).encode("ascii")


def _encodings(document: str) -> dict[str, bytes]:
    declared = '<?xml version="1.0" encoding="{}"?>'
    return {
        "utf-8": (declared.format("UTF-8") + document).encode("utf-8"),
        "utf-16le-no-bom": (declared.format("UTF-16") + document).encode("utf-16-le"),
        "utf-16-bom": (declared.format("UTF-16") + document).encode("utf-16"),
        "utf-7": declared.format("UTF-7").encode() + _utf7(document),
        "utf-32": (declared.format("UTF-32") + document).encode("utf-32"),
    }


@pytest.fixture
def attack_files(tmp_path: Path):
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET)
    listener = LoopbackListener()
    directory = tmp_path / "attacks"
    directory.mkdir()
    names = []
    for attack, document in _attacks(secret, f"http://127.0.0.1:{listener.port}/x.dtd").items():
        for encoding, data in _encodings(document).items():
            name = f"{attack}-{encoding}.xml"
            (directory / name).write_bytes(data)
            names.append(name)
    yield directory, names, listener
    listener.close()


def test_every_attack_is_unreadable_through_verify(attack_files, demo_world) -> None:
    directory, names, listener = attack_files
    done = subprocess.run(
        [sys.executable, "-m", "certcheck", "verify", str(directory), *demo_world.verify_args(),
         "-f", "jsonl", "--jobs", "1"],
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 1, done.stderr
    assert SECRET not in done.stdout and SECRET not in done.stderr
    records = {Path(r["source"]).name: r for r in map(json.loads, done.stdout.splitlines())}
    assert sorted(records) == sorted(names)
    for name, record in records.items():
        codes = [f["code"] for f in record["findings"]]
        if name in ("xinclude-utf-8.xml", "xinclude-utf-16le-no-bom.xml"):
            # Harmless: XInclude is never processed. The document is read as the DUIS request
            # it is, and the include element brings nothing into it.
            assert record["kind"] == "duis-request", name
            assert record["certificates"] == [], name
            assert "INPUT_UNREADABLE" in codes, name  # its body holds no certificates
            continue
        assert record["kind"] is None, name
        assert codes == ["INPUT_UNREADABLE"], (name, codes)
    assert not listener.connected


def test_every_attack_is_unreadable_through_decode(attack_files) -> None:
    directory, names, listener = attack_files
    done = subprocess.run(
        [sys.executable, "-m", "certcheck", "decode", str(directory), "-f", "json"],
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 1
    assert SECRET not in done.stdout and SECRET not in done.stderr
    assert len(json.loads(done.stdout)) == len(names)
    assert not listener.connected


@pytest.mark.parametrize("encoding", ["utf-16le-no-bom", "utf-16-bom"])
def test_utf16_doctype_is_refused_before_parsing(tmp_path: Path, encoding: str) -> None:
    data = _encodings(_document('<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>', "&x;"))
    with pytest.raises(XmlRefused) as refused:
        parse_xml(data[encoding], "u16.xml")
    assert "external entity declaration" in refused.value.message
    assert refused.value.where == "line 1, column 53"  # where <!ENTITY starts


@pytest.mark.parametrize("encoding", ["UTF-7", "UTF-32", "IBM037", "x-unknown"])
def test_unaccepted_encodings_are_refused_naming_the_encoding(encoding: str) -> None:
    data = f'<?xml version="1.0" encoding="{encoding}"?><a/>'.encode()
    if encoding == "UTF-32":
        data = data.decode().encode("utf-32")
    with pytest.raises(XmlRefused) as refused:
        parse_xml(data, "enc.xml")
    assert encoding in refused.value.message
    assert "not accepted" in refused.value.message


def test_plain_utf8_latin1_and_utf16_documents_still_parse() -> None:
    assert parse_xml(b'<?xml version="1.0" encoding="UTF-8"?><a/>', "a").tag == "a"
    assert parse_xml(b"<?xml version='1.0' encoding='ISO-8859-1'?><a>\xe9</a>", "a").text == "é"
    utf16 = '<?xml version="1.0" encoding="UTF-16"?><a>x</a>'.encode("utf-16")
    assert parse_xml(utf16, "a").text == "x"
