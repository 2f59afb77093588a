"""The web client in a real browser against `portrait dev`: accounts, profile, avatar
upload straight to the bucket with progress, the five variants, history with restore
and delete, rejections, rate limits and expired sessions."""
from __future__ import annotations

import re
import uuid
from urllib.parse import urlsplit

import pytest
import requests
from playwright.sync_api import expect

from portrait.sizes import AVATAR_SIZES

from tests.unit.imaging import corpus

from .conftest import DESKTOP, PHONE, assert_accessible_basics, screenshot
from .helpers import PASSWORD, access_token, pick_avatar_file, sign_up

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

SIZES = AVATAR_SIZES  # portrait.sizes: the one table


def _landscape_jpeg(width: int = 1600, height: int = 1200) -> bytes:
    return corpus.encode(corpus.marked_landscape(width, height), "JPEG", quality=90)


def _api_member(stack) -> dict[str, str]:
    name = f"cors_{uuid.uuid4().hex[:8]}"
    created = requests.post(stack.url("/auth/register"), timeout=60, json={
        "username": name, "email": f"{name}@example.com", "password": PASSWORD, "name": name})
    assert created.status_code == 201, created.text
    login = requests.post(stack.url("/auth/login"), json={"login": name, "password": PASSWORD},
                          timeout=60)
    return {"Authorization": f"Bearer {login.json()['access_token']}"}


def _current_avatar_id(page) -> str:
    return page.locator(".history li.is-current").get_attribute("data-avatar-id")


def test_config_json_names_the_api(local_stack) -> None:
    reply = requests.get(local_stack.url("/config.json"), timeout=60)
    assert reply.status_code == 200
    # The local stack's operations page, linked from the footer (absent from a deployed one).
    assert reply.json() == {"apiBaseUrl": local_stack.api_url,
                            "opsPageUrl": local_stack.url("/__local/ops/")}
    assert reply.headers["cache-control"] == "no-store"
    index = requests.get(local_stack.url("/"), timeout=60)
    assert index.status_code == 200 and 'src="js/app.js"' in index.text
    csp = index.headers["content-security-policy"]
    assert f"connect-src 'self' {local_stack.api_url} {local_stack.s3_url};" in csp
    script = requests.get(local_stack.url("/js/app.js"), timeout=60)
    assert "javascript" in script.headers["content-type"]


def test_bucket_answers_the_pages_cors_preflights(local_stack) -> None:
    """The page (the API's origin) posts to and reads from the bucket (another origin)."""
    origin = local_stack.api_url
    auth = _api_member(local_stack)
    form = requests.post(local_stack.url("/me/avatar/uploads"), headers=auth,
                         json={"content_type": "image/png"}, timeout=60).json()
    assert urlsplit(form["url"]).netloc == urlsplit(local_stack.s3_url).netloc

    for method in ("POST", "GET"):
        preflight = requests.options(form["url"], timeout=60, headers={
            "Origin": origin, "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": "content-type"})
        assert preflight.status_code == 200, preflight.text
        assert preflight.headers["access-control-allow-origin"] == origin
        assert method in preflight.headers["access-control-allow-methods"]

    # The bucket's rules come from the template: an origin they do not name is refused.
    stranger = requests.options(form["url"], timeout=60, headers={
        "Origin": "http://127.0.0.1:1", "Access-Control-Request-Method": "POST"})
    assert stranger.status_code == 403


