"""The base of the alerts app's admins: records written by the system, read-only here."""

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.http import Http404, HttpRequest, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme

from backoffice.kit.admin_urls import ObjectUrlsMixin
from backoffice.kit.lookups import DeclaredLookupsOnlyMixin
from backoffice.kit.pagination import LargeTableCountsMixin
from backoffice.kit.read_only import ReadOnlyAdminMixin


class ReadOnlyHistoryAdmin(
    ReadOnlyAdminMixin,
    DeclaredLookupsOnlyMixin,
    LargeTableCountsMixin,
    ObjectUrlsMixin,
    admin.ModelAdmin,
):
    """Records written by the system: viewable, never added, edited or deleted by hand."""

    def _object_or_404(self, request: HttpRequest, object_id: str):
        # get_object turns an id the primary key cannot hold ("abc", "..", 10**30) into
        # None, as the change view does: not found, never a server error.
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404(f"No {self.opts.verbose_name} with this ID.")
        return obj

    def _redirect_back(self, request: HttpRequest, fallback: str) -> HttpResponseRedirect:
        """Back to ?next= when it is a URL of this site (the dashboard), else to fallback."""
        target = request.POST.get("next") or request.GET.get("next")
        if not target or not url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            target = fallback
        return HttpResponseRedirect(target)
