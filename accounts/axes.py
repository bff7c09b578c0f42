"""How django-axes names the account in a login attempt, and what it does at a successful login."""

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_session_hash, get_credentials
from axes.models import AccessLog
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


# What this request's lockout check counted (set by LoginAttemptHandler.get_failures).
FAILURES_AT_CHECK = "sixbattles_axes_failures"


class LoginAttemptHandler(AxesDatabaseHandler):
    """django-axes' database handler (AXES_HANDLER), with two queries fewer per successful login.

    A successful login writes the access log as axes does, but
    - does not sweep the table for expired attempts: axes does that before recording every failed
      login (when the table grows), and the lockout check ignores expired attempts meanwhile;
    - resets the account's attempts (AXES_RESET_ON_SUCCESS) only when the lockout check of the same
      request counted any. A login that did not pass that check (an admin's force_login, a
      whitelisted address) resets as before.
    Lockout itself is axes' own: the same check, the same failure records.
    """

    def get_failures(self, request, credentials=None):
        failures = super().get_failures(request, credentials)
        setattr(request, FAILURES_AT_CHECK, failures)
        return failures

    def user_logged_in(self, sender, request, user, **kwargs):
        if not settings.AXES_DISABLE_ACCESS_LOG:
            AccessLog.objects.create(
                username=user.get_username(),
                ip_address=request.axes_ip_address,
                user_agent=request.axes_user_agent,
                http_accept=request.axes_http_accept,
                path_info=request.axes_path_info,
                attempt_time=request.axes_attempt_time,
                session_hash=get_client_session_hash(request),
            )
        if settings.AXES_RESET_ON_SUCCESS and getattr(request, FAILURES_AT_CHECK, None) != 0:
            self.reset_user_attempts(request, get_credentials(user.get_username()))
