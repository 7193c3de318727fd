"""HubSpot's official Python client (`hubspot-api-client`) against `hubsync-sandbox`.

Every HubSpot call goes through the client's public API, so a pass means an integration built
on that client sees the sandbox the way it sees HubSpot. The sandbox's own /__sandbox/ API only
sets the scene (reset, faults, limits) and reads its request log. Expected values come from
shared/hubspot-api.md (the spec) or from the portal's contents as the list endpoint returns them.

Clients are strict by default here (the models' client-side validation on, see conftest.py), so
a reply missing a field the client's models require fails the test that reads it.
"""

import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timezone

import pytest
import urllib3
from hubspot import oauth
from hubspot.crm import contacts, owners, properties
from hubspot.crm.contacts import (
    BatchInputSimplePublicObjectBatchInput,
    BatchInputSimplePublicObjectBatchInputForCreate,
    BatchInputSimplePublicObjectBatchInputUpsert,
    BatchReadInputSimplePublicObjectId,
    PublicObjectSearchRequest,
    SimplePublicObjectBatchInput,
    SimplePublicObjectBatchInputForCreate,
    SimplePublicObjectBatchInputUpsert,
    SimplePublicObjectId,
    SimplePublicObjectInput,
    SimplePublicObjectInputForCreate,
)
from hubspot.utils.oauth import get_auth_url

from conftest import OAUTH_APP, READ_ONLY_TOKEN, SEED_CONTACTS
from support import LIFECYCLE_STAGES, UUID, archive_and_find_archived, error_body, lenient, search

# What the search tests compare against, read once through the list endpoint.
TRUTH_PROPERTIES = [
    "email",
    "lifecyclestage",
    "lead_score",
    "customer_tier",
    "jobtitle",
    "hubspot_owner_id",
    "hs_additional_emails",
]
CUSTOM_PROPERTY_TYPES = {"bool", "date", "datetime", "enumeration", "number", "phone_number", "string"}
STARTER_BURST = 100


def mixed_case(email: str) -> str:
    """The same address with the case of every letter flipped: HubSpot matches emails ignoring case."""
    return email.swapcase()


@pytest.fixture(scope="session")
def everyone(client):
    """Every seeded contact with the properties the search tests filter on."""
    return client.crm.contacts.get_all(properties=TRUTH_PROPERTIES)


@pytest.fixture(scope="session")
def lowercase_emails(everyone):
    """Seeded contacts whose stored email is all lowercase, so a case flip is a real variant."""
    return [c for c in everyone if c.properties.get("email") and c.properties["email"] == c.properties["email"].lower()]


def count(contacts_list, predicate) -> int:
    return sum(1 for c in contacts_list if predicate(c.properties))


# ---- 1. list and paging ----


def test_get_page_walks_every_contact(client):
    api = client.crm.contacts.basic_api
    ids, pages, after = [], 0, None
    while True:
        page = api.get_page(limit=100, after=after)
        pages += 1
        assert len(page.results) <= 100
        ids.extend(record.id for record in page.results)
        if page.paging is None or page.paging.next is None:
            break
        after = page.paging.next.after
        assert after, "a next page must carry a cursor"
    assert len(ids) == SEED_CONTACTS
    assert len(set(ids)) == SEED_CONTACTS, "a contact came back on two pages"
    assert pages == SEED_CONTACTS // 100
    # With no properties asked for, HubSpot returns its default set.
    first = api.get_page(limit=1).results[0]
    assert {"firstname", "lastname", "email", "createdate", "lastmodifieddate", "hs_object_id"} <= set(first.properties)
    assert first.properties["hs_object_id"] == first.id
    assert first.created_at is not None and first.updated_at is not None and first.archived is False


def test_get_all_returns_every_contact(client, everyone):
    # The client's own helper pages with limit=100 until paging.next is gone.
    assert len(everyone) == SEED_CONTACTS
    assert len({c.id for c in everyone}) == SEED_CONTACTS
    # The properties asked for came back (values may be null when unset).
    assert all(set(TRUTH_PROPERTIES) <= set(c.properties) for c in everyone)
    with_email = [c for c in everyone if c.properties["email"]]
    assert len(with_email) > SEED_CONTACTS * 0.9


def test_list_has_no_10000_cap(fresh):
    client = fresh.client()
    inputs = [
        SimplePublicObjectBatchInputForCreate(properties={"email": f"extra{i}@fidelity.example.com"}) for i in range(100)
    ]
    client.crm.contacts.batch_api.create(BatchInputSimplePublicObjectBatchInputForCreate(inputs=inputs))
    listed = client.crm.contacts.get_all()
    assert len({c.id for c in listed}) == SEED_CONTACTS + 100


def test_too_long_a_property_list_in_a_get_is_414(client):
    names = [f"custom_property_number_{i}" for i in range(600)]
    with pytest.raises(contacts.ApiException) as raised:
        client.crm.contacts.basic_api.get_page(limit=1, properties=names)
    assert raised.value.status == 414


# ---- 2. single records: read by email, create, update, archive ----


def test_get_by_email_ignores_case(client, lowercase_emails):
    target = lowercase_emails[0]
    email = target.properties["email"]
    found = client.crm.contacts.basic_api.get_by_id(
        mixed_case(email), id_property="email", properties=["email", "lifecyclestage"]
    )
    assert found.id == target.id
    assert found.properties["email"].lower() == email
    assert found.properties["lifecyclestage"] == target.properties["lifecyclestage"]


def test_get_by_unknown_email_is_404(client):
    with pytest.raises(contacts.ApiException) as raised:
        client.crm.contacts.basic_api.get_by_id("nobody@nowhere.example.com", id_property="email")
    assert raised.value.status == 404
    assert error_body(raised.value)["category"] == "OBJECT_NOT_FOUND"


