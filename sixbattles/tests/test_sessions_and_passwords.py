"""Argon2 password hashes (old ones upgraded at login), what a login costs in queries, and sessions
written only when they change."""

import time
from datetime import timedelta

import pytest
from axes.models import AccessAttempt, AccessLog
from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher, make_password
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conftest import make_user
from sixbattles import sessions
from sixbattles.hashers import Argon2Hasher
from sixbattles.middleware import SEEN_KEY

CHOSEN = "argon2$argon2id$v=19$m=31744,t=3,p=1$"

REAL_HASHERS = [
    "sixbattles.hashers.Argon2Hasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
]


def log_in(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR="10.2.2.2")


def test_the_production_settings_hash_new_passwords_with_argon2():
    from sixbattles import settings as production

    assert production.PASSWORD_HASHERS[0] == "sixbattles.hashers.Argon2Hasher"
    with override_settings(PASSWORD_HASHERS=production.PASSWORD_HASHERS):
        encoded = make_password("demo12345")
    assert encoded.startswith(CHOSEN)


class PreviousArgon2Hasher(Argon2PasswordHasher):
    """This project's parameters before the fault-free 31 MiB (hashes stored until then)."""

    time_cost = 2
    memory_cost = 32 * 1024
    parallelism = 1


@pytest.mark.parametrize(
    "old, stored",
    [
        ("django.contrib.auth.hashers.PBKDF2PasswordHasher", "pbkdf2_sha256$"),
        # Django's own Argon2 defaults (100 MiB, 8 lanes): same algorithm, other parameters.
        ("django.contrib.auth.hashers.Argon2PasswordHasher", "argon2$argon2id$v=19$m=102400,t=2,p=8$"),
        (f"{__name__}.PreviousArgon2Hasher", "argon2$argon2id$v=19$m=32768,t=2,p=1$"),
    ],
)
def test_an_old_hash_is_upgraded_to_the_chosen_argon2_at_login(client, plan, departments, old, stored):
    with override_settings(PASSWORD_HASHERS=[old]):
        user = make_user("oldhash", "staff", departments["commerce"])
    assert user.password.startswith(stored)
    before = user.password
    with override_settings(PASSWORD_HASHERS=REAL_HASHERS):
        response = log_in(client, "oldhash", user.raw_password)
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.password != before
    assert user.password.startswith(CHOSEN)
    with override_settings(PASSWORD_HASHERS=REAL_HASHERS):
        assert log_in(client.__class__(), "oldhash", user.raw_password).status_code == 302


def test_argon2_parameters_cost_about_50_ms_and_verify():
    hasher = Argon2Hasher()
    encoded = hasher.encode("demo12345", hasher.salt())
    started = time.process_time()
    assert hasher.verify("demo12345", encoded)
    assert not hasher.verify("wrong", encoded)
    per_check = (time.process_time() - started) / 2
    # About 50 ms on the project's machine; a loose band so a faster or busier core still passes.
    assert 0.01 < per_check < 0.5


def test_a_login_runs_six_statements(client, plan, staff_commerce, django_assert_num_queries):
    # The lockout check, the user, the new session's row, the access log, last_login and the
    # session's data, and a savepoint pair around each session write (10 queries): no existence
    # check of the session key, no sweep of expired attempts, no reset of attempts the lockout
    # check did not find (there were 9 statements before).
    with django_assert_num_queries(10):
        response = log_in(client, "commerce", staff_commerce.raw_password)
    assert response.status_code == 302 and response["Location"] == reverse("tasks:home")
    assert AccessLog.objects.filter(username="commerce", ip_address="10.2.2.2").count() == 1


def test_a_login_after_failures_still_resets_them(client, plan, staff_commerce):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        log_in(client.__class__(), "commerce", "wrong-password")
    assert AccessAttempt.objects.get(username="commerce").failures_since_start == settings.AXES_FAILURE_LIMIT - 1
    assert log_in(client, "commerce", staff_commerce.raw_password).status_code == 302
    assert not AccessAttempt.objects.filter(username="commerce").exists()


def test_a_login_gives_the_visitor_a_new_session_key(client, plan, staff_commerce):
    before = client.session  # a session from before the login, as a fixation attack would plant
    before["note"] = "kept"
    before.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = before.session_key
    assert log_in(client, "commerce", staff_commerce.raw_password).status_code == 302
    after = client.session
    assert after.session_key != before.session_key
    assert not Session.objects.filter(pk=before.session_key).exists()
    assert after["_auth_user_id"] == str(staff_commerce.pk) and after["note"] == "kept"


def test_a_new_session_whose_key_is_taken_draws_another(db, monkeypatch):
    taken = sessions.SessionStore()
    taken["owner"] = "first"
    taken.create()
    keys = iter([taken.session_key, "k" * 32])
    monkeypatch.setattr(sessions, "get_random_string", lambda length, chars: next(keys))
    fresh = sessions.SessionStore()
    fresh["owner"] = "second"
    fresh.create()
    assert fresh.session_key == "k" * 32
    assert sessions.SessionStore(taken.session_key).load() == {"owner": "first"}


def session_writes(queries):
    return [
        q["sql"]
        for q in queries
        if "django_session" in q["sql"] and q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT"))
    ]


def test_a_page_view_does_not_write_the_session(client, plan, staff_commerce):
    log_in(client, "commerce", staff_commerce.raw_password)
    client.get(reverse("tasks:home"))  # the first page after login may record the refresh time
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("tasks:home")).status_code == 200
        assert client.get(reverse("targets:reading_list")).status_code == 200
    assert session_writes(ctx.captured_queries) == []


def test_an_active_session_is_refreshed_once_it_is_older_than_the_refresh_interval(client, plan, staff_commerce):
    log_in(client, "commerce", staff_commerce.raw_password)
    key = client.session.session_key
    # As if the last refresh was 10 minutes ago and the session had one hour left.
    session = client.session
    session[SEEN_KEY] = int(time.time()) - 10 * 60
    session.save()
    Session.objects.filter(pk=key).update(expire_date=timezone.now() + timedelta(hours=1))
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("tasks:home")).status_code == 200
    assert len(session_writes(ctx.captured_queries)) == 1
    # Written again: a full SESSION_COOKIE_AGE (8 h) of idle time from now.
    assert Session.objects.get(pk=key).expire_date > timezone.now() + timedelta(hours=7, minutes=59)
    assert client.session[SEEN_KEY] >= int(time.time()) - 5
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("tasks:home")).status_code == 200
    assert session_writes(ctx.captured_queries) == []


def test_an_anonymous_visitor_gets_no_session_row(client, db):
    client.get(reverse("login"))
    assert Session.objects.count() == 0
