"""Who may do what on every URL: the table the access matrix checks the URLconf against.

ADDING A URL? Add an entry here under its name ("namespace:name", as reverse() takes it):
`Page(...)` for a page or form, `Api(...)` for an operation of the JSON API. Name the
principals allowed for each method; everyone else signed in must be refused (403, or 404 for an
object outside their scope), anonymous visitors are sent to sign in (401 on the API), and a
method you do not list must answer 405. `others=` describes the same URL on someone else's
object (another author's draft, another person's token). The admin site is checked as a whole.
"""

from collections.abc import Callable
from dataclasses import dataclass

from vendors.models import WorkloadTier

from .world import World

# "anonymous" in a set means the page serves visitors who are not signed in.
ANYONE_SIGNED_IN = frozenset(
    {"no_role", "procurement", "legal", "finance", "security", "platform", "auditor", "admin"}
)
READERS = ANYONE_SIGNED_IN - {"no_role"}
# Everyone who works in the register: readers except auditors, who only read.
WORKERS = READERS - {"auditor"}
PROCUREMENT = frozenset({"procurement", "admin"})
LEGAL = frozenset({"legal", "admin"})
WORKLOAD_EDITORS = frozenset({"platform", "procurement", "admin"})
AUDIT_READERS = frozenset({"auditor", "admin"})
ADMIN = frozenset({"admin"})
DORA_EDITORS = frozenset({"procurement", "security", "admin"})
SIGNERS = frozenset({"legal", "finance", "security", "platform"})
EVERYONE = ANYONE_SIGNED_IN | {"anonymous"}
NOBODY: frozenset = frozenset()

Args = Callable[[World], dict]


@dataclass(frozen=True)
class Page:
    args: Args | None = None
    get: frozenset | None = None  # who may GET; None: GET answers 405
    post: frozenset | None = None  # who may POST (an empty form); None: POST answers 405
    public: bool = False  # answers anonymous visitors itself (no sign-in redirect)
    others: "Page | None" = None  # the same URL on someone else's object
    # What an allowed request leads to: "ok", or "login" for signing out.
    allowed_outcome: str = "ok"
    # Views that answer every method alike (Django's login, ninja's schema and docs): GET only.
    any_method: bool = False


@dataclass(frozen=True)
class Api:
    method: str
    allowed: frozenset
    args: Args | None = None
    body: Callable[[World], dict] | None = None  # a valid body, so refusals are about access


def _vendor(w):
    return {"pk": w.vendor.pk}


def _contract(w):
    return {"pk": w.contract.pk}


def _workload(w):
    return {"pk": w.workload.pk}


def _dependency(w):
    return {"pk": w.workload.pk, "dependency_pk": w.dependency.pk}


def _rehearsal(w):
    return {"pk": w.workload.pk, "rehearsal_pk": w.rehearsal.pk}


def _draft(w):
    return {"pk": w.draft.pk}


def _other_draft(w):
    return {"pk": w.other_draft.pk}


