"""Request middleware: makes the logged-in user the actor for records written meanwhile."""

from alerts.context import acting_as


class RequestActorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with acting_as(getattr(request, "user", None)):
            return self.get_response(request)
