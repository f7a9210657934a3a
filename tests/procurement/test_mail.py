"""Outgoing mail: queued in the caller's transaction, sent once by a task, retried, never lost."""

import smtplib
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from procurement.mail import mail_enqueue
from procurement.management.commands.run_worker import requeue_abandoned
from procurement.models import OutgoingMail
from procurement.tasks import mail_send
from scorecards import signoff
from scorecards.models import Evaluation
from tests.scorecards.factories import all_scores, evaluation_with_contract
from tests.scorecards.test_signoff_views import sign_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def database_queue(settings, monkeypatch):
    """The production backend: tasks wait in the database until a worker runs them. The worker
    closes stale connections between tasks, which would close the test's open transaction."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.TASKS_RETRY_SECONDS = 60
    monkeypatch.setattr("django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None)


def work_the_queue():
    call_command("db_worker", batch=True, reload=False, startup_delay=False, verbosity=0)


def queue(user, key="test.mail:1", **overrides):
    return mail_enqueue(
        key=key,
        to=user,
        subject=overrides.get("subject", "Sign-off needed: Burst capacity"),
        template="signoff_submitted",
        context={
            "evaluation": overrides["evaluation"],
            "total": "80 / 100",
            "link": "http://x/evaluations/1/",
        },
    )


@pytest.fixture
def evaluation(procurement_user):
    return evaluation_with_contract(author=procurement_user, scores=all_scores(4))


def test_a_queued_mail_is_sent_as_text_and_html_after_commit(
    legal_user, evaluation, django_capture_on_commit_callbacks
):
    mail.outbox = []
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        queue(legal_user, evaluation=evaluation)
        assert mail.outbox == []  # not before the commit
    (message,) = mail.outbox
    assert message.to == [legal_user.email] and "http://x/evaluations/1/" in message.body
    assert message.alternatives[0].mimetype == "text/html"
    assert OutgoingMail.objects.get().status == OutgoingMail.Status.SENT


def test_enqueueing_inside_a_rolled_back_transaction_sends_nothing(
    legal_user, evaluation, django_capture_on_commit_callbacks
):
    mail.outbox = []
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        queue(legal_user, evaluation=evaluation)
        raise RuntimeError("the change it reports is refused")
    assert callbacks == [] and mail.outbox == []
    assert not OutgoingMail.objects.exists()


def test_the_same_key_queues_one_mail(legal_user, evaluation, django_capture_on_commit_callbacks):
    mail.outbox = []
    with django_capture_on_commit_callbacks(execute=True):
        assert queue(legal_user, evaluation=evaluation) is not None
        assert queue(legal_user, evaluation=evaluation) is None
    assert len(mail.outbox) == 1


def test_a_mail_whose_first_send_fails_is_retried_after_a_backoff_and_sent_exactly_once(
    database_queue, legal_user, evaluation, monkeypatch, django_capture_on_commit_callbacks
):
    real_send = EmailMultiAlternatives.send
    failures = iter([smtplib.SMTPServerDisconnected("mail server down")])

    def flaky_send(message, *args, **kwargs):
        error = next(failures, None)
        if error:
            raise error
        return real_send(message, *args, **kwargs)

    monkeypatch.setattr(EmailMultiAlternatives, "send", flaky_send)
    mail.outbox = []
    with time_machine.travel("2026-03-02 09:00 +0000", tick=False) as traveller:
        with django_capture_on_commit_callbacks(execute=True):
            queued = queue(legal_user, evaluation=evaluation)
        work_the_queue()
        queued.refresh_from_db()
        assert (queued.status, queued.attempts, mail.outbox) == ("pending", 1, [])
        assert "mail server down" in queued.last_error
        assert DBTaskResult.objects.failed().count() == 1  # the failed attempt, with its traceback

        traveller.shift(timedelta(seconds=59))
        work_the_queue()
        assert mail.outbox == []  # the retry waits for its backoff

        traveller.shift(timedelta(seconds=2))
        work_the_queue()
        work_the_queue()
        mail_send.call(queued.pk)  # a task run once more (a requeue) sends nothing twice
    queued.refresh_from_db()
    assert (queued.status, queued.attempts, len(mail.outbox)) == ("sent", 2, 1)


def test_a_mail_that_keeps_failing_is_marked_failed_and_kept(
    database_queue, settings, legal_user, evaluation, monkeypatch, django_capture_on_commit_callbacks
):
    settings.MAIL_MAX_ATTEMPTS = 3

    def down(message, *args, **kwargs):
        raise ConnectionRefusedError("connection refused")

    monkeypatch.setattr(EmailMultiAlternatives, "send", down)
    with time_machine.travel("2026-03-02 09:00 +0000", tick=False) as traveller:
        with django_capture_on_commit_callbacks(execute=True):
            queued = queue(legal_user, evaluation=evaluation)
        for _ in range(5):
            work_the_queue()
            traveller.shift(timedelta(hours=1))
    queued.refresh_from_db()
    assert (queued.status, queued.attempts) == ("failed", 3)
    assert not DBTaskResult.objects.ready().exists()


def test_smtp_down_never_breaks_the_deciding_request(
    client, procurement_user, legal_user, finance_user, monkeypatch, django_capture_on_commit_callbacks
):
    evaluation = evaluation_with_contract(
        author=procurement_user, tier="nearline_batch", scores=all_scores(4)
    )
    signoff.evaluation_submit(actor=procurement_user, evaluation=evaluation)

    def down(message, *args, **kwargs):
        raise smtplib.SMTPConnectError(421, "mail server down")

    monkeypatch.setattr(EmailMultiAlternatives, "send", down)
    url = reverse("scorecards:evaluation-sign", args=[evaluation.pk])
    with django_capture_on_commit_callbacks(execute=True):
        client.force_login(legal_user)
        assert client.post(url, sign_data("legal")).status_code == 302
        client.force_login(finance_user)
        assert client.post(url, sign_data("finance")).status_code == 302
    evaluation.refresh_from_db()
    assert evaluation.status == Evaluation.Status.APPROVED
    kept = OutgoingMail.objects.filter(key__startswith="signoff.signed:")
    assert kept.count() == 2 and all(m.status == "pending" and m.last_error for m in kept)


def test_run_worker_requeues_pending_mail_without_a_task(database_queue, legal_user, evaluation):
    with transaction.atomic():
        queued = queue(legal_user, evaluation=evaluation)
    # Outside django_capture_on_commit_callbacks the test's transaction never commits: no task.
    assert not DBTaskResult.objects.exists()
    assert requeue_abandoned(stale_after=timedelta(minutes=10))["mail_requeue"] == 1
    assert requeue_abandoned(stale_after=timedelta(minutes=10))["mail_requeue"] == 0
    mail.outbox = []
    work_the_queue()
    queued.refresh_from_db()
    assert queued.status == "sent" and len(mail.outbox) == 1
