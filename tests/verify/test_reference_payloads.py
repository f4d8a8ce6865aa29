"""verify on the public DCC test samples (RTDS, DUIS templates) with a registry of their identities.

The test Network Operator 90-B3-D5-1F-30-02-00-00 is registered as the distributor LOND; the
test devices are mapped to MPANs whose distributor id is 12 (LOND). Then the NO-by-NO 6.15.1,
the NO handover 6.21 and the NO-by-NO GBCS command pass, and fail as they should when the
mapping or the registry says otherwise.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from certcheck.market.mpan import check_digit
from tests.verify.cli import certcheck

NO = "90-B3-D5-1F-30-02-00-00"
ESME = "00-DB-12-34-56-78-90-A0"
HANDOVER_ESME = "00-DB-12-34-56-78-90-A3"
TEMPLATES = "payloads/duis/templates-HEAD"
NO_BY_NO = f"{TEMPLATES}/CS02bNOByNO_6.15.1_SUCCESS_REQUEST_DUIS.XML"
NO_HANDOVER = f"{TEMPLATES}/CS02bNOByNOHandover_6.21_SUCCESS_REQUEST_DUIS.XML"
ACB_8_5 = f"{TEMPLATES}/CS02bACBByACB_8.5_SUCCESS_REQUEST_DUIS.XML"
RTDS = "payloads/gbcs/RTDS-4.5.0"
NO_BY_NO_GBCS = f"{RTDS}/6.15.1_CS02bNOByNO/CS02bNOByNO_6.15.1_SUCCESS_COMMAND_GBCS.HEX"
Z1_OCA = "smki-test-certs/extracted/oca-Z1-2015-5a4123e11e86.pem"
KEYSTORE = "payloads/certs/rtds-keystore"
TEMPLATES_AT = "2026-06-01"  # templates-HEAD certificates: 2025-09-01 to 2035-09-01
RTDS_AT = "2020-01-01"  # RTDS 4.5.0 certificates: 2015/2016 to 2025/2026


def mpan(distributor_id: str) -> str:
    """A check-valid 13-digit MPAN core of this distributor id."""
    first12 = distributor_id + "3456789010"
    return first12 + str(check_digit(first12))


def write_operators(path: Path, no_role: str = "electricity_distributor") -> Path:
    mpids = "LOND" if no_role == "electricity_distributor" else "TGT"
    path.write_text(
        "entity_id,party,user_role,mpids\n"
        f"{NO},Test Network Operator,{no_role},{mpids}\n"
        "90-B3-D5-1F-30-01-00-00,Test Supplier,supplier,\n"
        "90-B3-D5-1F-30-03-00-00,Test Supplier 2,supplier,\n"
        "90-B3-D5-1F-30-01-00-08,Test Load Controller,other,\n"
        "90-B3-D5-1F-30-00-00-02,Test Access Control Broker,dcc,\n"
        "90-B3-D5-1F-30-00-00-01,Test DCC Recovery,dcc,\n"
        "90-B3-D5-1F-30-00-00-04,Test Transitional CoS,dcc,\n"
        "90-B3-D5-1F-30-00-00-07,Test WAN Provider,dcc,\n"
    )
    return path


def write_meters(path: Path, distributor_id: str = "12") -> Path:
    path.write_text(
        f"device_id,mpan\n{ESME},{mpan(distributor_id)}\n{HANDOVER_ESME},{mpan(distributor_id)}\n"
    )
    return path


def verify(
    reference: Path, tmp_path: Path, *paths: str, at: str, meters: Path, operators: Path
) -> dict[str, dict]:
    """Records by file name, from verify -f jsonl on reference samples."""
    done = certcheck(
        "verify",
        *(str(reference / p) for p in paths),
        "--mapping",
        str(meters),
        "--operators",
        str(operators),
        "--trust",
        str(reference / Z1_OCA),
        "--certs",
        str(reference / KEYSTORE),
        "--at",
        at,
        "-f",
        "jsonl",
        "--fail-on",
        "never",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(records) == len(paths)
    return {Path(r["source"]).name: r for r in records}


def codes(record: dict, *severities: str) -> Counter[str]:
    return Counter(f["code"] for f in record["findings"] if f["severity"] in severities)


@pytest.fixture
def operators(tmp_path: Path) -> Path:
    return write_operators(tmp_path / "operators.csv")


@pytest.fixture
def meters(tmp_path: Path) -> Path:
    return write_meters(tmp_path / "meters.csv")


def test_mpans_are_check_valid_and_of_the_distributor() -> None:
    from certcheck.market.mpan import core_check_ok

    for distributor_id in ("10", "12"):
        core = mpan(distributor_id)
        assert len(core) == 13 and core.startswith(distributor_id) and core_check_ok(core)


def verify_no_samples(
    reference_dir: Path, tmp_path: Path, meters: Path, operators: Path
) -> tuple[dict[str, dict], dict[str, dict]]:
    """The NO-by-NO and handover DUIS requests (2025 certificates) and the NO-by-NO GBCS
    command (2015-2016 certificates), each verified at a time its certificates are valid."""
    duis = verify(
        reference_dir,
        tmp_path,
        NO_BY_NO,
        NO_HANDOVER,
        at=TEMPLATES_AT,
        meters=meters,
        operators=operators,
    )
    gbcs = verify(
        reference_dir, tmp_path, NO_BY_NO_GBCS, at=RTDS_AT, meters=meters, operators=operators
    )
    return duis, gbcs


def test_no_requests_and_command_pass(
    reference_dir: Path, tmp_path: Path, meters: Path, operators: Path
) -> None:
    duis, gbcs = verify_no_samples(reference_dir, tmp_path, meters, operators)
    records = {**duis, **gbcs}
    assert len(records) == 3
    for name, record in records.items():
        assert codes(record, "error", "warning") == Counter(), name
        assert record["verdict"] == "pass", name
        # Both the chain (--trust) and the signature (--certs) were checked.
        assert not set(codes(record, "info")) & {"CHAIN_NOT_CHECKED", "SIGNATURE_NOT_CHECKED"}, name
        assert record["expected_network"] == "LOND", name
        placed = [c for c in record["certificates"] if c["cell"] is not None]
        assert [c["entity_id"] for c in placed] == [NO, NO], name
    assert duis[Path(NO_BY_NO).name]["device_id"] == ESME
    assert duis[Path(NO_HANDOVER).name]["device_id"] == HANDOVER_ESME
    assert gbcs[Path(NO_BY_NO_GBCS).name]["kind"] == "gbcs-command"
    assert gbcs[Path(NO_BY_NO_GBCS).name]["originator"] == NO


def test_wrong_network_in_the_mapping(reference_dir: Path, tmp_path: Path, operators: Path) -> None:
    eastern = write_meters(tmp_path / "meters-eelc.csv", "10")
    duis, gbcs = verify_no_samples(reference_dir, tmp_path, eastern, operators)
    records = {**duis, **gbcs}
    assert len(records) == 3
    for name, record in records.items():
        assert record["expected_network"] == "EELC", name
        assert codes(record, "error") == Counter({"NO_CERT_WRONG_NETWORK": 2}), name
        assert record["verdict"] == "fail", name


def test_gas_transporter_on_an_esme(reference_dir: Path, tmp_path: Path, meters: Path) -> None:
    gas = write_operators(tmp_path / "operators-gas.csv", "gas_transporter")
    duis, gbcs = verify_no_samples(reference_dir, tmp_path, meters, gas)
    records = {**duis, **gbcs}
    assert len(records) == 3
    for name, record in records.items():
        assert codes(record, "error") == Counter({"NO_CERT_GAS_ON_ESME": 2}), name
        sha = {f["certificate"] for f in record["findings"] if f["code"] == "NO_CERT_GAS_ON_ESME"}
        assert sha == {c["sha256"] for c in record["certificates"] if c["cell"]}, name


def test_acb_signing_certificate_in_a_key_agreement_cell(
    reference_dir: Path, tmp_path: Path, meters: Path, operators: Path
) -> None:
    (record,) = verify(
        reference_dir, tmp_path, ACB_8_5, at=TEMPLATES_AT, meters=meters, operators=operators
    ).values()
    mismatches = [f for f in record["findings"] if f["code"] == "CELL_KEY_USAGE_MISMATCH"]
    assert len(mismatches) == 1
    assert mismatches[0]["where"].endswith("KeyAgreementCertificate")
    (placed,) = [c for c in record["certificates"] if c["sha256"] == mismatches[0]["certificate"]]
    assert placed["key_usage"] == ["digitalSignature"]
    assert placed["cell"]["key_usage"] == "keyAgreement"
    assert record["verdict"] == "fail"
