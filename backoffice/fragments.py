"""A per-process cache for what the admin's menus show: the same for every user with the
same permissions, so built once per permission set instead of on every page.
"""

from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, TypeVar

from django.core.signals import setting_changed
from django.http import HttpRequest
from django.urls import get_script_prefix, get_urlconf
from django.utils.autoreload import file_changed
from django.utils.translation import get_language

if TYPE_CHECKING:  # imported by the admin site's module, before the models are ready
    from django.contrib.auth.base_user import AbstractBaseUser

Value = TypeVar("Value")

# Far more than the permission sets a back office has (one per role, give or take); past
# it the cache starts over rather than grow with odd combinations.
MAX_ENTRIES = 256

_entries: dict[Hashable, object] = {}


def permission_key(user: "AbstractBaseUser") -> Hashable:
    """Everything the menus depend on about the user: the permissions they have.

    A superuser has every permission (listing them would cost a query), so they share one
    key. For anyone else the set comes from the permission cache Django keeps on the user
    object for the request, which the admin's app list fills anyway (has_module_perms,
    has_perm): no query of its own, and a permission granted or removed gives another key on
    the next request. Nothing else about the user (name, pk) may show in a cached fragment.
    """
    if user.is_active and user.is_superuser:
        return "superuser"
    return frozenset(user.get_all_permissions())


def cached(name: str, request: HttpRequest, build: Callable[[], Value]) -> Value:
    """build()'s value for this request's permission set, built once per process.

    The key holds what the admin's URLs and names depend on besides the permissions: the
    admin site (current_app), the script prefix and URLconf, the language. Settings changes
    clear the cache (jazzmin's settings shape the menus), and so does a changed file under
    the autoreloader (a template edited during development).
    """
    user = request.user
    # Computed once per user object, like the permission cache it reads.
    if not hasattr(user, "_backoffice_permission_key"):
        user._backoffice_permission_key = permission_key(user)
    key = (
        name,
        user._backoffice_permission_key,
        getattr(request, "current_app", None),
        get_script_prefix(),
        get_urlconf(),
        get_language(),
    )
    try:
        return _entries[key]
    except KeyError:
        pass
    value = build()
    if len(_entries) >= MAX_ENTRIES:
        _entries.clear()
    _entries[key] = value
    return value


def clear(**kwargs) -> None:
    _entries.clear()


setting_changed.connect(clear, dispatch_uid="backoffice.fragments.clear")
file_changed.connect(clear, dispatch_uid="backoffice.fragments.clear")
