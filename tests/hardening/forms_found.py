"""The POST forms the pages really render, read from their HTML: action, fields, current values.

The hostile-input sweep fills these fields, so a field added to a form is fuzzed without anyone
listing it, and a new write URL is fuzzed as soon as the access table names who may post to it.
"""

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class FoundForm:
    action: str
    multipart: bool = False
    # name -> the value the page filled in (first option of a select, "on" for a checked box)
    fields: dict[str, str] = field(default_factory=dict)
    choices: dict[str, list[str]] = field(default_factory=dict)
    file_fields: set[str] = field(default_factory=set)
    # What a browser would send unchanged, every value of multi-valued fields included.
    submitted: list[tuple[str, str]] = field(default_factory=list)

    def as_post(self) -> dict[str, list[str]]:
        data: dict[str, list[str]] = {}
        for name, value in self.submitted:
            data.setdefault(name, []).append(value)
        return data


class _FormParser(HTMLParser):
    def __init__(self, page_path: str):
        super().__init__(convert_charrefs=True)
        self.page_path = page_path
        self.forms: list[FoundForm] = []
        self.current: FoundForm | None = None
        self.select: str | None = None
        self.textarea: str | None = None
        self.textarea_text = ""
        # The select being read: (name, multiple, disabled, first option, any selected).
        self.select_state: list | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "get").lower() == "post":
            self.current = FoundForm(
                action=a.get("action") or self.page_path,
                multipart=a.get("enctype") == "multipart/form-data",
            )
            self.forms.append(self.current)
            return
        if tag == "option" and self.select and self.current is not None:
            self._option(a)
            return
        if self.current is None or not a.get("name") or a["name"] == "csrfmiddlewaretoken":
            return
        name = a["name"]
        if tag == "input":
            kind = a.get("type", "text")
            if kind in ("submit", "button", "image", "reset"):
                return
            if kind == "file":
                self.current.file_fields.add(name)
            if kind in ("checkbox", "radio"):
                self.current.choices.setdefault(name, []).append(a.get("value", "on"))
                if "checked" in a:
                    self.current.fields[name] = a.get("value", "on")
                    self._submit(a, name, a.get("value", "on"))
                return
            self.current.fields.setdefault(name, a.get("value", ""))
            if kind != "file":
                self._submit(a, name, a.get("value", ""))
        elif tag == "select":
            self.select = name
            self.select_state = [name, "multiple" in a, "disabled" in a, None, False]
            self.current.fields.setdefault(name, "")
            self.current.choices.setdefault(name, [])
        elif tag == "textarea":
            self.textarea = name
            self.textarea_text = ""
            self.textarea_disabled = "disabled" in a
            self.current.fields.setdefault(name, "")

    def _option(self, a: dict) -> None:
        value = a.get("value", "")
        self.current.choices[self.select].append(value)
        if "selected" in a or not self.current.fields.get(self.select):
            self.current.fields[self.select] = value
        state = self.select_state
        if state[3] is None:
            state[3] = value
        if "selected" in a:
            state[4] = True
            self._submit({"disabled": None} if state[2] else {}, self.select, value)

    def _submit(self, attrs: dict, name: str, value: str) -> None:
        if "disabled" not in attrs:  # browsers never send disabled controls
            self.current.submitted.append((name, value))

    def handle_data(self, data):
        if self.textarea and self.current is not None:
            self.current.fields[self.textarea] += data
            self.textarea_text += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.current = None
        elif tag == "select" and self.select_state is not None:
            name, multiple, disabled, first, any_selected = self.select_state
            if not (multiple or disabled or any_selected) and first is not None and self.current is not None:
                self.current.submitted.append((name, first))  # a browser sends the first option
            self.select = self.select_state = None
        elif tag == "textarea":
            if self.textarea and self.current is not None and not self.textarea_disabled:
                # An HTML parser drops the newline right after <textarea>; browsers do too.
                self.current.submitted.append((self.textarea, self.textarea_text.removeprefix("\n")))
            self.textarea = None


def forms_in(html: str, page_path: str) -> list[FoundForm]:
    parser = _FormParser(page_path)
    parser.feed(html)
    return parser.forms