def test_create_update_by_email_and_append_checkboxes(fresh):
    api = fresh.client().crm.contacts.basic_api
    created, status, _ = api.create_with_http_info(
        SimplePublicObjectInputForCreate(properties={"email": "new.person@fidelity.example.com", "firstname": "New"})
    )
    assert status == 201
    assert isinstance(created, contacts.SimplePublicObject)
    assert created.properties["hs_object_id"] == created.id
    assert created.properties["firstname"] == "New"

    # PATCH by email instead of record id.
    api.update(
        "NEW.PERSON@fidelity.example.com",
        SimplePublicObjectInput(properties={"product_interests": "analytics"}),
        id_property="email",
    )
    # Multiple checkboxes: a leading ";" appends to the stored values instead of replacing them.
    updated = api.update(created.id, SimplePublicObjectInput(properties={"product_interests": ";security"}))
    assert updated.id == created.id
    assert updated.properties["product_interests"] == "analytics;security"
    replaced = api.update(created.id, SimplePublicObjectInput(properties={"product_interests": "reporting"}))
    assert replaced.properties["product_interests"] == "reporting"
    # An empty string clears a value.
    cleared = api.update(created.id, SimplePublicObjectInput(properties={"firstname": ""}))
    assert not cleared.properties.get("firstname")


def test_dates_and_datetimes_accept_epoch_milliseconds(fresh, everyone):
    api = fresh.client().crm.contacts.basic_api
    written = api.update(
        everyone[0].id,
        SimplePublicObjectInput(properties={"last_demo_at": "1582947017000", "renewal_date": "1430438400000"}),
    )
    # Datetimes come back in ISO 8601 whatever form they were written in; dates as YYYY-MM-DD.
    demo = datetime.fromisoformat(written.properties["last_demo_at"].replace("Z", "+00:00"))
    assert demo == datetime(2020, 2, 29, 3, 30, 17, tzinfo=timezone.utc)
    assert written.properties["renewal_date"] == "2015-05-01"
    read = api.get_by_id(everyone[0].id, properties=["last_demo_at", "renewal_date"])
    assert read.properties["last_demo_at"] == written.properties["last_demo_at"]
    assert read.properties["renewal_date"] == "2015-05-01"


def test_archive_hides_a_contact(fresh, lowercase_emails):
    client = fresh.client()
    api = client.crm.contacts.basic_api
    target = lowercase_emails[3]
    archive_and_find_archived(api, target.id, contacts.ApiException)
    # archived=true lists archived contacts only.
    archived_page = api.get_page(archived=True, limit=100)
    assert [r.id for r in archived_page.results] == [target.id]
    # Archived contacts never appear in search.
    page = search(
        client.crm.contacts.search_api,
        [{"property_name": "email", "operator": "EQ", "value": target.properties["email"]}],
    )
    assert page.total == 0


# ---- 3. batch read ----


def test_batch_read_by_id_reports_missing_ids_in_a_207(seeded, everyone):
    client = lenient(seeded)
    wanted = [c.id for c in everyone[:3]]
    missing = "987654321"
    request = BatchReadInputSimplePublicObjectId(
        inputs=[SimplePublicObjectId(id=i) for i in [*wanted, missing]], properties=["email", "lead_score"]
    )
    result, status, _ = client.crm.contacts.batch_api.read_with_http_info(request)
    assert status == 207
    # For a 207 the client picks its "...WithErrors" model: results and errors side by side.
    assert isinstance(result, contacts.BatchResponseSimplePublicObjectWithErrors)
    assert result.status == "COMPLETE"
    assert sorted(r.id for r in result.results) == sorted(wanted)
    assert result.num_errors == 1
    [error] = result.errors
    assert error.category == "OBJECT_NOT_FOUND"
    assert error.status == "error"
    assert error.context == {"ids": [missing]}
    by_id = {c.id: c for c in everyone}
    for record in result.results:
        assert record.properties["lead_score"] == by_id[record.id].properties["lead_score"]


def test_batch_read_all_found_is_a_plain_200(client, everyone):
    request = BatchReadInputSimplePublicObjectId(inputs=[SimplePublicObjectId(id=c.id) for c in everyone[:100]])
    result, status, _ = client.crm.contacts.batch_api.read_with_http_info(request)
    assert status == 200
    assert isinstance(result, contacts.BatchResponseSimplePublicObject)
    assert len(result.results) == 100


def test_batch_takes_at_most_100_inputs(client, everyone):
    request = BatchReadInputSimplePublicObjectId(inputs=[SimplePublicObjectId(id=c.id) for c in everyone[:101]])
    with pytest.raises(contacts.ApiException) as raised:
        client.crm.contacts.batch_api.read(request)
    assert raised.value.status == 400
    assert error_body(raised.value)["category"] == "VALIDATION_ERROR"


def test_batch_read_by_email(seeded, lowercase_emails):
    client = lenient(seeded)
    known = [c.properties["email"] for c in lowercase_emails[:2]]
    missing = "ghost@nowhere.example.com"
    request = BatchReadInputSimplePublicObjectId(
        id_property="email",
        inputs=[
            SimplePublicObjectId(id=mixed_case(known[0])),
            SimplePublicObjectId(id=known[1]),
            SimplePublicObjectId(id=missing),
        ],
        properties=["lifecyclestage"],
    )
    result, status, _ = client.crm.contacts.batch_api.read_with_http_info(request)
    assert status == 207
    expected_ids = {c.id for c in lowercase_emails[:2]}
    assert {r.id for r in result.results} == expected_ids
    assert {r.properties["email"].lower() for r in result.results} == set(known)
    [error] = result.errors
    assert error.category == "OBJECT_NOT_FOUND"
    assert error.context["ids"] == [missing]


