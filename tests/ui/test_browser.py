"""The real thing: `streamlit run ui/app.py` driven by Debian's chromium through Playwright.

Loads the sample, asks a question, opens a citation in the transcript, and saves screenshots under the
test's tmp folder. `UPDATE_SCREENSHOT=1 pytest -m slow tests/ui/test_browser.py` also refreshes docs/ui.png.
Needs `apt-get install chromium` and `pip install playwright` (Playwright's own browser download is not used).
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "ui" / "app.py"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
QUESTION = "Why did the bridge open late?"

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(url: str, process: subprocess.Popen, log: Path, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(
                f"streamlit exited with {process.returncode}:\n{log.read_text(errors='replace')[-3000:]}"
            )
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as reply:
                if reply.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"streamlit did not answer within {seconds} s:\n{log.read_text(errors='replace')[-3000:]}")


@pytest.fixture
def server(tmp_path: Path):
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium chromium-driver")
    pytest.importorskip(
        "playwright.sync_api", reason="Playwright for Python is missing: pip install playwright"
    )
    port = _free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("COHERE_", "CO_API", "ASSISTANT_", "CHROMA_"))
    }
    env.update(
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),  # this tree's package
        ASSISTANT_STORE=str(tmp_path / "store"),
        STREAMLIT_BROWSER_GATHER_USAGE_STATS="false",
        PYTHONUNBUFFERED="1",
    )
    log = tmp_path / "streamlit.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                str(APP),
                "--server.address",
                "127.0.0.1",
                "--server.port",
                str(port),
                "--server.headless",
                "true",
                "--server.fileWatcherType",
                "none",
                "--browser.gatherUsageStats",
                "false",
            ],
            cwd=tmp_path,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, process, log)
        yield url, log
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)


def test_ask_and_open_a_citation_in_a_real_browser(server, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    url, log = server
    expect.set_options(timeout=60_000)  # a cold start on a busy CI machine takes a while
    shots = tmp_path / "screenshots"
    shots.mkdir()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.set_default_timeout(60_000)
            page.goto(url)

            expect(page.get_by_text("Your library is empty")).to_be_visible()
            expect(page.get_by_text("no COHERE_API_KEY is set")).to_be_visible()
            expect(page.get_by_role("button", name="Load the sample transcript")).to_be_visible()
            expect(page.get_by_placeholder("Paste a key and press Enter")).to_be_visible()
            page.wait_for_timeout(300)
            page.screenshot(path=shots / "1-first-run.png")

            page.get_by_role("button", name="Load the sample transcript").click()
            chat = page.get_by_test_id("stChatInputTextArea")
            expect(chat).to_be_enabled()
            expect(page.get_by_test_id("stSidebar").get_by_text("40 utterances")).to_be_visible()
            page.screenshot(path=shots / "2-library.png")

            chat.fill(QUESTION)
            chat.press("Enter")
            expect(page.get_by_text("Sources (")).to_be_visible()
            expect(page.get_by_text("From: Why the Harbour Bridge")).to_be_visible()
            page.wait_for_timeout(500)
            answer = page.get_by_test_id("stChatMessage").last.get_by_text("Offline answer:").first
            box, height = answer.bounding_box(), page.viewport_size["height"]
            assert box and 0 <= box["y"] < height, f"the answer's first line is out of view: {box}"
            # offline sources say who, where and when; the quote itself is the answer above them
            source = page.get_by_test_id("stHorizontalBlock").filter(has_text=re.compile(r"utterance 4\b"))
            expect(source.first).to_be_hidden()  # sources are collapsed until asked for
            page.get_by_text("Sources (").click()
            expect(source.first).to_be_visible()
            source.first.scroll_into_view_if_needed()
            page.wait_for_timeout(300)
            page.screenshot(path=shots / "3-sources.png")

            source.first.get_by_role("button", name="Transcript", exact=True).click()
            dialog = page.get_by_role("dialog")
            expect(dialog).to_be_visible()
            expect(dialog.get_by_text("cited", exact=True)).to_be_visible()
            cited = dialog.locator("p").filter(has_text="Three things, really")
            expect(cited.get_by_text("cited", exact=True)).to_be_visible()  # the cited line is the one marked
            expect(dialog.get_by_text("Which of those hurt the most?")).to_be_visible()  # a neighbour
            page.wait_for_timeout(500)
            page.screenshot(path=shots / "4-transcript.png")

            page.keyboard.press("Escape")
            expect(dialog).to_be_hidden()
            page.set_viewport_size({"width": 1280, "height": 1500})
            page.get_by_test_id("stChatMessage").first.evaluate("e => e.scrollIntoView({block: 'center'})")
            page.wait_for_timeout(800)
            final = shots / "5-conversation.png"
            page.screenshot(path=final)
        finally:
            browser.close()

    text = log.read_text(errors="replace")
    assert "Traceback" not in text, text[-3000:]
    if os.environ.get("UPDATE_SCREENSHOT") == "1":
        from PIL import Image  # Streamlit depends on Pillow

        (ROOT / "docs").mkdir(exist_ok=True)
        small = Image.open(final).convert("RGB").quantize(colors=64, method=Image.Quantize.MEDIANCUT)
        small.save(ROOT / "docs" / "ui.png", optimize=True)  # about 70 KB instead of 200
