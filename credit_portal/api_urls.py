"""/api/v1/: every app registers its endpoints on this one router."""

from django.urls import path, re_path
from rest_framework.routers import DefaultRouter

from apps.catalog import api as catalog
from apps.core.api import views as core
from apps.core.http import login_not_required_urls
from apps.objections import api as objections
from apps.objections import api_agency as agency_objections
from apps.objections import api_revocations as revocations
from apps.repair import api as repair
from apps.sanctions import api as sanctions
from apps.service_agencies import api as service_agencies
from apps.service_agencies import api_batch as service_agencies_batch
from apps.subjects import api as subjects

router = DefaultRouter()
# The joint-sanction check first: other government systems call it once per applicant, and URL
# resolution tries the routes in this order (about 170 patterns before it otherwise; issue 16).
router.register("checks", sanctions.SanctionCheckViewSet, basename="check")
router.register("organizations", core.OrganizationViewSet, basename="organization")
router.register("users", core.UserViewSet, basename="user")
router.register("query-flags", core.QueryFlagViewSet, basename="queryflag")
router.register("catalogs", catalog.CatalogViewSet, basename="catalog")
router.register("catalog-items", catalog.CatalogItemViewSet, basename="catalogitem")
router.register("measure-lists", catalog.MeasureListViewSet, basename="measurelist")
router.register("measures", catalog.MeasureViewSet, basename="measure")
router.register("exemption-lists", catalog.ExemptionListViewSet, basename="exemptionlist")
router.register("exemption-rules", catalog.ExemptionRuleViewSet, basename="exemptionrule")
router.register("batches", subjects.ImportBatchViewSet, basename="importbatch")
router.register("records", subjects.CreditRecordViewSet, basename="creditrecord")
router.register("cases", sanctions.ListingCaseViewSet, basename="listingcase")
router.register("objections", objections.ObjectionViewSet, basename="objection")
router.register("revocations", revocations.RevocationViewSet, basename="revocation")
router.register("repairs", repair.RepairViewSet, basename="repair")
router.register("repair-events", repair.RepairEventViewSet, basename="repairevent")
router.register("agencies/filings", service_agencies.FilingViewSet, basename="agencyfiling")
router.register("agencies/business-reports", service_agencies.BusinessReportViewSet, basename="businessreport")
router.register("agencies/supervision", service_agencies.SupervisionViewSet, basename="supervisionaction")
router.register("agencies/free-reports", service_agencies.FreeReportViewSet, basename="freereport")
router.register("agencies/objections", agency_objections.AgencyObjectionViewSet, basename="agencyobjection")
router.register("agencies/pushed-reports", service_agencies.PushedReportViewSet, basename="pushedreport")
router.register("agencies/batch-queries", service_agencies_batch.BatchQueryViewSet, basename="batchquery")

# DRF authenticates tokens inside the view; its permission classes keep every endpoint
# deny-by-default (401/403), so LoginRequiredMiddleware must not redirect these requests.
urlpatterns = login_not_required_urls(
    [
        path("me/", core.MeView.as_view(), name="api-me"),
        path("policy/", core.ActivePolicyView.as_view(), name="api-policy"),
        path("subjects/lookup/", subjects.SubjectLookupView.as_view(), name="api-subject-lookup"),
        *router.urls,
        re_path(r"", core.api_not_found),  # last: what no route above matches
    ]
)
