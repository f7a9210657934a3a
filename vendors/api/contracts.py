"""Contracts in the API, with their capacity lines and exit-rights clauses."""

from datetime import date, datetime
from decimal import Decimal

from django.shortcuts import get_object_or_404
from ninja import Field, Path, Query, Router, Schema, Status
from pydantic import StrictInt

from procurement import policies
from procurement.api_support import (
    ERROR_RESPONSES,
    WRITE_RESPONSES,
    Flag,
    InputSchema,
    IsoDate,
    Page,
    PageQuery,
    QueryBool,
    filtered,
    invalid,
    paginate,
    require_read,
    require_write,
    write_through_form,
)
from vendors import selectors, services
from vendors.filters import ContractFilter
from vendors.forms import CapacityLineForm, ClauseForm, ContractForm
from vendors.models import (
    CapacityBand,
    Contract,
    ExitRightKind,
)

from .fields import (
    Band,
    BodyId,
    ClauseStatus,
    Code,
    ContractStatus,
    Id,
    VendorKind,
    VendorRef,
    sort_choices,
    transition_errors,
)

router = Router()


# Contracts --------------------------------------------------------------------------------


class ContractOut(Schema):
    id: int
    vendor: VendorRef
    reference: str
    title: str
    status: ContractStatus
    start_date: date
    end_date: date
    auto_renewal: bool
    notice_period_days: int
    notice_deadline: date = Field(
        ..., description="The last day to give notice: end date minus notice period."
    )
    committed_spend: Decimal
    currency: str
    exit_rights_covered: int = Field(..., description="Active kinds of exit right present or negotiated.")
    exit_rights_missing: int = Field(..., description="Active kinds of exit right missing or not recorded.")
    created_at: datetime
    updated_at: datetime
    url: str

    @staticmethod
    def resolve_vendor(obj):
        return {"id": obj.vendor_id, "name": obj.vendor.name}

    @staticmethod
    def resolve_url(obj, context) -> str:
        return context["request"].build_absolute_uri(obj.get_absolute_url())


class CapacityLineOut(Schema):
    id: int
    accelerator_model: str
    count: int
    region: str
    band: Band


class ExitRightOut(Schema):
    kind: str = Field(..., description="Exit-right kind code (see /exit-right-kinds).")
    kind_name: str
    status: ClauseStatus
    recorded: bool = Field(
        ..., description="False when nobody has recorded this clause yet (counts as missing)."
    )
    reference: str
    text: str
    notice_days: int | None
    fees: Decimal | None
    updated_at: datetime | None


class ContractDetailOut(ContractOut):
    capacity_lines: list[CapacityLineOut]
    exit_rights: list[ExitRightOut]


def _exit_right(item) -> dict:
    clause = item.clause
    return {
        "kind": item.kind.code,
        "kind_name": item.kind.name,
        "status": item.status,
        "recorded": clause is not None,
        "reference": clause.reference if clause else "",
        "text": clause.text if clause else "",
        "notice_days": clause.notice_days if clause else None,
        "fees": clause.fees if clause else None,
        "updated_at": clause.updated_at if clause else None,
    }


def _contract_out(request, pk: int) -> Contract:
    contract = selectors.contract_detail(request.user, pk)
    contract.exit_rights = [_exit_right(item) for item in selectors.exit_right_checklist(contract)]
    return contract


class ContractQuery(PageQuery):
    q: str | None = Field(None, max_length=200, description="Search in reference, title, vendor name.")
    status: ContractStatus | None = None
    kind: VendorKind | None = Field(None, description="The vendor's kind.")
    layer: Code | None = Field(None, description="A layer code the vendor supplies.")
    jurisdiction: str | None = Field(None, max_length=100, description="The vendor's jurisdiction.")
    currency: str | None = Field(None, max_length=3)
    missing_exit_rights: QueryBool | None = Field(None, description="true: some missing; false: all covered.")
    sort: sort_choices("reference", "vendor", "status", "end", "notice", "spend", "missing") | None = None


class ContractFields(InputSchema):
    title: str | None = Field(None, max_length=300)
    status: ContractStatus | None = None
    start_date: IsoDate | None = None
    end_date: IsoDate | None = None
    auto_renewal: Flag | None = None
    notice_period_days: StrictInt | None = Field(None, ge=0, le=36_500)
    committed_spend: Decimal | None = Field(None, ge=0, max_digits=16, decimal_places=2)
    currency: str | None = Field(None, max_length=3, description="ISO 4217 code, e.g. USD.")


class ContractIn(ContractFields):
    vendor: BodyId = Field(..., description="Id of the vendor the contract is with.")
    reference: str = Field(..., max_length=64)
    title: str = Field(..., max_length=300)
    start_date: IsoDate
    end_date: IsoDate
    committed_spend: Decimal = Field(..., ge=0, max_digits=16, decimal_places=2)
    currency: str = Field("USD", max_length=3)


class ContractPatch(ContractFields):
    reference: str | None = Field(None, max_length=64)


@router.get("/contracts", response={200: Page[ContractOut], **ERROR_RESPONSES}, tags=["Contracts"])
def contract_list(request, query: Query[ContractQuery]):
    """Contracts, searched, filtered and sorted like the contract list page."""
    require_read(request)
    in_sql = (query.sort or "").lstrip("-") == "missing"
    contracts = filtered(ContractFilter, query, selectors.contract_list(request.user, with_gap=in_sql))
    return paginate(request, contracts, query, attach=None if in_sql else selectors.attach_exit_rights_gap)


