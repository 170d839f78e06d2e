from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from partners.roles import Role


class ShareSection(models.TextChoices):
    """Sections of a case file a referral may share with the receiving organisation (its data scope).

    Defined here, below `cases`, because a service of the catalogue names the sections it needs
    (`ServiceType.share_sections`); `cases.models` re-exports it.
    """

    FILE = "file", _("Personal data, assessment and plan")
    NOTES = "notes", _("Notes (not the sensitive ones)")
    DOCUMENTS = "documents", _("Documents")
    TIMELINE = "timeline", _("Case timeline")


def share_sections_normalised(codes: Iterable[str]) -> list[str]:
    """The codes once each, in the order of `ShareSection` (unknown codes are left out: validate first)."""
    chosen = set(codes)
    return [code for code in ShareSection.values if code in chosen]


def validate_share_sections(value) -> None:
    """A list of `ShareSection` codes, each at most once."""
    if not isinstance(value, list) or not all(isinstance(code, str) for code in value):
        raise ValidationError(_("Give a list of section codes."), code="share_sections_not_a_list")
    unknown = sorted(set(value) - set(ShareSection.values))
    if unknown:
        raise ValidationError(
            _("Unknown sections: %(codes)s. Use: %(allowed)s."),
            code="share_sections_unknown",
            params={"codes": ", ".join(unknown), "allowed": ", ".join(ShareSection.values)},
        )
    if len(set(value)) != len(value):
        raise ValidationError(_("Each section may be listed once."), code="share_sections_repeated")


class ServiceType(models.Model):
    """An entry of the network's catalogue of services (food aid, housing, job placement...)."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    # How long a receiving organisation has to accept or decline a referral for this service.
    sla_working_days = models.PositiveSmallIntegerField(
        _("working days to answer a referral"), default=3, validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    # The sections of the case file a referral for this service usually needs: the send form ticks them
    # when the service is chosen (the sender may change them). Empty: the case summary is enough.
    share_sections = models.JSONField(
        _("sections of the file this service needs"),
        default=list,
        blank=True,
        validators=[validate_share_sections],
        help_text=_("Ticked in advance on the referral form when this service is chosen."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("service type")
        verbose_name_plural = _("service types")

    def __str__(self) -> str:
        return self.name


class OrganisationKind(models.TextChoices):
    PUBLIC_BODY = "public_body", _("Public body")
    ASSOCIATION = "association", _("Association")
    PUBLIC_COMPANY = "public_company", _("Public company")
    RELIGIOUS_CHARITY = "religious_charity", _("Religious charity")
    SOCIAL_COOPERATIVE = "social_cooperative", _("Social cooperative")
    VOLUNTEER_CORPS = "volunteer_corps", _("Volunteer corps")
    FOUNDATION = "foundation", _("Foundation")
    HEALTH_PROVIDER = "health_provider", _("Health provider")


class NetworkRole(models.TextChoices):
    COORDINATOR = "coordinator", _("Coordinator")
    PARTNER = "partner", _("Partner")
    ADHERENT = "adherent", _("Adherent")


class Organisation(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    kind = models.CharField(_("kind"), max_length=30, choices=OrganisationKind.choices)
    network_role = models.CharField(
        _("role in the network"), max_length=20, choices=NetworkRole.choices, default=NetworkRole.PARTNER
    )
    tax_code = models.CharField(_("tax code"), max_length=16, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=10, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    website = models.URLField(_("website"), blank=True)
    services = models.ManyToManyField(ServiceType, blank=True, related_name="providers", verbose_name=_("services"))
    is_active = models.BooleanField(_("active"), default=True)
    group = models.OneToOneField(Group, on_delete=models.PROTECT, related_name="organisation", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.short_name or self.name

    @property
    def is_coordinator(self) -> bool:
        return self.network_role == NetworkRole.COORDINATOR


class MembershipQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True, organisation__is_active=True, user__is_active=True)


class Membership(models.Model):
    """A user's role in one organisation. A user may belong to several organisations, one role in each."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["organisation__name", "user__last_name", "user__first_name"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="membership_one_role_per_org"),
        ]
        indexes = [models.Index(fields=["user", "is_active"])]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organisation} ({self.get_role_display()})"
