"""The session engine: Django's database sessions, one query fewer per new session (every login)."""

from django.contrib.sessions.backends.base import VALID_KEY_CHARS
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.utils.crypto import get_random_string


class SessionStore(DatabaseSessionStore):
    def _get_new_session_key(self):
        """A fresh random key, without first asking the database whether it is taken.

        Only create() asks for a new key here, and create() inserts the row with must_create and
        draws another key if the insert hits an existing one (CreateError), so the SELECT Django
        runs first only repeated the primary key's own check. Keys are 32 characters of 36.
        """
        return get_random_string(32, VALID_KEY_CHARS)
