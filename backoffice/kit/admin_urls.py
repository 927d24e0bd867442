"""Admin object URLs for many rows at once: reversed once, then filled in per row.

reverse() costs ~30 microseconds; a page linking each of its 50 rows to an object's change
page (the stock alerts to their products, the dashboard's alerts and deletion records) paid
that per link. The admin's object URLs take the pk as one path segment
(<path:object_id>), so the URL of an integer pk is the URL reversed around a placeholder
with the placeholder replaced. The two halves are cached per URL resolver (Django replaces
the resolver when the URLconf changes) and script prefix, so the result is what reverse()
gives for the same arguments. ObjectUrlChangeList links a changelist's rows this way
(docs/architecture.md#rendering).
"""

from collections.abc import Callable
from functools import lru_cache

from django.contrib.admin.views.main import ChangeList
from django.urls import get_resolver, get_script_prefix, get_urlconf, reverse
from django.utils.functional import cached_property

# Stands in for the pk while a URL is reversed; only an integer's digits replace it, at its
# first occurrence, which is in the URL's path (a query string comes after it).
PK_PLACEHOLDER = "0bo0pk0placeholder0"


def object_url(viewname: str) -> Callable[[int], str]:
    """A function giving reverse(viewname, args=[pk]) for an integer pk."""
    before, after = _url_parts(get_resolver(get_urlconf()), get_script_prefix(), viewname)
    return lambda pk: f"{before}{int(pk)}{after}"


def admin_change_url(app_label: str, model_name: str, pk: int, *, site: str = "admin") -> str:
    """reverse(f"{site}:{app_label}_{model_name}_change", args=[pk]) for an integer pk."""
    return object_url(f"{site}:{app_label}_{model_name}_change")(pk)


@lru_cache(maxsize=64)
def _url_parts(resolver, script_prefix: str, viewname: str) -> tuple[str, str]:
    url = reverse(viewname, args=[PK_PLACEHOLDER])
    before, _placeholder, after = url.partition(PK_PLACEHOLDER)
    return before, after


class ObjectUrlChangeList(ChangeList):
    """Django's ChangeList, its rows' change links from object_url: one reverse() a page."""

    @cached_property
    def _change_url(self) -> Callable[[int], str]:
        site = self.model_admin.admin_site.name
        return object_url(f"{site}:{self.opts.app_label}_{self.opts.model_name}_change")

    def url_for_result(self, result) -> str:
        pk = getattr(result, self.pk_attname)
        if type(pk) is not int:  # quote() leaves an int as it is, not a string pk
            return super().url_for_result(result)
        return self._change_url(pk)


class ObjectUrlsMixin:
    """ModelAdmin mixin: the changelist links its rows with ObjectUrlChangeList."""

    def get_changelist(self, request, **kwargs):
        return ObjectUrlChangeList
