"""Render N article pages of a local mirror with ``scrapy crawl eurointegration -a render=js``.

Prints pages per second and, per window of ``--window`` pages, the peak memory of every process of the
stack, sampled every 0.2 s: the crawl, Playwright's Node.js driver, and the browser (the summed RSS and
PSS of every Chromium process). The target is judged on the sum (crawl + driver + browser PSS) and on
the driver alone: last window / first window at most 1.10. The browser's PSS shares the pages its
processes have in common with every other Chromium on the machine, so on a shared machine it moves with
what else runs; its USS (memory unique to its processes) does not, and is shown beside it. The pages
are tests/render_mirror.py's: the body is inserted by a same-site script, and each page also asks for an
image and a third-party script (both aborted).

    .venv/bin/python benchmarks/render_bench.py [--pages 3000] [--window 500] [--recycle 100] [--restart 1000]

``--recycle 0`` keeps one browser context for the whole crawl, ``--restart 0`` one driver and browser for
the whole crawl (``NEWSCRAWL_RENDER_RESTART_PAGES``), for comparison.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newscrawl.mirror import make_server  # noqa: E402
from newscrawl.render.browser import system_chromium  # noqa: E402
from tests.render_mirror import HOST, Article, write_site  # noqa: E402

ARTICLE_PATH = re.compile(rf"^/{re.escape(HOST)}/news/\d{{4}}/\d{{2}}/\d{{1,2}}/\d+/$")
# A paragraph of realistic length, so a page weighs what a news page's text does (~6 KB).
FILLER = (
    "Міністри закордонних справ країн Європейського Союзу обговорили подальшу підтримку України, "
    "нові санкції проти Росії та кроки до вступу України до ЄС, повідомляє джерело."
)


@dataclass
class Sample:
    t: float
    served: int
    crawl_rss: int
    browser_rss: int
    browser_pss: int
    browser_uss: int  # memory unique to the browser's processes: unlike PSS, not lowered by other Chromiums here
    browser_procs: int
    driver_rss: int  # Playwright's Node.js driver between the crawl and the browser


@dataclass
class Watch:
    pid: int
    log: Path
    samples: list[Sample] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def served(self) -> int:
        try:
            lines = self.log.read_text("utf-8").splitlines()
        except FileNotFoundError:
            return 0
        return sum(1 for line in lines if ARTICLE_PATH.match(line.split("?", 1)[0]))

    def run(self) -> None:
        crawl = psutil.Process(self.pid)
        while not self.stop.is_set():
            try:
                crawl_rss = crawl.memory_info().rss
                browser_rss = browser_pss = browser_uss = procs = driver_rss = 0
                for child in crawl.children(recursive=True):
                    try:
                        if "run-driver" in child.cmdline():  # Playwright's Node.js driver
                            driver_rss += child.memory_info().rss
                        elif "chrom" in child.name().lower():
                            full = child.memory_full_info()
                            browser_rss += full.rss
                            browser_pss += full.pss  # shared pages divided among the processes sharing them
                            browser_uss += full.uss
                            procs += 1
                    except psutil.Error:
                        continue
            except psutil.Error:
                break
            self.samples.append(
                Sample(
                    time.monotonic(), self.served(), crawl_rss, browser_rss, browser_pss, browser_uss, procs, driver_rss
                )
            )
            self.stop.wait(0.2)


def mib(n: int) -> str:
    return f"{n / 2**20:.0f} MiB"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=3000)
    parser.add_argument("--window", type=int, default=500, help="pages per row of the memory table")
    parser.add_argument("--recycle", type=int, default=100, help="NEWSCRAWL_RENDER_RECYCLE_PAGES (0: never)")
    parser.add_argument("--restart", type=int, default=1000, help="NEWSCRAWL_RENDER_RESTART_PAGES (0: never)")
    parser.add_argument("--chromium", default=system_chromium() or "", help="NEWSCRAWL_CHROMIUM")
    parser.add_argument("--max-pages", type=int, default=4, help="PLAYWRIGHT_MAX_PAGES_PER_CONTEXT")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="render-bench-") as tmp_name:
        tmp = Path(tmp_name)
        articles = [
            Article(
                7170000 + i, f"Новина номер {i}", [f"Абзац {j} новини {i}. {FILLER}" for j in range(8)], js_body=True
            )
            for i in range(args.pages)
        ]
        write_site(tmp / "mirror", articles)
        log_path = tmp / "served.log"
        server = make_server(tmp / "mirror", 0, log=log_path.open("a", encoding="utf-8"))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        settings = {
            "NEWSCRAWL_MIRROR": f"http://127.0.0.1:{server.server_address[1]}",
            "NEWSCRAWL_OUTPUT": str(tmp / "out"),
            "NEWSCRAWL_CHROMIUM": args.chromium,
            "NEWSCRAWL_RENDER_RECYCLE_PAGES": str(args.recycle or 10**9),
            "NEWSCRAWL_RENDER_RESTART_PAGES": str(args.restart),
            "NEWSCRAWL_RENDER_DRIVER_MAX_MB": "0" if not args.restart else "512",
            "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": str(args.max_pages),
            "AUTOTHROTTLE_ENABLED": "0",
            "DOWNLOAD_DELAY": "0",
            "CONCURRENT_REQUESTS_PER_DOMAIN": "16",
            "LOG_LEVEL": "INFO",
            "NEWSCRAWL_QUIET_LOG": "0",  # the stats dump at INFO: the figures below are read from it
        }
        cmd = [sys.executable, "-m", "scrapy", "crawl", "eurointegration", "-a", "lang=uk", "-a", "render=js"]
        for key, value in settings.items():
            cmd += ["-s", f"{key}={value}"]
        load = os.getloadavg()
        started = time.monotonic()
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        watch = Watch(proc.pid, log_path)
        sampler = threading.Thread(target=watch.run, daemon=True)
        sampler.start()
        try:
            _out, err = proc.communicate(timeout=7200)
        finally:
            if proc.poll() is None:
                proc.kill()
            watch.stop.set()
            sampler.join(5)
            server.shutdown()
            server.server_close()
        elapsed = time.monotonic() - started
        archived = sum(len(p.read_text("utf-8").splitlines()) for p in (tmp / "out").rglob("*.jsonl"))

    stats = dict(re.findall(r"'(newscrawl/render/[^']+|playwright/[^']+)': (\d+)", err))
    print(f"load average before the run: {load[0]:.1f} (1 min), {os.cpu_count()} CPUs")
    print(f"pages: {args.pages}, archived: {archived}, exit code: {proc.returncode}, wall time: {elapsed:.1f} s")
    print(
        f"settings: context recycled every {args.recycle or 'never'}, driver and browser restarted every "
        f"{args.restart or 'never'}, max pages {args.max_pages}, chromium {args.chromium}"
    )
    print("stats:", ", ".join(f"{k}={v}" for k, v in sorted(stats.items()) if "resource_type" not in k))
    rendered = [s for s in watch.samples if s.served > 0]
    if not rendered:
        print("no page was served", file=sys.stderr)
        return 1
    size = args.window
    windows = [[s for s in rendered if lo < s.served <= lo + size] for lo in range(0, args.pages - size + 1, size)]
    if not windows or not windows[0] or not windows[-1]:
        print("too few samples for the windows", file=sys.stderr)
        return 1
    overall = (rendered[-1].served - 1) / max(rendered[-1].t - rendered[0].t, 1e-9)
    print(f"rendering: {overall:.1f} pages/s from the first to the last page served")
    print(
        "pages        pages/s  crawl RSS  driver RSS  browser RSS  browser PSS  browser USS  procs  "
        "stack (crawl+driver+PSS)  stack (crawl+driver+USS)"
    )
    rows = []
    for i, window in enumerate(windows):
        if not window:
            continue
        span = window[-1].t - window[0].t
        rate = (window[-1].served - window[0].served) / span if span > 0 else float("nan")
        crawl = max(s.crawl_rss for s in window)
        driver = max(s.driver_rss for s in window)
        stack = max(s.crawl_rss + s.driver_rss + s.browser_pss for s in window)
        stack_uss = max(s.crawl_rss + s.driver_rss + s.browser_uss for s in window)
        rows.append((crawl, driver, stack, stack_uss))
        print(
            f"{i * size + 1:>5}-{(i + 1) * size:<5} {rate:8.1f} {mib(crawl):>10} {mib(driver):>11} "
            f"{mib(max(s.browser_rss for s in window)):>12} {mib(max(s.browser_pss for s in window)):>12} "
            f"{mib(max(s.browser_uss for s in window)):>12} {max(s.browser_procs for s in window):6d} "
            f"{mib(stack):>25} {mib(stack_uss):>25}"
        )
    (c1, d1, t1, u1), (c2, d2, t2, u2) = rows[0], rows[-1]
    print(
        f"last/first {size} pages: crawl {c2 / c1:.3f}, driver {d2 / d1:.3f}, stack with PSS {t2 / t1:.3f}, "
        f"stack with USS {u2 / u1:.3f} (target: driver and stack at most 1.10)"
    )
    return 0 if proc.returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
