"""Open report.html in headless Chromium: charts render, no console errors, no network."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from test_report_fixture import W1, W2, fixture_codebook, load_fixture, wave

from cls_text.report import build_report

CHROMIUM = Path("/usr/bin/chromium")
#: Generous waits (ms): on a busy machine a page with plotly inlined can take a while to draw.
BUSY_MS = 300_000


def _browser() -> tuple[object, str]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    if not CHROMIUM.exists() and shutil.which("chromium") is None:
        pytest.skip("Debian's chromium package is not installed (apt-get install chromium)")
    return sync_api, str(CHROMIUM) if CHROMIUM.exists() else str(shutil.which("chromium"))


def _build(tmp_path: Path) -> dict[str, Path]:
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
    return paths


@pytest.mark.slow
def test_report_html_renders_in_headless_chromium(tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    if not CHROMIUM.exists() and shutil.which("chromium") is None:
        pytest.skip("Debian's chromium package is not installed (apt-get install chromium)")
    executable = str(CHROMIUM) if CHROMIUM.exists() else shutil.which("chromium")

    paths = _build(tmp_path)
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
            page.set_default_timeout(BUSY_MS)
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("request", lambda r: requests.append(r.url))
            page.goto(paths["html"].resolve().as_uri(), wait_until="load")
            page.wait_for_selector("#chart-cooccurrence .main-svg", timeout=BUSY_MS)
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


#: Measured in the page: horizontal overflow, chart boxes, chart titles, toolbars.
_LAYOUT_JS = """() => {
  const box = e => { const r = e.getBoundingClientRect();
    return {x: r.left, y: r.top + window.scrollY, w: r.width, h: r.height}; };
  return {
    scroll: document.documentElement.scrollWidth, inner: window.innerWidth,
    charts: [...document.querySelectorAll('.chart .plotly-graph-div')].map(e => ({
      id: e.id, ...box(e), svg: box(e.querySelector('.main-svg')) })),
    titles: [...document.querySelectorAll('.chart-title')].map(e => ({
      text: e.textContent, ...box(e),
      chart: e.parentElement.querySelector('.plotly-graph-div').id })),
    toolbars: [...document.querySelectorAll('.modebar')].filter(
      e => e.getBoundingClientRect().height > 0).length,
    svgTitles: document.querySelectorAll('.gtitle').length,
  };
}"""


def _overlap(a: dict, b: dict) -> bool:
    return (
        a["x"] < b["x"] + b["w"]
        and b["x"] < a["x"] + a["w"]
        and (a["y"] < b["y"] + b["h"] and b["y"] < a["y"] + a["h"])
    )


@pytest.mark.slow
@pytest.mark.parametrize("width", [1400, 390])
def test_report_reads_on_a_phone_and_a_desktop(tmp_path, width):
    sync_api, executable = _browser()
    paths = _build(tmp_path)
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=executable,
            args=["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            page = browser.new_page(viewport={"width": width, "height": 844})
            page.set_default_timeout(BUSY_MS)
            page.goto(paths["html"].resolve().as_uri(), wait_until="load")
            page.wait_for_selector("#chart-cooccurrence .main-svg", timeout=BUSY_MS)
            page.wait_for_timeout(500)  # responsive charts resize after the first frame
            m = page.evaluate(_LAYOUT_JS)
            page.screenshot(path=str(tmp_path / f"report-{width}.png"), full_page=True)
        finally:
            browser.close()

    assert m["scroll"] <= m["inner"], f"page scrolls sideways: {m['scroll']} > {m['inner']}"
    assert m["charts"] and m["toolbars"] == 0 and m["svgTitles"] == 0
    for chart in m["charts"]:
        assert chart["h"] >= 250 and chart["svg"]["h"] >= 250, chart  # readable, never ~60 px
    titles = m["titles"]
    assert len(titles) == len(m["charts"])
    charts = {c["id"]: c for c in m["charts"]}
    for i, t in enumerate(titles):
        assert t["w"] <= m["inner"], t  # wraps instead of running off the screen
        assert not _overlap(t, charts[t["chart"]]), t  # sits above its chart, not on it
        assert not any(_overlap(t, u) for u in titles[i + 1 :]), t
