"""HTML pages of accounts: sign up, log in, change (and, with mail, reset) a password."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.core.exceptions import NON_FIELD_ERRORS
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from accounts.forms import LOCKED_OUT, LoginForm, SignupForm, add_service_error
from accounts.services import user_password_set, user_register
from core.errors import ArgmapError
from core.throttles import throttled


def _safe_next(request) -> str | None:
    """`next` when it stays on this site, else None (never an open redirect)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


@method_decorator(throttled("token", by_address=True), name="dispatch")
class LoginView(auth_views.LoginView):
    """Django's log-in page; the lockout itself is in accounts.backends."""

    form_class = LoginForm

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.has_error(NON_FIELD_ERRORS, code=LOCKED_OUT):
            response.status_code = 429
        return response


@require_http_methods(["GET", "POST"])
@throttled("register", by_address=True)
def signup(request):
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = user_register(
                username=form.cleaned_data["username"], password=form.cleaned_data["password1"]
            )
        except ArgmapError as exc:
            add_service_error(form, exc)
        else:
            login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
            messages.success(request, f"Welcome, {user.username}.")
            return redirect(_safe_next(request) or "home")
    status = 400 if form.errors else 200
    return render(request, "registration/signup.html", {"form": form}, status=status)


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's page, saving through the service: the API token stops working too."""

    def form_valid(self, form):
        user_password_set(user=form.user, password=form.cleaned_data["new_password1"])
        # The session survives its own password change (Django's page does the same).
        update_session_auth_hash(self.request, form.user)
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's page (mounted only with mail), saving through the service like the change."""

    def form_valid(self, form):
        user_password_set(user=form.user, password=form.cleaned_data["new_password1"])
        del self.request.session[auth_views.INTERNAL_RESET_SESSION_TOKEN]
        return HttpResponseRedirect(self.get_success_url())
