"""The HTML report: self-contained, escaped, and showing the right figures once rendered.

The rendered checks run headless Chromium (``/usr/bin/chromium``; CI installs it with apt-get).
A screenshot is written to tests/output/report.png for a human look.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import html as lxml_html

from certcheck.report.aggregate import aggregate
from certcheck.report.html import render_html
from certcheck.store import AuditStore
from certcheck.store.queries import current_items
from tests.report.expected import senders
from tests.store.sample_records import sample_records

ROOT = Path(__file__).resolve().parents[2]
OUTPUT = ROOT / "tests" / "output"
DAYS = (1, 2, 5)  # March 2026: one run a day, 150 items each
PER_DAY = 150


def _chromium() -> str:
    found = shutil.which("chromium") or (
        "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
    )
    if found is None:
        pytest.fail(
            "headless Chromium is needed to check the HTML report: "
            "install it with 'apt-get install -y chromium' (CI does)"
        )
    return found


def _chromium_run(page: Path, profile: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            _chromium(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={profile}",
            *extra,
            page.resolve().as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The HTML report written by the real CLI from a store of three days."""
    folder = tmp_path_factory.mktemp("html")
    store = folder / "audit.db"
    with AuditStore.open(store) as opened:
        for index, day in enumerate(DAYS):
            run_id = opened.start_run(["verify"], "test", datetime(2026, 3, day, tzinfo=UTC))
            opened.add_records(run_id, sample_records(PER_DAY, start=index * PER_DAY))
            opened.finish_run(run_id, {}, datetime(2026, 3, day, 1, tzinfo=UTC))
    out = folder / "report.html"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "certcheck",
            "report",
            "--store",
            str(store),
            "-f",
            "html",
            "-o",
            str(out),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return out


def _expected() -> tuple[dict, dict]:
    return senders(r.as_dict() for r in sample_records(PER_DAY * len(DAYS)))


def test_the_page_is_self_contained_and_escaped(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    assert "<script" not in text.lower()
    assert "<link" not in text.lower() and "@import" not in text and "@font-face" not in text
    assert not re.search(r"""(src|href)\s*=""", text)
    assert set(re.findall(r"https?://[^\s\"')]+", text)) <= {"http://www.w3.org/2000/svg"}
    assert "Gamma &amp; &lt;Sons&gt;" in text and "<Sons>" not in text
    assert "@media print" in text


def test_chromium_renders_the_table_and_the_charts_with_the_figures(
    page: Path, tmp_path: Path
) -> None:
    done = _chromium_run(page, tmp_path / "profile", "--dump-dom")
    assert done.returncode == 0, done.stderr[-2000:]
    dom = lxml_html.fromstring(done.stdout)
    suppliers, others = _expected()

    # Period, generation time and tool version.
    (meta,) = dom.xpath('//p[@id="meta"]')
    assert meta.get("data-from") == "2026-03-01" and meta.get("data-to") == "2026-03-05"
    assert meta.get("data-generated") and meta.get("data-version")

    # The Supplier table: one row per Supplier, other senders apart.
    def table(table_id: str) -> dict[str, list[str]]:
        (found,) = dom.xpath(f'//table[@id="{table_id}"]')
        return {
            tr.xpath("./td")[1].text_content(): [td.text_content() for td in tr.xpath("./td")]
            for tr in found.xpath(".//tbody/tr")
        }

    headers = [th.text_content() for th in dom.xpath('//table[@id="suppliers-table"]//th')]
    assert headers[:5] == ["Party", "Entity id", "Role", "Items", "Incorrect"]
    rows = {cells[0]: cells for cells in table("suppliers-table").values()}
    assert set(rows) == set(suppliers)
    for name, row in suppliers.items():
        assert rows[name][3:5] == [str(row["items"]), str(row["incorrect"])], name
    other_rows = table("other-senders-table")
    assert {entity or "" for entity in others} == set(other_rows)

    # The bar chart: one bar per Supplier, labelled and counted.
    bars = dom.xpath('//svg[contains(@class, "suppliers")]//*[@class="bar"]')
    shown = {
        bar.xpath('./*[@class="label"]')[0].text_content(): bar.xpath('./*[@class="count"]')[
            0
        ].text_content()
        for bar in bars
    }
    assert shown == {
        name: f"{row['incorrect']} of {row['items']}" for name, row in suppliers.items()
    }

    # The trend: one bar per day; incidents per network; the worklist; the devices wrong now.
    days = dom.xpath('//svg[contains(@class, "days")]//*[@class="bar"]/@data-day')
    assert days == [f"2026-03-{d:02d}" for d in DAYS]
    assert dom.xpath('//table[@id="networks-table"]//tbody/tr')
    worklist = dom.xpath('//section[@id="worklist"]/section[@class="organisation"]')
    wrong_now = dom.xpath('//table[@id="wrong-now-table"]//tbody/tr')
    assert worklist and wrong_now
    assert sum(int(s.get("data-devices")) for s in worklist) >= len(wrong_now)
    assert not dom.xpath("//sons")  # the Supplier name was text, not markup


def test_chromium_takes_a_screenshot(page: Path, tmp_path: Path) -> None:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    shot = OUTPUT / "report.png"
    shot.unlink(missing_ok=True)
    done = _chromium_run(
        page, tmp_path / "profile", f"--screenshot={shot}", "--window-size=1200,1600"
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 10_000  # more than a blank page


def test_an_empty_report_still_renders() -> None:
    text = render_html(aggregate([]), "supplier")
    assert "No items." in text and "<svg" not in text


def test_every_view_renders_as_html(tmp_path: Path) -> None:
    with AuditStore.open(tmp_path / "a.db") as store:
        run_id = store.start_run([], "test", datetime(2026, 3, 1, tzinfo=UTC))
        store.add_records(run_id, sample_records(30))
        report = aggregate(current_items(store.db))
    pages = {render_html(report, by) for by in ("supplier", "responsible", "device", "network")}
    assert len({page.replace(report.generated, "") for page in pages}) == 1  # one page for all
