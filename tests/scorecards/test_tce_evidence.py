"""A saved TCE comparison attached to an evaluation as commercial evidence: the services, the
figures read from the frozen snapshot, and the signed content that binds them."""

import pytest
from django.urls import reverse

from procurement.models import AuditEvent
from scorecards import services, signoff, tce_evidence
from scorecards.models import Evaluation, Signature
from tests.vendors.factories import VendorFactory

from .factories import all_scores, evaluation_with_contract, tce_comparison
from .test_signoff import sign

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(procurement_user):
    return evaluation_with_contract(author=procurement_user, scores=all_scores(4))


@pytest.fixture
def comparison(draft):
    return tce_comparison(draft.vendor, VendorFactory(name="Rival Compute"))


# The figures ---------------------------------------------------------------------------------


def test_figures_give_the_vendors_offer_its_rank_and_the_cheapest_by_tce(draft, comparison):
    figures = tce_evidence.figures(comparison, draft.vendor_id)
    assert figures["sha256"] == comparison.sha256
    [mine] = figures["vendor_offers"]
    assert mine["vendor"] == draft.vendor.name
    # The cheapest GPU-hour is not the cheapest to run: queue wait and switching cost more.
    assert mine["cheapest_by_unit_price"] and not mine["cheapest_by_tce"]
    assert (mine["rank"], mine["of"]) == (2, 2)
    assert figures["cheapest_by_tce"]["vendor"] == "Rival Compute"
    assert figures["cheapest_by_tce"]["rank"] == 1


def test_an_offer_that_does_not_cover_the_demand_ranks_after_those_that_do():
    offers = [
        {"id": 1, "covers_demand": False, "tce": "10.00"},
        {"id": 2, "covers_demand": True, "tce": "30.00"},
        {"id": 3, "covers_demand": True, "tce": "30.00"},
    ]
    assert tce_evidence._ranked(offers) == {2: 1, 3: 1, 1: 3}


# Attaching and detaching ---------------------------------------------------------------------


def test_attach_links_the_comparison_with_one_audit_event(draft, comparison, procurement_user):
    services.evaluation_attach_tce(actor=procurement_user, evaluation=draft, comparison=comparison)
    draft.refresh_from_db()
    assert draft.tce_comparison == comparison
    event = AuditEvent.objects.filter(action__startswith="scorecards.evaluation").get()
    assert event.action == "scorecards.evaluation.attach_tce"
    assert comparison.sha256 in event.changes["tce_comparison"][1]


def test_attaching_the_same_comparison_again_changes_nothing(draft, comparison, procurement_user):
    services.evaluation_attach_tce(actor=procurement_user, evaluation=draft, comparison=comparison)
    services.evaluation_attach_tce(actor=procurement_user, evaluation=draft, comparison=comparison)
    assert AuditEvent.objects.filter(action="scorecards.evaluation.attach_tce").count() == 1


def test_a_comparison_without_an_offer_of_the_vendor_is_refused(draft, procurement_user):
    elsewhere = tce_comparison(VendorFactory(name="Other One"), VendorFactory(name="Other Two"))
    with pytest.raises(services.ComparisonRefused, match="compares no offer from"):
        services.evaluation_attach_tce(actor=procurement_user, evaluation=draft, comparison=elsewhere)
    draft.refresh_from_db()
    assert draft.tce_comparison is None
    assert not AuditEvent.objects.filter(action="scorecards.evaluation.attach_tce").exists()


def test_attaching_is_refused_once_sign_off_has_started(draft, comparison, procurement_user):
    signoff.evaluation_submit(actor=procurement_user, evaluation=draft)
    with pytest.raises(services.EvaluationLocked, match="can no longer change"):
        services.evaluation_attach_tce(actor=procurement_user, evaluation=draft, comparison=comparison)
    with pytest.raises(services.EvaluationLocked):
        services.evaluation_detach_tce(actor=procurement_user, evaluation=draft)


def test_only_the_author_attaches(draft, comparison, legal_user):
    with pytest.raises(services.NotAllowed):
        services.evaluation_attach_tce(actor=legal_user, evaluation=draft, comparison=comparison)


def test_detach_removes_it_with_one_audit_event(draft, comparison, procurement_user):
    services.evaluation_attach_tce(actor=procurement_user, evaluation=draft, comparison=comparison)
    services.evaluation_detach_tce(actor=procurement_user, evaluation=draft)
    draft.refresh_from_db()
    assert draft.tce_comparison is None
    event = AuditEvent.objects.get(action="scorecards.evaluation.detach_tce")
    assert event.changes["tce_comparison"][1] is None
    with pytest.raises(services.ComparisonRefused, match="No TCE comparison"):
        services.evaluation_detach_tce(actor=procurement_user, evaluation=draft)


