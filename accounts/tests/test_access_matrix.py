"""Every role against every view the apps serve.

The URL list is read from the resolver, so views added later are covered automatically by the
generic rules (no 500 for anyone; anonymous users are sent to the login page; objects of another
department or battle answer 404). Known views also have an explicit table of who sees what.
"""

import datetime as dt
import io

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.tests.test_security import INLINE_HANDLER, STYLE_ATTRIBUTE, assert_page_obeys_csp
from conftest import make_user
from targets.models import Period, Target, TargetReading
from tasks.models import Attachment, ProgressReport, Task
from tasks.summaries import rebuild as rebuild_summaries

APP_NAMESPACES = {"targets", "tasks", "reporting", "accounts", "dash"}
ROLES = ("anonymous", "owner_staff", "other_staff", "battle_office", "other_office", "leader", "admin")
LOGIN_PATH = "/login/"


def app_patterns(resolver=None, namespace=None, prefix=""):
    """(url name, route, parameter names) of every named view in the app namespaces."""
    resolver = resolver or get_resolver()
    found = []
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            found += app_patterns(entry, entry.namespace or namespace, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern) and namespace in APP_NAMESPACES and entry.name:
            route = prefix + str(entry.pattern)
            found.append((f"{namespace}:{entry.name}", route, list(entry.pattern.converters)))
    return found


PATTERNS = app_patterns()

# Which object a bare `pk` (or a battle's `number`) means, by the route segment in front of it.
SEGMENT_OBJECTS = {
    "task": "task",
    "tasks": "task",
    "progress": "report",
    "attachments": "attachment",
    "readings": "reading",
    "target": "target",
    "targets": "target",
    "report": "dispatch",
    "reports": "dispatch",
    "battle": "battle",
    "battles": "battle",
    "department": "department",
    "departments": "department",
    "drafts": "draft",
}
# Parameters named for what they hold.
PARAM_OBJECTS = {
    "task": "task",
    "report": "report",
    "attachment": "attachment",
    "target": "target",
    "reading": "reading",
    "battle": "battle",
    "department": "department",
    "dispatch": "dispatch",
}
# Objects that belong to 市商务局 (staff) and battle 1 (office): the other department and the other
# battle's office must get 404.
SCOPED = {"task", "report", "attachment", "reading", "target", "department", "battle", "draft"}


@pytest.fixture
def world(plan, departments, staff_commerce, staff_science, office_dev, office_science, leader, plan_admin):
    task = Task.objects.get(section__battle__plan=plan, section__battle__number=1, number=1)
    ten_day = Period.objects.get(plan=plan, kind="ten_day", number=13)
    month = Period.objects.get(plan=plan, kind="month", number=4)
    report = ProgressReport.objects.create(
        task=task,
        department=departments["commerce"],
        period=ten_day,
        status=ProgressReport.Status.SUBMITTED,
        progress="开展消费季活动 12 场。",
        submitted_by=staff_commerce,
        submitted_at=dt.datetime(2023, 5, 10, 9, tzinfo=dt.UTC),
    )
    rebuild_summaries()
    attachment = Attachment(
        report=report, original_name="活动照片.pdf", content_type="application/pdf", size=9, uploaded_by=staff_commerce
    )
    attachment.file.save("evidence", ContentFile(b"%PDF-1.4\n"), save=True)
    retail = Target.objects.get(battle__plan=plan, code="1.02")
    reading = TargetReading.objects.create(
        target=retail, period=month, department=departments["commerce"], cumulative_value=250
    )
    objects = {
        "task": task,
        "report": report,
        "attachment": attachment,
        "target": retail,
        "reading": reading,
        "battle": task.section.battle,
        "department": departments["commerce"],
        "ten_day": ten_day,
        "open_ten_day": Period.objects.get(plan=plan, kind="ten_day", number=14),
        "month": month,
        "plan": plan,
    }
    try:
        from reporting.models import DispatchReport

        objects["dispatch"] = DispatchReport.objects.create(
            plan=plan, kind="ten_day_briefing", period=ten_day, year=2023, issue_number=1, status="ready"
        )
    except Exception:  # noqa: BLE001 - the reporting models may still be in flux; the generic checks still run
        pass
    # A plan document read by battle 1's office (tasks/plan_drafts.py): its draft is scoped to that office.
    from tasks.plan_drafts import create_draft
    from tasks.tests.plan_documents import NEXT_YEAR

    objects["draft"] = create_draft(office_dev, io.BytesIO(NEXT_YEAR.encode()), "方案.txt", plan.code)
    users = {
        "anonymous": None,
        "owner_staff": staff_commerce,
        "other_staff": staff_science,
        "battle_office": office_dev,
        "other_office": office_science,
        "leader": leader,
        "admin": plan_admin,
    }
    return objects, users


