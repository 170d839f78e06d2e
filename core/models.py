"""Rows the runtime plumbing keeps: the answers to idempotent API writes (see core.idempotency)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class IdempotencyKey(models.Model):
    """The first successful answer to an API write sent with an ``Idempotency-Key`` header, replayed to its
    retries. Written in the transaction of the change it answers, so the two exist together or not at all;
    removed by ``run_timers`` once older than core.idempotency.KEY_LIFETIME."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+",
                             verbose_name=_("user"))
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
