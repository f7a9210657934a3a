"""`python -m bench` (`make bench`): build or reuse the dataset, measure, print, write JSON."""

import argparse
import os
import sys
import time
from dataclasses import asdict, replace
from pathlib import Path

from . import database
from .sizes import QUICK, TARGET, Sizes

REPO = Path(__file__).resolve().parent.parent
# The bench database is synthetic and local: a fixed key, no DEBUG (it would slow every query
# and template), plain static files, and the host name Django's test Client sends.
BENCH_ENVIRONMENT = {
    "DEBUG": "0",
    "SECRET_KEY": "bench-only-secret-key-for-synthetic-data-0123456789abcdef",
    "HTTPS": "0",
    "STATIC_MANIFEST": "0",
    "ALLOWED_HOSTS": "testserver",
    "AUDIT_HMAC_KEY": "",
    "DJANGO_SETTINGS_MODULE": "procurement.settings",
}


def _env_int(name: str) -> int | None:
    value = os.environ.get(name)
    return int(value) if value else None


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Median server time and SQL queries of each main page against a bare baseline view, "
        "on a large synthetic dataset in a database of its own (BENCH_DATABASE_URL, default "
        "bench/bench.sqlite3). Each size also comes from BENCH_<NAME> (e.g. BENCH_AUDIT_EVENTS); "
        "runs from BENCH_RUNS and BENCH_WARMUP.",
    )
    parser.add_argument("--quick", action="store_true", help="a small dataset and few runs: a smoke run")
    parser.add_argument(
        "--scale",
        type=int,
        nargs="+",
        default=[1],
        metavar="N",
        help="every size times N, each in a database of its own (e.g. --scale 1 10: the target sizes "
        "and ten times them, one table each)",
    )
    for name in Sizes.names():
        parser.add_argument(
            f"--{name.replace('_', '-')}",
            type=int,
            default=_env_int(f"BENCH_{name.upper()}"),
            help=f"default {getattr(TARGET, name):,} ({getattr(QUICK, name):,} with --quick)",
        )
    parser.add_argument("--runs", type=int, default=_env_int("BENCH_RUNS"), help="timed runs per page (20)")
    parser.add_argument("--warmup", type=int, default=_env_int("BENCH_WARMUP"), help="untimed runs first (3)")
    parser.add_argument("--only", help="measure only names containing this text (the baseline always)")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the dataset even if it matches")
    parser.add_argument("--output", type=Path, default=REPO / "bench-results.json")
    parser.add_argument("--no-load", action="store_true", help="skip the load test (bench/load.py)")
    args = parser.parse_args(argv)
    if any(n < 1 for n in args.scale):
        parser.error("--scale must be at least 1")
    for name in [*Sizes.names(), "runs", "warmup"]:
        value = getattr(args, name)
        if value is not None and value < (1 if name == "runs" else 0):
            parser.error(
                f"--{name.replace('_', '-')} must be {'at least 1' if name == 'runs' else 'positive'}"
            )
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    url = database.database_url()
    os.environ.update(BENCH_ENVIRONMENT, DATABASE_URL=url)
    os.environ.setdefault("LOG_LEVEL", "WARNING")

    import django

    django.setup()
    from . import load, pages, runner

    runs = args.runs or (5 if args.quick else 20)
    warmup = args.warmup if args.warmup is not None else (1 if args.quick else 3)
    measurements = [m for m in pages.MEASUREMENTS if not args.only or args.only.lower() in m.name.lower()]
    scales = []
    reason = "--no-load" if args.no_load else load.why_not(url)
    for scale in args.scale:
        sizes = replace(
            (QUICK if args.quick else TARGET).scaled(scale),
            **{name: getattr(args, name) for name in Sizes.names() if getattr(args, name) is not None},
        )
        scale_url = database.for_scale(url, scale)
        database.use(scale_url)
        result = _measure_at(scale, sizes, scale_url, args, measurements, runs, warmup)
        result["load"] = {"skipped": reason} if reason else load.run(scale_url)
        scales.append(result)
    report = {**runner.environment(), "runs": runs, "warmup": warmup, "scales": scales}
    print()
    for result in scales:
        print(
            f"verify_audit at {result['label']}: {result['verify_audit']['events']:,} events in "
            f"{result['verify_audit']['seconds']:.1f} s"
        )
    for result in scales:
        if "skipped" in result["load"]:
            print(f"Load test at {result['label']} skipped: {result['load']['skipped']}")
        else:
            print(f"\nLoad at {result['label']}:")
            print(load.table(result["load"]))
    runner.write(args.output, report)
    print(f"\nWritten to {args.output}")
    return 0


def _measure_at(scale: int, sizes: Sizes, url: str, args, measurements, runs: int, warmup: int) -> dict:
    """Build or reuse the dataset of one size in its database, time every page and verify_audit."""
    from django.core.management import call_command
    from django.db import connection

    from . import dataset, pages, runner

    label = f"{scale}×" if not any(getattr(args, name) for name in Sizes.names()) else "custom sizes"
    print(f"\n=== {label}: {database.describe(url)}")
    database.ensure_exists(url)
    try:
        call_command("migrate", verbosity=0, interactive=False)
    except Exception as error:  # a schema left by migrations that no longer exist
        print(f"The bench database cannot be migrated ({error}); starting from empty.")
        database.recreate(url)
        database.ensure_exists(url)
        call_command("migrate", verbosity=0, interactive=False)
    reused = not args.rebuild and dataset.stored_fingerprint() == dataset.fingerprint(sizes)
    build_seconds = None
    if reused:
        print("Reusing the dataset already built at these sizes.")
    else:
        if dataset.holds_data():
            print("Emptying the bench database (other sizes or a changed schema).")
            database.recreate(url)
            database.ensure_exists(url)
            call_command("migrate", verbosity=0, interactive=False)
        print(
            "Building the dataset: "
            + ", ".join(f"{v:,} {k.replace('_', ' ')}" for k, v in asdict(sizes).items())
        )
        started = time.perf_counter()
        dataset.build(sizes)
        build_seconds = round(time.perf_counter() - started, 1)
        print(f"Built in {build_seconds} s.")

    # Planner statistics, as autovacuum keeps them in production: a freshly loaded database has
    # none, and PostgreSQL would plan every query for empty tables.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    print(f"Measuring: median of {runs} runs after {warmup} warm-up, signed in as bench.<role> users")
    rows = dataset.counts()  # before any page's setup writes to the database
    subjects = pages.Subjects()
    for kind, description in subjects.describe().items():
        print(f"  {kind + ':':<12} {description}")
    results = runner.measure(measurements, runs=runs, warmup=warmup, subjects=subjects)
    verify = runner.time_verify_audit()
    print()
    print(f"{label}: " + ", ".join(f"{v:,} {k.replace('_', ' ')}" for k, v in asdict(sizes).items()))
    print(runner.table(results))
    print(f"verify_audit: {verify['events']:,} events in {verify['seconds']:.1f} s ({verify['output']})")
    return {
        "label": label,
        "scale": scale,
        "database_url": database.describe(url),
        "sizes": asdict(sizes),
        "rows": rows,
        "dataset": {"reused": reused, "build_seconds": build_seconds},
        "subjects": subjects.describe(),
        "measurements": results,
        "verify_audit": verify,
    }


if __name__ == "__main__":
    sys.exit(main())
