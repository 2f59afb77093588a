"""Functions run like Lambda: isolated, with the template's environment, a context, a timeout."""
from __future__ import annotations

from portrait_local.runtime import Runtime


def test_functions_are_isolated_from_each_other_and_from_the_repo(runtime, stack_template):
    a = runtime.invoke("IsolationAFunction", {}).result
    b = runtime.invoke("IsolationBFunction", {}).result
    assert (a["helpers"], b["helpers"]) == ("a", "b")
    code = stack_template.functions()["IsolationAFunction"].code_uri
    assert a["cwd"] == str(code)
    assert a["sys_path"][:2] == [str(code), str(stack_template.base_dir / "layer" / "python")]
    # Lambda's Python, and nothing of the dev virtualenv: moto, PyYAML and pytest are
    # there for the local stack and the tests, so a handler importing them must fail here.
    assert a["python"] == [3, 12]
    assert a["importable"] == {"recorder": True, "portrait": False, "portrait_local": False,
                               "tests": False, "boto3": True,
                               "yaml": False, "moto": False, "pytest": False}
    assert not any(".venv" in entry or "site-packages" in entry for entry in a["sys_path"])


def test_environment_and_context_come_from_the_template(runtime, moto_endpoint):
    result = runtime.invoke("IsolationBFunction", {}).result
    env = result["env"]
    assert env == {
        "AWS_LAMBDA_FUNCTION_NAME": "fixture-IsolationBFunction",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256", "_HANDLER": "app.handler",
        "LAMBDA_TASK_ROOT": result["cwd"], "AWS_REGION": "us-east-1",
        "RECORDS_TABLE": "fixture-RecordsTable", "STAGE": "test",
        # The function's own key: the endpoint authorises its calls against its role.
        "AWS_ENDPOINT_URL": moto_endpoint, "AWS_ACCESS_KEY_ID": "LOCALROLEIsolationBFunction",
        "TZ": "UTC",
        "HOME": None, "VIRTUAL_ENV": None,  # the host's environment is not inherited
    }
    context = result["context"]
    assert context["function_name"] == "fixture-IsolationBFunction"
    assert context["memory_limit_in_mb"] == 256
    assert context["invoked_function_arn"] == (
        "arn:aws:lambda:us-east-1:123456789012:function:fixture-IsolationBFunction")
    assert context["log_group_name"] == "/aws/lambda/fixture-IsolationBFunction"


def test_timeout_kills_the_worker_and_the_next_call_gets_a_fresh_one(runtime):
    warm = runtime.invoke("SleepyFunction", {"seconds": 0})
    timed_out = runtime.invoke("SleepyFunction", {"seconds": 5})
    assert timed_out.error["errorType"] == "Sandbox.Timedout"
    assert timed_out.error["errorMessage"].endswith("Task timed out after 1.00 seconds")
    again = runtime.invoke("SleepyFunction", {"seconds": 0})
    assert again.ok and again.result["pid"] != warm.result["pid"]


def test_handler_errors_come_back_as_lambda_reports_them(runtime):
    failed = runtime.invoke("SleepyFunction", {"raise": "bad input"})
    assert not failed.ok
    assert failed.error["errorType"] == "ValueError"
    assert failed.error["errorMessage"] == "bad input"
    assert failed.error["requestId"] == failed.request_id
    assert any("app.py" in frame for frame in failed.error["stackTrace"])
    assert runtime.invoke("SleepyFunction", {}).ok  # the environment survives an error


def test_a_warm_worker_is_reused(runtime):
    first = runtime.invoke("SleepyFunction", {})
    second = runtime.invoke("SleepyFunction", {})
    assert first.result["pid"] == second.result["pid"]


def test_function_output_goes_to_its_log_file(stack_template, moto_endpoint, tmp_path):
    runtime = Runtime(stack_template, endpoint_url=moto_endpoint, log_dir=tmp_path)
    try:
        assert runtime.invoke("SleepyFunction", {"seconds": 0}).ok
    finally:
        runtime.close()
    assert "sleeping 0" in (tmp_path / "SleepyFunction.log").read_text()
