from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _


def csrf_failure(request, reason=""):
    """A refused form post (expired page, lost cookie) explained in Chinese instead of Django's English page."""
    return render(request, "403_csrf.html", status=403)


@login_required
def profile(request):
    """Who the user is in the system: department, role and, for an office, the battles it runs."""
    user = request.user
    battles = []
    if user.office_battle_ids():
        from targets.models import Battle

        battles = list(Battle.objects.filter(pk__in=user.office_battle_ids()).select_related("plan"))
    return render(request, "accounts/profile.html", {"battles": battles})


class PasswordChange(auth_views.PasswordChangeView):
    """Change one's own password; the validators' messages come in Chinese, the session stays valid."""

    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:profile")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, _("密码已修改。"))
        return response
