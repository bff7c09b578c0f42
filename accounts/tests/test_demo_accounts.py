"""The run script's demo accounts: one per role, created idempotently and printed."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from accounts.models import User


def run(*args):
    out = StringIO()
    call_command("create_demo_accounts", *args, stdout=out)
    return out.getvalue()


def test_every_role_gets_an_account_and_the_table_is_printed(plan, departments):
    output = run("test-2023")
    assert "demo12345" in output
    for username in ("admin", "leader", "office1", "office2", "shangwuju", "kejiju", "tongjiju"):
        assert username in output
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.role == User.Role.ADMIN
    assert User.objects.get(username="leader").role == User.Role.LEADER
    office1, office2 = User.objects.get(username="office1"), User.objects.get(username="office2")
    assert (office1.role, office1.department) == (User.Role.OFFICE, departments["dev"])
    assert office2.department == departments["science"]
    assert office1.office_battle_ids() == {plan.battles.get(number=1).pk}
    commerce = User.objects.get(username="shangwuju")
    assert (commerce.role, commerce.department) == (User.Role.STAFF, departments["commerce"])
    # The battle's busiest lead department gets an account even without a pinyin name.
    assert User.objects.filter(role=User.Role.STAFF, department=departments["culture"]).exists()


def test_running_twice_creates_no_duplicates_and_keeps_changed_passwords(plan):
    run("test-2023")
    count = User.objects.count()
    leader = User.objects.get(username="leader")
    leader.set_password("changed-by-the-user-1")
    leader.save()
    output = run("test-2023")
    assert User.objects.count() == count
    assert "已存在" in output
    assert User.objects.get(username="leader").check_password("changed-by-the-user-1")
    run("test-2023", "--reset-passwords")
    assert User.objects.get(username="leader").check_password("demo12345")


@pytest.mark.parametrize("username", ["admin", "leader", "office1", "shangwuju"])
def test_demo_accounts_can_log_in_with_the_printed_password(client, plan, username):
    run("test-2023")
    response = client.post(reverse("login"), {"username": username, "password": "demo12345"})
    assert response.status_code == 302


def test_unknown_plan_is_a_clear_error(db):
    with pytest.raises(CommandError, match="没有代码为 nope 的方案"):
        run("nope")
