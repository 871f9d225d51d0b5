"""``report.html``: one self-contained page for evaluators who are not programmers.

Self-contained means it opens from an e-mail attachment or a shared drive with no network:
plotly.js is inlined once in the page head, every chart is a div drawn by it, CSS is inline,
and no web font, image or script is fetched. All text that comes from data (labels, quotes,
topic keywords) is HTML-escaped.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

import pandas as pd

from cls_text.report.accuracy import accuracy_methods
from cls_text.report.comparison import column_notes, comparison_sentence, untested_sentence
from cls_text.report.counts import conservation_line, count_rows, lede
from cls_text.report.summary import ReportData, pct

_CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;margin:0;
color:#1b1b1b;background:#fafafa;line-height:1.5}
main{max-width:1100px;margin:0 auto;padding:1.5rem 2rem 4rem;background:#fff}
h1{font-size:1.8rem;margin-bottom:.2rem}h2{margin-top:2.5rem;border-bottom:2px solid #0072B2;
padding-bottom:.2rem}h3{margin-top:1.8rem}.lede{color:#444;font-size:1.05rem}
nav ul{columns:2;padding-left:1.2rem}table{border-collapse:collapse;margin:.8rem 0;font-size:.9rem}
th,td{border:1px solid #ddd;padding:.3rem .6rem;text-align:left;vertical-align:top}
th{background:#f0f4f8}blockquote{border-left:4px solid #56B4E9;margin:.6rem 0;padding:.3rem .9rem;
background:#f5f9fc}.note{color:#555;font-size:.9rem}.chart{margin:1rem 0 2rem}
.flag{background:#fff4d6;border:1px solid #E69F00;padding:.5rem .8rem;border-radius:4px}
.theme{border-top:1px solid #ddd;padding-top:.5rem}
.table-wrap{max-width:100%;overflow-x:auto;-webkit-overflow-scrolling:touch}
.table-wrap table{min-width:0}td{overflow-wrap:anywhere}
.chart{max-width:100%;overflow-x:auto}.chart .plotly-graph-div{min-width:320px;min-height:300px}
.chart-title{font-size:1.05rem;margin:1.6rem 0 .2rem}.quote-by{display:block;color:#555;
font-size:.85rem;margin-top:.2rem}
@media (max-width:600px){main{padding:1rem .8rem 3rem}h1{font-size:1.4rem}nav ul{columns:1}
table{font-size:.8rem}th,td{padding:.25rem .35rem}}
"""


_NO_QUOTES = pd.DataFrame(columns=["text"])


def _plain(value: object) -> object:
    return json.dumps(value, default=str) if isinstance(value, dict | list) else value


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value))


def _table(frame: pd.DataFrame, *, max_rows: int | None = None) -> str:
    if frame is None or frame.empty:
        return '<p class="note">Nothing to show.</p>'
    shown = frame if max_rows is None else frame.head(max_rows)
    table = shown.to_html(index=False, escape=True, na_rep="", border=0, classes="data")
    # A wide table scrolls inside its own box: the page itself never scrolls sideways.
    return f'<div class="table-wrap">{table}</div>'


def _chart(fig: Any, div_id: str) -> str:
    """One chart: its title as an HTML heading (it wraps on a phone), no toolbar over it."""
    import plotly.graph_objects as go

    fig = go.Figure(fig)  # a copy: the caller's figure keeps its title
    title = fig.layout.title.text or ""
    fig.update_layout(title_text="", margin_t=10)
    # include_plotlyjs=False: the library is inlined once in <head>, not once per chart.
    body = fig.to_html(
        full_html=False,
        include_plotlyjs=False,
        include_mathjax=False,
        div_id=f"chart-{div_id}",
        config={"displaylogo": False, "responsive": True, "displayModeBar": False},
    )
    heading = f'<h3 class="chart-title">{_e(title)}</h3>' if title else ""
    return f'<div class="chart" data-chart="{_e(div_id)}">{heading}{body}</div>'


def _quote_html(quotes: pd.DataFrame) -> str:
    """Blockquotes, each with who said it when the caller could show that safely."""
    out = []
    for row in quotes.to_dict("records"):
        by = row.get("attribution") or ""
        cite = f'<span class="quote-by">— {_e(by)}</span>' if by else ""
        out.append(f"<blockquote>{_e(row['text'])}{cite}</blockquote>")
    return "".join(out)


