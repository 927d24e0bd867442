"""Which models a user may view, from the permissions Django has cached for the request: a
view or change permission, as the admin's has_view_permission counts it. The dashboard's
Recent actions and the deletion records (copies of deleted objects) show only those
(docs/architecture.md#recent-actions, docs/security.md)."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q


def models_viewable_by(*, user: AbstractBaseUser) -> list[tuple[str, str]]:
    """(app label, model name) of each model `user` may view, sorted; superusers too hold
    every permission, so this lists every model with one."""
    models = set()
    for permission in user.get_all_permissions():
        app_label, _, codename = permission.partition(".")
        action, _, model_name = codename.partition("_")
        if action in ("view", "change") and model_name:
            models.add((app_label, model_name))
    return sorted(models)


def viewable_content_types_q(*, user: AbstractBaseUser, field: str = "content_type") -> Q:
    """A filter on a foreign key to ContentType: rows of models `user` may view (joined by
    app label and model name, so no query beyond the permission cache)."""
    viewable = Q(pk__in=[])
    for app_label, model_name in models_viewable_by(user=user):
        viewable |= Q(**{f"{field}__app_label": app_label, f"{field}__model": model_name})
    return viewable


def viewable_content_types(*, user: AbstractBaseUser) -> list[ContentType]:
    """The content types of the models `user` may view (from ContentType's cache)."""
    content_types = []
    for app_label, model_name in models_viewable_by(user=user):
        try:
            content_types.append(ContentType.objects.get_by_natural_key(app_label, model_name))
        except ContentType.DoesNotExist:
            continue
    return content_types
