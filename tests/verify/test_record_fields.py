"""Records name their item: the JSON Lines id, the DUIS RequestID, when it was sent, and the
network and organisations expected on the meter (SPEC.md, "Output")."""

from __future__ import annotations

import base64
import csv
import io
import json
from pathlib import Path

from certcheck.formats.gbcs.frame import dlms_date_time
from tests.verify.cli import WORLD, certcheck, world_options_anywhere

DUIS = WORLD / "payloads" / "duis"
CORRECT = DUIS / "0007-correct-duis-6.21.xml"  # to 00-DE-01-90-AA-9F-FF-36, network SOUT
NOT_MAPPED = DUIS / "0031-not-in-mapping-duis-6.21.xml"
GBCS = WORLD / "payloads" / "gbcs" / "0005-gas-on-esme-gbcs-0x0103.hex"
REQUEST_ID = "90-B3-D5-1F-D0-02-01-00:00-DE-01-90-AA-9F-FF-36:1011"


def _batch(tmp_path: Path, entries: list[dict]) -> Path:
    path = tmp_path / "batch.jsonl"
    path.write_text("".join(json.dumps(e) + "\n" for e in entries))
    return path


def _verify(*args: str, fmt: str = "jsonl") -> list[dict]:
    done = certcheck("verify", *args, *world_options_anywhere(), "-f", fmt)
    assert done.returncode in (0, 1), done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def test_fields_come_in_spec_order() -> None:
    (record,) = _verify(str(CORRECT))
    assert list(record)[:4] == ["source", "id", "request_id", "sent"]
    keys = list(record)
    assert keys.index("originator") < keys.index("expected") < keys.index("device_id")
    assert keys.index("mpan") < keys.index("expected_network") < keys.index("certificates")


def test_a_file_item_has_its_request_id_but_no_entry_id(tmp_path: Path) -> None:
    (record,) = _verify(str(CORRECT))
    assert record["id"] is None
    assert record["request_id"] == REQUEST_ID
    assert record["sent"] is None  # a DUIS request carries no date-time of its own


def test_expected_names_the_network_and_the_organisations_answering_for_it() -> None:
    operators = list(csv.DictReader((WORLD / "operators.csv").open()))
    sout = [
        {"party": o["party"], "entity_id": o["entity_id"]}
        for o in operators
        if "SOUT" in o["mpids"].split(";")
    ]
    assert sout
    (record,) = _verify(str(CORRECT))
    assert record["expected_network"] == "SOUT"
    assert record["expected"] == {"network": "SOUT", "parties": sout}
    (unmapped,) = _verify(str(NOT_MAPPED))
    assert unmapped["expected"] is None and unmapped["expected_network"] is None


def test_jsonl_entries_keep_id_and_time_and_any_payload_encoding(tmp_path: Path) -> None:
    xml = CORRECT.read_bytes()
    batch = _batch(
        tmp_path,
        [
            {"id": "plain", "payload": xml.decode(), "time": "2026-05-31T23:30:00+01:00"},
            {"id": "b64", "payload": base64.b64encode(xml).decode()},
            {"id": 42, "payload": xml.hex()},
            {"payload": base64.b64encode(GBCS.read_bytes()).decode(), "time": "2026-05-30"},
            {"id": "no payload", "time": "2026-05-31T01:02:03Z"},
        ],
    )
    records = _verify(str(batch))
    assert [r["id"] for r in records] == ["plain", "b64", 42, None, "no payload"]
    assert [r["sent"] for r in records] == [
        "2026-05-31T22:30:00Z",
        None,
        None,
        "2026-05-30T00:00:00Z",
        "2026-05-31T01:02:03Z",
    ]
    assert [r["kind"] for r in records] == [
        "duis-request",
        "duis-request",
        "duis-request",
        "gbcs-command",
        None,
    ]
    assert [r["request_id"] for r in records[:3]] == [REQUEST_ID] * 3
    assert records[3]["request_id"] is None
    assert records[0]["findings"] == records[1]["findings"] == records[2]["findings"]
    assert [f["code"] for f in records[4]["findings"]] == ["INPUT_UNREADABLE"]


def test_a_response_is_dated_by_its_own_date_time_before_the_entry_time(
    tmp_path: Path, reference_dir: Path
) -> None:
    response = reference_dir / "payloads" / "duis" / "responses" / "readfw-response.xml"
    batch = _batch(
        tmp_path, [{"id": "r", "payload": response.read_text(), "time": "2030-01-01T00:00:00Z"}]
    )
    (record,) = _verify(str(batch))
    assert record["sent"] == "2022-08-17T15:45:42.790Z"
    assert record["request_id"] == "90-B3-D5-1F-30-01-00-00:88-73-84-57-00-2F-96-1E:1660751141087"


def test_a_gbcs_response_is_dated_by_its_grouping_header(reference_dir: Path) -> None:
    sample = (
        reference_dir
        / "payloads"
        / "gbcs"
        / "RTDS-4.5.0"
        / "6.15.1_CS02bNOByNO"
        / "CS02bNOByNO_6.15.1_SUCCESS_RESPONSE_GBCS.HEX"
    )
    (record,) = _verify(str(sample))
    assert record["sent"] == "2015-01-01T00:00:00Z"


def test_dlms_date_time() -> None:
    assert dlms_date_time(bytes.fromhex("07DF0101FF000000008000FF")) == "2015-01-01T00:00:00Z"
    # 10:30 local with a deviation of -60 minutes (UTC = local + deviation)
    assert dlms_date_time(bytes.fromhex("07EA0601FF0A1E0000FFC400")) == "2026-06-01T09:30:00Z"
    assert dlms_date_time(bytes.fromhex("FFFFFFFFFFFFFFFFFF8000FF")) is None
    assert dlms_date_time(bytes.fromhex("07EA0D01FF0A1E0000800000")) is None  # month 13
    assert dlms_date_time(None) is None


def test_table_csv_and_sarif_show_the_id(tmp_path: Path) -> None:
    wrong = DUIS / "0003-wrong-network-duis-6.21.xml"
    batch = _batch(tmp_path, [{"id": "night-7/0003", "payload": wrong.read_text()}])
    table = certcheck("verify", str(batch), *world_options_anywhere())
    assert table.returncode == 1, table.stderr
    assert "id night-7/0003" in table.stdout
    rows = list(
        csv.DictReader(
            io.StringIO(
                certcheck("verify", str(batch), *world_options_anywhere(), "-f", "csv").stdout
            )
        )
    )
    assert rows and {r["id"] for r in rows} == {"night-7/0003"}
    assert {r["request_id"] for r in rows} != {""}
    sarif = json.loads(
        certcheck("verify", str(batch), *world_options_anywhere(), "-f", "sarif").stdout
    )
    results = sarif["runs"][0]["results"]
    assert results and {r["properties"]["id"] for r in results} == {"night-7/0003"}
