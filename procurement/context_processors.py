from . import policies


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    roles = policies.roles_of(user)
    return {
        "user_roles": [policies.ROLE_LABELS[r] for r in policies.ROLES if r in roles],
        "user_is_admin": policies.is_admin(user),
        "can_view_audit_log": policies.can_view_audit_log(user),
    }
