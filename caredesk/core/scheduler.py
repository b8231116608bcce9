"""Periodic work is declared once, here, by each domain app's ``ready()``; one scheduler
process enqueues it. Sweeps are idempotent claims, so an extra run (two schedulers, a
restart) does no harm."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Periodic:
    task: Any  # a django_tasks Task
    every_seconds: int


_registry: dict[str, Periodic] = {}


def register(task: Any, *, every_seconds: int) -> None:
    _registry[task.module_path] = Periodic(task, every_seconds)


def registered() -> list[Periodic]:
    return list(_registry.values())
