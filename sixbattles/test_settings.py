"""Test settings: the real settings plus speed-ups. DATABASE_URL picks PostgreSQL in CI."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-0123456789")

from sixbattles.settings import *  # noqa: E402,F403

DEBUG = False
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Nothing is collected in tests (the live server serves static/ through the finders); without a
# STATIC_ROOT whitenoise does not warn about the missing folder.
STATIC_ROOT = None
# In memory: each test starts with none kept (conftest.py); the tests of the worker's warming
# turn DASHBOARDS_WARM on, the rest judge in the request as a reader before the worker would.
CACHES = {
    **CACHES,  # noqa: F405
    "dashboards": {
        **CACHES["dashboards"],  # noqa: F405
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "dashboards",
    },
}
DASHBOARDS_WARM = False
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
AXES_ENABLED = True
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
