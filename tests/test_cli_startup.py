"""The command's start-up: fast help, the Prefect start-up retry, one paragraph on failure."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.startup import TIMEOUT_SETTING, PrefectStartError, call_flow

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("torch", "bertopic", "prefect", "sentence_transformers", "spacy", "sklearn")
TIMEOUT = RuntimeError("Timed out while attempting to connect to ephemeral Prefect API server.")

#: Runs ``--help`` of the app and of every command in one process, then lists heavy modules.
HELP_ALL = """
import json, sys
import typer
from flows.cli import app

def paths(group, prefix):
    yield prefix
    for cmd in group.registered_commands:
        yield prefix + [cmd.name or cmd.callback.__name__.replace("_", "-")]
    for sub in group.registered_groups:
        yield from paths(sub.typer_instance, prefix + [sub.name])

seen = []
for path in paths(app, []):
    try:
        app(path + ["--help"], standalone_mode=False)
    except SystemExit:
        pass
    seen.append(" ".join(path))
print(json.dumps({"helped": seen, "heavy": [m for m in HEAVY if m in sys.modules]}))
"""


def test_help_of_every_command_imports_nothing_heavy():
    code = f"HEAVY = {HEAVY!r}\n" + HELP_ALL
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert {"", "run", "demo", "tag", "serve", "codebook check", "qda export"} <= set(got["helped"])
    assert got["heavy"] == []


@pytest.mark.parametrize("preset, expected", [(None, "300"), ("42", "42")])
def test_startup_timeout_is_generous_unless_the_user_set_one(preset, expected):
    env = {k: v for k, v in os.environ.items() if k != TIMEOUT_SETTING}
    if preset is not None:
        env[TIMEOUT_SETTING] = preset
    code = f"import os, flows; print(os.environ[{TIMEOUT_SETTING!r}])"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == expected


class _Flaky:
    def __init__(self, failures: int, error: Exception = TIMEOUT) -> None:
        self.calls = 0
        self.failures = failures
        self.error = error

    def __call__(self, **kwargs: object) -> object:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error
        return kwargs


def test_call_flow_retries_once_on_the_server_timeout():
    flow, retried = _Flaky(1), []
    assert call_flow(flow, on_retry=lambda: retried.append(1), wave="W1") == {"wave": "W1"}
    assert flow.calls == 2 and retried == [1]


def test_call_flow_gives_one_paragraph_after_the_second_timeout():
    flow = _Flaky(5)
    with pytest.raises(PrefectStartError) as err:
        call_flow(flow)
    assert flow.calls == 2
    msg = str(err.value)
    assert TIMEOUT_SETTING in msg and "prefect server start" in msg and "PREFECT_API_URL" in msg
    assert "\n" not in msg


def test_call_flow_does_not_retry_other_errors():
    flow = _Flaky(5, RuntimeError("something else"))
    with pytest.raises(RuntimeError, match="something else"):
        call_flow(flow)
    assert flow.calls == 1


def test_run_prints_the_paragraph_and_exits_2(monkeypatch, tmp_path):
    import flows.cli as cli

    def no_server(*args: object, **kwargs: object) -> Path:
        raise PrefectStartError("Prefect's temporary API server did not start ...")

    monkeypatch.setattr(cli, "_run_wave", no_server)
    export = ROOT / "tests" / "data" / "exports" / "smartsurvey.csv"
    args = ["run", str(export), "--wave", "W1", "--store-dir", str(tmp_path)]
    res = CliRunner().invoke(cli.app, args)
    assert res.exit_code == 2
    assert "did not start" in res.output
    assert "Traceback" not in res.output
    assert "respondent id column: 'ID'" in res.output  # the checks ran and said what they found
    assert f"store {tmp_path / 'default'}/" in res.output


@pytest.mark.parametrize(
    "args, expected",
    [
        (["--wave", "2026/W3"], "--wave '2026/W3' cannot name a wave"),
        (["--wave", "W2", "--compare-with", "W1"], "no such wave in the store"),
    ],
)
def test_run_stops_on_bad_options_before_prefect(args, expected, tmp_path):
    import flows.cli as cli

    export = ROOT / "tests" / "data" / "exports" / "smartsurvey.csv"
    res = CliRunner().invoke(cli.app, ["run", str(export), "--store-dir", str(tmp_path), *args])
    assert res.exit_code == 2
    assert expected in res.output


@pytest.mark.parametrize(
    "name",
    [
        "microsoft_forms.xlsx",
        "smartsurvey.csv",
        "surveymonkey.csv",
        "qualtrics.csv",
        "google_forms.csv",
        "citizen_space.csv",
    ],
)
def test_run_reports_the_detected_columns_of_every_export_layout(monkeypatch, tmp_path, name):
    import flows.cli as cli

    seen: dict[str, object] = {}

    def fake_wave(pf: object, inputs: list[str], *args: object, **kwargs: object) -> Path:
        seen.update(inputs=inputs, store=getattr(pf, "store_dir", None))
        (tmp_path / "out").mkdir(exist_ok=True)
        (tmp_path / "out" / "manifest.json").write_text("{}", encoding="utf-8")
        return tmp_path / "out"

    monkeypatch.setattr(cli, "_run_wave", fake_wave)
    export = ROOT / "tests" / "data" / "exports" / name
    args = ["run", str(export), "--wave", "W1", "--store-dir", str(tmp_path / "s")]
    res = CliRunner().invoke(cli.app, [*args, "--programme", "trial"])
    assert res.exit_code == 0, res.output
    assert f"{name}: respondent id column:" in res.output
    assert f"{name}: open-question columns:" in res.output
    assert f"{name}: respondent type column:" in res.output
    assert seen["store"] == tmp_path / "s" / "trial"


def test_a_finished_run_prints_its_counts_and_what_was_not_tagged(monkeypatch, tmp_path):
    import json

    import flows.cli as cli

    manifest = {
        "wave": "W1",
        "conservation": {
            "total": {"answers_in": 24, "tagged": 20, "non_substantive": 4, "quarantined": 0}
        },
        "non_english": {"answers": 1, "untagged": 1},
        "inputs": [
            {"name": "a.csv", "detected_map": ["no respondent-type column found: every ..."]}
        ],
    }

    def fake_wave(*args: object, **kwargs: object) -> Path:
        (tmp_path / "out").mkdir(exist_ok=True)
        (tmp_path / "out" / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
        return tmp_path / "out"

    monkeypatch.setattr(cli, "_run_wave", fake_wave)
    export = ROOT / "tests" / "data" / "exports" / "smartsurvey.csv"
    args = ["run", str(export), "--wave", "W1", "--store-dir", str(tmp_path / "s")]
    res = CliRunner().invoke(cli.app, args)
    assert res.exit_code == 0, res.output
    assert "Wave W1: 24 answers read = 20 tagged + 4 with nothing to say + 0 quarantined." in (
        res.output
    )
    assert "1 answer(s) not in English (flagged non_english): 1 kept but not tagged" in res.output
    assert "a.csv: no respondent-type column found" in res.output
