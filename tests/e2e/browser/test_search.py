"""Project search in a real browser against `portrait dev`, as a visitor who is not signed
in: suggestions as you type in the header's box (chosen with the keyboard: a title opens
its project, a tag filters by it), results with the matched words marked, tag chips and
facet counts that filter, paging with Back and Forward, the empty and the "search is
resting" states, and a hostile title shown as the text it is."""
from __future__ import annotations

import json
import re
import time
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from playwright.sync_api import expect

from .conftest import PHONE, assert_accessible_basics, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

DEADLINE = 60  # seconds for a project to become searchable: far above an idle machine's
HOSTILE = "<img src=x onerror=alert(1)>"


def _until(check, what: str, stack) -> None:
    started = time.monotonic()
    while time.monotonic() - started < DEADLINE:
        if check():
            return
        time.sleep(0.1)
    pytest.fail(f"{what} not seen within {DEADLINE} s:\n{stack.output()[-3000:]}")


def _search_params(page) -> dict[str, list[str]]:
    fragment = urlsplit(page.url).fragment
    assert fragment.startswith("/search"), page.url
    return parse_qs(fragment.partition("?")[2])


@pytest.fixture
def indexed(local_stack):
    """Four projects of one owner, with a word no other test uses, searchable."""
    stack = local_stack
    auth, user_id = stack.new_member("searcher")
    named = requests.patch(stack.url("/me"), headers=auth, json={"name": "Grace Hopper"}, timeout=60)
    assert named.status_code == 200, named.text
    word = f"zx{uuid.uuid4().hex[:6]}"
    made = {}
    for key, title, tags, description in (
            ("compiler", f"Compiler {word} notes", ["python", "compilers"],
             f"How the first {word} compiler turned words into machine code."),
            ("cobol", f"Cobol {word} manual", ["python", "docs", f"{word}-lab"],
             "A manual for business programs & their <b>records</b>."),
            ("wire", f"Nanosecond {word} wire", ["hardware"],
             f"A length of wire as long as light travels in a nanosecond: {word}."),
            ("hostile", f"{HOSTILE} {word} title", ["security"],
             f"<script>alert(2)</script> {word} in a description.")):
        reply = requests.post(stack.url("/projects"), headers=auth, timeout=60,
                              json={"title": title, "tags": tags, "description": description})
        assert reply.status_code == 201, reply.text
        made[key] = {**reply.json(), "title": title}

    def found() -> set[str]:
        reply = requests.get(stack.url("/search"), params={"query": word, "size": 50}, timeout=60)
        return {hit["project_id"] for hit in reply.json()["items"]} if reply.ok else set()
    _until(lambda: found() == {p["project_id"] for p in made.values()}, "the four projects in search", stack)

    def suggested() -> set[str]:
        reply = requests.get(stack.url("/search/suggest"), params={"query": word}, timeout=60)
        return {s["text"] for s in reply.json()} if reply.ok else set()
    _until(lambda: f"{word}-lab" in suggested(), "the tag among the suggestions", stack)
    return {"word": word, "user_id": user_id, "projects": made}