PAGES: dict[str, Page] = {
    # Core -------------------------------------------------------------------------------------
    "home": Page(get=ANYONE_SIGNED_IN),
    "healthz": Page(get=EVERYONE, public=True),
    "login": Page(get=EVERYONE, post=EVERYONE, public=True, any_method=True),
    "logout": Page(post=ANYONE_SIGNED_IN, allowed_outcome="login"),
    "profile": Page(get=ANYONE_SIGNED_IN, post=ANYONE_SIGNED_IN),
    # Your own reminder choices; without a role there is nothing to be reminded of, but no harm.
    "reminder-preferences": Page(post=ANYONE_SIGNED_IN),
    "api-token-revoke": Page(
        args=lambda w: {"pk": w.own_token.pk},
        post=frozenset({"procurement"}),
        # Tokens are personal: nobody else, admins included, reaches another person's token.
        others=Page(args=lambda w: {"pk": w.other_token.pk}, post=NOBODY),
    ),
    # Audit trail ------------------------------------------------------------------------------
    "audit:event-list": Page(get=AUDIT_READERS),
    "audit:event-export": Page(get=AUDIT_READERS),
    "audit:verify": Page(post=AUDIT_READERS),
    "audit:object-history": Page(
        args=lambda w: {"object_type": "vendors.vendor", "object_id": str(w.vendor.pk)},
        get=READERS,
        others=Page(
            args=lambda w: {"object_type": "auth.user", "object_id": str(w.users["procurement"].pk)},
            get=AUDIT_READERS,
        ),
    ),
    # Vendors and contracts --------------------------------------------------------------------
    "vendors:vendor-list": Page(get=READERS),
    "vendors:vendor-create": Page(get=PROCUREMENT, post=PROCUREMENT),
    "vendors:vendor-export": Page(get=READERS),
    "vendors:vendor-import": Page(get=PROCUREMENT, post=PROCUREMENT),
    "vendors:vendor-detail": Page(args=_vendor, get=READERS),
    "vendors:vendor-edit": Page(args=_vendor, get=PROCUREMENT, post=PROCUREMENT),
    "vendors:vendor-delete": Page(
        args=lambda w: {"pk": w.lonely_vendor.pk}, get=PROCUREMENT, post=PROCUREMENT
    ),
    "vendors:contract-create": Page(
        args=lambda w: {"vendor_pk": w.vendor.pk}, get=PROCUREMENT, post=PROCUREMENT
    ),
    "vendors:contract-list": Page(get=READERS),
    "vendors:contract-export": Page(get=READERS),
    "vendors:contract-import": Page(get=PROCUREMENT, post=PROCUREMENT),
    "vendors:contract-detail": Page(args=_contract, get=READERS),
    "vendors:contract-edit": Page(args=_contract, get=PROCUREMENT, post=PROCUREMENT),
    "vendors:contract-delete": Page(args=_contract, get=PROCUREMENT, post=PROCUREMENT),
    "vendors:capacity-line-add": Page(args=_contract, post=PROCUREMENT),
    "vendors:capacity-line-remove": Page(
        args=lambda w: {"pk": w.contract.pk, "line_pk": w.capacity_line.pk}, post=PROCUREMENT
    ),
    "vendors:document-upload": Page(args=_contract, post=PROCUREMENT),
    "vendors:document-download": Page(
        args=lambda w: {"pk": w.contract.pk, "document_pk": w.document.pk}, get=READERS
    ),
    "vendors:clause-row": Page(args=lambda w: {"pk": w.contract.pk, "code": w.clause_code}, get=READERS),
    "vendors:clause-edit": Page(
        args=lambda w: {"pk": w.contract.pk, "code": w.clause_code}, get=LEGAL, post=LEGAL
    ),
    # Workloads and concentration --------------------------------------------------------------
    "resilience:workload-list": Page(get=READERS),
    "resilience:workload-create": Page(get=WORKLOAD_EDITORS, post=WORKLOAD_EDITORS),
    "resilience:workload-detail": Page(args=_workload, get=READERS),
    "resilience:workload-edit": Page(args=_workload, get=WORKLOAD_EDITORS, post=WORKLOAD_EDITORS),
    "resilience:dependency-add": Page(args=_workload, get=WORKLOAD_EDITORS, post=WORKLOAD_EDITORS),
    "resilience:dependency-row": Page(args=_dependency, get=READERS),
    "resilience:dependency-edit": Page(args=_dependency, get=WORKLOAD_EDITORS, post=WORKLOAD_EDITORS),
    "resilience:dependency-remove": Page(args=_dependency, post=WORKLOAD_EDITORS),
    "resilience:rehearsal-create": Page(args=_workload, get=WORKLOAD_EDITORS, post=WORKLOAD_EDITORS),
    "resilience:rehearsal-detail": Page(args=_rehearsal, get=READERS),
    "resilience:rehearsal-edit": Page(args=_rehearsal, get=WORKLOAD_EDITORS, post=WORKLOAD_EDITORS),
    "resilience:concentration": Page(get=READERS),
    "resilience:loss-scenario": Page(get=READERS),
    "resilience:vendor-exposure": Page(args=lambda w: {"vendor_pk": w.vendor.pk}, get=READERS),
    # Evaluations, sign-off and decision records -----------------------------------------------
    "scorecards:evaluation-list": Page(get=READERS),
    "scorecards:evaluation-create": Page(get=PROCUREMENT, post=PROCUREMENT),
    "scorecards:evaluation-compare": Page(get=READERS),
    "scorecards:evaluation-detail": Page(args=_draft, get=READERS),
    "scorecards:evaluation-edit": Page(
        args=_draft, get=PROCUREMENT, post=PROCUREMENT, others=Page(args=_other_draft, get=ADMIN, post=ADMIN)
    ),
    "scorecards:evaluation-scores": Page(
        args=_draft, get=PROCUREMENT, post=PROCUREMENT, others=Page(args=_other_draft, get=ADMIN, post=ADMIN)
    ),
    "scorecards:evaluation-scores-preview": Page(
        args=_draft, post=PROCUREMENT, others=Page(args=_other_draft, post=ADMIN)
    ),
    "scorecards:record-status": Page(args=_draft, get=READERS),
    "scorecards:record-download": Page(args=lambda w: {"pk": w.decided.pk}, get=READERS),
    "scorecards:record-preview": Page(args=_draft, get=READERS),
    "scorecards:record-retry": Page(args=lambda w: {"pk": w.decided.pk}, post=WORKERS),
    "scorecards:record-verify": Page(get=READERS, post=READERS),
    "scorecards:evaluation-submit": Page(
        args=_draft, post=PROCUREMENT, others=Page(args=_other_draft, post=ADMIN)
    ),
    # The submitted evaluation needs legal, finance and platform; its author is someone else.
    "scorecards:evaluation-sign": Page(
        args=lambda w: {"pk": w.submitted.pk},
        # Holders of a signing role open the form; the service refuses a role not required.
        get=frozenset({"legal", "finance", "security", "platform"}),
        post=frozenset({"legal", "finance", "security", "platform"}),
    ),
    "scorecards:evaluation-withdraw": Page(
        args=_draft, post=PROCUREMENT, others=Page(args=_other_draft, post=ADMIN)
    ),
    "scorecards:evaluation-revise": Page(args=lambda w: {"pk": w.decided.pk}, post=PROCUREMENT),
    "scorecards:signoff-inbox": Page(get=READERS),
    "scorecards:evidence-download": Page(args=lambda w: {"pk": w.evidence.pk}, get=READERS),
    "scorecards:evidence-delete": Page(args=lambda w: {"pk": w.evidence.pk}, post=PROCUREMENT),
    "scorecards:vendor-history": Page(args=lambda w: {"vendor_pk": w.vendor.pk}, get=READERS),
    "scorecards:template-list": Page(get=READERS),
    "scorecards:template-create": Page(get=ADMIN, post=ADMIN),
    "scorecards:template-detail": Page(args=lambda w: {"pk": w.template.pk}, get=READERS),
    "scorecards:template-edit": Page(args=lambda w: {"pk": w.template.pk}, get=ADMIN, post=ADMIN),
    # DORA register of information --------------------------------------------------------------
    "dora:register": Page(get=READERS),
    "dora:lint": Page(get=READERS),
    "dora:package-download": Page(get=READERS),
    "dora:entity-create": Page(get=DORA_EDITORS, post=DORA_EDITORS),
    "dora:entity-edit": Page(args=lambda w: {"pk": w.dora_entity.pk}, get=DORA_EDITORS, post=DORA_EDITORS),
    "dora:vendor-record": Page(args=_vendor, get=DORA_EDITORS, post=DORA_EDITORS),
    "dora:contract-record": Page(args=_contract, get=READERS, post=DORA_EDITORS),
    "dora:override": Page(args=_contract, post=DORA_EDITORS),
    "dora:function-record": Page(args=_workload, get=DORA_EDITORS, post=DORA_EDITORS),
    "dora:submission-create": Page(post=DORA_EDITORS),
    "dora:submission-detail": Page(args=lambda w: {"pk": w.submission.pk}, get=READERS),
    # Holders of a signing role post the form; the service refuses a role not required.
    "dora:submission-sign": Page(args=lambda w: {"pk": w.submission.pk}, post=SIGNERS),
    "dora:submission-download": Page(args=lambda w: {"pk": w.submission.pk}, get=READERS),
    "dora:verify": Page(get=READERS, post=READERS),
    # API pages that are not operations ----------------------------------------------------------
    "api-v1:openapi-json": Page(get=EVERYONE, public=True, any_method=True),
    "api-v1:openapi-view": Page(get=EVERYONE, public=True, any_method=True),
    # django-ninja's root pattern: nothing is served there (the JSON 404 of unknown endpoints).
    "api-v1:api-root": Page(get=NOBODY, public=True, any_method=True),
}


