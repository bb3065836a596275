from django.urls import path

from apps.repair import public, views, views_statistics

app_name = "repair"

urlpatterns = [
    path("repair/", views.repair_list, name="list"),
    path("repair/new/", views.repair_new, name="new"),
    path("repair/<int:pk>/", views.repair_detail, name="detail"),
    path("repair/<int:pk>/step/<slug:step>/", views.repair_step, name="step"),
    path("repair/<int:pk>/decision/", views.repair_decision, name="decision"),
    path("repair/good-info/", views.good_info_list, name="good_info_list"),
    path("repair/good-info/new/", views.good_info_new, name="good_info_new"),
    path("repair/good-info/<int:pk>/", views.good_info_detail, name="good_info_detail"),
    path("repair/good-info/<int:pk>/step/<slug:step>/", views.good_info_step, name="good_info_step"),
    path("repair/interviews/", views.interview_list, name="interview_list"),
    path("repair/interviews/new/", views.interview_new, name="interview_new"),
    path("repair/statistics/", views_statistics.repair_statistics_view, name="statistics"),
    # public pages, no login
    path("public/repair/", public.public_apply, name="public_apply"),
    path("public/repair/filed/", public.public_filed, name="public_filed"),
    path("public/repair/status/", public.public_status, name="public_status"),
    path("public/repair/announcements/", public.public_announcements, name="public_announcements"),
]
