"""LEIs are checked by their ISO 17442 check digits (ISO 7064 MOD 97-10); EUID is the fallback."""

import pytest
from django.core.exceptions import ValidationError

from dora import services
from dora.lei import lei_check_digits, lei_is_valid, validate_euid, validate_lei
from dora.models import EUID_TYPE, LEI_TYPE, FinancialEntity

# Examples published by GLEIF and in the ISO 17442 / ISO 7064 literature.
VALID = ["5493001KJTIIGC8Y1R12"]


@pytest.mark.parametrize("code", VALID)
def test_accepts_published_leis(code):
    assert lei_is_valid(code)
    validate_lei(code)


def test_check_digits_complete_a_prefix_into_a_valid_lei():
    assert lei_check_digits("5493001KJTIIGC8Y1R") == "12"
    made = "529900MERIDIANBK01" + lei_check_digits("529900MERIDIANBK01")
    assert lei_is_valid(made)


@pytest.mark.parametrize(
    "code",
    [
        "5493001KJTIIGC8Y1R17",  # wrong check digits
        "5493001KJTIIGC8Y1R21",  # check digits swapped
        "5493001KJTIIGC8Y1S12",  # one character mistyped
        "5493001KJTIIGC8Y1R1",  # too short
        "5493001kjtiigc8y1r12",  # lower case is not an LEI
        "5493001KJTIIGC8Y1RAB",  # check digits are digits
    ],
)
def test_refuses_a_wrong_check_digit_or_shape(code):
    assert not lei_is_valid(code)
    with pytest.raises(ValidationError):
        validate_lei(code)


def test_the_message_says_which_rule_failed():
    with pytest.raises(ValidationError) as error:
        validate_lei("5493001KJTIIGC8Y1R17")
    assert error.value.code == "lei_check"
    with pytest.raises(ValidationError) as error:
        validate_lei("SHORT")
    assert error.value.code == "lei_format"


def test_euid_shape():
    validate_euid("DEK1101R.HRB116737")
    with pytest.raises(ValidationError):
        validate_euid("HRB116737")


ENTITY = {"name": "Test Bank", "country": "DE", "entity_type": "eba_CT:x12", "currency": "EUR"}


def test_an_entity_with_a_wrong_check_digit_is_refused_and_nothing_is_written(admin):
    with pytest.raises(ValidationError) as error:
        services.entity_create(actor=admin, lei="5493001KJTIIGC8Y1R17", **ENTITY)
    assert "lei" in error.value.message_dict
    assert not FinancialEntity.objects.exists()


def test_an_entity_needs_an_lei_or_an_euid_and_the_code_type_follows(admin):
    with pytest.raises(ValidationError):
        services.entity_create(actor=admin, **ENTITY)
    with_lei = services.entity_create(actor=admin, lei="5493001KJTIIGC8Y1R12", **ENTITY)
    assert (with_lei.code, with_lei.code_type) == ("5493001KJTIIGC8Y1R12", LEI_TYPE)
    with_euid = services.entity_create(actor=admin, euid="dek1101r.hrb116737", **{**ENTITY, "name": "Other"})
    assert (with_euid.code, with_euid.code_type) == ("DEK1101R.HRB116737", EUID_TYPE)


def test_two_entities_cannot_share_an_lei_or_both_maintain_the_register(admin):
    services.entity_create(actor=admin, lei="5493001KJTIIGC8Y1R12", maintains_register=True, **ENTITY)
    with pytest.raises(ValidationError):
        services.entity_create(actor=admin, lei="5493001KJTIIGC8Y1R12", **{**ENTITY, "name": "Twin"})
    with pytest.raises(ValidationError):
        services.entity_create(
            actor=admin, euid="DEK1101R.HRB1", maintains_register=True, **{**ENTITY, "name": "Second"}
        )
    assert FinancialEntity.objects.count() == 1
