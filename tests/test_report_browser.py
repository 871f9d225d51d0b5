"""Open report.html in headless Chromium: charts render, no console errors, no network."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from test_report_fixture import W1, W2, fixture_codebook, load_fixture, wave

from cls_text.report import build_report

CHROMIUM = Path("/usr/bin/chromium")


@pytest.mark.slow
def test_report_html_renders_in_headless_chromium(tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    if not CHROMIUM.exists() and shutil.which("chromium") is None:
        pytest.skip("Debian's chromium package is not installed (apt-get install chromium)")
    executable = str(CHROMIUM) if CHROMIUM.exists() else shutil.which("chromium")

    df = load_fixture()
    topics = pd.DataFrame(
        {
            "topic": [0, 1, 2],
            "size": [5, 3, 2],
            "share": [0.5, 0.3, 0.2],
            "keywords": ["hub, hours", "budget, cut", "lunch, club"],
            "label": ["Hub hours", "Budget cuts", "Lunch club"],
        }
    )
    candidates = pd.DataFrame(
        {"keywords": ["opening hours, hub"], "size": [3], "nearest_theme": ["trust"]}
    )
    paths = build_report(
        wave(df, W2),
        codebook=fixture_codebook(),
        manifest={"codebook": fixture_codebook().summary(), "tagger": {"name": "rules"}},
        history=wave(df, W1).assign(codebook_version="1.0.0"),
        topics=topics,
        candidates=candidates,
        quotes={"trust": pd.DataFrame({"text": ["Managers trust us to decide now."]})},
        out_dir=tmp_path,
        min_base=2,
    )
    html = paths["html"].read_text(encoding="utf-8")
    chart_ids = [
        "prevalence",
        "by-type",
        "by-site",
        "trends",
        "stance",
        "cooccurrence",
        "topic-map",
        "candidates",
    ]
    for chart in chart_ids:
        assert f'id="chart-{chart}"' in html

    errors: list[str] = []
    requests: list[str] = []
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=executable,
            args=["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("request", lambda r: requests.append(r.url))
            page.goto(paths["html"].resolve().as_uri(), wait_until="load")
            page.wait_for_selector("#chart-cooccurrence .main-svg", timeout=30_000)
            rendered = {
                chart: page.locator(f"#chart-{chart}.js-plotly-plot .main-svg").count()
                for chart in chart_ids
            }
            bars = page.locator("#chart-prevalence .bars .point").count()
            heat = page.locator("#chart-cooccurrence .hm").count()
            page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
        finally:
            browser.close()

    assert errors == []
    assert [u for u in requests if not u.startswith(("file:", "data:", "about:"))] == []
    assert all(n > 0 for n in rendered.values()), rendered
    assert bars == 3  # one bar per theme
    assert heat >= 1
    assert (tmp_path / "report.png").stat().st_size > 10_000