def segment_before(route, param):
    """The last fixed path segment before `param` in `route` ("tasks" in "tasks/<int:pk>/")."""
    before = route.split(f":{param}>")[0]
    parts = [part for part in before.split("/") if part and "<" not in part]
    return parts[-1] if parts else ""


def fill(name, route, params, objects):
    """Path arguments for a URL, taken from the world's objects; returns (kwargs, scoped object kind or None)."""
    kwargs, scoped = {}, None
    for param in params:
        base = param.removesuffix("_id").removesuffix("_pk")
        segment = segment_before(route, param)
        if base in {"plan", "code", "plan_code", "slug"}:
            kwargs[param] = objects["plan"].code
            continue
        if base in {"fmt", "format"}:
            kwargs[param] = "docx"
            continue
        if base == "number":
            # A battle's number names battle 1; any other number (a version) is the first one.
            kwargs[param] = objects["battle"].number if segment in {"battle", "battles"} else 1
            if segment in {"battle", "battles"}:
                scoped = "battle"
            continue
        if base == "pk":
            kind = SEGMENT_OBJECTS.get(segment)
        elif base == "period":
            kind = "month" if name.startswith("targets:") else "ten_day"
        else:
            kind = PARAM_OBJECTS.get(base)
        obj = objects.get(kind) if kind else None
        kwargs[param] = obj.pk if obj is not None else 1
        if kind in SCOPED and obj is not None:
            scoped = kind
    return kwargs, scoped


def assert_no_inline_code(response, url):
    """Inline event handlers and style attributes would be blocked by the CSP (no 'unsafe-inline')."""
    html = response.content.decode()
    assert not INLINE_HANDLER.search(html), f"{url}: inline event handler"
    assert not STYLE_ATTRIBUTE.search(html), f"{url}: style= attribute"


def client_for(user):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def assert_sent_to_login(response, url):
    assert response.status_code == 302, f"{url}: anonymous got {response.status_code}"
    assert response["Location"].startswith(LOGIN_PATH), f"{url}: anonymous sent to {response['Location']}"


@pytest.mark.parametrize("name, route, params", PATTERNS, ids=[p[0] for p in PATTERNS])
def test_every_role_gets_no_500_and_anonymous_is_sent_to_login(world, name, route, params):
    objects, users = world
    kwargs, scoped = fill(name, route, params, objects)
    url = reverse(name, kwargs=kwargs)
    for role in ROLES:
        client = client_for(users[role])
        response = client.get(url)
        assert response.status_code < 500, f"GET {url} as {role}: {response.status_code}"
        if response.status_code == 200 and response.get("Content-Type", "").startswith("text/html"):
            assert_page_obeys_csp(response)
            assert_no_inline_code(response, url)
        if role == "anonymous":
            if response.status_code != 405:  # a POST-only view refuses GET from everyone and shows nothing
                assert_sent_to_login(response, url)
        elif role in {"other_staff", "other_office"} and scoped:
            assert response.status_code in {404, 405}, f"GET {url} ({scoped} of another department) as {role}"


@pytest.mark.parametrize("name, route, params", PATTERNS, ids=[p[0] for p in PATTERNS])
def test_posting_empty_or_forged_forms_gives_no_500_and_no_cross_department_write(world, name, route, params):
    objects, users = world
    kwargs, scoped = fill(name, route, params, objects)
    url = reverse(name, kwargs=kwargs)
    # Refused roles first, so that a permitted POST (say an approval) cannot change what they see.
    for role in ("anonymous", "other_staff", "other_office", "leader", "owner_staff", "battle_office", "admin"):
        response = client_for(users[role]).post(url, {"reason": "x" * 10, "progress": "伪造"})
        assert response.status_code < 500, f"POST {url} as {role}: {response.status_code}"
        if role == "anonymous":
            assert_sent_to_login(response, url)
        elif role in {"other_staff", "other_office"} and scoped:
            assert response.status_code in {404, 405}, f"POST {url} ({scoped} of another department) as {role}"


