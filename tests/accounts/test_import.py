"""The user import asks backoffice.accounts.rules like the user form: updating a user is
managing it (in the importer's scope, whatever its is_active says), and every group added
or removed must be one its role assigns."""

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.catalog.importing import confirm, csv_bytes, import_through_admin, preview, report_text
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

GREEK_UPPER = "ΟΔΟΣ"
GREEK_LOWER = "οδοσ"  # PostgreSQL's LOWER of GREEK_UPPER; Python's str.lower ends in ς


@pytest.fixture
def useradmin_client(admin_client_for):
    return admin_client_for("User admins", username="useradmin")


@pytest.mark.parametrize(
    ("make_target", "message"),
    [
        (
            lambda: UserFactory(username="inv", groups=["User admins"], is_active=False),
            "value 'inv': This user is in \"User admins\", which your role does not assign",
        ),
        (
            lambda: UserFactory(username="inv", is_superuser=True, is_active=False),
            "value 'inv': This user is a superuser; only a superuser can change them.",
        ),
    ],
    ids=["inactive user admin", "inactive superuser"],
)
def test_an_inactive_user_out_of_scope_cannot_be_updated_or_reactivated(
    useradmin_client, make_target, message
):
    target = make_target()
    content = csv_bytes("username,email,is_active", "inv,attacker@evil.example,true")
    response = preview(useradmin_client, "auth_user", content)
    assert message in report_text(response)
    target.refresh_from_db()
    assert not target.is_active
    assert target.email == "inv@shop.example"


def test_an_inactive_user_in_scope_is_updated(useradmin_client):
    UserFactory(username="clerk", is_active=False, groups=["Inventory managers"])
    import_through_admin(
        useradmin_client, "auth_user", csv_bytes("username,is_active", "clerk,true")
    )
    assert User.objects.get(username="clerk").is_active


def test_the_import_and_the_form_refuse_the_same_group_with_the_same_words(useradmin_client):
    UserFactory(username="clerk")
    response = preview(
        useradmin_client, "auth_user", csv_bytes("username,groups", "clerk,User admins")
    )
    assert (
        "Row 2, column 'groups', value 'User admins': You cannot add anyone to the group "
        '"User admins" or remove them from it: your role does not assign it.'
    ) in report_text(response)
    assert not User.objects.get(username="clerk").groups.exists()


def test_the_import_assigns_the_shop_roles(useradmin_client):
    UserFactory(username="clerk", groups=["Viewers"])
    import_through_admin(
        useradmin_client,
        "auth_user",
        csv_bytes("username,groups", 'clerk,"Editors,Inventory managers"'),
    )
    groups = set(User.objects.get(username="clerk").groups.values_list("name", flat=True))
    assert groups == {"Editors", "Inventory managers"}


def test_the_import_records_role_changes_and_tells_an_old_address(
    useradmin_client, django_capture_on_commit_callbacks
):
    from django.core import mail

    from backoffice.accounts.models import AccountEvent

    UserFactory(username="clerk", email="clerk@shop.example", groups=["Viewers"])
    with django_capture_on_commit_callbacks(execute=True):
        import_through_admin(
            useradmin_client,
            "auth_user",
            csv_bytes("username,email,groups", "clerk,clerk@new.example,Editors"),
        )
    events = {
        (e.kind, e.actor_username, e.target_username, e.detail) for e in AccountEvent.objects.all()
    }
    assert events == {
        ("roles_changed", "useradmin", "clerk", "added Editors; removed Viewers"),
        ("address_changed", "useradmin", "clerk", "clerk@shop.example -> clerk@new.example"),
    }
    assert [m.to for m in mail.outbox] == [["clerk@shop.example"]]


@pytest.mark.parametrize(
    ("header", "row", "refused"),
    [
        # Through the mapping step (headers not ours): a roles column read as groups.
        ("Login,Roles", "newcomer,User admins", "your role does not assign it"),
        ("Login,Roles", "newcomer,Editors", None),  # in scope: allowed
        # A superuser column under another name is no column of ours: ignored, never read.
        ("Login,Superuser status,Roles", "newcomer,yes,Viewers", None),
        ("Login,is_superuser", "newcomer,yes", "cannot be imported"),
    ],
)
def test_a_user_admin_cannot_escalate_through_a_mapped_column(
    useradmin_client, settings, tmp_path, header, row, refused
):
    settings.MEDIA_ROOT = tmp_path
    response = preview(useradmin_client, "auth_user", csv_bytes(header, row))
    form = response.context["mapping_form"]
    data = {name: form[name].value() or "" for name in form.fields}
    assert data["map_username"] == "Login"

    previewed = useradmin_client.post(reverse("admin:auth_user_import"), data)

    if refused:
        assert refused in report_text(previewed)
        assert not User.objects.filter(username="newcomer").exists()
        return
    confirm(useradmin_client, "auth_user", previewed)
    newcomer = User.objects.get(username="newcomer")
    assert not newcomer.is_superuser
    assert not newcomer.groups.filter(name="User admins").exists()


def test_a_username_in_other_case_is_the_same_account_never_a_second_one(useradmin_client):
    # "ROOT2" beside the superuser root2 read the same in lists and logs: Django's add form
    # refuses it ("A user with that username already exists"), the import created it.
    UserFactory(username="root2", is_superuser=True)
    UserFactory(username="anna", groups=["Editors"])
    content = csv_bytes("username,email,groups", "ROOT2,x@example.com,Editors", "Anna,,Viewers")

    response = preview(useradmin_client, "auth_user", content)

    assert "value 'root2': This user is a superuser" in report_text(response)
    assert response.context["report"].totals["new"] == 0
    assert "confirm_form" not in response.context  # a file with errors is not imported
    assert sorted(User.objects.values_list("username", flat=True)) == [
        "anna",
        "root2",
        "useradmin",
    ]


