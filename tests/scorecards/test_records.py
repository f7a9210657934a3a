"""Decision records: issued once after the decision commits, complete, immutable and verifiable."""

import io
import re
import subprocess

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from pypdf import PdfReader, PdfWriter

from procurement import audit
from procurement.models import AuditEvent
from resilience.models import Criticality
from scorecards import records
from scorecards.models import (
    DecisionRecord,
    DecisionRecordFailure,
    DecisionRecordImmutable,
    Evaluation,
    Evidence,
    Score,
)
from scorecards.records import pdf
from tests.resilience.factories import RehearsalFactory, WorkloadFactory, compute
from tests.scorecards.factories import EvaluationFactory
from tests.vendors.factories import CapacityLineFactory, ClauseFactory, ContractFactory, VendorFactory
from vendors.models import CapacityBand, ExitRightClause, ExitRightKind

pytestmark = pytest.mark.django_db

RATIONALES = {
    "capacity": "Two hundred and fifty-six H100 in us-east are committed, with a written lead time of six weeks.",
    "portability": "Plain Kubernetes with our own images; checkpoints are written in an open format to our bucket.",
    "resilience": "A single region only, and failover to the second vendor has not been rehearsed this year.",
    "compliance": "SOC 2 Type II report reviewed; data stays in the EU under a signed processing agreement.",
    "commercial": "Ramp-down of twenty percent a quarter is allowed, but substitution of services is not.",
}


def pdf_text(data: bytes) -> str:
    """pdftotext's reading of the PDF, whitespace normalised; pages stay separated by \f."""
    out = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True
    ).stdout
    return "\f".join(" ".join(page.split()) for page in out.decode().split("\f"))


def pages_of(data: bytes) -> list[str]:
    return [page for page in pdf_text(data).split("\f") if page]


def decide(evaluation: Evaluation, *, status=Evaluation.Status.APPROVED, actor=None) -> None:
    """Decide as the sign-off service does: status and audit event in one transaction, and
    the record requested from inside it, issued after commit."""
    with transaction.atomic():
        before = {"status": evaluation.status}
        Evaluation.objects.filter(pk=evaluation.pk).update(status=status, decided_at=timezone.now())
        evaluation.refresh_from_db()
        audit.record(
            actor=actor,
            action=f"evaluation.{status}",
            obj=evaluation,
            before=before,
            after={"status": status},
        )
        records.decision_record_issue_later(evaluation, actor=actor)


def scored_evaluation(**kwargs) -> Evaluation:
    """An evaluation with a contract (some exit rights missing), scores, rationales and evidence."""
    contract = kwargs.pop("contract", None) or ContractFactory(
        reference="HX-0042", title="Burst training capacity"
    )
    CapacityLineFactory(contract=contract, accelerator_model="NVIDIA H100 80GB", count=256, region="us-east")
    kinds = list(ExitRightKind.objects.filter(is_active=True))
    ClauseFactory(
        contract=contract,
        kind=kinds[0],
        status=ExitRightClause.Status.PRESENT,
        reference="§12.3",
        text="We may end the contract without cause with thirty days' written notice.",
        notice_days=30,
    )
    evaluation = EvaluationFactory(vendor=contract.vendor, contract=contract, **kwargs)
    for score in evaluation.scores.select_related("dimension"):
        score.score = {"capacity": 4, "portability": 4, "resilience": 2, "compliance": 3, "commercial": 3}[
            score.dimension.kind
        ]
        score.rationale = RATIONALES[score.dimension.kind]
        score.save()
        Evidence.objects.create(
            score=score, title=f"{score.dimension.name} review notes", url="https://wiki.example/review"
        )
    Evidence.objects.create(
        score=evaluation.scores.get(dimension__kind="compliance"),
        file="evidence/soc2.pdf",
        original_name="soc2-type2-2026.pdf",
        content_type="application/pdf",
        size=48213,
        sha256="ab" * 32,
    )
    from scorecards import services

    services._refresh_total(evaluation)
    return evaluation


