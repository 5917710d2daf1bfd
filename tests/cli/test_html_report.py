"""The HTML report (validate --html, push --report-html): its content, and that it renders in a real headless
Chromium with no console errors and a chart in the screenshot. Chromium comes from Debian's package, which
.ci/run installs; outside CI the browser test is skipped when Chromium is missing."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from feedsync.cli.app import app
from tests.conftest import HEADER, make_config, row

runner = CliRunner(env={"COLUMNS": "200"})
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--enable-logging=stderr",
    "--v=0",
)
ERROR_BAR = (0xD9, 0x2D, 0x20)  # the chart's colour of error codes


@pytest.fixture(autouse=True)
def _chdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def report(tmp_path: Path) -> Path:
    catalog = (
        HEADER
        + row("A1")
        + row("A2", gtin="4006381333932")
        + row("A3", gtin="4006381333932", image_link="")
        + row("A4")
    )
    make_config(tmp_path, catalog)
    done = runner.invoke(app, ["validate", "--html", "report.html"])
    assert done.exit_code == 1, done.output
    return tmp_path / "report.html"


def test_the_page_has_the_summary_chart_worst_items_and_no_external_assets(tmp_path: Path) -> None:
    page = report(tmp_path).read_text(encoding="utf-8")
    assert 'id="verdict">failed<' in page
    assert "<script" not in page and not re.search(r"""(src|href)=["']https?:""", page)
    bars = re.findall(r'<rect class="bar"[^>]*>', page)
    assert len(bars) >= 2
    assert "GMC008" in page  # the invalid GTIN check digit
    worst = page[page.index('id="worst"') :]
    assert worst.index("<code>A3</code>") < worst.index("<code>A2</code>")  # more errors first
    assert "no earlier push to compare" in page
    assert re.search(
        r'<tr><td>google</td><td class="num">2</td><td class="num">0</td><td class="num">2</td>\s*<td>checked</td>',
        page,
    )


def test_push_report_html_counts_the_changes_since_the_last_push(tmp_path: Path) -> None:
    make_config(
        tmp_path,
        HEADER + row("A1") + row("A2"),
        channel_extra="    destination: {type: directory, path: public}\n",
    )
    assert runner.invoke(app, ["push"]).exit_code == 0
    (tmp_path / "products.csv").write_text(HEADER + row("A1", price="25.00") + row("B9"), encoding="utf-8")
    done = runner.invoke(app, ["push", "--report-html", "push.html"])
    assert done.exit_code == 0, done.output
    page = (tmp_path / "push.html").read_text(encoding="utf-8")
    assert "1 added, 1 removed, 1 changed" in page and 'id="verdict">passed<' in page


def test_the_report_renders_in_headless_chromium(tmp_path: Path) -> None:
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("CI must have Chromium: .ci/run installs Debian's chromium package")
        pytest.skip("Chromium is not installed here (CI installs it)")
    from PIL import Image

    page = report(tmp_path)
    profile = tmp_path / "profile"
    shot = tmp_path / "shot.png"
    run = subprocess.run(
        [
            CHROMIUM,
            *FLAGS,
            f"--user-data-dir={profile}",
            f"--screenshot={shot}",
            "--window-size=1280,1400",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert "CONSOLE" not in run.stderr, run.stderr  # nothing logged to the page's console
    dom = subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "--dump-dom", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert dom.returncode == 0 and dom.stdout.count('class="bar"') >= 2
    image = Image.open(shot).convert("RGB")
    assert image.size == (1280, 1400)
    width, height = image.size
    pixels = image.load()
    red = sum(
        1
        for y in range(0, height, 2)
        for x in range(0, width, 2)
        if all(abs(a - b) <= 6 for a, b in zip(pixels[x, y], ERROR_BAR, strict=True))
    )
    assert red > 500, f"the chart's error bars are not in the screenshot ({red} sampled pixels)"
