"""An integrator's short session through a client generated from the served OpenAPI document
(openapi-python-client): create contacts, search a customer, open and answer a request, read
the report. Run by .ci/api-contract.sh as `api_client.py BASE_URL TOKEN`; any surprise exits 1."""

import sys
import time
from datetime import datetime

from canali_api_client import AuthenticatedClient
from canali_api_client.api.contacts import post_batch, post_contact
from canali_api_client.api.customers import customer, search_customers
from canali_api_client.api.report import report
from canali_api_client.api.requests import answer_request, open_request
from canali_api_client.models import (
    AnswerInput,
    ChannelName,
    ContactInput,
    RequestInput,
    RequestKindName,
)


def expect(what, response, *statuses):
    if response.status_code not in statuses:
        sys.exit(f"{what}: expected {statuses}, got {response.status_code}: {response.content!r}")
    print(f"ok  {what}: {response.status_code}")
    return response.parsed


def main():
    base, token = sys.argv[1], sys.argv[2]
    client = AuthenticatedClient(base_url=base, token=token, raise_on_unexpected_status=True)
    run = str(int(time.time() * 1000))

    found = expect(
        "search customers",
        search_customers.sync_detailed(client=client, q="a", limit=5),
        200,
    )
    hits = found.customers
    if not hits:
        sys.exit("search customers: the demo database has no customer matching 'a'")
    first = hits[0].to_dict() if hasattr(hits[0], "to_dict") else hits[0]
    code, customer_id = first["code"], first["id"]
    record = expect("customer record", customer.sync_detailed(client=client, id=customer_id), 200)
    if record.customer.to_dict()["code"] != code:
        sys.exit("customer record: another customer came back")

    contact = ContactInput(
        source="api-contract",
        external_id=f"{run}-1",
        channel=ChannelName.CALL_CENTER_RESIDENTIAL,
        started_at=datetime.fromisoformat("2011-03-01T09:15:00+01:00"),
        ended_at=datetime.fromisoformat("2011-03-01T09:21:30+01:00"),
        wait_seconds=95,
        handle_seconds=390,
        customer=code,
    )
    created = expect("post a contact", post_contact.sync_detailed(client=client, body=contact), 201)
    if not created.created:
        sys.exit("post a contact: not created")
    again = expect("post it again", post_contact.sync_detailed(client=client, body=contact), 200)
    if again.created or again.id != created.id:
        sys.exit("post it again: the contact was written twice")
    batch = [
        ContactInput(
            source="api-contract",
            external_id=f"{run}-b{i}",
            channel=ChannelName.WEB,
            started_at=datetime.fromisoformat("2011-03-02T10:00:00+01:00"),
            customer=code,
        )
        for i in range(3)
    ]
    outcome = expect("post a batch", post_batch.sync_detailed(client=client, body=batch), 200)
    if (outcome.received, outcome.inserted, outcome.rejected) != (3, 3, 0):
        sys.exit(f"post a batch: {outcome.to_dict()}")

    opened = expect(
        "open a request",
        open_request.sync_detailed(
            client=client,
            body=RequestInput(
                customer_id=customer_id,
                kind=RequestKindName.COMPLAINT,
                subject="Bolletta troppo alta",
                body="La bolletta di marzo è il doppio del solito.",
            ),
        ),
        201,
    )
    request_id = opened.to_dict()["id"]
    answered = expect(
        "answer it",
        answer_request.sync_detailed(
            client=client, id=request_id, body=AnswerInput(answer="Abbiamo ricalcolato la bolletta.")
        ),
        200,
    )
    if answered.to_dict()["status"] != "answered":
        sys.exit(f"answer it: the request is {answered.to_dict()['status']}")

    yearly = expect("the 2011 report", report.sync_detailed(client=client, year=2011), 200)
    if yearly.to_dict()["year"] != 2011:
        sys.exit("the 2011 report: another year came back")
    print("the generated client ran the integration script")


if __name__ == "__main__":
    main()
