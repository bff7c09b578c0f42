from django.urls import path

from reporting import public

app_name = "public"

urlpatterns = [
    path("<slug:code>/", public.public_page, name="plan"),
    path("<slug:code>/data.json", public.public_json, name="json"),
    path("<slug:code>/feed.atom", public.public_feed, name="feed"),
]
