"""Browser fixtures: Debian's Chromium driven by Playwright against `portrait dev`.

Playwright is used as a library only: it launches Debian's Chromium headless shell,
/usr/bin/chromium-headless-shell (installed by `make install-browser`), never a
browser of its own. The shell is the same Chromium build (Blink, V8, the network
stack) without the desktop browser around it; it is what Playwright itself runs for
headless Chromium, and on this suite it takes a quarter less CPU than the full
browser's headless mode (214 -> 160 CPU-s for tests/e2e/browser on two cores).
PORTRAIT_CHROMIUM=/usr/bin/chromium runs them in the full browser instead. Every page records the
requests it makes, and a test fails if one goes to a host other than the API
and the bucket endpoint. Screenshots go to test-artifacts/screenshots/.
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

ROOT = Path(__file__).resolve().parents[3]
# A busy machine (CI beside other work) is slow, not broken: every wait is on a
# condition, with deadlines far above what an idle machine needs. Playwright's
# `expect` waits 5 s by default, apart from the context's timeout; both are raised.
WAIT_MS = 30_000
expect.set_options(timeout=WAIT_MS)
CHROMIUM = Path(os.environ.get("PORTRAIT_CHROMIUM", "/usr/bin/chromium-headless-shell"))
# The flags a closed network needs: without the background-networking ones Chromium
# keeps trying to reach Google's hosts (updates, sync, safe browsing) and floods it.
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def artifacts_dir() -> Path:
    base = os.environ.get("PORTRAIT_TEST_ARTIFACTS")
    return (Path(base) if base else ROOT / "test-artifacts") / "screenshots"


@pytest.fixture(scope="session")
def browser(tmp_path_factory):
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make install-browser` installs Debian's "
                    "chromium-headless-shell")
    from playwright.sync_api import sync_playwright

    # launch() gives Chromium a fresh, empty user data directory of its own each run.
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class PageRecorder:
    """What a page did: every http(s) request, console errors and uncaught exceptions."""

    def __init__(self, page) -> None:
        self.page = page
        self.requests: list[tuple[str, str]] = []
        self.errors: list[str] = []
        page.on("request", lambda r: self.requests.append((r.method, r.url)))
        page.on("pageerror", lambda e: self.errors.append(f"uncaught: {e}"))
        # The local stack sends the deployed Content-Security-Policy; a breach is a bug.
        page.on("console", lambda m: m.type == "error" and "Content Security Policy" in m.text
                and self.errors.append(f"CSP: {m.text}"))

    def hosts(self) -> set[str]:
        return {urlsplit(url).netloc for _, url in self.requests
                if urlsplit(url).scheme in ("http", "https")}

    def posts_to(self, prefix: str) -> list[str]:
        return [url for method, url in self.requests if method == "POST" and url.startswith(prefix)]


@pytest.fixture
def web(browser, local_stack, request):
    """A fresh browser context (no cookies, no storage) on the local stack's web client."""
    context = browser.new_context(viewport=DESKTOP, accept_downloads=True)
    context.set_default_timeout(WAIT_MS)
    page = context.new_page()
    recorder = PageRecorder(page)
    page.on("dialog", lambda dialog: dialog.accept())  # confirm("Delete …?") says yes
    yield page, recorder
    context.close()
    allowed = {urlsplit(local_stack.api_url).netloc, urlsplit(local_stack.s3_url).netloc}
    strays = sorted(recorder.hosts() - allowed)
    assert not strays, f"the page made requests to other hosts: {strays}"
    assert not recorder.errors, recorder.errors


def screenshot(page, name: str) -> list[Path]:
    """Full-page screenshots at desktop and phone width: test-artifacts/screenshots/NAME-*.png."""
    folder = artifacts_dir()
    folder.mkdir(parents=True, exist_ok=True)
    before = page.viewport_size
    paths = []
    for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        page.wait_for_timeout(150)  # let the layout settle at the new width
        path = folder / f"{re.sub(r'[^a-z0-9-]+', '-', name.lower())}-{label}.png"
        page.screenshot(path=str(path), full_page=True)
        paths.append(path)
        # Nothing may stick out sideways on a phone: no horizontal scrolling.
        if label == "phone":
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 1, f"{name} scrolls sideways by {overflow}px at phone width"
    page.set_viewport_size(before or DESKTOP)
    return paths


def assert_accessible_basics(page) -> None:
    """What a keyboard or screen-reader user needs first: one h1, alt text on every image
    (no two images shown telling the same), a label on every control."""
    problems = page.evaluate("""() => {
      const found = [];
      if (document.querySelectorAll('main h1').length !== 1) found.push('main has not exactly one h1');
      const alts = new Set();
      for (const img of document.querySelectorAll('img')) {
        if (img.offsetParent === null) continue;
        if (!img.hasAttribute('alt')) found.push('img without alt: ' + img.src);
        const alt = img.alt.trim();
        if (alt && alts.has(alt)) found.push('two images with the alt text: ' + alt);
        alts.add(alt);
      }
      for (const el of document.querySelectorAll('input:not([type=hidden]), select, textarea, button')) {
        const named = el.labels?.length || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby')
          || (el.tagName === 'BUTTON' && el.textContent.trim());
        if (!named) found.push('control without a name: ' + el.outerHTML.slice(0, 80));
      }
      return found;
    }""")
    assert not problems, problems
