"""A label's colon follows the page's language beyond the staff's pages: "牵头单位：" in Chinese,
"Lead department: " in English (targets/templatetags/colon.py and the catalogue), on the
dashboards, the public page and a plan draft's review page. No full-width colon is left in the
text an English reader sees; the Chinese pages keep theirs. Brackets the pages write around their
own words and figures follow the language the same way (the catalogue's "（" and "）"): "（94/141）"
and "（旬）" in Chinese, " (94/141)" and " (Ten-day period)" in English."""

import re
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse

from reporting.tests.test_dashboards import AS_OF, graded_red_tasks
from reporting.tests.test_public import publish
from targets.models import Target
from tasks.models import PlanDraft, Task
from tasks.tests.plan_documents import NEXT_YEAR, as_docx
from tasks.tests.test_plan_drafts import upload

pytestmark = pytest.mark.django_db


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts, self.hidden = [], 0

    def handle_starttag(self, tag, attrs):
        self.hidden += tag in ("script", "style", "title")

    def handle_endtag(self, tag):
        self.hidden -= tag in ("script", "style", "title")

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def visible_text(response):
    """The page's text as a reader sees it: no markup, scripts or styles, runs of space as one."""
    assert response.status_code == 200, response.status_code
    parser = _Text()
    parser.feed(response.content.decode())
    return re.sub(r"\s+", " ", "".join(parser.parts))


def speak(client, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language


@pytest.fixture
def pages(client, plan, seeded, departments, leader, office_dev, plan_admin):
    """The text of each page in one language: the dashboards as of the end of May (the seeded
    reports), battle 1's published May summary, and a plan draft read in that language."""
    cache.clear()  # the public page is kept per version and language

    def read(language):
        speak(client, language)
        battle = plan.battles.get(number=1)
        assert publish(client, office_dev, plan, battle.pk, seeded["may"], "一仗五月亮点").status_code == 302
        client.force_login(plan_admin)
        PlanDraft.objects.all().delete()
        upload(client, as_docx(NEXT_YEAR))  # the draft's notes are written in the reader's language
        draft = PlanDraft.objects.get()
        client.force_login(leader)
        as_of = {"as_of": "ten_day-15"}
        tourism = Task.objects.get(section__battle__plan=plan, section__battle__number=1, number=2)
        retail = Target.objects.get(battle__plan=plan, code="1.02")
        urls = {
            "overview": (reverse("dash:overview", args=[plan.code]), as_of),
            "battle": (reverse("dash:battle", args=[plan.code, 1]), as_of),
            "task": (reverse("dash:task", args=[tourism.pk]), as_of),
            "target": (reverse("dash:target", args=[retail.pk]), as_of),
            "department": (reverse("dash:department", args=[plan.code, departments["commerce"].pk]), as_of),
        }
        text = {name: visible_text(client.get(url, data)) for name, (url, data) in urls.items()}
        client.logout()  # which forgets the cookies
        speak(client, language)
        text["public"] = visible_text(client.get(reverse("public:plan", args=[plan.code])))
        client.force_login(plan_admin)
        text["draft"] = visible_text(client.get(reverse("tasks:draft_review", args=[draft.pk])))
        return text

    return read


ENGLISH = {
    "overview": ["Task-force office: 市发展改革委", "Year-end forecast: Likely", "1 task on red: All tasks on red"],
    "battle": ["Filter: All tasks", "市商务局: Approved", "（一）2.促进旅游消费恢复: 旅游总收入"],
    "task": ["Lead department: 市文化旅游广电体育局", "Problems: 景区配套不完善"],
    "target": ["Annual target: Reach 780亿元", "Rules: Cumulative: "],
    "department": ["市商务局: Approved", "市发展改革委: Not reported"],
    "public": ["Target: Green 0", "Task: 2 in total"],
    "draft": [
        "Check plan draft: 测试市打好发展“两仗”总体方案",
        "发改委: “发改委” read as the short form",
        "3.优化提升消费环境: No lead",
    ],
}

CHINESE = {
    "overview": ["专班办公室：市发展改革委", "年末预计：可完成", "红灯任务 1 项： 查看全部红灯任务"],
    "battle": ["筛选：全部任务", "市商务局：已通过", "（一）2.促进旅游消费恢复：旅游总收入"],
    "task": ["牵头单位：市文化旅游广电体育局", "存在问题：景区配套不完善"],
    "target": ["年度目标：达到 780亿元", "判定规则：累计量："],
    "department": ["市商务局：已通过", "市发展改革委：未报"],
    "public": ["指标： 绿灯 0", "任务：共 2 项"],
    "draft": [
        "核对方案草稿：测试市打好发展“两仗”总体方案",
        "发改委：“发改委”按简称读作",
        "3.优化提升消费环境：未写牵头单位",
    ],
}


def test_english_pages_show_no_full_width_colon(pages):
    text = pages("en")
    for name, expected in ENGLISH.items():
        for phrase in expected:
            assert phrase in text[name], (name, phrase)
        assert "：" not in text[name], (name, re.findall(r".{0,30}：.{0,10}", text[name]))


# A full-width bracket holding no Chinese (the page's own "（94/141）", "（Ten-day period）") or
# touching an English word: the look the catalogue's brackets remove. The plan's own Chinese, as
# "（一）2.促进旅游消费恢复", keeps its brackets.
# (A section label such as "（一）" may follow a figure in the next table cell.)
FULL_WIDTH_BRACKET_IN_ENGLISH = re.compile(
    r"（[^（）\u4e00-\u9fff]*）|[A-Za-z0-9%]（(?![一二三四五六七八九十]+）)|）[A-Za-z]"
)

BRACKETS = {
    "en": {
        "overview": ["May 2023, late (Ten-day period)", "Red-light list (", "(1/3)"],
        "draft": ["Department name ("],
    },
    "zh-hans": {"overview": ["2023年5月下旬（旬）", "红灯清单（", "（1/3）"], "draft": ["单位名称（"]},
}


def test_english_pages_show_no_full_width_bracket_around_english(pages):
    text = pages("en")
    for name, expected in BRACKETS["en"].items():
        for phrase in expected:
            assert phrase in text[name], (name, phrase)
    for name, page in text.items():
        assert FULL_WIDTH_BRACKET_IN_ENGLISH.findall(page) == [], (name, FULL_WIDTH_BRACKET_IN_ENGLISH.findall(page))


def test_chinese_pages_keep_the_full_width_brackets(pages):
    text = pages("zh-hans")
    for name, expected in BRACKETS["zh-hans"].items():
        for phrase in expected:
            assert phrase in text[name], (name, phrase)


def test_chinese_pages_keep_the_full_width_colon(pages):
    text = pages("zh-hans")
    for name, expected in CHINESE.items():
        for phrase in expected:
            assert phrase in text[name], (name, phrase)


@pytest.mark.parametrize(
    "language, head",
    [
        ("en", "8 tasks on red, the worst 5: All tasks on red →"),
        ("zh-hans", "红灯任务 8 项，最突出的 5 项： 查看全部红灯任务 →"),
    ],
)
def test_the_red_task_head_ends_in_the_languages_colon(client, plan, leader, language, head):
    graded_red_tasks(plan, 8)
    client.force_login(leader)
    speak(client, language)
    text = visible_text(client.get(reverse("dash:overview", args=[plan.code]), {"as_of": AS_OF}))
    assert head in text
