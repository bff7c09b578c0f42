"""The dashboards' task figures from the stored summaries equal a count of the reports."""

import pytest
from django.core.management import call_command
from django.db.models import Q

from reporting import status
from targets.periods import first_due_ten_day
from tasks.models import ProgressReport, Responsibility, Task
from tasks.summaries import rebuild

pytestmark = pytest.mark.django_db


def leads(plan):
    tasks = list(Task.objects.filter(section__battle__plan=plan))
    resp = status._effective_responsibilities(tasks, status._responsibilities(Q(section__battle__plan=plan)))
    return {t.pk: {r.department_id for r in resp[t.pk] if r.role == "lead"} for t in tasks}


@pytest.mark.parametrize("as_of", ["ten_day-9", "month-6"])
def test_lead_figures_from_the_summaries_equal_the_count_by_department(plan, departments, as_of):
    call_command("seed_demo", plan.code, "--until", "2023-06-30", "--seed", "5")
    # Task 2.1 gets a second lead: several leads are counted from the reports, by department.
    t3 = Task.objects.get(section__battle__number=2, number=1)
    Responsibility.objects.filter(task=t3, department=departments["finance"]).update(role="lead")
    # Task 1.1's lead (市商务局) is silent in 旬 5–8 while 市发展改革委 (responsible) reports.
    t1 = Task.objects.get(section__battle__number=1, section__number=1, number=1)
    ProgressReport.objects.filter(task=t1, department=departments["commerce"], period__number__in=range(5, 9)).delete()
    rebuild([t1.pk, t3.pk])  # as a bulk writer (the admin and the loader recount their tasks too)
    moment = status.resolve_as_of(plan, as_of)
    first_due = first_due_ten_day(plan)
    leads_of = leads(plan)
    assert len(leads_of[t3.pk]) == 2
    ids = list(leads_of)
    stored = status._task_summaries(ids, moment, first_due, leads_of)
    assert stored == status._task_summaries_by_department(ids, moment, first_due, leads_of)
    # Any unit's reports count at least as many 旬 as the lead's alone.
    anyone = status._task_summaries(ids, moment, first_due)
    assert all(stored[t]["reported"] <= anyone[t]["reported"] for t in stored)
    assert stored[t1.pk]["reported"] < anyone[t1.pk]["reported"]
