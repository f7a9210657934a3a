"""JSON API of the vendor register: vendors, contracts (capacity lines, exit-rights clauses),
workloads and their dependencies, concentration findings.

Each endpoint does what the matching page does: the same policy check, the same selector and
filter set for reads, the same form (validation and messages) and service (transaction, audit
event) for writes. Refusals become JSON errors in `procurement.api`.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import Field, Path, Query, Router, Schema, Status
from pydantic import Strict, StrictInt

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
    form_data_of,
    invalid,
    paginate,
    require_read,
    require_write,
    validated,
)

from . import concentration, selectors, services, workloads
from . import workload_selectors as wl_selectors
from .filters import ContractFilter, VendorFilter
from .forms import CapacityLineForm, ClauseForm, ContractForm, VendorForm
from .models import (
    CapacityBand,
    Contract,
    Criticality,
    Dependency,
    ExitRightClause,
    ExitRightKind,
    LatencySensitivity,
    Layer,
    Vendor,
    WorkloadTier,
)
from .workload_forms import DependencyForm, WorkloadFilter, WorkloadForm

router = Router()

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
CriticalityValue = choices(Criticality)
Latency = choices(LatencySensitivity)


class PersonOut(Schema):
    id: int
    username: str
    name: str


def person(user) -> dict | None:
    if user is None:
        return None
    return {"id": user.pk, "username": user.get_username(), "name": user.get_full_name()}


def _owner_pk(username: str | None, field: str = "owner"):
    """The form takes a user id; the API takes the username, which other systems know."""
    if not username:
        return ""
    user = get_user_model().objects.filter(username=username, is_active=True).only("pk").first()
    if user is None:
        raise invalid({field: [f"No active user with the username “{username}”."]})
    return user.pk


def _layer_pks(codes: list[str], field: str = "layers") -> list[int]:
    found = dict(Layer.objects.filter(code__in=codes).values_list("code", "pk"))
    unknown = [code for code in codes if code not in found]
    if unknown:
        known = ", ".join(Layer.objects.values_list("code", flat=True))
        raise invalid({field: [f"Unknown layer code(s): {', '.join(unknown)}. Known: {known}."]})
    return [found[code] for code in codes]


def _apply(data: dict, payload: Schema, converters: dict | None = None, *, create: bool = False) -> dict:
    """Overlay the client's fields on form data, converted for the form.

    Update (PATCH): every field sent counts, null included (it clears). Create: a null or
    missing field takes the default in `data`.
    """
    converters = converters or {}
    dumped = payload.model_dump(exclude_none=True) if create else payload.model_dump(exclude_unset=True)
    for name, value in dumped.items():
        convert = converters.get(name)
        if value is None:
            data[name] = ""  # null clears the field (the form says whether it may be empty)
        else:
            data[name] = convert(value) if convert else value
    return data


# Reference data ---------------------------------------------------------------------------


class LayerOut(Schema):
    code: str
    name: str


class ExitRightKindOut(Schema):
    code: str
    name: str
    description: str
    is_active: bool


@router.get("/layers", response={200: list[LayerOut], **ERROR_RESPONSES}, tags=["Reference"])
def layer_list(request):
    """The layers of the stack a vendor can supply (codes used by vendors and dependencies)."""
    require_read(request)
    return Layer.objects.order_by("position", "name")


@router.get(
    "/exit-right-kinds", response={200: list[ExitRightKindOut], **ERROR_RESPONSES}, tags=["Reference"]
)
def exit_right_kind_list(request):
    """The kinds of exit right every contract is checked for."""
    require_read(request)
    return ExitRightKind.objects.all()


# Vendors ----------------------------------------------------------------------------------


class VendorRef(Schema):
    id: int
    name: str


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
        "layers": lambda codes: _layer_pks(codes or []),
        "owner": _owner_pk,
    }


def _transition_errors(form, transitions: dict, current: str, choices, label: str):
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
    require_write(
        request, policies.can_edit_vendors(request.user), "Adding vendors needs the procurement role."
    )
    data = _apply({"owner": "", "status": Vendor.Status.PROSPECT}, payload, _vendor_converters(), create=True)
    form = validated(VendorForm(data))
    vendor = services.vendor_create(actor=request.user, **form.service_data())
    return Status(201, _vendor_out(request, vendor.pk))


@router.patch("/vendors/{vendor_id}", response={200: VendorOut, **WRITE_RESPONSES}, tags=["Vendors"])
def vendor_update(request, vendor_id: Path[Id], payload: VendorPatch):
    """Change the fields sent; the others keep their values. Status moves as on the page."""
    vendor = selectors.vendor_for_user(request.user, vendor_id)
    require_write(
        request, policies.can_edit_vendors(request.user), "Editing vendors needs the procurement role."
    )
    data = _apply(form_data_of(VendorForm(instance=vendor)), payload, _vendor_converters())
    form = VendorForm(data, instance=vendor)
    if not form.is_valid():
        _transition_errors(form, services.VENDOR_TRANSITIONS, vendor.status, Vendor.Status, "vendor")
    form = validated(form)
    original = selectors.vendor_for_user(request.user, vendor_id)
    services.vendor_update(actor=request.user, vendor=original, **form.service_data())
    return _vendor_out(request, vendor_id)


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
    require_write(
        request, policies.can_edit_contracts(request.user), "Adding contracts needs the procurement role."
    )
    if vendor is None:
        raise invalid({"vendor": [f"No vendor with id {payload.vendor}."]})
    data = _apply({"status": Contract.Status.DRAFT, "notice_period_days": 90}, payload, create=True)
    form = validated(ContractForm(data, vendor=vendor))
    contract = services.contract_create(actor=request.user, vendor=vendor, **form.service_data())
    return Status(201, _contract_out(request, contract.pk))


@router.patch(
    "/contracts/{contract_id}", response={200: ContractDetailOut, **WRITE_RESPONSES}, tags=["Contracts"]
)
def contract_update(request, contract_id: Path[Id], payload: ContractPatch):
    contract = selectors.contract_for_user(request.user, contract_id)
    require_write(
        request, policies.can_edit_contracts(request.user), "Editing contracts needs the procurement role."
    )
    form_kwargs = {"instance": contract, "vendor": contract.vendor}
    data = _apply(form_data_of(ContractForm(**form_kwargs)), payload)
    form = ContractForm(data, **form_kwargs)
    if not form.is_valid():
        _transition_errors(form, services.CONTRACT_TRANSITIONS, contract.status, Contract.Status, "contract")
    form = validated(form)
    original = selectors.contract_for_user(request.user, contract_id)
    services.contract_update(actor=request.user, contract=original, **form.service_data())
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
    require_write(
        request, policies.can_edit_clauses(request.user), "Recording exit rights needs the legal role."
    )
    clause = contract.clauses.filter(kind=exit_kind).first()
    form = validated(ClauseForm(payload.model_dump(), instance=clause))
    services.clause_set(actor=request.user, contract=contract, kind=exit_kind, **form.cleaned_data)
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
    require_write(
        request, policies.can_edit_contracts(request.user), "Editing contracts needs the procurement role."
    )
    form = validated(CapacityLineForm(payload.model_dump()))
    line = services.capacity_line_add(actor=request.user, contract=contract, **form.cleaned_data)
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


# Workloads and dependencies ---------------------------------------------------------------


class DependencyOut(Schema):
    id: int
    vendor: VendorRef
    layer: str = Field(..., description="Layer code.")
    band: Band | Literal[""] = Field(..., description="Capacity band (compute only; empty otherwise).")
    amount: Decimal = Field(..., description="GPUs for compute; percent of the need for other layers.")
    region: str
    notes: str
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_vendor(obj):
        return {"id": obj.vendor_id, "name": obj.vendor.name}

    @staticmethod
    def resolve_layer(obj) -> str:
        return obj.layer.code


RehearsalDue = Literal[tuple(wl_selectors.DUE_LABELS)]  # type: ignore[valid-type]


class WorkloadOut(Schema):
    id: int
    name: str
    owner: PersonOut | None
    team: str
    tier: Tier
    criticality: CriticalityValue
    rpo_minutes: int
    rto_minutes: int
    latency_sensitivity: Latency
    notes: str
    last_rehearsed_on: date | None
    rehearsal_due: RehearsalDue = Field(..., description="never, overdue, soon (within 30 days) or current.")
    next_rehearsal_due: date | None
    created_at: datetime
    updated_at: datetime
    url: str

    @staticmethod
    def resolve_owner(obj):
        return person(obj.owner)

    @staticmethod
    def resolve_rehearsal_due(obj) -> str:
        return wl_selectors.due_status(obj.last_rehearsed_on)

    @staticmethod
    def resolve_next_rehearsal_due(obj):
        return workloads.next_rehearsal_due(obj.last_rehearsed_on)

    @staticmethod
    def resolve_url(obj, context) -> str:
        return context["request"].build_absolute_uri(reverse("workloads:workload-detail", args=[obj.pk]))


class WorkloadListOut(WorkloadOut):
    dependency_count: int
    vendor_count: int


class WorkloadDetailOut(WorkloadOut):
    dependencies: list[DependencyOut]

    @staticmethod
    def resolve_dependencies(obj):
        return obj.dependencies_list


class WorkloadQuery(PageQuery):
    q: str | None = Field(None, max_length=200, description="Search in name, team, notes.")
    tier: Tier | None = None
    criticality: CriticalityValue | None = None
    vendor: Id | None = Field(None, description="Workloads depending on this vendor.")
    due: RehearsalDue | None = None
    sort: sort_choices("name", "criticality", "tier", "rto", "rehearsed") | None = None


class WorkloadFields(InputSchema):
    owner: Username | None = Field(None, description="Username of the owner; null for none.")
    team: str | None = Field(None, max_length=120)
    criticality: CriticalityValue | None = None
    rpo_minutes: StrictInt | None = Field(None, ge=0, le=2_147_483_647)
    rto_minutes: StrictInt | None = Field(None, ge=1, le=2_147_483_647)
    latency_sensitivity: Latency | None = None
    notes: str | None = Field(None, max_length=20_000)


class WorkloadIn(WorkloadFields):
    name: str = Field(..., max_length=200)
    tier: Tier
    rpo_minutes: StrictInt = Field(..., ge=0, le=2_147_483_647)
    rto_minutes: StrictInt = Field(..., ge=1, le=2_147_483_647)


class WorkloadPatch(WorkloadFields):
    name: str | None = Field(None, max_length=200)
    tier: Tier | None = None


def _workload_detail(request, pk: int):
    workload = wl_selectors.workload_detail(request.user, pk)
    workload.dependencies_list = wl_selectors.dependencies_of(workload)
    return workload


@router.get("/workloads", response={200: Page[WorkloadListOut], **ERROR_RESPONSES}, tags=["Workloads"])
def workload_list(request, query: Query[WorkloadQuery]):
    """Workloads, searched, filtered and sorted like the workload list page."""
    require_read(request)
    return paginate(request, filtered(WorkloadFilter, query, wl_selectors.workload_list(request.user)), query)


@router.get(
    "/workloads/{workload_id}", response={200: WorkloadDetailOut, **ERROR_RESPONSES}, tags=["Workloads"]
)
def workload_detail(request, workload_id: Path[Id]):
    """A workload with its dependencies, layer by layer."""
    return _workload_detail(request, workload_id)


@router.post("/workloads", response={201: WorkloadDetailOut, **WRITE_RESPONSES}, tags=["Workloads"])
def workload_create(request, payload: WorkloadIn):
    require_write(
        request,
        policies.can_edit_workloads(request.user),
        "Registering workloads needs the platform or procurement role.",
    )
    defaults = {
        "owner": "",
        "criticality": Criticality.MEDIUM,
        "latency_sensitivity": LatencySensitivity.BATCH,
    }
    form = validated(WorkloadForm(_apply(defaults, payload, {"owner": _owner_pk}, create=True)))
    workload = workloads.workload_create(actor=request.user, **form.cleaned_data)
    return Status(201, _workload_detail(request, workload.pk))


@router.patch(
    "/workloads/{workload_id}", response={200: WorkloadDetailOut, **WRITE_RESPONSES}, tags=["Workloads"]
)
def workload_update(request, workload_id: Path[Id], payload: WorkloadPatch):
    workload = wl_selectors.workload_for_user(request.user, workload_id)
    require_write(
        request,
        policies.can_edit_workloads(request.user),
        "Editing workloads needs the platform or procurement role.",
    )
    data = _apply(form_data_of(WorkloadForm(instance=workload)), payload, {"owner": _owner_pk})
    form = validated(WorkloadForm(data, instance=workload))
    changes = {name: form.cleaned_data[name] for name in form.changed_data}
    original = wl_selectors.workload_for_user(request.user, workload_id)
    workloads.workload_update(actor=request.user, workload=original, **changes)
    return _workload_detail(request, workload_id)


class DependencyFields(InputSchema):
    vendor: BodyId | None = None
    layer: Code | None = Field(None, description="Layer code (see /layers).")
    band: Band | Literal[""] | None = Field(None, description="Compute only: committed, burst or emergency.")
    amount: Decimal | None = Field(None, gt=0, max_digits=12, decimal_places=2)
    region: str | None = Field(None, max_length=100)
    notes: str | None = Field(None, max_length=300)


class DependencyIn(DependencyFields):
    vendor: BodyId
    layer: Code
    amount: Decimal = Field(..., gt=0, max_digits=12, decimal_places=2)


def _dependency_converters() -> dict:
    return {"layer": lambda code: _layer_pks([code], "layer")[0]}


def _dependency_out(pk: int) -> Dependency:
    return Dependency.objects.select_related("vendor", "layer").get(pk=pk)


@router.get(
    "/workloads/{workload_id}/dependencies",
    response={200: list[DependencyOut], **ERROR_RESPONSES},
    tags=["Workloads"],
)
def dependency_list(request, workload_id: Path[Id]):
    workload = wl_selectors.workload_for_user(request.user, workload_id)
    return wl_selectors.dependencies_of(workload)


@router.post(
    "/workloads/{workload_id}/dependencies",
    response={201: DependencyOut, **WRITE_RESPONSES},
    tags=["Workloads"],
)
def dependency_add(request, workload_id: Path[Id], payload: DependencyIn):
    """Record that the workload relies on a vendor for a layer (and, for compute, a band)."""
    workload = wl_selectors.workload_for_user(request.user, workload_id)
    require_write(
        request,
        policies.can_edit_dependencies(request.user),
        "Editing dependencies needs the platform or procurement role.",
    )
    data = _apply({"band": "", "region": "", "notes": ""}, payload, _dependency_converters(), create=True)
    form = validated(DependencyForm(data, instance=Dependency(workload=workload)))
    fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
    dependency = workloads.dependency_add(actor=request.user, workload=workload, **fields)
    return Status(201, _dependency_out(dependency.pk))


@router.patch(
    "/workloads/{workload_id}/dependencies/{dependency_id}",
    response={200: DependencyOut, **WRITE_RESPONSES},
    tags=["Workloads"],
)
def dependency_update(request, workload_id: Path[Id], dependency_id: Path[Id], payload: DependencyFields):
    workload = wl_selectors.workload_for_user(request.user, workload_id)
    dependency = wl_selectors.dependency_for_user(request.user, workload, dependency_id)
    require_write(
        request,
        policies.can_edit_dependencies(request.user),
        "Editing dependencies needs the platform or procurement role.",
    )
    data = _apply(form_data_of(DependencyForm(instance=dependency)), payload, _dependency_converters())
    form = validated(DependencyForm(data, instance=dependency))
    changes = {name: form.cleaned_data[name] for name in form.changed_data}
    original = wl_selectors.dependency_for_user(request.user, workload, dependency_id)
    workloads.dependency_update(actor=request.user, dependency=original, **changes)
    return _dependency_out(dependency_id)


@router.delete(
    "/workloads/{workload_id}/dependencies/{dependency_id}",
    response={204: None, **WRITE_RESPONSES},
    tags=["Workloads"],
)
def dependency_remove(request, workload_id: Path[Id], dependency_id: Path[Id]):
    workload = wl_selectors.workload_for_user(request.user, workload_id)
    dependency = wl_selectors.dependency_for_user(request.user, workload, dependency_id)
    require_write(
        request,
        policies.can_edit_dependencies(request.user),
        "Editing dependencies needs the platform or procurement role.",
    )
    workloads.dependency_remove(actor=request.user, dependency=dependency)
    return Status(204, None)


# Concentration ----------------------------------------------------------------------------

FindingKindValue = Literal[tuple(concentration.FindingKind.ORDER)]  # type: ignore[valid-type]


class FindingOut(Schema):
    kind: FindingKindValue
    label: str
    workload_id: int
    workload_name: str
    reason: str
    vendor_ids: list[int]

    @staticmethod
    def resolve_vendor_ids(obj) -> list[int]:
        return sorted(obj.vendor_ids)


class FindingQuery(PageQuery):
    workload: Id | None = Field(None, description="Only this workload's findings.")
    kind: FindingKindValue | None = None


@router.get(
    "/concentration/findings", response={200: Page[FindingOut], **ERROR_RESPONSES}, tags=["Concentration"]
)
def finding_list(request, query: Query[FindingQuery]):
    """Concentration findings, worst kinds first, as on the concentration page."""
    require_read(request)
    scope = None
    if query.workload is not None:
        scope = wl_selectors.workloads_for(request.user).filter(pk=query.workload)
        if not scope.exists():
            raise invalid({"workload": [f"No workload with id {query.workload}."]})
    found = concentration.findings(scope)
    if query.kind:
        found = [finding for finding in found if finding.kind == query.kind]
    return paginate(request, found, query)
