"""Every state change of a case (D-3.x, D-4.x): one module per use case, one function per
change, one transaction each, every change recorded in the case history.

Callers import this package (``from caredesk.cases import services``); the modules below
are its parts, and what they offer to the rest of caredesk is re-exported here.

- ``opening``: opening a case (D-3.4) and its request-type template (``templates``, D-3.3)
- ``working``: replies, notes, assignment, status and priority (D-3.5)
- ``resolution``: proposing a resolution, the customer's answer, closing in silence (D-3.5)
- ``escalation``: customer escalation and its handling (D-4.5, D-4.6)
- ``sweeps``: breach and management-escalation sweeps (D-4.3, D-4.4); ``staff`` says who is told
- ``attachments``: files on a case
- ``installed_base``: moves asked for by an Installed Base Update case (D-2.8)
- ``importing``: cases imported from another helpdesk, with their history
- ``closing``: staff closing a case with a reason; reopening within the window
- ``macros``: canned replies with placeholders, shared or personal, applied in one go
- ``bulk``: one change to many cases chosen in the queue, all or nothing
- ``saved_views``: an agent's named filters and sorts of the queue
- ``shared``: the lock-and-record helpers every use case uses
"""

from caredesk.cases.services.attachments import attach
from caredesk.cases.services.bulk import BULK_ACTIONS, BULK_MAX, bulk_change
from caredesk.cases.services.closing import close_case, may_reopen, reopen_case, reopen_deadline
from caredesk.cases.services.escalation import REASON_MAX, escalate, handle_escalation
from caredesk.cases.services.importing import IMPORT_MAX, ImportedCase, ImportedMessage, import_cases, imported_case
from caredesk.cases.services.installed_base import (
    INSTALLED_BASE_UPDATE,
    accept_service_level_offer,
    apply_installed_base_update,
)
from caredesk.cases.services.macros import (
    PLACEHOLDERS,
    MacroData,
    apply_macro,
    create_macro,
    delete_macro,
    macro_list,
    update_macro,
    visible_macros,
)
from caredesk.cases.services.opening import NewCase, open_case
from caredesk.cases.services.resolution import (
    accept_resolution,
    close_silent_cases,
    may_answer_resolution,
    propose_resolution,
    reject_resolution,
)
from caredesk.cases.services.saved_views import ViewData, delete_view, save_view, saved_view_list, saved_views
from caredesk.cases.services.shared import DESCRIPTION_MAX, MESSAGE_MAX, SUMMARY_MAX, UNRESOLVED
from caredesk.cases.services.staff import breach_recipients, escalation_recipients, on_call_team
from caredesk.cases.services.sweeps import SWEEP_BATCH, sweep_breaches, sweep_escalations
from caredesk.cases.services.templates import validate_template_data
from caredesk.cases.services.working import add_note, assign, change_priority, reply, set_status

__all__ = [
    "BULK_ACTIONS",
    "BULK_MAX",
    "DESCRIPTION_MAX",
    "IMPORT_MAX",
    "INSTALLED_BASE_UPDATE",
    "MESSAGE_MAX",
    "PLACEHOLDERS",
    "REASON_MAX",
    "SUMMARY_MAX",
    "SWEEP_BATCH",
    "UNRESOLVED",
    "ImportedCase",
    "ImportedMessage",
    "MacroData",
    "NewCase",
    "ViewData",
    "accept_resolution",
    "accept_service_level_offer",
    "add_note",
    "apply_installed_base_update",
    "apply_macro",
    "assign",
    "attach",
    "breach_recipients",
    "bulk_change",
    "change_priority",
    "close_case",
    "close_silent_cases",
    "create_macro",
    "delete_macro",
    "delete_view",
    "escalate",
    "escalation_recipients",
    "handle_escalation",
    "import_cases",
    "imported_case",
    "may_answer_resolution",
    "may_reopen",
    "on_call_team",
    "open_case",
    "propose_resolution",
    "reject_resolution",
    "reopen_case",
    "reopen_deadline",
    "reply",
    "save_view",
    "saved_view_list",
    "saved_views",
    "set_status",
    "sweep_breaches",
    "sweep_escalations",
    "update_macro",
    "validate_template_data",
    "macro_list",
    "visible_macros",
]
