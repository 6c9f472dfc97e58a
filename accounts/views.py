"""HTML pages of accounts: sign up and log in (with the lockout)."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.forms import UserCreationForm
from django.contrib.auth.views import LoginView
from django.http import HttpRequest
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts.services import login_failed, login_locked, login_succeeded


def _client_ip(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "")


class ThrottledLoginView(LoginView):
    """Django's login view, locked for a while after repeated failures."""

    def post(self, request, *args, **kwargs):
        username = request.POST.get("username", "")[:150]
        if login_locked(username=username, ip=_client_ip(request)):
            form = self.get_form()
            form.add_error(None, "Too many failed attempts. Try again in a few minutes.")
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        login_failed(
            username=self.request.POST.get("username", "")[:150], ip=_client_ip(self.request)
        )
        return super().form_invalid(form)

    def form_valid(self, form):
        login_succeeded(username=form.get_user().get_username(), ip=_client_ip(self.request))
        return super().form_valid(form)


@require_http_methods(["GET", "POST"])
def signup(request):
    form = UserCreationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, f"Welcome, {user.username}.")
        return redirect(request.GET.get("next") or "home")
    return render(request, "registration/signup.html", {"form": form})
