"""The lint names what would make the package rejected, and what would only warn, with a link."""

from datetime import date

import pytest
from django.urls import reverse

from dora import lint, register
from dora.models import ContractRecord, VendorRecord
from vendors.models import Contract


def _build():
    return register.build(date(2026, 12, 31))


def _blocking(reg, **kwargs):
    return lint.blocking(lint.lint(reg, **kwargs))


def test_a_contract_reference_missing_from_b_02_01_blocks(demo_register):
    reg = _build()
    reg.rows["B_02.01"] = [r for r in reg.rows["B_02.01"] if r.values["c0010"] != "HX-0042"]
    found = _blocking(reg)
    missing = [f for f in found if "“HX-0042” is not in B_02.01" in f.message]
    # B_02.02 names its contract through B_03.02 (rule R17), which still has the row.
    assert {f.template for f in missing} >= {"B_03.01", "B_03.02", "B_04.01", "B_05.02", "B_07.01"}
    assert all(f.link for f in missing)


def test_duplicate_and_empty_primary_keys_block(demo_register):
    reg = _build()
    reg.rows["B_06.01"].append(reg.rows["B_06.01"][0])
    reg.rows["B_02.01"][0].values["c0010"] = ""
    found = _blocking(reg)
    assert any(f.template == "B_06.01" and "share the key" in f.message for f in found)
    assert any(f.template == "B_02.01" and f.column == "c0010" and "is empty" in f.message for f in found)


def test_filing_indicators_that_do_not_match_the_data_block(demo_register):
    reg = _build()
    indicators = reg.filing_indicators() | {"B_01.03": True, "B_05.01": False}
    found = _blocking(reg, indicators=indicators)
    assert {(f.template, f.message) for f in found} >= {
        ("B_01.03", "Filed as reported but it has no rows."),
        ("B_05.01", "It has rows but is filed as not reported."),
    }


def test_a_provider_without_its_record_blocks_with_a_link_to_where_it_is_filled_in(demo_register):
    helix = VendorRecord.objects.get(vendor__name="Helix GPU Cloud")
    helix.delete()
    found = lint.lint(_build())
    link = reverse("dora:vendor-record", args=[helix.vendor_id])
    empty_keys = [f for f in found if f.blocking and f.link == link]
    assert empty_keys and all("is empty" in f.message for f in empty_keys)
    assert any(not f.blocking and f.link == link and "no register record" in f.message for f in found)


def test_a_blank_mandatory_non_key_field_only_warns(demo_register):
    ContractRecord.objects.filter(contract__reference="NBM-2025-11").update(arrangement_type="")
    found = lint.lint(_build())
    assert not lint.blocking(found)
    contract = Contract.objects.get(reference="NBM-2025-11")
    warning = next(f for f in found if f.template == "B_02.01" and f.column == "c0020")
    assert warning.severity == lint.WARNING
    assert warning.link == reverse("dora:contract-record", args=[contract.pk])


def test_an_lei_that_fails_its_check_digits_warns(demo_register):
    VendorRecord.objects.filter(vendor__name="Forgeline Tensor").update(lei="5493001KJTIIGC8Y1R17")
    found = lint.lint(_build())
    assert any("not a valid LEI" in f.message and f.template == "B_05.01" for f in found)


@pytest.mark.parametrize("user", ["auditor_user", "procurement_user"])
def test_the_lint_page_lists_findings_with_links(client, demo_register, request, user):
    client.force_login(request.getfixturevalue(user))
    response = client.get(reverse("dora:lint"), {"ref_date": "2026-12-31"})
    assert response.status_code == 200
    body = response.content.decode()
    assert '<strong id="blocking-count">0</strong>' in body
    assert "Nothing blocks the package." in body
    ContractRecord.objects.filter(contract__reference="NBM-2025-11").update(arrangement_type="")
    body = client.get(reverse("dora:lint"), {"ref_date": "2026-12-31"}).content.decode()
    contract = Contract.objects.get(reference="NBM-2025-11")
    assert reverse("dora:contract-record", args=[contract.pk]) in body


# The taxonomy's rules (definitions/SOURCE.md) -----------------------------------------------


def test_key_columns_the_taxonomy_lets_be_blank_do_not_block(demo_register):
    reg = _build()
    assert any(not r.values["c0060"] for r in reg.rows["B_05.02"])  # rank 1 has no recipient
    assert all(not r.values["c0040"] for r in reg.rows["B_04.01"])  # no branches
    assert not _blocking(reg)


def test_b_02_02_must_name_a_function_of_the_same_entity(demo_register):
    reg = _build()
    row = reg.rows["B_02.02"][0]
    row.values["c0020"] = "529900T8BM49AURSDO55"  # an entity that has no such function
    found = [f for f in _blocking(reg) if "rule R7" in f.message]
    assert found and found[0].template == "B_02.02" and found[0].column == "c0050,c0020"


def test_the_reporting_entity_takes_fewer_entity_types_than_the_others(demo_register):
    reg = _build()
    reg.rows["B_01.01"][0].values["c0040"] = "eba_CT:x317"
    reg.rows["B_01.02"][0].values["c0040"] = "eba_CT:x317"
    warned = {(f.template, f.column) for f in lint.lint(reg) if "eba_CT:x317" in f.message}
    assert warned == {("B_01.01", "c0040")}
