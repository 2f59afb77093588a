"""Generations in a real browser against `portrait dev`: the pose gallery with filters,
the balance and the cost before submitting, the photo straight to the bucket with
progress, the status while it renders, then the result, its download and delete."""
from __future__ import annotations

import io
import re
import time
from urllib.parse import urlsplit

import pytest
import requests
from PIL import Image
from playwright.sync_api import expect
from portrait.poses.catalogue import generate_catalogue

from tests.unit.faces import photos

from .conftest import assert_accessible_basics, screenshot
from .helpers import access_token, sign_up

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


@pytest.fixture(scope="module", autouse=True)
def poses_seeded(local_stack) -> None:
    """`portrait dev` seeds the pose catalogue in the background after it starts: wait
    until the facets count all of it (they move in the same writes as the poses)."""
    catalogue = len(generate_catalogue())
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        facets = requests.get(local_stack.url("/poses/facets"), timeout=60).json()
        if sum(c["count"] for c in facets["categories"]) >= catalogue:
            return
        time.sleep(0.5)
    pytest.fail(f"the catalogue is not seeded after 120 s:\n{local_stack.output()[-3000:]}")


def _credits(stack, page) -> dict:
    reply = requests.get(stack.url("/me/credits"), timeout=60,
                         headers={"Authorization": f"Bearer {access_token(page)}"})
    assert reply.status_code == 200, reply.text
    return reply.json()


