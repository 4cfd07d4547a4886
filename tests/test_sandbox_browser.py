"""The sandbox's page in a real headless Chromium (Debian's chromium and chromium-driver, selenium):
`python -m bot sandbox` as a newcomer runs it, then 林婆婆 files 2斤青菜, 王芳 claims it in the staff
column and 林婆婆's column shows «已接单»; the clock panel brings her check-in and, unanswered, the
escalation card. A screenshot of each is saved in the test's folder (DOORSTEP_SCREENSHOTS=docs copies
the first to docs/sandbox.png, the README's)."""

from __future__ import annotations

import os
import select
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select, WebDriverWait

from sandbox.world import EAST_GROUP
from tests.helpers import ITEMS_PROMPT, catalog_text, visible_text

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(
    not (CHROMIUM and DRIVER),
    reason="no Chromium: install Debian's chromium and chromium-driver (apt-get install -y chromium "
           "chromium-driver fonts-noto-cjk fonts-noto-color-emoji; .ci/run does)",
)

ROOT = Path(__file__).resolve().parents[1]
LIN = 1001
WAIT = 40


def free_port() -> int:
    """A port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def page_url(tmp_path: Path) -> Iterator[str]:
    """`python -m bot sandbox` in an empty folder (no .env, no token), as a newcomer starts it; its URL."""
    env = {k: v for k, v in os.environ.items() if k not in ("BOT_TOKEN", "TELEGRAM_API_URL")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "sandbox", "--port", str(free_port()), "--dir", str(tmp_path / "data")],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + 120
        line = ""
        while time.monotonic() < deadline and process.poll() is None:
            ready, _, _ = select.select([process.stdout], [], [], 1)
            if ready:
                line = process.stdout.readline()
                break
        assert "http://127.0.0.1:" in line, f"no URL line; stderr: {process.stderr.read() if process.poll() is not None else ''}"
        yield line.split("open ", 1)[1].split()[0]
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def browser() -> Iterator[WebDriver]:
    """Headless Chromium at a laptop's size, in Chinese."""
    options = Options()
    options.binary_location = CHROMIUM or ""
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1600,1000",
                     "--lang=zh-CN", "--force-device-scale-factor=1"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(DRIVER or ""), options=options)
    try:
        yield driver
    finally:
        driver.quit()


class Page:
    """The sandbox page, driven like a trainee would."""

    def __init__(self, driver: WebDriver) -> None:
        self.driver = driver

    def wait(self, check: Callable[[], Any], what: str) -> Any:
        """Until check() is truthy (DOM nodes are replaced as events arrive: a stale one is tried again)."""
        def attempt(_: Any) -> Any:
            try:
                return check()
            except (StaleElementReferenceException, WebDriverException):
                return False
        try:
            return WebDriverWait(self.driver, WAIT, poll_frequency=0.2).until(attempt)
        except Exception as exc:
            raise AssertionError(f"{what}: not seen within {WAIT}s; columns: {self.texts()}") from exc

    def column(self, chat_id: int) -> Any:
        """A chat column."""
        return self.driver.find_element(By.CSS_SELECTOR, f'.column[data-chat="{chat_id}"]')

    def text(self, chat_id: int) -> str:
        """Everything a column's messages say (also what is scrolled out of view)."""
        return str(self.column(chat_id).find_element(By.CSS_SELECTOR, ".messages").get_attribute("textContent"))

    def texts(self) -> dict[str, str]:
        """The end of every column, for a failure message."""
        columns = self.driver.find_elements(By.CSS_SELECTOR, ".column")
        return {str(c.get_attribute("data-chat")): str(c.get_attribute("textContent"))[-300:] for c in columns}

    def shows(self, chat_id: int, text: str) -> None:
        """Wait until a column shows the text."""
        self.wait(lambda: text in self.text(chat_id), f"{text!r} in column {chat_id}")

    def press(self, chat_id: int, label: str, where: str = ".messages") -> None:
        """Press the newest button with this label in a column's messages (or its reply keyboard)."""
        def click() -> bool:
            buttons = [b for b in self.column(chat_id).find_elements(By.CSS_SELECTOR, f"{where} button")
                       if label in b.text and b.is_enabled()]
            if not buttons:
                return False
            self.driver.execute_script("arguments[0].scrollIntoView({block: 'nearest'})", buttons[-1])
            buttons[-1].click()
            return True
        self.wait(click, f"button {label!r} in column {chat_id}")

    def type(self, chat_id: int, text: str) -> None:
        """Type and send."""
        field = self.column(chat_id).find_element(By.CSS_SELECTOR, ".composer .text")
        field.send_keys(text, Keys.ENTER)

    def screenshot(self, path: Path, publish: bool = False) -> None:
        """A PNG of the page; with `publish`, copied to DOORSTEP_SCREENSHOTS when set (docs/ for the README)."""
        assert self.driver.save_screenshot(str(path)), f"no screenshot at {path}"
        assert path.stat().st_size > 10_000
        target = os.environ.get("DOORSTEP_SCREENSHOTS")
        if target and publish:
            shutil.copy(path, Path(target) / path.name)


