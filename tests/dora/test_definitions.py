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
        assert set(ref.columns) <= set(templates[ref.template].headers), ref
        # The taxonomy's references name the referred template's primary key, in its order.
        assert ref.to_columns == templates[ref.to].key, ref
    for template in templates.values():
        assert set(template.nullable_key) <= set(template.key)


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


# Checked against the EBA's own table definitions (reporting framework 4.0, dora module), see SOURCE.md.
EBA_PRIMARY_KEYS = {
    "B_01.01": ("c0010",),
    "B_01.02": ("c0010",),
    "B_01.03": ("c0010", "c0020"),
    "B_02.01": ("c0010",),
    "B_02.02": ("c0010", "c0020", "c0030", "c0050", "c0060", "c0130", "c0150", "c0160"),
    "B_02.03": ("c0010", "c0020"),
    "B_03.01": ("c0010", "c0020"),
    "B_03.02": ("c0010", "c0020"),
    "B_03.03": ("c0010", "c0020"),
    "B_04.01": ("c0010", "c0020", "c0040"),
    "B_05.01": ("c0010",),
    "B_05.02": ("c0010", "c0020", "c0030", "c0050", "c0060"),
    "B_06.01": ("c0010", "c0040"),
    "B_07.01": ("c0010", "c0020", "c0040"),
}


def test_primary_keys_are_the_taxonomys():
    assert {code: t.key for code, t in definitions.templates().items()} == EBA_PRIMARY_KEYS


def test_b_02_02_names_its_function_and_its_provider_by_composite_keys():
    composite = {(r.columns, r.to) for r in definitions.references() if r.template == "B_02.02"}
    assert composite == {(("c0050", "c0020"), "B_06.01"), (("c0010", "c0030"), "B_03.02")}


def test_closed_lists_hold_the_taxonomys_allowed_values():
    lists = definitions.codelists()
    # b_07.01.0110 takes the Yes / No / assessment-not-performed codes, not eba_ZZ ones.
    assert set(lists["LIST0701110"]) == {"eba_BT:x28", "eba_BT:x29", "eba_BT:x21"}
    b_01_01 = definitions.templates()["B_01.01"].column("c0040")
    assert set(lists["LIST0101040"]) - set(b_01_01.allowed_excludes) == {
        "eba_CT:x12",
        *(f"eba_CT:x{n}" for n in range(300, 317)),
        "eba_CT:x320",
        "eba_CT:x599",
        "eba_CT:x639",
        "eba_CT:x643",
    }
