"""The xBRL-CSV reporting package: a ZIP of one folder named like the file, holding
META-INF/reportPackage.json and reports/ (report.json, parameters.csv, FilingIndicators.csv and
one CSV per template, headed by the templates' column codes).

The file is named by the EBA's convention for DORA register packages:
`{LEI}.{IND|CON}_{country}_DORA010100_DORA_{reference date}_{creation timestamp}.zip`, the
timestamp as yyyymmddhhmmssfff (UTC). Entries carry the creation time and are written in a
fixed order, so the same register at the same moment gives the same bytes (and SHA-256).
"""

import csv
import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from datetime import UTC, date, datetime

from . import definitions
from .register import Register

REPORT_PACKAGE = {"documentInfo": {"documentType": "https://xbrl.org/report-package/2023"}}


@dataclass(frozen=True)
class Package:
    filename: str
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def folder(self) -> str:
        return self.filename.removesuffix(".zip")


class PackageRefused(Exception):
    pass


def ref_period_ok(ref_date: date) -> bool:
    """The register is reported as at 31 December of the year before submission."""
    return ref_date.month == 12 and ref_date.day == 31


def package_name(register: Register, created: datetime, *, consolidated: bool = False) -> str:
    entity = register.reporting
    if entity is None or not entity.lei:
        raise PackageRefused("The entity maintaining the register needs an LEI: the package is named by it.")
    stamp = created.astimezone(UTC).strftime("%Y%m%d%H%M%S") + f"{created.microsecond // 1000:03d}"
    scope = "CON" if consolidated else "IND"
    framework = definitions.taxonomy()["framework"]
    return f"{entity.lei}.{scope}_{entity.country}_{framework}_DORA_{register.ref_date:%Y-%m-%d}_{stamp}.zip"


def _csv(header: list[str], rows) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def files(register: Register, *, consolidated: bool = False) -> list[tuple[str, bytes]]:
    """(path under the package folder, content), in the order they are written."""
    entity = register.reporting
    scope = "CON" if consolidated else "IND"
    report = {
        "documentInfo": {
            "documentType": "https://xbrl.org/2021/xbrl-csv",
            "extends": [definitions.taxonomy()["module"]],
        }
    }
    parameters = [
        ("entityID", f"rs:{entity.lei}.{scope}"),
        ("refPeriod", register.ref_date.isoformat()),
        ("baseCurrency", f"iso4217:{register.base_currency}"),
        ("decimalsInteger", "0"),
        ("decimalsMonetary", "-3"),
    ]
    indicators = register.filing_indicators()
    out = [
        ("META-INF/reportPackage.json", json.dumps(REPORT_PACKAGE, indent=2).encode()),
        ("reports/report.json", json.dumps(report, indent=2).encode()),
        ("reports/parameters.csv", _csv(["name", "value"], parameters)),
        (
            "reports/FilingIndicators.csv",
            _csv(["templateID", "reported"], [(c, "true" if indicators[c] else "false") for c in indicators]),
        ),
    ]
    for code, template in definitions.templates().items():
        rows = [[_cell(row.values.get(h, "")) for h in template.headers] for row in register.rows[code]]
        out.append((f"reports/{template.file}", _csv(template.headers, rows)))
    return out


def _cell(value: str) -> str:
    # A spreadsheet must not run a cell as a formula; codes never start with these.
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


def build(register: Register, created: datetime, *, consolidated: bool = False) -> Package:
    name = package_name(register, created, consolidated=consolidated)
    folder = name.removesuffix(".zip")
    when = created.astimezone(UTC).timetuple()[:6]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path, content in files(register, consolidated=consolidated):
            info = zipfile.ZipInfo(f"{folder}/{path}", date_time=when)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, content)
    return Package(name, buffer.getvalue())
