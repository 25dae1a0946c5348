"""How to talk to a customer, by temperament and by how they present in a contact.

Shown to staff on the customer's page and in contact forms (DOMAIN.md §1 and §3: read the
customer's state and type, calm emotions first, then solve).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from branchcx.customers.models import Interaction, ValueOrientation

# --- by temperament and presentation: the bank's own wording ---------------------------------
# Head office edits it (the handling guidance pages, kept by the complaints app, which
# registers itself as the source when it loads); the customer page, the contact form, the API
# and the complaint page all read the same rows, so the wording cannot drift apart.

GuidanceSource = Callable[[str, Iterable[str], str], dict[str, str]]
_source: GuidanceSource | None = None


def register_source(source: GuidanceSource) -> None:
    """Where the guidance comes from: ``source(topic, keys, language)`` returns the texts in
    use, by key, for ``topic`` "temperament" or "presentation"."""
    global _source
    _source = source


def _texts(topic: str, keys: Iterable[str]) -> dict[str, str]:
    keys = [k for k in keys if k]
    if _source is None or not keys:
        return {}
    return _source(topic, keys, get_language() or "zh-hans")


def temperament_guidance(temperament: str) -> str | None:
    """How to talk to a customer of this temperament, or None."""
    return _texts("temperament", [temperament]).get(temperament)


def presentation_guidance(presentation: str) -> str | None:
    """What to do when a customer presents like this in a contact, or None."""
    return _texts("presentation", [presentation]).get(presentation)


def difficult_presentations() -> list[tuple[str, str]]:
    """(label, guidance) for each way of presenting that needs care (all but calm)."""
    difficult = [p for p in Interaction.Presentation if p != Interaction.Presentation.CALM]
    texts = _texts("presentation", [p.value for p in difficult])
    return [(str(p.label), texts[p.value]) for p in difficult if p.value in texts]


# --- by value orientation ----------------------------------------------------------------------

VALUE_GUIDANCE: dict[str, Promise] = {
    ValueOrientation.PRICE: _(
        "Lead with rates, fees and offers; show the cost comparison plainly."
    ),
    ValueOrientation.SERVICE: _(
        "Lead with convenience and attention: a named contact, short waits, follow-up calls."
    ),
    ValueOrientation.PRODUCT: _(
        "Lead with what the product does and how it differs; bring the details and documents."
    ),
}