# ---- 4. batch writes ----


def test_batch_update_by_id_then_read_back(fresh, everyone):
    client = fresh.client()
    targets = [c.id for c in client.crm.contacts.basic_api.get_page(limit=2).results]
    changes = {
        targets[0]: {"jobtitle": "Chief Fidelity Officer", "lead_score": "77", "customer_tier": "gold"},
        targets[1]: {"jobtitle": "Sandbox Auditor", "is_vip": "true", "renewal_date": "2027-01-31"},
    }
    # An owner id is not checked against `options` (the property has external options).
    owner_id = next(c.properties["hubspot_owner_id"] for c in everyone if c.properties["hubspot_owner_id"])
    changes[targets[0]]["hubspot_owner_id"] = owner_id
    request = BatchInputSimplePublicObjectBatchInput(
        inputs=[SimplePublicObjectBatchInput(id=i, properties=p) for i, p in changes.items()]
    )
    result, status, _ = client.crm.contacts.batch_api.update_with_http_info(request)
    assert status == 200
    assert result.status == "COMPLETE"
    assert {r.id for r in result.results} == set(targets)
    for record_id, props in changes.items():
        stored = client.crm.contacts.basic_api.get_by_id(record_id, properties=list(props)).properties
        assert {k: stored[k] for k in props} == props


def test_batch_update_reports_unknown_ids_in_a_207(fresh, everyone):
    client = lenient(fresh)
    known = everyone[0].id
    request = BatchInputSimplePublicObjectBatchInput(
        inputs=[
            SimplePublicObjectBatchInput(id=known, properties={"jobtitle": "Still Applied"}),
            SimplePublicObjectBatchInput(id="987654321", properties={"jobtitle": "Nobody"}),
        ]
    )
    result, status, _ = client.crm.contacts.batch_api.update_with_http_info(request)
    assert status == 207
    assert [r.id for r in result.results] == [known]
    [error] = result.errors
    assert error.category == "OBJECT_NOT_FOUND"
    assert error.context["ids"] == ["987654321"]
    assert (
        client.crm.contacts.basic_api.get_by_id(known, properties=["jobtitle"]).properties["jobtitle"]
        == "Still Applied"
    )


def test_batch_update_refuses_email_as_id_property(fresh, lowercase_emails):
    client = fresh.client()
    email = lowercase_emails[0].properties["email"]
    request = BatchInputSimplePublicObjectBatchInput(
        inputs=[SimplePublicObjectBatchInput(id=email, id_property="email", properties={"jobtitle": "x"})]
    )
    with pytest.raises(contacts.ApiException) as raised:
        client.crm.contacts.batch_api.update(request)
    assert raised.value.status == 400
    body = error_body(raised.value)
    assert body["category"] == "VALIDATION_ERROR"
    assert "Unable to perform update/upsert by non-unique 0-1 property" in body["message"]


def test_batch_upsert_by_email_tells_new_from_existing(fresh, lowercase_emails):
    client = fresh.client()
    existing = lowercase_emails[0]
    new_email = "fresh.face@fidelity.example.com"
    request = BatchInputSimplePublicObjectBatchInputUpsert(
        inputs=[
            SimplePublicObjectBatchInputUpsert(id=new_email, id_property="email", properties={"firstname": "Fresh"}),
            SimplePublicObjectBatchInputUpsert(
                id=existing.properties["email"], id_property="email", properties={"jobtitle": "Upserted"}
            ),
        ]
    )
    result, status, _ = client.crm.contacts.batch_api.upsert_with_http_info(request)
    assert status == 200
    assert isinstance(result, contacts.BatchResponseSimplePublicUpsertObject)
    by_email = {r.properties["email"].lower(): r for r in result.results}
    assert by_email[new_email].new is True
    assert by_email[existing.properties["email"]].new is False
    assert by_email[existing.properties["email"]].id == existing.id
    created = client.crm.contacts.basic_api.get_by_id(new_email, id_property="email", properties=["firstname"])
    assert created.id == by_email[new_email].id
    assert created.properties["firstname"] == "Fresh"
    updated = client.crm.contacts.basic_api.get_by_id(existing.id, properties=["jobtitle"])
    assert updated.properties["jobtitle"] == "Upserted"


def test_batch_upsert_by_email_fails_whole_on_one_bad_input(fresh):
    client = fresh.client()
    request = BatchInputSimplePublicObjectBatchInputUpsert(
        inputs=[
            SimplePublicObjectBatchInputUpsert(
                id="good.one@fidelity.example.com", id_property="email", properties={"firstname": "Good"}
            ),
            SimplePublicObjectBatchInputUpsert(
                id="bad.one@fidelity.example.com", id_property="email", properties={"lead_score": "lots"}
            ),
        ]
    )
    with pytest.raises(contacts.ApiException) as raised:
        client.crm.contacts.batch_api.upsert(request)
    assert raised.value.status == 400
    assert error_body(raised.value)["category"] == "VALIDATION_ERROR"
    with pytest.raises(contacts.ApiException) as lookup:
        client.crm.contacts.basic_api.get_by_id("good.one@fidelity.example.com", id_property="email")
    assert lookup.value.status == 404, "upsert by email has no partial success"


