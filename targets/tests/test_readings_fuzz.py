"""Property-based: no input posted to the readings form yields a 500, and bad input saves nothing."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from targets.models import Period, Target, TargetReading

NUMBERISH = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["NaN", "-nan", "Infinity", "-Infinity", "1e999", "-0", "1e-30", "１２３", "1,2,3", "0x10", " 7 "]),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.floats().map(repr),
    st.integers().map(str),
    st.just("9" * 5000),
)
TEXT = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(codec="utf-8", categories=["Cc", "Cf", "Zs", "Lo", "So"]), max_size=50),
    st.just("长" * 100_000),
)
FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def commerce_client(plan, staff_commerce):
    client = Client()
    client.force_login(staff_commerce)
    return client


@FUZZ
@given(cumulative=NUMBERISH, period_value=NUMBERISH, version=NUMBERISH, source=TEXT, note=TEXT, area=NUMBERISH)
def test_generated_input_to_the_readings_form_never_yields_a_500(
    commerce_client, plan, departments, cumulative, period_value, version, source, note, area
):
    retail = Target.objects.get(battle__plan=plan, code="1.02")
    april = Period.objects.get(plan=plan, kind="month", number=4)
    hecheng = departments["hecheng"].pk
    data = {
        "city-cumulative_value": cumulative,
        "city-period_value": period_value,
        "city-version": version,
        "city-data_source": source,
        "city-note": note,
        f"area{hecheng}-cumulative_value": area,
    }
    before = TargetReading.objects.count()
    response = commerce_client.post(reverse("targets:reading_entry", args=[retail.pk, april.pk]), data)
    assert response.status_code in {200, 302}
    if response.status_code == 200:
        # A refused form writes nothing at all.
        assert TargetReading.objects.count() == before
    else:
        saved = TargetReading.objects.get(target=retail, period=april, area__isnull=True)
        assert saved.cumulative_value is None or saved.cumulative_value.is_finite()
        assert "\x00" not in saved.note and len(saved.data_source) <= 200


@FUZZ
@given(growth=NUMBERISH, cumulative=NUMBERISH)
def test_generated_growth_rates_are_saved_only_within_bounds(client, plan, departments, growth, cumulative):
    from accounts.models import User
    from conftest import make_user

    user = User.objects.filter(username="stats").first() or make_user("stats", "staff", departments["stats"])
    client.force_login(user)
    gdp = Target.objects.get(battle__plan=plan, code="1.01")
    q2 = Period.objects.get(plan=plan, kind="quarter", number=2)
    TargetReading.objects.filter(target=gdp).delete()
    response = client.post(
        reverse("targets:reading_entry", args=[gdp.pk, q2.pk]),
        {"city-cumulative_growth": growth, "city-cumulative_value": cumulative},
    )
    assert response.status_code in {200, 302}
    for reading in TargetReading.objects.filter(target=gdp):
        assert Decimal("-100") <= reading.cumulative_growth <= Decimal("1000")
