"""Decision records issued by a task: once, retried with backoff, and after a killed worker."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core.management import call_command

from scorecards.models import DecisionRecord, DecisionRecordFailure
from scorecards.records import pdf
from scorecards.tasks import issue_decision_record
from tests.scorecards.test_records import decide, scored_evaluation

ROOT = Path(django_settings.BASE_DIR)


@pytest.mark.django_db
def test_running_the_record_task_again_issues_no_second_record(django_capture_on_commit_callbacks):
    evaluation = scored_evaluation()
    with django_capture_on_commit_callbacks(execute=True):
        decide(evaluation)
    first = DecisionRecord.objects.get(evaluation=evaluation)
    assert issue_decision_record.call(evaluation.pk) == first.number
    assert DecisionRecord.objects.filter(evaluation=evaluation).count() == 1


@pytest.mark.django_db
def test_a_failed_render_is_retried_after_a_backoff(
    settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.TASKS_RETRY_SECONDS = 60
    # The worker closes stale connections between tasks: that would end the test's transaction.
    monkeypatch.setattr("django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None)
    evaluation = scored_evaluation()
    real_render = pdf.render

    def out_of_memory(html, **kwargs):
        raise MemoryError("out of memory")

    with time_machine.travel("2026-03-02 09:00 +0000", tick=False) as traveller:
        with django_capture_on_commit_callbacks(execute=True):
            decide(evaluation)
        monkeypatch.setattr(pdf, "render", out_of_memory)
        call_command("db_worker", batch=True, reload=False, startup_delay=False, verbosity=0)
        assert DecisionRecordFailure.objects.filter(evaluation=evaluation).count() == 1  # the page shows it
        monkeypatch.setattr(pdf, "render", real_render)
        traveller.shift(timedelta(seconds=61))
        call_command("db_worker", batch=True, reload=False, startup_delay=False, verbosity=0)
    assert DecisionRecord.objects.filter(evaluation=evaluation).count() == 1


# A worker killed mid-render, then started again --------------------------------------------

SETUP = """
import django; django.setup()
from tests.scorecards.test_records import decide, scored_evaluation
decide(scored_evaluation())
"""

# The first worker's renders hang after saying so: the test kills it there.
SLOW_WORKER = """
import sys, time, django; django.setup()
from pathlib import Path
from django.core.management import call_command
from scorecards.records import pdf

def hanging_render(html, **kwargs):
    Path(sys.argv[1]).touch()
    time.sleep(600)

pdf.render = hanging_render
call_command("run_worker", stale_after=0)
"""


def _run(args, env, **kwargs):
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, check=True, capture_output=True, **kwargs
    )


def _records(database: Path) -> int:
    with sqlite3.connect(database) as connection:
        return connection.execute("SELECT count(*) FROM scorecards_decisionrecord").fetchone()[0]


def test_a_worker_killed_mid_render_and_started_again_stores_exactly_one_record(tmp_path):
    database = tmp_path / "worker.sqlite3"
    env = {
        **os.environ,
        "DEBUG": "1",
        "DATABASE_URL": f"sqlite:///{database}",
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "LOG_LEVEL": "WARNING",
    }
    _run(["manage.py", "migrate", "--noinput"], env)
    _run(["-c", SETUP], env)  # a decided evaluation, its record task waiting in the queue
    rendering = tmp_path / "rendering"
    worker = subprocess.Popen(
        [sys.executable, "-c", SLOW_WORKER, str(rendering)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while not rendering.exists():  # a subprocess's progress cannot be waited on otherwise
            assert worker.poll() is None and time.monotonic() < deadline, "the worker never started rendering"
            time.sleep(0.1)
        worker.send_signal(signal.SIGKILL)
        worker.wait(30)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert _records(database) == 0

    restarted = _run(["manage.py", "run_worker", "--batch", "--stale-after", "0"], env, timeout=300)
    assert "Requeued: dead 1" in restarted.stdout.decode()
    assert _records(database) == 1
    _run(["manage.py", "run_worker", "--batch", "--stale-after", "0"], env, timeout=300)
    assert _records(database) == 1