def test_request_claimed_and_checkin_escalated_in_the_browser(page_url: str, browser: WebDriver, tmp_path: Path) -> None:
    """The issue's browser test: the 2斤青菜 request from 林婆婆's column to 王芳's claim and back to
    «已接单»; then the clock panel: her check-in, unanswered, and its escalation card."""
    browser.get(page_url)
    page = Page(browser)
    page.wait(lambda: page.column(LIN) and page.column(EAST_GROUP), "the default columns")

    page.press(LIN, "🔗", where=".start")  # her invite link, as the register printed it
    page.press(LIN, catalog_text("zh", "✅ I agree"))
    page.shows(LIN, visible_text("zh", "✅ You are registered. Whenever you need help, choose below."))
    page.press(LIN, catalog_text("zh", "🛒 Food and supplies"), where=".reply-keyboard")
    page.shows(LIN, visible_text("zh", ITEMS_PROMPT).split("\n")[0])
    page.type(LIN, "2斤青菜")
    page.press(LIN, catalog_text("zh", "✅ Yes, that's right"))
    page.press(LIN, catalog_text("zh", "Within 1–2 days"))
    page.press(LIN, "📍")
    page.press(LIN, "🚪")  # the handover: leave it at the door and knock
    page.press(LIN, catalog_text("zh", "✅ Send the request"))

    page.shows(EAST_GROUP, "2斤")
    page.press(EAST_GROUP, "✋")  # 王芳 writes in the staff column by default
    page.shows(LIN, "已接单")
    page.shows(EAST_GROUP, visible_text("zh", "✋ Taken by {name}", name="王芳"))  # the card, edited in place
    page.wait(lambda: browser.find_elements(By.CSS_SELECTOR, '#tour li.done[data-step="claim"]'), "the tour's tick")
    page.screenshot(tmp_path / "sandbox.png", publish=True)

    browser.find_element(By.CSS_SELECTOR, '#clock button[data-step="morning"]').click()
    page.shows(LIN, visible_text("zh", "☀️ Good day, {name}! Are you OK today?", name="林婆婆"))
    for _ in range(2):
        button = browser.find_element(By.CSS_SELECTOR, '#clock button[data-step="1h"]')
        page.wait(button.is_enabled, "the clock button")
        button.click()
        page.wait(button.is_enabled, "the clock button after a move")
    page.shows(EAST_GROUP, visible_text("zh", "No answer to the daily check-in, not even after a reminder."))
    page.screenshot(tmp_path / "sandbox-escalation.png")


def test_switching_the_page_language_relabels_the_open_columns(page_url: str, browser: WebDriver) -> None:
    """A trainee who switches the page to Russian sees the open columns' «resident · private chat with
    the bot» and the clock's weekday in Russian, not left in the Chinese of the first load (the
    columns' subtitles used to be written once, and the weekday always came in English)."""
    browser.get(page_url)
    page = Page(browser)
    page.wait(lambda: page.column(LIN) and "…" not in browser.find_element(By.ID, "clock-time").text,
              "the default columns and the clock")

    def subtitle() -> str:
        return str(page.column(LIN).find_element(By.CSS_SELECTOR, ".sub").text)

    assert "居民" in subtitle()
    Select(browser.find_element(By.ID, "ui-lang")).select_by_value("ru")
    page.wait(lambda: subtitle() == "житель · личный чат с ботом", "the column's subtitle in Russian")
    clock_text = browser.find_element(By.ID, "clock-time").text
    assert not any(day in clock_text for day in ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")), clock_text
    Select(browser.find_element(By.ID, "ui-lang")).select_by_value("uk")
    page.wait(lambda: subtitle() == "мешканець · особистий чат з ботом", "the column's subtitle in Ukrainian")


def test_a_refused_message_stays_in_the_field(page_url: str, browser: WebDriver) -> None:
    """A text longer than Telegram takes (pasted past the field's limit) is refused with a toast, and
    stays in the field to be shortened instead of being lost."""
    browser.get(page_url)
    page = Page(browser)
    page.wait(lambda: page.column(LIN), "the default columns")
    field = page.column(LIN).find_element(By.CSS_SELECTOR, ".composer .text")
    long_text = "青菜" * 2500
    browser.execute_script("arguments[0].value = arguments[1]", field, long_text)
    field.send_keys(Keys.ENTER)
    page.wait(lambda: page.column(LIN).find_elements(By.CSS_SELECTOR, ".col-toasts .toast.error"), "the refusal")
    page.wait(lambda: field.get_attribute("value") == long_text, "the text given back")
