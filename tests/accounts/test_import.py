"""The user import asks backoffice.accounts.rules like the user form: updating a user is
managing it, whatever its is_active says, and added groups must be assignable."""

import pytest
from django.contrib.auth.models import User

from tests.catalog.importing import csv_bytes, import_through_admin, preview, report_text
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def useradmin_client(admin_client_for):
    return admin_client_for("User admins", username="useradmin")


@pytest.mark.parametrize(
    ("make_target", "message"),
    [
        (
            lambda: UserFactory(username="inv", groups=["Inventory managers"], is_active=False),
            "value 'inv': This user holds permissions you do not have (alerts.",
        ),
        (
            lambda: UserFactory(username="inv", is_superuser=True, is_active=False),
            "value 'inv': This user is a superuser; only a superuser can change them.",
        ),
    ],
    ids=["inactive inventory manager", "inactive superuser"],
)
def test_an_inactive_stronger_user_cannot_be_updated_or_reactivated(
    useradmin_client, make_target, message
):
    target = make_target()
    content = csv_bytes("username,email,is_active", "inv,attacker@evil.example,true")
    response = preview(useradmin_client, "auth_user", content)
    assert message in report_text(response)
    target.refresh_from_db()
    assert not target.is_active and target.email == "inv@shop.example"


def test_an_inactive_user_holding_nothing_more_is_updated(useradmin_client):
    UserFactory(username="clerk", is_active=False)
    import_through_admin(
        useradmin_client, "auth_user", csv_bytes("username,is_active", "clerk,true")
    )
    assert User.objects.get(username="clerk").is_active


def test_the_import_and_the_form_refuse_the_same_group_with_the_same_words(useradmin_client):
    UserFactory(username="clerk")
    response = preview(useradmin_client, "auth_user", csv_bytes("username,groups", "clerk,Editors"))
    assert (
        "Row 2, column 'groups', value 'Editors': You cannot add anyone to the group \"Editors\": "
        "it holds permissions you do not have (catalog.add_article"
    ) in report_text(response)
    assert not User.objects.get(username="clerk").groups.exists()
