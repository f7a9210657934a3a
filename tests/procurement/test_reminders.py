"""Reminders: computed per day, mailed once per person and occasion, as each person chose."""

import datetime as dt
import uuid
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from procurement import policies, reminders
from procurement.models import AuditEvent, Delivery, Notified
from scorecards import signoff
from scorecards.models import Evaluation
from tests.procurement.factories import user_with_role
from tests.resilience.factories import RehearsalFactory, WorkloadFactory
from tests.scorecards.factories import all_scores, evaluation_with_contract
from tests.vendors.factories import ContractFactory, VendorFactory

pytestmark = pytest.mark.django_db

DEADLINE = dt.date(2027, 6, 30)  # a Wednesday


def notice_contract(owner, deadline=DEADLINE, **kwargs):
    """An active contract, far from its end, whose notice deadline is `deadline`."""
    return ContractFactory(
        vendor=VendorFactory(owner=owner),
        end_date=deadline + dt.timedelta(days=90),
        notice_period_days=90,
        **kwargs,
    )


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Send the reminders of a day as the daily job does (mail leaves on commit); the new mails."""

    def _run(day: dt.date) -> list:
        before = len(mail.outbox)
        with django_capture_on_commit_callbacks(execute=True):
            reminders.reminders_send(today=day)
        return mail.outbox[before:]

    return _run


def recipients(mails) -> list[str]:
    return sorted(address for message in mails for address in message.to)


def prefer(user, **choices):
    reminders.reminder_preferences_update(actor=user, choices=choices)


# Once, and only what is due -------------------------------------------------------------------


def test_running_twice_sends_each_reminder_once(run, procurement_user, legal_user):
    notice_contract(procurement_user)
    day = DEADLINE - dt.timedelta(days=30)

    first = run(day)
    assert recipients(first) == sorted([procurement_user.email, legal_user.email])
    assert run(day) == []
    assert Notified.objects.filter(kind="vendors.notice_deadline").count() == 2


def test_notice_reminders_go_out_at_90_30_and_7_days_and_not_between(run, procurement_user):
    contract = notice_contract(procurement_user)
    sent = {}
    for days_left in range(100, -3, -1):
        for message in run(DEADLINE - dt.timedelta(days=days_left)):
            sent[days_left] = message.subject
    assert sorted(sent, reverse=True) == [90, 30, 7]
    assert sent[7] == f"Notice deadline in 7 days: {contract.vendor.name} {contract.reference}"


def test_a_missed_day_sends_the_threshold_reached_once_not_every_one_before_it(run, procurement_user):
    notice_contract(procurement_user)
    # The job first runs 20 days before the deadline: the 30-day reminder, not the 90-day one too.
    assert [m.subject[:26] for m in run(DEADLINE - dt.timedelta(days=20))] == ["Notice deadline in 20 days"]
    assert run(DEADLINE - dt.timedelta(days=19)) == []
    assert len(run(DEADLINE - dt.timedelta(days=7))) == 1


def test_a_moved_deadline_is_a_new_occasion(run, procurement_user):
    contract = notice_contract(procurement_user)
    assert len(run(DEADLINE - dt.timedelta(days=30))) == 1
    contract.notice_deadline = DEADLINE + dt.timedelta(days=1)
    contract.save()
    assert len(run(DEADLINE - dt.timedelta(days=29))) == 1


def test_the_daily_job_uses_todays_date(procurement_user, django_capture_on_commit_callbacks):
    notice_contract(procurement_user)
    morning = dt.datetime(2027, 5, 31, 6, 0, tzinfo=dt.UTC)
    with time_machine.travel(morning, tick=False), django_capture_on_commit_callbacks(execute=True):
        outcome = reminders.reminders_send()
    assert (outcome.due, outcome.immediate) == (1, 1)
    assert mail.outbox[0].subject.startswith("Notice deadline in 30 days")


def test_contracts_ending_within_30_days_remind_the_owner_and_procurement(run, legal_user):
    owner = user_with_role(policies.FINANCE)
    buyer = user_with_role(policies.PROCUREMENT)
    contract = ContractFactory(
        vendor=VendorFactory(owner=owner), end_date=dt.date(2027, 3, 31), notice_period_days=60
    )
    assert run(dt.date(2027, 2, 28)) == []
    mails = run(dt.date(2027, 3, 1))
    assert recipients(mails) == sorted([owner.email, buyer.email])
    assert mails[0].subject == f"Contract ends in 30 days: {contract.vendor.name} {contract.reference}"


def test_inactive_contracts_remind_nobody(run, procurement_user, legal_user):
    notice_contract(procurement_user, status="terminated")
    assert run(DEADLINE - dt.timedelta(days=7)) == []


# What a person may see ------------------------------------------------------------------------


def test_a_person_never_hears_of_what_they_may_not_see(run, no_role_user, legal_user):
    # The owner lost every role: they no longer read the register, so nothing about it reaches them.
    notice_contract(no_role_user)
    departed = user_with_role(policies.LEGAL, is_active=False)
    mails = run(DEADLINE - dt.timedelta(days=7))
    assert recipients(mails) == [legal_user.email]
    assert departed.email not in recipients(mails)
    assert not Notified.objects.filter(user=no_role_user).exists()


def test_rehearsal_reminders_go_to_platform_only(run, platform_user, procurement_user, legal_user):
    workload = WorkloadFactory(criticality="critical", name="Fraud scoring API")
    RehearsalFactory(workload=workload, performed_on=dt.date(2026, 1, 5))
    WorkloadFactory(criticality="medium")  # not critical: no reminder
    mails = run(dt.date(2026, 6, 1))
    assert recipients(mails) == [platform_user.email]
    assert mails[0].subject == "Failover rehearsal overdue: Fraud scoring API"
    assert "last rehearsed on 5 January 2026" in mails[0].body
    # Rehearsed again, and overdue again later: a new reminder.
    RehearsalFactory(workload=workload, performed_on=dt.date(2026, 6, 2))
    assert run(dt.date(2026, 7, 1)) == []
    assert len(run(dt.date(2026, 10, 1))) == 1


def test_reevaluations_due_remind_the_author_and_procurement(run, procurement_user, legal_user):
    author = user_with_role(policies.PROCUREMENT)
    evaluation = evaluation_with_contract(author=author, scores=all_scores(4))
    Evaluation.objects.filter(pk=evaluation.pk).update(
        status="approved", reevaluation_due=dt.date(2027, 4, 1)
    )
    assert run(dt.date(2027, 3, 31)) == []
    mails = run(dt.date(2027, 4, 1))
    assert recipients(mails) == sorted([author.email, procurement_user.email])
    assert f"/evaluations/{evaluation.pk}/" in mails[0].body or str(evaluation.pk) in mails[0].body


# Sign-off escalation ----------------------------------------------------------------------------


@pytest.fixture
def submitted_on_friday(procurement_user):
    evaluation = evaluation_with_contract(author=procurement_user, scores=all_scores(4))
    with time_machine.travel(dt.datetime(2027, 1, 8, 10, 0, tzinfo=dt.UTC), tick=False):  # a Friday
        signoff.evaluation_submit(actor=procurement_user, evaluation=evaluation)
    return evaluation


def test_working_days_skip_weekends():
    friday = dt.date(2027, 1, 8)
    assert reminders.working_days_between(friday, dt.date(2027, 1, 10)) == 0  # Sunday
    assert reminders.working_days_between(friday, dt.date(2027, 1, 13)) == 3  # Wednesday
    assert reminders.working_days_between(friday, dt.date(2027, 1, 22)) == 10
    assert reminders.working_days_between(friday, friday) == 0


def test_a_late_signoff_is_escalated_after_three_working_days_not_counting_the_weekend(
    run, submitted_on_friday, legal_user, finance_user, settings
):
    settings.SIGNOFF_ESCALATION_WORKING_DAYS = 3
    other_lawyer = user_with_role(policies.LEGAL)
    # Wednesday: five calendar days, three working days. Not late yet.
    assert run(dt.date(2027, 1, 13)) == []
    mails = run(dt.date(2027, 1, 14))
    assert recipients(mails) == sorted([legal_user.email, other_lawyer.email, finance_user.email])
    assert "waited 4 working days" in mails[0].body
    assert run(dt.date(2027, 1, 15)) == []


def test_escalation_skips_those_who_signed_and_the_roles_already_done(
    run, submitted_on_friday, legal_user, finance_user, settings, password
):
    settings.SIGNOFF_ESCALATION_WORKING_DAYS = 3
    user_with_role(policies.LEGAL, username="second.lawyer")

    signoff.signoff_record(
        actor=finance_user,
        evaluation=submitted_on_friday,
        role="finance",
        decision="approve",
        comment="",
        password=password,
        request_token=uuid.uuid4(),
    )
    mails = run(dt.date(2027, 1, 14))
    assert finance_user.email not in recipients(mails)
    assert {m.subject for m in mails} == {f"Sign-off waiting 4 working days: {submitted_on_friday.title}"}
    assert len(mails) == 2  # both lawyers


def test_the_author_is_never_asked_to_sign_their_own_evaluation(run, settings):
    settings.SIGNOFF_ESCALATION_WORKING_DAYS = 3
    author = user_with_role(policies.PROCUREMENT)
    author.groups.add(*user_with_role(policies.LEGAL).groups.all())
    evaluation = evaluation_with_contract(author=author, scores=all_scores(4))
    with time_machine.travel(dt.datetime(2027, 1, 8, 10, 0, tzinfo=dt.UTC), tick=False):
        signoff.evaluation_submit(actor=author, evaluation=evaluation)
    assert author.email not in recipients(run(dt.date(2027, 1, 20)))


# Preferences ------------------------------------------------------------------------------------


def test_the_digest_groups_each_persons_reminders_in_one_mail(run, procurement_user, legal_user):
    for _ in range(2):
        notice_contract(procurement_user)
    # Its notice deadline has passed; it ends within 30 days.
    ContractFactory(vendor=VendorFactory(owner=procurement_user), end_date=DEADLINE, notice_period_days=30)
    for user in (procurement_user, legal_user):
        prefer(
            user, **{"vendors.notice_deadline": Delivery.DIGEST, "vendors.contract_expiring": Delivery.DIGEST}
        )

    mails = run(DEADLINE - dt.timedelta(days=29))
    assert recipients(mails) == sorted([procurement_user.email, legal_user.email])
    mine = next(m for m in mails if m.to == [procurement_user.email])
    assert mine.subject.startswith("Reminders for ")
    assert mine.body.count("Notice on ") == 2 and "Contracts ending within 30 days" in mine.body
    html = mine.alternatives[0].content
    assert html.count("<li>") == 3
    theirs = next(m for m in mails if m.to == [legal_user.email])
    assert theirs.body.count("Notice on ") == 2 and "Contracts ending" not in theirs.body
    assert run(DEADLINE - dt.timedelta(days=29)) == []


def test_what_falls_due_after_todays_digest_waits_for_tomorrows(run, legal_user):
    prefer(legal_user, **{"vendors.notice_deadline": Delivery.DIGEST})
    notice_contract(None)
    day = DEADLINE - dt.timedelta(days=7)
    assert len(run(day)) == 1
    notice_contract(None, deadline=DEADLINE - dt.timedelta(days=1))
    assert run(day) == []
    [tomorrow] = run(day + dt.timedelta(days=1))
    assert tomorrow.body.count("Notice on ") == 1


def test_immediate_digest_and_none_are_each_respected(run, legal_user):
    digest, silent = user_with_role(policies.LEGAL), user_with_role(policies.LEGAL)
    prefer(digest, **{"vendors.notice_deadline": Delivery.DIGEST})
    prefer(silent, **{"vendors.notice_deadline": Delivery.NONE})
    notice_contract(None)
    notice_contract(None)

    mails = run(DEADLINE - dt.timedelta(days=7))
    assert [m.to for m in mails if m.to == [legal_user.email]] == [[legal_user.email]] * 2
    assert [m.to for m in mails if m.to == [digest.email]] == [[digest.email]]
    assert silent.email not in recipients(mails)


def test_switching_none_back_on_does_not_send_the_backlog(run, legal_user):
    prefer(legal_user, **{"vendors.notice_deadline": Delivery.NONE})
    notice_contract(None)
    assert run(DEADLINE - dt.timedelta(days=30)) == []
    assert Notified.objects.filter(user=legal_user, delivery=Delivery.NONE).count() == 1
    prefer(legal_user, **{"vendors.notice_deadline": Delivery.IMMEDIATE})
    assert run(DEADLINE - dt.timedelta(days=29)) == []
    assert len(run(DEADLINE - dt.timedelta(days=7))) == 1


def test_a_rolled_back_transaction_sends_nothing_and_marks_nothing(
    legal_user, django_capture_on_commit_callbacks
):
    notice_contract(None)

    class Boom(Exception):
        pass

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(Boom),
        transaction.atomic(),
    ):
        reminders.reminders_send(today=DEADLINE - dt.timedelta(days=7))
        raise Boom
    assert callbacks == [] and mail.outbox == []
    assert not Notified.objects.exists()


def test_mails_are_plain_text_and_html_with_an_absolute_link(run, legal_user, settings):
    settings.SITE_URL = "https://register.example.org"
    contract = notice_contract(None)
    [message] = run(DEADLINE - dt.timedelta(days=90))
    link = f"https://register.example.org{contract.get_absolute_url()}"
    assert link in message.body and "https://register.example.org/profile/" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and f'href="{link}"' in html


# The command and the profile page -----------------------------------------------------------


def test_send_reminders_command_takes_a_date_and_says_what_it_sent(
    procurement_user, legal_user, django_capture_on_commit_callbacks
):
    notice_contract(procurement_user)
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_reminders", "--date", "2027-06-23", stdout=out)
    assert out.getvalue().startswith("2 reminders due; 2 mails sent (2 single, 0 digests")
    out = StringIO()
    call_command("send_reminders", "--date", "2027-06-23", stdout=out)
    assert out.getvalue().startswith("2 reminders due; 0 mails sent")


def test_the_profile_page_shows_and_saves_reminder_choices_with_one_audit_event(client, legal_user):
    client.force_login(legal_user)
    page = client.get(reverse("profile"))
    assert b"Contract notice deadlines" in page.content and b"One daily digest" in page.content
    data = {f"reminders-{name}": Delivery.IMMEDIATE for name in reminders.REMINDER_KINDS}
    data["reminders-vendors.notice_deadline"] = Delivery.DIGEST
    events = AuditEvent.objects.count()
    response = client.post(reverse("reminder-preferences"), data)
    assert response.status_code == 302
    assert reminders.preferences_of(legal_user)["vendors.notice_deadline"] == Delivery.DIGEST
    assert AuditEvent.objects.count() == events + 1
    event = AuditEvent.objects.first()
    assert event.action == "reminder_preferences.update"
    assert event.changes == {"vendors.notice_deadline": ["immediate", "digest"]}
    # Saving the same choices again changes nothing and writes no event.
    client.post(reverse("reminder-preferences"), data)
    assert AuditEvent.objects.count() == events + 1


def test_the_profile_form_refuses_an_unknown_delivery(client, legal_user):
    client.force_login(legal_user)
    data = {f"reminders-{name}": "hourly" for name in reminders.REMINDER_KINDS}
    response = client.post(reverse("reminder-preferences"), data)
    assert response.status_code == 200 and b"is-invalid" in response.content
    assert not AuditEvent.objects.filter(action="reminder_preferences.update").exists()


def test_reminder_preferences_need_a_post(client, legal_user):
    client.force_login(legal_user)
    assert client.get(reverse("reminder-preferences")).status_code == 405


def test_computing_the_days_reminders_takes_the_same_queries_for_10_or_100_contracts(
    procurement_user, legal_user
):
    def queries_for(count: int) -> int:
        for _ in range(count):
            notice_contract(procurement_user)
        with CaptureQueriesContext(connection) as captured:
            due = reminders.due_reminders(DEADLINE - dt.timedelta(days=7))
        return len(captured), len(due)

    small, due_small = queries_for(10)
    large, due_large = queries_for(90)
    assert (due_small, due_large) == (20, 200)
    assert large == small
