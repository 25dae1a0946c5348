"""A registry of items by key, filled by apps from their ``AppConfig.ready``: navigation
entries, home and 360 panels, rollups. Registering a key again replaces the item (so a test
can swap one in and out); items are listed by (order, key)."""

from __future__ import annotations

from typing import Generic, Protocol, TypeVar


class _Keyed(Protocol):
    @property
    def key(self) -> str: ...

    @property
    def order(self) -> int: ...


Item = TypeVar("Item", bound=_Keyed)


class Registry(Generic[Item]):
    """Items by key (registering a key again replaces it), listed by (order, key)."""

    def __init__(self) -> None:
        self._items: dict[str, Item] = {}

    def register(self, item: Item) -> None:
        self._items[item.key] = item

    def unregister(self, key: str) -> None:
        self._items.pop(key, None)

    def registered(self) -> list[Item]:
        return sorted(self._items.values(), key=lambda i: (i.order, i.key))
