"""`portrait alarms clock | list` against a stack's /__local/ routes (the API gateway of
the local stack, serving a local CloudWatch of the real template)."""
import json
import os
from pathlib import Path

import pytest

from portrait_local import cli
from portrait_local.api_gateway import ApiGateway
from portrait_local.cloudwatch import endpoints
from portrait_local.cloudwatch.page import dashboard
from portrait_local.cloudwatch.service import LocalCloudWatch
from portrait_local.template import Template

ROOT = Path(__file__).resolve().parents[4]


@pytest.fixture
def stack(tmp_path):
    template = Template.load(ROOT / "template.yaml")
    cloudwatch = LocalCloudWatch(template)
    cloudwatch.evaluate_all(cloudwatch.clock.now())
    api = ApiGateway(template, invoke=None, port=0, local_routes={
        "health": lambda m, r, b: (200, {"pid": os.getpid()}),
        "cloudwatch": endpoints.handler(cloudwatch, lambda: dashboard(cloudwatch))})
    api.start()
    (tmp_path / "local.json").write_text(json.dumps(
        {"pid": os.getpid(), "api_url": f"http://127.0.0.1:{api.port}"}))
    yield cloudwatch, tmp_path
    api.stop()


def test_clock_speed_set_and_read(stack, capsys):
    cloudwatch, state_dir = stack
    assert cli.main(["alarms", "clock", "--speed", "60", "--state-dir", str(state_dir)]) == 0
    assert json.loads(capsys.readouterr().out)["speed"] == 60 == cloudwatch.clock.speed
    assert cli.main(["alarms", "clock", "--state-dir", str(state_dir)]) == 0
    assert json.loads(capsys.readouterr().out)["speed"] == 60
    assert cli.main(["alarms", "clock", "--speed", "0", "--state-dir", str(state_dir)]) == 1
    assert "0 < N" in capsys.readouterr().err


def test_list_says_each_state_and_why(stack, capsys):
    _, state_dir = stack
    assert cli.main(["alarms", "list", "--state-dir", str(state_dir)]) == 0
    out = capsys.readouterr().out
    assert "OK                AvatarRejectionsAlarm" in out
    assert "OK                DomainEventsDelayAlarm" in out
    assert "was not greater than the threshold (600000)" in out
    assert cli.main(["alarms", "list", "--state", "ALARM", "--state-dir", str(state_dir)]) == 0
    assert capsys.readouterr().out == ""


def test_no_running_stack(tmp_path, capsys):
    assert cli.main(["alarms", "list", "--state-dir", str(tmp_path)]) == 2
    assert "no running local stack" in capsys.readouterr().err
