"""JSON API of the register of information: its entities, providers' records and the packages
generated for submission with their SHA-256 and sign-offs. Read-only: the records change on the
register's pages, and signing a package needs a fresh strong authentication in the browser, as
evaluations do. Scoped like the pages (dora.selectors)."""

from datetime import date, datetime
from decimal import Decimal

from ninja import Field, Path, Query, Router, Schema

from procurement.api_support import ERROR_RESPONSES, Page, PageQuery, paginate, require_read
from vendors.api.fields import Id, PersonOut, VendorRef, choices, person

from . import selectors
from .models import Submission, SubmissionSignature

router = Router(tags=["DORA register of information"])

SubmissionStatus = choices(Submission.Status)
Decision = choices(SubmissionSignature.Decision)


class EntityOut(Schema):
    id: int
    name: str
    lei: str
    euid: str
    code_type: str = Field(..., description="eba_qCO:qx2000 (LEI) or eba_qCO:qx2002 (EUID).")
    country: str = Field(..., description="ISO 3166-1 alpha-2.")
    entity_type: str = Field(..., description="ESAs' code (list of entity types, B_01.02 c0040).")
    hierarchy: str
    parent_id: int | None
    competent_authority: str
    currency: str
    total_assets: Decimal | None
    maintains_register: bool
    created_at: datetime
    updated_at: datetime


class ProviderOut(Schema):
    id: int
    vendor: VendorRef
    lei: str
    euid: str
    code_type: str
    person_type: str
    country: str = Field(..., description="Country of headquarters, ISO 3166-1 alpha-2.")
    latin_name: str
    ultimate_parent: VendorRef | None = Field(..., description="Empty when it is its own.")
    updated_at: datetime

    @staticmethod
    def resolve_vendor(obj):
        return {"id": obj.vendor_id, "name": obj.vendor.name}

    @staticmethod
    def resolve_ultimate_parent(obj):
        parent = obj.ultimate_parent
        return {"id": parent.pk, "name": parent.name} if parent else None


class SubmissionOut(Schema):
    id: int
    ref_date: date
    filename: str
    sha256: str = Field(..., description="SHA-256 of the package's bytes, which signatures are bound to.")
    size: int = Field(..., description="Bytes.")
    status: SubmissionStatus
    author: PersonOut
    created_at: datetime
    decided_at: datetime | None
    warnings: int = Field(..., description="Lint warnings when it was generated (nothing blocked).")

    @staticmethod
    def resolve_author(obj):
        return person(obj.author)


class SignatureOut(Schema):
    signer: str
    decision: Decision
    comment: str
    meaning: str
    package_sha256: str
    signed_at: datetime
    authenticated_by: str = Field(..., description="password, totp, recovery_code, passkey or sso.")


class RequirementOut(Schema):
    role: str
    slot: int
    stage: int
    reason: str
    signature: SignatureOut | None

    @staticmethod
    def resolve_signature(obj):
        try:
            signature = obj.signature
        except SubmissionSignature.DoesNotExist:
            return None
        return {
            "signer": signature.signer_name,
            "decision": signature.decision,
            "comment": signature.comment,
            "meaning": signature.meaning,
            "package_sha256": signature.package_sha256,
            "signed_at": signature.signed_at,
            "authenticated_by": signature.authenticated_by,
        }


class SubmissionDetailOut(SubmissionOut):
    requirements: list[RequirementOut]

    @staticmethod
    def resolve_requirements(obj):
        return list(obj.requirements.all())


@router.get("/dora/entities", response={200: Page[EntityOut], **ERROR_RESPONSES})
def dora_entity_list(request, query: Query[PageQuery]):
    """Our financial entities in the register's scope, the reporting one first."""
    require_read(request)
    return paginate(
        request, selectors.entities_for(request.user).order_by("-maintains_register", "name", "pk"), query
    )


@router.get("/dora/providers", response={200: Page[ProviderOut], **ERROR_RESPONSES})
def dora_provider_list(request, query: Query[PageQuery]):
    """The vendors' records as ICT third-party service providers: codes, type, headquarters, parent."""
    require_read(request)
    return paginate(request, selectors.vendor_records_for(request.user).order_by("vendor__name", "pk"), query)


@router.get("/dora/submissions", response={200: Page[SubmissionOut], **ERROR_RESPONSES})
def dora_submission_list(request, query: Query[PageQuery]):
    """Packages generated for submission, newest first, with their SHA-256 and status."""
    require_read(request)
    return paginate(request, selectors.submissions_for(request.user).order_by("-created_at", "-pk"), query)


@router.get("/dora/submissions/{submission_id}", response={200: SubmissionDetailOut, **ERROR_RESPONSES})
def dora_submission_detail(request, submission_id: Path[Id]):
    """One package: its SHA-256, the sign-offs routed to it and the signatures bound to its hash."""
    require_read(request)
    return selectors.submission_for_user(request.user, submission_id)