def test_batch_create_with_an_existing_email_fails_whole(fresh, lowercase_emails):
    client = fresh.client()
    existing = lowercase_emails[0]
    inputs = [
        SimplePublicObjectBatchInputForCreate(properties={"email": "batch.one@fidelity.example.com"}),
        SimplePublicObjectBatchInputForCreate(properties={"email": existing.properties["email"]}),
    ]
    with pytest.raises(contacts.ApiException) as raised:
        client.crm.contacts.batch_api.create(BatchInputSimplePublicObjectBatchInputForCreate(inputs=inputs))
    assert raised.value.status == 409
    body = error_body(raised.value)
    assert body["category"] == "CONFLICT"
    assert f"Existing ID: {existing.id}" in body["message"]
    with pytest.raises(contacts.ApiException) as lookup:
        client.crm.contacts.basic_api.get_by_id("batch.one@fidelity.example.com", id_property="email")
    assert lookup.value.status == 404, "the good input of a failed batch must not be created"


def test_batch_create_with_trace_ids_is_a_207(fresh, lowercase_emails):
    client = lenient(fresh)
    existing = lowercase_emails[0]
    inputs = [
        SimplePublicObjectBatchInputForCreate(
            properties={"email": "batch.two@fidelity.example.com"}, object_write_trace_id="good"
        ),
        SimplePublicObjectBatchInputForCreate(
            properties={"email": existing.properties["email"]}, object_write_trace_id="dup"
        ),
    ]
    result, status, _ = client.crm.contacts.batch_api.create_with_http_info(
        BatchInputSimplePublicObjectBatchInputForCreate(inputs=inputs)
    )
    assert status == 207
    assert isinstance(result, contacts.BatchResponseSimplePublicObjectWithErrors)
    [created] = result.results
    assert created.properties["email"] == "batch.two@fidelity.example.com"
    assert created.object_write_trace_id == "good"
    [error] = result.errors
    assert error.category == "CONFLICT"
    assert error.context["objectWriteTraceId"] == ["dup"]
    assert client.crm.contacts.basic_api.get_by_id(created.id).id == created.id


# ---- 5. search ----


def test_search_eq_on_email_ignores_case(client, lowercase_emails):
    target = lowercase_emails[1]
    page = search(
        client.crm.contacts.search_api,
        [{"property_name": "email", "operator": "EQ", "value": mixed_case(target.properties["email"])}],
    )
    assert page.total == 1
    assert [r.id for r in page.results] == [target.id]


def test_search_in_matches_enumeration_values(client, everyone):
    stages = ["customer", "evangelist"]
    page = search(
        client.crm.contacts.search_api,
        [{"property_name": "lifecyclestage", "operator": "IN", "values": stages}],
        properties=["lifecyclestage"],
        limit=200,
    )
    assert page.total == count(everyone, lambda p: p["lifecyclestage"] in stages)
    assert page.total > 0
    assert len(page.results) == 200
    assert all(r.properties["lifecyclestage"] in stages for r in page.results)


def test_search_between_is_inclusive(client, everyone):
    page = search(
        client.crm.contacts.search_api,
        [{"property_name": "lead_score", "operator": "BETWEEN", "value": "10", "high_value": "20"}],
        properties=["lead_score"],
        limit=100,
    )
    assert page.total == count(everyone, lambda p: p["lead_score"] is not None and 10 <= int(p["lead_score"]) <= 20)
    assert all(10 <= int(r.properties["lead_score"]) <= 20 for r in page.results)


def test_search_has_property(client, everyone):
    page = search(client.crm.contacts.search_api, [{"property_name": "customer_tier", "operator": "HAS_PROPERTY"}])
    assert page.total == count(everyone, lambda p: bool(p["customer_tier"]))
    assert 0 < page.total < SEED_CONTACTS


def test_search_contains_token_word_and_wildcard(client, everyone):
    api = client.crm.contacts.search_api
    page = search(api, [{"property_name": "jobtitle", "operator": "CONTAINS_TOKEN", "value": "manager"}])
    words = lambda text: re.findall(r"\w+", (text or "").lower())  # noqa: E731
    assert page.total == count(everyone, lambda p: "manager" in words(p["jobtitle"]))
    assert page.total > 0

    domain = "@acme-robotics.example.com"
    page = search(api, [{"property_name": "email", "operator": "CONTAINS_TOKEN", "value": "*" + domain}])
    assert page.total == count(everyone, lambda p: (p["email"] or "").lower().endswith(domain))
    assert page.total > 0


def test_search_filter_groups_are_ored(client, everyone):
    page = search(
        client.crm.contacts.search_api,
        [{"property_name": "lifecyclestage", "operator": "EQ", "value": "evangelist"}],
        [{"property_name": "lead_score", "operator": "GTE", "value": "99"}],
    )
    expected = count(
        everyone,
        lambda p: p["lifecyclestage"] == "evangelist" or (p["lead_score"] is not None and int(p["lead_score"]) >= 99),
    )
    assert page.total == expected


def test_search_sort_limit_and_paging(client, everyone):
    api = client.crm.contacts.search_api
    group = [{"property_name": "lifecyclestage", "operator": "EQ", "value": "customer"}]
    sorts = [{"propertyName": "lead_score", "direction": "DESCENDING"}]
    expected = count(everyone, lambda p: p["lifecyclestage"] == "customer")

    first = search(api, group, sorts=sorts, properties=["lead_score"], limit=7)
    assert first.total == expected
    assert len(first.results) == 7
    assert first.paging.next.after == "7"

    ids, scores, after = [], [], None
    while True:
        page = search(api, group, sorts=sorts, properties=["lead_score"], limit=150, after=after)
        assert page.total == expected
        ids.extend(r.id for r in page.results)
        scores.extend(int(r.properties["lead_score"]) for r in page.results)
        if page.paging is None or page.paging.next is None:
            break
        after = page.paging.next.after
    assert len(ids) == expected and len(set(ids)) == expected
    assert scores == sorted(scores, reverse=True), "DESCENDING sort must hold across pages"
    assert ids[:7] == [r.id for r in first.results]


