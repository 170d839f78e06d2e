from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("", views.home, name="home"),
    path("export/<slug:key>.csv", views.export_csv, name="export_csv"),
    path("bottlenecks/", views.bottlenecks, name="bottlenecks"),
    path("report.pdf", views.network_report_pdf, name="network_report_pdf"),
    path("cases/<int:case_pk>/summary.pdf", views.case_summary_pdf, name="case_summary_pdf"),
    path("cases/open/<str:code>/", views.case_open, name="case_open"),
]
