"""The role traits of the test factories give exactly the roles of `listening.roles`."""

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Permission

from listening.roles import ROLES, SECRETARIAT, WORKING_GROUP

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("role", "group"), [("secretariat", SECRETARIAT), ("wg3", WORKING_GROUP)])
def test_role_fixture_has_exactly_its_group_and_permissions(request, role, group):
    user = request.getfixturevalue(role)
    assert list(user.groups.values_list("name", flat=True)) == [group]
    assert user.get_all_permissions() == set(ROLES[group])
    assert user.is_staff is (role == "secretariat")
    assert user.is_superuser is False


def test_stakeholder_fixture_is_verified_with_a_profile_and_no_permissions(stakeholder):
    assert list(
        EmailAddress.objects.filter(user=stakeholder).values_list("verified", flat=True)
    ) == [True]
    assert stakeholder.profile.user_id == stakeholder.pk
    assert (stakeholder.is_staff, stakeholder.is_superuser) == (False, False)
    assert list(stakeholder.groups.all()) == []
    assert stakeholder.get_all_permissions() == set()


def test_superuser_fixture_has_every_permission(superuser):
    assert (superuser.is_staff, superuser.is_superuser) == (True, True)
    assert len(superuser.get_all_permissions()) == Permission.objects.count()
