"""Hostile values for forms and JSON bodies, as Hypothesis strategies.

Very long strings, control characters and NUL, text from every Unicode plane, markup and script,
template and SQL-like text, spreadsheet formulas, numbers negative and huge and not numbers at
all, wrong types, missing and duplicated fields, files that lie about what they are.
"""

import json

from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import strategies as st

# Markup that must always come back as text. RAW_MARKUP is what would show if it did not.
MARKUP = [
    '<script>alert("pwned")</script>',
    '"><img src=x onerror=alert(1)>',
    "<svg onload=alert(1)>",
    "</textarea><script>alert(2)</script>",
]
RAW_MARKUP = ['<script>alert("pwned")', "<img src=x onerror", "<svg onload", "<script>alert(2)"]

HOSTILE_STRINGS = [
    "",
    " ",
    "\x00",
    "nul\x00inside",
    "\t\r\n\x0b\x0c\x1b[31m",
    "\u202eevil\u202c",
    "\ufeffbom",
    "\u200b",
    "💥🔥" * 20,
    "𝕳𝖊𝖑𝖑𝖔",
    "\U0010fffd\U000e0001",
    "東京ＡＩ計算株式会社",
    "شركة الحوسبة",
    "{{ 7|add:7 }}{% now 'Y' %}",
    "' OR '1'='1",
    "'; DROP TABLE vendors_vendor; --",
    "%s%s%s%n",
    "../../../../etc/passwd",
    '=HYPERLINK("http://x")',
    "+cmd|' /C calc'!A0",
    "-1",
    "0",
    "-0",
    "1e309",
    "NaN",
    "Infinity",
    "99999999999999999999999999999999",
    "-99999999999999999999",
    "1.0000000000000000000001",
    "0x1F",
    "2026-02-30",
    "0000-00-00",
    "9999-12-31",
    "null",
    "true",
    "[]",
    "{}",
    "x" * 300,
    "y" * 20_000,
    *MARKUP,
]

# Text a browser can send (every plane, controls included; no lone surrogates: UTF-8 cannot carry them).
any_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=120)
hostile_text = st.one_of(st.sampled_from(HOSTILE_STRINGS), any_text)
numbers_as_text = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
)

MISSING = object()  # the field is left out of the request


def hostile_upload(name_hint: str = "file"):
    """Files that lie: wrong content behind a .pdf/.png name, empty files, markup named as PDF."""
    contents = st.sampled_from(
        [
            b"",
            b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64,  # a Windows executable
            b"<html><script>alert(1)</script></html>",
            b"%PDF-1.4\n%%EOF\n",
            b"\x89PNG\r\n\x1a\n" + b"\x00" * 32,
            b"name,kind\n=cmd|' /C calc'!A0,neocloud\n",
            b"\xff\xfe\x00\x00garbage",
        ]
    )
    names = st.sampled_from(
        [
            "contract.pdf",
            "chart.png",
            "vendors.csv",
            "evil.pdf.exe",
            "../../etc/passwd",
            "x" * 300 + ".pdf",
            "é.pdf",
        ]
    )
    return st.builds(lambda data, filename: SimpleUploadedFile(filename, data), contents, names)


def form_value(base: str, choices: list[str], is_file: bool):
    options = [st.just(base), hostile_text, numbers_as_text, st.just(MISSING)]
    if choices:
        options.append(st.sampled_from(choices))
        options.append(st.lists(st.sampled_from(choices), min_size=2, max_size=4))  # duplicated field
    else:
        options.append(st.lists(hostile_text, min_size=2, max_size=3))  # duplicated field
    if is_file:
        options.append(hostile_upload())
    return st.one_of(options)


@st.composite
def form_payload(draw, form, file_fields: frozenset):
    data = {}
    for name, base in form.fields.items():
        value = draw(form_value(base, form.choices.get(name, []), name in file_fields))
        if value is not MISSING:
            data[name] = value
    if draw(st.booleans()) and draw(st.booleans()):
        data[draw(st.sampled_from(["id", "pk", "author", "status", "is_staff", "zzz"]))] = draw(hostile_text)
    return data


# JSON -------------------------------------------------------------------------------------

json_scalars = st.one_of(
    hostile_text,
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.none(),
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(any_text, inner, max_size=3)),
    max_leaves=6,
)


@st.composite
def json_body(draw, base: dict | None):
    """Raw request bytes: mostly a mutated copy of a valid body, sometimes not JSON at all."""
    kind = draw(st.integers(0, 19))
    if kind == 0:
        return draw(st.binary(max_size=200))
    if kind == 1:
        return draw(st.sampled_from([b"", b"null", b"[]", b"[{}]", b'"x"', b"{", b'{"a": NaN}', b"1e999"]))
    body = {}
    for name, value in (base or {}).items():
        choice = draw(st.integers(0, 5))
        if choice == 0:
            continue  # missing
        body[name] = value if choice == 1 else draw(json_values)
    if draw(st.booleans()):
        body[draw(st.sampled_from(["id", "author", "created_at", "zzz", ""]))] = draw(json_values)
    text = json.dumps(body, ensure_ascii=draw(st.booleans()))
    if kind == 2 and body:
        # A lone surrogate and a NUL escaped inside JSON: valid JSON, poison for a database.
        text = text.replace("{", '{"\\ud800": "\\u0000", ', 1)
    if kind == 3 and body:
        text = text.replace("{", '{"name": "first", ', 1)  # a duplicated key
    return text.encode("utf-8", "surrogatepass")
