"""`portrait dev`, `portrait invoke` and `portrait schedule fire`, run as a developer runs them."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import boto3
import pytest
import requests

from .conftest import FIXTURE_TEMPLATE, ROOT, wait_for

PORTRAIT = Path(sys.executable).parent / "portrait"
CLEAN_ENV = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}


def portrait(*args: str, env: dict | None = None, stdin: str | None = None):
    return subprocess.run([str(PORTRAIT), *args], capture_output=True, text=True, timeout=60,
                          cwd=ROOT, env=env or CLEAN_ENV, input=stdin)


def _start_dev(state_dir: Path, output: Path) -> subprocess.Popen:
    """`portrait dev` on the fixture template and free ports, its output in `output`."""
    with output.open("w") as out:
        return subprocess.Popen(
            [str(PORTRAIT), "dev", "--template", str(FIXTURE_TEMPLATE), "--port", "0",
             "--moto-port", "0", "--state-dir", str(state_dir)],
            cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env=CLEAN_ENV,
            start_new_session=True)


@pytest.fixture(scope="module")
def dev(tmp_path_factory):
    state_dir = tmp_path_factory.mktemp("dev-state")
    output = state_dir / "dev.out"
    process = _start_dev(state_dir, output)
    state_file = state_dir / "local.json"
    try:
        wait_for(lambda: process.poll() is not None or "ready in" in output.read_text(),
                 timeout=30)
        assert process.poll() is None, output.read_text()
        state = json.loads(state_file.read_text())
        yield {"state": state, "state_dir": state_dir, "output": output, "process": process}
    finally:
        workers = subprocess.run(["pgrep", "-P", str(process.pid)], capture_output=True,
                                 text=True).stdout.split()
        os.killpg(process.pid, signal.SIGTERM)
        code = process.wait(timeout=20)
    assert code == 0, output.read_text()
    assert "stopping..." in output.read_text()
    assert not state_file.exists()  # a stopped stack leaves no stale state behind
    assert workers  # the HTTP function was pre-warmed, at least
    for pid in workers:  # and no worker outlives the stack
        with pytest.raises(ProcessLookupError):
            os.kill(int(pid), 0)


def test_dev_serves_the_api_and_logs_one_line_per_invocation(dev):
    api = dev["state"]["api_url"]
    assert requests.get(f"{api}/items/42", timeout=10).json()["event"]["pathParameters"] == {
        "id": "42"}
    assert requests.get(f"{api}/__local/health", timeout=5).json()["status"] == "ok"
    line = wait_for(lambda: [l for l in dev["output"].read_text().splitlines()
                             if "EchoFunction" in l and "http GET /items/42" in l])
    assert line[0].split()[-1] == "200" and " ms " in line[0]


def test_dev_dispatches_queue_messages(dev):
    state = dev["state"]
    sqs = boto3.client("sqs", region_name="us-east-1", endpoint_url=state["endpoint_url"],
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    marker = uuid.uuid4().hex
    sqs.send_message(QueueUrl=state["resources"]["WorkQueue"],
                     MessageBody=json.dumps({"kind": "job", "n": marker}))
    ddb = boto3.client("dynamodb", region_name="us-east-1", endpoint_url=state["endpoint_url"],
                       aws_access_key_id="testing", aws_secret_access_key="testing")

    def recorded():
        items = ddb.scan(TableName=state["resources"]["RecordsTable"])["Items"]
        return [i for i in items if marker in i["event"]["S"]]
    wait_for(recorded, timeout=15)
    wait_for(lambda: "QueueFunction" in dev["output"].read_text()
             and "sqs:portrait-local-WorkQueue 1 record" in dev["output"].read_text())


def test_schedule_fire_runs_a_schedule_now(dev):
    result = portrait("schedule", "fire", "ScheduledFunction", "Hourly",
                      "--template", str(FIXTURE_TEMPLATE), "--state-dir", str(dev["state_dir"]))
    assert result.returncode == 0, result.stderr
    reply = json.loads(result.stdout)
    assert reply["ok"] and reply["result"] == {"fired": True}
    assert reply["event"]["detail-type"] == "Scheduled Event"
    unknown = portrait("schedule", "fire", "ScheduledFunction", "Weekly",
                       "--template", str(FIXTURE_TEMPLATE), "--state-dir", str(dev["state_dir"]))
    assert unknown.returncode == 1 and "no schedule ScheduledFunction/Weekly" in unknown.stderr


def test_invoke_uses_the_running_stack(dev, tmp_path):
    event = tmp_path / "event.json"
    event.write_text("{}")
    result = portrait("invoke", "IsolationBFunction", "-e", str(event), "--template",
                      str(FIXTURE_TEMPLATE), "--state-dir", str(dev["state_dir"]))
    assert result.returncode == 0, result.stderr
    assert "on running stack" in result.stderr
    env = json.loads(result.stdout)["env"]
    assert env["AWS_ENDPOINT_URL"] == dev["state"]["endpoint_url"]
    assert env["RECORDS_TABLE"] == "portrait-local-RecordsTable"


def test_invoke_without_a_running_stack_starts_an_ephemeral_one(tmp_path):
    result = portrait("invoke", "SleepyFunction", "--template", str(FIXTURE_TEMPLATE),
                      "--state-dir", str(tmp_path), stdin='{"seconds": 0}')
    assert result.returncode == 0, result.stderr
    assert "on ephemeral stack" in result.stderr
    assert json.loads(result.stdout)["slept"] == 0
    assert "sleeping 0" in result.stderr  # the function's own output goes to stderr
    failed = portrait("invoke", "SleepyFunction", "--template", str(FIXTURE_TEMPLATE),
                      "--state-dir", str(tmp_path), stdin='{"raise": "nope"}')
    assert failed.returncode == 1
    assert json.loads(failed.stdout)["errorType"] == "ValueError"


def test_invoke_against_a_deployed_stack_uses_its_physical_names(moto_endpoint, tmp_path):
    """moto's CloudFormation plays the deployed stack; the caller's endpoint and
    credentials are passed through to the function instead of local ones."""
    aws = {"AWS_ENDPOINT_URL": moto_endpoint, "AWS_ACCESS_KEY_ID": "deployer",
           "AWS_SECRET_ACCESS_KEY": "secret", "AWS_DEFAULT_REGION": "us-east-1"}
    cloudformation = boto3.client("cloudformation", region_name="us-east-1",
                                  endpoint_url=moto_endpoint, aws_access_key_id="x",
                                  aws_secret_access_key="x")
    cloudformation.create_stack(StackName="deployed", TemplateBody=json.dumps({"Resources": {
        "RecordsTable": {"Type": "AWS::DynamoDB::Table", "Properties": {
            "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}]}}}}))
    (resource,) = cloudformation.describe_stack_resources(StackName="deployed")["StackResources"]
    result = portrait("invoke", "IsolationBFunction", "--template", str(FIXTURE_TEMPLATE),
                      "--stack-name", "deployed", "--region", "us-east-1",
                      env={**CLEAN_ENV, **aws}, stdin="{}")
    assert result.returncode == 0, result.stderr
    assert "on stack deployed" in result.stderr
    env = json.loads(result.stdout)["env"]
    assert env["RECORDS_TABLE"] == resource["PhysicalResourceId"] != "fixture-RecordsTable"
    assert env["AWS_ACCESS_KEY_ID"] == "deployer"
    assert json.loads(result.stdout)["context"]["function_name"] == "deployed-IsolationBFunction"


@pytest.mark.parametrize("option, purpose", [("--port", "the API and the web client"),
                                             ("--moto-port", "the local AWS endpoint")])
def test_dev_on_a_taken_port_says_which_and_how_to_pick_another(option, purpose, tmp_path):
    import socket

    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        other = "--moto-port" if option == "--port" else "--port"
        done = subprocess.run([str(PORTRAIT), "dev", "--template", str(FIXTURE_TEMPLATE),
                               option, str(port), other, "0", "--state-dir", str(tmp_path)],
                              capture_output=True, text=True, timeout=120, cwd=ROOT,
                              env=CLEAN_ENV)
    assert done.returncode == 1
    [line] = done.stderr.strip().splitlines()  # one line, no traceback
    assert line.startswith(f"portrait dev: port {port} ({purpose}) on 127.0.0.1 is in use by pid ")
    assert f'make dev ARGS="{option} {port + 1}"' in line
    assert "Traceback" not in done.stdout


def test_sigterm_while_dev_starts_stops_it_and_what_it_started(tmp_path):
    output = tmp_path / "dev.out"
    process = _start_dev(tmp_path, output)

    def children() -> list[str]:
        return subprocess.run(["pgrep", "-P", str(process.pid)], capture_output=True,
                              text=True).stdout.split()

    # Once DynamoDB Local runs (a child process), before the stack is ready.
    wait_for(lambda: children() or process.poll() is not None, timeout=120)
    started = children()
    assert started, output.read_text()[-2000:]
    process.send_signal(signal.SIGTERM)
    # 0: the handler stopped the start and cleaned up (no handler would die by the signal).
    assert process.wait(timeout=120) == 0, output.read_text()[-2000:]
    for pid in started:  # DynamoDB Local and the workers went with it
        wait_for(lambda: _gone(pid), timeout=60)


def _gone(pid: str) -> bool:
    try:
        return "zombie" in Path(f"/proc/{pid}/status").read_text().lower()
    except OSError:
        return True
