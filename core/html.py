"""HTML-side translation of the domain errors (the API's is core.api_base)."""

import functools

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.utils.http import url_has_allowed_host_and_scheme

from core.errors import Moved, NotAuthenticated, NotFound, PermissionDenied, moved_location


def return_path(request: HttpRequest) -> str:
    """Where the log-in page should send someone back to.

    A page (GET) is its own address. A form (POST) is not: its URL answers POSTs
    only, and the log-in would end on a 405. It returns to the page the form was on
    (its `next` field, or the Referer) when that is a path of this site.
    """
    if request.method in ("GET", "HEAD"):
        return request.get_full_path()
    for candidate in (request.POST.get("next"), request.headers.get("Referer")):
        if candidate and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return candidate
    return "/"


def html_errors(view):
    """Translate domain errors into what a browser expects."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except Moved as exc:
            # A merged node's old address: its survivor's same page (a form posted to
            # it is not applied there; the page it lands on shows the survivor).
            return HttpResponsePermanentRedirect(
                moved_location(request.path, request.META.get("QUERY_STRING", ""), exc)
            )
        except NotAuthenticated:
            return redirect_to_login(return_path(request))
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except PermissionDenied as exc:
            raise DjangoPermissionDenied(exc.message) from exc

    return wrapper
