from django.urls import path

from reporting import dashboards

app_name = "dash"

urlpatterns = [
    path("", dashboards.home, name="home"),
    path("<slug:code>/", dashboards.overview, name="overview"),
    path("<slug:code>/battle/<int:number>/", dashboards.battle, name="battle"),
    path("<slug:code>/department/<int:pk>/", dashboards.department, name="department"),
    path("target/<int:pk>/", dashboards.target, name="target"),
    path("target/<int:pk>/areas/", dashboards.area, name="area"),
    path("task/<int:pk>/", dashboards.task, name="task"),
]
