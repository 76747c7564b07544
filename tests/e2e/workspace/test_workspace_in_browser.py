"""The agent workspace in a real browser against a real ASGI server (uvicorn),
so that server-sent events arrive as they would in production.

One server and one browser for the whole module; each test opens its own
browser contexts (separate sessions). Screenshots go to docs/screenshots/.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[3]
AXE = ROOT / "tests" / "e2e" / "vendor" / "axe.min.js"
SHOTS = ROOT / "docs" / "screenshots"
PASSWORD = "casework-demo"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    data = tmp_path_factory.mktemp("workspace-server")
    env = {
        **os.environ,
        "CASEWORK_TESTING": "1",
        "CASEWORK_DEBUG": "1",
        "CASEWORK_DATA_DIR": str(data),
        "CASEWORK_DATABASE_URL": f"sqlite:///{data / 'casework.db'}",
        "CASEWORK_REDIS_URL": "",
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
        "DJANGO_SETTINGS_MODULE": "casework.config.settings",
    }
    env.pop("CASEWORK_TEST_DB_NAME", None)
    seeded = subprocess.run(
        [sys.executable, "-m", "tests.e2e.workspace.seed"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert seeded.returncode == 0, seeded.stderr[-3000:]
    cases = json.loads(seeded.stdout.strip().splitlines()[-1])
    port = _free_port()
    log = open(data / "uvicorn.log", "w")  # noqa: SIM115  (closed below)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "casework.config.asgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--timeout-graceful-shutdown",
            "1",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1)
            break
        except OSError:
            if process.poll() is not None:
                break
            time.sleep(0.05)  # waiting for a real server to bind, not for the clock
    else:
        process.kill()
        pytest.fail("uvicorn did not start")
    assert process.poll() is None, (data / "uvicorn.log").read_text()[-3000:]
    yield {"base": base, "cases": cases}
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def sign_in(browser: Any, server: dict[str, Any], email: str, **context: Any) -> Any:
    page = browser.new_context(viewport={"width": 1280, "height": 860}, **context).new_page()
    page.set_default_timeout(5000)
    page.goto(server["base"] + "/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(server["base"] + "/")
    return page


def serious_violations(page: Any) -> list[str]:
    if not AXE.exists():
        pytest.skip(f"axe-core is missing at {AXE}")
    page.add_script_tag(content=AXE.read_text())
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']}: {v['help']} ({', '.join(n['target'][0] for n in v['nodes'][:3])})"
        for v in result["violations"]
        if v["impact"] in {"serious", "critical"}
    ]


def wait_live(page: Any) -> None:
    page.wait_for_selector("body[data-live=on]", timeout=5000)


def test_agent_signs_in_opens_a_view_and_the_pages_are_accessible(
    browser: Any, server: dict[str, Any]
) -> None:
    from playwright.sync_api import expect

    page = browser.new_context(viewport={"width": 1280, "height": 860}).new_page()
    page.goto(server["base"] + "/login/")
    assert serious_violations(page) == []
    page.close()

    page = sign_in(browser, server, "agent@example.com")
    expect(page.get_by_role("heading", name="My open cases")).to_be_visible()
    page.get_by_role("link", name="Unassigned in my teams").click()
    expect(page.get_by_role("heading", name="Unassigned in my teams")).to_be_visible()
    expect(page.get_by_text("Export to CSV drops the last row")).to_be_visible()
    expect(page.locator("#count-unassigned")).not_to_be_empty()
    assert serious_violations(page) == []
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "list-view.png"))

    # Keyboard: j selects the first row, o opens it.
    page.keyboard.press("j")
    expect(page.locator("tr.selected")).to_have_count(1)
    page.keyboard.press("o")
    page.wait_for_url("**/cases/*/")
    page.go_back()
    page.keyboard.press("?")
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_visible()
    page.keyboard.press("Escape")

    phone = browser.new_context(
        viewport={"width": 390, "height": 844}, storage_state=page.context.storage_state()
    )
    small = phone.new_page()
    small.goto(server["base"] + "/?view=unassigned")
    expect(small.get_by_text("Export to CSV drops the last row")).to_be_visible()
    small.screenshot(path=str(SHOTS / "list-view-phone.png"))
    phone.close()
    page.context.close()


def test_agent_replies_and_notes_on_a_case(browser: Any, server: dict[str, Any]) -> None:
    from playwright.sync_api import expect

    number = server["cases"]["work"]
    page = sign_in(browser, server, "agent@example.com")
    page.goto(f"{server['base']}/cases/{number}/")
    expect(page.get_by_role("heading", name="Export to CSV drops the last row")).to_be_visible()

    page.get_by_label("Message", exact=True).fill("Thanks, we can reproduce it and are fixing it.")
    page.get_by_role("button", name="Send reply").click()
    timeline = page.locator("#timeline")
    expect(timeline).to_contain_text("Thanks, we can reproduce it")
    expect(page.get_by_label("Message", exact=True)).to_have_value("")
    expect(page.locator("#case-header")).to_contain_text("open")

    page.keyboard.press("n")  # note mode, composer focused
    page.keyboard.type("Engineering ticket ENG-42 filed.")
    page.get_by_role("button", name="Add note").click()
    expect(page.locator(".msg-internal")).to_contain_text("ENG-42")

    page.get_by_role("heading", name="Export to CSV drops the last row").click()  # leave the composer
    page.keyboard.press("a")
    expect(page.locator("#case-header")).to_contain_text("Alex Agent")
    assert serious_violations(page) == []
    page.screenshot(path=str(SHOTS / "case-page.png"), full_page=True)
    page.emulate_media(color_scheme="dark")  # the theme follows the system setting
    assert serious_violations(page) == []
    page.screenshot(path=str(SHOTS / "case-page-dark.png"), full_page=True)
    page.context.close()


def test_a_draft_survives_a_reload(browser: Any, server: dict[str, Any]) -> None:
    from playwright.sync_api import expect

    number = server["cases"]["draft"]
    page = sign_in(browser, server, "agent@example.com")
    page.goto(f"{server['base']}/cases/{number}/")
    page.get_by_label("Message", exact=True).fill("Half-written answer about the crash")
    expect(page.locator("[data-draft-status]")).to_have_text("Draft saved")
    page.reload()
    expect(page.get_by_label("Message", exact=True)).to_have_value("Half-written answer about the crash")
    second_tab = page.context.new_page()
    second_tab.goto(f"{server['base']}/cases/{number}/")
    expect(second_tab.get_by_label("Message", exact=True)).to_have_value(
        "Half-written answer about the crash"
    )
    page.context.close()


def test_status_changes_on_the_board_with_the_keyboard(browser: Any, server: dict[str, Any]) -> None:
    from playwright.sync_api import expect

    number = server["cases"]["board"]
    page = sign_in(browser, server, "agent@example.com")
    page.goto(f"{server['base']}/board?view=unassigned")
    card = page.locator(f".card[data-number='{number}']")
    expect(card).to_be_visible()
    card.get_by_label(f"Move {number} to").select_option("pending")
    card.get_by_role("button", name="Move").click()
    expect(page.locator(f"[data-drop-status=pending] .card[data-number='{number}']")).to_be_visible()
    # Dragging goes through the same rules: pending cannot go back to new.
    moved = page.locator(f".card[data-number='{number}']")
    moved.drag_to(page.locator("[data-drop-status=new]"))
    expect(page.locator("#board-error")).to_contain_text("cannot go from pending to new")
    page.screenshot(path=str(SHOTS / "board.png"))
    page.context.close()


def test_a_colleague_sees_the_reply_live_and_a_stale_save_gets_the_conflict_screen(
    browser: Any, server: dict[str, Any]
) -> None:
    from playwright.sync_api import expect

    number = server["cases"]["live"]
    url = f"{server['base']}/cases/{number}/"
    alex = sign_in(browser, server, "agent@example.com")
    sam = sign_in(browser, server, "sam@example.com")
    alex.goto(url)
    sam.goto(url)
    wait_live(sam)

    alex.get_by_label("Message", exact=True).fill("The corrected invoice is attached.")
    alex.get_by_role("button", name="Send reply").click()
    expect(sam.locator("#timeline")).to_contain_text("The corrected invoice is attached.", timeout=2000)
    expect(sam.locator("#live-notice")).to_contain_text("Alex Agent")

    # Both edit the same loaded case; the second save must not overwrite the first.
    alex.reload()
    sam.reload()
    alex.get_by_label("Priority").select_option("urgent")
    alex.get_by_role("button", name="Save", exact=True).click()
    expect(alex.locator("#fields")).to_contain_text("Saved.")
    sam.get_by_label("Priority").select_option("low")
    sam.get_by_role("button", name="Save", exact=True).click()
    conflict = sam.locator("#fields")
    expect(conflict).to_contain_text("Someone else changed this case")
    expect(conflict).to_contain_text("urgent")
    expect(sam.locator("#case-header")).to_contain_text("urgent")
    sam.get_by_role("button", name="Re-apply my changes").click()
    expect(sam.locator("#fields")).to_contain_text("Saved.")
    expect(sam.locator("#case-header")).to_contain_text("low")

    # A case taken on the phone shows up in a colleague's open queue without a reload.
    sam.goto(f"{server['base']}/?view=unassigned")
    wait_live(sam)
    alex.goto(f"{server['base']}/cases/new")
    alex.get_by_label("Name", exact=True).fill("Walk In")
    alex.get_by_label("Email", exact=True).fill("walk.in@customer.example")
    alex.get_by_label("Title").fill("Scanner jams on every page")
    alex.get_by_label("Assign to me").uncheck()
    alex.get_by_label("Team").select_option(label="Support")
    alex.get_by_role("button", name="Open case").click()
    alex.wait_for_url("**/cases/*/")
    expect(sam.locator("#case-list")).to_contain_text("Scanner jams on every page", timeout=2000)
    alex.context.close()
    sam.context.close()