def test_sign_up_upload_five_variants_restore(web, local_stack) -> None:
    page, recorder = web
    sign_up(page, local_stack)
    assert_accessible_basics(page)
    screenshot(page, "avatar-empty")

    # First upload: straight to the bucket endpoint, with a progress bar.
    pick_avatar_file(page, "red-landscape.jpg", _landscape_jpeg(), "image/jpeg")
    expect(page.get_by_text("Your new avatar is ready")).to_be_visible(timeout=60_000)
    uploads = recorder.posts_to(local_stack.s3_url)
    assert len(uploads) == 1, recorder.requests
    assert urlsplit(uploads[0]).netloc == urlsplit(local_stack.s3_url).netloc
    expect(page.locator("progress")).to_have_attribute("value", "100")

    # Five variants side by side, each captioned with the pixel size the browser decoded.
    variants = page.locator(".variants li")
    expect(variants).to_have_count(5)
    for size, side in SIZES.items():
        figure = page.locator(f".variants li[data-size='{size}']")
        expect(figure).to_contain_text(f"{side} × {side} px")
        # Looked up afresh on every poll: the page may redraw the list (a poll, a refresh)
        # between finding an image and reading it.
        natural = page.wait_for_function(
            """selector => { const img = document.querySelector(selector);
                return img && img.complete && img.naturalWidth > 0
                    && [img.naturalWidth, img.naturalHeight]; }""",
            arg=f".variants li[data-size='{size}'] img").json_value()
        assert natural == [side, side]
    # Each size drawn larger than the one before (not three identical 200 px squares).
    shown = [page.locator(f".variants li[data-size='{size}'] img").evaluate(
        "img => img.getBoundingClientRect().width") for size in SIZES]
    assert all(a < b for a, b in zip(shown, shown[1:])), shown
    expect(page.locator(".variants li[data-size='full']")).to_contain_text("shown at")
    first_id = _current_avatar_id(page)
    # The big picture and its line in the history are two images: each says which it is.
    expect(page.get_by_alt_text("Your current avatar", exact=True)).to_have_count(1)
    expect(page.locator(".history li.is-current img")).to_have_attribute(
        "alt", re.compile(r"^Uploaded avatar added .+, the current one$"))
    assert_accessible_basics(page)
    screenshot(page, "avatar-ready")

    # A second upload replaces it; the first goes to the history, restorable.
    pick_avatar_file(page, "blue-square.png",
                     corpus.encode(corpus.quadrants(800, 800), "PNG"), "image/png")
    expect(page.get_by_text("Your new avatar is ready")).to_be_visible(timeout=60_000)
    expect(page.locator(".history li.is-current")).not_to_have_attribute("data-avatar-id", first_id)
    second_id = _current_avatar_id(page)
    older = page.locator(f".history li[data-avatar-id='{first_id}']")
    expect(older).to_have_attribute("data-status", "deleted")
    expect(older).to_contain_text("Restorable until")
    # Set aside by the upload, not deleted by its owner: the entry says so.
    expect(older.locator(".badge")).to_have_text("Replaced")
    expect(older).to_contain_text("Replaced when a newer avatar became current.")
    screenshot(page, "avatar-history")

    older.get_by_role("button", name="Restore").click()
    expect(page.get_by_text("Avatar restored")).to_be_visible()
    expect(page.locator(".history li.is-current")).to_have_attribute("data-avatar-id", first_id)
    expect(page.locator(".variants li")).to_have_count(5)

    # Any avatar of the history can be deleted from its entry. The one the restore
    # replaced is deleted already: it offers Restore, not Delete.
    replaced = page.locator(f".history li[data-avatar-id='{second_id}']")
    expect(replaced).to_have_attribute("data-status", "deleted")
    expect(replaced.get_by_role("button", name=re.compile("^Restore the avatar added "))).to_be_visible()
    expect(replaced.get_by_role("button", name=re.compile("^Delete"))).to_have_count(0)
    restored = page.locator(f".history li[data-avatar-id='{first_id}']")
    restored.get_by_role("button", name=re.compile("^Delete the avatar added ")).click()
    expect(page.get_by_text("Avatar deleted. You can restore it")).to_be_visible()
    expect(restored).to_have_attribute("data-status", "deleted")
    expect(restored).to_contain_text("Restorable until")
    expect(restored.get_by_role("button", name=re.compile("^Restore the avatar added "))).to_be_visible()
    expect(page.locator(".history li.is-current")).to_have_count(0)
    expect(page.get_by_text("You have no avatar yet.")).to_be_visible()
    assert_accessible_basics(page)

    # The header shows who is signed in, with the avatar's thumbnail.
    expect(page.locator("#account-name")).to_have_text("Ada Lovelace")


