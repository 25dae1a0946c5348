"""API for complaint statistics (to be written)."""

from ninja import Router

router = Router(tags=["complaint statistics"])
