"""A label followed by its colon in the page's language: {{ _("退回理由")|colon }} reads "退回理由："
in Chinese and "Return reason: " in English, from one catalogue entry ("%(label)s："), instead of a
full-width colon typed after the translated label."""

from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def colon(label):
    return _("%(label)s：") % {"label": label}