def test_an_attached_comparison_cannot_be_deleted(draft, comparison, procurement_user):
    from django.db.models import ProtectedError

    services.evaluation_attach_tce(actor=procurement_user, evaluation=draft, comparison=comparison)
    with pytest.raises(ProtectedError):
        comparison.delete()


# The signed content --------------------------------------------------------------------------


def test_attaching_changes_the_content_hash_and_detaching_restores_it(draft, comparison, procurement_user):
    _canonical, without = signoff.canonical_content(draft)
    services.evaluation_attach_tce(actor=procurement_user, evaluation=draft, comparison=comparison)
    draft = Evaluation.objects.get(pk=draft.pk)
    canonical, with_tce = signoff.canonical_content(draft)
    assert with_tce != without
    assert comparison.sha256 in canonical and "258768.00" in canonical  # the vendor's TCE
    services.evaluation_detach_tce(actor=procurement_user, evaluation=draft)
    assert signoff.canonical_content(Evaluation.objects.get(pk=draft.pk))[1] == without


def test_another_comparison_gives_another_content_hash(draft, comparison, procurement_user):
    services.evaluation_attach_tce(actor=procurement_user, evaluation=draft, comparison=comparison)
    first = signoff.canonical_content(Evaluation.objects.get(pk=draft.pk))[1]
    other = tce_comparison(draft.vendor, name="Pre-training 2027, vendor alone")
    services.evaluation_attach_tce(actor=procurement_user, evaluation=draft, comparison=other)
    assert signoff.canonical_content(Evaluation.objects.get(pk=draft.pk))[1] != first


def test_a_signature_made_before_attaching_does_not_count_for_the_content_with_it(
    draft, comparison, procurement_user, legal_user, finance_user
):
    """The existing rule: content changes only in a draft, so legal's signature of round 1 stays
    with round 1 (void once changes are requested) and the resubmitted content, with the TCE
    comparison, is a new hash that legal must sign again."""
    first = signoff.evaluation_submit(actor=procurement_user, evaluation=draft)
    legal = sign(draft, legal_user, "legal")
    sign(draft, finance_user, "finance", Signature.Decision.REQUEST_CHANGES, "Attach the TCE comparison.")
    services.evaluation_attach_tce(actor=procurement_user, evaluation=draft, comparison=comparison)
    second = signoff.evaluation_submit(actor=procurement_user, evaluation=draft)
    assert legal.content_hash == first.content_hash != second.content_hash
    assert comparison.sha256 in second.snapshot
    assert not second.signatures.exists()
    sign(draft, legal_user, "legal")  # the earlier signature did not carry over


def test_an_attachment_slipped_in_after_submission_stops_signing(
    draft, comparison, procurement_user, legal_user
):
    signoff.evaluation_submit(actor=procurement_user, evaluation=draft)
    # Past the services (which refuse it), as a change of the contract would be.
    Evaluation.objects.filter(pk=draft.pk).update(tce_comparison=comparison)
    with pytest.raises(signoff.InvalidTransition, match="changed after submission"):
        sign(draft, legal_user, "legal")


def test_a_revision_keeps_the_attached_comparison(
    draft, comparison, procurement_user, legal_user, finance_user, platform_user
):
    services.evaluation_attach_tce(actor=procurement_user, evaluation=draft, comparison=comparison)
    signoff.evaluation_submit(actor=procurement_user, evaluation=draft)
    for user, role in ((legal_user, "legal"), (finance_user, "finance"), (platform_user, "platform")):
        sign(draft, user, role)
    revision = signoff.evaluation_revise(actor=procurement_user, evaluation=draft)
    assert revision.tce_comparison == comparison


# The evaluation page ---------------------------------------------------------------------------


def page_text(response) -> str:
    return " ".join(response.content.decode().split())


def test_the_page_shows_the_vendors_tce_figures_beside_the_commercial_score(
    client, draft, comparison, procurement_user, legal_user
):
    services.evaluation_attach_tce(actor=procurement_user, evaluation=draft, comparison=comparison)
    client.force_login(legal_user)
    text = page_text(client.get(reverse("scorecards:evaluation-detail", args=[draft.pk])))
    assert "Total cost of execution" in text
    assert "EUR 258,768.00" in text and "EUR 4.3128" in text
    assert "2 of 2 compared offers" in text
    assert "The cheapest GPU-hour is not the cheapest to run." in text
    assert "Cheapest by TCE: Rival Compute reserved block (Rival Compute)" in text
    assert comparison.sha256 in text
    assert "evaluation-tce-attach" not in text and "/tce/attach/" not in text  # no form for readers