def test_search_case_rules(client, everyone):
    api = client.crm.contacts.search_api
    customers = count(everyone, lambda p: p["lifecyclestage"] == "customer")
    # Enumeration values are case-sensitive.
    assert search(api, [{"property_name": "lifecyclestage", "operator": "EQ", "value": "customer"}]).total == customers
    assert search(api, [{"property_name": "lifecyclestage", "operator": "EQ", "value": "Customer"}]).total == 0
    # IN on a string property wants lowercase values.
    mixed = next(
        c for c in everyone if c.properties["email"] and c.properties["email"] != c.properties["email"].lower()
    )
    email = mixed.properties["email"]
    found = search(api, [{"property_name": "email", "operator": "IN", "values": [email.lower()]}])
    assert [r.id for r in found.results] == [mixed.id]
    assert search(api, [{"property_name": "email", "operator": "IN", "values": [email.upper()]}]).total == 0


def test_search_refuses_paging_past_10000(client):
    api = client.crm.contacts.search_api
    # No filters and no limit: every contact matches, ten per page.
    default = api.do_search(PublicObjectSearchRequest())
    assert default.total == SEED_CONTACTS and len(default.results) == 10
    last_allowed = api.do_search(PublicObjectSearchRequest(limit=100, after="9900"))
    assert last_allowed.total == SEED_CONTACTS and len(last_allowed.results) == 100
    with pytest.raises(contacts.ApiException) as raised:
        api.do_search(PublicObjectSearchRequest(limit=100, after="10000"))
    assert raised.value.status == 400
    assert error_body(raised.value)["category"] == "VALIDATION_ERROR"


EQ_LEAD = {"property_name": "lifecyclestage", "operator": "EQ", "value": "lead"}


@pytest.mark.parametrize(
    "groups",
    [
        pytest.param([[EQ_LEAD]] * 6, id="6-groups"),
        pytest.param([[EQ_LEAD] * 7], id="7-filters-in-a-group"),
        pytest.param([[EQ_LEAD] * 6] * 3 + [[EQ_LEAD]], id="19-filters"),
    ],
)
def test_search_limits_on_filters(client, groups):
    with pytest.raises(contacts.ApiException) as raised:
        search(client.crm.contacts.search_api, *groups)
    assert raised.value.status == 400
    assert error_body(raised.value)["category"] == "VALIDATION_ERROR"


@pytest.mark.parametrize(
    "request_fields",
    [
        pytest.param({"limit": 201}, id="limit-over-200"),
        pytest.param(
            {"sorts": [{"propertyName": "lead_score"}, {"propertyName": "createdate", "direction": "DESCENDING"}]},
            id="two-sorts",
        ),
        pytest.param({"query": "x" * 3000}, id="body-over-3000-chars"),
    ],
)
def test_search_limits_on_the_request(client, request_fields):
    with pytest.raises(contacts.ApiException) as raised:
        client.crm.contacts.search_api.do_search(PublicObjectSearchRequest(**request_fields))
    assert raised.value.status == 400
    assert error_body(raised.value)["category"] == "VALIDATION_ERROR"


# ---- 6. properties ----


def test_properties_deserialize_with_strict_models(client):
    # The strict client checks every required field of Property, Option and
    # PropertyModificationMetadata.
    result = client.crm.properties.core_api.get_all("contacts")
    assert isinstance(result, properties.CollectionResponsePropertyNoPaging)
    by_name = {p.name: p for p in result.results}
    assert all(isinstance(p, properties.ModelProperty) for p in result.results)

    email = by_name["email"]
    assert (email.type, email.hubspot_defined) == ("string", True)

    stage = by_name["lifecyclestage"]
    assert stage.type == "enumeration"
    in_order = [o.value for o in sorted(stage.options, key=lambda o: o.display_order)]
    assert in_order[: len(LIFECYCLE_STAGES)] == LIFECYCLE_STAGES
    assert all(o.label for o in stage.options)

    owner = by_name["hubspot_owner_id"]
    assert owner.type == "enumeration"
    assert owner.external_options is True
    assert owner.options == []

    record_id = by_name["hs_object_id"]
    assert record_id.modification_metadata.read_only_value is True

    custom_types = {p.type for p in result.results if not p.hubspot_defined}
    assert custom_types >= CUSTOM_PROPERTY_TYPES

    one = client.crm.properties.core_api.get_by_name("contacts", "customer_tier")
    assert isinstance(one, properties.ModelProperty)
    assert (one.name, one.type, one.hubspot_defined) == ("customer_tier", "enumeration", False)
    assert [o.value for o in one.options] == [o.value for o in by_name["customer_tier"].options]


# ---- 7. owners ----


def test_owners_active_and_deactivated(client):
    # The client lists owners at "/crm/v3/owners/", with the trailing slash.
    api = client.crm.owners.owners_api
    active = api.get_page(limit=100)
    assert isinstance(active, owners.CollectionResponsePublicOwnerForwardPaging)
    assert active.results, "the seeded portal has active owners"
    assert all(o.archived is False and o.user_id is not None for o in active.results)

    deactivated = api.get_page(limit=100, archived=True)
    assert deactivated.results, "the seeded portal has deactivated owners"
    for owner in deactivated.results:
        assert owner.archived is True
        assert owner.user_id is None
        assert owner.user_id_including_inactive is not None
    assert not {o.id for o in active.results} & {o.id for o in deactivated.results}