def _methods(data: ReportData, manifest: dict[str, Any]) -> str:
    cb = manifest.get("codebook", {}) or {}
    tagger = manifest.get("tagger", {}) or {}
    totals = (manifest.get("conservation", {}) or {}).get("total", {}) or {}
    name = cb.get("name", cb.get("id", ""))
    rows = [
        ("Wave", data.wave),
        ("Waves compared", comparison_sentence(data)),
        ("Not tested for change", untested_sentence(data)),
        ("Codebook", f"{name} (id {cb.get('id', '')}, version {cb.get('version', '')})"),
        ("Codebook hash", cb.get("hash", "")),
        *[(f"Tagger: {k}", _plain(v)) for k, v in tagger.items()],
        *count_rows(data.counts, totals),
        (
            "Conservation",
            conservation_line(totals, non_english=data.counts.get("non_english_untagged", 0)),
        ),
        ("Conservation holds", (manifest.get("conservation", {}) or {}).get("holds", "")),
        ("Run at (UTC)", manifest.get("created_utc", "")),
        ("cls-text version", manifest.get("cls_text_version", "")),
    ]
    table = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in rows if v != "")
    older = {w: v for w, v in data.codebook_by_wave.items() if v != cb.get("version", v)}
    older_html = ""
    if older:
        items = "".join(f"<li>{_e(w)}: codebook version {_e(v)}</li>" for w, v in older.items())
        older_html = (
            '<p class="flag">Some earlier waves were tagged under another codebook version. '
            "Theme ids stay stable across versions, but a theme added later is shown as "
            f"<em>not coded</em> for those waves (not as zero):</p><ul>{items}</ul>"
        )
    agreement = _markdown_block(accuracy_methods(manifest))
    agreement += _markdown_block(manifest.get("agreement_methods", ""))
    columns = "".join(
        f"<tr><th>{_e(name)}</th><td>{_e(note)}</td></tr>" for name, note in column_notes(manifest)
    )
    if columns:
        columns = (
            "<p>How each input file's columns were read (detected, or from the config):</p>"
            f'<div class="table-wrap"><table>{columns}</table></div>'
        )
    return f"""
<p>Each answer was tagged against the codebook's themes by the tagger listed below. Only
substantive answers count: blank answers, "n/a", "nothing" and the same respondent repeating an
earlier answer are left out. <strong>Share of respondents</strong> is the number of people who
raised a theme in at least one answer, divided by the people who gave at least one substantive
answer. Ranges are 95% Wilson intervals. A change since the previous wave is tested with a
two-proportion z-test; because many comparisons are made at once, p-values are corrected for
the false-discovery rate (Benjamini–Hochberg, 5%) and only changes that pass are called
significant. Summary sentences give no percentage for groups too small to support one;
the tables still show the counts.</p>
{older_html}<div class="table-wrap"><table>{table}</table></div>{columns}{agreement}"""


def _markdown_block(md: str) -> str:
    """Render the small Markdown subset of generated paragraphs (bold, tables) as HTML."""
    out: list[str] = []
    for block in (b.strip() for b in md.split("\n\n")):
        if not block:
            continue
        lines = block.splitlines()
        if all(line.startswith("|") for line in lines):
            rows = [[c.strip() for c in line.strip("|").split("|")] for line in lines]
            rows = [r for r in rows if not all(set(c) <= {"-", ":"} for c in r)]
            head = "".join(f"<th>{_e(c)}</th>" for c in rows[0])
            body = "".join(
                "<tr>" + "".join(f"<td>{_e(c)}</td>" for c in r) + "</tr>" for r in rows[1:]
            )
            out.append(f'<div class="table-wrap"><table><tr>{head}</tr>{body}</table></div>')
        else:
            text = _e(" ".join(lines))
            text = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", text)
            out.append(f"<p>{text}</p>")
    return "".join(out)


def _theme_section(data: ReportData, theme_id: str, definition: str, quotes: pd.DataFrame) -> str:
    label = data.labels[theme_id]
    sentences = data.sentences.get(theme_id, [])
    lead = f"<p><strong>{_e(sentences[0])}</strong></p>" if sentences else ""
    more = "".join(f"<li>{_e(s)}</li>" for s in sentences[1:])
    if quotes.empty:
        quote_html = '<p class="note">No example quotes could be shown safely for this theme.</p>'
    else:
        quote_html = _quote_html(quotes)
    by_type = data.by_type.loc[data.by_type["theme"] == theme_id]
    st = data.stance.loc[data.stance["theme"] == theme_id] if not data.stance.empty else None
    stance = ""
    if st is not None and not st.empty:
        r = st.iloc[0]
        parts = [
            f"{int(r[col])} {name}"
            for col, name in (
                ("n_positive", "positive"),
                ("n_negative", "negative"),
                ("n_neutral", "neutral"),
                ("n_mixed", "mixed or unclear"),
            )
            if col in r.index and int(r[col]) > 0
        ]
        stance = f"<p>Of {r['n_tagged']} answers raising it: {', '.join(parts) or 'no stance'}.</p>"
    table = _table(
        by_type.assign(
            share=by_type["share_resp"].map(pct),
            CI=[
                f"{pct(a)}–{pct(b)}"
                for a, b in zip(by_type["ci_low"], by_type["ci_high"], strict=True)
            ],
        )[["respondent_type", "k_resp", "n_resp", "share", "CI"]].rename(
            columns={"respondent_type": "respondent type", "k_resp": "raised by", "n_resp": "of"}
        )
    )
    return f"""
<section class="theme" id="theme-{_e(theme_id)}"><h3>{_e(label)}</h3>
<p class="note">{_e(definition)}</p>{lead}<ul>{more}</ul>{stance}{table}
<h4>Example quotes</h4>{quote_html}</section>"""


