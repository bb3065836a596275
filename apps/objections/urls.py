from django.urls import path

from apps.objections import public, views

app_name = "objections"

urlpatterns = [
    path("objections/", views.objection_list, name="list"),
    path("objections/new/", views.objection_new, name="new"),
    path("objections/<int:pk>/", views.objection_detail, name="detail"),
    path("objections/<int:pk>/step/<slug:step>/", views.objection_step, name="step"),
    path("objections/<int:pk>/reply/", views.objection_reply, name="reply"),
    # public pages, no login (issue 12 item 6)
    path("public/objections/", public.public_file, name="public_file"),
    path("public/objections/filed/", public.public_filed, name="public_filed"),
    path("public/objections/status/", public.public_status, name="public_status"),
]
