from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.notification_list, name="list"),
    path("recent/", views.notification_recent, name="recent"),
    path("read-all/", views.notification_mark_all_read, name="mark_all_read"),
    path("preferences/", views.notification_preferences, name="preferences"),
    path("<int:pk>/open/", views.notification_open, name="open"),
    path("<int:pk>/read/", views.notification_mark_read, name="mark_read"),
]
