"""Third-party apps under Chinese names in the admin."""

from axes.apps import AppConfig as BaseAxesConfig
from django.utils.translation import gettext_lazy as _


class AxesConfig(BaseAxesConfig):
    """django-axes (its own name is the English "Axes")."""

    verbose_name = _("登录安全")
