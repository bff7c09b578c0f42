from django.apps import AppConfig


class SixBattlesConfig(AppConfig):
    """The project package as an app: its signal receivers are connected at start-up."""

    name = "sixbattles"
    verbose_name = "六仗调度系统"

    def ready(self):
        from sixbattles import middleware  # noqa: F401  (connects the login receiver)
