"""HTML forms of accounts: fields for display; the services decide what is allowed."""

from django import forms
from django.contrib.admin import forms as admin_forms
from django.contrib.auth import forms as auth_forms
from django.core.exceptions import ValidationError

from accounts.services import user_password_set
from core import forms as core_forms
from core.errors import ArgmapError

LOCKED_OUT = "locked_out"


def add_service_error(form: forms.Form, error: ArgmapError) -> None:
    """core.forms.add_service_error, with the service's `password` shown at `password1`."""
    core_forms.add_service_error(form, error, aliases={"password": "password1"})


class SignupForm(auth_forms.SetPasswordMixin, forms.Form):
    """Name and password twice; accounts.services.user_register decides the rest."""

    username = forms.CharField(
        max_length=150,
        help_text="Letters, digits and @/./+/-/_ only.",
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password1, password2 = auth_forms.SetPasswordMixin.create_password_fields()

    def clean(self):
        self.validate_passwords()
        return super().clean()


class _LockoutAware:
    """A log-in form that says so when the lockout, not the password, refused it."""

    def get_invalid_login_error(self):
        if getattr(self.request, "login_locked", False):
            return ValidationError(
                "Too many failed attempts. Try again in a few minutes.", code=LOCKED_OUT
            )
        return super().get_invalid_login_error()


class LoginForm(_LockoutAware, auth_forms.AuthenticationForm):
    pass


class AdminLoginForm(_LockoutAware, admin_forms.AdminAuthenticationForm):
    pass


class AdminUserPasswordForm(auth_forms.AdminPasswordChangeForm):
    """The admin's form for another account's password, saving through the service
    (which revokes the API token). The admin's view calls form.save(): the only
    hook short of copying that view."""

    def save(self, commit: bool = True):
        usable = self.cleaned_data["set_usable_password"]
        password = self.cleaned_data["password1"] if usable else None
        user_password_set(user=self.user, password=password)
        return self.user
