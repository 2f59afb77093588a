"""The Webhooks page in a real browser against `portrait dev`: an endpoint registered (its
secret shown once), a test event sent and seen delivered in the log, the delivery verified
by a receiver with the secret the page showed, disabled, deleted."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect
from standardwebhooks import Webhook

from tests.integration.webhooks.receiver import Receiver

from .conftest import assert_accessible_basics, screenshot
from .helpers import sign_up

pytestmark = [pytest.mark.e2e, pytest.mark.browser]
DELIVERED_MS = 120_000  # a queue consumer's first cold start on a busy machine


def test_register_test_and_remove_an_endpoint(web, local_stack) -> None:
    page, _ = web
    sign_up(page, local_stack)
    with Receiver() as receiver:
        page.get_by_role("link", name="Webhooks").click()
        expect(page.get_by_role("heading", name="Webhooks", level=1)).to_be_visible()
        expect(page.get_by_text("No endpoints yet.")).to_be_visible()
        page.get_by_label("URL").fill(receiver.url)
        page.get_by_label("Events").fill("project.created, media.ready")
        page.get_by_label("Description").fill("my backend")
        page.get_by_role("button", name="Add endpoint").click()
        secret = page.locator("code.secret").inner_text()
        assert secret.startswith("whsec_")
        card = page.locator("article.webhook")
        expect(card.locator(".badge")).to_have_text("active")
        assert_accessible_basics(page)

        card.get_by_role("button", name="Send test").click()
        (request,) = receiver.wait_for(1, deadline_seconds=DELIVERED_MS / 1000)
        assert Webhook(secret).verify(request.body, request.headers)["type"] == "webhook.test"
        for _ in range(240):  # the log says so once the attempt is recorded
            card.get_by_role("button", name="Deliveries").click()
            # text_content, not inner_text: the badge is drawn upper-case by CSS, and
            # inner_text answers what is drawn.
            if (card.locator("tbody .badge").first.text_content() or "").strip() == "succeeded":
                break
            page.wait_for_timeout(500)
        expect(card.locator("tbody .badge").first).to_have_text("succeeded")
        screenshot(page, "webhooks")

        card.get_by_role("button", name="Disable").click()
        expect(page.locator("article.webhook .badge").first).to_have_text("disabled")
        page.locator("article.webhook").get_by_role("button", name="Delete").click()
        expect(page.get_by_text("No endpoints yet.")).to_be_visible()