def test_search_suggestions_results_filters_and_pages(web, local_stack, indexed) -> None:
    page, recorder = web
    word, projects = indexed["word"], indexed["projects"]
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: dialogs.append(dialog.message))

    # ------------------------------------------------ suggestions, at phone width, by keyboard
    page.set_viewport_size(PHONE)
    page.goto(local_stack.url("/"))  # a visitor lands on the log-in page: search is a link away
    page.get_by_role("link", name="Browse everyone's projects").click()
    expect(page.get_by_role("heading", name="Search projects", level=1)).to_be_visible()
    expect(page.locator(".search-results > li").first).to_be_visible()
    page.goto(local_stack.url(f"/#/u/{indexed['user_id']}"))
    expect(page.get_by_role("heading", name="Grace Hopper", level=1)).to_be_visible()
    box = page.get_by_role("combobox", name="Search projects")
    listbox = page.get_by_role("listbox", name="Suggestions")
    def suggests() -> int:
        return sum(1 for _, url in recorder.requests if "/search/suggest?" in url)
    before = suggests()
    box.click()
    # Suggestions complete the typed words in order from any word start: "<word> no" is
    # the end of one title only.
    box.press_sequentially(f"{word} no", delay=20)
    option = listbox.get_by_role("option", name=re.compile(f"Compiler {word} notes"))
    expect(option).to_be_visible()
    assert suggests() - before <= 2, "typing quickly asks for suggestions once it pauses, not per key"
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(listbox.get_by_role("option")).to_have_count(1)
    screenshot(page, "search-suggestions")
    box.press("ArrowDown")
    expect(option).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", option.get_attribute("id"))
    box.press("Enter")
    compiler = projects["compiler"]
    heading = page.get_by_role("heading", name=compiler["title"], level=1)
    expect(heading).to_be_visible()
    assert urlsplit(page.url).fragment == f"/u/{indexed['user_id']}/projects/{compiler['project_id']}"
    # Once the page has loaded, the focus moves to its heading (router.js), as after any
    # navigation. Wait for it: a clear started before it moved lost its key to the heading,
    # and the typing then went in front of the chosen title ("<word>Compiler <word> notes").
    expect(heading).to_be_focused()

    # Escape closes the list and leaves the text; a tag suggestion filters by that tag.
    box.click()
    box.fill("")
    box.press_sequentially(word, delay=20)
    options = listbox.get_by_role("option")
    expect(options.first).to_be_visible()
    tag_option = listbox.locator("[role='option'][data-kind='tag']")
    try:
        expect(tag_option).to_have_count(1)
    except AssertionError as missing:  # rare, never reproduced: say what each side saw
        shown = [o.get_attribute("data-kind") + ": " + o.inner_text() for o in options.all()]
        asked = requests.get(local_stack.url("/search/suggest"), params={"query": word},
                             timeout=60)
        state = page.evaluate("""() => ({
            focus: document.activeElement?.outerHTML.slice(0, 80),
            box: document.getElementById("search-input").value,
            listHidden: document.getElementById("search-suggestions").hidden,
            listItems: document.getElementById("search-suggestions").children.length})""")
        queries = [url.split("/search/suggest?", 1)[1] for _, url in recorder.requests
                   if "/search/suggest?" in url]
        raise AssertionError(f"{missing}\nthe page showed {shown} ({state}; it asked for "
                             f"{queries}); the API answers now "
                             f"{asked.status_code} {asked.text}") from None
    expect(tag_option).to_contain_text(f"{word}-lab")
    box.press("Escape")
    expect(listbox).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(box).to_have_value(word)
    for _ in range(6):  # the arrows open the list again, then walk it to the tag
        box.press("ArrowDown")
        if tag_option.get_attribute("aria-selected") == "true":
            break
    expect(tag_option).to_have_attribute("aria-selected", "true")
    box.press("Enter")
    # Loaded when the focus is on its heading: the box is typed into only then (above).
    expect(page.get_by_role("heading", name="Search projects", level=1)).to_be_focused()
    assert _search_params(page) == {"tags": [f"{word}-lab"]}
    results = page.locator(".search-results > li")
    expect(results).to_have_count(1)
    expect(results.first).to_have_attribute("data-project-id", projects["cobol"]["project_id"])
    expect(page.locator(f".facets button[data-tag='{word}-lab']")).to_have_attribute("aria-pressed", "true")
    page.set_viewport_size({"width": 1280, "height": 800})

    # ------------------------------------------------ the unique word: results with highlights
    box.fill(word)
    box.press("Enter")  # no option chosen: a search for the text
    expect(page.get_by_role("heading", name=f"Search: {word}", level=1)).to_be_visible()
    assert _search_params(page) == {"query": [word]}
    expect(results).to_have_count(4)
    expect(page.get_by_role("status").filter(has_text="4 projects match")).to_be_visible()
    marks = page.locator(".search-results .hit-title mark")
    expect(marks).to_have_count(4)
    expect(marks.first).to_have_text(word)
    expect(page.locator(".search-results .hit-description mark").first).to_have_text(word)
    for project in projects.values():
        hit = page.locator(f".search-results li[data-project-id='{project['project_id']}']")
        expect(hit.locator(".hit-title")).to_have_text(project["title"])
        expect(hit.locator(".hit-title a")).to_have_attribute(
            "href", f"#/u/{indexed['user_id']}/projects/{project['project_id']}")
        expect(hit.get_by_role("link", name="Grace Hopper")).to_have_attribute("href", f"#/u/{indexed['user_id']}")
        expect(hit.locator(".hit-cover.placeholder")).to_have_text("No cover")

    # The hostile title and description are shown as text: no element, no script ran.
    hostile = page.locator(f".search-results li[data-project-id='{projects['hostile']['project_id']}']")
    expect(hostile.locator(".hit-title")).to_have_text(f"{HOSTILE} {word} title")
    expect(hostile.locator(".hit-description")).to_contain_text("<script>alert(2)</script>")
    cobol = page.locator(f".search-results li[data-project-id='{projects['cobol']['project_id']}']")
    expect(cobol.locator(".hit-description")).to_have_text(
        "A manual for business programs & their <b>records</b>.")
    assert page.locator("main img[src='x'], main script, main b").count() == 0
    assert page.evaluate("[...document.querySelectorAll('.search-results mark')]"
                         ".every(m => m.children.length === 0)")
    assert not dialogs, dialogs

    # Facets: every tag of the matches, with its count.
    facets = page.locator(".facets button")
    counts = dict(zip(facets.locator(".chip-tag").all_inner_texts(),
                      (int(re.search(r"\d+", c).group()) for c in facets.locator(".count").all_inner_texts())))
    assert counts == {"python": 2, "compilers": 1, "docs": 1, f"{word}-lab": 1,
                      "hardware": 1, "security": 1}, counts
    assert_accessible_basics(page)
    screenshot(page, "search-results")

    # ------------------------------------------------ tag chips filter (any of the chosen tags)
    page.locator(f".search-results li[data-project-id='{projects['wire']['project_id']}'] "
                 "button[data-tag='hardware']").click()
    expect(results).to_have_count(1)
    assert _search_params(page) == {"query": [word], "tags": ["hardware"]}
    expect(page.locator(".facets button[data-tag='hardware']")).to_have_attribute("aria-pressed", "true")
    expect(page.locator(".facets button[data-tag='python'] .count")).to_contain_text("2")
    page.locator(".facets button[data-tag='python']").click()
    expect(results).to_have_count(3)
    assert _search_params(page) == {"query": [word], "tags": ["hardware,python"]}
    expect(page.get_by_role("status").filter(has_text="tagged hardware or python")).to_be_visible()
    page.locator(".facets button[data-tag='hardware']").click()  # off again
    expect(results).to_have_count(2)
    assert {results.nth(i).get_attribute("data-project-id") for i in range(2)} == {
        projects["compiler"]["project_id"], projects["cobol"]["project_id"]}
    assert_accessible_basics(page)
    screenshot(page, "search-filtered")
    page.go_back()  # Back undoes a filter
    expect(results).to_have_count(3)

    # ------------------------------------------------ pages of two
    page.goto(local_stack.url(f"/#/search?query={word}&size=2"))
    pager = page.get_by_role("navigation", name="Pages of results")
    expect(pager).to_contain_text("Page 1 of 2")
    expect(results).to_have_count(2)
    first_page = {results.nth(i).get_attribute("data-project-id") for i in range(2)}
    expect(pager.locator("[aria-disabled='true']")).to_have_text("← Previous")
    pager.get_by_role("link", name="Next →").click()
    expect(pager).to_contain_text("Page 2 of 2")
    expect(results).to_have_count(2)
    second_page = {results.nth(i).get_attribute("data-project-id") for i in range(2)}
    assert first_page | second_page == {p["project_id"] for p in projects.values()}
    assert _search_params(page) == {"query": [word], "page": ["2"], "size": ["2"]}
    expect(page.locator(".search-results")).to_have_attribute("start", "3")
    screenshot(page, "search-page-2")
    page.go_back()
    expect(pager).to_contain_text("Page 1 of 2")
    page.go_forward()
    expect(pager).to_contain_text("Page 2 of 2")
    pager.get_by_role("link", name="← Previous").click()
    expect(pager).to_contain_text("Page 1 of 2")
    expect(page.get_by_role("heading", name=f"Search: {word}", level=1)).to_be_focused()

    # ------------------------------------------------ nothing found
    nothing = f"qj{uuid.uuid4().hex[:10]}"
    box.fill(nothing)
    box.press("Enter")
    expect(page.locator(".search-empty")).to_contain_text(f"No projects match “{nothing}”.")
    expect(results).to_have_count(0)
    assert_accessible_basics(page)
    screenshot(page, "search-empty")

    # ------------------------------------------------ the engine resting: said kindly, then retried
    resting = {"error": {"code": "search_unavailable",
                         "message": "search is unavailable for a moment; try again"}}
    page.route(re.compile(r".*/search\?.*"), lambda route: route.fulfill(
        status=503, headers={"Retry-After": "5"}, content_type="application/json", body=json.dumps(resting)))
    page.goto(local_stack.url(f"/#/search?query={word}"))
    expect(page.get_by_text("Search is unavailable for a moment.")).to_be_visible()
    expect(page.locator("main")).to_contain_text("back in about 5 s")
    screenshot(page, "search-unavailable")
    page.unroute(re.compile(r".*/search\?.*"))
    page.get_by_role("button", name="Try again").click()
    expect(results).to_have_count(4)
    assert not dialogs, dialogs
    assert not recorder.errors, recorder.errors
