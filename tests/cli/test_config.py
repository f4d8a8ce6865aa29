"""Option defaults from certcheck.toml or pyproject.toml's [tool.certcheck] (SPEC.md "Commands")."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.verify.cli import WORLD, certcheck


@pytest.fixture
def world(tmp_path: Path) -> Path:
    """A copy of the fixture world under tmp_path/project/world, with no configuration yet."""
    target = tmp_path / "project" / "world"
    shutil.copytree(WORLD, target)
    return target


WORLD_TOML = """\
at = "2026-06-01"
format = "jsonl"
[verify]
mapping = "world/meters.csv"
operators = "world/operators.csv"
trust = ["world/pki/root.pem", "world/pki/oca.pem"]
certs = ["world/pki/orgs"]
fail-on = "never"
"""


def records(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines()]


def test_certcheck_toml_supplies_verify_options_relative_to_itself(world: Path) -> None:
    project = world.parent
    (project / "certcheck.toml").write_text(WORLD_TOML)
    below = project / "a" / "b"
    below.mkdir(parents=True)
    done = certcheck("verify", str(world / "payloads"), cwd=below)
    assert done.returncode == 0, done.stderr  # fail-on never, from the file
    found = records(done.stdout)  # format jsonl, a top-level key
    reference = certcheck("verify", "payloads", *_world_options(), "-f", "jsonl", cwd=WORLD)
    assert [r["findings"] for r in found] == [r["findings"] for r in records(reference.stdout)]
    assert not any(f["code"] == "CHAIN_NOT_CHECKED" for r in found for f in r["findings"])


def _world_options() -> list[str]:
    return json.loads((WORLD / "truth.json").read_text())["verify_arguments"][2:]


def test_command_line_wins_and_command_table_overrides_top_level(world: Path) -> None:
    project = world.parent
    (project / "certcheck.toml").write_text(WORLD_TOML + 'format = "json"\n')
    done = certcheck("verify", "world/payloads", "--fail-on", "error", cwd=project)
    assert done.returncode == 1, done.stderr
    assert isinstance(json.loads(done.stdout), list)  # [verify] format beats the top level
    csv_run = certcheck("verify", "world/payloads", "-f", "csv", cwd=project)
    assert csv_run.stdout.startswith("source,")


def test_pyproject_tool_certcheck_is_found_and_selects_checks(world: Path) -> None:
    project = world.parent
    table = WORLD_TOML.replace("[verify]", "[tool.certcheck.verify]")
    (project / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.certcheck]\n' + table + 'select = ["network"]\n'
    )
    done = certcheck("verify", "world/payloads", cwd=project)
    assert done.returncode == 0, done.stderr
    codes = {f["code"] for r in records(done.stdout) for f in r["findings"]}
    assert codes and all(c.startswith("NO_CERT_") for c in codes)


def test_no_config_ignores_it_and_config_names_one(world: Path, tmp_path: Path) -> None:
    project = world.parent
    (project / "certcheck.toml").write_text('format = "sarif"\n[verify]\nfail_on = "sometimes"\n')
    ignored = certcheck("verify", "world/payloads", "--no-config", *_anywhere(world), cwd=project)
    assert ignored.returncode == 1, ignored.stderr
    assert "item(s):" in ignored.stdout
    elsewhere = tmp_path / "elsewhere.toml"
    elsewhere.write_text(WORLD_TOML.replace("world/", str(world) + "/"))
    named = certcheck("verify", "world/payloads", "--config", str(elsewhere), cwd=project)
    assert named.returncode == 0, named.stderr
    assert len(records(named.stdout)) == len(
        json.loads((WORLD / "truth.json").read_text())["items"]
    )


def _anywhere(world: Path) -> list[str]:
    return [str(world / v) if (world / v).exists() else v for v in _world_options()]


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ('[verify]\nfail_on = "sometimes"\n', "verify.fail_on"),
        ("fail_on_everything = 1\n", "fail_on_everything"),
        ('[verify]\nby = "day"\n', "verify.by"),
        ('[verfy]\nat = "2026-01-01"\n', "verfy"),
        ('jobs = "many"\n', "jobs"),
        ("trust = 3\n", "trust"),
        ('format = ["json"]\n', "format"),
        ("this is not toml\n", "not valid TOML"),
        ('at = "2026-06-01"\n# \xff\n', "not valid TOML (not UTF-8"),
    ],
)
def test_unknown_keys_and_bad_values_are_one_line_naming_file_and_key(
    tmp_path: Path, text: str, named: str
) -> None:
    (tmp_path / "certcheck.toml").write_bytes(text.encode("latin-1"))
    done = certcheck("verify", "payloads", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert str(tmp_path / "certcheck.toml") in lines[0]
    assert named in lines[0]


def test_top_level_keys_apply_to_every_command_that_has_them(tmp_path: Path) -> None:
    (tmp_path / "certcheck.toml").write_text('format = "json"\ncolor = "never"\n')
    mpan = certcheck("mpan", "2000024512368", cwd=tmp_path)
    assert mpan.returncode == 0, mpan.stderr
    assert json.loads(mpan.stdout)[0]["valid"] is True
    listing = certcheck("checks", cwd=tmp_path)
    assert listing.returncode == 0, listing.stderr
    assert json.loads(listing.stdout)[0]["code"]


def test_a_named_pyproject_without_the_table_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    done = certcheck("checks", "--config", str(tmp_path / "pyproject.toml"), cwd=tmp_path)
    assert done.returncode == 2
    assert "no [tool.certcheck] table" in done.stderr
    found = certcheck("checks", "-f", "json", cwd=tmp_path)  # not a certcheck config: ignored
    assert found.returncode == 0, found.stderr


def test_the_readme_configuration_example_is_accepted(tmp_path: Path) -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    example = readme.split("```toml\n", 1)[1].split("```", 1)[0]
    (tmp_path / "certcheck.toml").write_text(example)
    done = certcheck("checks", "CERT_EXPIRED", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    listing = certcheck("verify", "--list-checks", "-f", "json", cwd=tmp_path)
    codes = {rule["code"] for rule in json.loads(listing.stdout)}
    assert "NO_CERT_UNKNOWN_ORGANISATION" not in codes  # its [verify] ignore applied
    assert "NO_CERT_WRONG_NETWORK" in codes


def test_a_store_url_in_the_file_is_kept_as_it_is(tmp_path: Path) -> None:
    from certcheck.cli.config import _path

    config = tmp_path / "certcheck.toml"
    assert _path("postgresql://u@h/db", config, "x") == "postgresql://u@h/db"
    assert _path("-", config, "x") == "-"
    assert _path("audit.db", config, "x") == str(tmp_path / "audit.db")


def test_another_projects_pyproject_is_not_read_unless_it_may_name_certcheck(
    tmp_path: Path,
) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\nthis is not toml\n')
    done = certcheck("mpan", "2000024512368", "-f", "json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr  # another project's broken file is none of ours
    (tmp_path / "pyproject.toml").write_text('[tool."\\u0063ertcheck"]\nformat = "json"\n')
    spelt = certcheck("mpan", "2000024512368", cwd=tmp_path)
    assert spelt.returncode == 0, spelt.stderr
    assert json.loads(spelt.stdout)[0]["valid"] is True  # the escaped key is still found
    (tmp_path / "pyproject.toml").write_text("[tool.certcheck]\nthis is not toml\n")
    broken = certcheck("mpan", "2000024512368", cwd=tmp_path)
    assert broken.returncode == 2 and "not valid TOML" in broken.stderr
