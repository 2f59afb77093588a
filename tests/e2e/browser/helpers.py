"""Steps the browser tests share: sign up through the pages, upload through the pages."""
from __future__ import annotations

import uuid

from playwright.sync_api import expect

PASSWORD = "a picture is worth"


def sign_up(page, stack, *, name: str = "Ada Lovelace") -> str:
    """Create an account through the sign-up page; returns the username."""
    username = f"web_{uuid.uuid4().hex[:8]}"
    page.goto(stack.url("/"))
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    page.get_by_role("link", name="Create an account").click()
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Username", exact=True).fill(username)
    page.get_by_label("Email", exact=True).fill(f"{username}@example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Your avatar")).to_be_visible()
    return username


def pick_avatar_file(page, name: str, body: bytes, mime: str) -> None:
    page.locator("#avatar-file").set_input_files(files=[{"name": name, "mimeType": mime, "buffer": body}])


def access_token(page) -> str:
    return page.evaluate("JSON.parse(localStorage.getItem('portrait.session')).access_token")
