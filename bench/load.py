"""The load part of `make bench`: the app under gunicorn (2 workers) on the bench's PostgreSQL
database, driven from separate processes.

1. Main pages for a fixed time each with wrk (Debian's `wrk`, 32 connections), signed in, each
   followed by its own baseline (the bare view rendering as many rows and columns as that page
   showed the same reader) driven the same way: requests per second, median and p99 latency,
   errors, and each page's throughput as a ratio of its baseline's.
2. A burst of concurrent sign-offs: N submitted evaluations, each needing several roles, signed
   by separate people all at once (released together by a barrier, from a separate process),
   and every request sent twice with the same token, as a double-click would. Afterwards the
   database must hold exactly one signature per required sign-off, every evaluation approved,
   and no request may have failed.

Needs PostgreSQL (SQLite serialises writers; the numbers would say nothing) and wrk:
`apt-get install wrk`, `BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench make bench`.
Run alone: `python -m bench.load` (after `make bench` built the dataset).
"""

import http.cookiejar
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PASSWORD = "load-test-password-2026"  # noqa: S105 - synthetic users of the bench database only
PAGE_SECONDS = int(os.environ.get("BENCH_LOAD_SECONDS", "8"))
CONNECTIONS = int(os.environ.get("BENCH_LOAD_CONNECTIONS", "32"))
BURST_EVALUATIONS = int(os.environ.get("BENCH_LOAD_SIGNOFFS", "20"))
MAIN_PAGES = [
    ("dashboard", "/"),
    ("vendor list", "/vendors/"),
    ("contract list", "/vendors/contracts/"),
    ("evaluation list", "/evaluations/"),
    ("workload list", "/workloads/"),
    ("sign-off inbox", "/evaluations/inbox/"),
]


def why_not(url: str) -> str | None:
    """Why the load test cannot run here, or None."""
    if url.startswith("sqlite:"):
        return "needs PostgreSQL: set BENCH_DATABASE_URL=postgres://... (SQLite serialises every writer)"
    if shutil.which("wrk") is None:
        return "needs wrk: apt-get install wrk"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# Setup, in this process (Django set up on the bench database) --------------------------------


def _prepare_users_and_burst(count: int) -> dict:
    """Users with a known password and `count` submitted evaluations awaiting their sign-offs."""
    from django.contrib.auth.models import Group, User
    from django.db import transaction

    from procurement import policies
    from scorecards import services, signoff
    from scorecards.models import RequiredSignoff, ScorecardTemplate
    from vendors.models import Vendor

    def user(username: str, role: str | None) -> User:
        person, _ = User.objects.get_or_create(username=username, defaults={"first_name": username})
        person.set_password(PASSWORD)
        person.save()
        if role:
            person.groups.add(Group.objects.get(name=role))
        return person

    author = user("load.author", policies.PROCUREMENT)
    # Reads the main pages as legal does: a signer, so every page carries the sign-off badge
    # and the inbox holds a real queue (the dataset's and this burst's).
    reader = user("load.reader", policies.LEGAL)
    template = ScorecardTemplate.objects.filter(is_active=True).order_by("-version").first()
    vendor = Vendor.objects.order_by("pk").first()
    run = uuid.uuid4().hex[:8]
    evaluation_ids = []
    for n in range(count):
        evaluation = services.evaluation_create(
            actor=author,
            vendor=vendor,
            template=template,
            title=f"Load burst {run} #{n}",
            purpose="Concurrent sign-off under load.",
            tier="experimental_training",
            data_sensitivity="internal",
            commitment_amount=Decimal("100000.00"),
            commitment_currency="USD",
        )
        entries = {
            score.dimension_id: services.ScoreEntry(
                score=4, rationale="Measured during the load test, in writing."
            )
            for score in evaluation.scores.all()
        }
        services.evaluation_save_scores(actor=author, evaluation=evaluation, entries=entries)
        signoff.evaluation_submit(actor=author, evaluation=evaluation)
        evaluation_ids.append(evaluation.pk)
    # One signer per role and slot, shared across evaluations: they sign in parallel.
    needed = (
        RequiredSignoff.objects.filter(round__evaluation_id__in=evaluation_ids)
        .values_list("role", "slot")
        .distinct()
    )
    signers = {}
    with transaction.atomic():
        for role, slot in needed:
            signers[(role, slot)] = user(f"load.{role}{slot}", role).username
    jobs = [
        (pk, r.role, signers[(r.role, r.slot)])
        for pk in evaluation_ids
        for r in RequiredSignoff.objects.filter(round__evaluation_id=pk).order_by("role", "slot")
    ]
    return {"reader": reader.username, "evaluations": evaluation_ids, "jobs": jobs}


