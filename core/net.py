"""The address a request came from, as every throttle and the login lockout see it.

`X-Forwarded-For` is written by whoever sends the request, so it names the
client only in the entries that our own proxies appended. With
TRUSTED_PROXY_COUNT = 0 (the default: the app faces the internet) the header is
ignored and the address is the TCP peer's, REMOTE_ADDR. Behind N proxies of our
own, each appends the address it received the request from, so the N-th entry
from the right is the one the outermost of them saw; entries to its left were
supplied by the client and are never read.
"""

import ipaddress

from django.conf import settings


def client_address(request) -> str:
    """The client's IP address (REMOTE_ADDR unless trusted proxies say otherwise)."""
    meta = request.META
    remote = meta.get("REMOTE_ADDR", "")
    trusted = settings.TRUSTED_PROXY_COUNT
    forwarded = meta.get("HTTP_X_FORWARDED_FOR", "")
    if trusted <= 0 or not forwarded:
        return remote
    hops = [hop.strip() for hop in forwarded.split(",")]
    # Fewer entries than proxies: the outermost proxy added the first one.
    candidate = hops[-min(trusted, len(hops))]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        # Not an address (a misconfigured proxy): one shared bucket, never the
        # client's choice of key.
        return remote
