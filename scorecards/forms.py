import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.functional import cached_property

from costs.models import Comparison
from procurement.forms import StyledForm, StyledModelForm
from procurement.policies import ROLE_LABELS
from vendors.models import Contract, Vendor

from . import scoring, selectors, services
from .models import DimensionKind, Evaluation, Score, ScorecardTemplate, Signature
from .signoff import signature_meaning


class EvaluationForm(StyledModelForm):
    class Meta:
        model = Evaluation
        fields = [
            "vendor",
            "contract",
            "template",
            "title",
            "purpose",
            "tier",
            "data_sensitivity",
            "commitment_amount",
            "commitment_currency",
        ]
        widgets = {"purpose": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "contract": "Optional: the contract under decision. Its exit rights and capacity lines are shown while scoring.",
            "commitment_amount": "The spend this decision commits us to, over the contract term.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["vendor"].queryset = Vendor.objects.order_by("name")
        self.fields["contract"].queryset = Contract.objects.select_related("vendor").order_by(
            "vendor__name", "reference"
        )
        self.fields["contract"].label_from_instance = lambda c: f"{c.vendor.name} · {c.reference} · {c.title}"
        if self.instance.pk:
            # The template is fixed once scoring starts: scores belong to its dimensions.
            del self.fields["template"]
        else:
            current = [t for t in services.latest_template_versions() if t.is_active]
            self.fields["template"].queryset = ScorecardTemplate.objects.filter(
                pk__in=[t.pk for t in current]
            )
            self.fields["template"].label_from_instance = lambda t: f"{t.name} (version {t.version})"
            if len(current) == 1:
                self.fields["template"].initial = current[0].pk
        self.fields["commitment_currency"].widget.attrs.update(
            {"maxlength": 3, "class": "form-control w-score"}
        )

    def clean_commitment_currency(self):
        return self.cleaned_data["commitment_currency"].strip().upper()


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


def parse_links(text: str) -> list[tuple[str, str]]:
    """One link per line: an optional title, then the address (“Price sheet https://…”)."""
    validate = URLValidator(schemes=["http", "https"])
    links = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        title, _space, url = line.rpartition(" ")
        try:
            validate(url)
        except ValidationError as error:
            raise ValidationError(f"Line {number} does not end with a web address (https://…).") from error
        links.append((title.strip(" -–—:|"), url))
    return links


class ScoresForm(StyledForm):
    """Score, rationale and evidence for each dimension of an evaluation's template."""

    def __init__(self, *args, evaluation: Evaluation, **kwargs):
        self.evaluation = evaluation
        self.scores: list[Score] = list(evaluation.scores.all())
        # The fields depend on the template: declared per instance before the form is built, so
        # validation and styling see them like declared fields.
        self.base_fields = self._fields_for(self.scores)
        super().__init__(*args, **kwargs)

    @staticmethod
    def _fields_for(scores: list[Score]) -> dict[str, forms.Field]:
        fields: dict[str, forms.Field] = {}
        choices = [("", "Not scored yet"), *[(str(v), label) for v, label in scoring.SCORE_CHOICES]]
        for score in scores:
            kind = score.dimension.kind
            # Evidence brought in from a source (a questionnaire answer) is not a typed link.
            links = "\n".join(
                f"{e.title} {e.url}".strip() for e in score.evidence.all() if not e.is_file and not e.source
            )
            fields[f"{kind}-score"] = forms.TypedChoiceField(
                label="Score",
                choices=choices,
                coerce=int,
                empty_value=None,
                required=False,
                widget=forms.RadioSelect(attrs={"class": "btn-check"}),
                initial="" if score.score is None else str(score.score),
            )
            fields[f"{kind}-rationale"] = forms.CharField(
                label="Rationale",
                required=False,
                initial=score.rationale,
                widget=forms.Textarea(attrs={"rows": 3}),
                help_text="Why this score: what you found, and the evidence for it.",
            )
            fields[f"{kind}-links"] = forms.CharField(
                label="Evidence links",
                required=False,
                initial=links,
                widget=forms.Textarea(attrs={"rows": 2}),
                help_text="One per line: an optional title, then the address.",
            )
            fields[f"{kind}-files"] = MultipleFileField(
                label="Attach evidence files",
                required=False,
                widget=MultipleFileInput(attrs={"accept": ".pdf,.png,application/pdf,image/png"}),
                help_text="PDF or PNG.",
            )
        return fields

    @cached_property  # the template walks the rows twice
    def rows(self) -> list[dict]:
        return [
            {
                "score": score,
                "dimension": score.dimension,
                "score_field": (field := self[f"{score.dimension.kind}-score"]),
                # The radio buttons are written in the template (30 widget renders cost more than the page).
                "score_choices": field.field.choices,
                "score_value": "" if field.value() in (None, "") else str(field.value()),
                "rationale_field": self[f"{score.dimension.kind}-rationale"],
                "links_field": self[f"{score.dimension.kind}-links"],
                "files_field": self[f"{score.dimension.kind}-files"],
                "files": [e for e in score.evidence.all() if e.is_file],
            }
            for score in self.scores
        ]

    def clean(self):
        data = super().clean()
        for score in self.scores:
            kind = score.dimension.kind
            value = data.get(f"{kind}-score")
            rationale = (data.get(f"{kind}-rationale") or "").strip()
            if value is not None or rationale:
                try:
                    scoring.validate_rationale(rationale)
                except ValidationError as error:
                    self.add_error(f"{kind}-rationale", error)
            try:
                data[f"{kind}-links"] = parse_links(data.get(f"{kind}-links", ""))
            except ValidationError as error:
                self.add_error(f"{kind}-links", error)
            for upload in data.get(f"{kind}-files") or []:
                try:
                    services.sniff_upload(upload)
                except services.EvidenceRejected as error:
                    self.add_error(f"{kind}-files", error.message)
        return data

    def entries(self) -> dict[int, services.ScoreEntry]:
        return {
            score.dimension_id: services.ScoreEntry(
                score=self.cleaned_data[f"{score.dimension.kind}-score"],
                rationale=self.cleaned_data[f"{score.dimension.kind}-rationale"],
                links=self.cleaned_data[f"{score.dimension.kind}-links"],
                files=self.cleaned_data[f"{score.dimension.kind}-files"],
            )
            for score in self.scores
        }


def typed_scores(scores: list[Score], data) -> dict[str, int | None]:
    """The scores as typed in a scoring form's data, valid or not (invalid ones count as unscored):
    enough for the live total while the form is being filled in."""
    values = {}
    for score in scores:
        raw = (data.get(f"{score.dimension.kind}-score") or "").strip()
        number = int(raw) if raw.isdigit() else None
        values[score.dimension.kind] = (
            number if number and scoring.MIN_SCORE <= number <= scoring.MAX_SCORE else None
        )
    return values


class TemplateForm(StyledForm):
    """A template version with its five dimensions; saving a used version creates the next one."""

    name = forms.CharField(max_length=200)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    is_active = forms.BooleanField(
        label="Offer this template for new evaluations", required=False, initial=True
    )

    def __init__(self, *args, template: ScorecardTemplate | None = None, **kwargs):
        self.base_fields = self._fields_for(template)
        super().__init__(*args, **kwargs)
        if template:
            self.fields["name"].initial = template.name
            self.fields["description"].initial = template.description
            self.fields["is_active"].initial = template.is_active

    @classmethod
    def _fields_for(cls, template: ScorecardTemplate | None) -> dict[str, forms.Field]:
        existing = {d.kind: d for d in template.dimensions.all()} if template else {}
        fields = dict(cls.base_fields)
        if template is None:
            fields = {
                "key": forms.SlugField(
                    max_length=64, help_text="A short identifier shared by all versions, e.g. gpu-training."
                ),
                **fields,
            }
        for kind, label in DimensionKind.choices:
            dimension = existing.get(kind)
            fields[f"{kind}-name"] = forms.CharField(
                label="Name", max_length=120, initial=dimension.name if dimension else label
            )
            fields[f"{kind}-questions"] = forms.CharField(
                label="Guiding questions",
                widget=forms.Textarea(attrs={"rows": 4}),
                initial=dimension.guiding_questions if dimension else "",
                help_text="One question per line.",
            )
            fields[f"{kind}-weight"] = forms.IntegerField(
                label="Weight (%)", min_value=0, max_value=100, initial=dimension.weight if dimension else 20
            )
            fields[f"{kind}-gate"] = forms.TypedChoiceField(
                label="Hard-gate minimum",
                choices=[("", "No gate"), *[(str(v), label) for v, label in scoring.SCORE_CHOICES]],
                coerce=int,
                empty_value=None,
                required=False,
                initial=str(dimension.gate_minimum) if dimension and dimension.gate_minimum else "",
            )
        return fields

    def dimension_rows(self) -> list[dict]:
        return [
            {
                "kind": kind,
                "label": label,
                "fields": [self[f"{kind}-{part}"] for part in ("name", "weight", "gate", "questions")],
            }
            for kind, label in DimensionKind.choices
        ]

    def clean(self):
        data = super().clean()
        weights = [data.get(f"{kind}-weight") for kind in DimensionKind.values]
        if all(w is not None for w in weights):
            error = scoring.weights_error(weights)
            if error:
                raise ValidationError(error)
        return data

    def specs(self) -> list[services.DimensionSpec]:
        data = self.cleaned_data
        return [
            services.DimensionSpec(
                kind=kind,
                name=data[f"{kind}-name"],
                guiding_questions=data[f"{kind}-questions"],
                weight=data[f"{kind}-weight"],
                gate_minimum=data[f"{kind}-gate"],
            )
            for kind in DimensionKind.values
        ]


class SignoffForm(StyledForm):
    """Sign for one role: decision, comment, a fresh strong authentication, and the form's one-time token.

    `authentication` is what the signer must give (procurement.signin.required_method): their
    password, a code from their authenticator app, or nothing here when a passkey or the IdP
    confirms it (the page offers that step). Another kind of signed thing (a register package in
    `dora`) subclasses this with its own `decisions` and `meaning`."""

    decisions = Signature.Decision.choices
    meaning = staticmethod(signature_meaning)

    role = forms.ChoiceField(label="Signing as")
    decision = forms.ChoiceField(
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}), label="Your decision"
    )
    comment = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required unless you approve without conditions: the conditions, your reasons, or the changes needed.",
    )
    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text="Signing is a deliberate act: confirm it with your password.",
    )
    code = forms.CharField(
        label="Authenticator code",
        max_length=64,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
        help_text="Signing is a deliberate act: confirm it with the current code from your authenticator app "
        "(or one of your recovery codes).",
    )
    request_token = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, roles: list[str], authentication: str = "password", **kwargs):
        super().__init__(*args, **kwargs)
        self.authentication = authentication
        if authentication != "password":
            del self.fields["password"]
        if authentication != "code":
            del self.fields["code"]
        self.fields["role"].choices = [(role, ROLE_LABELS[role]) for role in roles]
        if len(roles) == 1:
            self.fields["role"].initial = roles[0]
            self.fields["role"].widget = forms.HiddenInput()
        role = (self.data.get("role") if self.is_bound else None) or (roles[0] if roles else "")
        self.fields["decision"].choices = [
            (value, f"{label} — “{self.meaning(value, role)}”") if role else (value, label)
            for value, label in self.decisions
        ]
        if not self.is_bound:
            self.fields["request_token"].initial = uuid.uuid4()

    def clean(self):
        data = super().clean()
        decision = data.get("decision")
        if decision and decision != Signature.Decision.APPROVE and not (data.get("comment") or "").strip():
            self.add_error(
                "comment", "Explain your decision: the conditions, your reasons or the changes needed."
            )
        return data


class WithdrawForm(StyledForm):
    reason = forms.CharField(required=False, max_length=500, label="Why (optional)")


class ComparisonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Comparison) -> str:
        return f"{obj.name} · {obj.get_tier_display()} · saved {obj.created_at:%d %b %Y} (#{obj.pk})"


class TCEComparisonForm(StyledForm):
    """Pick the saved TCE comparison to attach: only those that compare an offer of the vendor."""

    comparison = ComparisonChoiceField(
        queryset=Comparison.objects.none(),
        label="Saved TCE comparison",
        empty_label="Choose a saved comparison",
        error_messages={
            "required": "Choose a saved TCE comparison to attach.",
            "invalid_choice": "Choose a saved TCE comparison that includes an offer from this vendor.",
        },
    )

    def __init__(self, *args, evaluation: Evaluation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["comparison"].queryset = selectors.tce_comparisons_for(evaluation)
