"""What the SQLite benchmarks share: a fresh data folder, timing, and the machine's facts."""

from __future__ import annotations

import os
import platform
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def configure(work: Path) -> None:
    """Django on a fresh embedded SQLite database in ``work``."""
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    os.environ.pop("BRANCHCX_DATABASE_URL", None)  # the embedded SQLite database
    os.environ["BRANCHCX_DATA_DIR"] = str(work)
    os.environ.setdefault("BRANCHCX_DEBUG", "1")
    os.environ["DJANGO_SETTINGS_MODULE"] = "branchcx.settings"
    import django

    django.setup()


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def timed(samples: int, work: Callable[[], Any]) -> list[float]:
    """Milliseconds of ``samples`` calls after one warm-up."""
    work()
    times = []
    for _ in range(samples):
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) * 1000)
    return times


def machine() -> list[str]:
    """The CPU, memory, system and SQLite version, as report lines."""
    from django.db import connection

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem = int(Path("/proc/meminfo").read_text().split()[1]) // 1024 // 1024
    except (OSError, ValueError, IndexError):
        mem = 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT sqlite_version()")
        version = cursor.fetchone()[0]
    return [
        f"- CPU: {cpu}, {os.cpu_count()} cores; memory {mem} GiB",
        f"- {platform.system()} {platform.release()}, Python {platform.python_version()}",
        f"- Database: SQLite {version} (embedded, the project's WAL settings)",
    ]
