"""Procurement's pages: send, show a new link once, CSV export with formulas escaped, who may what."""

import re
from datetime import timedelta
from urllib.parse import urlparse

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from questionnaires import portal
from questionnaires.models import Questionnaire
from tests.vendors.factories import VendorFactory

from .factories import PDF, answers_by_code, template

pytestmark = pytest.mark.django_db


def test_procurement_sends_through_the_page(client, procurement_user):
    template()
    vendor = VendorFactory()
    client.force_login(procurement_user)
    assert client.get(reverse("questionnaires:send") + f"?vendor={vendor.pk}").status_code == 200
    response = client.post(
        reverse("questionnaires:send"),
        {
            "vendor": vendor.pk,
            "template": template().pk,
            "title": "Annual review",
            "due_date": (timezone.localdate() + timedelta(days=7)).isoformat(),
            "contacts": "Ann Lee <ann@vendor.example>\nBo Ek <bo@vendor.example>",
        },
    )
    questionnaire = Questionnaire.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(
        f"/questionnaires/{questionnaire.pk}/"
    )
    assert questionnaire.recipients.count() == 2


@pytest.mark.parametrize(
    "contacts,message",
    [
        ("ann@vendor.example", "write each contact as"),
        ("Ann <ann@vendor.example>\nAnn again <ann@vendor.example>", "is named twice"),
        ("Ann <not an address>", "write each contact as"),
    ],
)
def test_bad_contacts_are_refused_on_the_page(client, procurement_user, contacts, message):
    client.force_login(procurement_user)
    response = client.post(
        reverse("questionnaires:send"),
        {
            "vendor": VendorFactory().pk,
            "template": template().pk,
            "title": "Annual review",
            "due_date": (timezone.localdate() + timedelta(days=7)).isoformat(),
            "contacts": contacts,
        },
    )
    assert response.status_code == 200 and message in response.content.decode()
    assert not Questionnaire.objects.exists()


def test_a_new_link_is_shown_once_and_works(client, procurement_user, questionnaire, recipient):
    client.force_login(procurement_user)
    response = client.post(reverse("questionnaires:recipient-link", args=[questionnaire.pk, recipient.pk]))
    page = response.content.decode()
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    link = re.search(r'value="([^"]*/portal/qp_[^"]+)"', page).group(1)
    assert questionnaire.title in Client().get(urlparse(link).path).content.decode()
    # Not shown on the questionnaire's page afterwards.
    assert link not in client.get(reverse("questionnaires:detail", args=[questionnaire.pk])).content.decode()


def test_readers_see_questionnaires_but_only_procurement_acts(client, legal_user, questionnaire, recipient):
    client.force_login(legal_user)
    assert client.get(reverse("questionnaires:detail", args=[questionnaire.pk])).status_code == 200
    assert client.get(reverse("questionnaires:send")).status_code == 403
    assert (
        client.post(
            reverse("questionnaires:recipient-revoke", args=[questionnaire.pk, recipient.pk])
        ).status_code
        == 403
    )


def test_the_csv_export_escapes_formulas(client, procurement_user, questionnaire, recipient):
    by_code = answers_by_code(questionnaire)
    portal.portal_save(
        recipient=recipient,
        values={by_code["1.6"].question_id: '=HYPERLINK("http://x")', by_code["1.1"].question_id: "64"},
        files={by_code["4.3"].question_id: [SimpleUploadedFile("+cmd.pdf", PDF)]},
    )
    client.force_login(procurement_user)
    response = client.get(reverse("questionnaires:export", args=[questionnaire.pk]))
    body = b"".join(response.streaming_content).decode()
    assert response["Content-Type"].startswith("text/csv")
    assert "'=HYPERLINK" in body and ",=HYPERLINK" not in body
    assert "'+cmd.pdf" in body and ",64," in body


def test_an_answers_files_download_for_readers(client, auditor_user, questionnaire, recipient):
    by_code = answers_by_code(questionnaire)
    portal.portal_save(
        recipient=recipient, values={}, files={by_code["4.3"].question_id: [SimpleUploadedFile("c.pdf", PDF)]}
    )
    attached = by_code["4.3"].files.get()
    client.force_login(auditor_user)
    response = client.get(reverse("questionnaires:file-download", args=[attached.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert "attachment" in response["Content-Disposition"]
