"""The outbox listener: delivers notices as soon as the transaction that wrote them commits.

On PostgreSQL the outbox tables notify ``caredesk_outbox`` at commit (migration
``0005_outbox_wakeup``); ``caredesk worker`` runs this listener beside the job worker, and
each notification makes it deliver whatever is due. Rows are claimed one by one with a
lease (``services.deliver_message``), so any number of workers listen at once and each
message is sent by one of them. Without a notification it still looks every
``NOTIFY_POLL_SECONDS``, and the periodic delivery sweep remains the net beneath: a
listener that was down when a notice was written finds it on its next look.

On SQLite (the embedded default) there is nothing to listen to: a change queues its
delivery job in its own transaction instead (``services._after_commit``).
"""

from __future__ import annotations

import logging
import threading
import time

import psycopg
from django.conf import settings
from django.db import close_old_connections, connection

from caredesk.notifications import services

CHANNEL = "caredesk_outbox"
log = logging.getLogger(__name__)


def applies() -> bool:
    """Whether changes rely on the listener: the database job engine on PostgreSQL."""
    return connection.vendor == "postgresql" and services.queued_in_database()


def deliver_pending(batch: int = 500) -> int:
    """Deliver what is due until nothing is left (each pass takes up to ``batch`` of each kind)."""
    sent = 0
    while True:
        done = services.deliver_due(limit=batch)
        sent += done
        if done < batch:
            return sent


def listen(stop: threading.Event, *, poll_seconds: float | None = None) -> None:
    """Wait for outbox notifications and deliver, until ``stop`` is set. A lost database
    connection is opened again after a pause; nothing is lost meanwhile, as the rows wait."""
    poll = settings.NOTIFY_POLL_SECONDS if poll_seconds is None else poll_seconds
    while not stop.is_set():
        try:
            params = connection.get_connection_params()
            with psycopg.connect(**params, autocommit=True) as listener:
                listener.execute(f"LISTEN {CHANNEL}")
                while not stop.is_set():
                    try:
                        deliver_pending()
                    finally:
                        close_old_connections()
                    # Every notification that arrived while delivering is one reason to look
                    # again; wait for the next one, or look anyway after ``poll`` seconds.
                    for _ in listener.notifies(timeout=poll, stop_after=1):
                        pass
        except (psycopg.Error, OSError) as exc:
            log.warning("outbox listener lost its database connection (%s); trying again", exc)
            stop.wait(min(poll, 5.0))
        except Exception:
            log.exception("outbox listener failed; trying again")
            time.sleep(1.0)


def start() -> threading.Event:
    """Run ``listen`` in a daemon thread of this process; set the returned event to stop it."""
    stop = threading.Event()
    threading.Thread(target=listen, args=(stop,), name="outbox-listener", daemon=True).start()
    return stop
