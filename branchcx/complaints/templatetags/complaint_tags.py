"""Template helpers of the complaint pages."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import get_language

register = template.Library()


@register.filter
def code_name(code: Any) -> str:
    """A classification code's name in the interface's language: the English name when the
    page is in English and head office has given one, else the Chinese name of JR/T 0169.
    Anything without ``name_en`` (a root cause) keeps its one name."""
    if code is None:
        return ""
    english = getattr(code, "name_en", "")
    if english and (get_language() or "").startswith("en"):
        return str(english)
    return str(code.name)
