"""Legal Entity Identifiers (ISO 17442) and European Unique Identifiers, checked before filing.

An LEI is 20 characters: 18 letters or digits, then two check digits computed by ISO 7064
MOD 97-10 over the whole code (letters count as 10..35). GLEIF checks LEIs after submission; a
typo caught here is one rejection less.
"""

import re

from django.core.exceptions import ValidationError

LEI_PATTERN = re.compile(r"^[A-Z0-9]{18}[0-9]{2}$")
# EUID (Business Registers Interconnection System): country code, register id, a dot, the
# company's number in that register, e.g. "DEK1101R.HRB116737". Kept loose on purpose: the
# registers' own number formats vary.
EUID_PATTERN = re.compile(r"^[A-Z]{2}[A-Z0-9]{1,13}\.[A-Z0-9./-]{1,40}$")


def _numeric(code: str) -> int:
    return int("".join(str(int(ch, 36)) for ch in code))


def lei_is_valid(code: str) -> bool:
    """True when `code` has the LEI shape and its check digits hold (MOD 97-10 remainder 1)."""
    return bool(LEI_PATTERN.match(code or "")) and _numeric(code) % 97 == 1


def lei_check_digits(base18: str) -> str:
    """The two check digits that complete an 18-character LEI prefix."""
    if not re.fullmatch(r"[A-Z0-9]{18}", base18 or ""):
        raise ValueError("an LEI prefix is 18 letters or digits")
    return f"{98 - _numeric(base18 + '00') % 97:02d}"


def validate_lei(value: str) -> None:
    value = value or ""
    if not LEI_PATTERN.match(value):
        raise ValidationError(
            "An LEI is 20 characters: 18 capital letters or digits, then 2 check digits.", code="lei_format"
        )
    if not lei_is_valid(value):
        raise ValidationError(
            "These are not the LEI's check digits (ISO 17442): a character is mistyped.", code="lei_check"
        )


def validate_euid(value: str) -> None:
    if not EUID_PATTERN.match(value or ""):
        raise ValidationError(
            "An EUID is the country code and register id, a dot, then the registration number "
            "(for example DEK1101R.HRB116737).",
            code="euid_format",
        )