def test_owners_by_id_and_deactivated_owners_of_contacts(client, everyone):
    api = client.crm.owners.owners_api
    referenced = {c.properties["hubspot_owner_id"] for c in everyone if c.properties["hubspot_owner_id"]}
    assert referenced
    active, deactivated = [], []
    for owner_id in sorted(referenced):
        try:
            active.append(api.get_by_id(owner_id))
        except owners.ApiException as exc:
            assert exc.status == 404
            # A contact may point at a deactivated owner: it is found only with archived=true.
            deactivated.append(api.get_by_id(owner_id, archived=True))
    assert {o.id for o in active} | {o.id for o in deactivated} == referenced
    assert active and deactivated
    assert all(o.archived is False and o.user_id is not None and o.email for o in active)
    assert all(o.archived is True and o.user_id is None and o.user_id_including_inactive for o in deactivated)
    assert all(o.type in ("PERSON", "QUEUE") for o in active + deactivated)


# ---- 8. errors, as the client raises them ----


def test_create_with_existing_email_is_409(fresh, lowercase_emails):
    client = fresh.client()
    existing = lowercase_emails[2]
    with pytest.raises(contacts.ApiException) as raised:
        client.crm.contacts.basic_api.create(
            SimplePublicObjectInputForCreate(properties={"email": mixed_case(existing.properties["email"])})
        )
    assert raised.value.status == 409
    body = error_body(raised.value)
    assert body["category"] == "CONFLICT"
    assert f"Existing ID: {existing.id}" in body["message"]


def test_additional_emails_are_unique_too(fresh, everyone):
    client = fresh.client()
    owner = next(c for c in everyone if c.properties["hs_additional_emails"])
    additional = owner.properties["hs_additional_emails"].split(";")[0]
    with pytest.raises(contacts.ApiException) as raised:
        client.crm.contacts.basic_api.create(SimplePublicObjectInputForCreate(properties={"email": additional}))
    assert raised.value.status == 409
    assert f"Existing ID: {owner.id}" in error_body(raised.value)["message"]


def test_invalid_property_value_is_400(fresh):
    client = fresh.client()
    with pytest.raises(contacts.ApiException) as raised:
        client.crm.contacts.basic_api.create(
            SimplePublicObjectInputForCreate(
                properties={"email": "valid@fidelity.example.com", "lead_score": "5,333,222", "customer_tier": "platinum"}
            )
        )
    assert raised.value.status == 400
    body = error_body(raised.value)
    assert body["category"] == "VALIDATION_ERROR"
    prefix = "Property values were not valid: "
    assert body["message"].startswith(prefix)
    problems = {p["name"]: p["error"] for p in json.loads(body["message"][len(prefix) :])}
    assert problems == {"lead_score": "INVALID_INTEGER", "customer_tier": "INVALID_OPTION"}
    # Nothing was created.
    with pytest.raises(contacts.ApiException) as lookup:
        client.crm.contacts.basic_api.get_by_id("valid@fidelity.example.com", id_property="email")
    assert lookup.value.status == 404


@pytest.mark.parametrize(
    ("name", "value", "code"),
    [
        ("email", "not-an-address", "INVALID_EMAIL"),
        # HubSpot's rule, which the lead store checks too: RFC 2822, no quoted local part, a
        # top-level domain on IANA's list.
        ("email", "a.@x.com", "INVALID_EMAIL"),
        ("email", "x..y@x.com", "INVALID_EMAIL"),
        ("email", "q@-bad.x.com", "INVALID_EMAIL"),
        ("email", "z@x.c", "INVALID_EMAIL"),
        ("email", "tb.tb@yahoo.comtttt", "INVALID_EMAIL"),
        ("email", '"Test Email"@hubspot.com', "INVALID_EMAIL"),
        ("customer_tier", "Gold", "INVALID_OPTION"),  # enumeration values match exactly
        ("is_vip", "yes", "INVALID_OPTION"),
        ("annualrevenue", "1e6", "INVALID_INTEGER"),
        ("hs_object_id", "42", "READ_ONLY_VALUE"),
        ("hs_email_domain", "fidelity.example.com", "READ_ONLY_VALUE"),  # calculated
        ("no_such_property", "x", "PROPERTY_DOESNT_EXIST"),
        ("product_interests", "analytics;golf", "INVALID_OPTION"),
        # Dates take YYYY-MM-DD or epoch ms at midnight UTC; the spec names no code for the rest.
        ("renewal_date", "1430438400001", None),
        ("renewal_date", "31/01/2027", None),
    ],
)
def test_property_value_error_codes(client, everyone, name, value, code):
    # Updates of an existing contact: rejected writes change nothing, so the shared portal stays as seeded.
    with pytest.raises(contacts.ApiException) as raised:
        client.crm.contacts.basic_api.update(everyone[0].id, SimplePublicObjectInput(properties={name: value}))
    assert raised.value.status == 400
    body = error_body(raised.value)
    assert body["category"] == "VALIDATION_ERROR"
    prefix = "Property values were not valid: "
    assert body["message"].startswith(prefix)
    [problem] = json.loads(body["message"][len(prefix) :])
    assert (problem["name"], problem["isValid"]) == (name, False)
    assert problem["error"] == code or code is None


def test_unknown_token_is_401(seeded):
    client = seeded.client(token="pat-na1-nobody-knows-this")
    with pytest.raises(contacts.ApiException) as raised:
        client.crm.contacts.basic_api.get_page(limit=1)
    assert isinstance(raised.value, contacts.exceptions.UnauthorizedException)
    assert raised.value.status == 401
    assert error_body(raised.value)["category"] == "INVALID_AUTHENTICATION"


