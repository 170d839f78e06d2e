"""Checks on uploaded files: size and real type (magic bytes), not the name the browser sent."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

# content type -> (accepted extensions, magic prefix)
ALLOWED_TYPES = {
    "application/pdf": ((".pdf",), (b"%PDF-",)),
    "image/png": ((".png",), (b"\x89PNG\r\n\x1a\n",)),
    "image/jpeg": ((".jpg", ".jpeg"), (b"\xff\xd8\xff",)),
}


def validate_upload(uploaded) -> str:
    """Return the detected content type, or raise ValidationError with a translated message."""
    if uploaded is None:
        raise ValidationError(_("Choose a file."))
    if uploaded.size == 0:
        raise ValidationError(_("The file is empty."))
    if uploaded.size > settings.DOCUMENT_MAX_BYTES:
        raise ValidationError(
            _("The file is too large (%(size)s); the limit is %(limit)s.")
            % {"size": filesizeformat(uploaded.size), "limit": filesizeformat(settings.DOCUMENT_MAX_BYTES)}
        )
    name = (uploaded.name or "").lower()
    uploaded.seek(0)
    head = uploaded.read(16)
    uploaded.seek(0)
    for content_type, (extensions, magics) in ALLOWED_TYPES.items():
        if any(head.startswith(magic) for magic in magics):
            if not name.endswith(extensions):
                raise ValidationError(_("The file's name does not match its content."))
            return content_type
    raise ValidationError(_("Only PDF, PNG and JPEG files are accepted."))
