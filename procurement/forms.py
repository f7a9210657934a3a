"""Form rendering shared by every app: Bootstrap classes on widgets, one field template."""

from pathlib import Path

from django import forms
from django.conf import settings
from django.forms.renderers import DjangoTemplates
from django.utils.functional import cached_property
from django.utils.html import conditional_escape

# Django's plain input, textarea and select widget templates, written in Python by FormRenderer.render:
# each template costs an include of attrs.html and a template render, and a scoring form has
# fifteen of them, a filter form a select per filter with a template per option.
# tests/procurement/test_forms.py holds the output equal to the templates'.
_INPUT_TEMPLATES = frozenset(
    f"django/forms/widgets/{name}.html"
    for name in (
        "input", "text", "number", "email", "url", "password", "hidden",
        "date", "datetime", "time", "search", "tel", "color", "file",
    )
)  # fmt: skip
_TEXTAREA_TEMPLATE = "django/forms/widgets/textarea.html"
_SELECT_TEMPLATE = "django/forms/widgets/select.html"
_OPTION_TEMPLATE = "django/forms/widgets/select_option.html"
_FAST_TEMPLATES = _INPUT_TEMPLATES | {_TEXTAREA_TEMPLATE, _SELECT_TEMPLATE}


def _attrs_html(attrs: dict) -> str:
    """django/forms/widgets/attrs.html: ` name="value"`, ` name` for True, nothing for False."""
    return "".join(
        f" {conditional_escape(name)}"
        if value is True
        else f' {conditional_escape(name)}="{conditional_escape(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


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

    def render(self, template_name, context, request=None):
        widget = context.get("widget") if template_name in _FAST_TEMPLATES else None
        if widget is None or (template_name == _SELECT_TEMPLATE and not _plain_options(widget)):
            return super().render(template_name, context, request)
        attrs = _attrs_html(widget["attrs"])
        name = conditional_escape(widget["name"])
        if template_name == _TEXTAREA_TEMPLATE:
            value = conditional_escape(widget["value"]) if widget["value"] else ""
            return f'<textarea name="{name}"{attrs}>\n{value}</textarea>'
        if template_name == _SELECT_TEMPLATE:
            return _select_html(name, attrs, widget["optgroups"])
        value = f' value="{conditional_escape(widget["value"])}"' if widget["value"] is not None else ""
        return f'<input type="{conditional_escape(widget["type"])}" name="{name}"{value}{attrs}>'


def _plain_options(widget: dict) -> bool:
    return all(
        option["template_name"] == _OPTION_TEMPLATE
        for _, options, _ in widget["optgroups"]
        for option in options
    )


def _select_html(name: str, attrs: str, optgroups) -> str:
    """django/forms/widgets/select.html and select_option.html, whitespace included."""
    parts = [f'<select name="{name}"{attrs}>']
    for group_name, options, _index in optgroups:
        if group_name:
            parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
        parts.extend(
            f'\n  <option value="{conditional_escape(option["value"])}"{_attrs_html(option["attrs"])}>'
            f"{conditional_escape(option['label'])}</option>\n"
            for option in options
        )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


def _css_class_for(widget: forms.Widget) -> str:
    if isinstance(widget, forms.CheckboxInput):
        return "form-check-input"
    if isinstance(widget, forms.CheckboxSelectMultiple | forms.RadioSelect):
        return ""
    if isinstance(widget, forms.Select | forms.SelectMultiple):
        return "form-select"
    return "form-control"


class StyledFormMixin:
    """Adds Bootstrap's classes and aria-invalid to every widget of the form."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = _css_class_for(field.widget)
            if css:
                existing = field.widget.attrs.get("class", "")
                field.widget.attrs["class"] = f"{existing} {css}".strip()

    def full_clean(self):
        # Marked after validation, not in __init__: reading self.errors there would validate the
        # form before a subclass's __init__ narrows its querysets and choices (and cache that result).
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                attrs["aria-invalid"] = "true"
                attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()


class StyledForm(StyledFormMixin, forms.Form):
    pass


class StyledModelForm(StyledFormMixin, forms.ModelForm):
    pass