@router.get(
    "/contracts/{contract_id}", response={200: ContractDetailOut, **ERROR_RESPONSES}, tags=["Contracts"]
)
def contract_detail(request, contract_id: Path[Id]):
    """A contract with its capacity lines and every exit right, recorded or missing."""
    return _contract_out(request, contract_id)


@router.post("/contracts", response={201: ContractDetailOut, **WRITE_RESPONSES}, tags=["Contracts"])
def contract_create(request, payload: ContractIn):
    vendor = selectors.vendors_for(request.user).filter(pk=payload.vendor).first()

    def form(data):
        if vendor is None:  # asked only once the policy allows the write: a 403 comes first
            raise invalid({"vendor": [f"No vendor with id {payload.vendor}."]})
        return ContractForm(data, vendor=vendor)

    contract = write_through_form(
        request,
        allowed=policies.can_edit_contracts(request.user),
        refusal="Adding contracts needs the procurement role.",
        form=form,
        payload=payload,
        defaults={"status": Contract.Status.DRAFT, "notice_period_days": 90},
        save=lambda form: services.contract_create(actor=request.user, vendor=vendor, **form.service_data()),
    )
    return Status(201, _contract_out(request, contract.pk))


@router.patch(
    "/contracts/{contract_id}", response={200: ContractDetailOut, **WRITE_RESPONSES}, tags=["Contracts"]
)
def contract_update(request, contract_id: Path[Id], payload: ContractPatch):
    contract = selectors.contract_for_user(request.user, contract_id)
    status = contract.status  # validation sets the instance's fields: keep where it started
    write_through_form(
        request,
        allowed=policies.can_edit_contracts(request.user),
        refusal="Editing contracts needs the procurement role.",
        form=lambda data: ContractForm(data, instance=contract, vendor=contract.vendor),
        payload=payload,
        explain=lambda form: transition_errors(
            form, services.CONTRACT_TRANSITIONS, status, Contract.Status, "contract"
        ),
        save=lambda form: services.contract_update(
            actor=request.user,
            contract=selectors.contract_for_user(request.user, contract_id),
            **form.service_data(),
        ),
    )
    return _contract_out(request, contract_id)


class ClauseIn(InputSchema):
    status: ClauseStatus
    reference: str = Field(
        "", max_length=64, description="Where the clause is, e.g. §14.2. Needed unless missing."
    )
    text: str = Field("", max_length=50_000)
    notice_days: StrictInt | None = Field(None, ge=0, le=36_500)
    fees: Decimal | None = Field(None, ge=0, max_digits=16, decimal_places=2)


@router.put(
    "/contracts/{contract_id}/exit-rights/{kind}",
    response={200: ExitRightOut, **WRITE_RESPONSES},
    tags=["Contracts"],
)
def clause_set(request, contract_id: Path[Id], kind: Path[Code], payload: ClauseIn):
    """Record what the contract says about one kind of exit right (legal and admins)."""
    contract = selectors.contract_for_user(request.user, contract_id)
    exit_kind = get_object_or_404(ExitRightKind, code=kind)
    clause = contract.clauses.filter(kind=exit_kind).first()
    write_through_form(  # PUT: the clause is what the request says, nothing kept
        request,
        allowed=policies.can_edit_clauses(request.user),
        refusal="Recording exit rights needs the legal role.",
        form=lambda data: ClauseForm(data, instance=clause),
        payload=payload,
        defaults={},
        save=lambda form: services.clause_set(
            actor=request.user, contract=contract, kind=exit_kind, **form.cleaned_data
        ),
    )
    return _exit_right(selectors.checklist_item(contract, exit_kind))


class CapacityLineIn(InputSchema):
    accelerator_model: str = Field(..., max_length=100)
    count: StrictInt = Field(..., ge=1, le=10_000_000)
    region: str = Field(..., max_length=100)
    band: Band = CapacityBand.COMMITTED.value


@router.post(
    "/contracts/{contract_id}/capacity-lines",
    response={201: CapacityLineOut, **WRITE_RESPONSES},
    tags=["Contracts"],
)
def capacity_line_add(request, contract_id: Path[Id], payload: CapacityLineIn):
    contract = selectors.contract_for_user(request.user, contract_id)
    line = write_through_form(
        request,
        allowed=policies.can_edit_contracts(request.user),
        refusal="Editing contracts needs the procurement role.",
        form=CapacityLineForm,
        payload=payload,
        defaults={},
        save=lambda form: services.capacity_line_add(
            actor=request.user, contract=contract, **form.cleaned_data
        ),
    )
    return Status(201, line)


@router.delete(
    "/contracts/{contract_id}/capacity-lines/{line_id}",
    response={204: None, **WRITE_RESPONSES},
    tags=["Contracts"],
)
def capacity_line_remove(request, contract_id: Path[Id], line_id: Path[Id]):
    contract = selectors.contract_for_user(request.user, contract_id)
    require_write(
        request, policies.can_edit_contracts(request.user), "Editing contracts needs the procurement role."
    )
    line = get_object_or_404(contract.capacity_lines, pk=line_id)
    services.capacity_line_remove(actor=request.user, line=line)
    return Status(204, None)
