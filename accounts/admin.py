from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm

from accounts.forms import AdminLoginForm, AdminUserPasswordForm, add_service_error
from accounts.services import user_add, username_check
from core.errors import ArgmapError

# The admin's log-in goes through the lockout like every other (accounts.backends);
# this form only says "locked" instead of "wrong password" when it is.
admin.site.login_form = AdminLoginForm


class UserCreationForm(AdminUserCreationForm):
    """The admin's add form, refusing what the sign-up page refuses (lookalike names)."""

    def clean_username(self):
        username = super().clean_username()
        if username is None:  # Django's own check refused it (taken in another case)
            return username
        try:
            username, _ = username_check(username)
        except ArgmapError as exc:
            add_service_error(self, exc)
        return username


class UserAdmin(DjangoUserAdmin):
    # Setting someone's password revokes their API token (accounts.services).
    change_password_form = AdminUserPasswordForm
    add_form = UserCreationForm

    def get_readonly_fields(self, request, obj=None):
        # A rename would leave the old name's lookalike guard (its skeletons) behind.
        readonly = super().get_readonly_fields(request, obj)
        return (*readonly, "username") if obj is not None else readonly

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
        else:
            user_add(user=obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        # Deleting an account would delete its votes behind the ranking's back
        # (no graph version bump, no recompute): deactivate it instead.
        return False


admin.site.unregister(get_user_model())
admin.site.register(get_user_model(), UserAdmin)
