"""Timing: median server time over N runs after a warm-up, and the SQL queries of one more run.

Nothing here asserts a time: the bench reports, people (and the issues' targets) judge.
"""

import gc
import io
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
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from procurement.models import AuditEvent

from . import shape as shape_of
from .pages import BASELINE, BenchError, Operation, Page, Subjects
from .urls import BASELINE_PATH


def _body(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def _get_call(
    client: Client, name: str, url: str, *, method="get", data=None, htmx=False, status=200
) -> Callable[[], bytes]:
    headers = {"HX-Request": "true"} if htmx else {}
    send = getattr(client, method.lower())

    def call() -> bytes:
        response = send(url, data=data, headers=headers)
        body = _body(response)
        if response.status_code != status:
            raise BenchError(
                f"{name}: {method.upper()} {url} answered {response.status_code}, expected {status}"
            )
        return body

    return call


@dataclass
class _Prepared:
    item: Page | Operation | None  # None: a page's baseline
    call: Callable[[], Any]
    kind: str
    target: str
    runs: int
    times: list[float] = field(default_factory=list)
    last: Any = None
    shape: shape_of.Shape | None = None


def _prepare(
    item: Page | Operation, subjects: Subjects, client_for, runs: int, warmup: int
) -> list[_Prepared]:
    """The timed calls for one measurement, warmed up: a page and its own baseline, or an operation."""
    if isinstance(item, Operation):
        prepared = _Prepared(
            item, lambda: item.run(subjects), "operation", item.run.__qualname__, item.runs or runs
        )
        for _ in range(min(warmup, 1)):
            prepared.call()
        return [prepared]
    if item.setup:
        item.setup(subjects)
    client = client_for(item.role)
    url = item.url(subjects)
    data = item.data(subjects) if item.data else None
    call = _get_call(
        client, item.name, url, method=item.method, data=data, htmx=item.htmx, status=item.status
    )
    page = _Prepared(item, call, "page", f"{item.method.upper()} {url}", runs)
    body = call()
    for _ in range(warmup - 1):
        call()
    if item.compare_to != BASELINE:
        return [page]
    # The same client (same person, same middleware) asks for a bare table of the page's size.
    page.shape = shape_of.of(body)
    baseline_url = f"{BASELINE_PATH}?rows={page.shape.rows}&columns={page.shape.columns}"
    baseline = _Prepared(
        None,
        _get_call(client, f"{item.name} baseline", baseline_url),
        "baseline",
        f"GET {baseline_url}",
        runs,
    )
    baseline.shape = page.shape
    for _ in range(warmup):
        baseline.call()
    return [page, baseline]


def _summary(entry: _Prepared) -> dict[str, Any]:
    with CaptureQueriesContext(connection) as queries:
        entry.call()
    return {
        "runs": entry.runs,
        "median_ms": round(statistics.median(entry.times), 3),
        "min_ms": round(min(entry.times), 3),
        "max_ms": round(max(entry.times), 3),
        "queries": len(queries),
    }


def measure(
    measurements: Iterable[Page | Operation],
    *,
    runs: int,
    warmup: int,
    subjects: Subjects | None = None,
) -> list[dict[str, Any]]:
    """Time every measurement in rounds: each round requests each page (and its baseline) once,
    in a rotating order.

    Interleaving puts the baselines and the pages in the same moments, so a machine that gets
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
        groups = [_prepare(item, subjects, client_for, runs, warmup) for item in measurements]
        prepared = [entry for group in groups for entry in group]
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
        for group in groups:
            entry, item = group[0], group[0].item
            result = {
                "name": item.name,
                "kind": entry.kind,
                "target": entry.target,
                "htmx": getattr(item, "htmx", False),
                "role": getattr(item, "role", None),
                **_summary(entry),
                "bytes": len(entry.last) if entry.kind == "page" else None,
                "compare_to": item.compare_to,
                "baseline": None,
                "ratio": None,
                "note": item.note,
            }
            if len(group) == 2:
                baseline = group[1]
                result["baseline"] = {
                    "target": baseline.target,
                    "rows": baseline.shape.rows,
                    "columns": baseline.shape.columns,
                    **_summary(baseline),
                    "bytes": len(baseline.last),
                }
            results.append(result)
    by_name = {r["name"]: r for r in results}
    for result in results:
        reference = result["baseline"] or by_name.get(result["compare_to"] or "")
        if reference and reference["median_ms"] > 0:
            result["ratio"] = round(result["median_ms"] / reference["median_ms"], 2)
    return results


def time_verify_audit() -> dict[str, Any]:
    """`manage.py verify_audit` once, timed: every event's hash and link, as operators run it.

    The command records its outcome (a row the audit log page shows); that write is rolled back
    so the measured dataset stays as built."""
    output = io.StringIO()
    started = time.perf_counter()
    try:
        with transaction.atomic():
            call_command("verify_audit", stdout=output, stderr=output)
            transaction.set_rollback(True)
    except SystemExit as failed:
        raise BenchError(f"verify_audit failed on the bench dataset: {output.getvalue().strip()}") from failed
    seconds = time.perf_counter() - started
    events = AuditEvent.objects.count()
    return {
        "events": events,
        "seconds": round(seconds, 2),
        "output": output.getvalue().strip().splitlines()[0],
    }


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
    """One line per page: its time, its baseline's (a bare table of as many rows × columns), the ratio."""
    width = max([len("page / operation"), *(len(r["name"]) for r in results)])
    header = (
        f"{'page / operation':<{width}} {'median ms':>10} {'baseline ms':>12} {'ratio':>6} {'queries':>8} "
        f"{'rows×cols':>10} {'kB':>7}  against"
    )
    rows = [header, "-" * (len(header) + 10)]
    for r in results:
        ratio = f"{r['ratio']:.2f}" if r["ratio"] is not None else "-"
        size = f"{r['bytes'] / 1024:.1f}" if r["bytes"] is not None else "-"
        baseline = r["baseline"]
        if baseline:
            base_ms, shape, against = (
                f"{baseline['median_ms']:.2f}",
                f"{baseline['rows']}×{baseline['columns']}",
                "",
            )
        else:
            base_ms, shape, against = "-", "-", r["compare_to"] or ""
        rows.append(
            f"{r['name']:<{width}} {r['median_ms']:>10.2f} {base_ms:>12} {ratio:>6} {r['queries']:>8} "
            f"{shape:>10} {size:>7}  {against}".rstrip()
        )
    return "\n".join(rows)


def write(path: Path, report: dict[str, Any]) -> None:
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
