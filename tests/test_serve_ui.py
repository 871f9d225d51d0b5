"""`cls-text serve`: the Prefect UI follows the port the server was started on."""

from __future__ import annotations

import contextlib
import json
import os
import urllib.request

import pytest
import yaml


def test_server_env_points_the_ui_at_the_chosen_port():
    from flows.serve import server_env

    env = server_env(41234, {"PREFECT_API_URL": "http://elsewhere/api", "HOME": "/h"})
    assert env["PREFECT_UI_API_URL"] == "http://127.0.0.1:41234/api"
    assert env["PREFECT_UI_URL"] == "http://127.0.0.1:41234"
    assert "PREFECT_API_URL" not in env and env["HOME"] == "/h"
    assert env["PREFECT_SERVER_ANALYTICS_ENABLED"] == "false" and env["DO_NOT_TRACK"] == "1"


def test_serve_prints_the_ui_address(tmp_path, monkeypatch, capsys):
    import prefect

    import flows.serve as serve_mod

    @contextlib.contextmanager
    def fake_api():
        yield "http://127.0.0.1:45678/api"

    monkeypatch.setattr(serve_mod, "prefect_api", fake_api)
    monkeypatch.setattr(prefect, "serve", lambda *a, **k: None)
    cfg = tmp_path / "serve.yaml"
    cfg.write_text(
        yaml.safe_dump(
            {"programmes": [{"name": "p", "cron": "0 6 * * 1", "inputs": [str(tmp_path)]}]}
        )
    )
    serve_mod.serve(cfg)
    out = capsys.readouterr().out
    assert "Prefect UI: http://127.0.0.1:45678" in out


@pytest.mark.slow
def test_started_server_tells_its_ui_the_right_api_url(monkeypatch):
    from flows.serve import prefect_api, ui_address

    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.setenv("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    with prefect_api() as url:
        assert not url.startswith("http://127.0.0.1:4200/")
        with urllib.request.urlopen(f"{ui_address(url)}/ui-settings", timeout=300) as resp:
            settings = json.loads(resp.read())
    os.environ.pop("PREFECT_API_URL", None)
    assert settings["api_url"] == url
