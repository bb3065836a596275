from django.urls import path

from apps.subjects import public, views, views_disclosure

app_name = "subjects"

urlpatterns = [
    path("subjects/", views.subject_search_view, name="search"),
    path("subjects/<int:pk>/file/", views.credit_file_view, name="credit_file"),
    path("subjects/<int:pk>/report/", views.report_issue_view, name="report_issue"),
    path("reports/<str:code>/pdf/", views.report_pdf_view, name="report_pdf"),
    path("verify/", views.verify_view, name="verify"),
    path("records/", views.record_list, name="record_list"),
    path("records/<int:pk>/", views.record_detail_view, name="record_detail"),
    path("records/new/<int:item_pk>/", views.record_create_view, name="record_create"),
    path("records/<int:pk>/correct/", views.record_correct_view, name="record_correct"),
    path("batches/", views.batch_list, name="batch_list"),
    path("batches/upload/", views.batch_upload_view, name="batch_upload"),
    path("batches/<int:pk>/", views.batch_detail, name="batch_detail"),
    path("batches/<int:pk>/<slug:step>/", views.batch_step, name="batch_step"),
    path("batches/template/<int:item_pk>.csv", views.batch_template, name="batch_template"),
    path("batches/template/<int:item_pk>.xlsx", views.batch_template, {"fmt": "xlsx"}, name="batch_template_xlsx"),
    # The auditor's workspace (issue 17; its other pages are core:audit_*).
    path("audit/trail/", views.subject_trail_view, name="subject_trail"),
    path("commitments/", views.commitment_list, name="commitment_list"),
    path("commitments/<int:pk>/resolve/", views.commitment_resolve_view, name="commitment_resolve"),
    # the public credit portal (信用门户), no login (issue 18)
    path("public/search/", public.public_search, name="public_search"),
    path("public/subjects/<uuid:key>/", public.public_subject, name="public_subject"),
    path(
        "public/subjects/<uuid:key>/records/<slug:category>/",
        public.public_subject_records,
        name="public_subject_records",
    ),
    path("public/feeds/agencies/<int:pk>/", public.public_agency_feed, name="public_agency_feed"),
    path("public/feeds/<slug:slug>/", public.public_feed, name="public_feed"),
    path("public/feeds/<slug:slug>/export.csv", public.public_feed_export, name="public_feed_export"),
    # disclosure on request (依申请公开, Nanjing art. 27): the public form and status page, and the
    # credit office's workbench
    path("public/disclosure-requests/", public.public_disclosure_request, name="public_disclosure_request"),
    path("public/disclosure-requests/filed/", public.public_disclosure_filed, name="public_disclosure_filed"),
    path("public/disclosure-requests/status/", public.public_disclosure_status, name="public_disclosure_status"),
    path("disclosure-requests/", views_disclosure.disclosure_request_list, name="disclosure_request_list"),
    path("disclosure-requests/<int:pk>/", views_disclosure.disclosure_request_detail, name="disclosure_request_detail"),
    path(
        "disclosure-requests/<int:pk>/step/<slug:step>/",
        views_disclosure.disclosure_request_step,
        name="disclosure_request_step",
    ),
    path(
        "disclosure-requests/<int:pk>/document.pdf",
        views_disclosure.disclosure_request_document,
        name="disclosure_request_document",
    ),
]
