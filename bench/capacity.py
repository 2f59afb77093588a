"""Capacity and cost at 10 thousand, 1 million and 100 million users, from the per-flow
costs this repository measured (bench/flow_costs.json, made by bench/measure_flows.py).

    .venv/bin/python bench/capacity.py [--users 10000,1000000,100000000] [--dau 0.2]
        [--peak 3] [--mix avatar_upload=0.05,search=2,...] [--renderer face|model] [--json]

For each scale: the peak requests a second, Lambda concurrency per function (Little's
law: arrival rate x duration), DynamoDB units (on-demand cost, the provisioned
equivalent) and the keys that concentrate them on one partition, S3 request rates per
prefix, OpenSearch capacity units, GPU instances for portraits, the monthly bill by
service, and the limits in the order this load reaches them. docs/CAPACITY.md holds a
run's output and says where each assumption comes from.

Everything measured (requests, invocations, durations, read and write units, S3
requests and bytes, log bytes, metric series) comes from the JSON file; everything
assumed (the usage profile, prices, per-unit throughputs no one here can measure: a
GPU's seconds per image, an OCU's queries a second) is a named constant or flag below.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COSTS = ROOT / "bench" / "flow_costs.json"
SECONDS_A_DAY = 86_400
DAYS_A_MONTH = 30.4
HOURS_A_MONTH = 730

# ------------------------------------------------------------------ prices
# us-east-1 list prices in USD, looked up on 2026-12-07. "verified": seen on a page
# quoting AWS's price page during this work; "recalled": AWS's published figure as
# known to the author, not re-checked here (docs/CAPACITY.md, "Prices").
PRICES_DATE = "2026-12-07"
PRICES = {
    "lambda_gb_s_arm": (0.0000133334, "per GB-second, arm64, first 7.5 billion GB-s", "verified"),
    "lambda_gb_s_arm_tier2": (0.0000120001, "per GB-second, arm64, next 11.25 billion", "verified"),
    "lambda_request": (0.20 / 1e6, "per invocation", "verified"),
    "snapstart_cache_gb_s": (0.0000015046, "per GB-second of snapshot cache (Python)", "recalled"),
    "snapstart_restore_gb": (0.0001397998, "per GB restored (Python)", "recalled"),
    "http_api_request": (1.00 / 1e6, "per HTTP API request, first 300 million a month", "verified"),
    "http_api_request_tier2": (0.90 / 1e6, "per HTTP API request beyond 300 million", "verified"),
    "dynamodb_write_unit": (0.625 / 1e6, "per on-demand write request unit", "verified"),
    "dynamodb_read_unit": (0.125 / 1e6, "per on-demand read request unit", "verified"),
    "dynamodb_wcu_hour": (0.00065, "per provisioned WCU-hour", "verified"),
    "dynamodb_rcu_hour": (0.00013, "per provisioned RCU-hour", "verified"),
    "dynamodb_gb_month": (0.25, "per GB-month stored (Standard table class)", "recalled"),
    "dynamodb_pitr_gb_month": (0.20, "per GB-month of continuous backups", "recalled"),
    "s3_gb_month": (0.023, "per GB-month, S3 Standard, first 50 TB", "verified"),
    "s3_ia_gb_month": (0.0125, "per GB-month, Standard-IA (media originals)", "verified"),
    "s3_put": (0.005 / 1000, "per PUT, COPY, POST or LIST (Standard)", "verified"),
    "s3_get": (0.0004 / 1000, "per GET, HEAD (Standard)", "verified"),
    "s3_transfer_out_gb": (0.09, "per GB to the internet (presigned GETs), first 10 TB", "verified"),
    "cloudfront_gb": (0.085, "per GB to the internet, North America, first 10 TB (then "
                      "0.080 to 50 TB, 0.060 to 150 TB, 0.040 to 500 TB, 0.030 to 1 PB, 0.025)",
                      "recalled"),
    "cloudfront_request": (0.0100 / 10_000, "per HTTPS request, North America", "recalled"),
    "sqs_request": (0.40 / 1e6, "per standard-queue request (64 KB chunk)", "recalled"),
    "eventbridge_event": (1.00 / 1e6, "per custom event put (64 KB chunk)", "recalled"),
    "opensearch_ocu_hour": (0.24, "per OCU-hour, Serverless, indexing or search", "verified"),
    "opensearch_gb_month": (0.024, "per GB-month of Serverless managed storage", "verified"),
    "sagemaker_g5_xlarge_hour": (1.408, "per instance-hour, ml.g5.xlarge (README's table)", "recalled"),
    "logs_ingest_gb": (0.50, "per GB of CloudWatch Logs ingested (standard class)", "verified"),
    "logs_store_gb_month": (0.03, "per GB-month of CloudWatch Logs stored", "recalled"),
    "custom_metric_month": (0.30, "per custom metric series a month, first 10,000", "verified"),
    "alarm_month": (0.10, "per standard-resolution alarm a month", "recalled"),
    "dashboard_month": (3.00, "per dashboard a month (beyond 3 free)", "verified"),
    "xray_trace": (5.00 / 1e6, "per trace recorded (first 100,000 a month free)", "recalled"),
    "secret_month": (0.40, "per Secrets Manager secret a month", "recalled"),
    "secret_call": (0.05 / 10_000, "per Secrets Manager API call", "recalled"),
}


def price(name: str) -> float:
    return PRICES[name][0]


CLOUDFRONT_GB_TIERS = [(10_000, 0.085), (50_000, 0.080), (150_000, 0.060), (500_000, 0.040),
                       (1_000_000, 0.030), (math.inf, 0.025)]


# ------------------------------------------------------------------ the usage profile
# Flows per daily active user per day (register: per new user). Overridable with --mix.
DEFAULT_MIX = {
    "login": 0.3,            # most sessions resume with a refresh token
    "refresh": 4.0,          # access tokens live 15 minutes: an hour of use a day
    "view_profile": 8.0,     # profile pages opened (own and others')
    "avatar_redirect": 5.0,  # /users/{id}/avatar from clients that do not hold CDN URLs
    "update_profile": 0.05,
    "avatar_upload": 0.05,   # a new avatar every 20 active days
    "media_upload": 0.2,
    "create_project": 0.02,
    "view_project": 4.0,
    "search": 2.0,
    "suggest": 4.0,          # a suggestion query per few keystrokes
    "browse_poses": 0.3,
    "generation": 0.1,       # one portrait per ten active days
    # what the web client polls while an upload is processed (0.5 s, backing off to 3 s)
    "avatar_status": 0.15,   # ~3 polls an avatar (processing takes about a second)
    "media_list": 0.6,       # ~3 polls an image
    "generation_status": 0.8,  # ~8 polls a portrait (a render takes seconds)
}


@dataclass
class Profile:
    dau_share: float = 0.2           # daily active users / registered users
    peak_to_average: float = 3.0     # the busiest minute's rate / the day's mean rate
    monthly_growth: float = 0.05     # new registrations a month / registered users
    mix: dict = field(default_factory=lambda: dict(DEFAULT_MIX))
    cdn_views_per_dau: float = 60.0  # avatar and thumbnail images shown a day (via CloudFront)
    cdn_bytes_per_view: int = 12_000  # a small/medium WebP variant or a 300 px thumbnail
    cdn_hit_ratio: float = 0.95      # immutable keys: misses are first views per edge
    retention_months: float = 12.0   # months of uploads kept (storage grows with it)
    renderer: str = "face"           # face: RenderFunction on Lambda; model: the GPU endpoint
    gpu_seconds_per_render: float = 4.0  # SD 768 px, 20 steps on an A10G (README's table)
    gpu_utilisation: float = 0.7     # target tracking keeps a backlog of 2 per instance
    search_qps_per_ocu: float = 50.0  # assumed; OpenSearch publishes no per-OCU rate
    index_docs_per_ocu_s: float = 200.0  # assumed, likewise
    search_doc_bytes: int = 2_000
    dynamodb_bytes_per_user: int = 8_000  # user, guards, avatars, media, projects, ledger
    log_retention_days: int = 30     # template LogRetentionDays
    xray_sampled_share: float = 0.05  # X-Ray's default rule: 1 a second, then 5 %
    duration_scale: float = 1.0      # measured durations x this (see --duration-scale)


# ------------------------------------------------------------------ pure arithmetic
def littles_law(arrivals_per_second: float, seconds_each: float) -> float:
    """Requests in progress on average = arrival rate x time each spends in the system."""
    return arrivals_per_second * seconds_each


def read_units(item_bytes: int, consistent: bool = False, transactional: bool = False) -> float:
    """DynamoDB read units: 1 per started 4 KB strongly consistent, half that eventually
    consistent, 2 per 4 KB in a transaction."""
    blocks = max(1, math.ceil(item_bytes / 4096))
    if transactional:
        return blocks * 2.0
    return blocks * (1.0 if consistent else 0.5)


def peak_rate(per_day: float, peak_to_average: float) -> float:
    return per_day / SECONDS_A_DAY * peak_to_average


def provisioned_units(peak_units_per_second: float, target_utilisation: float = 0.7) -> int:
    """What auto scaling provisions to carry a peak at its target utilisation."""
    # rounded first: 700 / 0.7 is 1000.0000000000001 in floating point
    return math.ceil(round(peak_units_per_second / target_utilisation, 9)) \
        if peak_units_per_second else 0


def tiered(quantity: float, tiers: list[tuple[float, float]]) -> float:
    """Cost of `quantity` under [(up_to, unit_price), ...], the last up_to math.inf."""
    cost, below = 0.0, 0.0
    for up_to, unit in tiers:
        if quantity <= below:
            break
        cost += (min(quantity, up_to) - below) * unit
        below = up_to
    return cost


def instances(rate_per_second: float, seconds_each: float, utilisation: float) -> int:
    """Servers each doing one thing at a time, kept `utilisation` busy."""
    busy = littles_law(rate_per_second, seconds_each) / utilisation
    return math.ceil(round(busy, 9)) if rate_per_second else 0


# ------------------------------------------------------------------ the template
def template_facts() -> dict:
    """What the template fixes and the model needs: each function's memory, reserved
    concurrency, SQS MaximumConcurrency, batch size and trigger; the API's throttle;
    the alarms; the model endpoint's scaling limit."""
    sys.path.insert(0, str(ROOT / "infra" / "local"))
    from portrait_local.template import Template

    template = Template.load(ROOT / "template.yaml")
    functions = {}
    for lid, spec in template.functions().items():
        triggers = [e.get("Type") for e in spec.events.values()]
        caps = [(e.get("Properties") or {}).get("ScalingConfig", {}).get("MaximumConcurrency")
                for e in spec.events.values()]
        functions[lid] = {
            "memory_mb": spec.memory_size, "triggers": triggers,
            "reserved": spec.properties.get("ReservedConcurrentExecutions"),
            # the flows measured use the standard lane: a two-lane function's smaller cap
            "sqs_max_concurrency": min((c for c in caps if c), default=None),
            "snap_start": spec.snap_start,
        }
    resources = template.document["Resources"]
    parameters = template.document["Parameters"]
    return {
        "functions": functions,
        "api_rate_limit": float(parameters["ApiThrottlingRateLimit"]["Default"]),
        "api_burst_limit": float(parameters["ApiThrottlingBurstLimit"]["Default"]),
        "model_max_instances": int(parameters["ModelMaxInstances"]["Default"]),
        "alarms": sum(1 for r in resources.values() if r.get("Type") == "AWS::CloudWatch::Alarm"),
        "dashboards": sum(1 for r in resources.values()
                          if r.get("Type") == "AWS::CloudWatch::Dashboard") or 1,
        "queues_polled": sum(t.count("SQS") for f in functions.values()
                             for t in [f["triggers"]]),
        "secrets": sum(1 for r in resources.values()
                       if r.get("Type") == "AWS::SecretsManager::Secret"),
    }


