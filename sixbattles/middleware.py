"""Keeping the idle timeout without writing the session on every request; refusing a form whose
body was cut off."""

import logging
import time

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.signals import user_logged_in
from django.core.exceptions import BadRequest
from django.core.handlers.wsgi import LimitedStream
from django.dispatch import receiver

SEEN_KEY = "_seen_at"
log = logging.getLogger(__name__)


class IdleSessionRefreshMiddleware:
    """Moves a signed-in session's expiry forward at most once every SESSION_REFRESH_SECONDS.

    The database session expires SESSION_COOKIE_AGE after its last save. Saving it on every
    request (SESSION_SAVE_EVERY_REQUEST) costs a write per page; here an active user's session
    is written only when its last refresh is older than SESSION_REFRESH_SECONDS, so the idle
    timeout is SESSION_COOKIE_AGE to within that margin.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None and SESSION_KEY in session:
            seen = session.get(SEEN_KEY)
            if not isinstance(seen, int) or int(time.time()) - seen >= settings.SESSION_REFRESH_SECONDS:
                session[SEEN_KEY] = int(time.time())  # marks the session modified: saved, new expiry
        response = self.get_response(request)
        if session is not None and session.modified and SESSION_KEY in session:
            # Saved anyway (a login, a language switch): it counts as the refresh.
            session[SEEN_KEY] = int(time.time())
        return response


@receiver(user_logged_in, dispatch_uid="sixbattles.session_seen_at_login")
def note_login_time(sender, request, **_kwargs):
    """A login saves the session anyway: record it as the first refresh, so the next page does not
    write the session again."""
    if getattr(request, "session", None) is not None:
        request.session[SEEN_KEY] = int(time.time())


FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


class TruncatedFormMiddleware:
    """Refuses a form post whose body ended before its Content-Length: an upload cut off by a
    dropped connection. Django parses whatever arrived, so a progress report would otherwise be
    saved with its text but without the file being sent, nor the submit button's value (sent after
    the files), and the user, who saw only a network error, then meets a refused stale save."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, _view, _args, _kwargs):
        if request.method != "POST" or request.content_type not in FORM_TYPES:
            return None
        _ = request.POST  # parsed here if the CSRF check has not parsed it already
        stream = request._stream
        if isinstance(stream, LimitedStream):  # read by the multipart parser: how far it got
            received, declared = stream._pos, stream.limit
        else:  # read whole into request.body (a urlencoded form), then parsed
            length = request.META.get("CONTENT_LENGTH") or "0"
            received, declared = len(request.body), int(length) if length.isdigit() else 0
        if received < declared:
            log.warning("refused %s: body cut off at %d of %d bytes", request.path, received, declared)
            raise BadRequest("request body cut off before its Content-Length")
        return None
