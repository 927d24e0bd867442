"""Role groups and their permissions, kept as data: the one table of the roles.

sync_role_groups() is idempotent: it makes each group hold exactly the permissions listed
here. Data migrations call it with the historical app registry; post_migrate calls it too,
so a flushed test database or a newly added model gets its groups back.
"""

ALL = ("add", "change", "delete", "view")

ROLE_PERMISSIONS: dict[str, dict[str, tuple[str, ...]]] = {
    "Inventory managers": {
        "catalog.product": ALL,
        "catalog.article": ("view",),
        "catalog.stockmovement": ("view",),
        "alerts.stockalert": ("view", "acknowledge"),
        "alerts.deletionrecord": ("view",),
    },
    "Editors": {
        "catalog.product": ("view",),
        "catalog.article": ALL,
        "alerts.deletionrecord": ("view",),
    },
    "User admins": {
        "auth.user": ALL,
        "auth.group": ("view",),
        "alerts.deletionrecord": ("view",),
    },
    "Viewers": {
        "catalog.product": ("view",),
        "catalog.article": ("view",),
        "catalog.stockmovement": ("view",),
        "auth.user": ("view",),
        "auth.group": ("view",),
        "alerts.stockalert": ("view",),
        "alerts.deletionrecord": ("view",),
    },
}


# Which role groups the members of a role may put staff into (and take them out of). Only
# superusers assign "User admins", superuser status or single permissions.
ROLE_ASSIGNS: dict[str, tuple[str, ...]] = {
    "User admins": ("Inventory managers", "Editors", "Viewers"),
}


def sync_role_groups(apps, *, using: str = "default") -> None:
    """Create the role groups and give each exactly its permissions.

    `apps` is a migration's historical registry or django.apps.apps. Models that do not
    exist yet (a later app's migration has not run) are skipped; that app's migration
    calls this again.
    """
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after migrate; create them now so a fresh database
    # gets complete groups from its first migrate.
    for app_config in apps.get_app_configs():
        models_module = getattr(app_config, "models_module", None)
        app_config.models_module = models_module or True
        create_permissions(app_config, apps=apps, verbosity=0, using=using)
        app_config.models_module = models_module

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")

    for group_name, grants in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.using(using).get_or_create(name=group_name)
        permission_ids = []
        for model_label, actions in grants.items():
            app_label, model_name = model_label.split(".")
            try:
                apps.get_model(app_label, model_name)
            except LookupError:
                continue
            content_type = ContentType.objects.using(using).get(
                app_label=app_label, model=model_name
            )
            codenames = [f"{action}_{model_name}" for action in actions]
            found = list(
                Permission.objects.using(using)
                .filter(content_type=content_type, codename__in=codenames)
                .values_list("pk", flat=True)
            )
            permission_ids.extend(found)
        group.permissions.set(permission_ids)
