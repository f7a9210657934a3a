"""The bench harness must keep running as pages are added: a tiny run end to end, and its dataset."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import User

from bench import database, dataset, pages, runner, shape
from bench.sizes import TARGET, Sizes
from procurement import audit, policies
from procurement.models import AuditEvent
from scorecards import signoff
from scorecards.models import Evaluation, Score, Signature, SignoffRound
from vendors.models import CapacityLine, Contract, ExitRightClause, Vendor

REPO = Path(__file__).resolve().parents[2]
TINY = Sizes(vendors=8, contracts=20, evaluations=30, audit_events=150, workloads=6, dependencies=40)


def run_bench(tmp_path: Path, output: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "BENCH_DATABASE_URL": f"sqlite:///{tmp_path / 'bench.sqlite3'}"}
    sizes = [f"--{name.replace('_', '-')}={value}" for name, value in TINY.__dict__.items()]
    return subprocess.run(
        [
            sys.executable,
            "-W",
            "error",
            "-m",
            "bench",
            *sizes,
            "--runs=2",
            "--warmup=1",
            f"--output={output}",
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_bench_measures_every_listed_page_against_its_own_baseline_then_reuses_its_dataset(tmp_path):
    first = run_bench(tmp_path, tmp_path / "first.json")
    assert first.returncode == 0, first.stderr
    report = json.loads((tmp_path / "first.json").read_text())

    [size] = report["scales"]
    names = [m["name"] for m in size["measurements"]]
    assert names == [m.name for m in pages.MEASUREMENTS]
    for measurement in size["measurements"]:
        assert measurement["median_ms"] > 0 and measurement["runs"] >= 1, measurement
        if measurement["kind"] == "page":  # through sessions and sign-in; an operation may not query
            assert measurement["queries"] > 0 and measurement["bytes"] > 0, measurement
        if measurement["compare_to"]:
            assert measurement["ratio"] is not None, measurement
        baseline = measurement["baseline"]
        if measurement["compare_to"] == pages.BASELINE:
            # A bare table of the page's own size, read with one query besides session and sign-in.
            assert baseline["median_ms"] > 0 and baseline["rows"] >= 1 and baseline["columns"] >= 1
            assert f"rows={baseline['rows']}&columns={baseline['columns']}" in baseline["target"]
            assert measurement["ratio"] == round(measurement["median_ms"] / baseline["median_ms"], 2)
        else:
            assert baseline is None
    assert size["sizes"] == TINY.__dict__
    assert size["rows"]["vendors.Vendor"] == TINY.vendors
    assert size["rows"]["procurement.AuditEvent"] == TINY.audit_events
    assert size["rows"]["scorecards.Evaluation"] == TINY.evaluations
    assert size["dataset"]["reused"] is False
    assert size["verify_audit"]["events"] >= TINY.audit_events and size["verify_audit"]["seconds"] >= 0
    assert "Audit chain OK" in size["verify_audit"]["output"]
    assert "baseline ms" in first.stdout and "home dashboard" in first.stdout
    assert "verify_audit" in first.stdout

    second = run_bench(tmp_path, tmp_path / "second.json")
    assert second.returncode == 0, second.stderr
    assert json.loads((tmp_path / "second.json").read_text())["scales"][0]["dataset"]["reused"] is True
    assert "Reusing the dataset" in second.stdout


def test_bench_relies_on_nothing_the_app_keeps_between_requests():
    """Every page is measured computed afresh: the bench neither reads nor resets an in-process memo."""
    for source in (REPO / "bench").glob("*.py"):
        text = source.read_text()
        assert "memo" not in text and "concentration.cache" not in text, source.name


def test_ten_times_the_target_sizes_are_the_issues_large_dataset():
    large = TARGET.scaled(10)
    assert (large.vendors, large.contracts, large.evaluations, large.audit_events) == (
        10_000,
        30_000,
        50_000,
        1_000_000,
    )


def test_each_size_has_a_database_of_its_own():
    postgres = "postgres://postgres@127.0.0.1:5432/procurement_bench"
    assert database.for_scale(postgres, 1) == postgres
    assert database.for_scale(postgres, 10) == postgres + "_x10"
    assert database.for_scale("sqlite:////tmp/b/bench.sqlite3", 10) == "sqlite:////tmp/b/bench-x10.sqlite3"


def test_a_pages_shape_counts_the_rows_it_shows_not_the_layouts():
    html = """<nav><ul><li>Vendors</li><li>Contracts</li></ul></nav>
    <main><table><thead><tr><th>Name</th><th>Status</th><th>Spend</th></tr></thead>
    <tbody><tr><td>A</td><td><ul><li>active</li></ul></td><td>1</td></tr><tr><td>B</td><td>x</td><td>2</td></tr></tbody></table>
    <dl><dt>Owner</dt><dd>Ada</dd></dl><form><input type="hidden" name="csrf"><input name="q"></form></main>"""
    # Two table rows of three cells, one term and its description, one visible field and its label.
    assert shape.of(html) == shape.Shape(rows=4, columns=2)
    assert shape.of("<tr><td>1</td><td>2</td></tr>") == shape.Shape(rows=1, columns=2)  # an htmx fragment


@pytest.fixture
def built(db):
    dataset.build(TINY, log=lambda *args: None)
    return TINY


def test_dataset_has_the_requested_sizes_and_the_rows_pages_show(built):
    assert Vendor.objects.count() == built.vendors
    assert Contract.objects.count() == built.contracts
    assert AuditEvent.objects.count() == built.audit_events
    assert Evaluation.objects.count() == built.evaluations
    assert Score.objects.filter(score__isnull=True).count() == 0
    assert Evaluation.objects.filter(
        status=Evaluation.Status.DRAFT, author__username=dataset.BENCH_USERNAME
    ).exists()
    assert not Contract.objects.filter(capacity_lines__isnull=True).exists()
    assert CapacityLine.objects.count() >= built.contracts
    assert ExitRightClause.objects.filter(status=ExitRightClause.Status.MISSING).exists()
    assert ExitRightClause.objects.filter(status=ExitRightClause.Status.PRESENT).exists()
    rounds = SignoffRound.objects.all()
    assert rounds.filter(outcome=SignoffRound.Outcome.OPEN, requirements__role=policies.LEGAL).exists()
    # Rounds hold the real content hash of what was submitted, as the sign-off service writes it.
    for signoff_round in rounds.select_related("evaluation"):
        assert signoff_round.content_hash == signoff_round.evaluation.content_hash
        assert signoff_round.content_hash == signoff.hash_content(signoff_round.snapshot)
    assert Signature.objects.filter(round__outcome=SignoffRound.Outcome.APPROVED).exists()
    bench_user = User.objects.get(username=dataset.BENCH_USERNAME)
    assert policies.has_role(bench_user, policies.PROCUREMENT)


def test_dataset_audit_events_form_a_valid_hash_chain(built):
    result = audit.verify_chain()
    assert result.ok, result.problem
    assert result.event_count == built.audit_events
    prev_hash = AuditEvent.GENESIS_HASH
    for sequence, event in enumerate(AuditEvent.objects.order_by("sequence"), start=1):
        assert event.sequence == sequence
        assert event.prev_hash == prev_hash
        assert event.hash == audit.compute_hash(event.canonical)
        stored = json.loads(event.canonical)
        assert stored["sequence"] == event.sequence and stored["prev_hash"] == event.prev_hash
        assert stored["object_id"] == event.object_id and stored["action"] == event.action
        prev_hash = event.hash


def test_dataset_is_reused_only_at_the_sizes_it_was_built_for(built):
    assert dataset.stored_fingerprint() == dataset.fingerprint(built)
    assert dataset.stored_fingerprint() != dataset.fingerprint(Sizes(vendors=9))
    assert dataset.holds_data()


def test_baseline_view_renders_the_rows_and_columns_it_is_asked_for(built, client, settings):
    settings.ROOT_URLCONF = "bench.urls"
    client.force_login(User.objects.get(username=dataset.BENCH_USERNAME))
    response = client.get("/__bench__/baseline/?rows=7&columns=13")
    assert response.status_code == 200
    assert shape.of(response.content) == shape.Shape(rows=7, columns=13)
    assert response.content.count(b"<tr>") == 1 + 7


def test_a_page_that_does_not_answer_as_expected_stops_the_bench(built):
    broken = pages.Page("missing page", lambda s: "/no-such-page/")
    with pytest.raises(runner.BenchError, match="answered 404, expected 200"):
        runner.measure([broken], runs=1, warmup=0)