def issued(evaluation: Evaluation, django_capture_on_commit_callbacks, **kwargs) -> DecisionRecord:
    with django_capture_on_commit_callbacks(execute=True):
        decide(evaluation, **kwargs)
    return DecisionRecord.objects.get(evaluation=evaluation)


# Issuing -------------------------------------------------------------------------------------


def test_deciding_issues_the_record_after_commit_with_its_hash_and_audit_event(
    django_capture_on_commit_callbacks, legal_user
):
    evaluation = scored_evaluation()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        decide(evaluation, actor=legal_user)
        assert not DecisionRecord.objects.exists()  # nothing rendered inside the decision
    decision_event = AuditEvent.objects.filter(action="evaluation.approved").get()
    for callback in callbacks:
        callback()

    record = DecisionRecord.objects.get(evaluation=evaluation)
    data = bytes(record.pdf)
    assert data.startswith(b"%PDF-")
    assert record.sha256 == records.sha256_hex(data)
    assert record.size == len(data)
    assert record.fingerprint == records.sha256_hex(record.content)
    assert record.number == f"DR-{evaluation.pk:06d}"
    assert record.decision == "approved"
    assert record.page_count == len(PdfReader(io.BytesIO(data)).pages)
    assert record.issued_by == legal_user
    # The head printed on the record is the chain head when the evaluation was decided.
    assert (record.audit_head_sequence, record.audit_head_hash) == (
        decision_event.sequence,
        decision_event.hash,
    )
    event = AuditEvent.objects.get(action="decision_record.issue")
    assert event.object_id == str(evaluation.pk)
    assert event.changes["sha256"] == [None, record.sha256]
    assert event.changes["fingerprint"] == [None, record.fingerprint]
    assert audit.verify_chain().ok


def test_a_rolled_back_decision_issues_nothing(django_capture_on_commit_callbacks):
    evaluation = scored_evaluation()
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        Evaluation.objects.filter(pk=evaluation.pk).update(status="approved", decided_at=timezone.now())
        records.decision_record_issue_later(evaluation)
        raise RuntimeError("the decision failed")
    assert not DecisionRecord.objects.exists()


def test_issuing_twice_keeps_the_first_record(django_capture_on_commit_callbacks):
    evaluation = scored_evaluation()
    record = issued(evaluation, django_capture_on_commit_callbacks)
    again = records.decision_record_issue(evaluation_id=evaluation.pk)
    assert again.pk == record.pk
    assert DecisionRecord.objects.count() == 1
    assert AuditEvent.objects.filter(action="decision_record.issue").count() == 1


def test_a_record_never_changes(django_capture_on_commit_callbacks):
    record = issued(scored_evaluation(), django_capture_on_commit_callbacks)
    record.pdf = b"%PDF-forged"
    with pytest.raises(DecisionRecordImmutable):
        record.save()
    with pytest.raises(DecisionRecordImmutable):
        DecisionRecord.objects.filter(pk=record.pk).update(pdf=b"%PDF-forged")
    stored = DecisionRecord.objects.get(pk=record.pk)
    assert records.sha256_hex(bytes(stored.pdf)) == stored.sha256


def test_an_undecided_evaluation_gets_no_record():
    evaluation = scored_evaluation()
    with pytest.raises(records.RecordError, match="not been decided"):
        records.decision_record_issue(evaluation_id=evaluation.pk)
    assert not DecisionRecord.objects.exists()


def test_a_rejection_is_recorded_as_such(django_capture_on_commit_callbacks):
    record = issued(
        scored_evaluation(), django_capture_on_commit_callbacks, status=Evaluation.Status.REJECTED
    )
    assert record.decision == "rejected"
    assert "Rejected on" in pdf_text(bytes(record.pdf))