def _check_burst(evaluation_ids: list[int]) -> dict:
    from scorecards.models import Evaluation, RequiredSignoff, Signature

    required = RequiredSignoff.objects.filter(round__evaluation_id__in=evaluation_ids).count()
    signatures = Signature.objects.filter(round__evaluation_id__in=evaluation_ids)
    per_requirement = signatures.values("round_id", "role", "signer_id").distinct().count()
    return {
        "required_signoffs": required,
        "signatures": signatures.count(),
        "distinct_signatures": per_requirement,
        "approved": Evaluation.objects.filter(pk__in=evaluation_ids, status="approved").count(),
        "evaluations": len(evaluation_ids),
    }


# The server -----------------------------------------------------------------------------------


def _start_gunicorn(port: int, env: dict) -> subprocess.Popen:
    command = [
        sys.executable, "-m", "gunicorn", "bench.load_wsgi:application",
        "--workers", "2", "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
        "--access-logfile", "-", "--access-logformat", "%(s)s %(m)s %(U)s",
    ]  # fmt: skip
    log = open(REPO / "bench" / "load-gunicorn.log", "w")  # noqa: SIM115 - closed with the server
    server = subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)  # nosec B310
            return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise RuntimeError("gunicorn did not answer /healthz within 20 s: see bench/load-gunicorn.log")


class Session:
    """A signed-in browser-like client (cookies, CSRF) for one person."""

    def __init__(self, base: str, username: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        page = self.get("/login/")
        self.post("/login/", {"login": username, "password": PASSWORD}, referer=page.url)

    def _csrf(self) -> str:
        return next((c.value for c in self.jar if c.name.endswith("csrftoken")), "")

    def get(self, path: str):
        return self.opener.open(self.base + path, timeout=120)

    def post(self, path: str, data: dict, referer: str | None = None):
        body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": self._csrf()}).encode()
        request = urllib.request.Request(self.base + path, data=body, method="POST")  # noqa: S310
        request.add_header("Referer", referer or self.base + path)
        try:
            return self.opener.open(request, timeout=120)
        except urllib.error.HTTPError as error:
            return error

    def cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)


def _wrk(url: str, cookie: str) -> dict:
    # A generous timeout: a slow answer is measured as slow, not counted as an error.
    command = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{PAGE_SECONDS}s", "--timeout", "60s", "--latency"]
    command += ["-H", f"Cookie: {cookie}", url]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout  # noqa: S603
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    total = int(re.search(r"(\d+) requests in", output).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    scale = {"us": 0.001, "ms": 1, "s": 1000}

    def percentile(label: str) -> float | None:
        found = re.search(label + r"%\s+([\d.]+)(us|ms|s)\b", output)
        return round(float(found.group(1)) * scale[found.group(2)], 2) if found else None

    return {
        "requests": total,
        "requests_per_second": rps,
        "errors": (int(non_2xx.group(1)) if non_2xx else 0)
        + (sum(int(g) for g in socket_errors.groups()) if socket_errors else 0),
        "median_ms": percentile("50"),
        "p99_ms": percentile("99"),
    }


def _burst(base: str, jobs: list[tuple[int, str, str]]) -> dict:
    """Every sign-off at once, each posted twice with the same token (a double-click)."""
    sessions = {username: Session(base, username) for username in {u for _, _, u in jobs}}
    forms = []
    for pk, role, username in jobs:
        token = str(uuid.uuid4())
        data = {
            "role": role,
            "decision": "approve",
            "comment": "",
            "password": PASSWORD,
            "request_token": token,
        }
        forms += [(sessions[username], pk, data)] * 2
    barrier = threading.Barrier(len(forms))
    statuses: list[int] = []

    def sign(item):
        session, pk, data = item
        barrier.wait()
        response = session.post(f"/evaluations/{pk}/sign/", data)
        statuses.append(response.status)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=len(forms)) as pool:
        list(pool.map(sign, forms))
    return {
        "requests": len(forms),
        "seconds": round(time.perf_counter() - started, 2),
        "server_errors": sum(1 for s in statuses if s >= 500),
        "statuses": {str(s): statuses.count(s) for s in sorted(set(statuses))},
    }


def run(database_url: str) -> dict:
    """Run both parts on a scratch copy of the bench database (Django already set up on it)."""
    from .database import scratch_copy

    with scratch_copy(database_url) as scratch_url:
        return _run(scratch_url)


