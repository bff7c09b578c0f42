"""The UI speaks Chinese by default and English when the browser or the language switch asks for it."""

from django.conf import settings
from django.urls import reverse
from django.utils import translation


def test_login_page_is_chinese_by_default(client, db):
    text = client.get(reverse("login")).content.decode()
    assert '<html lang="zh-hans">' in text
    assert "用户名" in text and "User name" not in text


def test_login_page_is_english_for_an_english_browser(client, db):
    text = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="en">' in text
    assert "User name" in text and "Password" in text and "Log in" in text
    assert "用户名" not in text


def test_a_chinese_browser_gets_chinese(client, db):
    text = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9,en;q=0.5").content.decode()
    assert "用户名" in text


def test_the_language_switch_turns_home_and_readings_english(client, plan, staff_commerce):
    client.force_login(staff_commerce)
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("tasks:home")})
    assert response.status_code == 302
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    home = client.get(reverse("tasks:home")).content.decode()
    assert "My tasks" in home and "Target readings" in home and "Log out" in home
    assert "Department staff" in home  # the role, a model choice
    readings = client.get(reverse("targets:reading_list")).content.decode()
    assert "Reporting frequency" in readings and "Responsible departments" in readings
    # Switching back restores Chinese.
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert "我的任务" in client.get(reverse("tasks:home")).content.decode()


def test_form_errors_are_english_too(client, plan, staff_commerce):
    from targets.models import Period, Target

    client.force_login(staff_commerce)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    retail = Target.objects.get(code="1.02")
    april = Period.objects.get(plan=plan, kind="month", number=4)
    response = client.post(reverse("targets:reading_entry", args=[retail.pk, april.pk]), {"city-cumulative_value": "x"})
    assert "Enter a number, e.g. 123.45." in response.content.decode()


def test_compiled_english_catalogue_is_committed_with_its_source():
    base = settings.BASE_DIR / "locale" / "en" / "LC_MESSAGES"
    # CI machines have no gettext tools: the .mo must be in the repository, not built on the fly.
    assert (base / "django.po").exists() and (base / "django.mo").exists()


def test_every_message_in_the_english_catalogue_is_translated():
    po = (settings.BASE_DIR / "locale" / "en" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    entries = [entry for entry in po.split("\n\n") if "\nmsgid " in "\n" + entry and not entry.startswith("#~")]
    untranslated = [
        entry
        for entry in entries[1:]  # the first entry is the header
        if "#, fuzzy" in entry or entry.rstrip().endswith('msgstr ""')
    ]
    assert untranslated == []


def test_period_names_on_the_dashboards_are_english_too(client, plan, leader):
    client.force_login(leader)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("dash:overview", args=[plan.code]), {"as_of": "ten_day-13"}).content.decode()
    assert "May 2023, early" in page
    assert "5月上旬" not in page and "上旬" not in page


def test_a_figures_unit_is_a_unit_not_a_department_in_english(client, plan, leader):
    # 单位 is both a department and a unit of measure; the catalogue tells them apart by context.
    from targets.models import Target
    from tasks.models import TaskMetric

    client.force_login(leader)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    battle = client.get(reverse("dash:battle", args=[plan.code, 1]), {"as_of": "ten_day-13"}).content.decode()
    assert "<th>Unit</th>" in battle and "<th>Department</th>" in battle  # the 单位 of the reporting table
    with translation.override("en"):
        assert str(Target._meta.get_field("unit").verbose_name) == "Unit"
        assert str(TaskMetric._meta.get_field("unit").verbose_name) == "Unit"


def test_a_report_page_in_english_says_when_it_was_submitted_and_reviewed(client, plan, staff_commerce, office_dev):
    """The report page's header read "Submit 2023-05-12 10:00 (…) · Review …": the button's verb."""
    from tasks.models import ProgressReport
    from tasks.tests.helpers import report_data, task, ten_day

    t1 = task(1, 1, 1)
    client.force_login(staff_commerce)
    client.post(reverse("tasks:report_edit", args=[t1.pk, ten_day(plan, 14).pk]), report_data(action="submit"))
    report = ProgressReport.objects.get()
    client.force_login(office_dev)
    client.post(reverse("tasks:report_return", args=[report.pk]), {"reason": "请补充"})
    client.force_login(staff_commerce)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("tasks:report_detail", args=[report.pk])).content.decode()
    assert " Submitted 20" in page and " Reviewed 20" in page
    assert " Submit 20" not in page and " Review 20" not in page
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    page = client.get(reverse("tasks:report_detail", args=[report.pk])).content.decode()
    assert " 提交 20" in page and " 审核 20" in page
