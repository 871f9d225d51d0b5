"""Where a large wave's memory goes: peak resident memory per step of one run, in one process.

``benchmarks/wave.py`` gives a whole ``cls-text run``'s peak; this runs the library's runner
(:func:`cls_text.run.wave.run_wave`, inline, no Prefect) on a synthetic wave and prints the
process's resident memory at the start, peak and end of each wave-level step, sampled every
50 ms, so a change can be checked step by step::

    python benchmarks/wave_memory.py --answers 250000 --out results.json

Linux only (reads ``/proc/self/status``).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from wave import make_input  # noqa: E402

_CHUNK_STEPS = ("ingest", "redact", "tag", "write")  # timed once per chunk: not separated


def _rss_mb(pid: str = "self") -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:  # the process has just ended
        return 0
    return int(status.split("VmRSS:")[1].split()[0]) // 1024


def _tree_mb() -> int:
    """This process and its descendants (the spreadsheet writer), resident memory summed."""
    total, todo = 0, ["self"]
    while todo:
        pid = todo.pop()
        total += _rss_mb(pid)
        for children in Path(f"/proc/{pid}/task").glob("*/children"):
            with contextlib.suppress(OSError):
                todo += children.read_text().split()
    return total


class _Peak:
    """The highest resident memory since the last ``reset`` (and over the run), sampled."""

    def __init__(self) -> None:
        self.value = self.overall = self.tree = self.tree_overall = 0
        threading.Thread(target=self._loop, daemon=True).start()

    def _loop(self) -> None:
        while True:
            now = _rss_mb()
            self.value, self.overall = max(self.value, now), max(self.overall, now)
            tree = _tree_mb()
            self.tree, self.tree_overall = max(self.tree, tree), max(self.tree_overall, tree)
            time.sleep(0.05)

    def reset(self) -> int:
        self.tree = _tree_mb()
        self.value = now = _rss_mb()
        return now


def _figures(start: int, peak: _Peak) -> dict[str, int]:
    """A step's memory: this process at its start, peak and end; with its helper at the peak."""
    end = _rss_mb()
    return {"start_mb": start, "peak_mb": peak.value, "end_mb": end, "tree_peak_mb": peak.tree}


#: Parts of the topics and report steps, measured on their own: module, function, result name.
_PARTS = (
    ("cls_text.topics.wave", "residual_sentences", "topics.residual"),
    ("cls_text.topics.wave", "_embed_chosen", "topics.embed"),
    ("cls_text.topics.wave", "discover_topics", "topics.discover"),
    ("cls_text.topics.wave", "describe_candidates", "topics.candidates"),
    ("cls_text.report", "compute_report_data", "report.data"),
    ("cls_text.report", "_theme_examples", "report.examples"),
    ("cls_text.report", "write_report_xlsx", "report.xlsx"),
    ("cls_text.review.queue", "write_review", "report.review"),
)


def _measure_parts(steps: dict[str, dict[str, int]]) -> None:
    """Wrap the topics and report steps' parts so each records its start, peak and end memory.

    A second sampler keeps the parts' peaks apart from the step's own.
    """
    import importlib

    peak = _Peak()
    for module_name, attr, name in _PARTS:
        module = importlib.import_module(module_name)
        fn = getattr(module, attr)

        def wrapped(*a: object, _fn: object = fn, _name: str = name, **k: object) -> object:
            start = peak.reset()
            value = _fn(*a, **k)  # type: ignore[operator]
            steps[_name] = _figures(start, peak)
            return value

        setattr(module, attr, wrapped)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--answers", type=int, default=250_000)
    parser.add_argument("--out", type=Path, default=Path("results.json"))
    args = parser.parse_args()

    from cls_text.codebook.model import load_codebook
    from cls_text.config import load_config
    from cls_text.run import wave as runner
    from cls_text.tag.select import select_tagger

    work = Path(tempfile.mkdtemp(prefix="cls-memory-"))
    src, config = make_input(args.answers, work)
    cfg, codebook = load_config(config), load_codebook(None)
    tagger, info = select_tagger(codebook, cfg)
    peak, steps = _Peak(), {"models_loaded": {"end_mb": _rss_mb()}}
    timed = runner.timed

    @contextmanager
    def measured(timings: dict[str, float], name: str) -> Iterator[None]:
        if name in _CHUNK_STEPS:
            with timed(timings, name):
                yield
            return
        start = peak.reset()
        with timed(timings, name):
            yield
        steps[name] = _figures(start, peak)

    read = runner.read_without_evidence

    def read_measured(*a: object, **k: object) -> object:
        start = peak.reset()
        frame, evidence = read(*a, **k)  # type: ignore[arg-type]
        steps["read_partition"] = _figures(start, peak)
        steps["read_partition"]["frame_mb"] = int(frame.memory_usage(deep=True).sum() // 2**20)
        return frame, evidence

    def store_measured(*a: object, **k: object) -> Path:
        start = peak.reset()
        path = runner.WaveSteps().update_store(*a, **k)
        steps["store"] = _figures(start, peak)
        return path

    runner.timed, runner.read_without_evidence = measured, read_measured  # type: ignore[assignment]
    _measure_parts(steps)
    opts = runner.WaveOptions(wave="2026-bench", out_dir=work / "out", store_dir=work / "store")
    wave_steps = runner.WaveSteps(update_store=store_measured)
    peak.reset()
    result = runner.run_wave([src], cfg, codebook, tagger, info, opts, steps=wave_steps)
    out = {
        "answers": args.answers,
        "peak_mb": peak.overall,
        "peak_tree_mb": peak.tree_overall,
        "steps": steps,
        "timings_s": result.manifest["timings_s"],
        "date": time.strftime("%Y-%m-%d"),
    }
    args.out.write_text(json.dumps(out, indent=1))
    for name, figures in steps.items():
        print(name, figures)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
