from django.urls import path

from apps.service_agencies import (
    public,
    views,
    views_batch,
    views_free_reports,
    views_pushed,
    views_statistics,
    views_supervision,
)

app_name = "service_agencies"

urlpatterns = [
    path("agencies/", views.filing_list, name="filing_list"),
    path("agencies/new/", views.filing_new, name="filing_new"),
    path("agencies/<int:pk>/", views.filing_detail, name="filing_detail"),
    path("agencies/<int:pk>/step/<slug:step>/", views.filing_step, name="filing_step"),
    path("agencies/business/new/", views.business_report_new, name="business_report_new"),
    # supervision (Ningbo art. 52, Nanjing art. 69)
    path("agencies/supervision/", views_supervision.action_list, name="action_list"),
    path("agencies/supervision/new/", views_supervision.action_new, name="action_new"),
    path("agencies/supervision/<int:pk>/", views_supervision.action_detail, name="action_detail"),
    path("agencies/supervision/<int:pk>/received/", views_supervision.action_receive, name="action_receive"),
    path("agencies/supervision/<int:pk>/open-case/", views_supervision.action_open_case, name="action_open_case"),
    # credit reports pushed by the bodies that used them (Nanjing art. 65)
    path("agencies/pushed-reports/", views_pushed.pushed_list, name="pushed_list"),
    path("agencies/pushed-reports/new/", views_pushed.pushed_new, name="pushed_new"),
    path("agencies/pushed-reports/<int:pk>/", views_pushed.pushed_detail, name="pushed_detail"),
    path("agencies/pushed-reports/<int:pk>/file/", views_pushed.pushed_file, name="pushed_file"),
    # free reports to natural persons (Tianjin art. 39, Zhangye art. 50)
    path("agencies/free-reports/", views_free_reports.free_report_list, name="free_report_list"),
    # statistics (issue 14 item 8)
    path("agencies/statistics/", views_statistics.agency_statistics_view, name="statistics"),
    # batch-query applications (批量查询, Nanjing art. 67)
    path("agencies/batch/", views_batch.batch_list, name="batch_list"),
    path("agencies/batch/new/", views_batch.batch_new, name="batch_new"),
    path("agencies/batch/<int:pk>/", views_batch.batch_detail, name="batch_detail"),
    path("agencies/batch/<int:pk>/step/<slug:step>/", views_batch.batch_step, name="batch_step"),
    path("agencies/batch/<int:pk>/run/", views_batch.batch_run, name="batch_run"),
    path("agencies/batch/<int:pk>/agreement/", views_batch.batch_agreement, name="batch_agreement"),
    path("agencies/batch/<int:pk>/runs/<int:sequence>/<slug:fmt>/", views_batch.batch_download, name="batch_download"),
    # the public registry (名册), no login
    path("public/agencies/", public.public_registry_view, name="public_registry"),
]