def _tier():
    return WorkloadTier.values[0]


API: dict[str, Api] = {
    "api-v1:me": Api("GET", ANYONE_SIGNED_IN),
    "api-v1:layer_list": Api("GET", READERS),
    "api-v1:exit_right_kind_list": Api("GET", READERS),
    "api-v1:vendor_list": Api("GET", READERS),
    "api-v1:vendor_create": Api(
        "POST",
        PROCUREMENT,
        body=lambda w: {"name": "Matrix Vendor", "kind": "neocloud", "hq_jurisdiction": "Norway"},
    ),
    "api-v1:vendor_detail": Api("GET", READERS, args=lambda w: {"vendor_id": w.vendor.pk}),
    "api-v1:vendor_update": Api(
        "PATCH", PROCUREMENT, args=lambda w: {"vendor_id": w.vendor.pk}, body=lambda w: {"notes": "Checked."}
    ),
    "api-v1:contract_list": Api("GET", READERS),
    "api-v1:contract_create": Api(
        "POST",
        PROCUREMENT,
        body=lambda w: {
            "vendor": w.vendor.pk,
            "reference": "MX-1",
            "title": "Burst capacity",
            "start_date": "2026-01-01",
            "end_date": "2027-01-01",
            "committed_spend": "1000.00",
            "currency": "EUR",
        },
    ),
    "api-v1:contract_detail": Api("GET", READERS, args=lambda w: {"contract_id": w.contract.pk}),
    "api-v1:contract_update": Api(
        "PATCH",
        PROCUREMENT,
        args=lambda w: {"contract_id": w.contract.pk},
        body=lambda w: {"title": "Renamed"},
    ),
    "api-v1:clause_set": Api(
        "PUT",
        LEGAL,
        args=lambda w: {"contract_id": w.contract.pk, "kind": w.clause_code},
        body=lambda w: {"status": "present", "reference": "§4.2", "text": "Either party may terminate."},
    ),
    "api-v1:capacity_line_add": Api(
        "POST",
        PROCUREMENT,
        args=lambda w: {"contract_id": w.contract.pk},
        body=lambda w: {"accelerator_model": "H200", "count": 8, "region": "eu-west", "band": "burst"},
    ),
    "api-v1:capacity_line_remove": Api(
        "DELETE", PROCUREMENT, args=lambda w: {"contract_id": w.contract.pk, "line_id": w.capacity_line.pk}
    ),
    "api-v1:workload_list": Api("GET", READERS),
    "api-v1:workload_create": Api(
        "POST",
        WORKLOAD_EDITORS,
        body=lambda w: {"name": "Batch scoring", "tier": _tier(), "rpo_minutes": 60, "rto_minutes": 240},
    ),
    "api-v1:workload_detail": Api("GET", READERS, args=lambda w: {"workload_id": w.workload.pk}),
    "api-v1:workload_update": Api(
        "PATCH",
        WORKLOAD_EDITORS,
        args=lambda w: {"workload_id": w.workload.pk},
        body=lambda w: {"notes": "Checked."},
    ),
    "api-v1:dependency_list": Api("GET", READERS, args=lambda w: {"workload_id": w.workload.pk}),
    "api-v1:dependency_add": Api(
        "POST",
        WORKLOAD_EDITORS,
        args=lambda w: {"workload_id": w.workload.pk},
        body=lambda w: {"vendor": w.vendor.pk, "layer": "storage", "amount": "50"},
    ),
    "api-v1:dependency_update": Api(
        "PATCH",
        WORKLOAD_EDITORS,
        args=lambda w: {"workload_id": w.workload.pk, "dependency_id": w.dependency.pk},
        body=lambda w: {"amount": "32"},
    ),
    "api-v1:dependency_remove": Api(
        "DELETE",
        WORKLOAD_EDITORS,
        args=lambda w: {"workload_id": w.workload.pk, "dependency_id": w.dependency.pk},
    ),
    "api-v1:finding_list": Api("GET", READERS),
    "api-v1:evaluation_list": Api("GET", READERS),
    "api-v1:evaluation_detail": Api("GET", READERS, args=lambda w: {"evaluation_id": w.draft.pk}),
    "api-v1:decision_record": Api("GET", READERS, args=lambda w: {"evaluation_id": w.decided.pk}),
    "api-v1:decision_record_pdf": Api("GET", READERS, args=lambda w: {"evaluation_id": w.decided.pk}),
    "api-v1:audit_event_list": Api("GET", AUDIT_READERS),
    "api-v1:audit_event_detail": Api("GET", AUDIT_READERS, args=lambda w: {"sequence": 1}),
}

# Patterns that are catch-alls rather than pages: anything unknown under /api/ is a JSON 404.
CATCH_ALLS = {"api-v1:unknown-endpoint", "api/^.*$"}