def test_a_username_in_compatibility_characters_is_the_account_it_reads_as(useradmin_client):
    # "root2" in fullwidth letters became a new Editor account beside the superuser root2,
    # reading the same in lists and logs: Django's add form and login read usernames in NFKC
    # form ("root2", already taken), the import stored them as typed.
    UserFactory(username="root2", is_superuser=True)
    content = csv_bytes("username,email,groups", "\uff52\uff4f\uff4f\uff542,x@example.com,Editors")

    response = preview(useradmin_client, "auth_user", content)

    assert "value 'root2': This user is a superuser" in report_text(response)
    assert response.context["report"].totals["new"] == 0
    assert sorted(User.objects.values_list("username", flat=True)) == ["root2", "useradmin"]


def test_a_new_username_is_stored_in_the_form_the_login_reads(useradmin_client):
    # The login page normalizes what is typed (NFKC): an account stored as "clerk" in fullwidth
    # letters could never log in.
    import_through_admin(
        useradmin_client,
        "auth_user",
        csv_bytes("username,groups", "\uff43\uff4c\uff45\uff52\uff4b,Viewers"),
    )
    assert User.objects.filter(username="clerk").exists()


def test_a_row_in_other_case_updates_the_account_in_scope_keeping_its_spelling(
    useradmin_client,
):
    UserFactory(username="anna", groups=["Editors"])
    import_through_admin(
        useradmin_client, "auth_user", csv_bytes("username,groups", "ANNA,Viewers")
    )
    anna = User.objects.get(username__iexact="anna")
    assert anna.username == "anna"
    assert list(anna.groups.values_list("name", flat=True)) == ["Viewers"]


def test_one_file_naming_a_username_in_two_cases_is_refused(useradmin_client):
    response = preview(useradmin_client, "auth_user", csv_bytes("username", "clerk", "Clerk"))
    assert "Duplicate: the same username is on row 2." in report_text(response)


@pytest.mark.parametrize(
    ("first", "second"),
    [("ivan", "İvan"), ("İvan", "ivan"), ("ΟΔΟΣ", "οδοσ")],
    ids=["dotted capital I second", "dotted capital I first", "final sigma"],
)
def test_two_new_rows_the_database_folds_together_are_one_username(useradmin_client, first, second):
    # Broke on PostgreSQL: str.lower keeps these apart, the index on LOWER(username) does not:
    # the preview counted two new users and the confirm said "some of its rows were added or
    # changed by someone else". SQLite's LOWER folds ASCII only: there they are two accounts.
    folds = connection.vendor == "postgresql"
    response = preview(
        useradmin_client, "auth_user", csv_bytes("username,email", f"{first},", f"{second},")
    )
    report = response.context["report"]
    text = report_text(response)
    assert report.totals["new"] == (1 if folds else 2), text
    if folds:
        assert text == (
            f"Row 3, column 'username', value '{second}': Duplicate: the same username is on row 2."
        )
    else:
        assert not report.has_errors, text
        assert confirm(useradmin_client, "auth_user", response).status_code == 302
    assert User.objects.filter(username__in=[first, second]).count() == (0 if folds else 2)


def test_usernames_beyond_ascii_cost_the_same_queries_however_many(useradmin_client):
    # Broke: each new username beyond ASCII was looked up with a query of its own (20k such
    # rows previewed in 13 s on PostgreSQL, ASCII ones in 1.4 s); now the database folds and
    # looks them up a chunk at a time. Capital ODOS7 in Greek is the stored account on
    # PostgreSQL, whose LOWER keeps the sigma where str.lower makes it a final one.
    stored = GREEK_LOWER + "7"
    UserFactory(username=stored)
    folds = connection.vendor == "postgresql"
    queries = []
    for count in (10, 60):
        lines = [f"{GREEK_UPPER}{number}," for number in range(count)]
        with CaptureQueriesContext(connection) as captured:
            response = preview(useradmin_client, "auth_user", csv_bytes("username,email", *lines))
        report = response.context["report"]
        assert report.totals["new"] == (count - 1 if folds else count), report_text(response)
        assert report_text(response) == (
            f"Row 9, column 'username', value '{GREEK_UPPER}7': The username “{stored}” is "
            "taken: usernames are unique regardless of upper and lower case."
            if folds
            else ""
        )
        queries.append(len(captured))
    assert queries[0] == queries[1]


def test_two_rows_that_match_one_account_are_refused_wherever_the_database_folds(
    useradmin_client,
):
    # Broke on SQLite (whose LOWER folds ASCII only): "äva" and "Äva" both matched the
    # account äva (the engine matches rows by str.lower), were not refused as duplicates
    # (checked by the database's LOWER only), and both updated it: the second one silently won.
    UserFactory(username="äva", groups=["Editors"])
    response = preview(
        useradmin_client,
        "auth_user",
        csv_bytes("username,first_name", "äva,First", "Äva,Second"),
    )
    assert report_text(response) == (
        "Row 3, column 'username', value 'Äva': Duplicate: the same username is on row 2."
    )
    assert response.context["report"].totals["update"] == 1
