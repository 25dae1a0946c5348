"""API for complaints (to be written)."""

from ninja import Router

router = Router(tags=["complaints"])
