"""An amount that is not a finite number is refused on the case panel and in the
portal, like any other wrong value, and nothing is stored."""

from __future__ import annotations

import pytest
from django.test import Client

from casework.automation.models import ServiceDefinition
from casework.cases.models import Case
from tests.integration.portal.conftest import make_customer


@pytest.mark.parametrize("typed", ["NaN", "inf", "-Infinity", "1e400", "9" * 5000])
def test_a_lead_cannot_store_a_non_finite_refund_amount(lead, make_case, billing_dispute, typed):
    case = make_case(case_type=billing_dispute, custom_fields={"invoice_number": "INV-1"})
    client = Client()
    client.force_login(lead)
    response = client.post(
        f"/automation/case/{case.number}/fields", {"cf_invoice_number": "INV-1", "cf_refund_amount": typed}
    )
    assert response.status_code == 422
    assert "Refund amount" in response.content.decode() or "refund_amount" in response.content.decode()
    assert Case.objects.get(pk=case.pk).custom_fields == {"invoice_number": "INV-1"}


@pytest.mark.parametrize("typed", ["inf", "NaN", "1e400"])
def test_a_customer_cannot_submit_a_non_finite_amount(billing_dispute, team, typed):
    billing_dispute.fields_schema = [
        {**field, "customer_visible": True} for field in billing_dispute.fields_schema
    ]
    billing_dispute.save()
    service = ServiceDefinition.objects.create(
        name="Billing question", key="billing", case_type=billing_dispute, team=team
    )
    client = Client()
    client.force_login(make_customer("casey@northwind.example"))
    form = {
        "submit": "1",
        "service": service.pk,
        "title": "Charged twice",
        "description": "Two charges on one invoice",
        "cf_invoice_number": "INV-7",
    }
    response = client.post("/portal/cases/new", {**form, "cf_refund_amount": typed})
    assert response.status_code == 422
    assert not Case.objects.filter(title="Charged twice").exists()
    accepted = client.post("/portal/cases/new", {**form, "cf_refund_amount": "12.5"})
    assert accepted.status_code == 302
    assert Case.objects.get(title="Charged twice").custom_fields["refund_amount"] == 12.5
