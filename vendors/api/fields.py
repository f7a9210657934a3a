"""Types and helpers the register's API modules share: ids, codes, choices, people, and how a
client's fields are laid over a form's data."""

from typing import Annotated, Literal

from django.contrib.auth import get_user_model
from ninja import Field, Schema
from pydantic import Strict

from procurement.api_support import (
    invalid,
)
from vendors import services
from vendors.models import (
    CapacityBand,
    Contract,
    ExitRightClause,
    Layer,
    Vendor,
    WorkloadTier,
)

MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
BodyId = Annotated[int, Strict(), Field(ge=1, le=MAX_ID)]
Code = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[-a-zA-Z0-9_]+$")]
Username = Annotated[str, Field(min_length=1, max_length=150, pattern=r"^[\w.@+-]+$")]


def choices(enum) -> type:
    """A Literal of a TextChoices' values: an enum in the schema, plain strings in and out."""
    return Literal[tuple(enum.values)]  # type: ignore[valid-type]


def sort_choices(*names: str) -> type:
    return Literal[tuple(v for name in names for v in (name, f"-{name}"))]  # type: ignore[valid-type]


VendorKind = choices(Vendor.Kind)
VendorStatus = choices(Vendor.Status)
ContractStatus = choices(Contract.Status)
ClauseStatus = choices(ExitRightClause.Status)
Band = choices(CapacityBand)
Tier = choices(WorkloadTier)


class PersonOut(Schema):
    id: int
    username: str
    name: str


def person(user) -> dict | None:
    if user is None:
        return None
    return {"id": user.pk, "username": user.get_username(), "name": user.get_full_name()}


def owner_pk(username: str | None, field: str = "owner"):
    """The form takes a user id; the API takes the username, which other systems know."""
    if not username:
        return ""
    user = get_user_model().objects.filter(username=username, is_active=True).only("pk").first()
    if user is None:
        raise invalid({field: [f"No active user with the username “{username}”."]})
    return user.pk


def layer_pks(codes: list[str], field: str = "layers") -> list[int]:
    found = dict(Layer.objects.filter(code__in=codes).values_list("code", "pk"))
    unknown = [code for code in codes if code not in found]
    if unknown:
        known = ", ".join(Layer.objects.values_list("code", flat=True))
        raise invalid({field: [f"Unknown layer code(s): {', '.join(unknown)}. Known: {known}."]})
    return [found[code] for code in codes]


class VendorRef(Schema):
    id: int
    name: str


def transition_errors(form, transitions: dict, current: str, choices, label: str):
    """The form refuses a status it does not offer; say which moves are allowed instead."""
    if "status" in form.errors and form.data.get("status") in choices.values:
        allowed = [choices(s).label for s in services.allowed_statuses(transitions, current) if s != current]
        form.errors["status"] = form.error_class(
            [
                f"A {label} cannot move from {choices(current).label} to {choices(form.data['status']).label}. "
                f"Allowed: {', '.join(allowed) or 'none (it stays as it is)'}."
            ]
        )
    return form