def test_sd_generation_from_pose_to_download(web, local_stack, tmp_path) -> None:
    page, recorder = web
    sign_up(page, local_stack)
    page.get_by_role("link", name="Generations").click()
    expect(page.get_by_role("heading", name="Generations", exact=True)).to_be_visible()

    # The balance and the prices come from the API; the cost follows the options.
    account = _credits(local_stack, page)
    balance, prices = account["balance"], account["prices"]
    expect(page.locator("#credit-balance")).to_have_text(f"{balance} credits")
    cost = page.locator("#generation-cost")
    expect(cost).to_have_text(f"{prices['base']} credits")
    page.get_by_label("HD — 1024 × 1024 px").check()
    expect(cost).to_have_text(f"{prices['base'] + prices['hd']} credits")
    page.get_by_label("Priority — rendered ahead of the queue").check()
    expect(cost).to_have_text(f"{prices['base'] + prices['hd'] + prices['priority']} credits")
    page.get_by_label("Standard — 512 × 512 px").check()
    page.get_by_label("Priority — rendered ahead of the queue").uncheck()
    expect(cost).to_have_text(f"{prices['base']} credits")
    # No render yet: no average of nothing.
    stats = page.get_by_label("Your generation stats")
    expect(stats).to_contain_text(re.compile(r"Average render\s*—\s*No renders yet"))
    expect(stats).not_to_contain_text("0.0 s")

    # The gallery: each pose a figure drawn to be read (thick limbs, a head, on a light
    # tile; not the renderers' thin lines on black), and the filters narrow it. They offer
    # every category and tag there is, with its count, not only those of the poses shown.
    options = page.locator(".pose-option")
    expect(options.first).to_be_visible()
    figure = options.first.locator("svg.pose-figure")
    expect(figure).to_be_visible()
    assert figure.locator("line").count() >= 8 and figure.locator("circle.pose-head").count() == 1
    assert figure.locator("line").first.evaluate(
        "line => parseFloat(getComputedStyle(line).strokeWidth)") >= 4
    assert figure.evaluate("svg => getComputedStyle(svg).backgroundColor") != "rgb(0, 0, 0)"
    facets = requests.get(local_stack.url("/poses/facets"), timeout=60).json()
    category = page.get_by_label("Category", exact=True)
    expect(category.locator("option")).to_have_count(len(facets["categories"]) + 1)
    offered = category.locator("option").evaluate_all(
        "options => options.map(o => [o.value, o.textContent])")
    assert offered == [["", "All categories"]] + [
        [c["name"], f"{c['name'].replace('_', ' ').capitalize()} ({c['count']})"]
        for c in facets["categories"]]
    expect(page.get_by_label("Tag", exact=True).locator("option")).to_have_count(
        len(facets["tags"]) + 1)
    wanted = category.locator("option").nth(1).get_attribute("value")
    category.select_option(wanted)
    expect(options.first).to_have_attribute("data-category", wanted)
    categories = set(options.evaluate_all("items => items.map(li => li.dataset.category)"))
    assert categories == {wanted}
    tag = page.get_by_label("Tag", exact=True)
    wanted_tag = tag.locator("option").nth(1).get_attribute("value")
    tag.select_option(wanted_tag)
    expect(options.first).to_have_attribute("data-tags", re.compile(rf"\b{wanted_tag}\b"))
    for tags in options.evaluate_all("items => items.map(li => li.dataset.tags)"):
        assert wanted_tag in tags.split()
    chosen_pose = page.locator(".pose-option input:checked").get_attribute("value")
    # Loaded once: filtering reads pages of poses, never the facets again.
    assert sum(urlsplit(u).path.endswith("/poses/facets") for _, u in recorder.requests) == 1
    assert_accessible_basics(page)
    screenshot(page, "generations-new")

    # The styles, each shown by its sample portrait (GET /styles); realistic is chosen first.
    styles = page.locator(".style-choice")
    expect(styles).to_have_count(3)
    expect(page.get_by_label(re.compile("^Realistic"))).to_be_checked()
    for sample in styles.locator("img").all():
        sample.scroll_into_view_if_needed()
        page.wait_for_function("img => img.complete && img.naturalWidth === 512",
                               arg=sample.element_handle())
    page.get_by_label(re.compile("^Anime")).check()

    # A photo, then submit: the photo goes straight to the bucket, then it renders.
    photo = photos.jpeg(photos.photo("grace_hopper"))  # a real portrait: one face
    page.locator("#photo-file").set_input_files(
        files=[{"name": "me.jpg", "mimeType": "image/jpeg", "buffer": photo}])
    expect(page.get_by_text("me.jpg")).to_be_visible()
    page.get_by_role("button", name=re.compile(r"^Generate portrait")).click()
    expect(page.get_by_text("Your portrait is ready")).to_be_visible(timeout=120_000)
    uploads = recorder.posts_to(local_stack.s3_url)
    assert len(uploads) == 1 and urlsplit(uploads[0]).netloc == urlsplit(local_stack.s3_url).netloc
    assert recorder.posts_to(local_stack.url("/generations"))

    # Charged once; the stats and the gallery show it.
    expect(page.locator("#credit-balance")).to_have_text(f"{balance - prices['base']} credits")
    expect(stats).to_contain_text(re.compile(r"Completed\s*1"))
    expect(stats).to_contain_text(re.compile(r"Average render\s*\d+\.\d s"))
    expect(stats).to_contain_text(re.compile(rf"Credits used\s*{prices['base']}"))
    result = page.locator(".results li[data-status='completed']")
    expect(result).to_have_count(1)
    generation_id = result.get_attribute("data-generation-id")
    image = result.locator("img")
    # Titled with the pose's name, as the gallery showed it, not with its id.
    pose = requests.get(local_stack.url(f"/poses/{chosen_pose}"), timeout=60).json()
    expect(result.locator(".result-title")).to_have_text(pose["name"])
    expect(image).to_have_attribute("alt", re.compile(
        "^" + re.escape(f"Your portrait in the pose {pose['name']}, made ")))
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    assert image.evaluate("img => [img.naturalWidth, img.naturalHeight]") == [512, 512]
    # The likeness check's figure, as a share of what it must reach.
    expect(result.locator(".likeness")).to_have_text(re.compile(r"^Likeness (9\d|100) % \(93 % needed\)"))
    assert_accessible_basics(page)
    screenshot(page, "generations-completed")

    detail = requests.get(local_stack.url(f"/generations/{generation_id}"), timeout=60,
                          headers={"Authorization": f"Bearer {access_token(page)}"}).json()
    assert detail["pose_id"] == chosen_pose and detail["quality"] == "sd"
    assert detail["style"] == "anime"
    expect(result.locator(".badge", has_text="Anime")).to_be_visible()

    # After a reload the gallery knows the pose by its id only: it reads the name.
    page.reload()
    result = page.locator(".results li[data-status='completed']")
    expect(result.locator(".result-title")).to_have_text(pose["name"])

    # Download saves the PNG under a useful name (fetched from the bucket, CORS allowing).
    with page.expect_download() as download_info:
        result.get_by_role("button", name=re.compile("^Download")).click()
    download = download_info.value
    assert download.suggested_filename == f"portrait-{generation_id}.png"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert Image.open(io.BytesIO(saved.read_bytes())).format == "PNG"

    # Share: the link is shown once; its page opens without signing in; stop sharing ends it.
    result.get_by_role("button", name=re.compile("^Share")).click()
    link = result.locator("input.share-link")
    expect(link).to_have_value(re.compile(r"/s\?t=[A-Za-z0-9_-]{32}$"))
    expect(result.locator(".badge.shared")).to_be_visible()
    shared_url = link.input_value()
    public = page.context.browser.new_page()
    missing = []  # the page's own requests that found nothing (a favicon, say)
    public.on("response", lambda r: r.status == 404 and missing.append(r.url))
    public.goto(shared_url)
    expect(public.locator("img")).to_be_visible()
    assert public.evaluate("document.querySelector('link[rel=icon]').href").startswith(
        "data:image/svg+xml")
    public.wait_for_function("img => img.complete && img.naturalWidth === 512",
                             arg=public.locator("img").element_handle())
    screenshot(public, "generations-shared-page")
    assert missing == []
    result.get_by_role("button", name=re.compile("^Stop sharing")).click()
    expect(result.locator(".badge.shared")).to_have_count(0)
    assert public.goto(shared_url).status == 404
    public.close()

    # Delete removes it from the gallery and the API.
    result.get_by_role("button", name=re.compile("^Delete")).click()
    expect(page.locator(".results li[data-generation-id]")).to_have_count(0)
    gone = requests.get(local_stack.url(f"/generations/{generation_id}"), timeout=60,
                        headers={"Authorization": f"Bearer {access_token(page)}"})
    assert gone.status_code == 404


