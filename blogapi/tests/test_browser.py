"""The admin and the API docs in a real browser: Debian's Chromium driven by Playwright.

``make browser`` installs Chromium (Playwright's own download cannot reach its host here).
Without it these tests skip, unless ``REQUIRE_BROWSER=1`` (``.ci/run``), where they fail.
A failing test leaves a screenshot in ``.artifacts/`` and names it in the failure.
"""

import json
import os
import shutil
import urllib.request
from pathlib import Path

import pytest

from accounts.tests.factories import PASSWORD, ModeratorFactory
from posts.tests.factories import PostFactory

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / ".artifacts"
# As the machine's own probe runs it: no sandbox as root, and no calls home from a closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

if not Path(CHROMIUM).exists():
    if os.environ.get("REQUIRE_BROWSER") == "1":
        raise RuntimeError(f"REQUIRE_BROWSER=1 but no Chromium at {CHROMIUM}: run `make browser`.")
    pytest.skip("Chromium is not installed (make browser)", allow_module_level=True)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(request):
    """A Chromium page. Request it after the fixtures that write to the database: with
    Playwright's event loop running, the ORM refuses this thread (and would open a connection
    of its own that outlives the test). The tests check through HTTP instead."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page()
        page.set_default_timeout(15_000)
        yield page
        report = getattr(request.node, "rep_call", None)
        if report is not None and report.failed:
            ARTIFACTS.mkdir(exist_ok=True)
            shot = ARTIFACTS / f"{request.node.name}.png"
            page.screenshot(path=str(shot), full_page=True)
            print(f"screenshot of the failing page: {shot}")
        browser.close()


def listed_ids(live_server) -> list[str]:
    with urllib.request.urlopen(f"{live_server.url}/api/posts?limit=100") as response:
        return [post["id"] for post in json.load(response)["posts"]]


@pytest.fixture
def moderator(db):
    return ModeratorFactory()


@pytest.fixture
def needle(db):
    return PostFactory(title="A needle in the haystack")


@pytest.fixture
def other(db):
    return PostFactory(title="Something else")


def test_moderator_unpublishes_a_post_in_the_admin_and_the_public_list_drops_it(
    live_server, moderator, needle, other, page
):
    assert set(listed_ids(live_server)) == {str(needle.id), str(other.id)}

    page.goto(f"{live_server.url}/admin/")
    page.fill("#id_username", moderator.email)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#site-name")

    page.goto(f"{live_server.url}/admin/posts/post/")
    page.fill("#searchbar", "needle")
    page.press("#searchbar", "Enter")
    page.wait_for_url("**/admin/posts/post/?q=needle")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 1
    assert "live" in rows.first.inner_text()

    rows.first.locator("input.action-select").check()
    page.select_option("select[name=action]", "unpublish")
    page.click("button[name=index]")
    page.wait_for_selector(".messagelist .success")

    assert "1 post(s) moved back to draft." in page.inner_text(".messagelist")
    assert "draft" in page.locator("#result_list tbody tr").first.inner_text()
    assert listed_ids(live_server) == [str(other.id)]


def test_swagger_ui_renders_and_try_it_out_lists_posts(live_server, needle, page):
    page.goto(f"{live_server.url}/api/docs/")
    operation = page.locator(".opblock-get").filter(has=page.locator("[data-path='/api/posts']")).first
    operation.locator(".opblock-summary").click()
    operation.get_by_role("button", name="Try it out").click()
    operation.get_by_role("button", name="Execute").click()

    status = operation.locator(".live-responses-table .response .response-col_status").first
    status.wait_for()
    assert status.inner_text().strip() == "200"
    assert needle.title in operation.locator(".live-responses-table .microlight").first.inner_text()


@pytest.mark.parametrize("path", ["/api/docs/", "/api/redoc/"])
def test_docs_pages_render_with_no_request_to_another_host_and_no_console_error(live_server, needle, page, path):
    foreign, errors = [], []
    page.on(
        "request", lambda request: foreign.append(request.url) if not request.url.startswith(live_server.url) else None
    )
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)

    page.goto(f"{live_server.url}{path}")
    page.get_by_text("/api/posts").first.wait_for()
    page.wait_for_load_state("networkidle")

    assert [url for url in foreign if not url.startswith(("data:", "blob:"))] == []
    assert errors == []
