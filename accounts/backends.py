"""The one authentication backend: Django's, behind the login lockout.

Every password check goes through `django.contrib.auth.authenticate()`, and so
through here: the log-in page, the admin's log-in page and the API token
endpoint alike, and any caller added later. Keeping the lockout in the backend
(rather than in each view) is what makes the admin covered, and the count is
keyed on what the backend is about to compare, the normalised username, so no
spelling of a name escapes it.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from accounts.services import login_failed, login_locked, login_succeeded
from core.net import client_address


class LockoutModelBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if username is None or password is None:
            return None
        address = client_address(request) if request is not None else ""
        if login_locked(username=username, address=address):
            if request is not None:
                # How the views tell "locked" from "wrong password" (both give None).
                request.login_locked = True
            # Stops authenticate() here: no later backend is asked either.
            raise PermissionDenied("too many failed logins")
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            login_failed(username=username, address=address)
        else:
            login_succeeded(username=username, address=address)
        return user
