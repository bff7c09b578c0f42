"""The public progress page (no login) and the publish form (offices and admins).

Public URLs — ``/public/<plan>/`` (HTML: phone and print), ``/public/<plan>/data.json`` and
``/public/<plan>/feed.atom`` — read only ``Publication`` snapshots (reporting/publishing.py).
Each answer is cached under the plan's publication version and carries an ETag and
Last-Modified, so a government website pulling the feed gets 304 until something is published.
A plan with nothing published answers 404.
"""

import json

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.feedgenerator import Atom1Feed
from django.utils.http import http_date, quote_etag
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from reporting.models import Publication
from reporting.publishing import (
    LIVE,
    can_publish,
    public_state,
    public_version,
    publish,
    publishable_battles,
    publishable_periods,
    withdraw,
)
from targets.models import Plan

MAX_AGE = 300  # seconds a browser or proxy may keep a public page without asking again
HIGHLIGHTS_MAX = 2000


def _conditional(request, etag, last_modified):
    """304 when the client already has this version."""
    if request.headers.get("If-None-Match") == etag:
        return True
    since = request.headers.get("If-Modified-Since")
    return bool(
        since
        and last_modified
        and not request.headers.get("If-None-Match")
        and since == http_date(last_modified.timestamp())
    )


def _public(kind, content_type, build):
    """A public view: cached per plan version, language and kind, with ETag and Last-Modified."""

    @require_GET
    def view(request, code):
        plan = get_object_or_404(Plan, code=code)
        version, last_modified = public_version(plan)
        if last_modified is None:
            raise Http404
        language = translation.get_language()
        etag = quote_etag(f"{version}-{language}-{kind}")
        if _conditional(request, etag, last_modified):
            response = HttpResponse(status=304)
        else:
            key = f"public:{plan.pk}:{version}:{language}:{kind}"
            body = cache.get(key)
            if body is None:
                body = build(request, plan, public_state(plan, last_modified))
                cache.set(key, body, 24 * 3600)
            response = HttpResponse(body, content_type=content_type)
        response["ETag"] = etag
        response["Last-Modified"] = http_date(last_modified.timestamp())
        response["Cache-Control"] = f"public, max-age={MAX_AGE}"
        return response

    return view


def _html(request, plan, state):
    return render_to_string(
        "public/plan.html",
        {
            "plan": plan,
            "state": state,
            "json_url": reverse("public:json", args=[plan.code]),
            "feed_url": reverse("public:feed", args=[plan.code]),
        },
    )


def _data(plan, state):
    def item(pub):
        return {
            "scope": "battle" if pub.battle_id else "plan",
            "battle": pub.content.get("battle"),
            "period": pub.content.get("period"),
            "published_at": pub.published_at,
            "highlights": pub.highlight_lines,
            "lights": pub.content.get("lights"),
            "tasks": pub.content.get("tasks"),
            "targets": pub.content.get("targets", []),
            "briefing": pub.content.get("briefing"),
        }

    return {
        "plan": {"code": plan.code, "title": plan.title, "year": plan.year, "document_number": plan.document_number},
        "updated": state.last_modified,
        "overall": item(state.overall) if state.overall else None,
        "battles": [item(p) for p in state.battles],
    }


def _json(request, plan, state):
    return json.dumps(_data(plan, state), cls=DjangoJSONEncoder, ensure_ascii=False, indent=1)


def _summary_text(pub):
    lines = list(pub.highlight_lines)
    tasks = pub.content.get("tasks", {})
    counts = tasks.get("counts", {})
    lights = pub.content.get("lights", {})
    lines.append(
        _("指标：绿灯%(g)s项、黄灯%(y)s项、红灯%(r)s项；任务%(total)s项，已完成%(done)s项。")
        % {
            "g": lights.get("green", 0),
            "y": lights.get("yellow", 0),
            "r": lights.get("red", 0),
            "total": tasks.get("total", 0),
            "done": counts.get("completed", 0),
        }
    )
    briefing = pub.content.get("briefing")
    if briefing and briefing.get("overall"):
        lines.append(briefing["overall"])
    return "\n".join(lines)


def _feed(request, plan, state):
    page = request.build_absolute_uri(reverse("public:plan", args=[plan.code]))
    feed = Atom1Feed(
        title=_("%(title)s 进展公开") % {"title": plan.title},
        link=page,
        description=plan.title,
        language=translation.get_language(),
        feed_url=request.build_absolute_uri(reverse("public:feed", args=[plan.code])),
        feed_guid=f"{page}#feed",
    )
    for pub in state.publications:
        scope = pub.battle.name if pub.battle_id else plan.title
        feed.add_item(
            title=f"{scope} · {pub.content.get('period', {}).get('label', '')}",
            link=f"{page}#{'battle-' + str(pub.battle.number) if pub.battle_id else 'overall'}",
            description=_summary_text(pub),
            unique_id=f"{page}#publication-{pub.pk}-{int(pub.published_at.timestamp())}",
            updateddate=pub.published_at,
            pubdate=pub.published_at,
        )
    return feed.writeString("utf-8")


