from django.urls import path

from apps.objections import views, views_statistics

app_name = "objections"

urlpatterns = [
    path("objections/", views.objection_list, name="list"),
    path("objections/new/", views.objection_new, name="new"),
    path("objections/<int:pk>/", views.objection_detail, name="detail"),
    path("objections/<int:pk>/step/<slug:step>/", views.objection_step, name="step"),
    path("objections/<int:pk>/reply/", views.objection_reply, name="reply"),
    path("objections/statistics/", views_statistics.objection_statistics_view, name="statistics"),
]