def test_a_render_failure_is_logged_and_kept_and_stores_nothing(
    django_capture_on_commit_callbacks, monkeypatch, caplog
):
    evaluation = scored_evaluation()

    def broken(html, **kwargs):
        raise pdf.RenderError("MemoryError: out of memory while laying out")

    monkeypatch.setattr(pdf, "render", broken)
    with django_capture_on_commit_callbacks(execute=True):
        decide(evaluation)  # the after-commit hook swallows the error: the decision stands

    assert not DecisionRecord.objects.exists()
    assert not AuditEvent.objects.filter(action="decision_record.issue").exists()
    failure = DecisionRecordFailure.objects.get(evaluation=evaluation)
    assert "MemoryError" in failure.error
    decision_event = AuditEvent.objects.get(action="evaluation.approved")
    assert failure.audit_head_sequence == decision_event.sequence
    assert "Rendering the decision record of evaluation" in caplog.text

    # The retry renders again, with the head captured at decision time, not today's.
    monkeypatch.undo()
    audit.record(actor=None, action="unrelated.event", object_type="x", object_id=1)
    record = records.decision_record_issue(evaluation_id=evaluation.pk)
    assert record.audit_head_sequence == decision_event.sequence


def test_a_failure_while_storing_leaves_no_half_record(django_capture_on_commit_callbacks, monkeypatch):
    evaluation = scored_evaluation()
    original = audit.record

    def failing_audit(**kwargs):
        if kwargs["action"] == "decision_record.issue":
            raise RuntimeError("disk full")
        return original(**kwargs)

    monkeypatch.setattr(audit, "record", failing_audit)
    with django_capture_on_commit_callbacks(execute=True):
        decide(evaluation)
    assert not DecisionRecord.objects.exists()
    assert "disk full" in DecisionRecordFailure.objects.get(evaluation=evaluation).error


# Content ---------------------------------------------------------------------------------------


def test_the_record_states_every_part_of_the_decision(django_capture_on_commit_callbacks):
    evaluation = scored_evaluation(
        title="Burst training capacity 2027", purpose="Train the next model family."
    )
    workload = WorkloadFactory(name="Fraud scoring API", criticality=Criticality.CRITICAL)
    for band in CapacityBand.values:
        compute(workload, evaluation.vendor, band, 8)
    RehearsalFactory(workload=workload)
    record = issued(evaluation, django_capture_on_commit_callbacks)
    text = pdf_text(bytes(record.pdf))

    # Cover block
    for part in [
        record.number,
        "Burst training capacity 2027",
        evaluation.vendor.name,
        "Train the next model family.",
        "Experimental training",
        "USD 1,000,000.00",
        "version 1",
        "Approved on",
    ]:
        assert part in text, part
    # Radar chart (its axis labels) and the scores table with weights and gates
    assert "Scores, weights and hard gates" in text
    assert "Capacity availability 25 % 2 4 Strong passed" in text
    assert "Resilience 20 % 2 2 Weak passed" in text
    # Rationales and the evidence list
    for rationale in RATIONALES.values():
        assert rationale in text
    assert "Compliance review notes" in text and "soc2-type2-2026.pdf" in text and "ab" * 32 in text
    # Contract summary and the exit-rights checklist, missing ones flagged
    assert "HX-0042" in text and "NVIDIA H100 80GB 256 us-east" in text
    missing = ExitRightKind.objects.filter(is_active=True).count() - 1
    assert f"Exit-rights checklist: {missing} missing" in text
    assert "✗ MISSING" in text and "§12.3" in text and "thirty days' written notice" in text
    # Concentration findings and rehearsal evidence for the vendor's workloads
    assert "All capacity bands on one vendor" in text
    assert "Fraud scoring API" in text and "Failover rehearsals of the workloads on" in text
    assert "Provider exit" in text and "Passed" in text  # the workload's last rehearsal, in its row
    # Conditions, sign-off, audit excerpt with the head at decision time
    assert "Conditions" in text and "Sign-off" in text
    # (a long hash may wrap onto the next line: compare without spaces)
    assert f"event#{record.audit_head_sequence},hash{record.audit_head_hash}" in text.replace(" ", "")
    assert "evaluation.approved" in text
    # The footer of every page: record id, page x of y, fingerprint
    pages = pages_of(bytes(record.pdf))
    for number, page in enumerate(pages, start=1):
        assert record.number in page
        assert f"Page {number} of {len(pages)}" in page
        assert record.fingerprint in page


