"""Configuration as code: export, apply on an empty database, export again gives the same file."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from casework.automation import config_file, configuration
from casework.automation.models import CaseType, Playbook, Trigger


def build_configuration(team, escalation_team):
    configuration.save_document("webhooks", {"name": "CRM", "url": "https://crm.example/hook"})
    configuration.save_document(
        "case_types",
        {
            "key": "billing-dispute",
            "name": "Billing dispute",
            "default_team": team.name,
            "fields": [
                {
                    "key": "refund_amount",
                    "label": "Refund amount",
                    "type": "number",
                    "required_to_resolve": True,
                }
            ],
        },
    )
    configuration.save_document(
        "service_definitions",
        {"key": "dispute", "name": "Dispute an invoice", "case_type": "billing-dispute", "team": team.name},
    )
    configuration.save_document(
        "playbooks",
        {
            "name": "Billing dispute",
            "case_type": "billing-dispute",
            "stages": [{"name": "Approve", "steps": [{"key": "ok", "kind": "approval", "required": True}]}],
        },
    )
    configuration.save_document(
        "triggers",
        {
            "name": "Urgent to escalation",
            "event": "case_created",
            "conditions": {"all": [{"field": "priority", "op": "is", "value": "urgent"}]},
            "actions": [
                {"type": "assign", "team": escalation_team.name},
                {"type": "webhook", "webhook": "CRM"},
            ],
        },
    )
    configuration.save_document(
        "time_rules",
        {
            "name": "Pending reminder",
            "conditions": {
                "all": [{"field": "hours_since_status_change", "op": "greater_than", "value": 72}]
            },
            "actions": [{"type": "email", "to": "customer", "body": "Still there?"}],
        },
    )
    configuration.save_document("macros", {"name": "Thanks", "reply": "Thank you, {{ contact.name }}!"})


def export():
    out = io.StringIO()
    call_command("config", "export", stdout=out)
    return out.getvalue()


def wipe():
    for model in (Trigger, Playbook):
        model.objects.all().delete()
    for kind in ("macros", "time_rules", "service_definitions", "case_types", "webhooks"):
        configuration.KINDS[kind]._default_manager.all().delete()


def test_export_then_apply_on_an_empty_database_then_export_gives_the_same_file(
    tmp_path, team, escalation_team
):
    build_configuration(team, escalation_team)
    first = export()
    assert "billing-dispute" in first and "Urgent to escalation" in first
    wipe()
    assert CaseType.objects.count() == 0
    path = tmp_path / "casework.yaml"
    path.write_text(first)
    out = io.StringIO()
    call_command("config", "apply", str(path), stdout=out)
    assert "create triggers Urgent to escalation" in out.getvalue()
    assert export() == first
    out = io.StringIO()
    call_command("config", "apply", str(path), stdout=out)
    assert "0 changed, 7 unchanged" in out.getvalue()


def test_dry_run_shows_what_would_change_and_changes_nothing(tmp_path, team, escalation_team):
    build_configuration(team, escalation_team)
    text = export().replace("Still there?", "Are you still there?")
    path = tmp_path / "c.yaml"
    path.write_text(text)
    out = io.StringIO()
    call_command("config", "apply", str(path), "--dry-run", stdout=out)
    assert "update time_rules Pending reminder" in out.getvalue()
    assert "Still there?" in export()


def test_an_error_names_the_file_position_and_nothing_is_applied(tmp_path, team):
    path = tmp_path / "bad.yaml"
    path.write_text(
        "case_types:\n"
        "- key: defect\n"
        "  name: Product defect\n"
        "triggers:\n"
        "- name: Broken\n"
        "  event: case_created\n"
        "  conditions:\n"
        "    all:\n"
        "    - field: priority\n"
        "      op: equals\n"
        "      value: urgent\n"
    )
    with pytest.raises(CommandError) as err:
        call_command("config", "apply", str(path))
    assert f"{path}:10:11: triggers.0.conditions.all.0.op" in str(err.value)
    assert CaseType.objects.count() == 0


def test_a_yaml_syntax_error_names_its_line():
    with pytest.raises(config_file.ConfigError) as err:
        config_file.apply_text("triggers:\n  - name: [unclosed\n", filename="c.yaml")
    assert err.value.where.startswith("c.yaml:3:")