def test_the_author_attaches_from_the_saved_comparisons_of_the_vendor(
    client, draft, comparison, procurement_user
):
    elsewhere = tce_comparison(VendorFactory(name="Other One"), name="Elsewhere")
    client.force_login(procurement_user)
    page = client.get(reverse("scorecards:evaluation-detail", args=[draft.pk])).content.decode()
    assert "Pre-training 2027" in page and "Elsewhere" not in page
    response = client.post(
        reverse("scorecards:evaluation-tce-attach", args=[draft.pk]),
        {"comparison": comparison.pk},
        follow=True,
    )
    assert "as commercial evidence" in page_text(response)
    draft.refresh_from_db()
    assert draft.tce_comparison == comparison
    response = client.post(
        reverse("scorecards:evaluation-tce-attach", args=[draft.pk]),
        {"comparison": elsewhere.pk},
        follow=True,
    )
    assert "includes an offer from this vendor" in page_text(response)
    draft.refresh_from_db()
    assert draft.tce_comparison == comparison
    response = client.post(reverse("scorecards:evaluation-tce-detach", args=[draft.pk]), follow=True)
    assert "no longer attached" in page_text(response)
    draft.refresh_from_db()
    assert draft.tce_comparison is None


def test_a_submitted_evaluation_says_its_content_is_frozen(client, draft, comparison, procurement_user):
    signoff.evaluation_submit(actor=procurement_user, evaluation=draft)
    client.force_login(procurement_user)
    response = client.post(
        reverse("scorecards:evaluation-tce-attach", args=[draft.pk]),
        {"comparison": comparison.pk},
        follow=True,
    )
    assert "awaiting sign-off: its content can no longer change" in page_text(response)
    draft.refresh_from_db()
    assert draft.tce_comparison is None


def test_someone_elses_draft_is_refused_and_get_is_not_allowed(client, draft, comparison, legal_user):
    client.force_login(legal_user)
    url = reverse("scorecards:evaluation-tce-attach", args=[draft.pk])
    assert client.post(url, {"comparison": comparison.pk}).status_code == 403
    assert client.get(url).status_code == 405
    assert client.post(reverse("scorecards:evaluation-tce-detach", args=[draft.pk])).status_code == 403


# The decision record ---------------------------------------------------------------------------


def record_document(evaluation):
    from procurement import audit
    from scorecards.records.content import build_document, load_evaluation

    return build_document(load_evaluation(evaluation.pk), draft=True, head=audit.head(), page_size="a4")


def test_the_record_fingerprint_changes_with_the_attachment(draft, comparison, procurement_user):
    without = record_document(draft)
    assert without.snapshot["tce"] is None
    services.evaluation_attach_tce(actor=procurement_user, evaluation=draft, comparison=comparison)
    attached = record_document(draft)
    assert attached.fingerprint != without.fingerprint
    assert attached.snapshot["tce"]["sha256"] == comparison.sha256
    assert attached.snapshot["tce"]["sha256_verified"] is True


def test_the_pdf_has_the_tce_table_chart_sha256_rates_and_assumptions(draft, comparison, procurement_user):
    from scorecards.records import pdf

    from .test_records import pdf_text

    services.evaluation_attach_tce(actor=procurement_user, evaluation=draft, comparison=comparison)
    document = record_document(draft)
    assert 'id="record-tce-chart-title"' in document.html  # the stacked bar chart
    text = pdf_text(pdf.html_to_pdf(document.html))
    assert "Total cost of execution" in text
    for figure in ("258,768.00", "174,192.00", "72,000.00", "21,168.00", "4.3128", "2.9032"):
        assert figure in text, figure
    assert "Cheapest by TCE" in text and "Cheapest by unit price" in text
    assert comparison.sha256[:32] in text.replace(" ", "")
    assert "Exchange rates used" in text and "Assumptions" in text
    assert "730 hours a month" in text


def test_a_record_without_an_attachment_says_so(draft):
    from scorecards.records import pdf

    from .test_records import pdf_text

    text = pdf_text(pdf.html_to_pdf(record_document(draft).html))
    assert "No total cost of execution comparison is attached to this evaluation." in text