def test_the_record_is_rendered_from_the_snapshot_it_fingerprints(django_capture_on_commit_callbacks):
    import json

    evaluation = scored_evaluation()
    record = issued(evaluation, django_capture_on_commit_callbacks)
    snapshot = json.loads(record.content)
    assert snapshot["record"] == record.number
    assert snapshot["kind"] == "decision-record"
    assert snapshot["evaluation"]["vendor"]["name"] == evaluation.vendor.name
    assert [row["rationale"] for row in snapshot["scores"]] == list(RATIONALES.values())
    assert snapshot["audit"]["head"] == {
        "sequence": record.audit_head_sequence,
        "hash": record.audit_head_hash,
    }
    assert audit.canonical_json(snapshot) == record.content


def test_user_text_is_escaped_and_markup_stays_text(django_capture_on_commit_callbacks):
    vendor = VendorFactory(name='<b>Evil</b> & <img src="https://x.test/p.png"> Cloud')
    evaluation = scored_evaluation(
        contract=ContractFactory(vendor=vendor), title="<script>alert(1)</script> deal"
    )
    record = issued(evaluation, django_capture_on_commit_callbacks)
    text = pdf_text(bytes(record.pdf))
    assert '<b>Evil</b> & <img src="https://x.test/p.png"> Cloud' in text
    assert "<script>alert(1)</script> deal" in text
    html = records.record_html(evaluation.pk)
    assert "<b>Evil</b>" not in html and "&lt;b&gt;Evil&lt;/b&gt;" in html


def test_non_latin_names_render(django_capture_on_commit_callbacks):
    vendor = VendorFactory(name="雲海コンピュート", legal_entity="雲海コンピュート株式会社")
    evaluation = scored_evaluation(contract=ContractFactory(vendor=vendor), title="Préstamo de GPU: Železo")
    text = pdf_text(bytes(issued(evaluation, django_capture_on_commit_callbacks).pdf))
    assert "雲海コンピュート株式会社" in text and "Préstamo de GPU: Železo" in text


def test_a_large_evaluation_lays_out_on_a_sane_number_of_pages(django_capture_on_commit_callbacks):
    contract = ContractFactory()
    for kind in ExitRightKind.objects.filter(is_active=True):
        ClauseFactory(
            contract=contract,
            kind=kind,
            status=ExitRightClause.Status.NEGOTIATED,
            reference=f"§{kind.pk}",
            text=("The supplier shall provide reasonable assistance during transition. " * 25 + "\n\n") * 2,
        )
    evaluation = EvaluationFactory(vendor=contract.vendor, contract=contract)
    long_rationale = "\n\n".join(
        f"Paragraph {n}: the vendor's evidence was reviewed against our needs in detail. " * 8
        for n in range(6)
    )
    for score in evaluation.scores.all():
        score.score, score.rationale = 3, long_rationale
        score.save()
        Evidence.objects.bulk_create(
            Evidence(score=score, title=f"Evidence item {n}", url=f"https://wiki.example/{n}")
            for n in range(30)
        )
    for n in range(60):
        audit.record(actor=None, action="evaluation.scores_update", obj=evaluation, after={"n": n})
    record = issued(evaluation, django_capture_on_commit_callbacks)
    text = pdf_text(bytes(record.pdf))
    assert 6 <= record.page_count <= 30
    assert "Evidence item 29" in text
    assert f"the latest {records.AUDIT_EXCERPT_LIMIT} of 61" in text
    assert "Page 1 of" in text


def test_the_preview_says_draft_on_every_page_and_is_never_stored():
    evaluation = scored_evaluation()
    data = records.decision_record_preview(evaluation.pk)
    pages = pages_of(data)
    assert len(pages) >= 2
    for page in pages:
        assert "DRAFT" in page
    assert not DecisionRecord.objects.exists()
    meta = PdfReader(io.BytesIO(data)).metadata
    assert meta["/computeregisterkind"] == "draft-preview"
    assert "/computeregisterrecord" not in meta


def test_a_record_has_no_draft_mark(django_capture_on_commit_callbacks):
    record = issued(scored_evaluation(), django_capture_on_commit_callbacks)
    assert "DRAFT" not in pdf_text(bytes(record.pdf))


