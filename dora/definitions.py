"""The ESAs' template definitions, kept as data beside this module (see definitions/SOURCE.md)."""

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

FOLDER = Path(__file__).resolve().parent / "definitions"

# The templates this register fills, in filing order.
TEMPLATE_CODES = [
    "B_01.01",
    "B_01.02",
    "B_01.03",
    "B_02.01",
    "B_02.02",
    "B_02.03",
    "B_03.01",
    "B_03.02",
    "B_03.03",
    "B_04.01",
    "B_05.01",
    "B_05.02",
    "B_06.01",
    "B_07.01",
]


@dataclass(frozen=True)
class Column:
    code: str
    datapoint: str
    name: str
    type: str
    required: str
    mandatory: bool
    list: str | None
    # Codes of `list` this column does not take (B_01.01 c0040 takes fewer entity types).
    allowed_excludes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Template:
    code: str
    title: str
    optional: bool
    key: tuple[str, ...]
    file: str
    columns: tuple[Column, ...]
    # Key columns left blank on rows they do not apply to (a branch code, the recipient of rank 1).
    nullable_key: tuple[str, ...] = ()

    @property
    def headers(self) -> list[str]:
        return [c.code for c in self.columns]

    def column(self, code: str) -> Column:
        return next(c for c in self.columns if c.code == code)


@dataclass(frozen=True)
class Reference:
    """The taxonomy's rule (R1 ... R22) that `columns` of a row name a row of `to` by its primary
    key `to_columns`."""

    rule: str
    template: str
    columns: tuple[str, ...]
    to: str
    to_columns: tuple[str, ...]


def _read(name: str) -> dict:
    return json.loads((FOLDER / name).read_text(encoding="utf-8"))


@cache
def taxonomy() -> dict:
    return _read("templates.json")["taxonomy"]


@cache
def templates() -> dict[str, Template]:
    data = _read("templates.json")["templates"]
    return {
        code: Template(
            code=code,
            title=t["title"],
            optional=t["optional"],
            key=tuple(t["key"]),
            file=t["file"],
            columns=tuple(
                Column(**c | {"allowed_excludes": tuple(c.get("allowed_excludes", ()))}) for c in t["columns"]
            ),
            nullable_key=tuple(t.get("nullable_key", ())),
        )
        for code, t in ((code, data[code]) for code in TEMPLATE_CODES)
    }


@cache
def references() -> tuple[Reference, ...]:
    return tuple(
        Reference(r["rule"], r["from"], tuple(r["columns"]), r["to"], tuple(r["to_columns"]))
        for r in _read("templates.json")["references"]
    )


@cache
def codelists() -> dict[str, dict[str, str]]:
    """Each closed list: code -> label, in the published order."""
    return {
        name: {v["code"]: v["label"] for v in entry["values"]}
        for name, entry in _read("codelists.json")["lists"].items()
    }


@cache
def countries() -> dict[str, str]:
    return _read("countries.json")["countries"]


def choices(list_name: str) -> list[tuple[str, str]]:
    return list(codelists()[list_name].items())


def country_choices() -> list[tuple[str, str]]:
    return [(code, f"{name} ({code})") for code, name in sorted(countries().items(), key=lambda kv: kv[1])]


def label(list_name: str, code: str) -> str:
    return codelists()[list_name].get(code, code)
