"""Role groups survive a transactional test's flush, so tests that run afterwards have them."""

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from backoffice.accounts.roles import ROLE_PERMISSIONS


@pytest.mark.django_db(transaction=True)
def test_flush_restores_complete_role_groups():
    call_command("flush", interactive=False, verbosity=0)

    groups = {group.name: group for group in Group.objects.prefetch_related("permissions")}
    assert set(groups) == set(ROLE_PERMISSIONS)
    codenames = {p.codename for p in groups["Inventory managers"].permissions.all()}
    assert {"add_product", "change_product", "view_article", "acknowledge_stockalert"} <= codenames
