"""Every input limit is enforced where it belongs and reported naming the limit."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from certcheck.audit.decoding import decode_raw
from certcheck.audit.limits import DEFAULT_LIMITS, Limits, limits_with
from certcheck.audit.sources import iter_raw
from certcheck.formats.derguard import DerRefused, element_end, guard_der
from certcheck.formats.gbcs.builder import build_frame
from certcheck.formats.sniff import decode_item

ORIGINATOR = "90-B3-D5-1F-30-01-00-00"
DEVICE = "00-DE-01-00-00-00-00-01"


def nested(depth: int, inner: bytes = b"\x05\x00") -> bytes:
    """``depth`` SEQUENCEs around ``inner``, with definite lengths."""
    data = inner
    for _ in range(depth):
        size = len(data)
        if size < 0x80:
            head = bytes([size])
        else:
            octets = size.to_bytes((size.bit_length() + 7) // 8, "big")
            head = bytes([0x80 | len(octets)]) + octets
        data = b"\x30" + head + data
    return data


def gbcs_around(content: bytes) -> bytes:
    return build_frame(
        cra_flag=1, counter=1, originator=ORIGINATOR, recipient=DEVICE,
        message_code=0x0103, content=content,
    )


# --- the DER guard ---------------------------------------------------------------------------


def test_guard_measures_depth_and_stops_one_past_the_limit() -> None:
    assert guard_der(nested(32), 32) == 32
    assert guard_der(b"\x02\x01\x05", 32) == 0
    with pytest.raises(DerRefused) as refused:
        guard_der(nested(33), 32)
    assert "exceeds max_der_depth=32" in refused.value.message
    assert refused.value.where == "offset 0x40"  # the 33rd SEQUENCE, 2 bytes per header


def test_guard_is_iterative_on_absurd_depth() -> None:
    deep = b"\x30\x80" * 200_000  # far past any recursion limit
    with pytest.raises(DerRefused, match="indefinite length"):
        guard_der(deep, 10**6)
    with pytest.raises(DerRefused, match="exceeds max_der_depth=32"):
        guard_der(nested(5000), 32)


@pytest.mark.parametrize(
    ("data", "reason", "offset"),
    [
        (b"\x30\x80\x05\x00\x00\x00", "indefinite length (0x80) is not DER", 1),
        (b"\x30\x85\x00\x00\x00\x00\x05", "expected at most 4 length octets, found 5", 1),
        (b"\x30\x84\xff\xff\xff\xff", "length 4294967295 runs past the end of the data", 0),
        (b"\x30\x05\x02\x01", "length 5 runs past the end of the data", 0),
        (b"\x30\x03\x30\x05\x00", "runs past the end of its container", 2),
        (b"\x30", "expected a length", 1),
        (b"", "expected a tag", 0),
        (b"\x3f\x81", "expected more tag bytes", 0),
        (b"\x30\x82\x01", "length octets run past", 1),
    ],
)
def test_guard_refuses_broken_lengths_with_offset(data: bytes, reason: str, offset: int) -> None:
    with pytest.raises(DerRefused) as refused:
        guard_der(data, 32, base_offset=0x10)
    assert reason in refused.value.message
    assert refused.value.offset == 0x10 + offset


def test_guard_accepts_high_tag_numbers_and_reports_element_end() -> None:
    data = b"\x3f\x81\x01\x03\x02\x01\x07" + b"trailing"
    assert guard_der(data, 4) == 1
    assert element_end(data) == 7


# --- limits in the readers -------------------------------------------------------------------


def test_deep_der_certificate_is_refused_before_decoding() -> None:
    item = decode_item(nested(40), "deep.der")
    assert item.kind is None
    (problem,) = item.problems
    assert "exceeds max_der_depth=32" in problem.message
    assert problem.where == "certificates[0]/offset 0x40"
    relaxed = decode_item(nested(40), "deep.der", Limits(max_der_depth=64))
    assert relaxed.kind is None
    assert "max_der_depth" not in relaxed.problems[0].message


def test_deep_gbcs_content_is_refused_with_its_offset() -> None:
    message = gbcs_around(nested(40))
    item = decode_item(message, "deep.gbcs")
    assert item.kind is None
    (problem,) = item.problems
    assert "exceeds max_der_depth=32" in problem.message
    assert problem.where is not None and problem.where.startswith("offset 0x")
    content_at = message.index(nested(40))
    assert int(problem.where.split("0x")[1], 16) == content_at + 64


def test_demo_payloads_pass_default_limits_and_fail_tight_ones(demo_world) -> None:
    duis, gbcs = demo_world.duis[0], demo_world.gbcs[0]
    assert decode_item(duis, "a.xml").kind is not None
    assert decode_item(gbcs, "a.hex").kind is not None
    tight_depth = decode_item(gbcs, "a.hex", Limits(max_der_depth=3))
    assert tight_depth.kind is None
    assert "exceeds max_der_depth=3" in tight_depth.problems[0].message
    tight_duis = decode_item(duis, "a.xml", Limits(max_der_depth=3))
    assert any("exceeds max_der_depth=3" in p.message for p in tight_duis.problems)
    few = decode_item(duis, "a.xml", Limits(max_certificates=1))
    assert few.kind is None
    assert "exceeds max_certificates=1" in few.problems[0].message
    assert few.problems[0].where and few.problems[0].where.startswith("Body/")
    few_gbcs = decode_item(gbcs, "a.hex", Limits(max_certificates=1))
    assert few_gbcs.kind is None
    assert "exceeds max_certificates=1" in few_gbcs.problems[0].message
    shallow = decode_item(duis, "a.xml", Limits(max_xml_depth=3))
    assert shallow.kind is None
    assert "deeper than 3" in shallow.problems[0].message


def test_pem_file_with_too_many_certificates(demo_world) -> None:
    pem = (demo_world.directory / "pki" / "root.pem").read_bytes()
    item = decode_item(pem * 3, "many.pem", Limits(max_certificates=2))
    assert item.kind is None
    assert "3 certificates in one item exceeds max_certificates=2" in item.problems[0].message
    assert item.problems[0].where == f"offset 0x{2 * len(pem):X}"
    assert decode_item(pem * 3, "many.pem").kind is not None


def test_item_and_line_size_limits_in_sources(tmp_path: Path, demo_world) -> None:
    big = tmp_path / "big.xml"
    big.write_bytes(demo_world.duis[0])
    limits = Limits(max_item_bytes=1000)
    (raw,) = iter_raw([str(big)], limits)
    item = decode_raw(raw, limits)
    assert item.kind is None
    assert "exceeds max_item_bytes=1000" in item.problems[0].message
    batch = tmp_path / "batch.jsonl"
    short = json.dumps({"id": "a", "payload": "00"})
    batch.write_text(f"{short}\n{json.dumps({'id': 'b', 'payload': 'A' * 500})}\n{short}\n")
    limits = Limits(max_line_bytes=200)
    raws = list(iter_raw([str(batch)], limits))
    assert [r.source for r in raws] == [f"{batch}#1", f"{batch}#2", f"{batch}#3"]
    assert raws[1].data is None and raws[1].where == "line 2"
    assert "exceeds max_line_bytes=200" in (raws[1].error or "")
    assert raws[0].data is not None and raws[2].data is not None


def test_limits_with_keeps_defaults_for_none() -> None:
    assert limits_with(max_der_depth=None) is DEFAULT_LIMITS
    assert limits_with(max_der_depth=8).max_der_depth == 8
    assert limits_with(max_der_depth=8).max_certificates == DEFAULT_LIMITS.max_certificates


# --- through the command line ----------------------------------------------------------------


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "certcheck", *args], cwd=cwd, capture_output=True, text=True,
        timeout=120,
    )


def test_verify_limit_options_reach_the_readers(demo_world, tmp_path: Path) -> None:
    (tmp_path / "a.xml").write_bytes(demo_world.duis[0])
    (tmp_path / "b.hex").write_bytes(demo_world.gbcs[0])
    done = _cli(
        "verify", "a.xml", "b.hex", *demo_world.verify_args(), "-f", "jsonl", "--jobs", "1",
        "--max-der-depth", "3", "--max-certificates", "1", cwd=tmp_path,
    )
    assert done.returncode == 1, done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]
    messages = [
        f["message"] for r in records for f in r["findings"] if f["code"] == "INPUT_UNREADABLE"
    ]
    assert any("max_certificates=1" in m for m in messages), messages
    assert any("max_der_depth=3" in m for m in messages), messages
    done = _cli(
        "verify", "a.xml", *demo_world.verify_args(), "-f", "jsonl", "--max-item-bytes", "500",
        cwd=tmp_path,
    )
    (record,) = [json.loads(line) for line in done.stdout.splitlines()]
    assert record["findings"][0]["code"] == "INPUT_UNREADABLE"
    assert "max_item_bytes=500" in record["findings"][0]["message"]


def test_decode_limit_options_and_their_validation(demo_world, tmp_path: Path) -> None:
    batch = demo_world.batch(tmp_path / "batch.jsonl", 2)
    done = _cli("decode", str(batch), "-f", "jsonl", "--max-line-bytes", "100", cwd=tmp_path)
    assert done.returncode == 1
    assert f"{batch}#1" in done.stderr and "max_line_bytes=100" in done.stderr
    done = _cli("decode", str(batch), "--max-der-depth", "0", cwd=tmp_path)
    assert done.returncode == 2
    assert "--max-der-depth" in done.stderr
