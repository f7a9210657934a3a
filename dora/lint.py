"""What would make the package rejected, and what would only warn, before it is generated.

Blocking, as the ESAs' technical checks reject a package for them: a primary key column left
empty (rule 805), two rows with the same primary key (806), a reference to a row that the
referred template does not have, e.g. a contract missing from B_02.01 (807), a filing indicator
that does not match the data (808). Warning: a mandatory column left blank outside the key, a
coded value outside its closed list, an LEI that fails its check digits, and what the register
itself cannot say in a row.
"""

from collections import Counter
from dataclasses import dataclass

from . import definitions
from .lei import lei_is_valid
from .register import Register

BLOCKING, WARNING = "blocking", "warning"
LEI_COLUMNS = {("B_01.01", "c0010"), ("B_01.02", "c0010"), ("B_01.02", "c0060"), ("B_06.01", "c0040")}
CODE_TYPE_COLUMNS = {  # a provider code and the column that says whether it is an LEI
    ("B_05.01", "c0010"): "c0020",
    ("B_02.02", "c0030"): "c0040",
    ("B_03.02", "c0020"): "c0030",
    ("B_07.01", "c0020"): "c0030",
}


@dataclass(frozen=True)
class Finding:
    severity: str
    template: str
    column: str
    message: str
    link: str
    label: str

    @property
    def blocking(self) -> bool:
        return self.severity == BLOCKING


def _coded_ok(column: definitions.Column, value: str) -> bool:
    if column.list in definitions.codelists():
        return value in definitions.codelists()[column.list] and value not in column.allowed_excludes
    if column.type.startswith("Country"):
        return value.startswith("eba_GA:") and (
            value[7:] in definitions.countries() or value == "eba_GA:qx2007"
        )
    if column.type.startswith("Currency"):
        return value.startswith("eba_CU:") and len(value) == 10
    return True


def lint(register: Register, indicators: dict[str, bool] | None = None) -> list[Finding]:
    """Every finding, blocking ones first. `indicators` defaults to what the package would file."""
    found: list[Finding] = []
    templates = definitions.templates()
    indicators = register.filing_indicators() if indicators is None else indicators
    if register.reporting is None:
        found.append(
            Finding(
                BLOCKING,
                "B_01.01",
                "c0010",
                "No entity is marked as maintaining the register.",
                "",
                "register",
            )
        )
    for code, template in templates.items():
        rows = register.rows[code]
        has_data = bool(rows)
        filed = indicators.get(code)
        if filed is None:
            found.append(
                Finding(BLOCKING, code, "", "The filing indicators do not list this template.", "", code)
            )
        elif filed != has_data:
            found.append(
                Finding(
                    BLOCKING,
                    code,
                    "",
                    "Filed as reported but it has no rows."
                    if filed
                    else "It has rows but is filed as not reported.",
                    "",
                    code,
                )
            )
        if not has_data and not template.optional and code != "B_01.01":
            found.append(
                Finding(
                    BLOCKING,
                    code,
                    "",
                    f"{template.title}: a mandatory template, and it has no rows.",
                    "",
                    code,
                )
            )
        seen = Counter(tuple(row.values.get(k, "") for k in template.key) for row in rows)
        for row in rows:
            key = tuple(row.values.get(k, "") for k in template.key)
            for column_code, value in zip(template.key, key, strict=True):
                if not value and column_code not in template.nullable_key:
                    column = template.column(column_code)
                    found.append(
                        Finding(
                            BLOCKING,
                            code,
                            column_code,
                            f"Key column “{column.name}” is empty.",
                            row.link_for(column_code),
                            row.label,
                        )
                    )
            if seen[key] > 1 and all(
                v or k in template.nullable_key for k, v in zip(template.key, key, strict=True)
            ):
                found.append(
                    Finding(
                        BLOCKING,
                        code,
                        ",".join(template.key),
                        f"{seen[key]} rows share the key {' / '.join(key)}.",
                        row.link,
                        row.label,
                    )
                )
                seen[key] = 0  # once per duplicated key
            for column in template.columns:
                value = row.values.get(column.code, "")
                if column.code in template.key:
                    continue
                if not value and column.mandatory:
                    found.append(
                        Finding(
                            WARNING,
                            code,
                            column.code,
                            f"Mandatory “{column.name}” is blank.",
                            row.link_for(column.code),
                            row.label,
                        )
                    )
            for column in template.columns:
                value = row.values.get(column.code, "")
                if value and not _coded_ok(column, value):
                    found.append(
                        Finding(
                            WARNING,
                            code,
                            column.code,
                            f"“{value}” is not a value of {column.list or column.type}.",
                            row.link_for(column.code),
                            row.label,
                        )
                    )
                typed_as = CODE_TYPE_COLUMNS.get((code, column.code))
                is_lei = (code, column.code) in LEI_COLUMNS or (
                    typed_as and row.values.get(typed_as) == "eba_qCO:qx2000"
                )
                if value and is_lei and not lei_is_valid(value):
                    found.append(
                        Finding(
                            WARNING,
                            code,
                            column.code,
                            f"“{value}” is not a valid LEI (ISO 17442 check digits).",
                            row.link_for(column.code),
                            row.label,
                        )
                    )
    for reference in definitions.references():
        targets = {
            tuple(row.values.get(c, "") for c in reference.to_columns) for row in register.rows[reference.to]
        }
        for row in register.rows[reference.template]:
            value = tuple(row.values.get(c, "") for c in reference.columns)
            if all(value) and value not in targets:
                to = templates[reference.to]
                found.append(
                    Finding(
                        BLOCKING,
                        reference.template,
                        ",".join(reference.columns),
                        f"“{' / '.join(value)}” is not in {reference.to} ({to.title}): rule {reference.rule}.",
                        row.link_for(reference.columns[0]),
                        row.label,
                    )
                )
    for message, link, label in register.gaps:
        found.append(Finding(WARNING, "", "", message, link, label))
    found.sort(key=lambda f: (not f.blocking, f.template or "~", f.column))
    return found


def blocking(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.blocking]