def test_a_decided_evaluation_has_no_preview(django_capture_on_commit_callbacks):
    evaluation = scored_evaluation()
    issued(evaluation, django_capture_on_commit_callbacks)
    with pytest.raises(records.RecordError, match="download its decision record"):
        records.decision_record_preview(evaluation.pk)


def test_letter_paper_by_setting(settings, django_capture_on_commit_callbacks):
    settings.DECISION_RECORD_PAGE_SIZE = "letter"
    record = issued(scored_evaluation(), django_capture_on_commit_callbacks)
    box = PdfReader(io.BytesIO(bytes(record.pdf))).pages[0].mediabox
    assert (round(box.width), round(box.height)) == (612, 792)
    assert record.page_size == "letter"


def test_the_pdf_metadata_names_the_record(django_capture_on_commit_callbacks):
    evaluation = scored_evaluation()
    record = issued(evaluation, django_capture_on_commit_callbacks)
    meta = PdfReader(io.BytesIO(bytes(record.pdf))).metadata
    assert meta["/computeregisterrecord"] == record.number
    assert meta["/computeregisterfingerprint"] == record.fingerprint
    assert meta["/computeregisterevaluation"] == str(evaluation.pk)
    assert meta["/computeregisterkind"] == "decision-record"


# Verification ----------------------------------------------------------------------------------


def test_verification_accepts_the_issued_file(django_capture_on_commit_callbacks):
    record = issued(scored_evaluation(), django_capture_on_commit_callbacks)
    result = records.decision_record_verify(bytes(record.pdf))
    assert result.ok and result.verdict == "genuine"
    assert result.record.pk == record.pk
    assert record.number in result.headline


def test_verification_rejects_a_modified_copy_and_names_the_record_it_claims(
    django_capture_on_commit_callbacks,
):
    record = issued(scored_evaluation(), django_capture_on_commit_callbacks)
    data = bytes(record.pdf)
    # Re-saved by another program: same pages and metadata, different bytes.
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    out = io.BytesIO()
    writer.write(out)
    result = records.decision_record_verify(out.getvalue())
    assert not result.ok and result.verdict == "modified"
    assert result.record.pk == record.pk
    assert result.fingerprint_matches is True
    # One byte changed in the content.
    tampered = bytearray(data)
    tampered[len(tampered) // 2] ^= 0xFF
    result = records.decision_record_verify(bytes(tampered))
    assert not result.ok
    assert result.verdict in {"modified", "unreadable"}


def test_verification_reports_a_changed_fingerprint(django_capture_on_commit_callbacks):
    record = issued(scored_evaluation(), django_capture_on_commit_callbacks)
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(bytes(record.pdf))))
    writer.add_metadata({"/computeregisterfingerprint": "0" * 64})
    out = io.BytesIO()
    writer.write(out)
    result = records.decision_record_verify(out.getvalue())
    assert result.verdict == "modified" and result.fingerprint_matches is False
    assert any("fingerprint differs" in note for note in result.notes)


def test_verification_tells_a_draft_preview_apart():
    evaluation = scored_evaluation()
    result = records.decision_record_verify(records.decision_record_preview(evaluation.pk))
    assert result.verdict == "draft" and not result.ok
    assert result.claims["evaluation"] == str(evaluation.pk)


def test_verification_of_foreign_and_broken_files():
    foreign = pdf.html_to_pdf("<p>An invoice</p>")
    assert records.decision_record_verify(foreign).verdict == "unknown"
    assert records.decision_record_verify(b"not a pdf at all").verdict == "unreadable"
    forged = pdf.html_to_pdf('<head><meta name="computeregisterrecord" content="DR-999999"></head><p>x</p>')
    result = records.decision_record_verify(forged)
    assert result.verdict == "unknown"
    assert any("No record DR-999999" in note for note in result.notes)


