"""Pure parts of the Kubernetes views: label selectors, rollout status words, API server check lines."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tui.adapters.kube_health import parse_verbose_checks
from tui.adapters.kube_records import DeploymentInfo, deployment_from_api, label_selector, rollout_status
from tui.views.kube_view import parse_selector


def deployment(**counts: int | bool) -> DeploymentInfo:
    fields: dict = dict(uid="u", name="web", namespace="ns", created=datetime.now(UTC), desired=3, current=3)
    fields |= dict(ready=3, up_to_date=3, available=3, observed=True)
    return DeploymentInfo(**(fields | counts))


def test_label_selector_renders_match_labels_and_expressions_as_the_api_takes_them() -> None:
    selector = {
        "matchLabels": {"tier": "web", "app": "shop"},
        "matchExpressions": [
            {"key": "env", "operator": "In", "values": ["prod", "stage"]},
            {"key": "canary", "operator": "NotIn", "values": ["true"]},
            {"key": "owner", "operator": "Exists"},
            {"key": "legacy", "operator": "DoesNotExist"},
        ],
    }
    assert label_selector(selector) == "app=shop,tier=web,env in (prod,stage),canary notin (true),owner,!legacy"
    assert label_selector(None) == "" and label_selector({}) == ""


def test_deployment_record_carries_its_pod_selector_and_a_stalled_rollout() -> None:
    raw = {
        "metadata": {"uid": "1", "name": "web", "namespace": "ns", "generation": 2},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}}},
        "status": {
            "observedGeneration": 2,
            "conditions": [{"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded"}],
        },
    }
    record = deployment_from_api(raw)
    assert record.selector == "app=web" and record.stalled
    assert rollout_status("deployment", record) == ("deployment 'web' exceeded its progress deadline", False)


@pytest.mark.parametrize(
    ("counts", "words", "done"),
    [
        ({}, "deployment 'web' successfully rolled out", True),
        ({"observed": False}, "Waiting for deployment spec update to be observed…", False),
        ({"up_to_date": 1}, "Waiting for deployment 'web' rollout: 1 of 3 new replicas updated…", False),
        ({"current": 5}, "Waiting for deployment 'web' rollout: 2 old replicas pending termination…", False),
        ({"current": 4}, "Waiting for deployment 'web' rollout: 1 old replica pending termination…", False),
        ({"available": 2}, "Waiting for deployment 'web' rollout: 2 of 3 updated replicas available…", False),
    ],
)
def test_rollout_status_words_each_stage_like_kubectl(counts: dict, words: str, done: bool) -> None:
    assert rollout_status("deployment", deployment(**counts)) == (words, done)


def test_filter_text_is_a_label_selector_only_after_dash_l() -> None:
    assert parse_selector("-l app=web,tier!=db") == "app=web,tier!=db"
    assert parse_selector("-l") == ""
    assert parse_selector("-lapp") is None and parse_selector("web") is None


def test_verbose_health_lines_become_checks_and_other_lines_are_ignored() -> None:
    text = "[+]ping ok\n[-]etcd failed: reason withheld\n[+]poststarthook/start-kube-aggregator ok\nreadyz check failed\n"
    checks = parse_verbose_checks("/readyz", text)
    assert [(c.name, c.healthy) for c in checks] == [
        ("/readyz ping", True),
        ("/readyz etcd", False),
        ("/readyz poststarthook/start-kube-aggregator", True),
    ]
    assert checks[1].detail == "failed: reason withheld"
