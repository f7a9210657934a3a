"""Decision records on a server without Pango, failures in the audit trail, and bounded previews."""

import builtins
import threading

import pytest
from django.urls import reverse

from procurement import audit
from procurement.models import AuditEvent
from scorecards import records
from scorecards.models import DecisionRecord, DecisionRecordFailure
from scorecards.records import pdf, preview
from tests.scorecards.test_records import decide, pdf_text, scored_evaluation

pytestmark = pytest.mark.django_db


def url(name: str, evaluation_id: int) -> str:
    return reverse(f"scorecards:{name}", args=[evaluation_id])


@pytest.fixture
def without_pango(monkeypatch):
    """WeasyPrint as it fails on a machine without libpango: cffi's OSError at import."""
    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name == "weasyprint" or name.startswith("weasyprint."):
            raise OSError(
                "cannot load library 'libpango-1.0-0': libpango-1.0-0: cannot open shared object file"
            )
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    monkeypatch.setattr(pdf, "_shared", {})


def test_rendering_without_pango_says_what_to_install(without_pango):
    with pytest.raises(pdf.LibrariesMissing) as raised:
        pdf.render("<p>x</p>")
    assert "libpango-1.0-0" in str(raised.value)
    assert "apt-get install" in str(raised.value)


def test_a_record_that_cannot_be_rendered_says_why_on_its_page(
    client, procurement_user, without_pango, django_capture_on_commit_callbacks
):
    evaluation = scored_evaluation()
    with django_capture_on_commit_callbacks(execute=True):
        decide(evaluation)
    assert not DecisionRecord.objects.exists()
    failure = DecisionRecordFailure.objects.get(evaluation=evaluation)
    assert "could not load its system libraries" in failure.error

    client.force_login(procurement_user)
    body = client.get(url("record-status", evaluation.pk)).content.decode()
    assert "The decision record could not be issued." in body
    assert "libharfbuzz-subset0" in body and "Retry issuing the record" in body
    # The evaluation page itself works.
    assert client.get(url("evaluation-detail", evaluation.pk)).status_code == 200


def test_a_preview_without_pango_is_a_message_not_a_500(client, legal_user, without_pango):
    evaluation = scored_evaluation()
    client.force_login(legal_user)
    response = client.get(url("record-preview", evaluation.pk), follow=True)
    assert response.status_code == 200
    assert "could not load its system libraries" in response.content.decode()


def test_a_rendering_failure_writes_one_audit_event(monkeypatch, django_capture_on_commit_callbacks):
    evaluation = scored_evaluation()

    def broken(html, **kwargs):
        raise pdf.RenderError("MemoryError: out of memory while laying out")

    monkeypatch.setattr(pdf, "render", broken)
    with django_capture_on_commit_callbacks(execute=True):
        decide(evaluation)
    events = AuditEvent.objects.filter(action="decision_record.fail")
    assert events.count() == 1
    event = events.get()
    assert event.object_id == str(evaluation.pk)
    assert "MemoryError" in event.changes["error"][1]
    assert DecisionRecordFailure.objects.filter(evaluation=evaluation).count() == 1


@pytest.fixture
def counted_renders(monkeypatch):
    calls = []
    real = pdf.render

    def counting(html, **kwargs):
        calls.append(html)
        return real(html, **kwargs)

    monkeypatch.setattr(pdf, "render", counting)
    return calls


def test_a_preview_is_rendered_once_per_content(client, legal_user, counted_renders):
    evaluation = scored_evaluation()
    client.force_login(legal_user)
    first = client.get(url("record-preview", evaluation.pk))
    second = client.get(url("record-preview", evaluation.pk))
    assert first.status_code == second.status_code == 200
    assert first.content == second.content
    assert len(counted_renders) == 1
    # Another paper size is another preview.
    assert client.get(url("record-preview", evaluation.pk) + "?size=letter").status_code == 200
    assert len(counted_renders) == 2


def test_a_changed_evaluation_never_gets_the_stale_preview(client, legal_user, counted_renders):
    from scorecards import services

    evaluation = scored_evaluation()
    client.force_login(legal_user)
    before = client.get(url("record-preview", evaluation.pk))
    services.evaluation_update(
        actor=evaluation.author, evaluation=evaluation, title="Checked again in December"
    )
    after = client.get(url("record-preview", evaluation.pk))
    assert len(counted_renders) == 2
    assert "Checked again" not in pdf_text(before.content)
    assert "Checked again" in pdf_text(after.content)


def test_previews_beyond_the_bound_are_refused_without_rendering(client, legal_user, counted_renders):
    evaluation = scored_evaluation()
    client.force_login(legal_user)
    renderers = preview.preview_renderers()
    held = 0
    while renderers.acquire(blocking=False):  # every renderer of this process busy
        held += 1
    try:
        response = client.get(url("record-preview", evaluation.pk))
    finally:
        for _ in range(held):
            renderers.release()
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "Try again in a few seconds" in response.content.decode()
    assert counted_renders == []
    assert held == 2  # the default bound


def test_concurrent_previews_render_at_most_the_bound_at_once(monkeypatch):
    """Many readers at once: never more renders in flight than the bound."""
    evaluation = scored_evaluation()
    in_flight, peak, lock = [0], [0], threading.Lock()
    release = threading.Event()

    def slow(html, **kwargs):
        with lock:
            in_flight[0] += 1
            peak[0] = max(peak[0], in_flight[0])
        release.wait(5)
        with lock:
            in_flight[0] -= 1
        return pdf.Rendered(b"%PDF-1.7 stub", 1)

    monkeypatch.setattr(pdf, "render", slow)
    outcomes = []

    def ask_for_preview():
        try:
            records.decision_record_preview(evaluation.pk)
            outcomes.append("rendered")
        except records.RenderersBusy:
            outcomes.append("busy")

    # Rendering is what is bounded; the document is built before it, in the caller's thread.
    monkeypatch.setattr(preview, "build_document", lambda *a, **k: _Document())
    monkeypatch.setattr(preview, "load_evaluation", lambda pk: evaluation)
    monkeypatch.setattr(audit, "head", lambda: None)  # no database from these threads
    threads = [threading.Thread(target=ask_for_preview) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads[:]:
        thread.join(1)
    release.set()
    for thread in threads:
        thread.join(5)
    assert peak[0] <= 2
    assert outcomes.count("busy") >= 3


class _Document:
    fingerprint = "same-content"
    html = "<p>draft</p>"
