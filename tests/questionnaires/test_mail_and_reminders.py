"""Sending mails each contact a link made when the mail goes (never stored); reminders before the
due date and when overdue, to each contact (with a link) and to the sender, once each."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from procurement.models import OutgoingMail
from procurement.reminders import reminders_send
from questionnaires import reminders, services, tokens
from questionnaires.models import AccessLink, Questionnaire, Recipient

from .factories import send

pytestmark = pytest.mark.django_db


def _link_in(message) -> str:
    return "/portal/" + message.body.split("/portal/")[1].split()[0]


def test_each_contact_gets_a_link_of_their_own_that_is_never_stored(
    client, procurement_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        questionnaire = send(
            procurement_user,
            contacts=[
                services.Contact("Ann", "ann@vendor.example"),
                services.Contact("Bo", "bo@vendor.example"),
            ],
        )
    assert sorted(m.to[0] for m in mail.outbox) == ["ann@vendor.example", "bo@vendor.example"]
    links = [_link_in(m) for m in mail.outbox]
    assert len(set(links)) == 2
    for link in links:
        token = link.strip("/").split("/")[1]
        assert AccessLink.objects.filter(digest=tokens.digest_of(token)).exists()
        # The stored mail holds a placeholder, not the token.
        assert not OutgoingMail.objects.filter(body_text__contains=token).exists()
        assert not OutgoingMail.objects.filter(body_html__contains=token).exists()
        assert questionnaire.title in client.get(link).content.decode()
    html = mail.outbox[0].alternatives[0][0]
    assert "/portal/qp_" in html and "[[secret-link]]" not in html


def test_a_contact_revoked_before_the_mail_went_gets_no_mail(
    procurement_user, django_capture_on_commit_callbacks
):
    questionnaire = send(procurement_user)  # the mail is queued, not sent (no commit yet)
    services.recipient_revoke(actor=procurement_user, recipient=questionnaire.recipients.get())
    from procurement.tasks import mail_send

    outgoing = OutgoingMail.objects.get()
    mail_send.call(outgoing.pk)
    outgoing.refresh_from_db()
    assert outgoing.status == OutgoingMail.Status.FAILED and "no longer be given" in outgoing.last_error
    assert mail.outbox == [] and not AccessLink.objects.filter(purpose="invitation").exists()


@pytest.mark.parametrize(
    "days_left,expected",
    [(10, None), (7, "due-7"), (2, "due-7"), (1, "due-1"), (0, "due-1"), (-1, "overdue")],
)
def test_the_occasion_is_the_nearest_threshold_reached(days_left, expected):
    today = timezone.localdate()
    assert reminders.occasion(today + timedelta(days=days_left), today) == expected


def test_contacts_and_the_sender_are_reminded_once_per_occasion(
    procurement_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        questionnaire = send(procurement_user, due_in_days=5)
    mail.outbox = []
    today = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        outcome = reminders_send(today=today)
    contact_mails = [m for m in mail.outbox if m.to == ["mira@vendor.example"]]
    sender_mails = [m for m in mail.outbox if m.to == [procurement_user.email]]
    assert outcome.external == 1 and len(contact_mails) == 1 and len(sender_mails) == 1
    assert "/portal/qp_" in contact_mails[0].body and "Reminder" in contact_mails[0].subject
    assert "due soon" in sender_mails[0].subject
    mail.outbox = []
    with django_capture_on_commit_callbacks(execute=True):
        reminders_send(today=today)
        reminders_send(today=today + timedelta(days=1))
    assert mail.outbox == []  # the same occasion is not sent twice
    with django_capture_on_commit_callbacks(execute=True):
        reminders_send(today=questionnaire.due_date + timedelta(days=1))
    subjects = sorted(m.subject for m in mail.outbox)
    assert len(subjects) == 2 and all("verdue" in s for s in subjects)


def test_submitted_revoked_and_expired_questionnaires_are_not_reminded(
    procurement_user, django_capture_on_commit_callbacks
):
    submitted = send(procurement_user, due_in_days=1, title="Submitted")
    Questionnaire.objects.filter(pk=submitted.pk).update(status=Questionnaire.Status.SUBMITTED)
    revoked = send(procurement_user, due_in_days=1, title="Revoked")
    services.recipient_revoke(actor=procurement_user, recipient=revoked.recipients.get())
    expired = send(procurement_user, due_in_days=1, title="Expired")
    Recipient.objects.filter(questionnaire=expired).update(expires_at=timezone.now() - timedelta(minutes=1))
    assert reminders.contact_reminders_send(timezone.localdate()) == 0


def test_send_reminders_reports_the_vendor_contacts(procurement_user, capsys):
    send(procurement_user, due_in_days=3)
    call_command("send_reminders")
    assert "1 to vendor contacts" in capsys.readouterr().out