def _run(database_url: str) -> dict:
    from . import shape
    from .urls import BASELINE_PATH

    print(f"\nLoad: gunicorn, 2 workers, {CONNECTIONS} connections, {PAGE_SECONDS} s per page (wrk)")
    from django.test.utils import override_settings

    # Submitting notifies the signers by mail: keep those messages out of the bench's output.
    with override_settings(MAILERS={"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}):
        prepared = _prepare_users_and_burst(BURST_EVALUATIONS)
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "ALLOWED_HOSTS": "127.0.0.1", "DB_CONN_MAX_AGE": "60"}
    env.pop("EMAIL_HOST", None)  # the server's sign-off mails go to its log, never out
    server = _start_gunicorn(port, env)
    base = f"http://127.0.0.1:{port}"
    try:
        reader = Session(base, prepared["reader"])
        cookie = reader.cookie_header()
        pages = {}
        for name, path in MAIN_PAGES:
            page_shape = shape.of(reader.get(path).read())
            baseline_path = f"{BASELINE_PATH}?rows={page_shape.rows}&columns={page_shape.columns}"
            pages[name] = _wrk(base + path, cookie)
            pages[name]["baseline"] = {
                "rows": page_shape.rows,
                "columns": page_shape.columns,
                **_wrk(base + baseline_path, cookie),
            }
            baseline_rps = pages[name]["baseline"]["requests_per_second"] or 1
            pages[name]["ratio_to_baseline"] = round(pages[name]["requests_per_second"] / baseline_rps, 2)
            # As it goes: a burst that fails afterwards must not lose the pages' figures.
            print(
                f"  {name}: {pages[name]['requests_per_second']:.1f} req/s, p99 {pages[name]['p99_ms']} ms, "
                f"{pages[name]['errors']} errors; baseline {pages[name]['baseline']['requests_per_second']:.1f} "
                f"req/s, p99 {pages[name]['baseline']['p99_ms']} ms",
                flush=True,
            )
        burst = _burst(base, prepared["jobs"])
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    burst.update(_check_burst(prepared["evaluations"]))
    burst["lost_or_duplicated"] = burst["distinct_signatures"] != burst["required_signoffs"] or (
        burst["signatures"] != burst["required_signoffs"]
    )
    return {"pages": pages, "signoff_burst": burst}


def table(report: dict) -> str:
    header = (
        f"{'page':<16} {'req/s':>7} {'median':>9} {'p99':>9} {'errors':>6}   "
        f"{'baseline req/s':>14} {'p99':>9} {'errors':>6} {'rows×cols':>9} {'ratio':>6}"
    )
    lines = [header]
    for name, r in report["pages"].items():
        b = r["baseline"]
        lines.append(
            f"{name:<16} {r['requests_per_second']:>7.1f} {r['median_ms'] or 0:>7.1f}ms {r['p99_ms'] or 0:>7.1f}ms "
            f"{r['errors']:>6}   {b['requests_per_second']:>14.1f} {b['p99_ms'] or 0:>7.1f}ms {b['errors']:>6} "
            f"{str(b['rows']) + '×' + str(b['columns']):>9} {r['ratio_to_baseline']:>6.2f}"
        )
    b = report["signoff_burst"]
    lines.append(
        f"sign-off burst: {b['requests']} requests ({b['evaluations']} evaluations, each request twice) in "
        f"{b['seconds']} s; statuses {b['statuses']}; {b['signatures']} signatures for "
        f"{b['required_signoffs']} required sign-offs; {b['approved']}/{b['evaluations']} approved; "
        f"server errors {b['server_errors']}; lost or duplicated: {'YES' if b['lost_or_duplicated'] else 'none'}"
    )
    return "\n".join(lines)


def main() -> int:
    from . import __main__ as bench_main
    from . import database

    url = database.database_url()
    reason = why_not(url)
    if reason:
        print(f"Load test skipped: {reason}")
        return 1
    os.environ.update(bench_main.BENCH_ENVIRONMENT, DATABASE_URL=url)
    import django

    django.setup()
    report = run(url)
    print(table(report))
    out = REPO / "bench-load-results.json"
    out.write_text(json.dumps(report, indent=2))
    print(f"Written to {out}")
    failed = report["signoff_burst"]["lost_or_duplicated"] or any(
        r["errors"] + r["baseline"]["errors"] for r in report["pages"].values()
    )
    return 1 if failed or report["signoff_burst"]["server_errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
