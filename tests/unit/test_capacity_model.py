"""The capacity model's arithmetic (bench/capacity.py): Little's law, DynamoDB's read
rounding, provisioning at a target utilisation, tiered prices, and how one measured
flow becomes peak rates, concurrency and partition load. Not the published figures:
those depend on the measured costs and the profile."""
from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def capacity():
    spec = importlib.util.spec_from_file_location("capacity_model", ROOT / "bench" / "capacity.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["capacity_model"] = module
    spec.loader.exec_module(module)
    return module


def test_littles_law_is_rate_times_time(capacity):
    assert capacity.littles_law(120.0, 0.25) == pytest.approx(30.0)
    assert capacity.littles_law(0.0, 5.0) == 0.0


@pytest.mark.parametrize(("size", "consistent", "transactional", "units"), [
    (0, False, False, 0.5),      # an empty or missing read still reads one block
    (4096, False, False, 0.5),
    (4097, False, False, 1.0),   # a started 4 KB block counts whole
    (4097, True, False, 2.0),    # strongly consistent: twice
    (5000, False, True, 4.0),    # transactional: 2 units a block
])
def test_read_units_round_up_to_4kb_blocks(capacity, size, consistent, transactional, units):
    assert capacity.read_units(size, consistent, transactional) == units


def test_provisioned_units_carry_the_peak_at_the_target_utilisation(capacity):
    assert capacity.provisioned_units(700.0, 0.7) == 1000
    assert capacity.provisioned_units(700.1, 0.7) == 1001
    assert capacity.provisioned_units(0.0) == 0


def test_tiered_prices_charge_each_band_at_its_rate(capacity):
    tiers = [(300e6, 1.00e-6), (math.inf, 0.90e-6)]
    assert capacity.tiered(100e6, tiers) == pytest.approx(100.0)
    assert capacity.tiered(400e6, tiers) == pytest.approx(300.0 + 90.0)
    assert capacity.tiered(0, tiers) == 0.0


def test_instances_round_up_busy_servers(capacity):
    # 1 render a second, 4 s each, kept 70 % busy: 5.7 -> 6 instances
    assert capacity.instances(1.0, 4.0, 0.7) == 6
    assert capacity.instances(0.0, 4.0, 0.7) == 0


def test_peak_rate_spreads_a_day_then_applies_the_peak_factor(capacity):
    assert capacity.peak_rate(86_400, 3.0) == pytest.approx(3.0)


def test_logical_names_drop_the_stack_prefix(capacity):
    assert capacity.logical("portrait-local-AvatarsTable/pending_uploads") == \
        "AvatarsTable/pending_uploads"
    assert capacity.logical("portrait-prod-UsersTable") == "UsersTable"


def synthetic_costs() -> dict:
    """One flow: one API request, one 200 ms invocation of ApiFunction, 2 write units on
    a single-partition index, one PUT under avatars/."""
    flow = {"api_requests": 1.0, "eventbridge_entries": 0.0, "calls": {}, "log_bytes": {},
            "functions": {"ApiFunction": {"invocations": 1.0, "records": 0.0,
                                          "duration_ms": 200.0, "memory_mb": 512}},
            "dynamodb": {"x-AvatarsTable": {"write_units": 1.0},
                         "x-AvatarsTable/pending_uploads": {"write_units": 2.0}},
            "s3": {"avatars/": {"PutObject": 1.0, "PutObject bytes_in": 1000.0}}}
    return {"flows": {"avatar_upload": flow, "generation": {**flow, "functions": {}}},
            "scheduled_functions": {}, "metric_series": {}}


def synthetic_facts() -> dict:
    return {"functions": {"ApiFunction": {"memory_mb": 512, "triggers": ["HttpApi"],
                                          "reserved": None, "sqs_max_concurrency": None,
                                          "snap_start": True}},
            "api_rate_limit": 100.0, "api_burst_limit": 200.0, "model_max_instances": 2,
            "alarms": 0, "dashboards": 1, "queues_polled": 0, "secrets": 0}


def test_one_flow_becomes_peak_rates_concurrency_and_partition_load(capacity):
    profile = capacity.Profile(dau_share=0.5, peak_to_average=2.0,
                               mix={"avatar_upload": 1.0, "generation": 0.0})
    result = capacity.model(synthetic_costs(), synthetic_facts(), profile, users=172_800)
    # 86,400 uploads a day = 1/s on average, 2/s at the peak
    assert result["api_peak"] == pytest.approx(2.0)
    assert result["lambdas"]["ApiFunction"]["concurrency"] == pytest.approx(2.0 * 0.2)
    hot = result["hot"]["AvatarsTable/pending_uploads"]
    assert hot["write_peak"] == pytest.approx(4.0)
    assert hot["share_of_partition"] == pytest.approx(4.0 / capacity.PARTITION_WRITE_LIMIT)
    assert result["prefixes"]["avatars/"]["put_peak"] == pytest.approx(2.0)
    # 2 req/s against the template's 100 req/s stage throttle: 2 % of it
    throttle = next(x for x in result["limits"] if x["limit"].startswith("API stage"))
    assert throttle["use"] == pytest.approx(0.02)
