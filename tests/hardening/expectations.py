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

from .world import MISSING_ID, World

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
# Everyone, signed in or not; "vendor_contact" holds a questionnaire portal link and no account.
EVERYONE = ANYONE_SIGNED_IN | {"anonymous", "vendor_contact"}
# Not signed in: sent to sign in on every page that is not public.
NOT_SIGNED_IN = frozenset({"anonymous", "vendor_contact"})
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


def _forecast(w):
    return {"pk": w.forecast.pk}


def _allocation(w):
    return {"pk": w.allocation.pk}


def _visibility(w):
    return {"pk": w.visibility.pk}


def _offer(w):
    return {"pk": w.offer.pk}


def _draft(w):
    return {"pk": w.draft.pk}


def _other_draft(w):
    return {"pk": w.other_draft.pk}


PAGES: dict[str, Page] = {
    # Core -------------------------------------------------------------------------------------
    "home": Page(get=ANYONE_SIGNED_IN),
    "healthz": Page(get=EVERYONE, public=True),
    # Sign-in (django-allauth, procurement/accounts.py) ----------------------------------------
    "account_login": Page(get=EVERYONE, post=EVERYONE, public=True, any_method=True),
    "account_logout": Page(post=ANYONE_SIGNED_IN, allowed_outcome="login"),
    "account_inactive": Page(get=EVERYONE, public=True, any_method=True),
    # Sign-up is closed: the page says so to everyone (signed-in people are sent home).
    "account_signup": Page(get=EVERYONE, post=EVERYONE, public=True, any_method=True),
    "account_reauthenticate": Page(get=ANYONE_SIGNED_IN, post=ANYONE_SIGNED_IN),
    # Two-factor: each person manages their own factors (adding or removing asks for the password
    # again first, so an empty POST here is sent to re-authenticate and changes nothing).
    "mfa_index": Page(get=ANYONE_SIGNED_IN, any_method=True),
    # The second step of a sign-in in progress: without one, back to the sign-in page (or home).
    "mfa_authenticate": Page(get=ANYONE_SIGNED_IN, post=ANYONE_SIGNED_IN, any_method=True),
    "mfa_reauthenticate": Page(get=ANYONE_SIGNED_IN, post=ANYONE_SIGNED_IN, any_method=True),
    "mfa_activate_totp": Page(get=ANYONE_SIGNED_IN, post=ANYONE_SIGNED_IN, any_method=True),
    # Nobody in the sweep has an authenticator app: nothing to deactivate or to show (404).
    "mfa_deactivate_totp": Page(get=NOBODY, any_method=True),
    "mfa_view_recovery_codes": Page(get=NOBODY, any_method=True),
    "mfa_generate_recovery_codes": Page(get=ANYONE_SIGNED_IN, post=ANYONE_SIGNED_IN, any_method=True),
    "mfa_download_recovery_codes": Page(get=NOBODY, any_method=True),
    "mfa_list_webauthn": Page(get=ANYONE_SIGNED_IN, any_method=True),
    "mfa_add_webauthn": Page(get=ANYONE_SIGNED_IN, post=ANYONE_SIGNED_IN, any_method=True),
    "mfa_reauthenticate_webauthn": Page(get=ANYONE_SIGNED_IN, post=ANYONE_SIGNED_IN, any_method=True),
    # A passkey's pages ask for the password again first, whoever asks; after that only one's
    # own passkeys are found (tests/procurement/test_two_factor.py).
    "mfa_remove_webauthn": Page(args=lambda w: {"pk": MISSING_ID}, get=ANYONE_SIGNED_IN, any_method=True),
    "mfa_edit_webauthn": Page(args=lambda w: {"pk": MISSING_ID}, get=ANYONE_SIGNED_IN, any_method=True),
    # Single sign-on (OIDC). Without a sign-in in progress these send visitors to sign in.
    "socialaccount_login_cancelled": Page(get=EVERYONE, public=True, any_method=True),
    "socialaccount_login_error": Page(get=ANYONE_SIGNED_IN, any_method=True, allowed_outcome="login"),
    "socialaccount_signup": Page(get=ANYONE_SIGNED_IN, any_method=True, allowed_outcome="login"),
    # No IdP is configured in the sweep (tests/procurement/test_sso.py runs one): an unknown
    # provider is a 404 for everyone.
    "openid_connect_login": Page(
        args=lambda w: {"provider_id": "sso"}, get=NOBODY, post=NOBODY, public=True, any_method=True
    ),
    "openid_connect_callback": Page(
        args=lambda w: {"provider_id": "sso"}, get=NOBODY, post=NOBODY, public=True, any_method=True
    ),
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
    # Capacity planning ------------------------------------------------------------------------
    "capacity:plan": Page(get=READERS),
    "capacity:forecast-list": Page(get=READERS),
    "capacity:forecast-create": Page(get=WORKLOAD_EDITORS, post=WORKLOAD_EDITORS),
    "capacity:forecast-export": Page(get=READERS),
    "capacity:forecast-import": Page(get=WORKLOAD_EDITORS, post=WORKLOAD_EDITORS),
    "capacity:forecast-edit": Page(args=_forecast, get=WORKLOAD_EDITORS, post=WORKLOAD_EDITORS),
    "capacity:forecast-delete": Page(args=_forecast, get=WORKLOAD_EDITORS, post=WORKLOAD_EDITORS),
    "capacity:allocation-list": Page(get=READERS),
    "capacity:allocation-create": Page(get=WORKLOAD_EDITORS, post=WORKLOAD_EDITORS),
    "capacity:allocation-edit": Page(args=_allocation, get=WORKLOAD_EDITORS, post=WORKLOAD_EDITORS),
    "capacity:allocation-delete": Page(args=_allocation, get=WORKLOAD_EDITORS, post=WORKLOAD_EDITORS),
    "capacity:visibility-list": Page(get=READERS),
    "capacity:visibility-create": Page(get=PROCUREMENT, post=PROCUREMENT),
    "capacity:visibility-edit": Page(args=_visibility, get=PROCUREMENT, post=PROCUREMENT),
    # Total cost of execution ------------------------------------------------------------------
    "costs:offer-list": Page(get=READERS),
    "costs:offer-create": Page(get=PROCUREMENT, post=PROCUREMENT),
    "costs:offer-from-contract": Page(get=PROCUREMENT, post=PROCUREMENT),
    "costs:offer-detail": Page(args=_offer, get=READERS),
    "costs:offer-edit": Page(args=_offer, get=PROCUREMENT, post=PROCUREMENT),
    "costs:offer-delete": Page(args=_offer, get=PROCUREMENT, post=PROCUREMENT),
    "costs:rate-list": Page(get=READERS, post=PROCUREMENT),
    "costs:rate-delete": Page(args=lambda w: {"pk": w.exchange_rate.pk}, post=PROCUREMENT),
    "costs:delay-list": Page(get=READERS),
    "costs:delay-edit": Page(
        args=lambda w: {"tier": "experimental_training"}, get=PROCUREMENT, post=PROCUREMENT
    ),
    "costs:compare": Page(get=READERS),
    "costs:comparison-save": Page(post=PROCUREMENT),
    "costs:comparison-list": Page(get=READERS),
    "costs:comparison-detail": Page(args=lambda w: {"pk": w.comparison.pk}, get=READERS),
    # Offers' CSV (costs/csv_views.py)
    "costs:offer-export": Page(get=READERS),
    "costs:offer-import": Page(get=PROCUREMENT, post=PROCUREMENT),
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
    "scorecards:evaluation-tce-attach": Page(
        args=_draft, post=PROCUREMENT, others=Page(args=_other_draft, post=ADMIN)
    ),
    "scorecards:evaluation-tce-detach": Page(
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
    # Vendor questionnaires -----------------------------------------------------------------------
    "questionnaires:list": Page(get=READERS),
    "questionnaires:send": Page(get=PROCUREMENT, post=PROCUREMENT),
    "questionnaires:detail": Page(args=lambda w: {"pk": w.questionnaire.pk}, get=READERS),
    "questionnaires:export": Page(args=lambda w: {"pk": w.submitted_questionnaire.pk}, get=READERS),
    "questionnaires:reopen": Page(args=lambda w: {"pk": w.submitted_questionnaire.pk}, post=PROCUREMENT),
    "questionnaires:recipient-add": Page(args=lambda w: {"pk": w.questionnaire.pk}, post=PROCUREMENT),
    "questionnaires:recipient-revoke": Page(
        args=lambda w: {"pk": w.questionnaire.pk, "recipient_pk": w.recipient.pk},
        post=PROCUREMENT,
        # A contact named under another questionnaire's id: nobody reaches it that way.
        others=Page(
            args=lambda w: {"pk": w.submitted_questionnaire.pk, "recipient_pk": w.recipient.pk}, post=NOBODY
        ),
    ),
    "questionnaires:recipient-link": Page(
        args=lambda w: {"pk": w.questionnaire.pk, "recipient_pk": w.recipient.pk},
        post=PROCUREMENT,
        others=Page(
            args=lambda w: {"pk": w.submitted_questionnaire.pk, "recipient_pk": w.recipient.pk}, post=NOBODY
        ),
    ),
    "questionnaires:answer-detail": Page(
        args=lambda w: {"pk": w.submitted_questionnaire.pk, "answer_pk": w.answer.pk},
        get=READERS,
        others=Page(args=lambda w: {"pk": w.questionnaire.pk, "answer_pk": w.answer.pk}, get=NOBODY),
    ),
    "questionnaires:answer-review": Page(
        args=lambda w: {"pk": w.submitted_questionnaire.pk, "answer_pk": w.answer.pk}, post=PROCUREMENT
    ),
    "questionnaires:file-download": Page(args=lambda w: {"pk": w.portal_file.pk}, get=READERS),
    # The portal answers whoever holds a valid link, signed in or not; a revoked link nobody.
    "questionnaires:portal": Page(
        args=lambda w: {"token": w.portal_token},
        get=EVERYONE,
        post=EVERYONE,
        public=True,
        others=Page(args=lambda w: {"token": w.revoked_token}, get=NOBODY, post=NOBODY, public=True),
    ),
    "questionnaires:portal-file-remove": Page(
        args=lambda w: {"token": w.portal_token, "file_pk": w.portal_file.pk},
        post=EVERYONE,
        public=True,
        # Another questionnaire's link cannot reach this questionnaire's file.
        others=Page(
            args=lambda w: {"token": w.other_portal_token, "file_pk": w.portal_file.pk},
            post=NOBODY,
            public=True,
        ),
    ),
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
    "api-v1:capacity_plan": Api("GET", READERS),
    "api-v1:capacity_forecast_list": Api("GET", READERS),
    "api-v1:capacity_forecast_create": Api(
        "POST",
        WORKLOAD_EDITORS,
        body=lambda w: {
            "tier": "reserve",
            "quarter": "2027-Q3",
            "p50_gpu_hours": 1000,
            "p90_gpu_hours": 2000,
        },
    ),
    "api-v1:capacity_forecast_update": Api(
        "PATCH",
        WORKLOAD_EDITORS,
        args=lambda w: {"forecast_id": w.forecast.pk},
        body=lambda w: {"p90_gpu_hours": 900_000},
    ),
    "api-v1:capacity_forecast_delete": Api(
        "DELETE", WORKLOAD_EDITORS, args=lambda w: {"forecast_id": w.forecast.pk}
    ),
    "api-v1:capacity_allocation_list": Api("GET", READERS),
    "api-v1:capacity_allocation_create": Api(
        "POST",
        WORKLOAD_EDITORS,
        body=lambda w: {"line": w.capacity_line.pk, "tier": "reserve", "share_percent": "10"},
    ),
    "api-v1:capacity_allocation_delete": Api(
        "DELETE", WORKLOAD_EDITORS, args=lambda w: {"allocation_id": w.allocation.pk}
    ),
    "api-v1:capacity_visibility_list": Api("GET", READERS),
    "api-v1:capacity_visibility_create": Api(
        "POST",
        PROCUREMENT,
        body=lambda w: {"vendor": w.vendor.pk, "recorded_on": "2026-01-05", "lead_time_days": 60},
    ),
    "api-v1:costs_offer_list": Api("GET", READERS),
    "api-v1:costs_offer_detail": Api("GET", READERS, args=lambda w: {"offer_id": w.offer.pk}),
    "api-v1:costs_offer_create": Api(
        "POST",
        PROCUREMENT,
        body=lambda w: {
            "vendor": w.vendor.pk,
            "name": "Burst pool",
            "billing_currency": "EUR",
            "lines": [
                {
                    "band": "burst",
                    "accelerator_class": "H100 80GB",
                    "quantity": 16,
                    "contracted_unit_price": "4.10",
                    "effective_unit_price": "4.10",
                }
            ],
        },
    ),
    "api-v1:costs_offer_update": Api(
        "PATCH",
        PROCUREMENT,
        args=lambda w: {"offer_id": w.offer.pk},
        body=lambda w: {"queue_wait_hours": "72"},
    ),
    "api-v1:costs_offer_delete": Api("DELETE", PROCUREMENT, args=lambda w: {"offer_id": w.offer.pk}),
    "api-v1:costs_exchange_rate_list": Api("GET", READERS),
    "api-v1:costs_exchange_rate_create": Api(
        "POST",
        PROCUREMENT,
        body=lambda w: {"base_currency": "GBP", "quote_currency": "EUR", "rate": "1.17", "on": "2026-01-05"},
    ),
    "api-v1:costs_comparison_list": Api("GET", READERS),
    "api-v1:costs_comparison_detail": Api("GET", READERS, args=lambda w: {"comparison_id": w.comparison.pk}),
    "api-v1:costs_comparison_create": Api(
        "POST",
        PROCUREMENT,
        body=lambda w: {
            "name": "Training 2027 (USD offer)",
            "tier": "experimental_training",
            "offers": [w.offer.pk],
            "gpu_hours_per_month": "4000",
            "horizon_months": 12,
            "reporting_currency": "EUR",
            "as_of": "2026-01-05",
        },
    ),
    "api-v1:evaluation_list": Api("GET", READERS),
    "api-v1:evaluation_detail": Api("GET", READERS, args=lambda w: {"evaluation_id": w.draft.pk}),
    "api-v1:decision_record": Api("GET", READERS, args=lambda w: {"evaluation_id": w.decided.pk}),
    "api-v1:decision_record_pdf": Api("GET", READERS, args=lambda w: {"evaluation_id": w.decided.pk}),
    "api-v1:questionnaire_list": Api("GET", READERS),
    "api-v1:questionnaire_detail": Api(
        "GET", READERS, args=lambda w: {"questionnaire_id": w.questionnaire.pk}
    ),
    "api-v1:questionnaire_send": Api(
        "POST",
        PROCUREMENT,
        body=lambda w: {
            "vendor": w.vendor.pk,
            "title": "Matrix questionnaire",
            "due_date": "2099-01-01",
            "contacts": [{"name": "Ann Lee", "email": "ann@vendor.example"}],
        },
    ),
    "api-v1:recipient_revoke": Api(
        "POST",
        PROCUREMENT,
        args=lambda w: {"questionnaire_id": w.questionnaire.pk, "recipient_id": w.recipient.pk},
    ),
    "api-v1:answer_list": Api(
        "GET", READERS, args=lambda w: {"questionnaire_id": w.submitted_questionnaire.pk}
    ),
    "api-v1:dora_entity_list": Api("GET", READERS),
    "api-v1:dora_provider_list": Api("GET", READERS),
    "api-v1:dora_submission_list": Api("GET", READERS),
    "api-v1:dora_submission_detail": Api("GET", READERS, args=lambda w: {"submission_id": w.submission.pk}),
    "api-v1:audit_event_list": Api("GET", AUDIT_READERS),
    "api-v1:audit_event_detail": Api("GET", AUDIT_READERS, args=lambda w: {"sequence": 1}),
}

# Patterns that are catch-alls rather than pages: anything unknown under /api/ is a JSON 404.
CATCH_ALLS = {"api-v1:unknown-endpoint", "api/^.*$"}
