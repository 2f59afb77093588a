"""Portfolios in a real browser against `portrait dev`: projects created, edited and
deleted on the Projects page; their images uploaded straight to the bucket with progress,
thumbnails appearing when ready, the cover chosen, an image deleted; and the public
portfolio and project pages as a visitor who is not signed in sees them."""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from playwright.sync_api import expect

from tests.unit.imaging import corpus

from .conftest import DESKTOP, WAIT_MS, PageRecorder, assert_accessible_basics, screenshot
from .helpers import access_token, sign_up

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

# Thumbnails are made by a queue consumer: seconds on an idle machine, more on a busy one.
READY_MS = 120_000


def _auth(page) -> dict[str, str]:
    return {"Authorization": f"Bearer {access_token(page)}"}


def _project_id(page) -> str:
    match = re.search(r"#/projects/([0-9A-Z]{26})", page.url)
    assert match, page.url
    return match.group(1)


def _wait_loaded(page, image) -> tuple[int, int]:
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle(),
                           timeout=READY_MS)
    return tuple(image.evaluate("img => [img.naturalWidth, img.naturalHeight]"))


def _record_progress(page) -> None:
    """Keep every value the images' progress bars take (they are gone once a file is in)."""
    page.evaluate("""() => {
      window.progressSeen = [];
      const note = (bar) => window.progressSeen.push(Number(bar.value));
      new MutationObserver((changes) => {
        for (const change of changes) {
          if (change.type === 'attributes' && change.target instanceof HTMLProgressElement) note(change.target);
          for (const node of change.addedNodes) node.querySelectorAll?.('progress').forEach(note);
        }
      }).observe(document.querySelector('.media-grid'),
                 {subtree: true, childList: true, attributes: true, attributeFilter: ['value']});
    }""")


def _pick(page, *files: tuple[str, bytes, str]) -> None:
    page.locator("#media-files").set_input_files(
        files=[{"name": name, "mimeType": mime, "buffer": body} for name, body, mime in files])


