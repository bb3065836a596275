from django.urls import path

from apps.objections import public, views, views_agency, views_revocations, views_statistics

app_name = "objections"

urlpatterns = [
    path("objections/", views.objection_list, name="list"),
    path("objections/new/", views.objection_new, name="new"),
    path("objections/<int:pk>/", views.objection_detail, name="detail"),
    path("objections/<int:pk>/step/<slug:step>/", views.objection_step, name="step"),
    path("objections/<int:pk>/reply/", views.objection_reply, name="reply"),
    # revocation notices (撤销/变更告知)
    path("objections/revocations/", views_revocations.revocation_list, name="revocation_list"),
    path("objections/revocations/new/", views_revocations.revocation_new, name="revocation_new"),
    path("objections/revocations/<int:pk>/", views_revocations.revocation_detail, name="revocation_detail"),
    path(
        "objections/revocations/<int:pk>/step/<slug:step>/",
        views_revocations.revocation_step,
        name="revocation_step",
    ),
    # objections received by a credit service agency about its own information (issue 14 item 6)
    path("objections/agency/", views_agency.agency_objection_list, name="agency_list"),
    path("objections/agency/new/", views_agency.agency_objection_new, name="agency_new"),
    path("objections/agency/<int:pk>/", views_agency.agency_objection_detail, name="agency_detail"),
    path("objections/agency/<int:pk>/step/<slug:step>/", views_agency.agency_objection_step, name="agency_step"),
    path("objections/agency/<int:pk>/reply/", views_agency.agency_objection_reply, name="agency_reply"),
    # public pages, no login (issue 12 item 6)
    path("public/objections/", public.public_file, name="public_file"),
    path("public/objections/filed/", public.public_filed, name="public_filed"),
    path("public/objections/status/", public.public_status, name="public_status"),
    path("objections/statistics/", views_statistics.objection_statistics_view, name="statistics"),
]
