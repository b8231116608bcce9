"""Files on a case."""

from __future__ import annotations

import mimetypes
import secrets

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from caredesk.accounts.access import Capability, require
from caredesk.accounts.models import User
from caredesk.cases.models import (
    Attachment,
)
from caredesk.cases.services.shared import locked_case, not_closed, touch
from caredesk.core import audit
from caredesk.core.clock import now
from caredesk.core.errors import ValidationFailed
from caredesk.core.validation import clean_text

# --- attachments ------------------------------------------------------------------------------


@transaction.atomic
def attach(actor: User, case_id: str, upload: UploadedFile, *, internal: bool = False) -> Attachment:
    """Store a file on the case, refusing sizes and types outside the settings."""
    case = locked_case(actor, case_id)
    if internal or actor.is_vendor_staff:  # a file from the vendor is work on the case (D-1.2)
        require(actor, Capability.WORK_CASES)
    not_closed(case)
    name = (upload.name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    name = clean_text(name, field="file", max_length=200)
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in settings.ATTACHMENT_EXTENSIONS:
        raise ValidationFailed(
            _("This type of file is not accepted."),
            fields={
                "file": _("This type of file is not accepted. Accepted: %(extensions)s.")
                % {"extensions": ", ".join(settings.ATTACHMENT_EXTENSIONS)}
            },
        )
    if upload.size is None or upload.size > settings.ATTACHMENT_MAX_BYTES:
        raise ValidationFailed(
            _("The file is too large."),
            fields={
                "file": _("The file is too large: at most %(mb)s MB.")
                % {"mb": settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)}
            },
        )
    if upload.size == 0:
        raise ValidationFailed(_("The file is empty."), fields={"file": _("The file is empty.")})
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    attachment = Attachment(
        case=case,
        storage_key=secrets.token_hex(16),
        filename=name,
        size=upload.size,
        content_type=content_type,
        internal=internal,
        uploaded_by=actor,
        created_at=now(),
    )
    attachment.file.save(attachment.storage_key, upload, save=False)
    try:
        attachment.save()
        if not internal:  # customers see "last modified"; internal files do not move it
            touch(case)
        audit.record(case, "file_attached", actor, {"file": name, "size": upload.size}, internal=internal)
    except Exception:
        # The rows roll back with the transaction; the stored file must go with them.
        attachment.file.delete(save=False)
        raise
    return attachment
