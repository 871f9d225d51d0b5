"""Interactive charts of a wave report (plotly figures built from :class:`ReportData`).

Each function returns a ``plotly.graph_objects.Figure`` or None when there is nothing to
draw (for example no earlier wave, no topics). The HTML writer inlines plotly.js once and
embeds every figure as a div, so the report opens with no network. Colours come from one
colour-blind-safe palette (Okabe–Ito); stance uses blue/grey/orange, never red/green alone.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from cls_text.report.summary import ReportData
from cls_text.schema import RESPONDENT_TYPE, SITE, WAVE

#: Okabe–Ito palette (distinguishable with the common colour-vision deficiencies).
PALETTE = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#F0E442",
    "#000000",
)
STANCE_COLOURS = {
    "positive": "#0072B2",
    "neutral": "#BBBBBB",
    "mixed or unclear": "#888888",
    "negative": "#E69F00",
}
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"


#: No chart is drawn lower than this (px): below it labels clip and bars become slivers.
MIN_HEIGHT = 320


def _layout(fig: Any, title: str, height: int) -> Any:
    fig.update_layout(
        title={"text": title, "x": 0, "xanchor": "left"},
        font={"family": FONT, "size": 13},
        height=max(height, MIN_HEIGHT),
        margin={"l": 10, "r": 20, "t": 50, "b": 40},
        plot_bgcolor="white",
        legend={"orientation": "h", "y": -0.15},
    )
    fig.update_xaxes(gridcolor="#e5e5e5", zeroline=False, automargin=True)
    fig.update_yaxes(gridcolor="#e5e5e5", zeroline=False, automargin=True)
    return fig


def _pct_axis(fig: Any, axis: str = "x") -> None:
    update = fig.update_xaxes if axis == "x" else fig.update_yaxes
    update(tickformat=".0%", rangemode="tozero", title_text="share of respondents")


def _bar_with_ci(frame: pd.DataFrame, labels: dict[str, str], name: str, colour: str) -> Any:
    import plotly.graph_objects as go

    return go.Bar(
        name=name,
        y=[labels.get(t, t) for t in frame["theme"]],
        x=frame["share_resp"],
        orientation="h",
        marker_color=colour,
        error_x={
            "type": "data",
            "symmetric": False,
            "array": frame["ci_high"] - frame["share_resp"],
            "arrayminus": frame["share_resp"] - frame["ci_low"],
            "color": "#444",
        },
        customdata=np.stack(
            [frame["k_resp"], frame["n_resp"], frame["ci_low"], frame["ci_high"]], 1
        ),
        hovertemplate=(
            "%{y}<br>%{x:.0%} of respondents (%{customdata[0]} of %{customdata[1]})"
            "<br>95% CI %{customdata[2]:.0%}–%{customdata[3]:.0%}<extra>" + name + "</extra>"
        ),
    )


def prevalence_figure(data: ReportData) -> Any:
    """Share of respondents raising each theme this wave, with 95% intervals."""
    import plotly.graph_objects as go

    frame = data.overall.iloc[::-1]
    fig = go.Figure(_bar_with_ci(frame, data.labels, "all respondents", PALETTE[0]))
    _pct_axis(fig)
    return _layout(fig, f"Themes raised, {data.wave} (bars: 95% interval)", 120 + 28 * len(frame))


def group_figure(data: ReportData, by: str = RESPONDENT_TYPE) -> Any | None:
    """Share of respondents per theme for each group (respondent type or site)."""
    import plotly.graph_objects as go

    frame = data.by_type if by == RESPONDENT_TYPE else data.by_site
    if frame.empty or frame[by].nunique() < 1:
        return None
    fig = go.Figure()
    for i, (group, part) in enumerate(frame.groupby(by, sort=True)):
        name = str(group) or "(not recorded)"
        fig.add_trace(_bar_with_ci(part.iloc[::-1], data.labels, name, PALETTE[i % len(PALETTE)]))
    fig.update_layout(barmode="group")
    _pct_axis(fig)
    n_themes = frame["theme"].nunique()
    title = "By respondent type" if by == RESPONDENT_TYPE else "By site"
    height = 140 + 14 * n_themes * max(2, frame[by].nunique())
    return _layout(fig, f"{title}, {data.wave}", height)


def trend_figure(data: ReportData) -> Any | None:
    """Share of respondents per theme across waves (None with a single wave)."""
    import plotly.graph_objects as go

    if len(data.waves) < 2:
        return None
    fig = go.Figure()
    for i, theme in enumerate(data.labels):
        part = data.trend.loc[data.trend["theme"] == theme].set_index(WAVE)
        part = part.reindex([w for w in data.waves if w in part.index])
        if part.empty:
            continue
        fig.add_trace(
            go.Scatter(
                x=list(part.index),
                y=part["share_resp"],
                mode="lines+markers",
                name=data.labels[theme],
                line={"color": PALETTE[i % len(PALETTE)]},
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": part["ci_high"] - part["share_resp"],
                    "arrayminus": part["share_resp"] - part["ci_low"],
                    "thickness": 1,
                },
                hovertemplate="%{x}: %{y:.0%}<extra>" + data.labels[theme] + "</extra>",
                visible=True if i < 5 else "legendonly",
            )
        )
    _pct_axis(fig, "y")
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=data.waves)
    return _layout(fig, "Trends across waves (click the legend to show more themes)", 480)


def stance_figure(data: ReportData) -> Any | None:
    """Positive / neutral / mixed / negative split of the answers tagged with each theme."""
    import plotly.graph_objects as go

    if data.stance.empty:
        return None
    frame = data.stance.iloc[::-1]
    labels = [data.labels.get(t, t) for t in frame["theme"]]
    fig = go.Figure()
    for name, col in (
        ("positive", "n_positive"),
        ("neutral", "n_neutral"),
        ("mixed or unclear", "n_mixed"),
        ("negative", "n_negative"),
    ):
        if col not in frame.columns or int(frame[col].sum()) == 0:
            continue  # a stance nobody took (e.g. neutral, when the tagger never says it)
        fig.add_trace(
            go.Bar(
                name=name,
                y=labels,
                x=frame[col] / frame["n_tagged"],
                customdata=frame[col],
                orientation="h",
                marker_color=STANCE_COLOURS[name],
                hovertemplate="%{y}: %{x:.0%} " + name + " (%{customdata} answers)<extra></extra>",
            )
        )
    fig.update_layout(barmode="stack", legend_traceorder="normal")
    fig.update_xaxes(tickformat=".0%", range=[0, 1], title_text="share of tagged answers")
    return _layout(fig, "Stance within each theme", 140 + 28 * len(frame))


def cooccurrence_figure(data: ReportData) -> Any | None:
    """Heatmap of how much themes overlap on the same answer (Jaccard), counts on hover."""
    import plotly.graph_objects as go

    co = data.cooccurrence
    if co.empty:
        return None
    ids = list(data.labels)
    pos = {t: i for i, t in enumerate(ids)}
    z = np.full((len(ids), len(ids)), np.nan)
    both = np.zeros((len(ids), len(ids)), dtype=int)
    for a, b, jaccard, n_both in zip(
        co["theme_a"], co["theme_b"], co["jaccard"], co["n_both"], strict=True
    ):
        if a in pos and b in pos:
            z[pos[a], pos[b]] = jaccard
            both[pos[a], pos[b]] = n_both
    np.fill_diagonal(z, np.nan)  # a theme overlaps itself fully: hide it so the scale is useful
    names = [data.labels[t] for t in ids]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=names,
            y=names,
            customdata=both,
            colorscale="Blues",
            zmin=0,
            hovertemplate="%{y} & %{x}<br>Jaccard %{z:.2f}, %{customdata} answers<extra></extra>",
            colorbar={"title": {"text": "Jaccard"}},
        )
    )
    fig.update_yaxes(autorange="reversed")
    return _layout(fig, "Themes raised together in the same answer", 220 + 30 * len(ids))


def _topic_frame(topics: object) -> tuple[pd.DataFrame, np.ndarray | None]:
    if topics is None:
        return pd.DataFrame(), None
    if isinstance(topics, pd.DataFrame):
        return topics, None
    table = getattr(topics, "topics", None)
    centroids = getattr(topics, "centroids", None)
    if not isinstance(table, pd.DataFrame):
        return pd.DataFrame(), None
    return table, None if centroids is None else np.asarray(centroids, dtype=float)


def topic_table(topics: object) -> pd.DataFrame:
    """The topic table of a ``TopicResult`` (or a DataFrame passed as is); empty for None."""
    return _topic_frame(topics)[0]


def topic_map_figure(topics: object) -> Any | None:
    """Map of emergent topics: position from their centroids (PCA), bubble size = answers."""
    import plotly.graph_objects as go

    table, centroids = _topic_frame(topics)
    if table.empty or "size" not in table.columns:
        return None
    table = table.reset_index(drop=True)
    raw = table["label"].astype(str).tolist() if "label" in table else [""] * len(table)
    names = [label if label and label != "nan" else f"topic {i}" for i, label in enumerate(raw)]
    keywords = (
        table["keywords"].astype(str) if "keywords" in table else pd.Series([""] * len(table))
    )
    if centroids is not None and centroids.ndim == 2 and len(centroids) == len(table) >= 3:
        centred = centroids - centroids.mean(axis=0)
        u, s, _ = np.linalg.svd(centred, full_matrices=False)
        xy = u[:, :2] * s[:2]
        x, y, kind = xy[:, 0], xy[:, 1], "Topic map (closer bubbles = similar topics)"
    else:
        x, y = np.arange(len(table), dtype=float), np.zeros(len(table))
        kind = "Emergent topics (bubble size = answers)"
    size = table["size"].astype(float).to_numpy()
    fig = go.Figure(
        go.Scatter(
            x=x,
            y=y,
            mode="markers+text",
            text=names,
            textposition="top center",
            customdata=np.stack([size, keywords], 1),
            marker={
                "size": 14 + 46 * np.sqrt(size / max(size.max(), 1.0)),
                "color": PALETTE[4],
                "line": {"color": PALETTE[0], "width": 1},
                "opacity": 0.75,
            },
            hovertemplate="%{text}<br>%{customdata[0]} answers<br>%{customdata[1]}<extra></extra>",
        )
    )
    fig.update_xaxes(showticklabels=False, title_text="")
    fig.update_yaxes(showticklabels=False, title_text="")
    return _layout(fig, kind, 460)


def candidates_figure(candidates: pd.DataFrame | None) -> Any | None:
    """Sizes of candidate new themes (answers no current theme covers)."""
    import plotly.graph_objects as go

    if candidates is None or candidates.empty or "size" not in candidates.columns:
        return None
    frame = candidates.reset_index(drop=True).iloc[::-1]
    names = (
        frame["keywords"].astype(str).str.slice(0, 60)
        if "keywords" in frame
        else frame.index.astype(str)
    )
    fig = go.Figure(
        go.Bar(
            x=frame["size"],
            y=[f"{i + 1}. {n}" for i, n in zip(frame.index, names, strict=True)],
            orientation="h",
            marker_color=PALETTE[2],
            hovertemplate="%{y}: %{x} answers<extra></extra>",
        )
    )
    fig.update_xaxes(title_text="answers")
    return _layout(fig, "Candidate new themes", 140 + 28 * len(frame))


def report_figures(
    data: ReportData, topics: object = None, candidates: pd.DataFrame | None = None
) -> dict[str, Any]:
    """All figures of a report, keyed by a stable id (used as the chart's div id).

    Charts with nothing to show (one wave, no topics, no candidates) are left out.
    """
    figs = {
        "prevalence": prevalence_figure(data),
        "by-type": group_figure(data, RESPONDENT_TYPE),
        "by-site": (
            group_figure(data, SITE)
            if SITE in data.by_site and len(set(data.by_site[SITE])) > 1
            else None
        ),
        "trends": trend_figure(data),
        "stance": stance_figure(data),
        "cooccurrence": cooccurrence_figure(data),
        "topic-map": topic_map_figure(topics),
        "candidates": candidates_figure(candidates),
    }
    return {k: v for k, v in figs.items() if v is not None}
