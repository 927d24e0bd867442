"""The column mapping a person chose for a model's files, remembered for their next upload
of that model (docs/architecture.md#column-mapping)."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.db.models import Model

from .models import ImportColumnMapping
from .rules import import_mappings_visible_to

# A mapping names at most this many columns, each header at most this long: what a form
# could post, bounded before it is stored.
MAX_COLUMNS = 64
MAX_HEADER = 200


def import_mapping_remembered(*, user: AbstractBaseUser, model: type[Model]) -> dict[str, str]:
    """{column: the file's header} this user chose last time for this model, or {}."""
    content_type = ContentType.objects.get_for_model(model)
    found = import_mappings_visible_to(user=user).filter(content_type=content_type).first()
    if found is None or not isinstance(found.columns, dict):
        return {}
    return {
        str(column): str(header)
        for column, header in found.columns.items()
        if isinstance(header, str) and header
    }


def import_mapping_remember(
    *, user: AbstractBaseUser, model: type[Model], columns: dict[str, str]
) -> None:
    """Keep this choice for the user's next upload of the model (replacing the last one)."""
    kept = {
        column[:MAX_HEADER]: header[:MAX_HEADER]
        for column, header in list(columns.items())[:MAX_COLUMNS]
        if header
    }
    ImportColumnMapping.objects.update_or_create(
        user=user,
        content_type=ContentType.objects.get_for_model(model),
        defaults={"columns": kept},
    )
