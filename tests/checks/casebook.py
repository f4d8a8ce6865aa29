"""The case book of the per-family check tests: demo payloads, decoded and checked as verify does.

zlint keeps a test certificate per lint and pkilint an input plus its exact findings per case;
here each case is a payload the demo builders render, and each test names the exact
``(code, certificate, where)`` findings of one check family, so that a missing or an extra
finding fails.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from certcheck.audit.context import AuditContext, build_context, parse_instant
from certcheck.checks.registry import all_rules, run_checks
from certcheck.checks.subject import Subject
from certcheck.demo.payloads import (
    DUIS_HANDOVER,
    DUIS_KRP,
    GBCS_NO_BY_NO,
    Case,
    plan_cases,
    render_case,
)
from certcheck.demo.world import Meter, World, build_world, verify_options
from certcheck.demo.write import write_pki
from certcheck.formats.sniff import decode_item

Found = tuple[str, str | None, str | None]  # (code, certificate sha256, where)

FAMILY = {rule.code: rule.family for rule in all_rules()}
HANDOVER = "Body/RequestHandoverOfDCCControlledDevice"
HANDOVER_DS = f"{HANDOVER}/ReplacementCertificates/DigitalSigningCertificate"
HANDOVER_KA = f"{HANDOVER}/ReplacementCertificates/KeyAgreementCertificate"
KRP = "Body/UpdateSecurityCredentialsKRP/ReplacementCertificates"
KRP_DS = f"{KRP}/SupplierOrNetworkOperatorCertificates/DigitalSigningCertificate"
KRP_KA = f"{KRP}/SupplierOrNetworkOperatorCertificates/KeyAgreementCertificate"


# Where each form places the case's two certificates, in placement order (DS cell, KA cell).
PLACED_AT = {
    DUIS_HANDOVER: (HANDOVER_DS, HANDOVER_KA),
    DUIS_KRP: (KRP_DS, KRP_KA),
    GBCS_NO_BY_NO: ("replacements[0]", "replacements[1]"),
}


def on_each(code: str, case: Case) -> list[Found]:
    """One ``code`` finding on each certificate the case places, where its form puts it."""
    places = PLACED_AT[case.form]
    return ordered(
        (code, p.certificate.sha256, w) for p, w in zip(case.placements, places, strict=True)
    )


def ordered(found: Iterable[Found]) -> list[Found]:
    return sorted(found, key=lambda f: (f[0], f[1] or "", f[2] or ""))


@dataclass
class CaseBook:
    """A small demo world written once, its planned payload cases and the verify context."""

    world: World
    directory: Path
    cases: list[Case]

    def case(self, kind: str, form: str) -> Case:
        """The first planned payload case of this kind sent in this form."""
        return next(c for c in self.cases if c.kind == kind and c.form == form)

    def meter(self, case: Case) -> Meter:
        """The demo meter a case targets."""
        return next(m for m in self.world.meters if m.device_id == case.device_id)

    def context(
        self, *, trust: bool = True, signers: bool = True, at: str | None = None
    ) -> AuditContext:
        """The world's verify context, optionally without anchors or signers, or at another time."""
        options = verify_options(self.directory)
        return build_context(
            mapping=options["mapping"],
            operators=options["operators"],
            trust=options["trust"] if trust else (),
            certs=options["certs"] if signers else (),
            at=parse_instant(at or options["at"]),
        )

    def findings(
        self, case: Case | bytes, family: str, context: AuditContext | None = None
    ) -> list[Found]:
        """The findings of one check family on a rendered case (or raw payload bytes)."""
        payload = case if isinstance(case, bytes) else render_case(case)
        item = decode_item(payload, "case")
        found = run_checks(Subject(item, context or self.context()))
        return ordered((f.code, f.certificate, f.where) for f in found if FAMILY[f.code] == family)


def sha(placement) -> str:  # type: ignore[no-untyped-def]
    """The sha256 of a demo placement's certificate."""
    return placement.certificate.sha256


def write_book(directory: Path) -> CaseBook:
    """Write a small demo world's PKI, operators.csv and meters.csv; plan its cases."""
    world = build_world("check-families", 30)
    write_pki(world, directory)
    (directory / "operators.csv").write_text(world.operators_csv(), "utf-8")
    (directory / "meters.csv").write_text(world.meters_csv(), "utf-8")
    files, batch = plan_cases(world)
    return CaseBook(world, directory, files + batch)
