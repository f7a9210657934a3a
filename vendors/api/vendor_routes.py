"""Vendors in the API: list, read, add, change (as on the pages)."""

from datetime import datetime
from typing import Annotated

from ninja import Field, Path, Query, Router, Schema, Status

from procurement import policies
from procurement.api_support import (
    ERROR_RESPONSES,
    WRITE_RESPONSES,
    InputSchema,
    Page,
    PageQuery,
    filtered,
    paginate,
    require_read,
    write_through_form,
)
from vendors import selectors, services
from vendors.filters import VendorFilter
from vendors.forms import VendorForm
from vendors.models import (
    Vendor,
)

from .fields import (
    BodyId,
    Code,
    Id,
    PersonOut,
    Username,
    VendorKind,
    VendorRef,
    VendorStatus,
    layer_pks,
    owner_pk,
    person,
    sort_choices,
    transition_errors,
)

router = Router()


# Vendors ----------------------------------------------------------------------------------


class VendorOut(Schema):
    id: int
    name: str
    legal_entity: str
    kind: VendorKind
    hq_jurisdiction: str
    processing_regions: list[str]
    layers: list[str] = Field(..., description="Layer codes (see /layers).")
    runs_on: VendorRef | None = Field(None, description="The vendor whose infrastructure this one runs on.")
    status: VendorStatus
    owner: PersonOut | None
    notes: str
    contract_count: int
    created_at: datetime
    updated_at: datetime
    url: str = Field(..., description="The vendor's page in the register.")

    @staticmethod
    def resolve_layers(obj) -> list[str]:
        return [layer.code for layer in obj.layers.all()]

    @staticmethod
    def resolve_runs_on(obj):
        return {"id": obj.runs_on.pk, "name": obj.runs_on.name} if obj.runs_on_id else None

    @staticmethod
    def resolve_owner(obj):
        return person(obj.owner)

    @staticmethod
    def resolve_processing_regions(obj) -> list[str]:
        return [str(region) for region in obj.processing_regions or []]

    @staticmethod
    def resolve_contract_count(obj) -> int:
        count = getattr(obj, "contract_count", None)
        return obj.contracts.count() if count is None else count

    @staticmethod
    def resolve_url(obj, context) -> str:
        return context["request"].build_absolute_uri(obj.get_absolute_url())


class VendorQuery(PageQuery):
    q: str | None = Field(None, max_length=200, description="Search in name, legal entity, jurisdiction.")
    kind: VendorKind | None = None
    status: VendorStatus | None = None
    layer: Code | None = Field(None, description="Layer code.")
    jurisdiction: str | None = Field(None, max_length=100, description="Exact headquarters jurisdiction.")
    sort: sort_choices("name", "kind", "status", "jurisdiction", "contracts", "updated") | None = None


Region = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[^,;\n\r]+$")]


class VendorFields(InputSchema):
    legal_entity: str | None = Field(None, max_length=300)
    hq_jurisdiction: str | None = Field(None, max_length=100)
    processing_regions: list[Region] | None = Field(None, max_length=100)
    layers: list[Code] | None = Field(None, max_length=50, description="Layer codes (see /layers).")
    runs_on: BodyId | None = Field(None, description="Id of the vendor this one runs on; null for none.")
    status: VendorStatus | None = None
    owner: Username | None = Field(None, description="Username of the vendor's owner; null for none.")
    notes: str | None = Field(None, max_length=20_000)


class VendorIn(VendorFields):
    name: str = Field(..., max_length=200)
    kind: VendorKind
    hq_jurisdiction: str = Field(..., max_length=100)


class VendorPatch(VendorFields):
    name: str | None = Field(None, max_length=200)
    kind: VendorKind | None = None


def _vendor_converters() -> dict:
    return {
        "processing_regions": lambda regions: ", ".join(regions or []),
        "layers": lambda codes: layer_pks(codes or []),
        "owner": owner_pk,
    }


def _vendor_out(request, pk: int):
    return selectors.vendor_list(request.user).get(pk=pk)


@router.get("/vendors", response={200: Page[VendorOut], **ERROR_RESPONSES}, tags=["Vendors"])
def vendor_list(request, query: Query[VendorQuery]):
    """Vendors, searched, filtered and sorted like the vendor list page."""
    require_read(request)
    in_sql = (query.sort or "").lstrip("-") == "contracts"
    vendors = filtered(VendorFilter, query, selectors.vendor_list(request.user, with_counts=in_sql))
    return paginate(request, vendors, query, attach=None if in_sql else selectors.attach_contract_counts)


@router.get("/vendors/{vendor_id}", response={200: VendorOut, **ERROR_RESPONSES}, tags=["Vendors"])
def vendor_detail(request, vendor_id: Path[Id]):
    selectors.vendor_for_user(request.user, vendor_id)
    return _vendor_out(request, vendor_id)


@router.post("/vendors", response={201: VendorOut, **WRITE_RESPONSES}, tags=["Vendors"])
def vendor_create(request, payload: VendorIn):
    """Add a vendor (procurement and admins), validated and audited as on the page."""
    vendor = write_through_form(
        request,
        allowed=policies.can_edit_vendors(request.user),
        refusal="Adding vendors needs the procurement role.",
        form=VendorForm,
        payload=payload,
        defaults={"owner": "", "status": Vendor.Status.PROSPECT},
        converters=_vendor_converters(),
        save=lambda form: services.vendor_create(actor=request.user, **form.service_data()),
    )
    return Status(201, _vendor_out(request, vendor.pk))


@router.patch("/vendors/{vendor_id}", response={200: VendorOut, **WRITE_RESPONSES}, tags=["Vendors"])
def vendor_update(request, vendor_id: Path[Id], payload: VendorPatch):
    """Change the fields sent; the others keep their values. Status moves as on the page."""
    vendor = selectors.vendor_for_user(request.user, vendor_id)
    status = vendor.status  # validation sets the instance's fields: keep where it started
    write_through_form(
        request,
        allowed=policies.can_edit_vendors(request.user),
        refusal="Editing vendors needs the procurement role.",
        form=lambda data: VendorForm(data, instance=vendor),
        payload=payload,
        converters=_vendor_converters(),
        explain=lambda form: transition_errors(
            form, services.VENDOR_TRANSITIONS, status, Vendor.Status, "vendor"
        ),
        save=lambda form: services.vendor_update(
            actor=request.user,
            vendor=selectors.vendor_for_user(request.user, vendor_id),
            **form.service_data(),
        ),
    )
    return _vendor_out(request, vendor_id)
