"""Demo workflows on top of the demo network (`demo.network`, `demo.people`): case pathways and handoffs in every state.

The story: the network started working its cases through Tavolo's workflows three weeks ago. Every open case
got its pathway (assessment, triage, plan: each step done when the case file has what it asks for), and the
case managers have been sending referrals and transfers since. Everything goes through the services
(`workflows.services`), replayed in date order on the demo's clock (`demo.clock.travel`), so tasks, history rows,
timeline events and audit rows carry the day they happened; the SLA timer of one referral fires on its day, as
`run_timers` would.

What each demo login finds (README.md lists them):
- `caritas.operatore`: Caritas's queue (two referrals to answer, one of them overdue and escalated; an outcome
  to report) and one referral it took into its inbox;
- `assistente.comune`: the handoffs it sent, in every state, a declined referral to redirect in its inbox,
  and the permission to send a handoff the person's consent does not cover (`workflows.override_consent`);
- `coordinatore`: the escalation of the overdue referral, in the coordinating service's queue;
- `banco.operatore`, `cordata.cm`: an outcome to report, a transferred case now led by La Cordata.
"""

from __future__ import annotations

import datetime
import heapq
import itertools
from collections import Counter

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import transaction
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS
from viewflow.workflow.timers import fire_due_timers

from cases import services as case_services
from cases.models import Case, CaseStatus, ConsentPurpose
from cases.selectors import consent_covers
from demo.clock import travel
from demo.identities import HOMELESS_ADDRESS
from demo.network import CSV_SLUGS
from demo.workflow_stories import NEWCOMERS, OVERRIDE_LOGIN, SERVICE_SLAS, STORIES, Story
from partners.models import Membership, Organisation, ServiceType
from partners.roles import Role
from workflows import permissions
from workflows.flows import CaseFlow, HandoffFlow
from workflows.models import CaseProcess, Handoff
from workflows.services import casepath, handoffs, lifecycle, tasks
from workflows.workdays import is_working_day

# The first day of the workflows, in days before today.
GO_LIVE_DAYS = 21


class WorkflowDemoError(Exception):
    """The demo network is not there (no demo logins): nothing to build the workflows on."""


