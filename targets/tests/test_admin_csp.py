"""The admin under the Content-Security-Policy and in Chinese: no inline handlers or styles, every
inline script with the nonce, Chinese app names, no "None" for an empty change reason, and the
export page's "select all" working in a real browser (templates/admin/…, static/js/admin-export.js)."""

import re

import pytest
from django.contrib import admin
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from accounts.tests.test_security import INLINE_HANDLER, STYLE_ATTRIBUTE, TAG
from targets.models import Target
from targets.tests.test_admin import fill_every_model

CJK = re.compile(r"[\u4e00-\u9fff]")


def admin_pages():
    """Every page of every registered model: list, add, change, history, a historical version,
    delete, import and export, plus the index and each app's index."""
    pages = [reverse("admin:index"), reverse("admin:password_change")]
    for model, model_admin in admin.site._registry.items():
        info = f"{model._meta.app_label}_{model._meta.model_name}"
        pages += [reverse(f"admin:{info}_changelist"), reverse(f"admin:{info}_add")]
        pages.append(reverse("admin:app_list", args=[model._meta.app_label]))
        for extra in ("import", "export"):
            try:
                pages.append(reverse(f"admin:{info}_{extra}"))
            except NoReverseMatch:
                pass
        obj = model._default_manager.order_by("pk").first()
        if obj is None:
            continue
        for view in ("change", "history", "delete"):
            pages.append(reverse(f"admin:{info}_{view}", args=[obj.pk]))
        if hasattr(model_admin, "history_form_view") and (record := obj.history.first()):
            pages.append(reverse(f"admin:{info}_simple_history", args=[obj.pk, record.history_id]))
    return sorted(set(pages))


def csp_problems(response):
    html = response.content.decode()
    problems = [html[m.start() : m.end() + 40] for m in INLINE_HANDLER.finditer(html)]
    problems += [html[m.start() : m.end() + 40] for m in STYLE_ATTRIBUTE.finditer(html)]
    nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"])
    for match in TAG.finditer(html):
        attributes = match.group(2)
        if "src=" in attributes or 'type="application/json"' in attributes:
            continue  # loaded from 'self', or data the browser never runs
        if not (nonce and f'nonce="{nonce.group(1)}"' in attributes):
            problems.append(match.group(0)[:120])
    return problems


@pytest.mark.django_db
def test_every_admin_page_obeys_the_csp(client, plan, plan_admin):
    fill_every_model(plan, plan_admin)
    client.force_login(plan_admin)
    found = {}
    pages = admin_pages()
    for url in pages:
        response = client.get(url)
        assert response.status_code in {200, 403}, url  # 403: add pages of read-only logs
        for problem in csp_problems(response):
            found.setdefault(problem, url)
    assert len(pages) > 100
    assert found == {}


@pytest.mark.django_db
def test_the_import_preview_marks_changes_with_classes_not_inline_styles(client, plan, plan_admin):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(plan_admin)
    content = "名称,类别,别名,排序\n市林业局,市直部门,林业局,5\n鹤城区,county,鹤城,3\n".encode()
    upload = SimpleUploadedFile("departments.csv", content)
    response = client.post(reverse("admin:targets_department_import"), {"import_file": upload, "format": "1"})
    assert '<ins class="diff-ins">市林业局</ins>' in response.content.decode()
    assert '<del class="diff-del">0</del>' in response.content.decode()
    assert csp_problems(response) == []


@pytest.mark.django_db
def test_the_admin_names_every_model_in_chinese_including_login_security_and_schedules(client, plan, plan_admin):
    client.force_login(plan_admin)
    html = client.get(reverse("admin:index")).content.decode()
    names = re.findall(r'<th scope="row" id="[a-z_-]+">\s*<a href="/admin/[a-z_]+/[a-z_]+/">([^<]+)</a>', html)
    assert len(names) >= 25
    assert [name for name in names if not CJK.search(name)] == []
    attempts = client.get(reverse("admin:axes_accessattempt_changelist")).content.decode()
    for english in ("Attempt Time", "IP Address", "User Agent", "Path", "access attempts"):
        assert english not in attempts


@pytest.mark.django_db
def test_the_admin_names_every_app_in_chinese(client, plan, plan_admin):
    client.force_login(plan_admin)
    html = client.get(reverse("admin:index")).content.decode()
    captions = re.findall(r'<a href="/admin/[a-z_]+/" class="section"[^>]*>([^<]+)</a>', html)
    assert len(captions) >= 6
    assert [name for name in captions if not CJK.search(name)] == []
    for english in (">Accounts<", ">Axes<", ">AXES<", ">Targets<", ">Tasks<", ">Reporting<"):
        assert english not in html
    target = Target.objects.get(battle__plan=plan, code="1.01")
    record = target.history.first()
    version = client.get(reverse("admin:targets_target_simple_history", args=[target.pk, record.history_id]))
    assert '<a href="/admin/targets/">方案与指标</a>' in version.content.decode()


@pytest.mark.django_db
def test_the_history_list_hides_an_empty_change_reason_and_shows_a_given_one(client, plan, plan_admin):
    client.force_login(plan_admin)
    target = Target.objects.get(battle__plan=plan, code="1.01")
    url = reverse("admin:targets_target_history", args=[target.pk])
    html = client.get(url).content.decode()
    assert "修改原因" not in html and "None" not in html and "变更内容" in html
    target.name = "地区生产总值增长（修订）"
    target._change_reason = "按省统计局口径修订"
    target.save()
    html = client.get(url).content.decode()
    assert "修改原因" in html and "按省统计局口径修订" in html and "None" not in html


@pytest.mark.browser
def test_export_select_all_works_under_the_csp_in_a_browser(
    transactional_db, live_server, browser, screenshot_dir, plan, plan_admin
):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    violations = []
    page.on(
        "console",
        lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None,
    )
    try:
        page.goto(f"{live_server.url}/admin/login/")
        page.fill("#id_username", plan_admin.username)
        page.fill("#id_password", plan_admin.raw_password)
        page.click("input[type=submit]")
        page.wait_for_url(f"{live_server.url}/admin/")
        started = timezone.now()
        page.goto(f"{live_server.url}/admin/targets/target/export/")
        fields = page.locator('.selectable-field-export-row input[type="checkbox"]:not(.select-toggle)')
        assert fields.count() == 15
        assert page.locator("label.select-all-label").inner_text() == "全选"
        labels = page.locator(".selectable-field-export-row label:not(.select-all-label)").all_inner_texts()
        assert labels[:3] == ["方案", "仗序号", "编号"] and all(CJK.search(label) for label in labels)
        page.locator("#select-all-toggle").uncheck()
        assert [fields.nth(i).is_checked() for i in range(fields.count())] == [False] * 15
        page.screenshot(path=str(screenshot_dir / "admin-export-select-none.png"), full_page=True)
        page.locator("#select-all-toggle").check()
        assert all(fields.nth(i).is_checked() for i in range(fields.count()))
        page.goto(f"{live_server.url}/admin/targets/target/{Target.objects.first().pk}/history/")
        page.screenshot(path=str(screenshot_dir / "admin-history.png"), full_page=True)
        assert violations == [], violations
        assert (timezone.now() - started).total_seconds() < 60
    finally:
        context.close()
