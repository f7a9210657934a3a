"""Vendor questionnaires: versioned templates, questionnaires sent to vendor contacts, their answers.

A vendor contact holds no account: each contact gets links whose random token is the only
credential (only its SHA-256 is stored, `AccessLink`). Rows change only through
`questionnaires.services` (procurement's side) and `questionnaires.portal` (the contact's side).
A template version that a questionnaire uses is never changed: a new version is a new row set.
"""

from django.conf import settings
from django.db import models

from scorecards.models import DimensionKind
from vendors.models import Vendor


class AnswerKind(models.TextChoices):
    YES_NO = "yes_no", "Yes or no"
    ONE_OF = "one_of", "One of"
    SEVERAL_OF = "several_of", "Several of"
    NUMBER = "number", "Number with unit"
    DATE = "date", "Date"
    TEXT = "text", "Text"
    FILE = "file", "File"


class RegisterCheck(models.TextChoices):
    """What in the register an answer is compared with, to flag a contradiction for the reviewer."""

    NONE = "", "None"
    REGIONS = "regions", "Regions where data is processed"
    SUBPROCESSORS = "subprocessors", "Subprocessors and the runs-on chain"
    EXIT_RIGHT = "exit_right", "An exit right in the vendor's contracts"


class QuestionnaireTemplate(models.Model):
    """One version of a questionnaire template; versions of the same template share a `key`."""

    key = models.SlugField(max_length=64)
    version = models.PositiveIntegerField(default=1)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["key", "version"], name="questionnaire_template_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class TemplateSection(models.Model):
    template = models.ForeignKey(QuestionnaireTemplate, on_delete=models.CASCADE, related_name="sections")
    title = models.CharField(max_length=200)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.title


class TemplateQuestion(models.Model):
    section = models.ForeignKey(TemplateSection, on_delete=models.CASCADE, related_name="questions")
    # Stable within a template, e.g. "3.2"; shown to the vendor and in exports.
    code = models.CharField(max_length=16)
    text = models.CharField(max_length=500)
    help_text = models.CharField(max_length=500, blank=True)
    kind = models.CharField(max_length=16, choices=AnswerKind.choices)
    choices = models.JSONField(default=list, blank=True, help_text="The options of one-of and several-of.")
    unit = models.CharField(max_length=40, blank=True, help_text="The unit of a number, e.g. days, GPUs.")
    dimension = models.CharField(
        "scorecard dimension", max_length=32, choices=DimensionKind.choices, blank=True
    )
    required = models.BooleanField(default=False)
    register_check = models.CharField(max_length=16, choices=RegisterCheck.choices, blank=True)
    # With register_check "exit_right": the ExitRightKind code the answer claims.
    exit_right_code = models.SlugField(max_length=64, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["section__position", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["section", "code"], name="question_code_unique_per_section"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.text}"


class Questionnaire(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Awaiting answers"
        SUBMITTED = "submitted", "Submitted, in review"
        CLOSED = "closed", "Closed"

    template = models.ForeignKey(
        QuestionnaireTemplate, on_delete=models.PROTECT, related_name="questionnaires"
    )
    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="questionnaires")
    title = models.CharField(max_length=200)
    message = models.TextField("message to the vendor", blank=True)
    due_date = models.DateField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN, db_index=True)
    # Reopening for clarification starts a new round; each submission is kept (`Submission`).
    round = models.PositiveSmallIntegerField(default=1)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    sent_at = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-sent_at", "-pk"]
        indexes = [models.Index(fields=["status", "due_date"], name="questionnaire_status_due_idx")]

    def __str__(self) -> str:
        return f"{self.title} ({self.vendor})"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class Recipient(models.Model):
    """A vendor contact the questionnaire was sent to: a name and an address, no account."""

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="recipients")
    name = models.CharField(max_length=200)
    email = models.EmailField()
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    first_opened_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["questionnaire", "email"], name="one_recipient_per_address"),
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"

    # A contact acts on the portal without an account: the audit trail names them (actor_name)
    # and links no user (actor_id stays empty).
    is_authenticated = False

    @property
    def label(self) -> str:
        return f"vendor contact {self.name} <{self.email}>"[:300]

    @property
    def audit_label(self) -> str:
        return self.label

    def is_active_at(self, when) -> bool:
        return self.revoked_at is None and when < self.expires_at


