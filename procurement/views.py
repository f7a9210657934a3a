from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection, transaction
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import audit, dashboard
from .middleware import log_denied


@require_GET
def home(request):
    return render(request, "procurement/home.html", {"panels": dashboard.panels_for(request.user)})


@login_not_required
@never_cache
@require_GET
def healthz(request):
    """200 when the database answers, 503 otherwise: for load balancers and compose."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


class LoginView(auth_views.LoginView):
    """Django's login, with sign-in written to the audit trail.

    A failed sign-in is not: what a stranger types (often a password in the username box) must
    not grow a table nothing may prune. Axes keeps the attempt, the denied log has the request,
    and the lockout it may cause is audited against the account (procurement.signin)."""

    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        with transaction.atomic():
            response = super().form_valid(form)
            audit.record(actor=user, action="auth.login", obj=user, object_label=user.get_username())
        return response

    def form_invalid(self, form):
        if getattr(self.request, "axes_locked_out", False):
            log_denied(self.request, 429, "sign-in locked out")
        else:
            log_denied(self.request, 401, "sign-in failed")
        return super().form_invalid(form)


login = login_not_required(LoginView.as_view())


class LogoutView(auth_views.LogoutView):
    def post(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            with transaction.atomic():
                audit.record(
                    actor=request.user,
                    action="auth.logout",
                    obj=request.user,
                    object_label=request.user.get_username(),
                )
        return super().post(request, *args, **kwargs)


logout = LogoutView.as_view()