def test_photo_that_is_not_an_image_is_refused_before_anything_is_charged(web, local_stack) -> None:
    page, recorder = web
    sign_up(page, local_stack)
    page.goto(local_stack.url("/#/generations"))
    expect(page.locator(".pose-option").first).to_be_visible()
    page.locator("#photo-file").set_input_files(
        files=[{"name": "me.jpg", "mimeType": "image/jpeg", "buffer": b"plain text, not a photo"}])
    expect(page.get_by_role("alert")).to_contain_text("not a JPEG, PNG, WebP or GIF image")
    page.get_by_role("button", name=re.compile(r"^Generate portrait")).click()
    expect(page.get_by_role("alert")).to_contain_text("Add a photo of yourself first.")
    assert not recorder.posts_to(local_stack.url("/generations"))


def test_a_photo_without_a_face_gives_the_credits_back(web, local_stack) -> None:
    page, _ = web
    sign_up(page, local_stack)
    page.goto(local_stack.url("/#/generations"))
    expect(page.locator(".pose-option").first).to_be_visible()
    balance = _credits(local_stack, page)["balance"]
    page.locator("#photo-file").set_input_files(files=[{
        "name": "cup.jpg", "mimeType": "image/jpeg", "buffer": photos.jpeg(photos.photo("coffee"))}])
    expect(page.get_by_text("cup.jpg")).to_be_visible()
    page.get_by_role("button", name=re.compile(r"^Generate portrait")).click()
    alert = page.locator(".notice.error[data-reason='no_face']")
    expect(alert).to_contain_text("We found no face in this photo — your credits are back",
                                  timeout=120_000)
    expect(page.locator("#credit-balance")).to_have_text(f"{balance} credits")
    failed = page.locator(".results li[data-status='failed']")
    expect(failed).to_contain_text("We found no face")
    expect(failed).not_to_contain_text("rendered in")  # nothing was rendered
    screenshot(page, "generations-no-face")


def test_first_page_of_poses_shows_the_variety(web, local_stack) -> None:
    """The catalogue lists in pose id order, two dozen camera angles of one pose first:
    the gallery opens on every category and distinct base poses instead."""
    page, recorder = web
    sign_up(page, local_stack)
    page.get_by_role("link", name="Generations").click()
    options = page.locator(".pose-option")
    expect(options).to_have_count(24)
    categories = options.evaluate_all("items => items.map(li => li.dataset.category)")
    names = page.locator(".pose-option .pose-name").all_text_contents()
    facets = requests.get(local_stack.url("/poses/facets"), timeout=60).json()
    every = min(len(facets["categories"]), 24)
    assert len(set(categories[:every])) == every, categories
    assert len(set(names)) == len(names), names  # the titles: one base pose each
    views = page.locator(".pose-option .pose-view").all_text_contents()
    assert not any(view.endswith(", mirrored") for view in views), views
    # The chosen pose is marked as such, not only tinted.
    chosen = page.locator(".pose-option input:checked + label")
    assert chosen.evaluate("label => getComputedStyle(label, '::after').content") == '"✓ Chosen"'
    # No inner scroll box: every card of the first page is on the page itself.
    assert page.locator(".pose-scroller").evaluate("el => el.scrollHeight <= el.clientHeight + 1")
    # One request for the first page (GET /poses/featured), not one per category.
    paths = [urlsplit(url).path for _, url in recorder.requests]
    assert paths.count("/poses/featured") == 1 and "/poses" not in paths, paths
    assert_accessible_basics(page)
    screenshot(page, "generations-variety")

    # "Show more" goes on through the catalogue, leaving out the poses already shown.
    more = page.get_by_role("button", name="Show more poses")
    for _ in range(2):
        shown_before = options.count()
        more.click()
        expect(options.nth(shown_before)).to_be_attached()
        expect(more).to_be_enabled()  # the page is in
        shown = options.locator("input").evaluate_all("inputs => inputs.map(i => i.value)")
        assert len(shown) > shown_before and len(set(shown)) == len(shown), shown