def test_profile_editor_saves_and_log_out_and_in(web, local_stack) -> None:
    page, _ = web
    username = sign_up(page, local_stack, name="Grace Hopper")
    page.get_by_role("link", name="Profile").click()
    expect(page.get_by_role("heading", name="Your profile")).to_be_visible()
    page.get_by_label("Title", exact=True).fill("Rear admiral")
    page.get_by_label("Bio", exact=True).fill("Found the first actual bug.")
    page.get_by_label("GitHub", exact=True).fill("grace")
    page.get_by_label("Website", exact=True).fill("https://grace.example")
    page.get_by_label("Name", exact=True).fill("Grace B. Hopper")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("Your profile is saved.")).to_be_visible()
    expect(page.locator("#account-name")).to_have_text("Grace B. Hopper")
    assert_accessible_basics(page)
    screenshot(page, "profile")

    me = requests.get(local_stack.url("/me"), timeout=60,
                      headers={"Authorization": f"Bearer {access_token(page)}"}).json()
    assert me["title"] == "Rear admiral" and me["social_links"] == {
        "github": "grace", "website": "https://grace.example"}

    # An empty required field is caught before any request, next to the field.
    page.get_by_label("Name", exact=True).fill("")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_label("Name", exact=True)).to_have_attribute("aria-invalid", "true")

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_text("You are logged out.")).to_be_visible()
    assert page.evaluate("localStorage.getItem('portrait.session')") is None
    screenshot(page, "login")

    page.get_by_label("Username or email", exact=True).fill(f"{username}@example.com")
    page.get_by_label("Password", exact=True).fill("not the password")
    page.get_by_role("button", name="Log in").click()
    # Written for people, not the API's lowercase text.
    expect(page.get_by_role("alert")).to_contain_text(
        "That username or email and password do not match an account.")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Your avatar")).to_be_visible()


def test_sign_up_form_checks_fields_first(web, local_stack) -> None:
    page, recorder = web
    page.goto(local_stack.url("/#/signup"))
    page.get_by_label("Username", exact=True).fill("x")
    page.get_by_label("Password", exact=True).fill("short")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_label("Username", exact=True)).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Password", exact=True)).to_have_attribute("aria-invalid", "true")
    # The error takes the hint's place: one sentence about the length, not two.
    expect(page.locator("#password-hint")).to_be_hidden()
    expect(page.get_by_text("Use at least 8 characters.")).to_be_visible()
    assert not recorder.posts_to(local_stack.url("/auth/register"))
    assert_accessible_basics(page)
    screenshot(page, "signup")


def test_rejected_upload_shows_its_reason(web, local_stack) -> None:
    page, _ = web
    sign_up(page, local_stack)
    # A real PNG, so the page's own checks pass; the processor rejects it as too small.
    pick_avatar_file(page, "tiny.png", corpus.png_50x50(), "image/png")
    alert = page.locator(".notice.error[data-reason]")
    expect(alert).to_have_attribute("data-reason", "dimensions_too_small", timeout=60_000)
    expect(alert).to_contain_text("This image is too small. Use one at least 100 × 100 pixels.")
    rejected = page.locator(".history li[data-status='rejected']")
    expect(rejected).to_contain_text("too small")
    screenshot(page, "avatar-rejected")

    # Nothing to restore: deleting it removes it from the history.
    rejected.get_by_role("button", name=re.compile("^Delete the avatar added ")).click()
    expect(page.get_by_text("Removed from the history.")).to_be_visible()
    expect(rejected).to_have_count(0)


def test_page_refuses_a_file_that_is_not_an_image(web, local_stack) -> None:
    page, recorder = web
    sign_up(page, local_stack)
    pick_avatar_file(page, "notes.png", b"<html>not an image</html>", "image/png")
    expect(page.get_by_role("alert")).to_contain_text("not a JPEG, PNG, WebP or GIF image")
    assert not recorder.posts_to(local_stack.url("/me/avatar/uploads"))


def test_rate_limit_shows_the_wait(web, local_stack) -> None:
    page, _ = web
    sign_up(page, local_stack)
    token = access_token(page)
    # Use up the minute's upload forms (5 a minute) behind the page's back.
    for _ in range(5):
        reply = requests.post(local_stack.url("/me/avatar/uploads"), json={"content_type": "image/png"},
                              headers={"Authorization": f"Bearer {token}"}, timeout=60)
        if reply.status_code == 429:
            break
    pick_avatar_file(page, "again.jpg", _landscape_jpeg(400, 300), "image/jpeg")
    warning = page.locator(".notice.warning")
    expect(warning).to_contain_text("Too many requests.")
    expect(warning).to_contain_text(re.compile(r"Try again in \d+ s\."))
    expect(page.locator("#avatar-file")).to_be_disabled()