# Indexes whose partition key is one constant (sparse "queues" the sweeps read): every
# write to them lands on one partition, whatever the table's size.
SINGLE_PARTITION_INDEXES = {
    "AvatarsTable/pending_uploads": "pending_upload = \"pending-upload\"",
    "AvatarsTable/soft_deleted": "purge_queue = \"soft-deleted\"",
    "MediaTable/pending_uploads": "pending_upload = \"pending-upload\"",
    "GenerationsTable/pending_uploads": "pending_upload = \"pending-upload\"",
    "GenerationsTable/renders_in_flight": "rendering = \"rendering\"",
    "WebhooksTable/due": "due = \"due\"",
}
PARTITION_WRITE_LIMIT, PARTITION_READ_LIMIT = 1_000, 3_000
TABLE_ON_DEMAND_LIMIT = 40_000  # default per-table on-demand throughput quota, each way
ACCOUNT_CONCURRENCY = 1_000
API_ACCOUNT_RPS = 10_000
S3_PREFIX_PUT, S3_PREFIX_GET = 3_500, 5_500
OPENSEARCH_MAX_OCU = 10  # the account's default maximum, search and indexing each
EVENTBRIDGE_PUT_EVENTS_RPS = 10_000  # us-east-1 PutEvents quota (entries are batched)


