"""The local operations page (`make dev`: /__local/ops/) in a real browser: after some
activity (an avatar processed, one rejected) its charts and its alarm list show real
data, and each count either shows figures or says why it is unavailable."""
from __future__ import annotations

import io
import re
import uuid

import pytest
import requests
from PIL import Image
from playwright.sync_api import expect

from tests.e2e.test_avatar_flow import _upload, _wait_until_settled

from .conftest import screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.browser]
PASSWORD = "a long admin passphrase"


def _admin(stack) -> str:
    name = f"ops_{uuid.uuid4().hex[:6]}"
    made = stack.portrait("admin", "create-user", "--admin", "--username", name, "--email",
                          f"{name}@example.com", "--name", "Operator", "--password-stdin",
                          stdin=PASSWORD + "\n")
    assert made.returncode == 0, made.stderr
    return name


def _activity(stack, admin: str) -> None:
    """An avatar processed and one rejected, uploaded by the admin (no second account)."""
    login = requests.post(stack.url("/auth/login"), json={"login": admin, "password": PASSWORD},
                          timeout=60)
    assert login.status_code == 200, login.text
    auth = {"Authorization": f"Bearer {login.json()['access_token']}"}
    picture = io.BytesIO()
    Image.new("RGB", (400, 400), (40, 90, 160)).save(picture, "JPEG")
    uploads = [_upload(stack, auth, picture.getvalue()),
               _upload(stack, auth, b"<html>no image</html>")]  # processed side by side
    done, rejected = (_wait_until_settled(stack, auth, avatar_id) for avatar_id in uploads)
    assert (done["status"], rejected["status"]) == ("ready", "rejected")


def _points(page, chart: str) -> int:
    return int(page.locator(f"figure[data-chart='{chart}']").get_attribute("data-points"))


def test_the_ops_page_shows_charts_alarms_and_counts(web, local_stack) -> None:
    page, _ = web
    admin = _admin(local_stack)
    _activity(local_stack, admin)
    page.goto(local_stack.url("/"))
    page.get_by_label("Username or email").fill(admin)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    # Signed in first: the footer's link shows before, and a page opened then has no token.
    expect(page.get_by_role("heading", name="Your avatar")).to_be_visible()
    link = page.get_by_role("link", name="Operations (local)")
    expect(link).to_be_visible()
    link.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("operations")

    # Charts: the metrics are those of the minutes just past; the page refreshes itself.
    for chart in ("api-requests", "api-latency", "avatars", "avatar-time"):
        expect(page.locator(f"figure[data-chart='{chart}']")).not_to_have_attribute(
            "data-points", "0")
    avatars = page.locator("figure[data-chart='avatars'] svg")
    expect(avatars).to_contain_text("AvatarProcessed")
    expect(avatars).to_contain_text("AvatarRejected unsupported_type")
    # The queues are sampled each minute, as SQS reports them, whether or not one is full.
    expect(page.locator("figure[data-chart='dlq']")).to_contain_text("queues sampled each minute")

    # Alarms: every alarm of the template, evaluated (none still at its initial state
    # but those the local stack cannot evaluate, which say why).
    rows = page.locator("#alarms tbody tr")
    expect(rows.first).to_be_visible()
    assert rows.count() >= 30
    expect(page.locator("tr[data-alarm='AvatarRejectionsAlarm']")).to_have_attribute(
        "data-state", "OK")
    for row in page.locator("tr[data-state='INSUFFICIENT_DATA']").all():
        expect(row.locator("td.reason")).to_contain_text("Not evaluated locally")

    # Counts: figures from the admin routes, or why a section is unavailable.
    cards = page.locator("#counts .count")
    expect(cards).to_have_count(4)
    for card in cards.all():
        if card.get_attribute("data-available") == "true":
            expect(card.locator("dd").first).to_have_text(re.compile(r"^\d+$"))
        else:
            expect(card).to_contain_text("unavailable")
            assert "401" not in card.inner_text(), "the admin's token was not used"
    screenshot(page, "ops-page")
