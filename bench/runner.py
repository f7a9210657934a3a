"""Timing: median server time over N runs after a warm-up, and the SQL queries of one more run.

Nothing here asserts a time: the bench reports, people (and the issues' targets) judge.
"""

import gc
import json
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import django
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from .pages import BenchError, Operation, Page, Subjects


def _body_size(response) -> int:
    if response.streaming:
        return sum(len(chunk) for chunk in response.streaming_content)
    return len(response.content)


def _page_call(client: Client, page: Page, subjects: Subjects) -> Callable[[], int]:
    url = page.url(subjects)
    data = page.data(subjects) if page.data else None
    headers = {"HX-Request": "true"} if page.htmx else {}
    send = getattr(client, page.method.lower())

    def call() -> int:
        response = send(url, data=data, headers=headers)
        size = _body_size(response)
        if response.status_code != page.status:
            raise BenchError(
                f"{page.name}: {page.method.upper()} {url} answered {response.status_code}, expected {page.status}"
            )
        return size

    return call


@dataclass
class _Prepared:
    item: Page | Operation
    call: Callable[[], Any]
    kind: str
    target: str
    runs: int
    times: list[float] = field(default_factory=list)
    last: Any = None


def _prepare(item: Page | Operation, subjects: Subjects, client_for, runs: int, warmup: int) -> _Prepared:
    if isinstance(item, Page):
        if item.setup:
            item.setup(subjects)
        call = _page_call(client_for(item.role), item, subjects)
        prepared = _Prepared(item, call, "page", f"{item.method.upper()} {item.url(subjects)}", runs)
    else:
        prepared = _Prepared(
            item, lambda: item.run(subjects), "operation", item.run.__qualname__, item.runs or runs
        )
        warmup = min(warmup, 1)
    for _ in range(warmup):
        prepared.call()
    return prepared


def measure(
    measurements: Iterable[Page | Operation],
    *,
    runs: int,
    warmup: int,
    subjects: Subjects | None = None,
) -> list[dict[str, Any]]:
    """Time every measurement in rounds: each round requests each page once, in a rotating order.

    Interleaving puts the baseline and the pages in the same moments, so a machine that gets
    busier or quieter during the run shifts them together and their ratios stay meaningful.
    """
    subjects = subjects or Subjects()
    clients: dict[str, Client] = {}

    def client_for(role: str) -> Client:
        if role not in clients:
            clients[role] = Client()
            clients[role].force_login(subjects.user(role))
        return clients[role]

    results = []
    with override_settings(ROOT_URLCONF="bench.urls"):
        prepared = [_prepare(item, subjects, client_for, runs, warmup) for item in measurements]
        gc.collect()
        rounds = max((p.runs for p in prepared), default=0)
        for round_number in range(rounds):
            shift = round_number % len(prepared)
            for entry in prepared[shift:] + prepared[:shift]:
                if len(entry.times) < entry.runs:
                    started = time.perf_counter()
                    entry.last = entry.call()
                    entry.times.append((time.perf_counter() - started) * 1000)
            if sys.stdout.isatty():
                print(
                    f"\r  round {round_number + 1}/{rounds}",
                    end="\n" if round_number + 1 == rounds else "",
                    flush=True,
                )
        for entry in prepared:
            with CaptureQueriesContext(connection) as queries:
                entry.call()
            item = entry.item
            results.append(
                {
                    "name": item.name,
                    "kind": entry.kind,
                    "target": entry.target,
                    "htmx": getattr(item, "htmx", False),
                    "role": getattr(item, "role", None),
                    "runs": entry.runs,
                    "median_ms": round(statistics.median(entry.times), 3),
                    "min_ms": round(min(entry.times), 3),
                    "max_ms": round(max(entry.times), 3),
                    "queries": len(queries),
                    "bytes": entry.last if entry.kind == "page" else None,
                    "compare_to": item.compare_to,
                    "ratio": None,
                    "note": item.note,
                }
            )
    by_name = {r["name"]: r for r in results}
    for result in results:
        reference = by_name.get(result["compare_to"] or "")
        if reference and reference["median_ms"] > 0:
            result["ratio"] = round(result["median_ms"] / reference["median_ms"], 2)
    return results


def _git(*args: str) -> str:
    try:
        return subprocess.run(  # noqa: S603 - only the fixed arguments below
            ["git", *args],  # noqa: S607 - git from PATH
            capture_output=True,
            text=True,
            check=False,
            cwd=Path(__file__).resolve().parent,
        ).stdout.strip()
    except OSError:
        return ""


def environment() -> dict[str, Any]:
    if connection.vendor == "postgresql":
        version = connection.pg_version
        database = f"PostgreSQL {version // 10000}.{version % 10000}"
    else:
        import sqlite3

        database = f"SQLite {sqlite3.sqlite_version}"
    return {
        "generated_at": timezone.now().isoformat(timespec="seconds"),
        "git_commit": _git("rev-parse", "--short", "HEAD"),
        # Uncommitted changes were measured too: the commit alone does not say what ran.
        "git_dirty": bool(_git("status", "--porcelain", "--untracked-files=no")),
        "database": database,
        "python": sys.version.split()[0],
        "django": django.get_version(),
        "machine": f"{platform.system()} {platform.machine()}",
    }


def table(results: list[dict[str, Any]]) -> str:
    width = max([len("page / operation"), *(len(r["name"]) for r in results)])
    header = f"{'page / operation':<{width}} {'median ms':>10} {'min ms':>9} {'queries':>8} {'kB':>8} {'ratio':>7}  against"
    rows = [header, "-" * (len(header) + 10)]
    for r in results:
        ratio = f"{r['ratio']:.2f}" if r["ratio"] is not None else "-"
        size = f"{r['bytes'] / 1024:.1f}" if r["bytes"] is not None else "-"
        rows.append(
            f"{r['name']:<{width}} {r['median_ms']:>10.2f} {r['min_ms']:>9.2f} {r['queries']:>8} {size:>8} {ratio:>7}  "
            f"{r['compare_to'] or ''}"
        )
    return "\n".join(rows)


def write(path: Path, report: dict[str, Any]) -> None:
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