def test_projects_images_cover_and_public_portfolio(web, local_stack, browser) -> None:
    page, recorder = web
    sign_up(page, local_stack, name="Ada Lovelace")
    user_id = page.evaluate("JSON.parse(localStorage.getItem('portrait.session')).user.user_id")

    # ------------------------------------------------ the Projects page, empty
    page.get_by_role("link", name="Projects", exact=True).click()
    expect(page.get_by_role("heading", name="Your projects", level=1)).to_be_visible()
    expect(page.locator(".project-grid li.empty")).to_contain_text("No projects yet.")
    expect(page.locator("main")).not_to_contain_text("null")
    assert_accessible_basics(page)
    screenshot(page, "projects-empty")

    # A title is needed: said next to the field, before any request.
    page.get_by_role("button", name="Create project").click()
    expect(page.get_by_label("Title", exact=True)).to_have_attribute("aria-invalid", "true")
    page.get_by_label("Link", exact=True).fill("ftp://example.com/engine")
    page.get_by_label("Title", exact=True).fill("Analytical Engine")
    page.get_by_role("button", name="Create project").click()
    expect(page.get_by_label("Link", exact=True)).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Title", exact=True)).not_to_have_attribute("aria-invalid", "true")
    assert not recorder.posts_to(local_stack.url("/projects"))

    page.get_by_label("Description", exact=True).fill("Notes on the engine.\nWith a table of Bernoulli numbers.")
    page.get_by_label("Tags", exact=True).fill("Engines, mathematics, engines")
    page.get_by_label("Link", exact=True).fill("https://example.com/engine")
    page.get_by_role("button", name="Create project").click()
    expect(page.get_by_role("heading", name="Analytical Engine", level=1)).to_be_visible()
    expect(page.get_by_text("Project created. Add its images below.")).to_be_visible()
    project_id = _project_id(page)
    created = requests.get(local_stack.url(f"/projects/{project_id}"), timeout=60).json()
    assert created["user_id"] == user_id and created["tags"] == ["engines", "mathematics"]
    assert created["link"] == "https://example.com/engine" and created["thumbnail_media_id"] is None
    expect(page.get_by_role("link", name="Projects", exact=True)).to_have_attribute("aria-current", "true")

    # ------------------------------------------------ two images at once, straight to the bucket
    _record_progress(page)
    _pick(page,
          ("engine-drawing.jpg", corpus.encode(corpus.marked_landscape(1600, 1200), "JPEG", quality=90), "image/jpeg"),
          ("difference-engine.png", corpus.encode(corpus.quadrants(900, 900), "PNG"), "image/png"))
    tiles = page.locator(".media-grid li[data-media-id]")
    expect(tiles).to_have_count(2)
    expect(page.locator(".media-grid li[data-status='ready']")).to_have_count(2, timeout=READY_MS)
    uploads = recorder.posts_to(local_stack.s3_url)
    assert len(uploads) == 2, recorder.requests
    assert all(urlsplit(u).netloc == urlsplit(local_stack.s3_url).netloc for u in uploads)
    # Each tile showed its upload's progress, to the end; the bars go once the files are in.
    seen = page.evaluate("window.progressSeen")
    assert seen.count(0) == 2 and seen.count(100) >= 2 and seen[-1] == 100, seen
    assert page.locator(".media-grid progress").count() == 0
    for name in ("engine-drawing", "difference-engine"):
        thumb = tiles.filter(has_text=f"{name}.").locator("img")
        expect(thumb).to_have_attribute("src", re.compile(r"^http"))  # the bucket's, not the preview
        assert _wait_loaded(page, thumb) == (300, 300)
    expect(page.get_by_text("2 images uploaded.")).to_be_visible()
    # The owner downloads an original as it was uploaded, under its own name.
    with page.expect_download() as downloading:
        tiles.filter(has_text="engine-drawing.").get_by_role(
            "button", name="Download the original of engine-drawing").click()
    download = downloading.value
    assert download.suggested_filename == "engine-drawing.jpg"
    assert Path(download.path()).read_bytes() == corpus.encode(
        corpus.marked_landscape(1600, 1200), "JPEG", quality=90)

    # The first image ready became the cover on its own; choose the other one.
    covered = page.locator(".media-grid li[data-cover='true']")
    expect(covered).to_have_count(1)
    expect(covered.locator(".badge.current")).to_have_text("Cover")
    other = page.locator(".media-grid li[data-cover='false'][data-status='ready']")
    other_id = other.get_attribute("data-media-id")
    other_name = "engine-drawing" if "engine-drawing" in other.inner_text() else "difference-engine"
    other.get_by_role("button", name=f"Make {other_name} the cover").click()
    expect(page.locator(f".media-grid li[data-media-id='{other_id}']")).to_have_attribute("data-cover", "true")
    expect(covered).to_have_count(1)
    assert requests.get(local_stack.url(f"/projects/{project_id}"), timeout=60).json()[
        "thumbnail_media_id"] == other_id

    # A file the processor refuses says why, and can be removed.
    _pick(page, ("broken.jpg", corpus.jpeg_truncated(), "image/jpeg"))
    broken = page.locator(".media-grid li").filter(has_text="broken.jpg")
    expect(broken).to_have_attribute("data-status", "rejected", timeout=READY_MS)
    expect(broken).to_contain_text("damaged or incomplete")
    assert_accessible_basics(page)
    screenshot(page, "project-images")
    broken.get_by_role("button", name="Delete broken").click()
    expect(broken).to_have_count(0)
    expect(tiles).to_have_count(2)

    # ------------------------------------------------ edit the details
    page.get_by_label("Title", exact=True).fill("The Analytical Engine")
    page.get_by_label("Link", exact=True).fill("")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("Your changes are saved.")).to_be_visible()
    expect(page.get_by_role("heading", name="The Analytical Engine", level=1)).to_be_visible()
    changed = requests.get(local_stack.url(f"/projects/{project_id}"), timeout=60).json()
    assert changed["title"] == "The Analytical Engine" and changed["link"] is None
    assert changed["description"].startswith("Notes on the engine.")

    # A rule only the API knows (no bidi overrides in a title) is shown at the field too.
    page.get_by_label("Title", exact=True).fill("Engine \u202ereversed")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_label("Title", exact=True)).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_role("alert")).to_be_visible()
    page.get_by_label("Title", exact=True).fill("The Analytical Engine")

    # The list shows it with its cover.
    page.get_by_role("link", name="Projects", exact=True).click()
    card = page.locator(f".project-grid li[data-project-id='{project_id}']")
    expect(card.get_by_role("heading", name="The Analytical Engine")).to_be_visible()
    assert _wait_loaded(page, card.locator("img.cover")) == (300, 300)
    expect(card.locator(".tags li")).to_have_text(["engines", "mathematics"])
    assert_accessible_basics(page)
    screenshot(page, "projects-list")

    # ------------------------------------------------ the public portfolio, signed out
    visitor = browser.new_context(viewport=DESKTOP)
    visitor.set_default_timeout(WAIT_MS)
    public = visitor.new_page()
    seen = PageRecorder(public)
    try:
        public.goto(local_stack.url(f"/#/u/{user_id}"))
        expect(public.get_by_role("heading", name="Ada Lovelace", level=1)).to_be_visible()
        expect(public.locator("#nav")).to_be_hidden()
        public_card = public.locator(f".project-grid li[data-project-id='{project_id}']")
        expect(public_card).to_contain_text("Notes on the engine.")
        cover = public_card.get_by_alt_text("Cover of The Analytical Engine")
        assert _wait_loaded(public, cover) == (300, 300)
        expect(public.get_by_role("link", name="Create an account")).to_be_visible()
        assert_accessible_basics(public)
        screenshot(public, "portfolio")

        public_card.get_by_role("link", name="The Analytical Engine").click()
        expect(public.get_by_role("heading", name="The Analytical Engine", level=1)).to_be_visible()
        expect(public.get_by_role("link", name="Ada Lovelace", exact=True)).to_be_visible()
        expect(public.locator(".description")).to_have_text(
            "Notes on the engine.\nWith a table of Bernoulli numbers.")
        gallery = public.locator(".gallery li[data-media-id]")
        expect(gallery).to_have_count(2)
        expect(public.locator(f".gallery li[data-media-id='{other_id}']")).to_have_attribute("data-cover", "true")
        for image in gallery.locator("img").all():
            assert _wait_loaded(public, image) == (300, 300)
        assert_accessible_basics(public)
        screenshot(public, "portfolio-project")

        # A thumbnail opens the large copy: one of the display copies the srcset offers
        # (640, 1280 and its own 1600 px), the one the dialog's width calls for.
        public.get_by_role("link", name="View engine-drawing larger").click()
        viewer = public.get_by_role("dialog", name="Image viewer")
        expect(viewer).to_be_visible()
        large = viewer.locator("img")
        _wait_loaded(public, large)
        srcset = large.get_attribute("srcset")
        assert [entry.rsplit(" ", 1)[1] for entry in srcset.split(", ")] == [
            "640w", "1280w", "1600w"], srcset
        assert large.get_attribute("sizes") == "min(96vw, 1100px)"
        chosen = large.evaluate("img => img.currentSrc")
        assert chosen in [entry.rsplit(" ", 1)[0] for entry in srcset.split(", ")]
        expect(viewer.get_by_role("button", name=re.compile("^Download the original"))).to_have_count(0)
        public.keyboard.press("Escape")
        expect(viewer).to_be_hidden()
        expect(public.get_by_role("link", name="View engine-drawing larger")).to_be_focused()
        assert not seen.errors, seen.errors
        allowed = {urlsplit(local_stack.api_url).netloc, urlsplit(local_stack.s3_url).netloc}
        assert seen.hosts() <= allowed, seen.hosts()
    finally:
        visitor.close()

    # ------------------------------------------------ delete the cover, then the project
    page.locator(f".project-grid li[data-project-id='{project_id}']").get_by_role(
        "link", name="The Analytical Engine").click()
    cover_tile = page.locator(f".media-grid li[data-media-id='{other_id}']")
    cover_tile.get_by_role("button", name=re.compile("^Delete ")).click()
    expect(cover_tile).to_have_count(0)
    expect(page.locator(".media-grid li[data-cover='true']")).to_have_count(0)
    assert requests.get(local_stack.url(f"/projects/{project_id}"), timeout=60).json()[
        "thumbnail_media_id"] is None

    page.get_by_role("button", name="Delete project").click()
    expect(page.get_by_text("The project “The Analytical Engine” was deleted")).to_be_visible()
    expect(page.get_by_role("heading", name="Your projects", level=1)).to_be_visible()
    expect(page.locator(".project-grid li.empty")).to_be_visible()
    gone = requests.get(local_stack.url(f"/projects/{project_id}"), timeout=60)
    assert gone.status_code == 404
    mine = requests.get(local_stack.url(f"/users/{user_id}/projects"), headers=_auth(page), timeout=60)
    assert mine.json()["items"] == []


