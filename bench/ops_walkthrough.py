"""The ops page after a walkthrough, on the running local stack (`make dev`): every route
of the API called in a user's order (tests/e2e/api_tour.py: avatar uploads, a portfolio
and a search, a generation, the admin routes), one avatar upload rejected, then the page
opened in Chromium as an admin and screenshotted. Prints what the page showed.

    .venv/bin/python -m bench.ops_walkthrough [--state-dir DIR] [--out DIR]

Screenshots: test-artifacts/screenshots/ops-walkthrough-{desktop,phone}.png (or --out).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
import uuid
from pathlib import Path

import requests

from tests.e2e.api_tour import PASSWORD, ROOT, Tour, run
from tests.e2e.browser.conftest import CHROMIUM, CHROMIUM_ARGS, DESKTOP, PHONE


def rejected_upload(tour: Tour, token: str) -> None:
    started = tour.http.post(tour.api_url + "/me/avatar/uploads", timeout=60,
                             headers={"Authorization": f"Bearer {token}"},
                             json={"content_type": "image/png"}).json()
    tour.upload(started, b"<html>this is not a picture</html>", "image/png")
    tour.until("the rejection", lambda: tour.get_quietly(
        f"/me/avatars/{started['avatar_id']}", token)["status"] == "rejected")


def screenshots(api_url: str, admin: str, out: Path) -> dict:
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport=DESKTOP)
        page.set_default_timeout(60_000)
        page.goto(api_url + "/")
        page.get_by_label("Username or email").fill(admin)
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        # Signed in before leaving: the footer's link shows at once, and a page opened
        # before the log-in ends has no token (its counts would say 401).
        page.get_by_role("heading", name="Your avatar").wait_for()
        page.get_by_role("link", name="Operations (local)").click()
        page.wait_for_selector("body[data-loaded]")
        figures = page.evaluate("""() => ({
          charts: Object.fromEntries([...document.querySelectorAll('figure[data-chart]')]
            .map((f) => [f.dataset.chart, Number(f.dataset.points)])),
          alarms: [...document.querySelectorAll('#alarms tbody tr')]
            .reduce((n, r) => ({...n, [r.dataset.state]: (n[r.dataset.state] ?? 0) + 1}), {}),
          counts: Object.fromEntries([...document.querySelectorAll('#counts .count')]
            .map((c) => [c.dataset.count, c.dataset.available === 'true' ? 'shown'
                         : c.querySelector('p').textContent])),
        })""")
        for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
            page.set_viewport_size(size)
            page.wait_for_timeout(300)
            path = out / f"ops-walkthrough-{label}.png"
            page.screenshot(path=str(path), full_page=True)
            figures.setdefault("screenshots", []).append(str(path))
        browser.close()
    return figures


def main(argv: list[str] | None = None) -> int:
    from portrait_local.running import running_stack

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--state-dir", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=ROOT / "test-artifacts" / "screenshots")
    args = parser.parse_args(argv)
    state = running_stack(ROOT / "template.yaml", args.state_dir)
    if state is None:
        print("no running local stack: start it with `make dev`", file=sys.stderr)
        return 1
    started = time.monotonic()
    tour = Tour(state["api_url"], args.state_dir)
    run(tour)
    admin = f"ops_{uuid.uuid4().hex[:6]}"
    tour.portrait("admin", "create-user", "--admin", "--username", admin, "--email",
                  f"{admin}@example.com", "--name", "Operator", "--password-stdin",
                  stdin=PASSWORD + "\n")
    token = requests.post(tour.api_url + "/auth/login", timeout=60, json={
        "login": admin, "password": PASSWORD}).json()["access_token"]
    rejected_upload(tour, token)
    walked = time.monotonic() - started
    figures = screenshots(state["api_url"], admin, args.out)
    print(json.dumps({"walkthrough_seconds": round(walked, 1), "api_calls": len(tour.calls),
                      **figures}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
