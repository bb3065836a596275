"""Factories of the service-agencies app: the agencies and their staff."""

import factory

from apps.core.choices import OrganizationKind, Role
from tests.factories import OrganizationFactory, UserFactory, make_uscc


class ServiceAgencyOrgFactory(OrganizationFactory):
    """A credit service agency (信用服务机构) as an organisation of the platform."""

    kind = OrganizationKind.SERVICE_AGENCY
    name = factory.Sequence(lambda n: f"信用评级公司{n}")
    unified_code = factory.Sequence(lambda n: make_uscc(n, prefix="91320100"))


class AgencyStaffFactory(UserFactory):
    role = Role.AGENCY_STAFF
    organization = factory.SubFactory(ServiceAgencyOrgFactory)
