"""alerts.rules: one "may restore" answer for the record's page, the list action, the
dashboard and the restore service, including the grants of a deleted account."""

import pytest
from django.contrib.auth.models import User
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from alerts import selectors, services
from alerts.models import DeletionRecord
from alerts.rules import deletion_record_may_restore, deletion_records_with_grants
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def deleted(user) -> DeletionRecord:
    pk = user.pk
    user.delete()
    return DeletionRecord.objects.get(object_pk=str(pk), content_type__model="user")


@pytest.fixture
def useradmin_client(admin_client_for):
    return admin_client_for("User admins", username="useradmin")


@pytest.mark.parametrize(
    ("make_user", "may"),
    [
        (lambda: UserFactory(username="inv", groups=["Inventory managers"]), True),
        (
            lambda: UserFactory(username="inv", groups=["Inventory managers"], is_active=False),
            True,
        ),
        (lambda: UserFactory(username="boss", is_superuser=True, is_active=False), False),
        (lambda: UserFactory(username="colleague", groups=["User admins"]), False),
        (
            lambda: UserFactory(username="colleague", groups=["User admins"], is_active=False),
            False,
        ),
        (lambda: UserFactory(username="clerk", is_active=False), True),
    ],
    ids=[
        "manager",
        "inactive manager",
        "inactive superuser",
        "colleague",
        "inactive colleague",
        "inactive clerk",
    ],
)
def test_every_path_gives_the_same_answer(useradmin_client, make_user, may):
    record = deleted(make_user())
    useradmin = useradmin_client.user

    # The rule, on a full record and on a dashboard row (snapshot deferred, grants annotated).
    assert deletion_record_may_restore(user=useradmin, record=record) is may
    row = deletion_records_with_grants(DeletionRecord.objects.defer("snapshot")).get()
    assert deletion_record_may_restore(user=useradmin, record=row) is may
    # The dashboard.
    (recent,) = selectors.dashboard_get(user=useradmin).recent_deletions
    assert recent.can_restore is may
    # The record's page.
    page = useradmin_client.get(reverse("admin:alerts_deletionrecord_change", args=[record.pk]))
    assert page.context["can_restore"] is may
    # The service, through the button.
    response = useradmin_client.post(
        reverse("admin:alerts_deletionrecord_restore", args=[record.pk])
    )
    restored = User.objects.filter(username=record.object_repr).exists()
    assert restored is may
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    if may:
        assert any("has no usable password" in message for message in shown)
    else:
        assert any("cannot be restored" in message for message in shown)


def test_the_service_refuses_what_the_rule_refuses(admin_client_for):
    useradmin = admin_client_for("User admins", username="useradmin").user
    record = deleted(UserFactory(username="ua", groups=["User admins"], is_active=False))
    with pytest.raises(PermissionDenied, match="User admins"):
        services.deletion_record_restore(record=record, user=useradmin)
    assert not User.objects.filter(username="ua").exists()


@pytest.mark.parametrize("size", [1, 4])
def test_the_dashboard_reads_the_grants_without_a_query_per_row(
    admin_client_for, django_assert_num_queries, size
):
    useradmin = admin_client_for("User admins", username="useradmin").user
    for index in range(size):
        UserFactory(username=f"manager{index}", groups=["Inventory managers"]).delete()
        UserFactory(username=f"colleague{index}", groups=["User admins"]).delete()
    # The user's permissions (2 queries), the 7-day count, the records, the groups'
    # permissions, the user's own groups (what its role assigns).
    with django_assert_num_queries(6):
        recent = selectors.dashboard_get(user=useradmin).recent_deletions
    assert {item.record.object_repr: item.can_restore for item in recent} == {
        **{f"manager{index}": True for index in range(size)},
        **{f"colleague{index}": False for index in range(size)},
    }