def test_someone_elses_project_is_read_only(web, local_stack) -> None:
    owner, _ = local_stack.new_member("owner")
    created = requests.post(local_stack.url("/projects"), headers=owner, timeout=60,
                            json={"title": "Not yours", "tags": ["private"]})
    assert created.status_code == 201, created.text
    project = created.json()
    page, _ = web
    sign_up(page, local_stack, name="Charles Babbage")
    page.goto(local_stack.url(f"/#/projects/{project['project_id']}"))
    expect(page.get_by_text("This project is someone else's")).to_be_visible()
    expect(page.get_by_role("button", name="Delete project")).to_have_count(0)
    page.get_by_role("link", name="See it on their portfolio").click()
    expect(page.get_by_role("heading", name="Not yours", level=1)).to_be_visible()
    expect(page.get_by_role("link", name="Edit this project")).to_have_count(0)
    expect(page.locator(".gallery li.empty")).to_have_text("No images in this project yet.")

    page.goto(local_stack.url("/#/u/01ARZ3NDEKTSV4RRFFQ69G5FAV"))
    expect(page.get_by_role("heading", name="Portfolio not found")).to_be_visible()
    page.goto(local_stack.url("/#/projects/01ARZ3NDEKTSV4RRFFQ69G5FAV"))
    expect(page.get_by_role("heading", name="Project not found")).to_be_visible()