public_page = _public("html", "text/html; charset=utf-8", _html)
public_json = _public("json", "application/json; charset=utf-8", _json)
public_feed = _public("atom", "application/atom+xml; charset=utf-8", _feed)


# --- publishing (logged in) ----------------------------------------------------------------------


class PublishForm(forms.Form):
    scope = forms.ChoiceField(label=gettext_lazy("范围"))
    period = forms.ChoiceField(label=gettext_lazy("期"))
    highlights = forms.CharField(
        label=gettext_lazy("工作亮点（每行一条，将公开发布）"),
        required=False,
        max_length=HIGHLIGHTS_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    def __init__(self, *args, plan, user, **kwargs):
        super().__init__(*args, **kwargs)
        scopes = [(str(b.pk), b.name) for b in publishable_battles(user, plan)]
        if user.is_plan_admin:
            scopes.insert(0, ("plan", _("全市（整个方案）")))
        self.fields["scope"].choices = scopes
        self.periods = {str(p.pk): p for p in publishable_periods(plan)}
        self.fields["period"].choices = [(pk, str(p)) for pk, p in self.periods.items()]
        self.battles = {str(b.pk): b for b in publishable_battles(user, plan)}

    def clean(self):
        data = super().clean()
        if "scope" in data:
            data["battle"] = None if data["scope"] == "plan" else self.battles[data["scope"]]
        if "period" in data:
            data["period_obj"] = self.periods[data["period"]]
        return data


@login_required
def publish_view(request, plan_code):
    plan = get_object_or_404(Plan, code=plan_code)
    if not (request.user.is_plan_admin or request.user.office_battle_ids()):
        raise Http404
    form = PublishForm(request.POST or None, plan=plan, user=request.user)
    if request.method == "POST" and form.is_valid():
        battle = form.cleaned_data["battle"]
        if not can_publish(request.user, plan, battle):
            raise Http404
        period = form.cleaned_data["period_obj"]
        publish(plan, battle, period, form.cleaned_data["highlights"], request.user)
        scope = battle.name if battle else _("全市")
        messages.success(request, _("已公开发布：%(scope)s %(period)s。") % {"scope": scope, "period": period})
        return redirect("reporting:publish", plan_code=plan.code)
    published = list(
        plan.publications.select_related("battle", "period", "withdrawn_by").order_by("-published_at")[:20]
    )
    for pub in published:
        # Withdrawing is for whoever may publish that scope (publishing.can_publish).
        pub.may_withdraw = not pub.is_withdrawn and can_publish(request.user, plan, pub.battle)
    # The public page answers 404 while nothing is published: link to it only once it shows something.
    is_public = public_version(plan)[1] is not None
    return render(
        request,
        "reporting/publish.html",
        {"plan": plan, "form": form, "published": published, "is_public": is_public},
    )


def _scope_label(publication):
    return publication.battle.name if publication.battle_id else _("全市")


@login_required
def withdraw_view(request, plan_code, pk):
    """撤回 a publication: a confirmation page (GET), then the POST. Allowed to whoever may publish
    its scope (publishing.can_publish): the battle's task-force office, or an admin; anyone else
    gets 404."""
    plan = get_object_or_404(Plan, code=plan_code)
    publication = get_object_or_404(
        Publication.objects.select_related("battle", "period", "published_by"), pk=pk, plan=plan
    )
    if not can_publish(request.user, plan, publication.battle):
        raise Http404
    what = {"scope": _scope_label(publication), "period": publication.period}
    if publication.is_withdrawn:
        messages.info(request, _("%(scope)s %(period)s的公开发布已撤回。") % what)
        return redirect("reporting:publish", plan_code=plan.code)
    if request.method == "POST":
        if withdraw(publication, request.user):
            messages.success(request, _("已撤回：%(scope)s %(period)s，公开页面不再显示。") % what)
        else:
            messages.info(request, _("%(scope)s %(period)s的公开发布已撤回。") % what)
        return redirect("reporting:publish", plan_code=plan.code)
    # What the public page shows for this scope once it is withdrawn: its latest other publication.
    instead = (
        Publication.objects.filter(LIVE, plan=plan, battle=publication.battle)
        .exclude(pk=publication.pk)
        .select_related("period")
        .order_by("-period__end", "-published_at")
        .first()
    )
    return render(
        request,
        "reporting/withdraw.html",
        {"plan": plan, "publication": publication, "scope": what["scope"], "instead": instead},
    )
