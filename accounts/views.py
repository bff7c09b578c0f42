from django.shortcuts import render


def csrf_failure(request, reason=""):
    """A refused form post (expired page, lost cookie) explained in Chinese instead of Django's English page."""
    return render(request, "403_csrf.html", status=403)