# ------------------------------------------------------------------ the model
def logical(name: str) -> str:
    """portrait-local-AvatarsTable/pending_uploads -> AvatarsTable/pending_uploads."""
    table, _, index = name.partition("/")
    table = table.rsplit("-", 1)[-1]
    return f"{table}/{index}" if index else table


def transactional_share(entry: dict, kind: str) -> float:
    total = entry.get(f"{kind}_units", 0.0)
    tx = entry.get(f"{kind}_units Transact{'Write' if kind == 'write' else 'Get'}Items", 0.0)
    return tx / total if total else 0.0


def model(costs: dict, facts: dict, profile: Profile, users: int) -> dict:  # noqa: PLR0915
    flows = costs["flows"]
    dau = users * profile.dau_share
    daily = {name: dau * rate for name, rate in profile.mix.items() if name in flows}
    if "register" in flows:
        daily["register"] = users * profile.monthly_growth / DAYS_A_MONTH
    peak = {name: peak_rate(n, profile.peak_to_average) for name, n in daily.items()}

    # ---------------------------------------------------------------- API, Lambda
    api_daily = sum(daily[f] * flows[f]["api_requests"] for f in daily)
    api_peak = sum(peak[f] * flows[f]["api_requests"] for f in daily)
    lambdas: dict[str, dict] = {}
    for f in daily:
        for function_id, m in flows[f]["functions"].items():
            if profile.renderer == "model" and function_id == "RenderFunction":
                continue  # the endpoint renders; RenderFunction is not invoked
            entry = lambdas.setdefault(function_id, {"daily": 0.0, "peak": 0.0, "gb_s": 0.0,
                                                     "concurrency": 0.0, "records": 0.0,
                                                     "memory_mb": m["memory_mb"]})
            seconds = m["duration_ms"] / 1000 * profile.duration_scale
            entry["daily"] += daily[f] * m["invocations"]
            entry["records"] += daily[f] * m["records"]
            entry["peak"] += peak[f] * m["invocations"]
            entry["concurrency"] += littles_law(peak[f] * m["invocations"], seconds)
            entry["gb_s"] += daily[f] * m["invocations"] * seconds * m["memory_mb"] / 1024
    for function_id, seen in costs.get("scheduled_functions", {}).items():
        firings = {"SweepTempFunction": 24, "SweepDeletedFunction": 1,
                   "SweepRendersFunction": 288, "WebhookSweepFunction": 1440}.get(function_id, 0)
        memory = facts["functions"][function_id]["memory_mb"]
        lambdas[function_id] = {"daily": firings, "peak": firings / SECONDS_A_DAY, "records": 0,
                                "gb_s": firings * seen["duration_ms"] / 1000 * memory / 1024,
                                "concurrency": littles_law(firings / SECONDS_A_DAY,
                                                           seen["duration_ms"] / 1000),
                                "memory_mb": memory, "scheduled": True}
    total_concurrency = sum(e["concurrency"] for e in lambdas.values())

    # ---------------------------------------------------------------- DynamoDB
    tables: dict[str, dict] = {}
    for f in daily:
        for name, entry in flows[f]["dynamodb"].items():
            key = logical(name)
            t = tables.setdefault(key, {"read_daily": 0.0, "write_daily": 0.0,
                                        "read_peak": 0.0, "write_peak": 0.0})
            for kind in ("read", "write"):
                units = entry.get(f"{kind}_units", 0.0)
                t[f"{kind}_daily"] += daily[f] * units
                t[f"{kind}_peak"] += peak[f] * units
    for t in tables.values():
        t["on_demand_month"] = DAYS_A_MONTH * (t["read_daily"] * price("dynamodb_read_unit") +
                                               t["write_daily"] * price("dynamodb_write_unit"))
        t["rcu"], t["wcu"] = provisioned_units(t["read_peak"]), provisioned_units(t["write_peak"])
        t["provisioned_month"] = HOURS_A_MONTH * (t["rcu"] * price("dynamodb_rcu_hour") +
                                                  t["wcu"] * price("dynamodb_wcu_hour"))
    hot = {}
    for index, key in SINGLE_PARTITION_INDEXES.items():
        t = tables.get(index, {"write_peak": 0.0, "read_peak": 0.0})
        hot[index] = {"key": key, "write_peak": t["write_peak"], "read_peak": t["read_peak"],
                      "share_of_partition": max(t["write_peak"] / PARTITION_WRITE_LIMIT,
                                                t["read_peak"] / PARTITION_READ_LIMIT)}
    dynamodb_storage_gb = users * profile.dynamodb_bytes_per_user / 1e9

    # ---------------------------------------------------------------- S3
    prefixes: dict[str, dict] = {}
    for f in daily:
        for prefix, ops in flows[f]["s3"].items():
            p = prefixes.setdefault(prefix, {"put_daily": 0.0, "get_daily": 0.0,
                                             "put_peak": 0.0, "get_peak": 0.0,
                                             "bytes_in_daily": 0.0, "bytes_out_daily": 0.0})
            for op, value in ops.items():
                op = op.removeprefix("client ")  # a browser's POST form or presigned GET
                if op.endswith("bytes_in"):
                    p["bytes_in_daily"] += daily[f] * value
                elif op.endswith("bytes_out"):
                    p["bytes_out_daily"] += daily[f] * value
                elif op in ("GetObject", "HeadObject"):
                    p["get_daily"] += daily[f] * value
                    p["get_peak"] += peak[f] * value
                elif op not in ("DeleteObject", "POST?delete") and not op.startswith("DELETE"):
                    p["put_daily"] += daily[f] * value  # PUT, COPY, POST, LIST; deletes are free
                    p["put_peak"] += peak[f] * value
    cdn_views_daily = dau * profile.cdn_views_per_dau
    cdn_gb_month = cdn_views_daily * DAYS_A_MONTH * profile.cdn_bytes_per_view / 1e9
    origin_gets_daily = cdn_views_daily * (1 - profile.cdn_hit_ratio)
    prefixes.setdefault("avatars/", {"put_daily": 0.0, "get_daily": 0.0, "put_peak": 0.0,
                                     "get_peak": 0.0, "bytes_in_daily": 0.0,
                                     "bytes_out_daily": 0.0})
    prefixes["avatars/"]["get_daily"] += origin_gets_daily
    prefixes["avatars/"]["get_peak"] += peak_rate(origin_gets_daily, profile.peak_to_average)
    kept = {p: v["bytes_in_daily"] for p, v in prefixes.items()
            if not p.startswith(("tmp/", "renders/"))}  # tmp/ and renders/ are swept
    stored_gb = {p: b * DAYS_A_MONTH * profile.retention_months / 1e9 for p, b in kept.items()}
    # Only what a browser downloads leaves AWS (a function's GET stays in the region: free)
    presigned_out_gb = sum(daily[f] * v for f in daily for ops in flows[f]["s3"].values()
                           for op, v in ops.items() if op == "client GetObject bytes_out") \
        * DAYS_A_MONTH / 1e9

    # ---------------------------------------------------------------- queues, events, search
    sqs_messages = sum(e["records"] for lid, e in lambdas.items()
                       if "SQS" in facts["functions"].get(lid, {}).get("triggers", []))
    sqs_invocations = sum(e["daily"] for lid, e in lambdas.items()
                          if "SQS" in facts["functions"].get(lid, {}).get("triggers", []))
    idle_polls = facts["queues_polled"] * 5 * 3 * 60 * 24  # 5 pollers, a 20 s long poll each
    sqs_requests_daily = sqs_messages + 2 * sqs_invocations + idle_polls
    events_daily = sum(daily[f] * flows[f]["eventbridge_entries"] for f in daily)
    events_calls_peak = sum(peak[f] * flows[f]["calls"].get("events:PutEvents", 0)
                            for f in daily)  # one entry a call as measured: an upper bound
    queries_peak = peak.get("search", 0) + peak.get("suggest", 0)
    index_docs_peak = sum(peak[f] * flows[f]["functions"].get("IndexFunction", {}).get("records", 0)
                          for f in daily)
    search_ocu = max(1, math.ceil(queries_peak / profile.search_qps_per_ocu))
    index_ocu = max(1, math.ceil(index_docs_peak / profile.index_docs_per_ocu_s))
    projects = users * profile.mix.get("create_project", 0) * profile.dau_share * DAYS_A_MONTH \
        * profile.retention_months
    search_gb = projects * profile.search_doc_bytes / 1e9

    # ---------------------------------------------------------------- portraits
    renders_per_generation = flows["generation"]["functions"].get("RenderFunction", {}).get(
        "invocations", 1.0) if "generation" in flows else 1.0
    renders_peak = peak.get("generation", 0) * renders_per_generation
    renders_daily = daily.get("generation", 0) * renders_per_generation
    gpu_peak = instances(renders_peak, profile.gpu_seconds_per_render, profile.gpu_utilisation)
    busy_hours = renders_daily * DAYS_A_MONTH * profile.gpu_seconds_per_render / 3600 \
        / profile.gpu_utilisation
    # Scaled to zero between bursts, each burst keeps an instance about 15 idle minutes
    # before scale-in (README, "The model endpoint"): sparse portraits pay that each, and
    # above ~100 a day the endpoint never reaches zero (one instance all month).
    idle_hours = min(HOURS_A_MONTH, renders_daily * DAYS_A_MONTH * 0.25)
    gpu_hours = max(busy_hours, idle_hours) if profile.renderer == "model" else 0.0

    # ---------------------------------------------------------------- logs, metrics
    log_gb_month = sum(daily[f] * sum(flows[f]["log_bytes"].values()) for f in daily) \
        * DAYS_A_MONTH / 1e9
    series = sum(len(v) for v in costs.get("metric_series", {}).values())
    invocations_daily = sum(e["daily"] for e in lambdas.values())
    traces_month = min(api_daily * DAYS_A_MONTH, SECONDS_A_DAY * DAYS_A_MONTH) + \
        profile.xray_sampled_share * max(0.0, (api_daily + invocations_daily) * DAYS_A_MONTH
                                         - SECONDS_A_DAY * DAYS_A_MONTH)
    secret_calls_daily = sum(daily[f] * flows[f]["calls"].get("secretsmanager:GetSecretValue", 0)
                             for f in daily)

    # ---------------------------------------------------------------- the bill
    gb_s_month = sum(e["gb_s"] for e in lambdas.values()) * DAYS_A_MONTH
    api_memory_gb = facts["functions"]["ApiFunction"]["memory_mb"] / 1024
    bill = {
        "Lambda": tiered(gb_s_month, [(7.5e9, price("lambda_gb_s_arm")),
                                      (math.inf, price("lambda_gb_s_arm_tier2"))])
        + invocations_daily * DAYS_A_MONTH * price("lambda_request")
        # SnapStart: ApiFunction's snapshot cache for one live version, all month
        + api_memory_gb * HOURS_A_MONTH * 3600 * price("snapstart_cache_gb_s")
        # and a restore per new instance: assume each instance serves ~2 hours
        + lambdas["ApiFunction"]["concurrency"] / profile.peak_to_average * HOURS_A_MONTH / 2
        * api_memory_gb * price("snapstart_restore_gb"),
        "API Gateway (HTTP API)": tiered(api_daily * DAYS_A_MONTH,
                                         [(300e6, price("http_api_request")),
                                          (math.inf, price("http_api_request_tier2"))]),
        "DynamoDB (on-demand)": sum(t["on_demand_month"] for t in tables.values())
        + dynamodb_storage_gb * (price("dynamodb_gb_month") + price("dynamodb_pitr_gb_month")),
        "S3": sum(v["put_daily"] for v in prefixes.values()) * DAYS_A_MONTH * price("s3_put")
        + sum(v["get_daily"] for v in prefixes.values()) * DAYS_A_MONTH * price("s3_get")
        + sum(gb for p, gb in stored_gb.items() if not p.startswith("media/")) * price("s3_gb_month")
        + stored_gb.get("media/", 0) * price("s3_ia_gb_month")
        + presigned_out_gb * price("s3_transfer_out_gb"),
        "CloudFront": tiered(cdn_gb_month, CLOUDFRONT_GB_TIERS)
        + cdn_views_daily * DAYS_A_MONTH * price("cloudfront_request"),
        "SQS": sqs_requests_daily * DAYS_A_MONTH * price("sqs_request"),
        "EventBridge": events_daily * DAYS_A_MONTH * price("eventbridge_event"),
        "OpenSearch Serverless": (search_ocu + index_ocu) * HOURS_A_MONTH
        * price("opensearch_ocu_hour") + search_gb * price("opensearch_gb_month"),
        "SageMaker (GPU)": gpu_hours * price("sagemaker_g5_xlarge_hour"),
        "CloudWatch": log_gb_month * (price("logs_ingest_gb") + price("logs_store_gb_month")
                                      * profile.log_retention_days / DAYS_A_MONTH)
        + series * price("custom_metric_month") + facts["alarms"] * price("alarm_month")
        + facts["dashboards"] * price("dashboard_month"),
        "X-Ray": max(0.0, traces_month - 100_000) * price("xray_trace"),
        "Secrets Manager": facts["secrets"] * price("secret_month")
        + secret_calls_daily * DAYS_A_MONTH * price("secret_call"),
    }

    # ---------------------------------------------------------------- the limits
    limits = []

    def limit(name: str, demand: float, capacity: float, unit: str, change: str,
              setting: str = "") -> None:
        """`setting`: the value that carries this demand with 30 % headroom, shown once
        the demand reaches half the capacity."""
        use = demand / capacity if capacity else math.inf
        if setting and use >= 0.5:
            change = f"{change}: {setting.format(math.ceil(round(demand / 0.7, 9)))}"
        limits.append({"limit": name, "demand": demand, "capacity": capacity, "unit": unit,
                       "use": use, "change": change,
                       # demand grows with the users (floors aside): where it meets capacity
                       "reached_at": users / use if use else math.inf})

    limit("API stage throttle (ApiThrottlingRateLimit)", api_peak, facts["api_rate_limit"],
          "req/s", "raise the template parameters", "ApiThrottlingRateLimit={}, "
          "ApiThrottlingBurstLimit twice that")
    limit("API Gateway account throughput", api_peak, API_ACCOUNT_RPS, "req/s",
          "Service Quotas increase; cache public GETs (profiles, poses, projects) in CloudFront",
          "a quota of {} req/s")
    limit("Lambda account concurrency", total_concurrency, ACCOUNT_CONCURRENCY, "executions",
          "Service Quotas increase (tens of thousands are granted); ReservedConcurrentExecutions "
          "on ApiFunction so queue consumers cannot starve the API", "a quota of {}")
    for function_id, f in facts["functions"].items():
        cap = f["sqs_max_concurrency"] or f["reserved"]
        if cap and function_id in lambdas:
            both = "ReservedConcurrentExecutions and ScalingConfig.MaximumConcurrency together"
            limit(f"{function_id} concurrency cap ({'SQS MaximumConcurrency' if f['sqs_max_concurrency'] else 'reserved'})",
                  lambdas[function_id]["concurrency"], cap, "executions",
                  "the queue's backlog grows; raise " + (both if f["sqs_max_concurrency"] else
                                                         "ReservedConcurrentExecutions and BatchSize"),
                  "to {}")
    for index, h in hot.items():
        limit(f"one partition: {index}", h["write_peak"], PARTITION_WRITE_LIMIT, "WCU/s",
              "throttles every write that sets or clears the key (GSI back-pressure); "
              "shard the constant key (pending-upload#0..N-1 by a hash of the id), the sweep "
              "querying each shard", f"{math.ceil(h['write_peak'] / 700)} shards")
    for name, t in tables.items():
        if "/" not in name:
            limit(f"table on-demand quota: {name}", max(t["read_peak"], t["write_peak"]),
                  TABLE_ON_DEMAND_LIMIT, "units/s", "Service Quotas increase, or provisioned "
                  "capacity with auto scaling", "{} units/s")
    for prefix, p in prefixes.items():
        limit(f"S3 prefix PUT rate: {prefix}", p["put_peak"], S3_PREFIX_PUT, "req/s",
              "none needed: keys start {kind}/{user_id}/ and S3 splits partitions under load "
              "(retry 503 SlowDown meanwhile)")
        limit(f"S3 prefix GET rate: {prefix}", p["get_peak"], S3_PREFIX_GET, "req/s",
              "CloudFront in front (ServeMediaViaCdn=true) absorbs the reads")
    limit("EventBridge PutEvents", events_calls_peak, EVENTBRIDGE_PUT_EVENTS_RPS, "req/s",
          "Service Quotas increase; a fuller stream batch puts up to 10 entries a call",
          "a quota of {} req/s")
    # the load's own need, not the collection's 1-OCU floor: it grows with the users
    limit("OpenSearch Serverless search OCUs", queries_peak / profile.search_qps_per_ocu,
          OPENSEARCH_MAX_OCU, "OCU",
          "raise the account's capacity limits (UpdateAccountSettings, outside the "
          "template)", "{} search OCUs")
    if profile.renderer == "model":
        # unrounded: the instances' busy share grows with the users, the whole ones do not
        limit("model endpoint instances (ModelMaxInstances)",
              littles_law(renders_peak, profile.gpu_seconds_per_render) / profile.gpu_utilisation,
              facts["model_max_instances"], "instances",
              "raise ModelMaxInstances (the template allows 20) and the account's ml.g5 "
              "quota", "ModelMaxInstances={}")
    limits.sort(key=lambda x: x["reached_at"])

    return {
        "users": users, "dau": dau, "daily": daily, "peak": peak,
        "api_peak": api_peak, "api_daily": api_daily, "lambdas": lambdas,
        "total_concurrency": total_concurrency, "tables": tables, "hot": hot,
        "prefixes": prefixes, "stored_gb": stored_gb, "cdn_gb_month": cdn_gb_month,
        "sqs_requests_daily": sqs_requests_daily, "events_daily": events_daily,
        "search_ocu": search_ocu, "index_ocu": index_ocu, "queries_peak": queries_peak,
        "renders_peak": renders_peak, "gpu_peak": gpu_peak, "gpu_hours": gpu_hours,
        "log_gb_month": log_gb_month, "metric_series": series, "bill": bill,
        "total": sum(bill.values()), "limits": limits,
    }


