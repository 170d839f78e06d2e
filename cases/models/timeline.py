"""The case timeline: one row per event, with its kind."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models.cases import Case
from partners.models import Organisation


class TimelineKind(models.TextChoices):
    CASE_OPENED = "case_opened", _("Case opened")
    CASE_UPDATED = "case_updated", _("Case updated")
    STATUS_CHANGED = "status_changed", _("Status changed")
    CASE_CLOSED = "case_closed", _("Case closed")
    PERSON_UPDATED = "person_updated", _("Personal data updated")
    PERSON_MERGED = "person_merged", _("Duplicate person merged")
    HOUSEHOLD_UPDATED = "household_updated", _("Household updated")
    CONSENT_RECORDED = "consent_recorded", _("Consent recorded")
    CONSENT_WITHDRAWN = "consent_withdrawn", _("Consent withdrawn")
    ASSESSMENT_RECORDED = "assessment_recorded", _("Assessment recorded")
    PLAN_UPDATED = "plan_updated", _("Plan updated")
    NOTE_ADDED = "note_added", _("Note added")
    DOCUMENT_UPLOADED = "document_uploaded", _("Document uploaded")
    INTERVENTION_RECORDED = "intervention_recorded", _("Service delivered")
    ACCESS_GRANTED = "access_granted", _("Access granted")
    ACCESS_REVOKED = "access_revoked", _("Access revoked")
    HANDOFF_SENT = "handoff_sent", _("Handoff sent")
    HANDOFF_ACCEPTED = "handoff_accepted", _("Handoff accepted")
    HANDOFF_DECLINED = "handoff_declined", _("Handoff declined")
    HANDOFF_REVOKED = "handoff_revoked", _("Handoff revoked")
    HANDOFF_REDIRECTED = "handoff_redirected", _("Handoff redirected")
    HANDOFF_ESCALATED = "handoff_escalated", _("Handoff escalated")
    HANDOFF_OUTCOME = "handoff_outcome", _("Handoff outcome reported")
    HANDOFF_CLOSED = "handoff_closed", _("Handoff closed")
    CASE_TRIAGED = "case_triaged", _("Case triaged")
    CASE_REVIEWED = "case_reviewed", _("Case reviewed")
    # Steps of the housing and employment pathways (written by `housing.services` and `employment.services`).
    HOUSING_OFFER_MADE = "housing_offer_made", _("Housing offer made")
    HOUSING_OFFER_ACCEPTED = "housing_offer_accepted", _("Housing offer accepted")
    HOUSING_OFFER_DECLINED = "housing_offer_declined", _("Housing offer declined")
    HOUSING_OFFER_EXPIRED = "housing_offer_expired", _("Housing offer expired")
    HOUSING_MOVED_IN = "housing_moved_in", _("Move-in")
    HOUSING_MOVED_OUT = "housing_moved_out", _("Move-out")
    COURSE_ENROLLED = "course_enrolled", _("Enrolled in a course")
    INTERNSHIP_RECORDED = "internship_recorded", _("Internship recorded")
    JOB_PLACEMENT_RECORDED = "job_placement_recorded", _("Job placement recorded")
    JOB_FOLLOW_UP_RECORDED = "job_follow_up_recorded", _("Job follow-up recorded")
    HOUSING_FOLLOW_UP_RECORDED = "housing_follow_up_recorded", _("Housing follow-up recorded")
    # Records of the pathways that notify nobody (`cases.event_text.RECORD_KINDS`). The housing codes do not start
    # with "housing_": that prefix is kept for the steps above.
    HOUSING_SECTION_SAVED = "living_situation_saved", _("Housing section saved")
    WAITLIST_APPLICATION_MADE = "waitlist_application_made", _("Waitlist application made")
    WAITLIST_APPLICATION_UPDATED = "waitlist_application_updated", _("Waitlist application updated")
    WAITLIST_APPLICATION_WITHDRAWN = "waitlist_application_withdrawn", _("Waitlist application withdrawn")
    STAY_PLAN_UPDATED = "stay_plan_updated", _("Accompaniment plan updated")
    EMPLOYMENT_PATHWAY_STARTED = "employment_pathway_started", _("Employment pathway started")
    EMPLOYMENT_PROFILING_DONE = "employment_profiling_done", _("Employment profiling done")
    EMPLOYMENT_PATH_AGREED = "employment_path_agreed", _("Employment path agreed")
    EMPLOYMENT_TRAINING_DONE = "employment_training_done", _("Training and internships done")
    EMPLOYMENT_NOT_PLACED = "employment_not_placed", _("Employment pathway ended without a placement")
    EMPLOYMENT_DROPPED_OUT = "employment_dropped_out", _("Dropped out of the employment pathway")
    EMPLOYABILITY_PROFILE_SAVED = "employability_profile_saved", _("Employability profile saved")
    ENROLMENT_STATUS_CHANGED = "enrolment_status_changed", _("Course enrolment status changed")
    INTERNSHIP_STATUS_CHANGED = "internship_status_changed", _("Internship status changed")


class CaseEvent(models.Model):
    """The case timeline: one row per event, written by the service that caused it."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=30, choices=TimelineKind.choices)
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    # `summary` holds what a person typed (a note's start, a document title); `data` holds codes
    # (statuses, domains, field names) that are rendered in the reader's language by `display_summary`.
    summary = models.CharField(max_length=300, blank=True)
    data = models.JSONField(default=dict, blank=True)
    # Sensitive events (a sensitive note) are shown only to the organisation that wrote them.
    is_sensitive = models.BooleanField(default=False)
    object_type = models.CharField(max_length=50, blank=True)
    object_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["case", "-at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.at:%Y-%m-%d}"

    def display_summary(self) -> str:
        """The event's one-line description in the current language."""
        from cases.event_text import render_event_summary

        return render_event_summary(self)
