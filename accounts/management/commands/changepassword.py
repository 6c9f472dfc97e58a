"""Django's changepassword, then the account's API token is revoked (as on every
other way a password changes: accounts.services.user_password_set)."""

import getpass

from django.contrib.auth import get_user_model
from django.contrib.auth.management.commands import changepassword

from accounts.services import token_revoke


class Command(changepassword.Command):
    def handle(self, *args, **options):
        # Django's command prompts, validates and saves; it raises CommandError
        # (and changes nothing) when it gives up, so reaching the next line means
        # the password changed.
        result = super().handle(*args, **options)
        User = get_user_model()
        user = User._default_manager.using(options["database"]).get(
            **{User.USERNAME_FIELD: options["username"] or getpass.getuser()}
        )
        token_revoke(user=user)
        return result