def test_verification_notices_a_stored_record_altered_in_the_database(django_capture_on_commit_callbacks):
    record = issued(scored_evaluation(), django_capture_on_commit_callbacks)
    data = bytes(record.pdf)
    # Someone with database access edits the snapshot behind the model's back.
    from django.db import connection

    table = DecisionRecord._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # a superuser's session can skip the immutability triggers
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(f"UPDATE {table} SET content = %s WHERE id = %s", ['{"forged":true}', record.pk])
    assert records.decision_record_verify(data).verdict == "damaged"


def test_the_verify_record_command(django_capture_on_commit_callbacks, tmp_path, capsys):
    evaluation = scored_evaluation()
    record = issued(evaluation, django_capture_on_commit_callbacks)
    genuine = tmp_path / "record.pdf"
    genuine.write_bytes(bytes(record.pdf))
    call_command("verify_record", str(genuine))
    out = capsys.readouterr().out
    assert f"Genuine: this is decision record {record.number}" in out
    assert f"Evaluation #{evaluation.pk}: {evaluation.title}" in out

    modified = tmp_path / "modified.pdf"
    modified.write_bytes(bytes(record.pdf) + b"\n% one comment added after the end\n")
    with pytest.raises(SystemExit) as exit_info:
        call_command("verify_record", str(modified))
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert "Not genuine" in err and record.number in err


def test_record_numbers_follow_the_evaluation():
    assert records.record_number(42) == "DR-000042"
    assert re.fullmatch(records.NUMBER_PATTERN, records.record_number(1234567))


def test_a_record_keeps_what_the_evaluation_said_when_decided(django_capture_on_commit_callbacks):
    evaluation = scored_evaluation()
    record = issued(evaluation, django_capture_on_commit_callbacks)
    first = bytes(DecisionRecord.objects.get(pk=record.pk).pdf)
    Score.objects.filter(evaluation=evaluation).update(rationale="Changed behind everyone's back, later on.")
    assert bytes(DecisionRecord.objects.get(pk=record.pk).pdf) == first
    assert records.decision_record_issue(evaluation_id=evaluation.pk).sha256 == record.sha256


def test_demo_seeder_issues_records_for_decided_evaluations(django_capture_on_commit_callbacks):
    from scorecards import record_demo

    decided = scored_evaluation()
    draft = scored_evaluation()
    with transaction.atomic():
        Evaluation.objects.filter(pk=decided.pk).update(status="approved", decided_at=timezone.now())
    issued_now = record_demo.seed()
    assert [r.evaluation_id for r in issued_now] == [decided.pk]
    assert record_demo.seed() == []
    assert not DecisionRecord.objects.filter(evaluation=draft).exists()


# Through the real sign-off -------------------------------------------------------------------


def sign_off(evaluation: Evaluation, *, conditions: str = "", send_back: str = "") -> list:
    """Submit `evaluation` and have a distinct holder of each required role approve it."""
    from uuid import uuid4

    from scorecards import signoff
    from scorecards.models import Signature
    from tests.procurement.factories import PASSWORD, user_with_role

    signoff_round = signoff.evaluation_submit(actor=evaluation.author, evaluation=evaluation)
    if send_back:
        reviewer = user_with_role("legal", first_name="Rosa", last_name="Back")
        signoff.signoff_record(
            actor=reviewer,
            evaluation=evaluation,
            role="legal",
            decision=Signature.Decision.REQUEST_CHANGES,
            comment=send_back,
            password=PASSWORD,
            request_token=uuid4(),
        )
        evaluation.refresh_from_db()
        signoff_round = signoff.evaluation_submit(actor=evaluation.author, evaluation=evaluation)
    signers = []
    for requirement in signoff_round.requirements.order_by("stage", "role", "slot"):
        signer = user_with_role(requirement.role, first_name="Fumiko", last_name=f"Tanaka-{requirement.pk}")
        with_conditions = bool(conditions) and requirement.role == "legal"
        signoff.signoff_record(
            actor=signer,
            evaluation=evaluation,
            role=requirement.role,
            decision=Signature.Decision.APPROVE_WITH_CONDITIONS
            if with_conditions
            else Signature.Decision.APPROVE,
            comment=conditions if with_conditions else "",
            password=PASSWORD,
            request_token=uuid4(),
        )
        signers.append(signer)
    return signers