def test_the_matrix_covers_the_known_views():
    names = {name for name, _, _ in PATTERNS}
    assert {"targets:reading_list", "targets:reading_entry", "tasks:home"} <= names


# Known views: expected GET status per role (anonymous is always a redirect to login).
EXPECTED = {
    "targets:reading_list": ({}, dict.fromkeys(ROLES[1:], 200)),
    "targets:reading_entry": (
        {"target_id": "target", "period_id": "month"},
        {
            "owner_staff": 200,
            "other_staff": 404,
            "battle_office": 200,
            "other_office": 404,
            "leader": 200,
            "admin": 200,
        },
    ),
    # A leader's home is the plan's overview (a redirect to it).
    "tasks:home": ({}, {**dict.fromkeys(ROLES[1:], 200), "leader": 302}),
    "tasks:task_detail": (
        {"pk": "task"},
        {
            "owner_staff": 200,
            "other_staff": 404,
            "battle_office": 200,
            "other_office": 404,
            "leader": 200,
            "admin": 200,
        },
    ),
    "tasks:report_detail": (
        {"pk": "report"},
        {
            "owner_staff": 200,
            "other_staff": 404,
            "battle_office": 200,
            "other_office": 404,
            "leader": 200,
            "admin": 200,
        },
    ),
    "tasks:attachment_download": (
        {"pk": "attachment"},
        {
            "owner_staff": 200,
            "other_staff": 404,
            "battle_office": 200,
            "other_office": 404,
            "leader": 200,
            "admin": 200,
        },
    ),
    # POST-only: a GET is refused for every signed-in role (removal itself is tested in tasks/tests).
    "tasks:attachment_remove": ({"pk": "attachment"}, dict.fromkeys(ROLES[1:], 405)),
    "dash:target": (
        {"pk": "target"},
        {
            "owner_staff": 200,
            "other_staff": 404,
            "battle_office": 200,
            "other_office": 404,
            "leader": 200,
            "admin": 200,
        },
    ),
    "dash:task": (
        {"pk": "task"},
        {
            "owner_staff": 200,
            "other_staff": 404,
            "battle_office": 200,
            "other_office": 404,
            "leader": 200,
            "admin": 200,
        },
    ),
    # Reviewers' work list: the offices (each sees its own battle's reports) and admins.
    "tasks:review_queue": (
        {},
        {
            "owner_staff": 404,
            "other_staff": 404,
            "battle_office": 200,
            "other_office": 200,
            "leader": 404,
            "admin": 200,
        },
    ),
    "dash:battle": (
        {"code": "plan", "number": "battle"},
        {
            "owner_staff": 404,
            "other_staff": 404,
            "battle_office": 200,
            "other_office": 404,
            "leader": 200,
            "admin": 200,
        },
    ),
    "dash:department": (
        {"code": "plan", "pk": "department"},
        {"owner_staff": 200, "other_staff": 404, "other_office": 404, "leader": 200, "admin": 200},
    ),
    "accounts:profile": ({}, dict.fromkeys(ROLES[1:], 200)),
    # Reading plan documents: admins and task-force offices; a draft is its office's (and the admins').
    "tasks:draft_list": (
        {},
        {
            "owner_staff": 404,
            "other_staff": 404,
            "battle_office": 200,
            "other_office": 200,
            "leader": 404,
            "admin": 200,
        },
    ),
    "tasks:draft_review": (
        {"pk": "draft"},
        {
            "owner_staff": 404,
            "other_staff": 404,
            "battle_office": 200,
            "other_office": 404,
            "leader": 404,
            "admin": 200,
        },
    ),
    "tasks:draft_download": (
        {"pk": "draft"},
        {
            "owner_staff": 404,
            "other_staff": 404,
            "battle_office": 200,
            "other_office": 404,
            "leader": 404,
            "admin": 200,
        },
    ),
    "tasks:report_edit": (
        {"task_pk": "task", "period_pk": "open_ten_day"},
        {"owner_staff": 200, "other_staff": 404, "other_office": 404},
    ),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_known_views_answer_each_role_as_expected(world, name):
    if name not in {pattern[0] for pattern in PATTERNS}:
        pytest.skip(f"{name} is not served (yet)")
    objects, users = world
    args, expected = EXPECTED[name]
    values = {"plan": objects["plan"].code, "battle": objects["battle"].number}
    kwargs = {param: values[kind] if kind in values else objects[kind].pk for param, kind in args.items()}
    url = reverse(name, kwargs=kwargs)
    assert_sent_to_login(client_for(None).get(url), url)
    got = {role: client_for(users[role]).get(url).status_code for role in expected}
    assert got == expected


def test_a_deactivated_account_is_treated_as_anonymous(world, departments):
    objects, _ = world
    user = make_user("gone", "staff", departments["commerce"], is_active=False)
    client = Client()
    client.force_login(user)
    url = reverse("targets:reading_list")
    assert_sent_to_login(client.get(url), url)


@pytest.mark.parametrize("name, route, params", [p for p in PATTERNS if p[2]], ids=[p[0] for p in PATTERNS if p[2]])
def test_absurd_path_values_answer_404_not_500(world, name, route, params):
    objects, users = world
    kwargs, _ = fill(name, route, params, objects)
    pattern = next(entry for entry in PATTERNS if entry[0] == name)
    for param in pattern[2]:
        # Larger than any database integer; for text parameters, a long string of odd characters.
        kwargs[param] = 2**70 if isinstance(kwargs[param], int) else "x" * 300
        url = reverse(name, kwargs=kwargs)
        for role in ("owner_staff", "admin"):
            response = client_for(users[role]).get(url)
            assert response.status_code in {302, 404, 405}, f"GET {url} as {role}: {response.status_code}"


# Query parameters the views read, with values a URL-tinkering user might send.
HOSTILE_QUERIES = [
    {"as_of": "2023-02-30"},
    {"as_of": "9" * 400},
    {"plan": "../../etc/passwd"},
    {"period": "-1", "battle": "abc", "kind": "<script>"},
    {"period": str(2**70), "battle": str(2**70), "after": str(2**70)},
    {"after": "NaN", "kind": "\x00"},
]


# Open bugs found by the test below, in other modules (reported; remove the entry once fixed).
KNOWN_500_ON_SQLITE = {}


@pytest.mark.parametrize("name, route, params", PATTERNS, ids=[p[0] for p in PATTERNS])
def test_hostile_query_strings_never_yield_a_500(request, world, name, route, params):
    if name in KNOWN_500_ON_SQLITE and connection.vendor == "sqlite":
        request.applymarker(pytest.mark.xfail(reason=KNOWN_500_ON_SQLITE[name], strict=False))
    objects, users = world
    kwargs, _ = fill(name, route, params, objects)
    url = reverse(name, kwargs=kwargs)
    for query in HOSTILE_QUERIES:
        for role in ("owner_staff", "battle_office", "admin"):
            response = client_for(users[role]).get(url, query)
            assert response.status_code < 500, f"GET {url}?{query} as {role}: {response.status_code}"


# Form fields the app's POST views read, filled with values a forger might send.
HOSTILE_FORMS = [
    {"action": "submit", "version": str(2**70), "task_status": "x", "progress": "\x00", "reason": "\x00"},
    {"action": "submit", "version": "-1", "kind": "<script>", "period": str(2**70), "battle": str(2**70)},
    {"version": "NaN", "period": "-1", "battle": "all", "regenerate": "maybe", "reason": "长" * 100_000},
    {"language": "xx", "next": "https://evil.example/", "metric_1": "Infinity", "progress": "长" * 100_000},
]


@pytest.mark.parametrize("name, route, params", PATTERNS, ids=[p[0] for p in PATTERNS])
def test_hostile_form_posts_never_yield_a_500(world, name, route, params):
    objects, users = world
    kwargs, _ = fill(name, route, params, objects)
    url = reverse(name, kwargs=kwargs)
    for data in HOSTILE_FORMS:
        for role in ("owner_staff", "other_staff", "battle_office", "admin"):
            response = client_for(users[role]).post(url, data)
            assert response.status_code < 500, f"POST {url} {sorted(data)} as {role}: {response.status_code}"
