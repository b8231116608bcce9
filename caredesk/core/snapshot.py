"""Per-process snapshots of small catalogues (request types, service levels, calendars,
response targets): read once, kept for CATALOGUE_CACHE_SECONDS, dropped at once in the
process that saves a row. Other processes see a change within that many seconds, which
is why only data that operators change rarely is kept this way."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.db.models.signals import post_delete, post_save

T = TypeVar("T")

_every: list[Snapshot[Any]] = []


class Snapshot(Generic[T]):
    def __init__(self, load: Callable[[], T]) -> None:
        self._load = load
        self._taken = float("-inf")
        self._value: T | None = None
        _every.append(self)

    def get(self, *, reload: bool = False) -> T:
        moment = time.monotonic()
        if reload or self._value is None or moment - self._taken > settings.CATALOGUE_CACHE_SECONDS:
            self._value, self._taken = self._load(), moment
        return self._value

    def forget(self) -> None:
        self._value, self._taken = None, float("-inf")

    def forget_on_change(self, *models: type[Any]) -> None:
        """Drop the snapshot whenever a row of ``models`` is saved or deleted here."""

        def changed(**_: object) -> None:
            self.forget()

        for model in models:
            uid = f"snapshot-{id(self)}-{model._meta.label}"
            post_save.connect(changed, sender=model, weak=False, dispatch_uid=f"{uid}-saved")
            post_delete.connect(changed, sender=model, weak=False, dispatch_uid=f"{uid}-deleted")


def forget_all() -> None:
    """Every snapshot, for tests whose database is rolled back under them."""
    for snapshot in _every:
        snapshot.forget()
