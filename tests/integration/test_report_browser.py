"""bench-report in headless Chromium: no console errors, no network, sorting, issues, documents.

Drives Debian's ``chromium`` with its ``chromedriver`` through Selenium (``make test-browser``;
``.ci/run`` installs them when missing). The screenshot is kept in ``results/test-artifacts/``
(``BENCH_ARTIFACTS`` to put it elsewhere).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.browser
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
# A summary with a planted fact error: no article calls Imran Khan prime minister or says Lahore.
PLANTED = ("US Defense Secretary Jim Mattis met Prime Minister Imran Khan in Lahore on Friday.\n"
           "Mattis said Pakistan must do more against militants.")  # fmt: skip


def _bench(*args: str, cwd: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-m", *args], cwd=cwd, env=env, capture_output=True,
                         text=True, timeout=600)  # fmt: skip
    assert out.returncode == 0, out.stderr[-3000:]


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("report")
    sweep = work / "sweep"
    _bench("bench.run", "-m", "summarizer=lead,textrank,random", f"hydra.sweep.dir={sweep}",
           cwd=work)  # fmt: skip
    planted = work / "planted.jsonl"
    row = {"cluster_id": "mattis_pakistan_2017", "summary": PLANTED}
    planted.write_text(json.dumps(row) + "\n", encoding="utf-8")
    _bench("bench.run", "summarizer=precomputed", f"summarizer.path={planted}",
           "summarizer.name=planted", f"hydra.run.dir={sweep / 'planted'}", cwd=work)  # fmt: skip
    _bench("bench.report.cli", str(sweep), "--baseline", "lead", cwd=work)
    return sweep / "report.html"


@pytest.fixture(scope="module")
def browser():
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    if not CHROMIUM or not CHROMEDRIVER:
        pytest.skip("Debian's chromium and chromium-driver are not installed")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1400,2000"):  # fmt: skip
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


def _requests(driver) -> list[str]:
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def test_the_report_works_in_a_real_browser(report, browser):
    from selenium.webdriver.common.by import By

    browser.get(report.as_uri())
    assert browser.title.startswith("mdsbench report")
    # no console errors, and nothing fetched but the page itself (plots are data: URIs)
    assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []
    fetched = [u for u in _requests(browser) if not u.startswith("data:")]
    assert fetched == [report.as_uri()], fetched

    # every system is a row; clicking a column header sorts by it, again reverses
    def order() -> list[str]:
        rows = browser.find_elements(By.CSS_SELECTOR, "#comparison tbody tr")
        return [r.get_attribute("data-system") for r in rows]

    assert len(order()) == 4
    header = browser.find_element(By.CSS_SELECTOR, '#comparison th[data-key="rouge1_f"]')

    def values() -> list[float]:
        cells = browser.find_elements(By.CSS_SELECTOR, "#comparison tbody tr td:nth-child(2)")
        return [float(c.get_attribute("data-value")) for c in cells]

    header.click()
    assert header.get_attribute("aria-sort") == "descending"
    assert values() == sorted(values(), reverse=True) and len(set(values())) > 1
    first = order()
    header.click()
    assert values() == sorted(values()) and order() != first

    # the planted error is underlined; a click shows what the documents say about it
    panel = browser.find_element(By.ID, "issue-panel")
    assert not panel.is_displayed()
    card = browser.find_element(By.CSS_SELECTOR, '.card[data-system="planted"]')
    issues = card.find_elements(By.CSS_SELECTOR, ".issue[data-issue]")
    assert issues and not browser.find_elements(
        By.CSS_SELECTOR, '.card[data-system="lead"] .issue[data-issue]'
    )
    issues[0].click()
    assert panel.is_displayed()
    assert "unsupported" in panel.text and ("Document" in panel.text or "No source" in panel.text)
    # shared n-grams with the references are highlighted
    assert card.find_elements(By.CSS_SELECTOR, "mark.shared")

    # the documents and references are one click away
    docs = browser.find_element(By.CSS_SELECTOR, "details.cluster .docs")
    assert not docs.is_displayed()
    browser.find_element(By.CSS_SELECTOR, "button.docs-toggle").click()
    assert docs.is_displayed() and "Document" in docs.text and "Reference" in docs.text

    artifacts = Path(os.environ.get("BENCH_ARTIFACTS", ROOT / "results" / "test-artifacts"))
    artifacts.mkdir(parents=True, exist_ok=True)
    assert browser.save_screenshot(str(artifacts / "report.png"))
    assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []
