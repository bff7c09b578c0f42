"""Prepare the deadline-rush benchmark database (run by bench/rush.sh, against DATABASE_URL):
the 2023 plan, a year of demo progress to the end of November, the demo accounts, and the rush's
own accounts — `rush001`… (department staff, `--staff`, spread over the departments that report on
tasks) and `rushleader01`… (leaders, `--leaders`), all with the password `demo12345`.

Writes benchmark-results/rush-users.json: for each staff account the (task, 旬) pairs it reports in December
(旬 34–36, which the demo data leaves unreported), for the Locust scenario to submit. Each report has
exactly one author (checked here); staff beyond their department's number of tasks get none and only
read their home page. The plan is 2023's, so every December 旬 is past: none is refused as not yet open.
"""

import argparse
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sixbattles.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth.hashers import make_password  # noqa: E402
from django.core.management import call_command  # noqa: E402

from accounts.models import User  # noqa: E402
from targets.models import Period, Plan  # noqa: E402
from tasks import summaries  # noqa: E402
from tasks.models import ProgressReport, Responsibility  # noqa: E402

PASSWORD = "demo12345"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--staff", type=int, default=300)
    parser.add_argument("--leaders", type=int, default=20)
    parser.add_argument("--out", default=str(ROOT / "benchmark-results" / "rush-users.json"))
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    if not Plan.objects.filter(code="huaihua-2023").exists():
        call_command("load_plan", str(ROOT / "fixtures" / "huaihua-2023.yaml"), verbosity=0)
    plan = Plan.objects.get(code="huaihua-2023")
    call_command("seed_demo", plan.code, "--until", "2023-11-30", "--if-empty", verbosity=0)
    call_command("create_demo_accounts", plan.code, verbosity=0)
    # A rerun starts the rush afresh: December's reports (those the rush writes) go, and the stored
    # summaries are recounted (a bulk delete does not keep them).
    ProgressReport.objects.filter(period__plan=plan, period__kind="ten_day", period__number__gte=34).delete()
    summaries.rebuild_plan(plan)

    december = list(Period.objects.filter(plan=plan, kind="ten_day", number__gte=34).order_by("number"))
    duties = {}
    for r in Responsibility.objects.filter(
        section__battle__plan=plan, task__isnull=False, role__in=["lead", "responsible"]
    ).order_by("department_id", "task_id"):
        duties.setdefault(r.department_id, []).append(r.task_id)
    departments = sorted(duties)
    password = make_password(PASSWORD)  # one hash for all: 320 Argon2 hashes would take a while
    users = {}
    authors = {}  # (department, task) -> the one account that reports it
    for i in range(args.staff):
        department = departments[i % len(departments)]
        username = f"rush{i + 1:03d}"
        User.objects.update_or_create(
            username=username,
            defaults={"role": User.Role.STAFF, "department_id": department, "password": password, "is_active": True},
        )
        # Colleagues of one department split its tasks, so every report has one author and no save
        # is refused because a colleague submitted the same report first. A department with fewer
        # tasks than staff leaves the extra colleagues nothing to submit: they only read their
        # to-do list (the home page), as colleagues do at a deadline.
        colleagues = [j for j in range(args.staff) if departments[j % len(departments)] == department]
        share = duties[department][colleagues.index(i) :: len(colleagues)]
        users[username] = [[task, period.pk] for period in december for task in share]
        for task in share:
            if authors.setdefault((department, task), username) != username:
                raise SystemExit(f"rush_setup: {username} and {authors[department, task]} share task {task}")
    for i in range(args.leaders):
        User.objects.update_or_create(
            username=f"rushleader{i + 1:02d}",
            defaults={"role": User.Role.LEADER, "password": password, "is_active": True},
        )
    battles = list(plan.battles.order_by("number").values_list("number", flat=True))
    lead_departments = departments[:20]
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(
        json.dumps(
            {
                "password": PASSWORD,
                "plan": plan.code,
                "staff": users,
                "leaders": [f"rushleader{i + 1:02d}" for i in range(args.leaders)],
                "battles": battles,
                "departments": lead_departments,
            }
        )
    )
    print(
        f"rush database ready: {ProgressReport.objects.count()} progress reports, "
        f"{len(users)} staff and {args.leaders} leader accounts, {len(departments)} reporting departments; "
        f"{sum(map(len, users.values()))} December reports to submit, one author each "
        f"({sum(1 for pairs in users.values() if not pairs)} staff only read their to-do list)"
    )


if __name__ == "__main__":
    main()
