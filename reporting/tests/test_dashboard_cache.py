"""The dashboards' kept bodies (reporting/dashboards.py page_body): served between writes, never
after one. Every write that changes what a page shows gives its plan a new figures token
(targets/changes.py); these tests make each kind of write and read the page again."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from conftest import computed_dashboard
from targets.models import Period, Plan, Target, TargetReading
from tasks import summaries
from tasks.models import ProgressReport, Responsibility
from tasks.tests.helpers import report_data, task, ten_day

AS_OF = {"as_of": "ten_day-14"}  # 2023年5月中旬


def token(plan):
    return Plan.objects.values_list("figures_token", flat=True).get(pk=plan.pk)


def page(client, user, name, *args, data=AS_OF):
    client.force_login(user)
    response = client.get(reverse(f"dash:{name}", args=args), data)
    assert response.status_code == 200
    return response.content.decode()


def without_csrf(html):
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def submit(client, user, t, period):
    client.force_login(user)
    response = client.post(reverse("tasks:report_edit", args=[t.pk, period.pk]), report_data(action="submit"))
    assert response.status_code == 302
    return ProgressReport.objects.get(task=t, period=period, department=user.department)


def test_a_kept_page_is_served_without_judging_again(client, plan, leader, django_assert_num_queries):
    url = reverse("dash:overview", args=[plan.code])
    client.force_login(leader)
    first = client.get(url, AS_OF)
    assert "b" in first.context  # judged
    # Kept: the session, the user, the plan, its periods and the header's unread count; nothing
    # is judged or counted.
    with django_assert_num_queries(5):
        again = client.get(url, AS_OF)
    assert without_csrf(again.content.decode()) == without_csrf(first.content.decode())
    assert "b" not in again.context and "cards" not in again.context


def test_a_submission_and_its_approval_show_at_once_on_every_page(client, plan, leader, staff_commerce, office_dev):
    t1, period = task(1, 1, 1), ten_day(plan, 14)
    pages = [
        ("overview", plan.code),
        ("battle", plan.code, 1),
        ("department", plan.code, staff_commerce.department_id),
        ("task", t1.pk),
    ]
    before = {name: page(client, leader, *[name, *args]) for name, *args in pages}
    assert "（0/" in before["overview"]  # no report in yet
    old = token(plan)

    report = submit(client, staff_commerce, t1, period)
    assert token(plan) != old
    after = {name: page(client, leader, *[name, *args]) for name, *args in pages}
    assert all(after[name] != before[name] for name in after)
    assert "待审核" in after["task"]

    client.force_login(office_dev)
    assert client.post(reverse("tasks:report_approve", args=[report.pk])).status_code == 302
    approved = page(client, leader, "task", t1.pk)
    assert "已通过" in approved and approved != after["task"]


def test_a_draft_shows_in_the_reporting_column_once_saved(client, plan, leader, staff_commerce):
    t1, period = task(1, 1, 1), ten_day(plan, 14)
    assert "草稿" not in page(client, leader, "battle", plan.code, 1)
    client.force_login(staff_commerce)
    client.post(reverse("tasks:report_edit", args=[t1.pk, period.pk]), report_data())
    assert "草稿" in page(client, leader, "battle", plan.code, 1)


def test_a_reading_entered_shows_on_the_target_page(client, plan, leader, departments):
    retail = Target.objects.get(battle__plan=plan, code="1.02")
    month = Period.objects.get(plan=plan, kind="month", number=4)
    assert "246.8" not in page(client, leader, "target", retail.pk)
    TargetReading.objects.create(
        target=retail, period=month, department=departments["commerce"], cumulative_value=Decimal("246.8")
    )
    assert "246.8" in page(client, leader, "target", retail.pk)


def test_definitions_edited_in_the_admin_show_at_once(client, plan, leader, departments, plan_admin):
    retail = Target.objects.get(battle__plan=plan, code="1.02")
    assert "社会消费品零售总额" in page(client, leader, "battle", plan.code, 1)
    client.force_login(plan_admin)
    retail.name = "社会消费品零售总额（修订）"
    retail.save(update_fields=["name"])
    assert "社会消费品零售总额（修订）" in page(client, leader, "battle", plan.code, 1)

    # A department renamed: every plan's pages name it anew.
    commerce = departments["commerce"]
    commerce.name = "市商务和粮食局"
    commerce.save(update_fields=["name"])
    assert "市商务和粮食局" in page(client, leader, "battle", plan.code, 1)

    # Another lead unit for task 1.1.
    t1 = task(1, 1, 1)
    Responsibility.objects.filter(task=t1, role="lead").update(department=departments["dev"])
    summaries.rebuild([t1.pk])  # the admin and the plan loader recount after moving a lead
    assert "市发展改革委" in page(client, leader, "task", t1.pk).split("牵头单位", 1)[1][:200]

    # The target's responsible departments (a many-to-many change).
    old = token(plan)
    retail.departments.add(departments["culture"])
    assert token(plan) != old


def test_last_years_figures_renew_this_years_forecasts(plan, departments):
    successor = Plan.objects.create(code="test-2024", title="测试方案", year=2024, predecessor=plan)
    old = token(successor)
    TargetReading.objects.create(
        target=Target.objects.get(battle__plan=plan, code="1.02"),
        period=Period.objects.get(plan=plan, kind="month", number=1),
        department=departments["commerce"],
        cumulative_value=Decimal(50),
    )
    assert token(successor) != old


def test_the_office_and_the_leader_get_their_own_overview(client, plan, leader, office_dev, departments):
    # Leaders and admins may open a department's page from the "未报送" list; offices may not.
    link = reverse("dash:department", args=[plan.code, departments["commerce"].pk])
    assert link in page(client, leader, "overview", plan.code, data={**AS_OF, "all": "1"})
    assert link not in page(client, office_dev, "overview", plan.code, data={**AS_OF, "all": "1"})
    assert link in page(client, leader, "overview", plan.code, data={**AS_OF, "all": "1"})


def test_each_language_gets_its_own_page(client, plan, leader):
    chinese = page(client, leader, "overview", plan.code)
    client.cookies["django_language"] = "en"
    english = page(client, leader, "overview", plan.code)
    assert "Overview" in english and "总览" in chinese and english != chinese
    del client.cookies["django_language"]
    with translation.override("zh-hans"):
        again = page(client, leader, "overview", plan.code)
    assert without_csrf(again) == without_csrf(chinese)


@pytest.mark.parametrize("reader", ["commerce", "office"])
def test_the_task_pages_report_history_is_the_readers_own(client, plan, staff_commerce, office_dev, reader):
    """The judged body is shared; the reports listed under it are those the reader may read."""
    t1, period = task(1, 1, 1), ten_day(plan, 14)
    client.force_login(staff_commerce)
    client.post(reverse("tasks:report_edit", args=[t1.pk, period.pk]), report_data(progress="只在本单位可见的草稿"))
    page(client, office_dev, "task", t1.pk)  # the body is kept by the office's visit
    user = staff_commerce if reader == "commerce" else office_dev
    html = page(client, user, "task", t1.pk)
    assert ("只在本单位可见的草稿" in html) == (reader == "commerce")


def test_a_kept_task_page_reads_only_which_reports_the_reader_may_read(
    client, plan, leader, staff_commerce, django_assert_num_queries
):
    t1 = task(1, 1, 1)
    submit(client, staff_commerce, t1, ten_day(plan, 14))
    first = page(client, leader, "task", t1.pk)
    # Kept: the session, the user, the task, the plan's periods, which reports the leader may read
    # (ids and versions) and the header's unread count; no report is loaded or rendered.
    with django_assert_num_queries(6):
        again = client.get(reverse("dash:task", args=[t1.pk]), AS_OF)
    assert "history" not in again.context
    # (the submission's one-off message went with the first page)
    assert without_csrf(again.content.decode()) == MESSAGES.sub("", without_csrf(first))


def test_a_draft_saved_again_and_a_reviewer_renamed_show_at_once_on_a_kept_task_page(
    client, plan, leader, staff_commerce, office_dev
):
    t1, period = task(1, 1, 1), ten_day(plan, 14)
    url = reverse("tasks:report_edit", args=[t1.pk, period.pk])
    client.force_login(staff_commerce)
    assert client.post(url, report_data(progress="第一稿")).status_code == 302
    assert "第一稿" in page(client, staff_commerce, "task", t1.pk)
    client.force_login(staff_commerce)
    assert client.post(url, report_data(version=2, action="submit", progress="第二稿")).status_code == 302
    html = page(client, staff_commerce, "task", t1.pk)
    assert "第二稿" in html and "第一稿" not in html
    report = ProgressReport.objects.get(task=t1, period=period)
    client.force_login(office_dev)
    assert client.post(reverse("tasks:report_approve", args=[report.pk])).status_code == 302
    assert "devoffice" in page(client, leader, "task", t1.pk)
    office_dev.first_name = "李审核"
    office_dev.save()
    assert "李审核" in page(client, leader, "task", t1.pk)


def test_the_page_a_leader_lands_on_moves_with_the_first_report_of_a_later_period(client, plan, leader, staff_commerce):
    submit(client, staff_commerce, task(1, 1, 1), ten_day(plan, 14))
    assert "5月中旬" in page(client, leader, "overview", plan.code, data={})
    submit(client, staff_commerce, task(1, 1, 1), ten_day(plan, 15))
    assert "5月下旬" in page(client, leader, "overview", plan.code, data={})


def test_a_users_new_name_shows_in_a_kept_target_history_but_a_login_keeps_the_page(client, plan, leader, plan_admin):
    retail = Target.objects.get(battle__plan=plan, code="1.02")
    retail._history_user = plan_admin
    retail.name = "社会消费品零售总额（修订）"
    retail.save(update_fields=["name"])
    assert "planadmin" in page(client, leader, "target", retail.pk)
    old = token(plan)
    client.force_login(plan_admin)  # a login writes last_login only
    assert token(plan) == old
    plan_admin.first_name = "王管理"
    plan_admin.save()
    assert "王管理" in page(client, leader, "target", retail.pk)


def test_the_task_dashboard_lists_the_last_three_periods_of_reports_and_all_on_request(
    client, plan, leader, staff_commerce
):
    t1 = task(1, 1, 1)
    for number in (10, 12, 13, 14):
        client.force_login(staff_commerce)
        client.post(
            reverse("tasks:report_edit", args=[t1.pk, ten_day(plan, number).pk]),
            report_data(action="submit", progress=f"第{number}旬的进展"),
        )
    recent = page(client, leader, "task", t1.pk)
    assert "第12旬的进展" in recent and "第14旬的进展" in recent and "第10旬的进展" not in recent
    assert "reports=all" in recent
    every = page(client, leader, "task", t1.pk, data={**AS_OF, "reports": "all"})
    assert all(f"第{n}旬的进展" in every for n in (10, 12, 13, 14))


MESSAGES = re.compile(r'<ul class="messages">.*?</ul>', re.S)


def battle_tokens(plan):
    plan = Plan.objects.get(pk=plan.pk)
    return {b.number: plan.battle_token(b.pk) for b in plan.battles.all()}


def kept_and_computed(client, user, pages):
    """Each page as served from what is kept, then each computed afresh (nothing kept); without
    the one-off messages a previous action left for the next page."""
    kept = [MESSAGES.sub("", without_csrf(page(client, user, *p, data={**AS_OF, "all": "1"}))) for p in pages]
    computed = []
    for name, *args in pages:
        response = computed_dashboard(client, reverse(f"dash:{name}", args=args), {**AS_OF, "all": "1"})
        computed.append(MESSAGES.sub("", without_csrf(response.content.decode())))
    return kept, computed


def test_a_report_judges_its_own_battle_again_and_the_pages_agree_with_a_fresh_judgement(
    client, plan, leader, staff_science, office_science, staff_culture
):
    """A submission or an approval renews its battle's token alone: the other battles' judged
    figures stay kept, and every page put together from kept and fresh battles reads exactly as
    the page judged from nothing."""
    pages = [("overview", plan.code), ("battle", plan.code, 1), ("battle", plan.code, 2)]
    pages.append(("department", plan.code, staff_science.department_id))
    pages += [("task", task(2, 1, 1).pk), ("task", task(1, 1, 2).pk)]
    kept, computed = kept_and_computed(client, leader, pages)
    assert kept == computed
    tokens = battle_tokens(plan)

    report = submit(client, staff_science, task(2, 1, 1), ten_day(plan, 14))
    after = battle_tokens(plan)
    assert after[2] != tokens[2] and after[1] == tokens[1]
    kept, computed = kept_and_computed(client, leader, pages)
    assert kept == computed
    assert "（1/" in kept[2]  # battle 2: its one task reported

    page(client, leader, "overview", plan.code, data={**AS_OF, "all": "1"})  # all kept again
    tokens = battle_tokens(plan)
    client.force_login(office_science)
    assert client.post(reverse("tasks:report_approve", args=[report.pk])).status_code == 302
    after = battle_tokens(plan)
    assert after[2] != tokens[2] and after[1] == tokens[1]
    kept, computed = kept_and_computed(client, leader, pages)
    assert kept == computed

    # A task with metrics in battle 1: its figures feed the forecasts kept with the battle.
    page(client, leader, "overview", plan.code, data={**AS_OF, "all": "1"})
    tokens = battle_tokens(plan)
    t2 = task(1, 1, 2)
    metrics = {f"metric_{m.pk}": "2600" for m in t2.metrics.all()}
    client.force_login(staff_culture)
    url = reverse("tasks:report_edit", args=[t2.pk, ten_day(plan, 14).pk])
    assert client.post(url, report_data(action="submit", **metrics)).status_code == 302
    after = battle_tokens(plan)
    assert after[1] != tokens[1] and after[2] == tokens[2]
    kept, computed = kept_and_computed(client, leader, pages)
    assert kept == computed


def test_after_a_report_the_overview_renders_only_its_battles_part_and_reads_as_if_judged_afresh(
    client, plan, leader, office_dev, staff_science
):
    url = reverse("dash:overview", args=[plan.code])
    for user in (leader, office_dev):
        page(client, user, "overview", plan.code)
    submit(client, staff_science, task(2, 1, 1), ten_day(plan, 14))
    client.force_login(leader)
    response = client.get(url, AS_OF)
    rendered = [t.name for t in response.templates]
    assert rendered.count("dashboards/_overview_card.html") == 1  # battle 2's; five read back
    assert response.context["b"].battle.number == 2
    assert "dashboards/_as_of.html" not in rendered  # the selector is kept with the definitions
    # The office opens its own battle's pages only: its parts are kept apart from a leader's.
    for user in (leader, office_dev):
        kept, computed = kept_and_computed(client, user, [("overview", plan.code)])
        assert kept == computed


def test_a_change_to_the_plan_renews_every_battle(client, plan, leader, departments):
    tokens = battle_tokens(plan)
    TargetReading.objects.create(
        target=Target.objects.get(battle__plan=plan, code="2.01"),
        period=Period.objects.get(plan=plan, kind="month", number=4),
        department=departments["science"],
        cumulative_value=Decimal(40),
    )
    after = battle_tokens(plan)
    assert all(after[n] != tokens[n] for n in tokens)


def assert_kept_through(client, reader, urls, write, judged):
    """`urls` read by `reader`, then `write()`: each page is served as it was, none of the names
    in `judged` (what a page's build puts in its context) computed again."""
    client.force_login(reader)
    first = [client.get(url, AS_OF).content.decode() for url in urls]
    write()
    client.force_login(reader)
    for url, before in zip(urls, first, strict=True):
        response = client.get(url, AS_OF)
        assert not any(name in response.context for name in judged), url  # not judged again
        assert MESSAGES.sub("", without_csrf(response.content.decode())) == MESSAGES.sub("", without_csrf(before))


def test_a_report_in_one_battle_leaves_the_other_battles_pages_kept(client, plan, leader, staff_science):
    t1 = task(1, 1, 1)
    kept = [reverse("dash:battle", args=[plan.code, 1]), reverse("dash:task", args=[t1.pk])]
    assert_kept_through(
        client, leader, kept, lambda: submit(client, staff_science, task(2, 1, 1), ten_day(plan, 14)), ("status", "t")
    )
    assert "（1/2）" in page(client, leader, "battle", plan.code, 2)  # its own battle shows the report


def test_a_departments_page_is_kept_while_reports_come_in_other_battles_only(
    client, plan, leader, staff_commerce, staff_science
):
    """市商务局 answers for tasks and a target of battle 1 only: a report in battle 2 leaves its page
    as it is; its own report in battle 1 shows at once."""
    url = reverse("dash:department", args=[plan.code, staff_commerce.department_id])
    client.force_login(leader)
    first = client.get(url, AS_OF).content.decode()
    submit(client, staff_science, task(2, 1, 1), ten_day(plan, 14))
    client.force_login(leader)
    kept = client.get(url, AS_OF)
    assert "d" not in kept.context  # not judged again
    assert MESSAGES.sub("", without_csrf(kept.content.decode())) == MESSAGES.sub("", without_csrf(first))

    submit(client, staff_commerce, task(1, 1, 1), ten_day(plan, 14))
    client.force_login(leader)
    judged = client.get(url, AS_OF)
    assert "d" in judged.context and "待审核" in judged.content.decode()


def test_a_department_given_a_task_in_another_battle_follows_that_battles_reports(
    client, plan, leader, staff_commerce, staff_science
):
    url = reverse("dash:department", args=[plan.code, staff_commerce.department_id])
    t3 = task(2, 1, 1)
    client.force_login(leader)
    client.get(url, AS_OF)
    Responsibility.objects.create(section=t3.section, task=t3, department=staff_commerce.department, role="responsible")
    assert "实施市十大科技创新项目" in client.get(url, AS_OF).content.decode()  # now one of its tasks
    submit(client, staff_science, t3, ten_day(plan, 14))
    client.force_login(leader)
    assert "d" in client.get(url, AS_OF).context  # battle 2's report is judged on its page too


def test_a_report_leaves_the_target_and_county_pages_of_its_battle_kept(
    client, plan, leader, staff_commerce, departments
):
    """A target's page and its counties' read readings only: a report in its battle leaves them
    kept, a reading renews them."""
    target = Target.objects.get(battle__plan=plan, code="1.01")
    urls = [reverse("dash:target", args=[target.pk]), reverse("dash:area", args=[target.pk])]
    assert_kept_through(
        client,
        leader,
        urls,
        lambda: submit(client, staff_commerce, task(1, 1, 1), ten_day(plan, 14)),
        ("series", "rows"),
    )
    TargetReading.objects.create(
        target=target,
        period=Period.objects.get(plan=plan, kind="quarter", number=1),
        department=departments["stats"],
        cumulative_growth=Decimal("8.1"),
    )
    client.force_login(leader)
    assert "8.1" in client.get(urls[0], AS_OF).content.decode()


def test_a_report_on_another_task_of_its_battle_leaves_a_tasks_page_kept(
    client, plan, leader, staff_commerce, staff_culture
):
    """A task's page shows its own reports only: another task's report leaves it kept, its own
    renews it at once."""
    t1, t2 = task(1, 1, 1), task(1, 1, 2)
    assert t1.section.battle_id == t2.section.battle_id
    url = reverse("dash:task", args=[t1.pk])
    assert_kept_through(client, leader, [url], lambda: submit(client, staff_culture, t2, ten_day(plan, 14)), ("t",))
    submit(client, staff_commerce, t1, ten_day(plan, 14))
    client.force_login(leader)
    response = client.get(url, AS_OF)
    assert "t" in response.context and "待审核" in response.content.decode()
