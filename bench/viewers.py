"""Concurrent viewers on one server: `python bench/viewers.py DB [N ...]` (bounded load test on 127.0.0.1).

Starts `streamlit run app.py` on the database, warms its caches with one visit, then for each N opens
N headless Chromium pages at once (one browser, one context each: separate sessions) on the meeting
home and on the dashboard, and times each from navigation to the page's won-revenue figure on screen
and the page idle. Prints the median and the slowest per N. The browser runs on the same 2 cores as
the server, so the figures are an upper bound of what the server alone costs.
"""

from __future__ import annotations

import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


async def visit(browser, url: str) -> float:
    ctx = await browser.new_context(viewport={"width": 1280, "height": 720})
    page = await ctx.new_page()
    t = time.perf_counter()
    await page.goto(url)
    await page.get_by_test_id("stMetric").filter(has_text="Won revenue").first.get_by_test_id(
        "stMetricValue").wait_for(timeout=180_000)
    await page.wait_for_function("() => !document.querySelector('[data-testid=stStatusWidget]')"
                                 "?.innerText.includes('Running')", timeout=180_000)
    took = time.perf_counter() - t
    await ctx.close()
    return took


async def main(db: str, counts: list[int]) -> None:
    from playwright.async_api import async_playwright

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
                             "--server.address", "127.0.0.1", "--server.headless", "true"], cwd=ROOT,
                            env={**os.environ, "REVMACHINE_DB": db}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(url + "/_stcore/health", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path="/usr/bin/chromium",
                                              args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
            for path in ("", "/dashboard"):
                print(f"warm-up {path or '/'}: {await visit(browser, url + path):.2f} s (caches filled)")
            for n in counts:
                for path in ("", "/dashboard"):
                    t = time.perf_counter()
                    times = await asyncio.gather(*(visit(browser, url + path) for _ in range(n)))
                    print(f"{n:3d} viewers at once on {path or '/ (meeting home)'}: median {statistics.median(times):.2f} s, "
                          f"slowest {max(times):.2f} s, all done in {time.perf_counter() - t:.2f} s")
            await browser.close()
    finally:
        proc.terminate()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], [int(x) for x in sys.argv[2:]] or [1, 5, 10, 20]))
