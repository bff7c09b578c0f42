from django.urls import path

from reporting import dashboards
from sixbattles import params  # noqa: F401 (registers the <id:…> path converter)

app_name = "dash"

urlpatterns = [
    path("", dashboards.home, name="home"),
    path("<slug:code>/", dashboards.overview, name="overview"),
    path("<slug:code>/battle/<id:number>/", dashboards.battle, name="battle"),
    path("<slug:code>/department/<id:pk>/", dashboards.department, name="department"),
    path("target/<id:pk>/", dashboards.target, name="target"),
    path("target/<id:pk>/areas/", dashboards.area, name="area"),
    path("task/<id:pk>/", dashboards.task, name="task"),
]
