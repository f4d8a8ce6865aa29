"""operators.csv loading: tolerant of layout, strict about content, errors name file:line:column."""

from __future__ import annotations

from pathlib import Path

import pytest

from certcheck.cli.common import UsageProblem
from certcheck.market.csvread import RegistryError
from certcheck.market.operators import Operator, OperatorRegistry, load_operators

NO = "90-B3-D5-1F-30-02-00-00"


def _write(tmp_path: Path, text: str, *, raw: bytes | None = None) -> Path:
    path = tmp_path / "operators.csv"
    path.write_bytes(raw if raw is not None else text.encode("utf-8"))
    return path


def _error(path: Path) -> str:
    with pytest.raises(RegistryError) as caught:
        load_operators(path)
    return str(caught.value)


def test_plain_file_loads_with_lookups_by_entity_and_mpid(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "entity_id,party,user_role,mpids\n"
        f"{NO},UK Power Networks,electricity_distributor,LOND;SEEB;EELC\n"
        "90-B3-D5-1F-30-03-00-00,Cadent,gas_transporter,\n"
        "90-B3-D5-1F-30-01-00-00,Test Supplier,supplier,\n",
    )
    registry = load_operators(path)
    assert isinstance(registry, OperatorRegistry) and len(registry) == 3
    ukpn = registry.by_entity(NO)
    assert ukpn == Operator(NO, "UK Power Networks", "electricity_distributor",
                            ("LOND", "SEEB", "EELC"))
    assert ukpn.user_role.network_kind == "electricity"
    assert registry.by_entity("90-B3-D5-1F-30-03-00-00").user_role.network_kind == "gas"  # type: ignore[union-attr]
    assert registry.by_entity("90-B3-D5-1F-30-01-00-00").user_role.network_kind == "other"  # type: ignore[union-attr]
    assert registry.by_mpid("seeb") == (ukpn,)
    assert registry.by_mpid("SOUT") == ()
    assert registry.by_entity("90-B3-D5-1F-30-09-00-00") is None
    assert registry.by_entity("not an eui") is None


@pytest.mark.parametrize("spelling", ["90:b3:d5:1f:30:02:00:00", "90B3D51F30020000", NO.lower()])
def test_eui_spellings_in_file_and_lookup(tmp_path: Path, spelling: str) -> None:
    path = _write(tmp_path, f"entity_id,party,user_role\n{spelling},N,electricity_distributor\n")
    registry = load_operators(path)
    assert registry.by_entity(NO) is not None
    assert registry.by_entity(spelling) is not None
    assert next(iter(registry)).entity_id == NO


def test_bom_crlf_column_order_header_case_and_spaces(tmp_path: Path) -> None:
    text = (
        " MPIDs ,User_Role, Party ,ENTITY_ID,comment\r\n"
        "\r\n"
        f'"SOUT; HYDE", Electricity Distributor ," SSEN ",{NO},extra columns are ignored\r\n'
    )
    path = _write(tmp_path, "", raw=b"\xef\xbb\xbf" + text.encode("utf-8"))
    operator = load_operators(path).by_entity(NO)
    assert operator == Operator(NO, "SSEN", "electricity_distributor", ("SOUT", "HYDE"))


def test_missing_mpids_column_means_no_mpids(tmp_path: Path) -> None:
    path = _write(tmp_path, f"entity_id,party,user_role\n{NO},X,dcc\n")
    assert load_operators(path).by_entity(NO).mpids == ()  # type: ignore[union-attr]


def test_several_operators_may_answer_for_one_mpid(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "entity_id,party,user_role,mpids\n"
        f"{NO},A,electricity_distributor,LOND\n"
        "90-B3-D5-1F-30-02-00-01,A,electricity_distributor,LOND\n",
    )
    assert [o.entity_id for o in load_operators(path).by_mpid("LOND")] == [
        NO, "90-B3-D5-1F-30-02-00-01"
    ]


def test_missing_required_column_is_named(tmp_path: Path) -> None:
    path = _write(tmp_path, f"entity_id,party,mpids\n{NO},X,LOND\n")
    message = _error(path)
    assert message.startswith(f"{path}:1:user_role: missing required column 'user_role'")


def test_bad_eui_names_file_line_and_column(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        f"entity_id,party,user_role\n{NO},A,supplier\n\n90-B3-D5-1F-30-02-00,B,supplier\n",
    )
    message = _error(path)
    assert message.startswith(f"{path}:4:entity_id: '90-B3-D5-1F-30-02-00' is not an EUI-64")
    assert "expected 8 hex octets" in message


def test_bad_user_role_lists_the_allowed_ones(tmp_path: Path) -> None:
    path = _write(tmp_path, f"entity_id,party,user_role\n{NO},A,network_operator\n")
    message = _error(path)
    assert message.startswith(f"{path}:2:user_role: 'network_operator' is not a user role")
    assert "electricity_distributor, gas_transporter, supplier, dcc, other" in message


def test_empty_party_is_an_error(tmp_path: Path) -> None:
    path = _write(tmp_path, f"entity_id,party,user_role\n{NO}, ,supplier\n")
    assert _error(path).startswith(f"{path}:2:party: empty")


def test_malformed_mpid_list(tmp_path: Path) -> None:
    path = _write(tmp_path, f'entity_id,party,user_role,mpids\n{NO},A,supplier,"LOND,SEEB"\n')
    assert _error(path).startswith(f"{path}:2:mpids: 'LOND,SEEB' is not a list of MPIDs")


def test_duplicate_entity_id_names_both_lines(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "entity_id,party,user_role\n"
        f"{NO},A,supplier\n"
        "90-B3-D5-1F-30-01-00-00,B,supplier\n"
        "90b3d51f30020000,C,supplier\n",
    )
    message = _error(path)
    assert message.startswith(f"{path}:4:entity_id: entity id {NO} is also on line 2")


def test_registry_error_is_the_domain_s_own(tmp_path: Path) -> None:
    assert not issubclass(RegistryError, UsageProblem)
    missing = tmp_path / "absent.csv"
    with pytest.raises(RegistryError, match=r"absent\.csv: cannot read"):
        load_operators(missing)


def test_empty_registry_can_be_built_in_code() -> None:
    registry = OperatorRegistry([Operator(NO, "A", "gas_transporter", ("NGN",))])
    assert registry.by_mpid("ngn")[0].party == "A"
