"""/api/v1/cases/: the cases API of `cases` (list, read, edit) with the case lifecycle's actions — opening a case
starts its pathway, closing it ends the pathway and the open handoffs, reopening restarts it
(`workflows.services.lifecycle`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action

from cases.api.case_file import (
    CaseCloseInputSerializer,
    CaseCreateSerializer,
    CaseDetailSerializer,
    CaseStatusInputSerializer,
    CaseViewSet,
)
from workflows.services import lifecycle


class CaseLifecycleViewSet(CaseViewSet):
    """`cases.api.case_file.CaseViewSet` and the lifecycle actions: create, status, close."""

    input_serializer_classes = {
        **CaseViewSet.input_serializer_classes,
        "create": CaseCreateSerializer,
        "set_status": CaseStatusInputSerializer,
        "close": CaseCloseInputSerializer,
    }

    @extend_schema(
        request=CaseCreateSerializer, responses={201: CaseDetailSerializer}, summary=gettext_lazy("Open a case")
    )
    def create(self, request):
        data = self.validated_input()
        organisation = data.get("organisation")
        case = lifecycle.case_open(
            actor=request.user,
            organisation_id=organisation.pk if organisation else None,
            person=data["person"],
            household=data.get("household"),
            title=data.get("title", ""),
            case_manager=data.get("case_manager"),
            opened_on=data.get("opened_on"),
            codice_fiscale_proof=data.get("codice_fiscale_proof", ""),
        )
        return self._detail(case, status_code=status.HTTP_201_CREATED)

    @extend_schema(
        request=CaseStatusInputSerializer,
        responses={200: CaseDetailSerializer},
        summary=gettext_lazy("Change the status of a case (or reopen it)"),
    )
    @action(detail=True, methods=["post"], url_path="status")
    def set_status(self, request, pk=None):
        case = self.get_object()
        lifecycle.case_set_status(actor=request.user, case=case, status=self.validated_input()["status"])
        return self._detail(case)

    @extend_schema(
        request=CaseCloseInputSerializer,
        responses={200: CaseDetailSerializer},
        summary=gettext_lazy("Close a case with its outcome"),
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        case = self.get_object()
        data = self.validated_input()
        lifecycle.case_close(
            actor=request.user,
            case=case,
            outcome=data["closure_outcome"],
            note=data.get("closure_note", ""),
            closed_on=data.get("closed_on"),
        )
        return self._detail(case)
