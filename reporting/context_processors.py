from django.utils.functional import SimpleLazyObject


def unread_notifications(request):
    """The unread count for the navigation bar: one COUNT query, only when a page shows it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def count():
        from accounts.models import Notification

        return Notification.objects.filter(user=user, read_at__isnull=True).count()

    return {"unread_notifications": SimpleLazyObject(count)}
