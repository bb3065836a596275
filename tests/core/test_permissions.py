"""restrict(), role groups and case grants to an organisation's group (django-guardian)."""

import pytest
from django.contrib.auth.models import Group

from apps.core.audit import audited_save
from apps.core.choices import Role
from apps.core.models import Organization, User
from apps.core.permissions import can, grant_case, reassign_case, restrict, revoke_case, role_group_name, sync_roles
from tests.factories import (
    AuditorFactory,
    AuthorityUserFactory,
    ClerkFactory,
    NoRoleUserFactory,
    OfficerFactory,
    OrganizationFactory,
)
from tests.testapp.models import Case

pytestmark = pytest.mark.django_db


def test_officers_see_their_own_organisation_and_colleagues_only():
    me, other = OfficerFactory(), OfficerFactory()
    colleague = OfficerFactory(organization=me.organization)
    assert list(restrict(Organization.objects.all(), me)) == [me.organization]
    assert set(restrict(User.objects.all(), me)) == {me, colleague}
    assert other not in restrict(User.objects.all(), me)


@pytest.mark.parametrize("factory", [ClerkFactory, AuthorityUserFactory, AuditorFactory])
def test_platform_roles_read_everything(factory):
    user = factory()
    OfficerFactory.create_batch(2)
    assert restrict(User.objects.all(), user).count() == User.objects.count()


def test_nobody_changes_users_but_platform_administrators():
    for factory in (OfficerFactory, ClerkFactory, AuthorityUserFactory, AuditorFactory):
        assert not restrict(User.objects.all(), factory(), "change").exists()


def test_a_user_without_role_sees_nothing():
    user = NoRoleUserFactory()
    assert not restrict(Organization.objects.all(), user).exists()


def test_the_auditor_reads_everything_and_changes_nothing():
    auditor = AuditorFactory()
    perms = auditor.get_all_permissions()
    assert "core.view_querylog" in perms and "core.view_historicalpolicy" in perms
    assert all(p.split(".")[1].startswith("view_") for p in perms)


def test_sync_roles_is_idempotent_and_resets_extra_permissions():
    group = Group.objects.get(name=role_group_name(Role.OFFICER))
    before = set(group.permissions.values_list("codename", flat=True))
    group.permissions.clear()
    sync_roles()
    sync_roles()
    assert set(group.permissions.values_list("codename", flat=True)) == before


def test_user_groups_follow_role_and_organisation():
    officer = OfficerFactory()
    names = set(officer.groups.values_list("name", flat=True))
    assert names == {"role:officer", officer.organization.group_name}
    officer.role = Role.OFFICER
    officer.organization = OrganizationFactory()
    from apps.core.services import user_save

    user_save(officer, by=None, reason="调动")
    assert set(officer.groups.values_list("name", flat=True)) == {"role:officer", officer.organization.group_name}


def test_a_role_must_fit_the_kind_of_organisation():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="role"):
        ClerkFactory(organization=OrganizationFactory())


def test_a_case_granted_to_an_organisation_is_seen_by_its_officers_only():
    handler, other = OfficerFactory(), OfficerFactory()
    case = audited_save(Case(title="案件", handler=handler.organization), by=None, reason="t")
    assert not restrict(Case.objects.all(), handler).exists()
    grant_case(case, handler.organization)
    assert list(restrict(Case.objects.all(), handler)) == [case]
    assert can(handler, "change", case)
    assert not restrict(Case.objects.all(), other).exists()
    # A colleague who joins later inherits the grant through the organisation's group.
    assert can(OfficerFactory(organization=handler.organization), "view", case)

    reassign_case(case, from_organization=handler.organization, to_organization=other.organization)
    assert not can(handler, "view", case)
    assert can(other, "change", case)
    revoke_case(case, other.organization)
    assert not can(other, "view", case)
