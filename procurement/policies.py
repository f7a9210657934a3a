"""Who may do what: every permission check of the app, as small functions.

Roles are Django groups (created by a migration). Staff users are admins. Views and
selectors call these functions; nothing else decides access.
"""

from django.contrib.auth.models import AnonymousUser

PROCUREMENT = "procurement"
LEGAL = "legal"
FINANCE = "finance"
SECURITY = "security"
PLATFORM = "platform"
AUDITOR = "auditor"

ROLES = [PROCUREMENT, LEGAL, FINANCE, SECURITY, PLATFORM, AUDITOR]
ROLE_LABELS = {
    PROCUREMENT: "Procurement",
    LEGAL: "Legal",
    FINANCE: "Finance",
    SECURITY: "Security & compliance",
    PLATFORM: "Platform engineering",
    AUDITOR: "Auditor",
}
# The roles that sign evaluations off.
SIGNING_ROLES = [LEGAL, FINANCE, SECURITY, PLATFORM]


def roles_of(user) -> frozenset[str]:
    """The user's role names, read once per user object."""
    if user is None or isinstance(user, AnonymousUser) or not user.is_authenticated or not user.is_active:
        return frozenset()
    cached = getattr(user, "_role_names", None)
    if cached is None:
        cached = frozenset(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
        user._role_names = cached
    return cached


def has_role(user, role: str) -> bool:
    return role in roles_of(user)


def is_admin(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.is_staff)


def can_read(user) -> bool:
    """Every signed-in user with a role (or an admin) reads the register."""
    return is_admin(user) or bool(roles_of(user))


def is_read_only(user) -> bool:
    """Auditors read everything and change nothing."""
    return not is_admin(user) and roles_of(user) == frozenset({AUDITOR})


# Vendors and contracts -------------------------------------------------------------------


def can_edit_vendors(user) -> bool:
    return is_admin(user) or has_role(user, PROCUREMENT)


def can_edit_contracts(user) -> bool:
    return is_admin(user) or has_role(user, PROCUREMENT)


def can_edit_clauses(user) -> bool:
    return is_admin(user) or has_role(user, LEGAL)


# Audit trail ------------------------------------------------------------------------------


def can_view_audit_log(user) -> bool:
    return is_admin(user) or has_role(user, AUDITOR)


# Histories that tell when and from where people signed in: audit log readers only.
PRIVATE_HISTORY_TYPES = frozenset({"auth.user", "auth.group"})


def can_view_object_history(user, object_type: str) -> bool:
    """The history panel of an object: everyone who reads the register, except people's records."""
    if can_view_audit_log(user):
        return True
    return can_read(user) and object_type not in PRIVATE_HISTORY_TYPES


# Scorecards and evaluations --------------------------------------------------------------


def can_view_evaluations(user) -> bool:
    return can_read(user)


def can_create_evaluations(user) -> bool:
    return is_admin(user) or has_role(user, PROCUREMENT)


def can_edit_evaluation(user, evaluation) -> bool:
    """Drafts only, by their author (or an admin standing in), who must still hold procurement."""
    if not evaluation.is_draft or not can_create_evaluations(user):
        return False
    return is_admin(user) or evaluation.author_id == user.pk


def can_manage_templates(user) -> bool:
    return is_admin(user)


def can_submit_evaluation(user, evaluation) -> bool:
    return can_edit_evaluation(user, evaluation)


def can_withdraw_evaluation(user, evaluation) -> bool:
    """Before a decision, by the author (or an admin)."""
    if evaluation.status not in ("draft", "submitted"):
        return False
    return is_admin(user) or (evaluation.author_id == user.pk and can_create_evaluations(user))


def can_revise_evaluation(user, evaluation) -> bool:
    return evaluation.status in ("approved", "rejected") and can_create_evaluations(user)


def signing_roles(user, evaluation=None) -> list[str]:
    """The roles `user` may sign for; none on an evaluation they wrote (four eyes)."""
    if evaluation is not None and evaluation.author_id == user.pk:
        return []
    return [role for role in SIGNING_ROLES if has_role(user, role)]


def can_sign(user, evaluation, role: str) -> bool:
    return evaluation.status == "submitted" and role in signing_roles(user, evaluation)


# Sign-in -------------------------------------------------------------------------------------
# TWO_FACTOR_REQUIRED: who must have a second factor (an authenticator app or a passkey).
TWO_FACTOR_POLICIES = ("none", "signers", "all")


def two_factor_policy() -> str:
    """The admin's sign-in policy when set, else TWO_FACTOR_REQUIRED. Read at sign-in (and when a
    token is made), not on every request: the session keeps what applied when it began."""
    from django.conf import settings

    from .models import SignInPolicy

    policy = SignInPolicy.objects.filter(pk=1).values_list("two_factor_required", flat=True).first()
    return _checked(policy or settings.TWO_FACTOR_REQUIRED)


def setting_policy() -> str:
    """TWO_FACTOR_REQUIRED alone (no query)."""
    from django.conf import settings

    return _checked(settings.TWO_FACTOR_REQUIRED)


def _checked(policy: str | None) -> str:
    policy = (policy or "none").strip().lower()
    return policy if policy in TWO_FACTOR_POLICIES else "all"  # a typo must not switch it off


def must_use_second_factor(user, policy: str | None = None) -> bool:
    """Everyone under "all"; under "signers", whoever holds a signing role (admins too, who
    may grant themselves any role). `policy`: the one the person's session began with."""
    if user is None or not user.is_authenticated:
        return False
    policy = policy or two_factor_policy()
    if policy == "all":
        return True
    if policy == "signers":
        return is_admin(user) or bool(roles_of(user) & set(SIGNING_ROLES))
    return False


# Decision records (PDF) ----------------------------------------------------------------------
# Whoever sees an evaluation downloads its record (auditors and executives first of all).


def can_download_decision_record(user, evaluation) -> bool:
    return can_view_evaluations(user)


def can_retry_decision_record(user, evaluation) -> bool:
    """Re-run a failed issue: anyone who works on evaluations, not read-only auditors."""
    return can_view_evaluations(user) and not is_read_only(user)


def can_verify_decision_records(user) -> bool:
    return can_read(user)


# Workloads, dependencies and failover rehearsals -------------------------------------------
# Everyone with a role reads them (can_read); auditors only read.


def can_edit_workloads(user) -> bool:
    return is_admin(user) or has_role(user, PLATFORM) or has_role(user, PROCUREMENT)


def can_edit_dependencies(user) -> bool:
    return can_edit_workloads(user)


def can_record_rehearsals(user) -> bool:
    return can_edit_workloads(user)


# Capacity planning -------------------------------------------------------------------------
# Everyone with a role reads the plan (can_read); auditors only read.


def can_edit_forecasts(user) -> bool:
    return is_admin(user) or has_role(user, PROCUREMENT) or has_role(user, PLATFORM)


def can_edit_allocations(user) -> bool:
    return can_edit_forecasts(user)


def can_record_demand_visibility(user) -> bool:
    """What vendors tell us about their capacity is procurement's to record."""
    return is_admin(user) or has_role(user, PROCUREMENT)


# Total cost of execution ---------------------------------------------------------------------
# Everyone with a role reads offers, exchange rates, costs of delay and comparisons (can_read);
# procurement records offers and keeps the figures they are priced with.


def can_edit_offers(user) -> bool:
    return is_admin(user) or has_role(user, PROCUREMENT)


def can_edit_exchange_rates(user) -> bool:
    return can_edit_offers(user)


def can_set_cost_of_delay(user) -> bool:
    return can_edit_offers(user)


def can_save_comparisons(user) -> bool:
    return can_edit_offers(user)


# DORA register of information --------------------------------------------------------------
# Everyone with a role reads it (can_read). Procurement and compliance keep it and prepare the
# package; its sign-off goes to the signing roles the policies route it to.


def can_edit_dora_register(user) -> bool:
    return is_admin(user) or has_role(user, PROCUREMENT) or has_role(user, SECURITY)


def can_prepare_dora_submission(user) -> bool:
    return can_edit_dora_register(user)


def dora_signing_roles(user) -> list[str]:
    return [role for role in SIGNING_ROLES if has_role(user, role)]


# JSON API ---------------------------------------------------------------------------------
# The API applies the functions above, exactly as the pages do; a token acts with its owner's roles.


def can_use_api(user) -> bool:
    """Personal API tokens are for people who read the register (admins included)."""
    return can_read(user)


def can_write_through_api(user, token) -> bool:
    """A read-only token never writes, whatever its owner may do in the browser."""
    return token is None or not token.read_only


# Vendor questionnaires -------------------------------------------------------------------


def can_view_questionnaires(user) -> bool:
    return can_read(user)


def can_send_questionnaires(user) -> bool:
    """Sending, revoking, reviewing and reopening: procurement (or an admin)."""
    return is_admin(user) or has_role(user, PROCUREMENT)


def can_manage_questionnaire_templates(user) -> bool:
    return is_admin(user)
