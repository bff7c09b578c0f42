"""WSGI entry point for production servers (gunicorn, uWSGI, mod_wsgi)."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sixbattles.settings")

application = get_wsgi_application()

# Move everything loaded at start-up (Django, the apps, templates' modules) out of the garbage
# collector's view: full collections then walk only per-request objects, which takes the ~40 ms
# collection pauses out of the dashboards' tail latency (see README, Performance).
gc.freeze()
