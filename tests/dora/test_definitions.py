"""The template definitions kept in the repo are whole and consistent with themselves."""

import json

from dora import definitions


def test_every_template_b_01_01_to_b_07_01_is_defined_with_its_source_named():
    assert list(definitions.templates()) == definitions.TEMPLATE_CODES
    assert (definitions.FOLDER / "SOURCE.md").exists()
    for name in ("templates.json", "codelists.json", "countries.json"):
        assert json.loads((definitions.FOLDER / name).read_text())["source"] == "SOURCE.md"


def test_columns_are_c_codes_and_keys_and_references_name_real_columns():
    templates = definitions.templates()
    for code, template in templates.items():
        assert template.columns, code
        assert all(c.code.startswith("c") and len(c.code) == 5 for c in template.columns)
        assert set(template.key) <= set(template.headers), code
        assert template.file == code.lower() + ".csv"
    for ref in definitions.references():
        assert ref.column in templates[ref.template].headers
        assert ref.to_column in templates[ref.to].headers


def test_the_ict_service_types_are_the_annex_iii_closed_list():
    services = definitions.codelists()["LISTANNEXIII"]
    assert list(services) == [f"eba_TA:S{n:02d}" for n in range(1, 20)]
    assert services["eba_TA:S08"] == "Computation"
    assert services["eba_TA:S17"] == "Cloud services: IaaS"


def test_every_coded_column_names_a_list_we_keep_or_an_iso_list():
    lists = definitions.codelists()
    for template in definitions.templates().values():
        for column in template.columns:
            if column.list:
                assert column.list in lists or column.list in ("LISTCOUNTRY", "LISTCURRENCY"), column


def test_b_02_02_keys_include_the_country_columns_the_eba_calls_key_fields():
    assert {"c0130", "c0150", "c0160"} <= set(definitions.templates()["B_02.02"].key)
