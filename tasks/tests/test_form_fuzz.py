"""Property-based: whatever a user (or an attacker) posts to the report form, never a 500."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tasks.models import ProgressReport
from tasks.summaries import rebuild as rebuild_summaries
from tasks.tests.helpers import task, ten_day

text = st.text(max_size=300) | st.sampled_from(["", " ", "\x00", "<script>alert(1)</script>", "𠮷" * 3000])
number = st.one_of(
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.integers().map(str),
    st.floats().map(str),
    st.sampled_from(["", "-0", "1e400", "１２３", "312,5", "0x10", " 7 ", "NaN", "--1"]),
    st.text(max_size=20),
)


@pytest.mark.django_db
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    progress=text,
    problems=text,
    next_steps=text,
    task_status=st.sampled_from(["in_progress", "completed", "bogus", ""]),
    version=st.one_of(st.integers().map(str), st.text(max_size=5)),
    action=st.sampled_from(["draft", "submit", "", "delete"]),
    first=number,
    second=number,
    file_bytes=st.binary(max_size=64),
)
def test_generated_input_never_causes_a_server_error(
    client,
    plan,
    staff_culture,
    progress,
    problems,
    next_steps,
    task_status,
    version,
    action,
    first,
    second,
    file_bytes,
):
    t2, period = task(1, 1, 2), ten_day(plan, 14)
    a, b = t2.metrics.all()
    client.force_login(staff_culture)
    data = {
        "progress": progress,
        "problems": problems,
        "next_steps": next_steps,
        "task_status": task_status,
        "version": version,
        "action": action,
        f"metric_{a.pk}": first,
        f"metric_{b.pk}": second,
        "files": SimpleUploadedFile("x.pdf", file_bytes),
    }
    response = client.post(reverse("tasks:report_edit", args=[t2.pk, period.pk]), data)
    assert response.status_code in {200, 302}
    report = ProgressReport.objects.filter(task=t2, period=period).first()
    if report is not None and report.status == ProgressReport.Status.SUBMITTED:
        ProgressReport.objects.filter(pk=report.pk).update(status=ProgressReport.Status.DRAFT)
        rebuild_summaries()


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(reason=text, endpoint=st.sampled_from(["tasks:report_return", "tasks:report_reopen", "tasks:report_approve"]))
def test_generated_review_input_never_causes_a_server_error(client, plan, plan_admin, departments, reason, endpoint):
    report, _ = ProgressReport.objects.update_or_create(
        task=task(1, 1, 1),
        department=departments["commerce"],
        period=ten_day(plan, 14),
        defaults={"status": ProgressReport.Status.SUBMITTED},
    )
    # Written through the ORM: recount, or an example whose action is refused (an empty reason, a
    # reopen of a report that is not approved) would leave the previous example's summary behind.
    rebuild_summaries()
    client.force_login(plan_admin)
    response = client.post(reverse(endpoint, args=[report.pk]), {"reason": reason})
    assert response.status_code == 302
    report.refresh_from_db()
    if endpoint == "tasks:report_return" and not reason.strip("\x00 \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0"):
        assert report.status == ProgressReport.Status.SUBMITTED
