"""portrait.store.models: every table model's connection keeps a botocore session of its
own, but they share one loader of botocore's service data, so DynamoDB's service model
and endpoint rules are parsed once a process, not once a table (~75 ms of CPU each)."""
from __future__ import annotations

import pytest

from portrait.store import models
from tests.conftest import api_function_environment, reset_process_caches


@pytest.fixture
def api_settings(monkeypatch, template):
    for name, value in api_function_environment(template).items():
        monkeypatch.setenv(name, value)
    reset_process_caches()
    yield
    reset_process_caches()


def _session(model):
    return models.bound(model)._get_connection().connection.session


def test_tables_share_the_service_data_and_keep_their_own_sessions(api_settings) -> None:
    users, avatars = _session(models.UserItem), _session(models.AvatarItem)
    assert users is not avatars  # credentials and config stay per connection
    assert users.get_component("data_loader") is avatars.get_component("data_loader")
    clients = [models.bound(m)._get_connection().connection.client
               for m in (models.UserItem, models.AvatarItem)]
    assert clients[0] is not clients[1]
    # The second client read the model the first one parsed: one cached load of it.
    loader = users.get_component("data_loader")
    cached = [key for key in loader._cache if key[0] == "load_service_model"
              and key[1] == "dynamodb" and key[2] == "service-2"]
    assert len(cached) == 1


def test_a_rebound_table_gets_a_new_session_that_shares_the_same_data(api_settings,
                                                                      monkeypatch) -> None:
    before = _session(models.UserItem)
    monkeypatch.setenv("USERS_TABLE", "another-users-table")
    reset_process_caches()  # settings re-read: the model is bound to the new table
    after = _session(models.UserItem)
    assert models.UserItem.Meta.table_name == "another-users-table"
    assert after is not before
    assert after.get_component("data_loader") is before.get_component("data_loader")
