"""Every step of every flow has a translatable title: viewflow otherwise titles a step from its attribute name
("escalation_done" → "Escalation Done"), in English whatever the reader's language (pathway graph, bottleneck map,
work lists)."""

import pytest
from django.utils.functional import Promise
from django.utils.translation import override

from workflows.flows import FLOWS


def _nodes():
    for flow_class in FLOWS:
        for node in flow_class.instance.nodes():
            yield pytest.param(node, id=f"{flow_class.__name__}.{node.name}")


@pytest.mark.parametrize("node", list(_nodes()))
def test_every_step_has_a_translatable_title(node):
    assert isinstance(node.task_title, Promise), f"{node.name}: title {node.task_title!r} is not translatable"


def test_the_escalation_end_is_titled_in_italian():
    end = next(node for flow_class in FLOWS for node in flow_class.instance.nodes() if node.name == "escalation_done")
    with override("it"):
        assert str(end.task_title) != "Escalation Done"
        assert str(end.task_title) == "Seguito concluso"
