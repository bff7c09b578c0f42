"""Shared fixtures for every app's tests: a small plan built through the ORM and named users.

The mini plan mirrors the real one's shape: two battles with task forces, targets of several
kinds, sections with tasks that have lead, responsible and cooperating departments, metrics,
and the plan's periods. Tests that need the complete 2023 plan load fixtures/huaihua-2023.yaml.
"""

import datetime as dt
import os
import shutil
from decimal import Decimal

import pytest

from targets.periods import deadline_for, year_periods

BROWSER_PATH = "/usr/bin/chromium"
DB_FIXTURES = {"db", "transactional_db", "django_db_reset_sequences", "django_db_serialized_rollback", "live_server"}


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """After every test that used the database, while its data is still there: the stored task
    summaries equal a recount of the reports (`check_summaries`), whatever the test did."""
    result = yield
    if DB_FIXTURES & set(item.fixturenames) or item.get_closest_marker("django_db"):
        from tasks.summaries import differences

        found = differences()
        assert not found, f"stored task summaries differ from a recount (task, period, stored, recounted): {found[:5]}"
    return result


@pytest.fixture(autouse=True)
def _private_storage(settings, tmp_path):
    # Evidence files and generated reports go to a per-test folder, never the checkout.
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.MEDIA_ROOT = tmp_path / "private"
    settings.REPORTS_ROOT = tmp_path / "reports"


def build_periods(plan):
    from targets.models import Period

    rows = []
    for span in year_periods(plan.year):
        deadline, certain = deadline_for(span.end, plan.deadline_extra_days)
        rows.append(
            Period(
                plan=plan,
                kind=span.kind,
                number=span.number,
                start=span.start,
                end=span.end,
                deadline=deadline,
                deadline_is_estimate=not certain,
            )
        )
    Period.objects.bulk_create(rows)


@pytest.fixture
def departments(db):
    from targets.models import Department

    names = {
        "dev": ("市发展改革委", Department.Kind.MUNICIPAL),
        "commerce": ("市商务局", Department.Kind.MUNICIPAL),
        "culture": ("市文化旅游广电体育局", Department.Kind.MUNICIPAL),
        "stats": ("市统计局", Department.Kind.MUNICIPAL),
        "science": ("市科技局", Department.Kind.MUNICIPAL),
        "finance": ("市财政局", Department.Kind.MUNICIPAL),
        "hecheng": ("鹤城区", Department.Kind.COUNTY),
        "zhongfang": ("中方县", Department.Kind.COUNTY),
    }
    return {key: Department.objects.create(name=name, kind=kind) for key, (name, kind) in names.items()}


@pytest.fixture
def plan(departments):
    """A two-battle plan for 2023 with targets, tasks, metrics and periods."""
    from targets.models import Battle, Plan, Target, TaskForce
    from tasks.models import Responsibility, Section, Task, TaskMetric

    d = departments
    plan = Plan.objects.create(code="test-2023", title="测试方案", year=2023, document_number="测试〔2023〕1号")
    build_periods(plan)

    b1 = Battle.objects.create(plan=plan, number=1, name="打好经济增长主动仗", short_name="经济增长")
    tf1 = TaskForce.objects.create(battle=b1, name="经济增长专班", convener="市政府常务副市长", office=d["dev"])
    tf1.members.set([d["dev"], d["commerce"], d["culture"]])
    b2 = Battle.objects.create(plan=plan, number=2, name="打好科技创新攻坚仗", short_name="科技创新")
    tf2 = TaskForce.objects.create(battle=b2, name="科技创新专班", convener="市政府分管副市长", office=d["science"])
    tf2.members.set([d["science"], d["finance"]])

    gdp = Target.objects.create(
        battle=b1,
        code="1.01",
        name="地区生产总值增长",
        comparator="at_least",
        value=Decimal("7.5"),
        unit="%",
        kind=Target.Kind.GROWTH_RATE,
        frequency="quarterly",
        by_area=True,
        order=1,
    )
    gdp.departments.set([d["stats"], d["dev"]])
    retail = Target.objects.create(
        battle=b1,
        code="1.02",
        name="社会消费品零售总额",
        comparator="reach",
        value=Decimal("780"),
        unit="亿元",
        kind=Target.Kind.CUMULATIVE,
        frequency="monthly",
        by_area=True,
        order=2,
    )
    retail.departments.set([d["commerce"]])
    hightech = Target.objects.create(
        battle=b2,
        code="2.01",
        name="新认定高新技术企业",
        comparator="at_least",
        value=Decimal("150"),
        unit="家",
        kind=Target.Kind.CUMULATIVE,
        frequency="monthly",
        order=1,
    )
    hightech.departments.set([d["science"]])

    s1 = Section.objects.create(
        battle=b1, number=1, title="激发释放消费潜力", text="力争社会消费品零售总额达到780亿元。"
    )
    t1 = Task.objects.create(
        section=s1,
        number=1,
        title="开展系列消费促进活动",
        text="积极开展消费季活动。",
        responsibility_note="市商务局牵头,市发展改革委等负责",
    )
    Responsibility.objects.create(section=s1, task=t1, department=d["commerce"], role="lead", order=0)
    Responsibility.objects.create(section=s1, task=t1, department=d["dev"], role="responsible", order=1)
    t2 = Task.objects.create(
        section=s1,
        number=2,
        title="促进旅游消费恢复",
        text="力争接待游客5000万人次,实现旅游总收入470亿元。",
        responsibility_note="市文化旅游广电体育局牵头",
    )
    Responsibility.objects.create(section=s1, task=t2, department=d["culture"], role="lead", order=0)
    Responsibility.objects.create(section=s1, task=t2, department=d["commerce"], role="cooperating", order=1)
    TaskMetric.objects.create(
        section=s1,
        task=t2,
        name="接待游客",
        comparator="at_least",
        value=Decimal("5000"),
        unit="万人次",
        source="力争接待游客5000万人次",
        order=0,
    )
    TaskMetric.objects.create(
        section=s1,
        task=t2,
        name="旅游总收入",
        comparator="reach",
        value=Decimal("470"),
        unit="亿元",
        source="实现旅游总收入470亿元",
        order=1,
    )
    s2 = Section.objects.create(battle=b2, number=1, title="关键核心技术攻坚行动")
    t3 = Task.objects.create(section=s2, number=1, title="实施市十大科技创新项目", basis=Task.Basis.SECTION)
    Responsibility.objects.create(section=s2, task=t3, department=d["science"], role="lead", order=0)
    Responsibility.objects.create(section=s2, task=t3, department=d["finance"], role="responsible", order=1)
    return plan