def test_the_sign_off_block_lists_every_signature_and_the_conditions():
    evaluation = scored_evaluation()
    conditions = "Price-change protection must be signed into the contract before the first invoice."
    signers = sign_off(evaluation, conditions=conditions)
    evaluation.refresh_from_db()
    assert evaluation.status == Evaluation.Status.APPROVED
    record = records.decision_record_issue(evaluation_id=evaluation.pk)
    text = pdf_text(bytes(record.pdf))
    squashed = text.replace(" ", "")
    for signer in signers:
        assert signer.get_full_name() in text
    assert "Approve with conditions" in text
    assert conditions in text
    assert "I approve this evaluation as the legal reviewer, on the conditions I state." in text
    assert f"Contenthashsigned:{evaluation.content_hash}" in squashed
    assert "the stored snapshot still hashes to it" in text
    assert "signoff.sign" in text and "evaluation.approve" in text
    # The head on the record is the one right after the decision, not a later one.
    decision_event = AuditEvent.objects.filter(action="evaluation.approve").get()
    assert record.audit_head_sequence == decision_event.sequence


def test_earlier_rounds_are_listed_with_their_void_signatures():
    evaluation = scored_evaluation()
    sign_off(evaluation, send_back="Attach the SOC 2 bridge letter before we can sign this off.")
    record = records.decision_record_issue(evaluation_id=evaluation.pk)
    text = pdf_text(bytes(record.pdf))
    assert "Earlier rounds (signatures kept, void)" in text
    assert "Changes requested" in text and "Rosa Back" in text
    assert "Signatures of the deciding round (round 2)" in text


def test_postgresql_refuses_to_change_or_delete_a_record(django_capture_on_commit_callbacks):
    from django.db import DatabaseError, connection

    if connection.vendor != "postgresql":
        pytest.skip("the immutability triggers exist on PostgreSQL; SQLite relies on the model guards")
    record = issued(scored_evaluation(), django_capture_on_commit_callbacks)
    table = DecisionRecord._meta.db_table
    attempts = [
        (f"UPDATE {table} SET pdf = %s WHERE id = %s", [b"%PDF-forged", record.pk]),
        (f"DELETE FROM {table} WHERE id = %s", [record.pk]),
    ]
    for statement, params in attempts:
        with (
            pytest.raises(DatabaseError, match="issued once and never changed"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement, params)
    assert DecisionRecord.objects.get(pk=record.pk).sha256 == record.sha256


def test_the_preview_of_a_submitted_evaluation_shows_the_signatures_so_far():
    from uuid import uuid4

    from scorecards import signoff
    from scorecards.models import Signature
    from tests.procurement.factories import PASSWORD, user_with_role

    evaluation = scored_evaluation()
    signoff.evaluation_submit(actor=evaluation.author, evaluation=evaluation)
    signer = user_with_role("legal", first_name="Leila", last_name="Haddad")
    signoff.signoff_record(
        actor=signer,
        evaluation=evaluation,
        role="legal",
        decision=Signature.Decision.APPROVE,
        password=PASSWORD,
        request_token=uuid4(),
    )
    text = pdf_text(records.decision_record_preview(evaluation.pk))
    assert "Signatures so far in round 1, still open" in text
    assert "Leila Haddad" in text and "Finance: not signed" in text
    assert "DRAFT" in text


def test_the_last_signature_issues_the_record_after_its_commit(django_capture_on_commit_callbacks):
    evaluation = scored_evaluation()
    with django_capture_on_commit_callbacks(execute=True):
        signers = sign_off(evaluation)
    record = DecisionRecord.objects.get(evaluation=evaluation)
    decision_event = AuditEvent.objects.get(action="evaluation.approve")
    assert record.issued_by == signers[-1]
    assert (record.audit_head_sequence, record.audit_head_hash) == (
        decision_event.sequence,
        decision_event.hash,
    )
    assert AuditEvent.objects.filter(action="decision_record.issue").count() == 1
    assert records.decision_record_verify(bytes(record.pdf)).ok
