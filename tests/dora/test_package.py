"""The reporting package of the demo register: structure, headers, codes and keys against the
definitions kept in the repo."""

import csv
import io
import json
import re
import zipfile
from datetime import UTC, date, datetime

import pytest

from dora import definitions, lint, package, register

CREATED = datetime(2027, 1, 15, 9, 30, 5, 123000, tzinfo=UTC)
NAME = re.compile(r"^[A-Z0-9]{18}[0-9]{2}\.IND_[A-Z]{2}_DORA010100_DORA_2026-12-31_\d{17}\.zip$")


@pytest.fixture
def built(demo_register):
    reg = register.build(date(2026, 12, 31), reporting_date=date(2027, 1, 15))
    return reg, package.build(reg, CREATED)


def _read(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8"))))


def test_the_demo_register_lints_without_anything_blocking(built):
    reg, _ = built
    assert lint.blocking(lint.lint(reg)) == []


def test_package_is_named_by_the_convention_and_holds_one_folder_of_that_name(built):
    reg, pkg = built
    assert NAME.match(pkg.filename), pkg.filename
    assert pkg.filename.startswith(reg.reporting.lei + ".IND_DE_")
    assert pkg.filename.endswith("_20270115093005123.zip")
    files = _read(pkg.data)
    folder = pkg.filename.removesuffix(".zip")
    expected = {
        "META-INF/reportPackage.json",
        "reports/report.json",
        "reports/parameters.csv",
        "reports/FilingIndicators.csv",
        *(f"reports/{t.file}" for t in definitions.templates().values()),
    }
    assert set(files) == {f"{folder}/{path}" for path in expected}


def test_metadata_files_point_at_the_dora_module_and_the_reporting_entity(built):
    reg, pkg = built
    files = {k.split("/", 1)[1]: v for k, v in _read(pkg.data).items()}
    assert json.loads(files["META-INF/reportPackage.json"])["documentInfo"]["documentType"].startswith(
        "https://xbrl.org/report-package/"
    )
    report = json.loads(files["reports/report.json"])
    assert report["documentInfo"]["documentType"] == "https://xbrl.org/2021/xbrl-csv"
    assert report["documentInfo"]["extends"] == [definitions.taxonomy()["module"]]
    parameters = dict(_rows(files["reports/parameters.csv"])[1:])
    assert parameters == {
        "entityID": f"rs:{reg.reporting.lei}.IND",
        "refPeriod": "2026-12-31",
        "baseCurrency": "iso4217:EUR",
        "decimalsInteger": "0",
        "decimalsMonetary": "-3",
    }


def test_filing_indicators_are_false_exactly_for_the_empty_optional_templates(built):
    _reg, pkg = built
    files = {k.split("/", 1)[1]: v for k, v in _read(pkg.data).items()}
    rows = _rows(files["reports/FilingIndicators.csv"])
    assert rows[0] == ["templateID", "reported"]
    indicators = dict(rows[1:])
    assert list(indicators) == definitions.TEMPLATE_CODES
    assert {c for c, v in indicators.items() if v == "false"} == {"B_01.03", "B_02.03", "B_03.03"}
    for code, template in definitions.templates().items():
        data_rows = _rows(files[f"reports/{template.file}"])[1:]
        assert (indicators[code] == "true") == bool(data_rows), code


def test_every_template_csv_has_the_esas_headers_coded_values_and_unique_non_empty_keys(built):
    _, pkg = built
    files = {k.split("/", 1)[1]: v for k, v in _read(pkg.data).items()}
    lists = definitions.codelists()
    countries = definitions.countries()
    for code, template in definitions.templates().items():
        rows = _rows(files[f"reports/{template.file}"])
        assert rows[0] == template.headers, code
        keys = []
        for row in rows[1:]:
            values = dict(zip(rows[0], row, strict=True))
            key = tuple(values[k] for k in template.key)
            assert all(v or k in template.nullable_key for k, v in zip(template.key, key, strict=True)), (
                code,
                values,
            )
            keys.append(key)
            for column in template.columns:
                value = values[column.code]
                if not value:
                    continue
                if column.list in lists:
                    assert value in lists[column.list], (code, column.code, value)
                elif column.list == "LISTCOUNTRY":
                    assert value == "eba_GA:qx2007" or value.removeprefix("eba_GA:") in countries, value
                elif column.list == "LISTCURRENCY":
                    assert re.fullmatch(r"eba_CU:[A-Z]{3}", value), value
        assert len(keys) == len(set(keys)), code


def test_contract_references_in_every_template_exist_in_b_02_01(built):
    reg, _ = built
    contracts = {row.values["c0010"] for row in reg.rows["B_02.01"]}
    for code in ("B_02.02", "B_03.01", "B_03.02", "B_04.01", "B_05.02", "B_07.01"):
        assert {row.values["c0010"] for row in reg.rows[code]} <= contracts, code


def test_the_supply_chain_ranks_follow_runs_on(built):
    reg, _ = built
    helix = [r.values for r in reg.rows["B_05.02"] if r.values["c0010"] == "HX-0042"]
    assert [r["c0050"] for r in helix] == ["1", "2"]
    assert helix[1]["c0060"] == helix[0]["c0030"]  # Nimbus serves Helix, which serves us
    assert helix[0]["c0060"] == ""


def test_functions_report_rto_and_rpo_in_whole_hours(built):
    reg, _ = built
    fraud = next(r.values for r in reg.rows["B_06.01"] if r.values["c0030"] == "Fraud scoring API")
    assert (fraud["c0080"], fraud["c0090"]) == ("1", "1")  # 15 and 1 minutes, rounded up


def test_the_same_register_at_the_same_moment_gives_the_same_bytes(built):
    reg, pkg = built
    assert package.build(reg, CREATED).sha256 == pkg.sha256


def test_cells_that_look_like_formulas_are_escaped(built):
    reg, _ = built
    reg.rows["B_01.01"][0].values["c0050"] = "=HYPERLINK(1)"
    files = dict(package.files(reg))
    assert "'=HYPERLINK(1)" in files["reports/b_01.01.csv"].decode()


def test_no_package_without_an_lei_for_the_reporting_entity(built):
    reg, _ = built
    reg.reporting.lei = ""
    with pytest.raises(package.PackageRefused):
        package.build(reg, CREATED)