# ------------------------------------------------------------------ printing
def human(n: float) -> str:
    for unit, size in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(n) >= size:
            return f"{n / size:.1f}{unit}"
    return f"{n:.2f}" if abs(n) < 10 and n != int(n) else f"{n:.0f}"


def table(headers: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def report(costs: dict, results: list[dict], profile: Profile) -> str:
    out = [f"Per-flow costs measured {costs['measured_at']} at commit {costs['commit'][:10]} "
           f"({costs['how']}); prices us-east-1 as of {PRICES_DATE}.",
           f"Profile: {profile.dau_share:.0%} of users active a day, peak {profile.peak_to_average:g}x "
           f"the daily mean, {profile.monthly_growth:.0%} new users a month, renderer "
           f"{profile.renderer}; flows per active user a day: "
           + ", ".join(f"{k} {v:g}" for k, v in profile.mix.items()), ""]
    scales = [human(r["users"]) + " users" for r in results]
    out.append("## What one flow costs (measured)\n")
    rows = []
    for name, f in costs["flows"].items():
        gb_s = sum(m["invocations"] * m["duration_ms"] / 1000 * m["memory_mb"] / 1024
                   for m in f["functions"].values())
        requests = [(op.removeprefix("client "), v) for ops in f["s3"].values()
                    for op, v in ops.items() if " " not in op.removeprefix("client ")]
        s3_put = sum(v for op, v in requests
                     if op not in ("GetObject", "HeadObject", "DeleteObject", "POST?delete"))
        s3_get = sum(v for op, v in requests if op in ("GetObject", "HeadObject"))
        stored = sum(v for p, ops in f["s3"].items() for op, v in ops.items()
                     if op.endswith("bytes_in") and not p.startswith(("tmp/", "renders/")))
        rows.append([name, f"{f['api_requests']:g}",
                     ", ".join(f"{k} {m['invocations']:g}×{m['duration_ms']:.0f} ms"
                               for k, m in f["functions"].items()),
                     f"{gb_s:.3f}",
                     f"{sum(v.get('read_units', 0) for v in f['dynamodb'].values()):g}",
                     f"{sum(v.get('write_units', 0) for v in f['dynamodb'].values()):g}",
                     f"{s3_put:g} / {s3_get:g}", human(stored) + "B",
                     f"{f['eventbridge_entries']:g}", human(sum(f["log_bytes"].values())) + "B"])
    out.append(table(["flow", "API req", "invocations × mean duration", "GB-s",
                      "read units", "write units", "S3 PUT / GET", "S3 kept", "events",
                      "log bytes"], rows))
    out.append("\nRead and write units include the secondary indexes' (the per-index split is "
               "in bench/flow_costs.json).\n")
    out.append("## Load at the peak\n")
    rows = [["API requests/s", *[human(r["api_peak"]) for r in results]],
            ["Lambda concurrency (all functions)", *[f"{r['total_concurrency']:.1f}" for r in results]],
            ["search + suggest queries/s", *[human(r["queries_peak"]) for r in results]],
            ["portrait renders/s", *[f"{r['renders_peak']:.3f}" for r in results]],
            ["OpenSearch OCUs (search + indexing)", *[f"{r['search_ocu']} + {r['index_ocu']}"
                                                      for r in results]],
            ["GPU instances at the peak (Renderer=model)",
             *[str(instances(r["renders_peak"], profile.gpu_seconds_per_render,
                             profile.gpu_utilisation)) for r in results]]]
    out.append(table(["", *scales], rows))
    out.append("\n## Lambda concurrency per function at the peak (rate x duration)\n")
    functions = sorted({f for r in results for f in r["lambdas"]},
                       key=lambda f: -results[-1]["lambdas"].get(f, {}).get("concurrency", 0))
    rows = [[f, str(results[0]["lambdas"][f]["memory_mb"]),
             *[f"{r['lambdas'][f]['peak']:.2f}/s → {r['lambdas'][f]['concurrency']:.2f}"
               if r["lambdas"][f]["peak"] < 10 else
               f"{human(r['lambdas'][f]['peak'])}/s → {r['lambdas'][f]['concurrency']:.0f}"
               for r in results]] for f in functions]
    out.append(table(["function", "MB", *scales], rows))
    out.append("\n## DynamoDB at the peak: units/s read / write (on-demand $/month; "
               "provisioned RCU/WCU at 70 %, $/month)\n")
    names = sorted({t for r in results for t in r["tables"]},
                   key=lambda t: -results[-1]["tables"][t]["write_daily"])
    rows = [[t, *[f"{human(r['tables'][t]['read_peak'])} / {human(r['tables'][t]['write_peak'])} "
                  f"(${human(r['tables'][t]['on_demand_month'])}; {human(r['tables'][t]['rcu'])}/"
                  f"{human(r['tables'][t]['wcu'])} ${human(r['tables'][t]['provisioned_month'])})"
                  for r in results]] for t in names]
    out.append(table(["table / index", *scales], rows))
    out.append("\n## Keys on one partition (1,000 WCU/s, 3,000 RCU/s each): peak write units/s\n")
    rows = [[i, f"`{results[0]['hot'][i]['key']}`",
             *[f"{r['hot'][i]['write_peak']:.2f} ({r['hot'][i]['share_of_partition']:.1%})"
               for r in results]] for i in SINGLE_PARTITION_INDEXES]
    out.append(table(["index", "key", *scales], rows))
    out.append("\n## S3 requests/s at the peak per prefix: PUT-class / GET-class "
               "(limits 3,500 / 5,500 per partition)\n")
    prefixes = sorted({p for r in results for p in r["prefixes"]})
    rows = [[p, *[f"{human(r['prefixes'][p]['put_peak'])} / {human(r['prefixes'][p]['get_peak'])}"
                  for r in results]] for p in prefixes]
    out.append(table(["prefix", *scales], rows))
    out.append("\n## Monthly bill (USD)\n")
    services = list(results[0]["bill"])
    rows = [[s, *[f"{r['bill'][s]:,.0f}" if r["bill"][s] >= 10 else f"{r['bill'][s]:,.2f}"
                  for r in results]] for s in services]
    rows.append(["**total**", *[f"**{r['total']:,.0f}**" for r in results]])
    rows.append(["per registered user", *[f"${r['total'] / r['users']:.4f}" for r in results]])
    out.append(table(["service", *scales], rows))
    out.append("\n## Limits, nearest first\n")
    for r in results:
        out.append(f"\n**{human(r['users'])} users** — first limit: "
                   + (f"{r['limits'][0]['limit']} at {r['limits'][0]['use']:.0%}"
                      if r["limits"][0]["use"] >= 1 else
                      f"none reached; nearest {r['limits'][0]['limit']} at "
                      f"{r['limits'][0]['use']:.0%}") + "\n")
        rows = [[x["limit"], f"{x['demand']:,.2f} / {x['capacity']:,.0f} {x['unit']}",
                 f"{x['use']:.0%}", human(x["reached_at"]), x["change"]]
                for x in r["limits"] if x["use"] >= 0.05 or x is r["limits"][0]][:8]
        out.append(table(["limit", "demand / capacity", "use", "reached at (users)",
                          "what to change"], rows))
    out.append(f"\n## Prices used (us-east-1, {PRICES_DATE})\n")
    out.append(table(["item", "USD", "unit", "source"],
                     [[name, f"{value:.10g}", unit, checked]
                      for name, (value, unit, checked) in PRICES.items()]))
    return "\n".join(out)


def parse_mix(text: str, base: dict) -> dict:
    mix = dict(base)
    for part in filter(None, text.split(",")):
        name, _, value = part.partition("=")
        if name not in mix:
            raise SystemExit(f"--mix: unknown flow {name!r} (known: {', '.join(mix)})")
        mix[name] = float(value)
    return mix


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--costs", default=str(COSTS))
    parser.add_argument("--users", default="10000,1000000,100000000")
    parser.add_argument("--dau", type=float, default=Profile.dau_share)
    parser.add_argument("--peak", type=float, default=Profile.peak_to_average)
    parser.add_argument("--growth", type=float, default=Profile.monthly_growth)
    parser.add_argument("--mix", default="", help="flow=per-active-user-per-day,...")
    parser.add_argument("--renderer", choices=("face", "model"), default=Profile.renderer)
    parser.add_argument("--gpu-seconds", type=float, default=Profile.gpu_seconds_per_render)
    parser.add_argument("--qps-per-ocu", type=float, default=Profile.search_qps_per_ocu)
    parser.add_argument("--duration-scale", type=float, default=Profile.duration_scale,
                        help="multiply every measured duration (e.g. 0.5 if measured on a "
                             "machine twice as busy as Lambda's CPUs)")
    parser.add_argument("--json", action="store_true", help="the figures as JSON")
    args = parser.parse_args(argv)
    costs = json.loads(Path(args.costs).read_text())
    profile = replace(Profile(), dau_share=args.dau, peak_to_average=args.peak,
                      monthly_growth=args.growth, renderer=args.renderer,
                      gpu_seconds_per_render=args.gpu_seconds,
                      search_qps_per_ocu=args.qps_per_ocu, duration_scale=args.duration_scale,
                      mix=parse_mix(args.mix, DEFAULT_MIX))
    facts = template_facts()
    results = [model(costs, facts, profile, int(float(u))) for u in args.users.split(",")]
    if args.json:
        print(json.dumps(results, indent=1, default=str))
    else:
        print(report(costs, results, profile))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