class AccessLink(models.Model):
    """One link mailed (or shown once) to a recipient: the SHA-256 of its token, never the token."""

    recipient = models.ForeignKey(Recipient, on_delete=models.CASCADE, related_name="links")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    purpose = models.CharField(max_length=32)  # invitation, reminder, clarification, shown

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.recipient} · {self.purpose} · {self.created_at:%Y-%m-%d}"


class Answer(models.Model):
    """The questionnaire's answer to one question (all its contacts answer the same form)."""

    class Review(models.TextChoices):
        PENDING = "pending", "Not reviewed"
        ACCEPTED = "accepted", "Accepted"
        CLARIFICATION = "clarification", "Clarification asked"

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(TemplateQuestion, on_delete=models.PROTECT, related_name="+")
    # yes_no: true/false; one_of: "option"; several_of: ["a", "b"]; number: "12.5"; date: "2027-01-31"; text.
    value = models.JSONField(null=True, blank=True)
    saved_by = models.ForeignKey(
        Recipient, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    saved_at = models.DateTimeField(null=True, blank=True)
    review = models.CharField(max_length=16, choices=Review.choices, default=Review.PENDING)
    review_note = models.TextField(blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    # Where an accepted answer went: the evidence row on an evaluation (a scorecards.Evidence id).
    evidence_id = models.PositiveBigIntegerField(null=True, blank=True)
    evaluation_id = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["question__section__position", "question__position", "question_id"]
        constraints = [
            models.UniqueConstraint(fields=["questionnaire", "question"], name="one_answer_per_question"),
        ]

    def __str__(self) -> str:
        return f"{self.questionnaire_id} · {self.question.code}"


def answer_file_path(instance, filename: str) -> str:
    # Never the uploader's name on disk: it is kept in original_name for display only.
    return f"questionnaires/{instance.answer.questionnaire_id}/{instance.sha256}.{instance.extension}"


class AnswerFile(models.Model):
    answer = models.ForeignKey(Answer, on_delete=models.PROTECT, related_name="files")
    file = models.FileField(upload_to=answer_file_path, max_length=300)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    extension = models.CharField(max_length=8)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(Recipient, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField()

    class Meta:
        ordering = ["uploaded_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["answer", "sha256"], name="one_copy_of_a_file_per_answer"),
        ]

    def __str__(self) -> str:
        return self.original_name


class Submission(models.Model):
    """What a contact submitted, as canonical JSON with its SHA-256: the read-only copy's source."""

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="submissions")
    round = models.PositiveSmallIntegerField()
    submitted_by = models.ForeignKey(Recipient, null=True, on_delete=models.SET_NULL, related_name="+")
    submitted_by_label = models.CharField(max_length=300)
    submitted_at = models.DateTimeField()
    content = models.TextField()
    sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["-round"]
        constraints = [
            models.UniqueConstraint(fields=["questionnaire", "round"], name="one_submission_per_round"),
        ]

    def __str__(self) -> str:
        return f"{self.questionnaire} · round {self.round}"


class PortalRateCounter(models.Model):
    """Requests to the portal per key (a token's digest, or a client address) in a fixed window."""

    key = models.CharField(max_length=100)
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "window_start"], name="one_counter_per_key_window"),
        ]
        indexes = [models.Index(fields=["window_start"], name="portal_rate_window_idx")]

    def __str__(self) -> str:
        return f"{self.key} @ {self.window_start:%H:%M}: {self.count}"
