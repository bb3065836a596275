"""Demo data for a local portal: organisations, one user per role, the city policies, then the
reference catalogs, the subjects with their records and commitments, the list cases and the
objections (`apps.demo.catalog`, `apps.demo.subjects`, `apps.demo.sanctions`,
`apps.demo.objections`, `apps.demo.repair`, `apps.demo.service_agencies`, `apps.demo.agency_objections`,
`apps.demo.batch_queries`, `apps.demo.pushed_reports`, in that order: each builds on the one before).

Idempotent: running it again keeps the rows and resets the demo passwords to the printed ones.
Refuses to run outside DEBUG unless --force (demo passwords must never reach production).
"""

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from apps.core.choices import OrganizationKind, Role
from apps.core.models import Organization, User
from apps.core.services import organization_save, user_save
from apps.demo import (
    agency_objections,
    batch_queries,
    catalog,
    objections,
    pushed_reports,
    repair,
    sanctions,
    service_agencies,
    subjects,
)

REASON = "Demo data (seed_demo)"

# Fictitious organisations with well-formed codes (GB 32100 check characters are valid).
DEMO_ORGANIZATIONS = [
    ("authority", OrganizationKind.AUTHORITY, "南京市发展和改革委员会", "市发改委", "11320100014105963H"),
    ("office", OrganizationKind.CREDIT_OFFICE, "南京市公共信用信息中心", "市信用中心", "12320100466009331H"),
    ("market", OrganizationKind.AGENCY, "南京市市场监督管理局", "市市场监管局", "11320100014105288B"),
    ("tax", OrganizationKind.AGENCY, "国家税务总局南京市税务局", "市税务局", "113201000141053127"),
    # Two credit service agencies (信用服务机构), each with one staff user.
    ("rating", OrganizationKind.SERVICE_AGENCY, "南京诚信信用评级有限公司", "诚信评级", "91320100MA1XY0001L"),
    ("report", OrganizationKind.SERVICE_AGENCY, "南京明鉴信用管理有限公司", "明鉴信用", "91320100MA1XY0002P"),
]

DEMO_USERS = [
    ("clerk", "王晓明", Role.CLERK, "office", "Window-2026!demo"),
    ("officer_market", "李建国", Role.OFFICER, "market", "Licence-2026!demo"),
    ("officer_tax", "赵丽华", Role.OFFICER, "tax", "Invoice-2026!demo"),
    ("authority", "陈志强", Role.AUTHORITY, "authority", "Catalog-2026!demo"),
    ("auditor", "周敏", Role.AUDITOR, "authority", "Ledger-2026!demo"),
    ("agency_rating", "孙立新", Role.AGENCY_STAFF, "rating", "Rating-2026!demo"),
    ("agency_report", "吴雅琴", Role.AGENCY_STAFF, "report", "Scoring-2026!demo"),
]

# The demo data of each app, in the order the apps depend on each other.
DEMO_STEPS = [
    catalog,
    subjects,
    sanctions,
    objections,
    repair,
    service_agencies,
    agency_objections,
    batch_queries,
    pushed_reports,  # after the agencies it names
]


class Command(BaseCommand):
    help = "Create demo organisations, one user per role and the city policies (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="allow outside DEBUG")

    def handle(self, *args, force, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo creates users with published passwords; it runs only with DEBUG=1 (or --force)."
            )
        call_command("load_policies", stdout=self.stdout)
        with transaction.atomic():
            organizations = {}
            for key, kind, name, short_name, code in DEMO_ORGANIZATIONS:
                org = Organization.objects.filter(unified_code=code).first() or Organization(unified_code=code)
                org.kind, org.name, org.short_name = kind, name, short_name
                org.region_code, org.region_name = "320100", "南京市"
                organizations[key] = organization_save(org, by=None, reason=REASON)
            rows = []
            for username, full_name, role, org_key, password in DEMO_USERS:
                user = User.objects.filter(username=username).first() or User(username=username)
                user.full_name, user.role, user.organization = full_name, role, organizations[org_key]
                user.is_active = True
                # The demo passwords meet the password policy, like every real one must.
                validate_password(password, user)
                user_save(user, by=None, reason=REASON, password=password)
                rows.append((Role(role).label, username, password, organizations[org_key].name))
        # One transaction per step: a step that fails leaves the steps before it in place.
        for step in DEMO_STEPS:
            with transaction.atomic():
                step.seed(self.stdout)
        self.stdout.write("\nDemo logins (http://127.0.0.1:8000/):")
        for label, username, password, org_name in rows:
            self.stdout.write(f"  {label:<22} {username:<16} {password:<20} {org_name}")