def test_expired_access_token_is_refreshed_silently(web, local_stack) -> None:
    page, recorder = web
    sign_up(page, local_stack)
    page.wait_for_load_state("networkidle")  # the page's first requests are done
    before = page.evaluate("JSON.parse(localStorage.getItem('portrait.session'))")
    page.evaluate("""() => {
      const s = JSON.parse(localStorage.getItem('portrait.session'));
      s.expires_at = Date.now() - 1000;   // the page believes its access token is spent
      localStorage.setItem('portrait.session', JSON.stringify(s));
    }""")
    page.get_by_role("link", name="Profile").click()
    expect(page.get_by_role("heading", name="Your profile")).to_be_visible()
    expect(page.get_by_label("Name", exact=True)).to_have_value("Ada Lovelace")
    after = page.evaluate("JSON.parse(localStorage.getItem('portrait.session'))")
    assert recorder.posts_to(local_stack.url("/auth/refresh"))
    assert after["refresh_token"] != before["refresh_token"]  # rotated


def test_rejected_refresh_token_sends_back_to_log_in(web, local_stack) -> None:
    page, _ = web
    sign_up(page, local_stack)
    # The avatar page's own first requests must be done, or one of them (slow on a busy
    # machine) meets the spoiled session first and ends it before the click below.
    page.wait_for_load_state("networkidle")
    page.evaluate("""() => {
      const s = JSON.parse(localStorage.getItem('portrait.session'));
      s.expires_at = Date.now() - 1000;
      s.refresh_token = 'revoked-or-stolen-0123456789';
      localStorage.setItem('portrait.session', JSON.stringify(s));
    }""")
    page.get_by_role("link", name="Profile").click()
    expect(page.get_by_text("Your session has ended. Please log in again.")).to_be_visible()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    assert page.evaluate("localStorage.getItem('portrait.session')") is None


def test_keyboard_reaches_the_upload(web, local_stack) -> None:
    page, _ = web
    sign_up(page, local_stack)
    page.reload()
    expect(page.get_by_role("heading", name="Your avatar")).to_be_visible()
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    assert page.evaluate("location.hash").startswith("#/avatar")  # the skip link is no route
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "avatar-file":
            break
    else:
        pytest.fail("the file input is not reachable with the keyboard")


def _text_lines(locator) -> int:
    """How many lines the element's text takes, as laid out."""
    return locator.evaluate("""el => {
      const range = document.createRange();
      range.selectNodeContents(el);
      return new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.bottom))).size;
    }""")


def test_empty_history_reads_as_a_sentence(web, local_stack) -> None:
    """An empty history is one message across the list, at desktop and phone widths, not a
    word a line in the thumbnail's column."""
    page, _ = web
    # A new account soon gets a generated default avatar; answer the history as it is
    # before that, for a stable page.
    page.route(re.compile(r".*/me/avatars\?.*"), lambda route: route.fulfill(
        status=200, json={"items": [], "next_cursor": None}))
    sign_up(page, local_stack)
    empty = page.locator(".history li.empty")
    expect(empty).to_have_text("Nothing here yet.")
    for size in (DESKTOP, PHONE):
        page.set_viewport_size(size)
        assert _text_lines(empty) == 1, f"the empty history wraps at {size['width']} px"
        width, list_width = empty.evaluate("li => [li.offsetWidth, li.parentElement.clientWidth]")
        assert width >= list_width - 2, (width, list_width)
    page.set_viewport_size(DESKTOP)
    screenshot(page, "avatar-empty-history")

    page.unroute(re.compile(r".*/me/avatars\?.*"))
    # Without the welcome, nothing stands in its place (not the word "null").
    page.get_by_role("link", name="Generations").click()
    page.get_by_role("link", name="Avatar", exact=True).click()
    expect(page.get_by_role("heading", name="History")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("null")
    page.get_by_role("link", name="Generations").click()
    portraits = page.locator(".results li.empty")
    expect(portraits).to_have_text("Your portraits will appear here.")
    for size in (DESKTOP, PHONE):
        page.set_viewport_size(size)
        assert _text_lines(portraits) == 1, f"the empty gallery wraps at {size['width']} px"


def test_the_home_page_says_what_portrait_is_beside_the_log_in(web, local_stack) -> None:
    page, _ = web
    page.goto(local_stack.url("/"))
    expect(page.get_by_role("heading", name="Portrait", level=1)).to_be_visible()
    expect(page.locator(".home-points li")).to_have_count(3)
    expect(page.get_by_role("heading", name="Log in", level=2)).to_be_visible()
    assert_accessible_basics(page)
    screenshot(page, "home")
    username = sign_up(page, local_stack)  # from the home page's own link
    assert username
    page.goto(local_stack.url("/#/"))  # signed in: straight to the avatar
    expect(page.get_by_role("heading", name="Your avatar")).to_be_visible()
