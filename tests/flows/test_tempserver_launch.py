import sys
import types

import pytest

from flows import tempserver


class FakeProcess:
    def __init__(self, port: int) -> None:
        self.port = port
        self.terminated = False

    def terminate(self) -> None:
        self.terminated = True


@pytest.fixture
def started(monkeypatch):
    procs: list[FakeProcess] = []

    def popen(port: int) -> FakeProcess:
        procs.append(FakeProcess(port))
        return procs[-1]

    monkeypatch.setattr(tempserver, "_popen_tethered", popen)
    monkeypatch.setattr(tempserver, "_server_needed", lambda: True)
    monkeypatch.setattr(tempserver, "_launched", [])
    # No server started Prefect's way in this process, as in a fresh `cls-text run`.
    monkeypatch.delitem(sys.modules, "prefect.server.api.server", raising=False)
    return procs


def test_an_early_launched_server_is_adopted_not_started_twice(started):
    tempserver.launch_temporary_server()
    tempserver.launch_temporary_server()  # a second call does not start another
    assert len(started) == 1
    server = types.SimpleNamespace(port=None)
    popen = tempserver._tethered_popen(server)
    assert server.port == started[0].port in tempserver.PORT_RANGE
    assert popen() is started[0]
    # Port taken after all (uvicorn exits 3): Prefect picks another port and starts again.
    server.port = started[0].port + 1
    again = popen()
    assert again is started[1] and again.port == server.port


def test_a_launched_server_nobody_adopts_is_stopped(started):
    tempserver.launch_temporary_server()
    tempserver.signal_temporary_server()  # the way out of an interrupted run
    assert started[0].terminated


def test_no_launch_when_a_server_url_is_set(started, monkeypatch):
    monkeypatch.setattr(tempserver, "_server_needed", lambda: False)
    tempserver.launch_temporary_server()
    assert started == []
