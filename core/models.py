"""Rows the shared plumbing keeps: the audit log (written by core.audit) and the answers to idempotent API writes
(core.idempotency)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class IdempotencyKey(models.Model):
    """The first successful answer to an API write sent with an ``Idempotency-Key`` header, replayed to its
    retries. Written in the transaction of the change it answers, so the two exist together or not at all;
    removed by ``run_timers`` once older than core.idempotency.KEY_LIFETIME."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    key = models.CharField(_("key"), max_length=255)
    method = models.CharField(_("method"), max_length=10)
    path = models.TextField(_("path"))
    fingerprint = models.CharField(_("fingerprint"), max_length=64)  # SHA-256 of the request body, in hex
    # Empty only inside the transaction that claimed the key: never committed so.
    status = models.PositiveSmallIntegerField(_("status"), null=True)
    response = models.JSONField(_("response"), null=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="core_idempotency_key_unique_per_user")]

    def __str__(self) -> str:
        return f"{self.method} {self.path} ({self.key})"


class AuditAction(models.TextChoices):
    # A context keeps these nouns apart from the buttons with the same English words ("Search", "Merge").
    READ = "read", pgettext_lazy("audit action", "Read")
    CREATE = "create", pgettext_lazy("audit action", "Create")
    UPDATE = "update", pgettext_lazy("audit action", "Update")
    DELETE = "delete", pgettext_lazy("audit action", "Delete")
    MERGE = "merge", pgettext_lazy("audit action", "Merge")
    DOWNLOAD = "download", pgettext_lazy("audit action", "Download")
    EXPORT = "export", pgettext_lazy("audit action", "Export")
    SEARCH = "search", pgettext_lazy("audit action", "Search")
    GRANT = "grant", pgettext_lazy("audit action", "Access granted")
    REVOKE = "revoke", pgettext_lazy("audit action", "Access revoked")
    CONSENT_OVERRIDE = "consent_override", pgettext_lazy("audit action", "Consent override")
    LOGIN = "login", pgettext_lazy("audit action", "Login")
    # Authentication (issue 18): written by the accounts app.
    LOGIN_FAILED = "login_failed", pgettext_lazy("audit action", "Failed login")
    LOGOUT = "logout", pgettext_lazy("audit action", "Logout")
    LOCKOUT = "lockout", pgettext_lazy("audit action", "Account locked")
    UNLOCK = "unlock", pgettext_lazy("audit action", "Account unlocked")
    PASSWORD_CHANGE = "password_change", pgettext_lazy("audit action", "Password changed")
    PASSWORD_RESET = "password_reset", pgettext_lazy("audit action", "Password reset")
    SESSIONS_ENDED = "sessions_ended", pgettext_lazy("audit action", "Sessions ended")
    TOKEN_CREATE = "token_create", pgettext_lazy("audit action", "API token created")
    TOKEN_REVOKE = "token_revoke", pgettext_lazy("audit action", "API token revoked")


class AuditEntry(models.Model):
    """One append-only row per read of a person's file and per change.

    It holds plain ids rather than foreign keys on purpose: the log must outlive the rows it
    describes (a merged person, a deleted document) and never block a deletion.
    It lives in `core` because every app writes it (core.audit) and `core` imports no app; its table keeps the
    name it was created with (`partners_auditentry`).
    """

    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("user")
    )
    username = models.CharField(_("username"), max_length=150, blank=True)
    organisation = models.ForeignKey(
        "partners.Organisation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organisation"),
    )
    action = models.CharField(_("action"), max_length=20, choices=AuditAction.choices)
    object_type = models.CharField(_("object type"), max_length=50)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    case_id = models.BigIntegerField(_("case"), null=True, blank=True, db_index=True)
    person_id = models.BigIntegerField(_("person"), null=True, blank=True, db_index=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        db_table = "partners_auditentry"
        ordering = ["-at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        indexes = [models.Index(fields=["organisation", "-at"], name="partners_au_organis_0a4dc6_idx")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.action} {self.object_type}:{self.object_id}"
