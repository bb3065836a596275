from django.urls import path

from apps.core import views, views_audit

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
    # The auditor's workspace (issue 17); a subject's trail is subjects:subject_trail.
    path("audit/history/", views_audit.AuditHistoryView.as_view(), name="audit_history"),
    path("audit/chain/", views_audit.ChainVerificationView.as_view(), name="audit_chain"),
    path("audit/chain/verify/", views_audit.chain_verify, name="audit_chain_verify"),
    path("policy/", views.PolicyView.as_view(), name="policy"),
    path("working-days/", views.WorkingDaysView.as_view(), name="workdays"),
]
