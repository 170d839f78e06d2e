"""Enrolments of a person in a course: the course row is the lock that keeps its seats (`core.locks`: a course
before its enrolments)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import Case, TimelineKind
from core.bus import publish
from core.locks import lock_one
from core.models import AuditAction
from employment import permissions
from employment.events import CourseEnrolled, EnrolmentStatusChanged
from employment.models import SEAT_STATUSES, Course, Enrolment, EnrolmentStatus
from employment.services.common import running_pathway, step_record


def course_enrol(*, actor, course_id: int, case: Case) -> Enrolment:
    """Enrol the person of `case` in a course. The course row is locked, so two enrolments for the last seat
    are serialised and the second is refused ("the course is full"). Raises PermissionDenied, ValidationError
    (unknown or ended course, already enrolled, full). Writes the timeline line (with its audit row); publishes
    `CourseEnrolled`."""
    with transaction.atomic():
        try:
            course = lock_one(Course.objects.select_related("organisation"), pk=course_id)
        except Course.DoesNotExist:
            raise ValidationError({"course": _("Choose a course.")}) from None
        pathway = running_pathway(case)
        provider_id = pathway.provider_organisation_id if pathway else None
        membership = permissions.case_worker_membership(
            actor, case, provider_id=provider_id
        ) or permissions.case_worker_membership(actor, case, provider_id=course.organisation_id)
        if membership is None:
            raise PermissionDenied(
                _(
                    "Only the employment service of the pathway, the course's provider or the case's "
                    "lead organisation can enrol this person."
                )
            )
        if course.ends_on < timezone.localdate():
            raise ValidationError({"course": _("This course has already ended.")})
        existing = Enrolment.objects.filter(course=course, case=case).first()
        if existing is not None and existing.status in SEAT_STATUSES:
            raise ValidationError({"course": _("This person is already enrolled in the course.")})
        taken = Enrolment.objects.filter(course=course, status__in=SEAT_STATUSES).count()
        if taken >= course.seats:
            raise ValidationError(
                {"course": _("The course is full: all %(seats)d seats are taken.") % {"seats": course.seats}}
            )
        if existing is not None:  # withdrawn earlier, enrolled again
            existing.status = EnrolmentStatus.ENROLLED
            existing.enrolled_by = actor
            existing.enrolled_at = timezone.now()
            existing.pathway = pathway
            existing.save()
            enrolment = existing
        else:
            try:
                with transaction.atomic():
                    enrolment = Enrolment.objects.create(
                        course=course,
                        case=case,
                        pathway=pathway,
                        enrolled_by=actor,
                        organisation_id=membership.organisation_id,
                    )
            except IntegrityError:
                raise ValidationError({"course": _("This person is already enrolled in the course.")}) from None
        step_record(
            kind=TimelineKind.COURSE_ENROLLED,
            case=case,
            actor=actor,
            organisation_id=membership.organisation_id,
            obj=enrolment,
            provider_id=course.organisation_id,
            date=course.starts_on,
            provider=course.organisation.name,
            course=course.title,
            detail={"course": course.pk},
        )
        publish(CourseEnrolled(enrolment=enrolment, actor_id=actor.pk))
        return enrolment


def enrolment_set_status(*, actor, enrolment_id: int, status: EnrolmentStatus | str) -> Enrolment:
    """Record how an enrolment went (the pathway's employment service, or the course's provider without a
    pathway). Locks the enrolment. Raises Http404 (unknown, or not theirs). Writes the timeline line (with its audit
    row); publishes
    `EnrolmentStatusChanged`."""
    with transaction.atomic():
        try:
            enrolment = lock_one(Enrolment.objects.select_related("case", "pathway", "course"), pk=enrolment_id)
        except Enrolment.DoesNotExist:
            raise Http404 from None
        provider_id = (
            enrolment.pathway.provider_organisation_id if enrolment.pathway else enrolment.course.organisation_id
        )
        membership = permissions.case_worker_membership(actor, enrolment.case, provider_id=provider_id)
        if membership is None:
            raise Http404
        enrolment.status = status
        enrolment.save(update_fields=["status"])
        step_record(
            kind=TimelineKind.ENROLMENT_STATUS_CHANGED,
            case=enrolment.case,
            actor=actor,
            organisation_id=membership.organisation_id,
            obj=enrolment,
            provider_id=provider_id,
            date=timezone.localdate(),
            audit_action=AuditAction.UPDATE,
            status=str(status),
            course=enrolment.course.title,
        )
        publish(EnrolmentStatusChanged(enrolment=enrolment, actor_id=actor.pk))
        return enrolment
