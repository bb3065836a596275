from django.urls import path

from apps.sanctions import views

app_name = "sanctions"

urlpatterns = [
    path("cases/", views.case_list, name="case_list"),
    path("cases/new/", views.case_new, name="case_new"),
    path("cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("cases/<int:pk>/step/<slug:step>/", views.case_step, name="case_step"),
    path("cases/<int:pk>/<slug:document>/", views.case_document, name="case_document"),
    path("checks/", views.check_view, name="check"),
    path("checks/<int:pk>/", views.check_detail, name="check_detail"),
    path("sanctions/statistics/", views.statistics_view, name="statistics"),
    path("public/serious-list/", views.public_list, {"list_type": "serious"}, name="public_serious"),
    path("public/red-list/", views.public_list, {"list_type": "red"}, name="public_red"),
]
