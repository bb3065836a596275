from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from apps.core.http import login_not_required_urls

admin.site.site_header = _("Public credit information platform — administration")
admin.site.site_title = _("Public credit information platform")
admin.site.index_title = _("Maintenance")

handler403 = "apps.core.views.permission_denied"

admin_urls = admin.site.urls
login_not_required_urls(admin_urls[0])

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # The admin sends anonymous users to its own login page.
    path("admin/", admin_urls),
    path("api/v1/", include("credit_portal.api_urls")),
    # DRF views: SERVE_PERMISSIONS requires an authenticated user (session or token), so an
    # anonymous request gets 401/403 from DRF rather than a redirect from the middleware.
    *login_not_required_urls(
        [
            path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
            path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
        ]
    ),
    path("", include("apps.catalog.urls")),
    path("", include("apps.subjects.urls")),
    path("", include("apps.sanctions.urls")),
    path("", include("apps.objections.urls")),
    path("", include("apps.repair.urls")),
    path("", include("apps.service_agencies.urls")),
    path("", include("apps.core.urls")),
]
