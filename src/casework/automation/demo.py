# ruff: noqa: E501  (the demo configuration is YAML, kept readable as the file form)
"""Demo automation: the four example case types with fields and playbooks, service
definitions, a few triggers, a time rule and macros (`casework seed --demo`)."""

from __future__ import annotations

from typing import Any

from casework.automation import config_file

DEMO = """
case_types:
- key: billing-dispute
  name: Billing dispute
  description: A customer disputes a charge on an invoice.
  default_team: Billing
  fields:
  - {key: invoice_number, label: Invoice number, type: text, required: true, customer_visible: true,
     help: 'As printed on the invoice, e.g. INV-2026-0042'}
  - {key: disputed_amount, label: Disputed amount, type: number, customer_visible: true}
  - {key: refund_amount, label: Refund amount, type: number, required_to_resolve: true,
     help: What finance agreed to refund}
  - {key: reason, label: Reason, type: select, options: [double charge, wrong amount, cancelled service, other]}
- key: product-defect
  name: Product defect
  description: Something we shipped does not work as it should.
  default_team: Technical
  fields:
  - {key: serial_number, label: Serial number, type: text, customer_visible: true}
  - {key: severity, label: Severity, type: select, options: [cosmetic, degraded, unusable], default: degraded}
  - {key: reproducible, label: Reproducible, type: checkbox}
  - {key: affected_versions, label: Affected versions, type: multi_select, options: ['1.0', '1.1', '2.0']}
- key: onboarding-blocker
  name: Onboarding blocker
  description: A new customer cannot get started.
  default_team: Support
  fields:
  - {key: go_live_date, label: Go-live date, type: date, customer_visible: true}
  - {key: account_manager, label: Account manager, type: user}
  - {key: blocker, label: What blocks them, type: long_text, required_to_resolve: true}
- key: refund-request
  name: Refund request
  description: A customer asks for their money back.
  default_team: Billing
  fields:
  - {key: invoice_number, label: Invoice number, type: text, customer_visible: true}
  - {key: order_date, label: Order date, type: date, customer_visible: true}
  - {key: refund_amount, label: Refund amount, type: number, required_to_resolve: true}
service_definitions:
- {key: dispute-invoice, name: Dispute an invoice, case_type: billing-dispute, team: Billing}
- {key: report-defect, name: Report a faulty product, case_type: product-defect, team: Technical}
- {key: onboarding-help, name: Get help getting started, case_type: onboarding-blocker, team: Support}
- {key: refund-order, name: Refund an order, case_type: refund-request, team: Billing}
playbooks:
- name: Billing dispute
  case_type: billing-dispute
  stages:
  - name: Investigate
    steps:
    - {key: check_invoice, kind: checklist, title: Check the invoice against the contract, required: true}
    - {key: agree_amount, kind: fields, title: Agree the refund amount, fields: [refund_amount], required: true}
  - name: Approve and refund
    steps:
    - {key: finance_approval, kind: approval, title: Finance approval, required: true}
    - {key: issue_credit, kind: task, title: Issue the credit note, team: Billing, due_hours: 24, required: true}
    - {key: tell_customer, kind: instruction, title: Tell the customer when the credit arrives}
- name: Product defect
  case_type: product-defect
  stages:
  - name: Triage
    steps:
    - {key: reproduce, kind: checklist, title: Reproduce the fault, required: true}
    - {key: severity, kind: fields, title: Set the severity, fields: [severity]}
  - name: Fix
    steps:
    - {key: engineering, kind: task, title: Hand over to engineering, team: Technical, due_hours: 48}
- name: Onboarding blocker
  case_type: onboarding-blocker
  stages:
  - name: Unblock
    steps:
    - {key: call, kind: checklist, title: Call the customer within a day, required: true}
    - {key: describe, kind: fields, title: Describe the blocker, fields: [blocker]}
- name: Refund request
  case_type: refund-request
  stages:
  - name: Refund
    steps:
    - {key: check_order, kind: checklist, title: Check the order, required: true}
    - {key: lead_ok, kind: approval, title: Lead approval for refunds over 500}
triggers:
- name: Urgent cases to escalation
  event: case_created
  position: 1
  conditions:
    all: [{field: priority, op: is, value: urgent}]
  actions:
  - {type: assign, team: Escalation}
  - {type: add_tag, tag: escalated}
  - {type: note, text: 'Escalated automatically: {{ case.title }}'}
- name: Refund words get the billing tag
  event: customer_message
  position: 2
  conditions:
    any:
    - {field: message_text, op: contains, value: refund}
    - {field: message_text, op: contains, value: invoice}
  actions:
  - {type: add_tag, tag: billing}
- name: SLA breach raises priority
  event: sla_breach
  position: 3
  conditions:
    all: [{field: priority, op: in, value: [low, normal]}]
  actions:
  - {type: set, field: priority, value: high}
  - {type: email, to: team, subject: 'SLA breached on {{ case.number }}', body: '{{ case.title }} breached its SLA.'}
time_rules:
- name: Pending 72 hours - remind the customer
  position: 1
  conditions:
    all:
    - {field: status, op: is, value: pending}
    - {field: hours_since_status_change, op: greater_than, value: 72}
  actions:
  - type: email
    to: customer
    body: "Hello {{ contact.name }},\\n\\nwe are still waiting for your answer on {{ case.number }}. Reply to this
      message and we will pick it up straight away."
macros:
- name: Ask for logs
  reply: "Hello {{ contact.name }},\\n\\ncould you send us the logs for {{ case.number }}?\\n\\n{{ agent.name }}"
  actions:
  - {type: set, field: status, value: pending}
  - {type: add_tag, tag: needs-logs}
- name: Refund approved
  reply: "Hello {{ contact.name }},\\n\\nyour refund has been approved.\\n\\n{{ agent.name }}"
  actions:
  - {type: add_tag, tag: refund-approved}
"""


def load_demo(ctx: Any) -> None:
    from casework.iam import services as iam

    if "Escalation" not in ctx.teams:
        ctx.teams["Escalation"] = iam.create_team("Escalation", description="Urgent and escalated cases")
    config_file.apply_text(DEMO, filename="automation/demo.py")
