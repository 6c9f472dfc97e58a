"""Screenshots of argmap's main pages for the README, at a desktop and a phone width.

    .venv/bin/python scripts/screenshots.py http://127.0.0.1:8000 [--map alignment]
        [--frame distribution-shift] [--node nah] [--widths 1280,375] [--full-page]

Starts nothing: point it at a running argmap (`make screenshots` starts one on a
free port, with a fresh seeded database, runs this and stops it). Signs in a demo
user (registering it through the API the first time), so the pages show what a
voter sees, then saves into docs/screenshots/<page>-<width>.png:

    frame   the frame page          node         the node page
    graph   the whole map's graph   graph-frame  the graph filtered to the frame
    map     the map page

Debian's Chromium (/usr/bin/chromium, or $CHROMIUM) through Playwright, as the
end-to-end tests use it. Each picture is the first screen (1280x900 or 375x812),
the graph pages down to the bottom of the drawing; --full-page takes whole pages.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
HEIGHTS = {1280: 900, 375: 812}


def wait_until_up(base: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(f"{base}/api/v1/health/", timeout=5) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            sys.exit(f"screenshots: nothing answers at {base} after {seconds:.0f} s")
        time.sleep(0.5)


def wait_for_fresh_ranking(base: str, slug: str, seconds: float) -> None:
    """Pictures of "Ranking recomputing…" explain nothing: wait for the ranking."""
    deadline = time.monotonic() + seconds
    url = f"{base}/api/v1/maps/{slug}/ranking/?limit=1"
    body = {"status": "unreachable", "stale": True}
    while True:
        try:
            with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310
                body = json.load(response)
        except OSError:
            pass  # the development server restarting after a source file changed
        else:
            if not body["stale"] and body["status"] == "ok":
                return
        if time.monotonic() > deadline:
            sys.exit(
                f"screenshots: the ranking of {slug!r} is still {body['status']!r}"
                f"{' and stale' if body['stale'] else ''} after {seconds:.0f} s"
                "; see the server's log"
            )
        time.sleep(0.5)


def sign_in(page, base: str, username: str, password: str) -> None:
    """Log in through the login page, registering the user through the API first if needed."""

    def log_in() -> bool:
        page.goto(f"{base}/accounts/login/?next=/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        page.click("form button[type=submit]")
        page.wait_for_load_state()
        return "/accounts/login/" not in page.url

    if log_in():
        return
    response = page.request.post(
        f"{base}/api/v1/auth/register/",
        data=json.dumps({"username": username, "password": password}),
        headers={"Content-Type": "application/json"},
    )
    if not response.ok:
        sys.exit(f"screenshots: could not register {username!r}: {response.text()[:300]}")
    if not log_in():
        sys.exit(f"screenshots: could not log in as {username!r}")


def pages(args: argparse.Namespace) -> list[tuple[str, str]]:
    m = f"/maps/{args.map}"
    return [
        ("frame", f"{m}/frames/{args.frame}/"),
        ("node", f"{m}/nodes/{args.node}/"),
        ("graph", f"{m}/graph/"),
        ("graph-frame", f"{m}/graph/?frame={args.frame}"),
        ("map", f"{m}/"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base", help="where argmap runs, e.g. http://127.0.0.1:8000")
    parser.add_argument("--map", default="alignment")
    parser.add_argument("--frame", default="distribution-shift")
    parser.add_argument("--node", default="nah")
    parser.add_argument("--widths", default="1280,375")
    parser.add_argument("--user", default="demo")
    parser.add_argument("--password", default="a demo passphrase for screenshots 7")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots")
    parser.add_argument("--full-page", action="store_true")
    parser.add_argument("--wait", type=float, default=0, help="seconds to wait for the server")
    args = parser.parse_args()
    base = args.base.rstrip("/")
    if args.wait:
        wait_until_up(base, args.wait)
    wait_for_fresh_ranking(base, args.map, 60)
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    args.out.mkdir(parents=True, exist_ok=True)
    saved = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--no-first-run"]
        )
        for width in (int(w) for w in args.widths.split(",")):
            context = browser.new_context(
                viewport={"width": width, "height": HEIGHTS.get(width, 900)},
                device_scale_factor=1,
            )
            page = context.new_page()
            page.set_default_timeout(30_000)
            sign_in(page, base, args.user, args.password)
            for name, path in pages(args):
                response = page.goto(base + path)
                if response is None or not response.ok:
                    status = response.status if response else "no response"
                    sys.exit(f"screenshots: {path} answered {status}")
                page.wait_for_load_state("networkidle")
                if name.startswith("graph"):
                    try:
                        page.wait_for_selector("#graph[data-ready]")
                    except PlaywrightError:
                        said = page.text_content("#graph-info") or ""
                        sys.exit(f"screenshots: the graph at {path} was never drawn ({said!r})")
                target = args.out / f"{name}-{width}.png"
                clip = None
                if name.startswith("graph") and not args.full_page:
                    # The whole drawing, which starts below the first screen's fold.
                    bottom = page.evaluate(
                        "() => document.getElementById('graph').getBoundingClientRect().bottom"
                        " + window.scrollY"
                    )
                    clip = {"x": 0, "y": 0, "width": width, "height": bottom + 16}
                page.screenshot(
                    path=str(target), full_page=clip is not None or args.full_page, clip=clip
                )
                saved.append(target)
            context.close()
        browser.close()
    for target in saved:
        print(target.relative_to(REPO) if target.is_relative_to(REPO) else target)


if __name__ == "__main__":
    main()