def test_read_only_token_can_read_but_not_write(seeded):
    client = seeded.client(token=READ_ONLY_TOKEN)
    assert client.crm.contacts.basic_api.get_page(limit=1).results
    with pytest.raises(contacts.ApiException) as raised:
        client.crm.contacts.basic_api.create(
            SimplePublicObjectInputForCreate(properties={"email": "scope@fidelity.example.com"})
        )
    assert isinstance(raised.value, contacts.exceptions.ForbiddenException)
    assert raised.value.status == 403
    body = error_body(raised.value)
    assert body["category"] == "MISSING_SCOPES"
    assert "crm.objects.contacts.write" in body["errors"][0]["context"]["requiredGranularScopes"]


def test_owners_need_their_own_scope(seeded):
    client = seeded.client(token=READ_ONLY_TOKEN)
    with pytest.raises(owners.ApiException) as raised:
        client.crm.owners.owners_api.get_page()
    assert raised.value.status == 403
    body = json.loads(raised.value.body)
    assert body["category"] == "MISSING_SCOPES"
    assert "crm.objects.owners.read" in body["errors"][0]["context"]["requiredGranularScopes"]


def test_rate_limit_surfaces_as_429_without_client_retries(new_portal):
    # 12.x hands urllib3 no retry policy of its own (HubSpot(retry=...) would), so urllib3's
    # default applies: it retries connection errors, and a 429 only when Retry-After is present,
    # which HubSpot doesn't document. The 429 must reach the caller at once, as an ApiException.
    client = new_portal.client()
    api = client.crm.contacts.basic_api
    before = new_portal.last_request_seq()
    started = time.monotonic()
    remaining = []
    for _ in range(STARTER_BURST):
        _, status, headers = api.get_page_with_http_info(limit=1)
        assert status == 200
        remaining.append(int(headers.get("X-HubSpot-RateLimit-Remaining")))
    with pytest.raises(contacts.ApiException) as raised:
        api.get_page(limit=1)
    elapsed = time.monotonic() - started
    assert elapsed < 10, "the burst must fit in one 10-second window for this test to mean anything"

    assert remaining == list(range(STARTER_BURST - 1, -1, -1))
    assert raised.value.status == 429
    body = error_body(raised.value)
    assert body["errorType"] == "RATE_LIMIT"
    assert body["policyName"] == "TEN_SECONDLY_ROLLING"
    assert body["message"] == "You have reached your ten_secondly_rolling limit."
    assert UUID.fullmatch(body["requestId"])
    assert raised.value.headers.get("X-HubSpot-RateLimit-Remaining") in (None, "0")
    served = new_portal.requests_since(before)
    assert [e["status"] for e in served] == [200] * STARTER_BURST + [429], "the client retried or skipped a call"


def test_search_has_its_own_per_second_limit(new_portal):
    api = new_portal.client().crm.contacts.search_api
    statuses, body, started = [], None, time.monotonic()
    for _ in range(20):
        try:
            _, status, headers = api.do_search_with_http_info(PublicObjectSearchRequest(limit=1))
            # Search replies carry no rate-limit headers.
            assert headers.get("X-HubSpot-RateLimit-Remaining") is None
            statuses.append(status)
        except contacts.ApiException as exc:
            statuses.append(exc.status)
            body = error_body(exc)
            break
    assert time.monotonic() - started < 1, "the searches must fit in one second for this test to mean anything"
    assert statuses == [200] * 5 + [429]
    assert body["errorType"] == "RATE_LIMIT"
    assert body["message"] == "You have reached your secondly limit."
    # Searches don't count against the 10-second window of the other endpoints.
    _, _, headers = new_portal.client().crm.contacts.basic_api.get_page_with_http_info(limit=1)
    assert headers.get("X-HubSpot-RateLimit-Remaining") == str(STARTER_BURST - 1)


def test_daily_limit_is_a_429_with_its_own_policy(new_portal):
    new_portal.control("PUT", "/rate-limits", {"dailyUsed": 250_000})
    with pytest.raises(contacts.ApiException) as raised:
        new_portal.client().crm.contacts.basic_api.get_page(limit=1)
    assert raised.value.status == 429
    body = error_body(raised.value)
    assert (body["errorType"], body["policyName"]) == ("RATE_LIMIT", "DAILY")


@pytest.mark.parametrize(
    ("fault", "status", "html"),
    [("locked", 423, False), ("badGateway", 502, True), ("unavailable", 503, False), ("gatewayTimeout", 504, True)],
)
def test_transient_failures_reach_the_caller_unretried(new_portal, fault, status, html):
    # Like a 429, these come straight back: the client retries no status code by default.
    new_portal.control("PUT", "/faults", {fault: 1.0})
    before = new_portal.last_request_seq()
    with pytest.raises(contacts.ApiException) as raised:
        new_portal.client().crm.contacts.basic_api.get_page(limit=1)
    assert raised.value.status == status
    # HubSpot's edge answers 502 and 504 with an HTML page; the client passes the body through.
    assert raised.value.body.lstrip().startswith("<html") == html
    assert [e["status"] for e in new_portal.requests_since(before)] == [status]


def test_dropped_connections_as_the_client_sees_them(new_portal):
    api = new_portal.client().crm.contacts.basic_api
    # A GET is idempotent: urllib3's default policy tries it 3 more times, then gives up.
    new_portal.control("PUT", "/faults", {"dropBefore": 1.0})
    before = new_portal.last_request_seq()
    with pytest.raises(urllib3.exceptions.MaxRetryError):
        api.get_page(limit=1)
    assert len(new_portal.requests_since(before)) == 4
    # A POST is not retried. Dropped after handling, the create landed though the caller got an error.
    new_portal.control("PUT", "/faults", {"dropAfter": 1.0})
    with pytest.raises(urllib3.exceptions.ProtocolError):
        api.create(SimplePublicObjectInputForCreate(properties={"email": "dropped@fidelity.example.com"}))
    new_portal.control("PUT", "/faults", {})
    assert (
        api.get_by_id("dropped@fidelity.example.com", id_property="email").properties["email"] == "dropped@fidelity.example.com"
    )


