"""The client address used for login lockouts, directly and behind load balancers."""

import pytest
from django.test import Client, RequestFactory

from backoffice.network import client_ip_address
from tests.factories import UserFactory


def address(*, forwarded: str | None = None, remote: str = "10.0.0.2") -> str:
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return client_ip_address(RequestFactory().get("/", REMOTE_ADDR=remote, **headers))


def test_without_trusted_proxies_the_forwarded_header_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert address(forwarded="6.6.6.6") == "10.0.0.2"


@pytest.mark.parametrize(
    ("proxies", "forwarded", "client"),
    [
        (1, "203.0.113.5", "203.0.113.5"),
        # The client forged an entry; the load balancer appended the real address.
        (1, "6.6.6.6, 203.0.113.5", "203.0.113.5"),
        # CDN then load balancer: the CDN appended the client, the balancer the CDN.
        (2, "6.6.6.6, 203.0.113.5, 198.51.100.1", "203.0.113.5"),
        # Fewer entries than proxies: not through the proxies, use the connection's address.
        (2, "203.0.113.5", "10.0.0.2"),
        (1, "", "10.0.0.2"),
    ],
)
def test_behind_proxies_the_entry_the_outermost_proxy_added(settings, proxies, forwarded, client):
    settings.TRUSTED_PROXY_COUNT = proxies
    assert address(forwarded=forwarded) == client


@pytest.mark.django_db
def test_lockout_behind_a_load_balancer_is_per_client(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    UserFactory(username="clerk")
    balancer = "10.0.0.2"
    attacker = Client(REMOTE_ADDR=balancer, HTTP_X_FORWARDED_FOR="203.0.113.66")
    for _ in range(5):
        attacker.post("/admin/login/", {"username": "clerk", "password": "wrong"})
    assert attacker.post("/admin/login/", {"username": "clerk", "password": "x"}).status_code == 429
    # The same username from another client through the same balancer still logs in.
    colleague = Client(REMOTE_ADDR=balancer, HTTP_X_FORWARDED_FOR="203.0.113.10")
    response = colleague.post(
        "/admin/login/", {"username": "clerk", "password": "pass-for-tests-1"}
    )
    assert response.status_code == 302
