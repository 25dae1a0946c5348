"""How to talk to a customer, by temperament and by how they present in a contact.

Shown to staff on the customer's page and in contact forms (DOMAIN.md §1 and §3: read the
customer's state and type, calm emotions first, then solve).
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from branchcx.customers.models import Interaction, Temperament, ValueOrientation

TEMPERAMENT_GUIDANCE: dict[str, Promise] = {
    Temperament.DOMINANT: _(
        "Be brief and direct; lead with the result and the options, let them decide, and "
        "keep to the time you promise."
    ),
    Temperament.EXPRESSIVE: _(
        "Be warm and show interest in them; give the big picture and a clear next step, and "
        "confirm details in writing afterwards."
    ),
    Temperament.AMIABLE: _(
        "Take your time and reassure; explain step by step, avoid pressure, and check they "
        "are comfortable before they commit."
    ),
    Temperament.ANALYTICAL: _(
        "Bring facts, figures and the written terms; answer precisely, and give them time to "
        "compare before deciding."
    ),
}

PRESENTATION_GUIDANCE: dict[str, Promise] = {
    Interaction.Presentation.DEMANDING: _(
        "Acknowledge the request, state clearly what you can do and by when, and do it."
    ),
    Interaction.Presentation.CONFUSED: _(
        "Slow down, use plain words, explain one step at a time and check understanding."
    ),
    Interaction.Presentation.AGITATED: _(
        "Calm emotions first: listen without interrupting, move somewhere quiet if you can, "
        "show you understand, and only then look for the solution."
    ),
}

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
