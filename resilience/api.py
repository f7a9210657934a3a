"""JSON API of resilience: workloads and their dependencies, concentration findings.

Each endpoint does what the matching page does (policy, selector, form, service)."""

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from django.urls import reverse
from ninja import Field, Path, Query, Router, Schema, Status
from pydantic import StrictInt

from procurement import policies
from procurement.api_support import (
    ERROR_RESPONSES,
    WRITE_RESPONSES,
    InputSchema,
    Page,
    PageQuery,
    filtered,
    invalid,
    paginate,
    require_read,
    require_write,
    write_through_form,
)
from vendors.api.fields import (
    Band,
    BodyId,
    Code,
    Id,
    PersonOut,
    Tier,
    Username,
    VendorRef,
    choices,
    layer_pks,
    owner_pk,
    person,
    sort_choices,
)

from . import concentration, selectors, services
from .forms import DependencyForm, WorkloadFilter, WorkloadForm
from .models import Criticality, Dependency, LatencySensitivity

router = Router()

CriticalityValue = choices(Criticality)
Latency = choices(LatencySensitivity)


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


RehearsalDue = Literal[tuple(selectors.DUE_LABELS)]  # type: ignore[valid-type]


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
        return selectors.due_status(obj.last_rehearsed_on)

    @staticmethod
    def resolve_next_rehearsal_due(obj):
        return services.next_rehearsal_due(obj.last_rehearsed_on)

    @staticmethod
    def resolve_url(obj, context) -> str:
        return context["request"].build_absolute_uri(reverse("resilience:workload-detail", args=[obj.pk]))


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
    workload = selectors.workload_detail(request.user, pk)
    workload.dependencies_list = selectors.dependencies_of(workload)
    return workload


@router.get("/workloads", response={200: Page[WorkloadListOut], **ERROR_RESPONSES}, tags=["Workloads"])
def workload_list(request, query: Query[WorkloadQuery]):
    """Workloads, searched, filtered and sorted like the workload list page."""
    require_read(request)
    return paginate(request, filtered(WorkloadFilter, query, selectors.workload_list(request.user)), query)


@router.get(
    "/workloads/{workload_id}", response={200: WorkloadDetailOut, **ERROR_RESPONSES}, tags=["Workloads"]
)
def workload_detail(request, workload_id: Path[Id]):
    """A workload with its dependencies, layer by layer."""
    return _workload_detail(request, workload_id)


@router.post("/workloads", response={201: WorkloadDetailOut, **WRITE_RESPONSES}, tags=["Workloads"])
def workload_create(request, payload: WorkloadIn):
    workload = write_through_form(
        request,
        allowed=policies.can_edit_workloads(request.user),
        refusal="Registering workloads needs the platform or procurement role.",
        form=WorkloadForm,
        payload=payload,
        defaults={
            "owner": "",
            "criticality": Criticality.MEDIUM,
            "latency_sensitivity": LatencySensitivity.BATCH,
        },
        converters={"owner": owner_pk},
        save=lambda form: services.workload_create(actor=request.user, **form.cleaned_data),
    )
    return Status(201, _workload_detail(request, workload.pk))


@router.patch(
    "/workloads/{workload_id}", response={200: WorkloadDetailOut, **WRITE_RESPONSES}, tags=["Workloads"]
)
def workload_update(request, workload_id: Path[Id], payload: WorkloadPatch):
    workload = selectors.workload_for_user(request.user, workload_id)
    write_through_form(
        request,
        allowed=policies.can_edit_workloads(request.user),
        refusal="Editing workloads needs the platform or procurement role.",
        form=lambda data: WorkloadForm(data, instance=workload),
        payload=payload,
        converters={"owner": owner_pk},
        save=lambda form: services.workload_update(
            actor=request.user,
            workload=selectors.workload_for_user(request.user, workload_id),
            **{name: form.cleaned_data[name] for name in form.changed_data},
        ),
    )
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
    return {"layer": lambda code: layer_pks([code], "layer")[0]}


def _dependency_out(pk: int) -> Dependency:
    return Dependency.objects.select_related("vendor", "layer").get(pk=pk)


@router.get(
    "/workloads/{workload_id}/dependencies",
    response={200: list[DependencyOut], **ERROR_RESPONSES},
    tags=["Workloads"],
)
def dependency_list(request, workload_id: Path[Id]):
    workload = selectors.workload_for_user(request.user, workload_id)
    return selectors.dependencies_of(workload)


@router.post(
    "/workloads/{workload_id}/dependencies",
    response={201: DependencyOut, **WRITE_RESPONSES},
    tags=["Workloads"],
)
def dependency_add(request, workload_id: Path[Id], payload: DependencyIn):
    """Record that the workload relies on a vendor for a layer (and, for compute, a band)."""
    workload = selectors.workload_for_user(request.user, workload_id)
    dependency = write_through_form(
        request,
        allowed=policies.can_edit_dependencies(request.user),
        refusal="Editing dependencies needs the platform or procurement role.",
        form=lambda data: DependencyForm(data, instance=Dependency(workload=workload)),
        payload=payload,
        defaults={"band": "", "region": "", "notes": ""},
        converters=_dependency_converters(),
        save=lambda form: services.dependency_add(
            actor=request.user,
            workload=workload,
            **{name: form.cleaned_data[name] for name in form.Meta.fields},
        ),
    )
    return Status(201, _dependency_out(dependency.pk))


@router.patch(
    "/workloads/{workload_id}/dependencies/{dependency_id}",
    response={200: DependencyOut, **WRITE_RESPONSES},
    tags=["Workloads"],
)
def dependency_update(request, workload_id: Path[Id], dependency_id: Path[Id], payload: DependencyFields):
    workload = selectors.workload_for_user(request.user, workload_id)
    dependency = selectors.dependency_for_user(request.user, workload, dependency_id)
    write_through_form(
        request,
        allowed=policies.can_edit_dependencies(request.user),
        refusal="Editing dependencies needs the platform or procurement role.",
        form=lambda data: DependencyForm(data, instance=dependency),
        payload=payload,
        converters=_dependency_converters(),
        save=lambda form: services.dependency_update(
            actor=request.user,
            dependency=selectors.dependency_for_user(request.user, workload, dependency_id),
            **{name: form.cleaned_data[name] for name in form.changed_data},
        ),
    )
    return _dependency_out(dependency_id)


@router.delete(
    "/workloads/{workload_id}/dependencies/{dependency_id}",
    response={204: None, **WRITE_RESPONSES},
    tags=["Workloads"],
)
def dependency_remove(request, workload_id: Path[Id], dependency_id: Path[Id]):
    workload = selectors.workload_for_user(request.user, workload_id)
    dependency = selectors.dependency_for_user(request.user, workload, dependency_id)
    require_write(
        request,
        policies.can_edit_dependencies(request.user),
        "Editing dependencies needs the platform or procurement role.",
    )
    services.dependency_remove(actor=request.user, dependency=dependency)
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
        scope = selectors.workloads_for(request.user).filter(pk=query.workload)
        if not scope.exists():
            raise invalid({"workload": [f"No workload with id {query.workload}."]})
    found = concentration.findings(scope)
    if query.kind:
        found = [finding for finding in found if finding.kind == query.kind]
    return paginate(request, found, query)