def make_user(username, role, department=None, **extra):
    from accounts.models import User

    user = User.objects.create_user(
        username=username, password="pw-" + username, role=role, department=department, **extra
    )
    user.raw_password = "pw-" + username
    return user


@pytest.fixture
def staff_commerce(plan, departments):
    """Reporting staff of 市商务局: leads task 1.1, cooperates on 1.2."""
    return make_user("commerce", "staff", departments["commerce"])


@pytest.fixture
def staff_culture(plan, departments):
    """Reporting staff of 市文化旅游广电体育局: leads task 1.2."""
    return make_user("culture", "staff", departments["culture"])


@pytest.fixture
def staff_science(plan, departments):
    return make_user("science", "staff", departments["science"])


@pytest.fixture
def office_dev(plan, departments):
    """Battle 1's task-force office (hosted by 市发展改革委)."""
    return make_user("devoffice", "office", departments["dev"])


@pytest.fixture
def office_science(plan, departments):
    """Battle 2's task-force office (hosted by 市科技局)."""
    return make_user("scioffice", "office", departments["science"])


@pytest.fixture
def leader(plan):
    return make_user("leader", "leader", None, first_name="市领导")


@pytest.fixture
def plan_admin(plan):
    return make_user("planadmin", "admin", None, is_staff=True, is_superuser=True)


@pytest.fixture
def as_of():
    """A fixed 'today' inside the mini plan's year."""
    return dt.date(2023, 5, 15)


def require_service(name):
    """Skip a test whose service is missing, or fail it when CI demands every service."""
    message = f"{name} is not available"
    if os.environ.get("REQUIRE_SERVICES") == "1":
        pytest.fail(message + " (REQUIRE_SERVICES=1)")
    pytest.skip(message)


def log_in_browser(browser, live_server, user, viewport=None, lands_on="/"):
    """A new browser context (Chinese, `viewport` or the default size) logged in as `user` through
    the login form; returns (context, page) on the page the login lands on."""
    options = {"locale": "zh-CN", **({"viewport": viewport} if viewport else {})}
    context = browser.new_context(**options)
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", user.raw_password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}{lands_on}")
    return context, page


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium driven by Playwright; screenshots go to test-artifacts/screenshots."""
    if not shutil.which(BROWSER_PATH):
        require_service("chromium at /usr/bin/chromium")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=BROWSER_PATH,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def screenshot_dir():
    from pathlib import Path

    path = Path(__file__).resolve().parent / "test-artifacts" / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(autouse=True)
def _fresh_dashboards_cache():
    """Each test starts with no kept dashboard: ids and figures tokens of one test's rolled-back
    plans must not meet another's. Within a test the cache works as in production, so a write that
    forgets to give its plan a new token (targets/changes.py) shows a stale page and fails."""
    from django.core.cache import caches

    caches["dashboards"].clear()


@pytest.fixture
def fake_robot():
    """A WeCom/DingTalk group robot endpoint on localhost (accounts/tests/fake_robot.py)."""
    from accounts.tests.fake_robot import start_fake_robot

    robot = start_fake_robot()
    yield robot
    robot.server.shutdown()
    robot.server.server_close()


def computed_dashboard(client, url, data=None):
    """A dashboard page computed afresh (its kept body dropped first), so that the response's
    context holds the judged objects a test compares with another surface."""
    from django.core.cache import caches

    caches["dashboards"].clear()
    return client.get(url, data)


@pytest.fixture(autouse=True)
def _broker_not_paused():
    """Each test starts with the broker's pause forgotten (sixbattles/broker.py): one test's broker
    failure would otherwise keep the next tests' jobs from being sent for 30 seconds."""
    from sixbattles import broker

    broker.reset()


@pytest.fixture(autouse=True)
def site_language():
    """Every test starts in the site's language (zh-hans): a request through LocaleMiddleware leaves
    its language active in the thread, and the schedule engine's reasons go through gettext."""
    from django.conf import settings
    from django.utils import translation

    with translation.override(settings.LANGUAGE_CODE):
        yield
