"""The analyst's path in a real JupyterLab driven by headless Chromium (Playwright for Python with
Debian's /usr/bin/chromium; JupyterLab from .venv-lab with the kernel "auditkit"; both made by
`bin/setup-env --browser`, which bin/test runs). On a copy of the demo client:
- stage 2: run all cells, then in the explore panel pick a segment and raise the win-rate norm:
  the panel's win-rate chart and its numbers change;
- the express checklist: answer a question, save: the client's checklist.csv holds the answer.
Screenshots go to $AUDITKIT_SCREENSHOTS (default: the test's tmp folder)."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from helpers import REPO, write

pytestmark = pytest.mark.e2e

CHROMIUM = Path("/usr/bin/chromium")
JUPYTER = REPO / ".venv-lab" / "bin" / "jupyter"
TOKEN = "auditkit-browser-test"
WAIT_MS = 240_000
WIN_RATE_ROW = "Win rate by number of deals"  # a loaded 2-core machine: kernel start, imports and a whole stage take a while


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def lab(tmp_path: Path):
    """JupyterLab on 127.0.0.1 with a fixed token over a copy of the demo client; yields (url, root)."""
    if not CHROMIUM.exists() or not JUPYTER.exists():
        pytest.skip("needs /usr/bin/chromium and .venv-lab: run bin/setup-env --browser (bin/test does)")
    pytest.importorskip("playwright")
    root = tmp_path / "project"
    shutil.copytree(REPO / "data" / "demo", root / "data" / "demo")
    (root / "notebooks").mkdir()
    for name in ("02_process.ipynb", "express_checklist.ipynb"):
        shutil.copy(REPO / "notebooks" / name, root / "notebooks" / name)
    params = (REPO / "params" / "demo.yaml").read_text(encoding="utf-8")
    write(root / "params" / "demo.yaml", params)
    port = _free_port()
    cmd = [str(JUPYTER), "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}", f"--notebook-dir={root}",
           f"--IdentityProvider.token={TOKEN}", f"--LabApp.workspaces_dir={tmp_path / 'workspaces'}",
           f"--LabApp.user_settings_dir={tmp_path / 'settings'}", "--LabApp.news_url=None",
           "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate", "--LabApp.expose_app_in_browser=True"]
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    log = open(tmp_path / "lab.log", "w")
    server = subprocess.Popen(cmd, cwd=root, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                urllib.request.urlopen(f"{url}/api/status?token={TOKEN}", timeout=5)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"JupyterLab did not start: {(tmp_path / 'lab.log').read_text()[-2000:]}")
                time.sleep(1)
        yield url, root
    finally:
        os.killpg(server.pid, signal.SIGTERM)  # the server and the kernels it started
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)
        log.close()


@pytest.fixture
def page(lab, request):
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=WAIT_MS)

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            context = browser.new_context(viewport={"width": 1500, "height": 1000})
            context.set_default_timeout(WAIT_MS)
            page = context.new_page()
            yield page
            page.screenshot(path=screenshots() / f"{request.node.name}-end.png")  # where the test ended (or failed)
        finally:
            browser.close()


def screenshots() -> Path:
    folder = Path(os.environ.get("AUDITKIT_SCREENSHOTS") or "outputs/screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def open_and_run_all(page, url: str, notebook: str) -> None:
    page.goto(f"{url}/lab/tree/notebooks/{notebook}?token={TOKEN}")
    page.wait_for_selector(".jp-Notebook .jp-Cell")
    page.wait_for_selector("text=auditkit | Idle")  # the notebook's kernel is up
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")


def win_rate(section) -> tuple[str, list[str]]:
    """The win-rate row of the KPI table and the chart images of a win-rate section."""
    row = section.locator("tr", has_text=WIN_RATE_ROW).first.text_content()
    return row, section.locator("figure img").evaluate_all("imgs => imgs.map(i => i.src)")


def test_stage_notebook_explore_panel_filters_and_norms(lab, page):
    from playwright.sync_api import expect

    url, _root = lab
    open_and_run_all(page, url, "02_process.ipynb")
    page.wait_for_selector("#process-relationship")  # the last section has been shown
    page.screenshot(path=screenshots() / "lab-process-before.png")
    panel = page.locator(".auditkit-explore")
    notebook = page.locator(".jp-CodeCell").filter(has=page.locator("h2#process-win_rate")).filter(
        has_not=page.locator(".auditkit-explore"))
    whole_row, whole_charts = win_rate(notebook)
    section = panel.locator(".widget-output").filter(has=page.locator("h2#process-win_rate"))

    panel.scroll_into_view_if_needed()
    panel.locator(".widget-dropdown", has_text="Section").locator("select").select_option(
        label="Win rate and average won deal")
    panel.locator("text=Drawn in").wait_for()
    panel.locator(".widget-dropdown", has_text="Segment").locator("select").select_option(label="Retail chains")
    expect(panel).to_contain_text("Shown for segment “Retail chains”")
    panel.locator("text=Drawn in").wait_for()
    assert "Shown for segment “Retail chains”" in panel.text_content()
    segment_row, segment_charts = win_rate(section)
    assert segment_charts and segment_row != whole_row  # another number ...
    assert segment_charts != whole_charts  # ... and another chart for the segment

    slider = panel.locator(".widget-slider", has_text="Win rate norm")
    slider.locator(".noUi-handle").focus()
    for _ in range(5):  # 25% -> 30%, one step (0.01) a key
        page.keyboard.press("ArrowRight")
    slider.locator(".widget-readout").wait_for()
    assert slider.locator(".widget-readout").text_content().strip() == "30%"
    expect(section.locator("tr", has_text=WIN_RATE_ROW).first).to_contain_text("30.0%")
    panel.locator("text=Drawn in").wait_for()
    renormed_row, renormed_charts = win_rate(section)
    assert "30.0%" in renormed_row and "25.0%" in segment_row  # the norm column of the KPI table
    assert renormed_charts != segment_charts  # the norm line moved
    panel.scroll_into_view_if_needed()
    page.screenshot(path=screenshots() / "lab-process-explore.png")


def test_express_checklist_answer_and_save(lab, page):
    from playwright.sync_api import expect

    url, root = lab
    checklist = root / "data" / "demo" / "checklist.csv"
    before = checklist.read_text(encoding="utf-8")
    open_and_run_all(page, url, "express_checklist.ipynb")
    form = page.locator(".widget-vbox").filter(has=page.locator(".widget-toggle-buttons")).first
    form.locator(".widget-toggle-buttons").first.wait_for(state="attached")
    form.locator(".jupyter-widget-Collapse-header").first.click()  # open the first block
    first = form.locator(".widget-toggle-buttons").first
    buttons = first.locator("button")
    pressed = [i for i in range(buttons.count()) if "mod-active" in (buttons.nth(i).get_attribute("class") or "")]
    choice = next(i for i in range(buttons.count()) if i not in pressed)
    buttons.nth(choice).click()
    form.get_by_role("button", name="Save answers").click()
    expect(form).to_contain_text("Saved 1 answer")
    deadline = time.monotonic() + WAIT_MS / 1000
    while checklist.read_text(encoding="utf-8") == before and time.monotonic() < deadline:
        time.sleep(0.5)
    page.screenshot(path=screenshots() / "lab-express-checklist.png")
    assert checklist.read_text(encoding="utf-8") != before, "saving did not change checklist.csv"
