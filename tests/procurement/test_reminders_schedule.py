"""The worker's schedule of reminders: one daily run queued when the worker starts, each run
queues the next day's, and a second start queues nothing more."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from procurement import tasks
from procurement.models import OutgoingMail
from tests.vendors.factories import ContractFactory, VendorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def database_queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.REMINDERS_AT = "06:15"
    settings.REMINDERS_IN_WORKER = True


def _queued():
    return list(
        DBTaskResult.objects.filter(task_path=tasks.reminders_daily.module_path, status="READY").order_by(
            "run_after"
        )
    )


@time_machine.travel(dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC), tick=False)
def test_starting_the_worker_queues_tomorrows_run_once(database_queue):
    assert tasks.reminders_requeue() == 1
    assert tasks.reminders_requeue() == 0  # a second worker, or a restart
    [queued] = _queued()
    assert queued.args_kwargs["args"] == ["2027-03-02"]  # today's 06:15 has passed
    assert queued.run_after == timezone.make_aware(dt.datetime(2027, 3, 2, 6, 15))


@time_machine.travel(dt.datetime(2027, 3, 1, 5, 0, tzinfo=dt.UTC), tick=False)
def test_a_run_sends_the_days_reminders_and_queues_the_next_day(database_queue, procurement_user, legal_user):
    owner_vendor = VendorFactory(owner=procurement_user)
    ContractFactory(vendor=owner_vendor, end_date=dt.date(2027, 3, 20))  # ends within 30 days
    result = tasks.reminders_daily.call("2027-03-01")
    assert result.endswith(" mails") and not result.startswith("0 due")
    assert OutgoingMail.objects.filter(to=procurement_user, key__startswith="reminder:").exists()
    assert [q.args_kwargs["args"] for q in _queued()] == [["2027-03-02"]]


def test_off_queues_nothing(database_queue, settings):
    settings.REMINDERS_IN_WORKER = False
    assert tasks.reminders_requeue() == 0
    assert not _queued()
