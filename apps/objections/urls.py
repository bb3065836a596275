from django.urls import path

from apps.objections import views, views_revocations

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
]
