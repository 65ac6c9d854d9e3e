"""The client's address as the outermost trusted reverse proxy saw it (used by the login lock-out).

Behind `TRUSTED_PROXY_COUNT` proxies that each append the address they saw to `X-Forwarded-For`, the client is
the entry that many places from the end; anything before it was written by the client and is ignored. Without a
proxy (count 0), the header is the client's own claim and only `REMOTE_ADDR` counts.
"""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    remote = request.META.get("REMOTE_ADDR")
    count = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if count <= 0 or not forwarded:
        return remote
    entries = [entry.strip() for entry in forwarded.split(",")]
    if len(entries) < count:
        return remote
    candidate = entries[-count]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote
