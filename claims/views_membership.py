"""HTML side of requests to join a map: ask, withdraw (the requester), approve or
decline (the owner). Plain POST-redirect-GET: each form returns to the page it
was on (the map page or the settings page), where the outcome shows. The same
services as the API decide."""

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from claims import services
from claims.access import Need, map_get_for_user, map_role
from claims.models import JOIN_MESSAGE_MAX_LENGTH, MemberRole
from claims.selectors_membership import join_request_get_for_user
from core.errors import ArgmapError
from core.forms import add_service_error
from core.html import html_errors
from core.throttles import throttled


class JoinRequestForm(forms.Form):
    role = forms.ChoiceField(
        choices=MemberRole.choices, label="Ask to join as", initial=MemberRole.EDITOR
    )
    message = forms.CharField(
        required=False,
        max_length=JOIN_MESSAGE_MAX_LENGTH,
        label="Message to the owner (optional)",
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": JOIN_MESSAGE_MAX_LENGTH}),
    )


class JoinDecisionForm(forms.Form):
    reply = forms.CharField(required=False, max_length=JOIN_MESSAGE_MAX_LENGTH)


DECISIONS = {
    "approve": (services.join_request_approve, "approved"),
    "decline": (services.join_request_decline, "declined"),
}


@require_http_methods(["GET", "POST"])
@throttled("user")
@html_errors
def join_request_page(request, slug):
    """Ask the owner for a role. The form lives on the map page; this page shows
    it alone (a link target) and again with its errors when refused."""
    the_map = map_get_for_user(user=request.user, slug=slug, need=Need.VOTE)
    form = JoinRequestForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                join_request = services.join_request_create(
                    map=the_map, user=request.user, **form.cleaned_data
                )
            except ArgmapError as exc:
                add_service_error(form, exc, whole_message=True)
            else:
                messages.success(
                    request,
                    f"You asked to join as {join_request.role}. The owner's answer will "
                    "show on this page.",
                )
                return redirect("map", slug=the_map.slug)
        status = 400
    context = {"map": the_map, "role": map_role(user=request.user, map=the_map), "form": form}
    return render(request, "claims/_join_request_page.html", context, status=status)


@require_POST
@throttled("user")
@html_errors
def join_request_withdraw(request, slug, request_id):
    the_map = map_get_for_user(user=request.user, slug=slug, need=Need.VOTE)
    join_request = join_request_get_for_user(map=the_map, request_id=request_id, user=request.user)
    try:
        services.join_request_withdraw(request=join_request, by=request.user)
    except ArgmapError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "You withdrew your request to join.")
    return redirect("map", slug=the_map.slug)


@require_POST
@throttled("user")
@html_errors
def join_request_decide(request, slug, request_id, decision) -> HttpResponse:
    """The owner approves or declines, with an optional reply, from the settings page."""
    if decision not in DECISIONS:
        raise Http404(f"no decision '{decision[:40]}'")
    the_map = map_get_for_user(user=request.user, slug=slug, need=Need.ADMIN)
    join_request = join_request_get_for_user(map=the_map, request_id=request_id, user=request.user)
    decide, done = DECISIONS[decision]
    form = JoinDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, f"The reply is too long: at most {JOIN_MESSAGE_MAX_LENGTH} characters."
        )
        return redirect("members", slug=the_map.slug)
    try:
        decided = decide(request=join_request, by=request.user, reply=form.cleaned_data["reply"])
    except ArgmapError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, f"You {done} {decided.user.username}'s request to join as {decided.role}."
        )
    return redirect("members", slug=the_map.slug)
