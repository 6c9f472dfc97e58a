from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from accounts.forms import AdminLoginForm, AdminUserPasswordForm

# The admin's log-in goes through the lockout like every other (accounts.backends);
# this form only says "locked" instead of "wrong password" when it is.
admin.site.login_form = AdminLoginForm


class UserAdmin(DjangoUserAdmin):
    # Setting someone's password revokes their API token (accounts.services).
    change_password_form = AdminUserPasswordForm


admin.site.unregister(get_user_model())
admin.site.register(get_user_model(), UserAdmin)
