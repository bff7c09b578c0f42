from django.urls import path

from targets import views

app_name = "targets"

urlpatterns = [
    path("readings/", views.reading_list, name="reading_list"),
    path("readings/<int:target_id>/<int:period_id>/", views.reading_entry, name="reading_entry"),
]
