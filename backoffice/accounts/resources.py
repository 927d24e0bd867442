"""django-import-export resource for users: the CSV/XLSX columns of an export or import."""

from django.contrib.auth.models import Group, User
from import_export import fields, widgets

from backoffice.kit.importing.resources import FormulaSafeResource, YesNoWidget

from .importers import UserImporter


class UserResource(FormulaSafeResource):
    importer_class = UserImporter
    is_active = fields.Field("is_active", "is_active", widget=YesNoWidget())
    is_staff = fields.Field("is_staff", "is_staff", widget=YesNoWidget())
    groups = fields.Field(
        "groups", "groups", widget=widgets.ManyToManyWidget(Group, field="name", separator=",")
    )

    class Meta:
        model = User
        fields = UserImporter.column_names()
        export_order = fields
        import_id_fields = ["username"]
        skip_unchanged = True

    def get_queryset(self):
        return super().get_queryset().prefetch_related("groups")