# ---- 9. headers ----


def test_rate_limit_headers_on_a_private_app_reply(new_portal):
    api = new_portal.client().crm.contacts.basic_api
    _, status, headers = api.get_page_with_http_info(limit=5)
    assert status == 200
    assert headers.get("X-HubSpot-RateLimit-Max") == str(STARTER_BURST)
    assert headers.get("X-HubSpot-RateLimit-Remaining") == str(STARTER_BURST - 1)
    assert headers.get("X-HubSpot-RateLimit-Interval-Milliseconds") == "10000"
    assert headers.get("X-HubSpot-RateLimit-Daily") == "250000"
    assert headers.get("X-HubSpot-RateLimit-Daily-Remaining") == "249999"
    _, _, headers = api.get_page_with_http_info(limit=5)
    assert headers.get("X-HubSpot-RateLimit-Remaining") == str(STARTER_BURST - 2)
    assert headers.get("X-HubSpot-RateLimit-Daily-Remaining") == "249998"


# ---- 10. OAuth, through the client's oauth APIs ----

OAUTH_SCOPES = ("oauth", "crm.objects.contacts.read", "crm.objects.contacts.write", "crm.objects.owners.read")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def authorize(sandbox) -> str:
    """Follows the client's authorize URL to the sandbox (auto-approving) and returns the code."""
    url = get_auth_url(OAUTH_APP["client_id"], OAUTH_APP["redirect_uri"], scope=OAUTH_SCOPES, state="fidelity-state")
    # The helper always names HubSpot's login host; the sandbox serves the same path.
    url = url.replace("https://app.hubspot.com", sandbox.url)
    opener = urllib.request.build_opener(_NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as redirected:
        opener.open(url, timeout=10)
    assert redirected.value.code == 302
    location = urllib.parse.urlsplit(redirected.value.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == OAUTH_APP["redirect_uri"]
    query = urllib.parse.parse_qs(location.query)
    assert query["state"] == ["fidelity-state"]
    return query["code"][0]


def exchange_code(sandbox):
    """Authorizes the app and trades the code for tokens through the client's TokensApi."""
    return sandbox.client(token=None).oauth.tokens_api.create(
        grant_type="authorization_code",
        code=authorize(sandbox),
        redirect_uri=OAUTH_APP["redirect_uri"],
        client_id=OAUTH_APP["client_id"],
        client_secret=OAUTH_APP["client_secret"],
    )


def test_oauth_code_exchange_refresh_and_revocation(oauth_portal):
    app = oauth_portal.client(token=None)
    tokens = exchange_code(oauth_portal)
    assert tokens.token_type.lower() == "bearer"
    assert tokens.expires_in == 1800
    assert tokens.access_token and tokens.refresh_token

    info = app.oauth.access_tokens_api.get(tokens.access_token)
    assert set(OAUTH_SCOPES) <= set(info.scopes)
    assert info.hub_id == oauth_portal.control("GET", "/health")["portalId"]
    assert 0 < info.expires_in <= 1800

    # An OAuth app gets 110 calls per 10 s and no daily headers.
    _, status, headers = oauth_portal.client(token=tokens.access_token).crm.contacts.basic_api.get_page_with_http_info(
        limit=1
    )
    assert status == 200
    assert headers.get("X-HubSpot-RateLimit-Max") == "110"
    assert headers.get("X-HubSpot-RateLimit-Daily") is None
    assert headers.get("X-HubSpot-RateLimit-Daily-Remaining") is None

    refreshed = app.oauth.tokens_api.create(
        grant_type="refresh_token",
        refresh_token=tokens.refresh_token,
        client_id=OAUTH_APP["client_id"],
        client_secret=OAUTH_APP["client_secret"],
    )
    assert refreshed.access_token and refreshed.access_token != tokens.access_token
    refresh_token = refreshed.refresh_token or tokens.refresh_token
    assert app.oauth.refresh_tokens_api.get(refresh_token).client_id == OAUTH_APP["client_id"]

    # A revoked refresh token is refused for good: the user has to reconnect.
    app.oauth.refresh_tokens_api.archive(refresh_token)
    with pytest.raises(oauth.ApiException) as raised:
        app.oauth.tokens_api.create(
            grant_type="refresh_token",
            refresh_token=refresh_token,
            client_id=OAUTH_APP["client_id"],
            client_secret=OAUTH_APP["client_secret"],
        )
    assert raised.value.status == 400
    body = json.loads(raised.value.body)
    assert (body["error"], body["status"]) == ("invalid_grant", "BAD_REFRESH_TOKEN")


def test_expired_access_token_is_401(oauth_portal):
    tokens = exchange_code(oauth_portal)
    oauth_portal.control("POST", "/oauth/expire-access-tokens")
    with pytest.raises(contacts.ApiException) as raised:
        oauth_portal.client(token=tokens.access_token).crm.contacts.basic_api.get_page(limit=1)
    assert raised.value.status == 401
    body = error_body(raised.value)
    assert body["category"] == "EXPIRED_AUTHENTICATION"
    assert re.fullmatch(r"The OAuth token used to make this call expired \d+ second\(s\) ago\.", body["message"])
