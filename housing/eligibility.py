"""Eligibility of a household for a resource type, rule by rule, with the reason of each outcome."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from core import l10n
from housing.models import Comparison, EligibilityRule, HousingProfile, RuleField

_TESTS = {
    Comparison.LTE: lambda value, threshold: value <= threshold,
    Comparison.LT: lambda value, threshold: value < threshold,
    Comparison.GTE: lambda value, threshold: value >= threshold,
    Comparison.GT: lambda value, threshold: value > threshold,
}


@dataclass(frozen=True)
class RuleCheck:
    rule: EligibilityRule
    value: Decimal | None
    met: bool

    @property
    def requirement(self) -> str:
        threshold = l10n.number(self.rule.threshold)
        return f"{RuleField(self.rule.field).label} {self.rule.get_comparison_display()} {threshold}"

    @property
    def reason(self) -> str:
        if self.value is None:
            return _("Not recorded in the housing section: %(field)s.") % {"field": RuleField(self.rule.field).label}
        if self.met:
            return _("Met: %(value)s.") % {"value": l10n.number(self.value)}
        return f"{self.rule.message} ({_('recorded: %(value)s') % {'value': l10n.number(self.value)}})"


@dataclass(frozen=True)
class Eligibility:
    kind: str
    checks: tuple[RuleCheck, ...]

    @property
    def eligible(self) -> bool:
        return all(check.met for check in self.checks)

    @property
    def reasons(self) -> list[str]:
        """Why the household is not eligible (empty when it is)."""
        return [check.reason for check in self.checks if not check.met]


def rules_for(kind: str) -> list[EligibilityRule]:
    return list(EligibilityRule.objects.filter(kind=kind, is_active=True).order_by("field", "pk"))


def check_eligibility(profile: HousingProfile, kind: str, rules: list[EligibilityRule] | None = None) -> Eligibility:
    """Each active rule of `kind` against the housing section. A value that is not recorded fails its rule: the
    household is not shown eligible on data nobody checked."""
    checks = []
    for rule in rules if rules is not None else rules_for(kind):
        raw = getattr(profile, rule.field, None)
        value = Decimal(raw) if raw is not None else None
        met = value is not None and _TESTS[Comparison(rule.comparison)](value, rule.threshold)
        checks.append(RuleCheck(rule=rule, value=value, met=met))
    return Eligibility(kind=kind, checks=tuple(checks))
