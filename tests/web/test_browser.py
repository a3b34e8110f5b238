"""Browser tests in headless Chromium (Debian's `chromium`, driven by Playwright through executable_path).

Scenario: a coder opens the queue and an encounter, clicks a code and sees its evidence highlighted in the note,
accepts the codes (one with the keyboard) and finishes; a biller scrubs and submits claims, imports an 835, sees
the postings and the denial in the queue. Screenshots go to test-artifacts/ (gitignored).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from chartclaim.edits import ScrubContext
from chartclaim.settings import Settings
from chartclaim.store.db import make_engine, session_scope, upgrade
from chartclaim.web.app import create_app
from chartclaim.web.security import use_fast_hasher
from chartclaim.web.services.claims import Scrubber
from tests.web.fakes import FakeCodes, fake_suggester
from tests.web.seed import PASSWORD, era_835, seed

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "web"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="headless browser tests need Debian's chromium at "
                       "/usr/bin/chromium (apt-get install -y chromium)"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, int], Path]]:
    import uvicorn

    use_fast_hasher()
    root = tmp_path_factory.mktemp("browser")
    url = f"sqlite:///{root / 'web.sqlite'}"
    eng = make_engine(url)
    upgrade(eng)
    with session_scope(eng) as db:
        ids = seed(db)
    eng.dispose()
    settings = Settings(database_url=url, data_dir=root / "data", secret_key="browser-secret")
    app = create_app(settings, engine=make_engine(url, connect_args={"check_same_thread": False}),
                     suggester=fake_suggester, codes=FakeCodes(),
                     scrubber=Scrubber(ScrubContext(codesets=None, store=None, rules=())))
    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    t = threading.Thread(target=srv.run, daemon=True)
    t.start()
    for _ in range(100):
        if srv.started:
            break
        time.sleep(0.05)
    era = root / "era.835"
    era.write_text(era_835("EFT7001"))
    yield f"http://127.0.0.1:{port}", ids, era
    srv.should_exit = True
    t.join(timeout=5)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    pytest.importorskip("playwright", reason="browser tests need the playwright package (dev extra)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


REQUESTS: list[str] = []


def _login(browser: object, base: str, user: str):  # type: ignore[no-untyped-def]
    ctx = browser.new_context(viewport={"width": 1366, "height": 768})  # type: ignore[attr-defined]
    page = ctx.new_page()
    page.on("request", lambda req: REQUESTS.append(req.url))
    page.goto(f"{base}/login")
    page.fill('input[name="username"]', user)
    page.fill('input[name="password"]', PASSWORD)
    page.click('button[type="submit"]')
    return ctx, page


def _shot(page: object, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]


def test_coder_reviews_an_encounter(server: tuple[str, dict[str, int], Path], browser: object) -> None:
    base, ids, _ = server
    ctx, page = _login(browser, base, "coder")
    page.wait_for_url(f"{base}/coding")
    assert page.locator("#queue tbody tr").count() >= 3
    _shot(page, "01-coding-queue")
    # keyboard: j, j, k selects the first (oldest) row again; Enter opens it
    for key in ("j", "j", "k"):
        page.keyboard.press(key)
    assert page.locator("#queue tbody tr.sel").get_attribute("data-id") == str(ids["encounter0"])
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/encounters/{ids['encounter0']}")
    # clicking a code highlights its evidence in the note
    page.click('.code-item[data-code="N18.31"] .c')
    mark = page.locator("#note mark.ev")
    assert mark.count() >= 1
    assert mark.first.inner_text().lower() == "chronic kidney disease stage 3a"
    assert page.locator('.code-item[data-code="N18.31"]').get_attribute("class").split().count("sel") == 1
    page.click('.code-item[data-code="M17.12"] .c')
    assert page.locator("#note mark.ev").first.inner_text().lower() == "osteoarthritis of left knee"
    _shot(page, "02-encounter-evidence")
    # keyboard: select the first code (k moves up to it) and accept it with "a"
    page.click('.code-item[data-code="E11.22"] .c')
    page.keyboard.press("a")
    page.wait_for_selector('.code-item.decided-accept[data-code="E11.22"]')
    # accept the rest and finish
    page.click("#accept-all")
    page.wait_for_selector(".flash")
    page.click("#finish")
    page.wait_for_selector("#final-codes")
    final = page.inner_text("#final-codes")
    assert "E11.22" in final and "N18.31" in final and "99213" in final
    assert "reviewed" in page.inner_text("#status")
    _shot(page, "03-encounter-finished")
    ctx.close()


def test_biller_submits_imports_and_works_denials(server: tuple[str, dict[str, int], Path], browser: object) -> None:
    base, ids, era = server
    ctx, page = _login(browser, base, "biller")
    page.wait_for_url(f"{base}/claims")
    page.check(f'input[name="claim_id"][value="{ids["claim0"]}"]')
    page.click("#scrub-selected")
    page.wait_for_selector("#flash")
    assert "1 ready" in page.inner_text("#flash")
    page.check(f'input[name="claim_id"][value="{ids["claim0"]}"]')
    page.click("#submit-selected")
    page.wait_for_selector("#flash")
    assert "submitted 1 claims" in page.inner_text("#flash")
    assert page.locator('#claims tr:has(a:text("C2000")) .badge').first.inner_text() == "submitted"
    _shot(page, "04-claims-submitted")
    page.goto(f"{base}/remittances")
    page.set_input_files('#import-835 input[type="file"]', str(era))
    page.click('#import-835 button[type="submit"]')
    page.wait_for_selector("#posting-result")
    assert "2 claims posted" in page.inner_text("#posting-result")
    _shot(page, "05-remittance-posted")
    page.click("#remittances tbody a")
    rows = page.locator("#postings tbody tr")
    assert rows.count() == 2
    text = page.inner_text("#postings")
    assert "C2002" in text and "C2003" in text and "CO-197" in text
    _shot(page, "06-remittance-postings")
    page.goto(f"{base}/denials")
    assert page.locator("#denials tbody tr").count() == 1
    row = page.inner_text("#denials tbody tr")
    assert "C2003" in row and "CO-197" in row
    _shot(page, "07-denial-queue")
    ctx.close()


def test_manager_dashboard(server: tuple[str, dict[str, int], Path], browser: object) -> None:
    base, _ids, _ = server
    ctx, page = _login(browser, base, "manager")
    page.wait_for_url(f"{base}/dashboard")
    assert page.locator("#chart-aging rect").count() >= 1
    _shot(page, "08-dashboard")
    page.goto(f"{base}/audit")
    assert "login" in page.inner_text("table.grid tbody")
    _shot(page, "09-audit-log")
    ctx.close()


def test_nothing_is_loaded_from_elsewhere(server: tuple[str, dict[str, int], Path], browser: object) -> None:
    base, ids, _ = server
    ctx, page = _login(browser, base, "coder")
    page.wait_for_url(f"{base}/coding")
    page.goto(f"{base}/encounters/{ids['encounter1']}")
    page.fill("input[data-code-search]", "bronch")
    page.wait_for_selector("#search-out li")
    assert "J20.9" in page.inner_text("#search-out")
    ctx.close()
    assert REQUESTS and all(u.startswith(base) for u in REQUESTS), [u for u in REQUESTS if not u.startswith(base)]
