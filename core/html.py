"""HTML-side translation of the domain errors (the API's is core.api_base)."""

import functools

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from core.errors import NotAuthenticated, NotFound, PermissionDenied


def html_errors(view):
    """Translate domain errors into what a browser expects."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NotAuthenticated:
            return redirect_to_login(request.get_full_path())
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except PermissionDenied as exc:
            raise DjangoPermissionDenied(exc.message) from exc

    return wrapper
