"""portrait.store: every table model's connection and every boto3 client keeps a botocore
session of its own, but they all share one loader of botocore's service data, so a
service model, its endpoint rules and endpoints.json are parsed once a process, not once
a table or client (~75-200 ms of CPU each)."""
from __future__ import annotations

from collections import Counter

import botocore.loaders
import pytest

from portrait.store import aws, models, service_data
from tests.conftest import api_function_environment, reset_process_caches


@pytest.fixture
def api_settings(monkeypatch, template):
    for name, value in api_function_environment(template).items():
        monkeypatch.setenv(name, value)
    reset_process_caches()
    yield
    reset_process_caches()


@pytest.fixture
def files_read(monkeypatch) -> Counter:
    """Each botocore data file parsed from now on, counted (a process with no loader yet)."""
    counts: Counter = Counter()
    load_file = botocore.loaders.JSONFileLoader.load_file

    def counted(self, file_path):
        counts[file_path.rsplit("/data/", 1)[-1]] += 1
        return load_file(self, file_path)

    monkeypatch.setattr(botocore.loaders.JSONFileLoader, "load_file", counted)
    monkeypatch.setattr(service_data, "_loader", None)
    return counts


def _session(model):
    return models.bound(model)._get_connection().connection.session


def test_tables_and_clients_parse_each_data_file_once(api_settings, files_read) -> None:
    tables = [models.bound(m)._get_connection().connection
              for m in (models.UserItem, models.AvatarItem, models.GenerationItem)]
    assert len({id(t.session) for t in tables}) == 3  # credentials, config: per connection
    for table in tables:
        table.client  # noqa: B018 - built on first access
    aws.client("s3"), aws.client("sqs")
    assert files_read["dynamodb/2012-08-10/service-2"] == 1
    assert files_read["dynamodb/2012-08-10/endpoint-rule-set-1"] == 1
    assert files_read["endpoints"] == 1  # ~1 MB, once for five clients
    assert files_read["s3/2006-03-01/service-2"] == 1


def test_a_rebound_table_gets_a_new_session_that_shares_the_same_data(api_settings,
                                                                      monkeypatch) -> None:
    before = _session(models.UserItem)
    monkeypatch.setenv("USERS_TABLE", "another-users-table")
    reset_process_caches()  # settings re-read: the model is bound to the new table
    after = _session(models.UserItem)
    assert models.UserItem.Meta.table_name == "another-users-table"
    assert after is not before
    assert after.get_component("data_loader") is before.get_component("data_loader")
