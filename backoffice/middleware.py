"""Request middleware: the acting user for records written meanwhile; session idle timeout."""

import time

from django.conf import settings

from backoffice.kit.actor import acting_as


class RequestActorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with acting_as(getattr(request, "user", None)):
            return self.get_response(request)


class SessionIdleTimeoutMiddleware:
    """End a session after SESSION_COOKIE_AGE seconds without a request.

    Django fixes a session's expiry when the session is saved. SESSION_SAVE_EVERY_REQUEST
    would make the timeout slide, at the cost of a database write on every request; this
    saves it only when the last refresh is older than SESSION_REFRESH_INTERVAL, so the
    timeout is exact to within that interval and most requests write nothing.
    """

    refreshed_at_key = "_refreshed_at"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        # Only sessions of logged-in users; an anonymous visitor gets no session row.
        if session is None or not session.get("_auth_user_id"):
            return response
        now = int(time.time())
        if now - session.get(self.refreshed_at_key, 0) >= settings.SESSION_REFRESH_INTERVAL:
            session[self.refreshed_at_key] = now  # marks the session modified: saved below
        return response


def session_mark_refreshed(sender, request, user, **kwargs) -> None:
    """At login the session is fresh: start its idle timer without another write."""
    request.session[SessionIdleTimeoutMiddleware.refreshed_at_key] = int(time.time())
