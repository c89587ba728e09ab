"""The report and the explorer as people see them: in headless Chromium, screenshots kept."""

import base64
import itertools
import json
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
import requests
from websockets.sync.client import connect

from image_telephone.analysis.explorer import explorer_command

from .browser import ARTIFACTS, chromium, rendered_dom, screenshot
from .s3_server import free_port
from .test_analysis_report import RUN, TURNS, ReportPage, offline_game  # noqa: F401

pytestmark = pytest.mark.browser


def test_report_timeline_renders_one_entry_per_turn(offline_game):  # noqa: F811
    page = (Path(offline_game.location) / "report.html").as_uri()
    dom = ReportPage(rendered_dom(page))
    assert [entry["id"] for entry in dom.turns] == [f"turn-{turn}" for turn in range(TURNS)]
    assert dom.captions == offline_game.captions
    assert {"drift", "path", "chain"} <= set(dom.figures)
    screenshot(page, "analysis-report.png")


class DevTools:
    """Headless Chromium driven over the DevTools protocol, to wait for a live app to settle."""

    def __init__(self, url: str, profile: Path):
        self.process = subprocess.Popen(
            [
                chromium(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
                "--window-size=1280,2000", "--remote-debugging-port=0", url,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        self.profile = profile
        self.ids = itertools.count(1)

    def __enter__(self) -> "DevTools":
        port_file = self.profile / "DevToolsActivePort"
        _wait(lambda: port_file.exists() and port_file.read_text().strip(), "DevTools port")
        port = port_file.read_text().split()[0]
        targets = requests.get(f"http://127.0.0.1:{port}/json/list", timeout=10).json()
        page = next(target for target in targets if target["type"] == "page")
        self.socket = connect(page["webSocketDebuggerUrl"], max_size=None).__enter__()
        return self

    def __exit__(self, *exc_info) -> None:
        if hasattr(self, "socket"):
            self.socket.__exit__(*exc_info)
        self.process.terminate()
        self.process.wait(timeout=20)

    def call(self, method: str, **params) -> dict:
        """Sends one command and returns its result, skipping events on the way."""
        request = next(self.ids)
        self.socket.send(json.dumps({"id": request, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv(timeout=60))
            if message.get("id") == request:
                assert "error" not in message, message
                return message["result"]

    def evaluate(self, expression: str):
        """The JSON value of a JavaScript expression in the page."""
        answer = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return answer["result"].get("value")

    def press(self, key: str, code: int) -> None:
        """Presses and releases a key in the focused element."""
        for kind in ("keyDown", "keyUp"):
            self.call(
                "Input.dispatchKeyEvent", type=kind, key=key, code=key, windowsVirtualKeyCode=code
            )


def _wait(check, what: str, seconds: float = 90):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.3)
    pytest.fail(f"gave up waiting for {what} after {seconds:.0f} s")


@pytest.fixture
def explorer_url(offline_game):  # noqa: F811
    """`streamlit run` of the explorer on 127.0.0.1, as `image-telephone explore` starts it."""
    chromium()
    port = free_port()
    command, environment = explorer_command(str(Path(offline_game.location).parent), port)
    server = subprocess.Popen(
        command, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"

    def healthy() -> bool:
        try:
            return requests.get(f"{url}/_stcore/health", timeout=2).text == "ok"
        except requests.RequestException:  # refused or slow while starting
            return False

    try:
        _wait(healthy, "the Streamlit server")
        yield url
    finally:
        server.terminate()
        server.wait(timeout=20)


_PAGE_STATE = """(() => {
  const app = document.querySelector('[data-testid="stApp"]');
  const slider = document.querySelector('[data-testid="stSlider"] input[type="range"]');
  return {
    state: app && app.getAttribute('data-test-script-state'),
    text: document.body.innerText,
    turn: slider && slider.value,
    address: location.search,
    links: [...document.querySelectorAll('a')].map(a => a.getAttribute('href')),
    images: document.querySelectorAll('[data-testid="stImage"] img').length,
  };
})()"""


def _settled(browser: DevTools, turn: int) -> dict:
    """The explorer's state once it has finished drawing the given turn."""

    def check():
        state = browser.evaluate(_PAGE_STATE)
        if state is None:  # the expression threw: the page has no body yet
            return None
        done = state["state"] == "notRunning" and state["images"] == 3
        return state if done and f"turn {turn}\n" in state["text"] else None

    return _wait(check, f"the explorer to draw turn {turn}")


def test_explorer_deep_link_and_slider_in_chromium(explorer_url, offline_game):  # noqa: F811
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as profile:
        with DevTools(f"{explorer_url}/?run={RUN}&turn=3", Path(profile)) as browser:
            page = _settled(browser, 3)
            shot = browser.call("Page.captureScreenshot", format="png")["data"]
            browser.evaluate("""document.querySelector('[data-testid="stSlider"] input').focus()""")
            browser.press("ArrowRight", 39)
            moved = _settled(browser, 4)
    assert page["turn"] == "3"
    assert offline_game.captions[3] in page["text"]
    assert f"?run={RUN}&turn=3" in page["links"]
    assert moved["turn"] == "4" and offline_game.captions[4] in moved["text"]
    assert "turn=4" in moved["address"]  # the address bar deep-links the turn on view
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "analysis-explorer.png").write_bytes(base64.b64decode(shot))
