"""Property-based: whatever is typed into the login form, the answer is a page, never a 500."""

from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

TEXT = st.one_of(
    st.text(max_size=200),
    st.text(alphabet=st.characters(codec="utf-8", categories=["Cc", "Cf", "Zs", "Lo", "So"]), max_size=40),
    st.sampled_from(["admin' OR '1'='1", "<script>alert(1)</script>", "NaN", "\x00", "名" * 300, "a" * 100_000]),
)


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(username=TEXT, password=TEXT, address=st.ip_addresses(v=4).map(str))
def test_generated_login_input_never_yields_a_500_or_a_session(db, username, password, address):
    client = Client()
    response = client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)
    # 200: the form again with an error; 429/403: too many failures from this address.
    assert response.status_code in {200, 403, 429}
    assert "_auth_user_id" not in client.session


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(old=TEXT, new1=TEXT, new2=TEXT)
def test_generated_password_change_input_never_yields_a_500(staff_commerce, old, new1, new2):
    client = Client()
    client.force_login(staff_commerce)
    response = client.post(
        reverse("accounts:password_change"), {"old_password": old, "new_password1": new1, "new_password2": new2}
    )
    assert response.status_code in {200, 302}
    staff_commerce.refresh_from_db()
    if response.status_code == 200:
        # A refused change leaves the old password working.
        assert staff_commerce.check_password(staff_commerce.raw_password)
