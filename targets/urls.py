from django.urls import path

from sixbattles import params  # noqa: F401 (registers the <id:…> path converter)
from targets import views

app_name = "targets"

urlpatterns = [
    path("readings/", views.reading_list, name="reading_list"),
    path("readings/<id:target_id>/<id:period_id>/", views.reading_entry, name="reading_entry"),
]
