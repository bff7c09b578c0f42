"""The project package as an app (its signal receivers connect at start-up), and third-party apps
under Chinese names in the admin."""

from axes.apps import AppConfig as BaseAxesConfig
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SixBattlesConfig(AppConfig):
    name = "sixbattles"
    verbose_name = "六仗调度系统"

    def ready(self):
        from sixbattles import middleware  # noqa: F401  (connects the login receiver)


class AxesConfig(BaseAxesConfig):
    """django-axes (its own name is the English "Axes")."""

    verbose_name = _("登录安全")
