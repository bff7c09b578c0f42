"""How django-axes names the account in a login attempt."""

from django.conf import settings

# AccessAttempt.username is 255 characters; accounts themselves are at most 150.
USERNAME_LIMIT = 150


def attempt_username(request, credentials):
    """The username a login attempt was for, cut to the length of a real account name.

    Django's login form does not enforce the username length before authenticating, so an
    overlong name would otherwise reach axes' 255-character column and fail on PostgreSQL.
    """
    field = settings.AXES_USERNAME_FORM_FIELD
    if credentials:
        username = credentials.get(field)
    else:
        username = request.POST.get(field) if request is not None else None
    if username is None:
        return None
    return str(username)[:USERNAME_LIMIT]