def render_html(
    data: ReportData,
    *,
    figures: dict[str, Any],
    definitions: dict[str, str],
    manifest: dict[str, Any],
    quotes: dict[str, pd.DataFrame],
    topics: pd.DataFrame,
    candidates: pd.DataFrame | None,
    title: str = "Community Led Support feedback",
) -> str:
    """Render the whole page as one string (pure; the caller writes it atomically)."""
    from plotly.offline import get_plotlyjs

    c = data.counts
    totals = (manifest.get("conservation", {}) or {}).get("total", {}) or {}
    sig = data.changes.loc[data.changes["significant"]] if not data.changes.empty else data.changes
    if data.changes.empty:
        change_html = "<p>This is the first wave in the store, so there is no change to report.</p>"
    elif sig.empty:
        change_html = "<p>No theme changed significantly since the previous wave.</p>"
    else:
        items = "".join(f"<li>{_e(data.sentences[t][0])}</li>" for t in sig["theme"])
        change_html = f"<p>Significant changes since the previous wave:</p><ul>{items}</ul>"
    if untested := untested_sentence(data):
        change_html += f'<p class="flag">{_e(untested)}</p>'
    top = data.overall.sort_values("share_resp", ascending=False).head(3)["theme"]
    top_html = "".join(f"<li>{_e(data.sentences[t][0])}</li>" for t in top if t in data.sentences)
    charts = {k: _chart(f, k) for k, f in figures.items()}
    themes_html = "".join(
        _theme_section(data, t, definitions.get(t, ""), quotes.get(t, _NO_QUOTES))
        for t in data.labels
        if t in data.sentences
    )
    cands = candidates if candidates is not None else pd.DataFrame()
    cand_cols = [
        c for c in ("label", "keywords", "size", "coherence", "nearest_theme") if c in cands
    ]
    topic_cols = [c for c in ("label", "size", "share", "keywords") if c in topics]
    if "share" in topics:
        topics = topics.assign(share=topics["share"].map(lambda v: f"{100 * float(v):.1f}%"))
    main_charts = "".join(v for k, v in charts.items() if k not in ("topic-map", "candidates"))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(title)}: {_e(data.wave)}</title><style>{_CSS}</style>
<script type="text/javascript">{get_plotlyjs()}</script></head>
<body><main>
<h1>{_e(title)}: {_e(data.wave)}</h1>
<p class="lede">{_e(lede(c, totals))} {_e(comparison_sentence(data))}</p>
<nav><ul><li><a href="#headline">Headline findings</a></li><li><a href="#charts">Charts</a></li>
<li><a href="#themes">Each theme</a></li><li><a href="#topics">Emergent topics</a></li>
<li><a href="#candidates">Candidate new themes</a></li>
<li><a href="#methods">Methods</a></li></ul></nav>
<h2 id="headline">Headline findings</h2><p>Most often raised:</p><ul>{top_html}</ul>{change_html}
{_table(data.headline.drop(columns=["theme"]))}
<h2 id="charts">Charts</h2><p class="note">Hover over a chart for exact figures; click legend
entries to show or hide series.</p>{main_charts}
<h2 id="themes">Each theme</h2>{themes_html}
<h2 id="topics">Emergent topics</h2><p>Topics found by clustering the sentences that no
theme of the codebook explains (survey filler and codebook terms removed). Share is the share
of those sentences. They are prompts for reading, not findings.</p>
{charts.get("topic-map", "")}{_table(topics[topic_cols] if topic_cols else pd.DataFrame())}
<h2 id="candidates">Candidate new themes</h2><p>Groups of answers that no current theme
covers. Read them before deciding whether the codebook needs a new theme.</p>
{charts.get("candidates", "")}{_table(cands[cand_cols])}
<h2 id="methods">Methods</h2>{_methods(data, manifest)}
</main></body></html>
"""
