"""Who is on the other end of a request, when load balancers stand in between."""

from django.conf import settings
from django.http import HttpRequest


def client_ip_address(request: HttpRequest) -> str:
    """The client's IP address, for login lockouts (django-axes' AXES_CLIENT_IP_CALLABLE).

    Without trusted proxies it is REMOTE_ADDR: X-Forwarded-For is written by the client and
    cannot be believed. Behind TRUSTED_PROXY_COUNT proxies that each append the address
    they received from, the client is the entry that many places from the right; anything
    further left may be forged.
    """
    remote_address = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    if not proxies:
        return remote_address
    forwarded = [
        address.strip()
        for address in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if address.strip()
    ]
    if len(forwarded) < proxies:
        return remote_address  # not through all the proxies: a direct connection
    return forwarded[-proxies]