class WorkflowLoader:
    """Builds the demo workflows in date order: `at(moment, step)` queues a step, `run()` replays them."""

    def __init__(self, *, now: datetime.datetime | None = None):
        self.now = now or timezone.now()
        self.today = timezone.localtime(self.now).date()
        self.stats: Counter = Counter()
        self._queue: list = []
        self._seq = itertools.count()
        self.used_cases: set[int] = set()
        User = get_user_model()
        self.users = {u.username: u for u in User.objects.filter(is_active=True)}
        self.orgs = {CSV_SLUGS[o.name]: o for o in Organisation.objects.filter(is_active=True) if o.name in CSV_SLUGS}
        if not {"coordinatore", OVERRIDE_LOGIN, "caritas.operatore"} <= set(self.users):
            raise WorkflowDemoError("the demo network is not loaded (run manage.py demo_network first)")

    # --- the clock -----------------------------------------------------------------------------------

    def moment(self, days_ago: int, hour: int = 9, minute: int = 0, *, working_day: bool = True) -> datetime.datetime:
        """`days_ago` days before today (moved back to the previous working day unless told otherwise), at that
        time; never later than half an hour ago."""
        day = self.today - datetime.timedelta(days=days_ago)
        while working_day and not is_working_day(day) and day < self.today:
            day -= datetime.timedelta(days=1)
        at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))
        return min(at, self.now - datetime.timedelta(minutes=30))

    def at(self, moment: datetime.datetime, step) -> None:
        heapq.heappush(self._queue, (moment, next(self._seq), step))

    def run(self) -> None:
        while self._queue:
            moment, _seq, step = heapq.heappop(self._queue)
            with travel(moment, tick=True):
                step()
        # What run_timers would have fired by now (reviews that fell due, deadlines missed).
        self.stats["timers fired"] += fire_due_timers()

    # --- reference data ------------------------------------------------------------------------------

    def catalogue(self) -> None:
        for code, days in SERVICE_SLAS.items():
            ServiceType.objects.filter(code=code).update(sla_working_days=days)
        permission = Permission.objects.get(content_type__app_label="workflows", codename="override_consent")
        self.users[OVERRIDE_LOGIN].user_permissions.add(permission)

    # --- case pathways -------------------------------------------------------------------------------

    def pathways(self) -> None:
        """Every open case gets its pathway on the first day (or the day it opened), then its steps on the next
        working days, as far as its file allows: assessment recorded, case manager confirmed, plan with goals."""
        go_live = self.today - datetime.timedelta(days=GO_LIVE_DAYS)
        cases = Case.objects.exclude(status=CaseStatus.CLOSED).select_related("lead_organisation").order_by("pk")
        for index, case in enumerate(cases):
            start = max(go_live, case.opened_on)
            days_ago = (self.today - start).days
            minute = index % 50
            # Not before the case opened (a case opened on a Sunday starts its pathway that day).
            started = self.moment(days_ago, 8, minute, working_day=False)
            self.at(started, lambda case=case: self._start(case))
            for offset, step in enumerate((self._assess, self._triage, self._plan), start=1):
                if days_ago - offset * 2 < 0:
                    break
                moment = max(
                    self.moment(days_ago - offset * 2, 10 + offset, minute), started + datetime.timedelta(hours=offset)
                )
                self.at(moment, lambda case=case, step=step: step(case))

    def _start(self, case: Case) -> None:
        casepath.case_flow_start(case=case, actor=self._case_manager(case))
        self.stats["pathways started"] += 1

    def _open_step(self, case: Case, node) -> Task | None:
        process = CaseProcess.objects.filter(case=case, flow_class=CaseFlow).order_by("-pk").first()
        if process is None:
            return None
        return Task.objects.filter(process=process, flow_task=node, status__in=permissions.OPEN_TASK_STATUSES).first()

    def _case_manager(self, case: Case):
        """The case's manager while still a case manager of the lead; else the lead's first case manager."""
        managers = (
            Membership.objects.active()
            .filter(organisation_id=case.lead_organisation_id, role=Role.CASE_MANAGER)
            .order_by("pk")
        )
        chosen = managers.filter(user_id=case.case_manager_id).first() or managers.first()
        return chosen.user if chosen else None

    def _assess(self, case: Case) -> None:
        task = self._open_step(case, CaseFlow.assess)
        if task is not None and case.assessments.exists():
            casepath.assessment_done(actor=self._case_manager(case), task_id=task.pk)
            self.stats["assessments done"] += 1

    def _triage(self, case: Case) -> None:
        task = self._open_step(case, CaseFlow.triage)
        manager = self._case_manager(case)
        if task is not None and manager is not None:
            casepath.triage_done(actor=manager, task_id=task.pk, case_manager=manager)
            self.stats["triages done"] += 1

    def _plan(self, case: Case) -> None:
        task = self._open_step(case, CaseFlow.plan)
        plan = getattr(Case.objects.get(pk=case.pk), "plan", None)
        if task is not None and plan is not None and plan.goals.exists():
            casepath.plan_done(actor=self._case_manager(case), task_id=task.pk)
            self.stats["plans done"] += 1

    # --- handoffs ------------------------------------------------------------------------------------

    def handoffs(self) -> None:
        for story in STORIES:
            sender = self.users.get(story.sender)
            receivers = [org for org in (self.orgs.get(slug) for slug in story.receivers) if org is not None]
            if sender is None or len(receivers) < len(story.receivers):
                self.stats["handoffs skipped (no such login or partner)"] += 1
                continue
            sent = self.moment(story.sent, 9 + story.sent % 6, 15)
            holder: dict = {
                "story": story,
                "case": self._case_for(story, sender=sender, receivers=receivers, day=timezone.localtime(sent).date()),
            }
            if holder["case"] is None:
                # The organisation has no case to spare: a new person comes in that morning.
                self.at(
                    min(sent, timezone.localtime(sent).replace(hour=8, minute=0)),
                    lambda s=story, u=sender, h=holder: self._intake(s, u, h),
                )
            self.at(sent, lambda s=story, r=receivers[0], h=holder: self._send(s, r, h))
            last = sent
            for action, days_ago, login in story.steps:
                # In the story's order even when weekends fold two steps onto the same working day.
                last = max(self.moment(days_ago, 10 + days_ago % 7, 40), last + datetime.timedelta(minutes=20))
                self.at(last, lambda a=action, u=login, h=holder: self._act(a, self.users[u], h))

    def _sender_organisation(self, sender) -> Organisation:
        membership = Membership.objects.active().filter(user=sender, role=Role.CASE_MANAGER).order_by("pk").first()
        return membership.organisation

    def _case_for(self, story: Story, *, sender, receivers: list[Organisation], day: datetime.date) -> Case | None:
        """An open case of the sender's organisation opened before `day`, not used by another story, whose
        person's consent covers every receiver of the story from `day` to today (for the override story: does
        not cover the receiver). None when there is none."""
        candidates = (
            Case.objects.filter(lead_organisation=self._sender_organisation(sender), opened_on__lt=day)
            .exclude(status=CaseStatus.CLOSED)
            .exclude(pk__in=self.used_cases)
            .select_related("person")
            .order_by("pk")
        )
        for case in candidates:
            covers = all(
                consent_covers(person=case.person, organisation_id=receiver.pk, on=on)
                for receiver in receivers
                for on in (day, self.today)
            )
            if covers != story.override:
                self.used_cases.add(case.pk)
                return case
        return None

    def _intake(self, story: Story, sender, holder: dict) -> None:
        """A new (fictional) person and case, with the consents the story needs and its first assessment."""
        first_name, last_name, sex, born = NEWCOMERS[self.stats["newcomers"] % len(NEWCOMERS)]
        lead = self._sender_organisation(sender)
        person = case_services.person_register(
            actor=sender,
            organisation_id=lead.pk,
            confirmed_new=True,
            data={
                "first_name": first_name,
                "last_name": last_name,
                "sex": sex,
                "birth_date": born,
                "city": "Cinisello Balsamo",
                "is_homeless": story.override,
                "address": HOMELESS_ADDRESS if story.override else "",
            },
        )
        case = lifecycle.case_open(actor=sender, organisation_id=lead.pk, person=person, title=story.title)
        today = timezone.localdate()
        case_services.consent_record(actor=sender, person=person, purpose=ConsentPurpose.PROCESSING, given_on=today)
        if not story.override:  # the override story is about a person whose consent does not cover the receiver
            case_services.consent_record(
                actor=sender, person=person, purpose=ConsentPurpose.SHARE_NETWORK, given_on=today
            )
        case_services.assessment_record(actor=sender, case=case, domain=story.domain, severity=3, assessed_on=today)
        holder["case"] = case
        self.stats["newcomers"] += 1

    def _send(self, story: Story, receiver: Organisation, holder: dict) -> None:
        service = ServiceType.objects.filter(code=story.service).first() if story.service else None
        if service is not None:
            receiver.services.add(service)  # the receiver offers what it is asked for
        holder["handoff"] = handoffs.handoff_send(
            actor=self.users[story.sender],
            case=holder["case"],
            kind=story.kind,
            receiver_organisation_id=receiver.pk,
            service_type_id=service.pk if service else None,
            reason=story.reason,
            sections=story.sections,
            urgency="urgent" if story.urgent else "normal",
            override_consent=story.override,
            override_reason="Emergenza freddo: il consenso sarà raccolto all'accoglienza in dormitorio."
            if story.override
            else "",
        )
        self.stats["handoffs sent"] += 1
        if story.name == "overdue":
            # The receiver does not answer: the SLA timer fires an hour after the deadline.
            self.at(holder["handoff"].due_at + datetime.timedelta(hours=1), self._fire_timers)

    def _fire_timers(self) -> None:
        self.stats["timers fired"] += fire_due_timers()

    def _act(self, action: str, user, holder: dict) -> None:
        handoff: Handoff = holder["handoff"]
        if action == "claim":
            task = Task.objects.get(process_id=handoff.process_id, flow_task=HandoffFlow.decide, status=STATUS.NEW)
            tasks.task_claim(actor=user, task_id=task.pk)
        elif action == "accept":
            handoffs.handoff_accept(actor=user, handoff_id=handoff.pk, note="Presa in carico: primo colloquio fissato.")
        elif action == "decline":
            handoffs.handoff_decline(
                actor=user, handoff_id=handoff.pk, reason="capacity", note="Tirocini esauriti fino a marzo."
            )
        elif action == "decline_not_eligible":
            handoffs.handoff_decline(
                actor=user, handoff_id=handoff.pk, reason="not_eligible", note="Serve prima un livello A2 di italiano."
            )
        elif action == "redirect":
            receiver = self.orgs[holder["story"].redirect_to]
            service = ServiceType.objects.get(code="job-placement")
            receiver.services.add(service)
            handoffs.handoff_redirect(
                actor=user,
                handoff_id=handoff.pk,
                receiver_organisation_id=receiver.pk,
                service_type_id=service.pk,
                reason="Orientamento al lavoro insieme al corso di italiano.",
            )
        elif action == "revoke":
            handoffs.handoff_revoke(
                actor=user,
                handoff_id=handoff.pk,
                reason="La persona ha trovato assistenza legale tramite il sindacato.",
            )
        elif action == "outcome":
            handoffs.handoff_report_outcome(
                actor=user,
                handoff_id=handoff.pk,
                outcome="completed",
                note="Accordo firmato con il proprietario: piano di rientro in 12 rate.",
            )
        elif action == "outcome_partial":
            handoffs.handoff_report_outcome(
                actor=user,
                handoff_id=handoff.pk,
                outcome="partial",
                note="Corso di italiano iniziato; tirocinio rimandato a dopo l'A2.",
            )
        else:  # pragma: no cover - a typo in STORIES
            raise ValueError(action)
        self.stats["handoff steps"] += 1


def load_workflows(*, now: datetime.datetime | None = None) -> Counter:
    """Pathways for the open cases and the handoffs of `STORIES`, in one transaction. Raises
    WorkflowDemoError when the demo network is not loaded."""
    with transaction.atomic():
        loader = WorkflowLoader(now=now)
        loader.catalogue()
        loader.pathways()
        loader.handoffs()
        loader.run()
    for status, count in Counter(Handoff.objects.values_list("status", flat=True)).items():
        loader.stats[f"status {status}"] = count
    return loader.stats


def workflows_loaded() -> bool:
    return CaseProcess.objects.exists() or Handoff.objects.exists()
