from django.urls import path

from apps.core import views

app_name = "core"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("workbench/", views.WorkbenchView.as_view(), name="workbench"),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification_read"),
    path("query-log/", views.QueryLogListView.as_view(), name="querylog_list"),
    path("query-flags/", views.QueryFlagListView.as_view(), name="queryflag_list"),
    path("query-flags/<int:pk>/clear/", views.queryflag_clear, name="queryflag_clear"),
    path("system-accounts/", views.SystemAccountUsageView.as_view(), name="systemaccount_list"),
    path("sign-in-events/", views.AuthEventListView.as_view(), name="authevent_list"),
    path("policy/", views.PolicyView.as_view(), name="policy"),
    path("working-days/", views.WorkingDaysView.as_view(), name="workdays"),
]
