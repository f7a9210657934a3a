"""Form rendering shared by every app: Bootstrap classes on widgets, one field template."""

from pathlib import Path

from django import forms
from django.conf import settings
from django.forms.boundfield import BoundField
from django.forms.renderers import DjangoTemplates
from django.utils.functional import cached_property


class FormRenderer(DjangoTemplates):
    """`{{ form }}` and `{{ field.as_field_group }}` render with templates/forms/field.html."""

    field_template_name = "forms/field.html"

    @cached_property
    def engine(self):
        # Django's form renderer looks only in django/forms/templates and app folders; add the
        # project's templates/ first so forms/field.html (and any widget override) is found.
        return self.backend(
            {
                "APP_DIRS": True,
                "DIRS": [*settings.TEMPLATES[0]["DIRS"], Path(forms.__file__).parent / "templates"],
                "NAME": "djangoforms",
                "OPTIONS": {},
            }
        )


def _css_class_for(widget: forms.Widget) -> str:
    if isinstance(widget, forms.CheckboxInput):
        return "form-check-input"
    if isinstance(widget, forms.CheckboxSelectMultiple | forms.RadioSelect):
        return ""
    if isinstance(widget, forms.Select | forms.SelectMultiple):
        return "form-select"
    return "form-control"


class StyledBoundField(BoundField):
    """A field with errors renders `is-invalid` (Django adds aria-invalid itself).

    Decided when the widget renders, not when the form validates: an error a view adds after
    validation (a service's refusal, through `form.add_error`) marks the field the same way."""

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        widget = widget or self.field.widget
        if self.errors and not widget.is_hidden:
            css = attrs.get("class", widget.attrs.get("class", ""))
            attrs["class"] = f"{css} is-invalid".strip()
        return attrs


class StyledFormMixin:
    """Adds Bootstrap's classes to every widget of the form; fields with errors are marked invalid."""

    bound_field_class = StyledBoundField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = _css_class_for(field.widget)
            if css:
                existing = field.widget.attrs.get("class", "")
                field.widget.attrs["class"] = f"{existing} {css}".strip()


class StyledForm(StyledFormMixin, forms.Form):
    pass


class StyledModelForm(StyledFormMixin, forms.ModelForm):
    pass
