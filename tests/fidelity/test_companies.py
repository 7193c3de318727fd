"""Companies through HubSpot's official Python client, against `hubsync-sandbox`.

Records, batches, search by domain, and the company properties (HubSpot's and custom ones of every
type), with the client's models strict as in test_official_client.py. Expected values come from
shared/hubspot-api.md ("Companies, deals, pipelines, associations") and HubSpot's documentation,
never from what the sandbox happens to answer. Every test makes the companies it reads, under
domains of its own, so whatever companies the portal is seeded with don't matter.
"""

from datetime import datetime, timezone

import pytest
from hubspot.crm import companies, properties
from hubspot.crm.companies import (
    BatchInputSimplePublicObjectBatchInput,
    BatchInputSimplePublicObjectBatchInputForCreate,
    BatchInputSimplePublicObjectBatchInputUpsert,
    BatchInputSimplePublicObjectId,
    BatchReadInputSimplePublicObjectId,
    SimplePublicObjectBatchInput,
    SimplePublicObjectBatchInputForCreate,
    SimplePublicObjectBatchInputUpsert,
    SimplePublicObjectId,
    SimplePublicObjectInput,
    SimplePublicObjectInputForCreate,
)

from conftest import COMPANIES_READ_ONLY_TOKEN, READ_ONLY_TOKEN
from support import (
    LIFECYCLE_STAGES,
    archive_and_find_archived,
    assert_missing_scope,
    error_body,
    lenient,
    let_search_catch_up,
    property_problems,
    search,
)

# HubSpot returns these when a read names no properties (the search adds the last three to a GET's
# name and domain; a GET returns them too, as for contacts).
DEFAULT_PROPERTIES = {"name", "domain", "createdate", "hs_lastmodifieddate", "hs_object_id"}
MISSING_ID = "987654321"


def new_company(client, name: str, domain: str, **more) -> companies.SimplePublicObject:
    # HubSpot's spec marks `associations` required on create: send it, empty, as integrations do.
    return client.crm.companies.basic_api.create(
        SimplePublicObjectInputForCreate(properties={"name": name, "domain": domain, **more}, associations=[])
    )


def batch_create(client, *props: dict) -> list[companies.SimplePublicObject]:
    inputs = [SimplePublicObjectBatchInputForCreate(properties=p, associations=[]) for p in props]
    return client.crm.companies.batch_api.create(BatchInputSimplePublicObjectBatchInputForCreate(inputs=inputs)).results


def domain_filter(operator: str, **value) -> dict:
    return {"property_name": "domain", "operator": operator, **value}


def company_search(client, *groups, **request):
    return search(client.crm.companies.search_api, *groups, models=companies, **request)


def option(value: str, label: str, order: int) -> properties.OptionInput:
    return properties.OptionInput(label=label, value=value, display_order=order, hidden=False)


# One custom company property of each of HubSpot's types, made through the properties API as a
# portal admin (or an integration's setup) would.
CUSTOM_PROPERTIES = {
    "fidelity_erp_id": {"type": "string", "field_type": "text", "has_unique_value": True},
    "fidelity_seats": {"type": "number", "field_type": "number"},
    "fidelity_renewal": {"type": "date", "field_type": "date"},
    "fidelity_last_audit": {"type": "datetime", "field_type": "date"},
    "fidelity_segment": {
        "type": "enumeration",
        "field_type": "select",
        "options": [option("smb", "SMB", 0), option("mid", "Mid-market", 1), option("ent", "Enterprise", 2)],
    },
    "fidelity_partner": {
        "type": "bool",
        "field_type": "booleancheckbox",
        "options": [option("true", "Yes", 0), option("false", "No", 1)],
    },
    "fidelity_hotline": {"type": "phone_number", "field_type": "phonenumber"},
}


def make_custom_properties(client, names=tuple(CUSTOM_PROPERTIES)) -> dict[str, properties.ModelProperty]:
    """Creates the named custom company properties (POST /crm/v3/properties/companies)."""
    made = {}
    for name in names:
        spec = CUSTOM_PROPERTIES[name]
        made[name] = client.crm.properties.core_api.create(
            "companies",
            properties.PropertyCreate(
                name=name, label=name.replace("_", " ").title(), group_name="companyinformation", **spec
            ),
        )
    return made


# ---- 1. single records ----


def test_company_create_read_update_archive(fresh):
    client = fresh.client()
    api = client.crm.companies.basic_api
    created, status, _ = api.create_with_http_info(
        SimplePublicObjectInputForCreate(
            properties={"name": "Fidelity Robotics", "domain": "fidelity-robotics.example.com", "city": "Boston"},
            associations=[],
        )
    )
    assert status == 201
    assert isinstance(created, companies.SimplePublicObject)
    assert created.properties["hs_object_id"] == created.id
    assert (created.properties["name"], created.properties["domain"]) == (
        "Fidelity Robotics",
        "fidelity-robotics.example.com",
    )

    # No properties asked for: HubSpot's default set, which `city` is not in.
    read = api.get_by_id(created.id)
    assert isinstance(read, companies.SimplePublicObjectWithAssociations)
    assert DEFAULT_PROPERTIES <= set(read.properties)
    assert "city" not in read.properties
    assert read.archived is False and read.created_at is not None and read.updated_at is not None
    asked = api.get_by_id(created.id, properties=["city", "industry"])
    assert asked.properties["city"] == "Boston"
    assert not asked.properties.get("industry"), "a property with no value comes back null or not at all"

    updated = api.update(
        created.id, SimplePublicObjectInput(properties={"industry": "COMPUTER_SOFTWARE", "numberofemployees": "120"})
    )
    assert updated.id == created.id
    assert updated.properties["industry"] == "COMPUTER_SOFTWARE"
    assert updated.properties["numberofemployees"] == "120"
    assert updated.updated_at >= created.created_at

    archive_and_find_archived(api, created.id, companies.ApiException)
    # archived=true lists archived companies only.
    archived_page = client.crm.companies.get_all(archived=True)
    assert created.id in {c.id for c in archived_page}
    assert all(c.archived for c in archived_page)
    assert created.id not in {c.id for c in client.crm.companies.get_all()}


def test_companies_list_in_pages(fresh):
    client = fresh.client()
    made = batch_create(client, *({"name": f"Pager {i}", "domain": f"pager{i}.fidelity.example.com"} for i in range(5)))
    first = client.crm.companies.basic_api.get_page(limit=2)
    assert isinstance(first, companies.CollectionResponseSimplePublicObjectWithAssociationsForwardPaging)
    assert len(first.results) == 2
    assert first.paging.next.after, "a next page must carry a cursor"
    # The client's own helper pages with limit=100 until paging.next is gone.
    listed = client.crm.companies.get_all(properties=["domain"])
    assert len({c.id for c in listed}) == len(listed), "a company came back on two pages"
    by_id = {c.id: c for c in listed}
    assert {c.id for c in made} <= set(by_id)
    assert {by_id[c.id].properties["domain"] for c in made} == {f"pager{i}.fidelity.example.com" for i in range(5)}


# ---- 2. batches ----


def test_batch_create_then_read_with_a_missing_id_is_a_207(fresh):
    client = fresh.client()
    wanted = {f"batch{i}.fidelity.example.com": f"Batch {i}" for i in range(3)}
    inputs = [
        SimplePublicObjectBatchInputForCreate(properties={"name": n, "domain": d}, associations=[])
        for d, n in wanted.items()
    ]
    created, status, _ = client.crm.companies.batch_api.create_with_http_info(
        BatchInputSimplePublicObjectBatchInputForCreate(inputs=inputs)
    )
    assert status == 201
    assert isinstance(created, companies.BatchResponseSimplePublicObject)
    assert created.status == "COMPLETE"
    # Results need not come back in the inputs' order.
    assert {r.properties["domain"]: r.properties["name"] for r in created.results} == wanted
    ids = [r.id for r in created.results]

    everything = BatchReadInputSimplePublicObjectId(
        inputs=[SimplePublicObjectId(id=i) for i in ids], properties=["domain"]
    )
    result, status, _ = client.crm.companies.batch_api.read_with_http_info(everything)
    assert status == 200
    assert isinstance(result, companies.BatchResponseSimplePublicObject)
    assert sorted(r.id for r in result.results) == sorted(ids)

    with_missing = BatchReadInputSimplePublicObjectId(
        inputs=[SimplePublicObjectId(id=i) for i in [*ids, MISSING_ID]], properties=["domain", "name"]
    )
    result, status, _ = lenient(fresh).crm.companies.batch_api.read_with_http_info(with_missing)
    assert status == 207
    assert isinstance(result, companies.BatchResponseSimplePublicObjectWithErrors)
    assert {r.properties["domain"]: r.properties["name"] for r in result.results} == wanted
    assert result.num_errors == 1
    [error] = result.errors
    assert (error.status, error.category) == ("error", "OBJECT_NOT_FOUND")
    assert error.context == {"ids": [MISSING_ID]}


def test_batch_update_reports_unknown_ids_in_a_207(fresh):
    client = lenient(fresh)
    made = batch_create(
        client,
        {"name": "Update A", "domain": "update-a.fidelity.example.com"},
        {"name": "Update B", "domain": "update-b.fidelity.example.com"},
    )
    request = BatchInputSimplePublicObjectBatchInput(
        inputs=[
            *(
                SimplePublicObjectBatchInput(id=c.id, properties={"city": "Lyon", "numberofemployees": "42"})
                for c in made
            ),
            SimplePublicObjectBatchInput(id=MISSING_ID, properties={"city": "Nowhere"}),
        ]
    )
    result, status, _ = client.crm.companies.batch_api.update_with_http_info(request)
    assert status == 207
    assert sorted(r.id for r in result.results) == sorted(c.id for c in made)
    [error] = result.errors
    assert error.category == "OBJECT_NOT_FOUND"
    assert error.context["ids"] == [MISSING_ID]
    for company in made:
        stored = client.crm.companies.basic_api.get_by_id(company.id, properties=["city", "numberofemployees"])
        assert (stored.properties["city"], stored.properties["numberofemployees"]) == ("Lyon", "42")

    # All ids known: a plain 200.
    request = BatchInputSimplePublicObjectBatchInput(
        inputs=[SimplePublicObjectBatchInput(id=c.id, properties={"city": "Nantes"}) for c in made]
    )
    result, status, _ = fresh.client().crm.companies.batch_api.update_with_http_info(request)
    assert status == 200
    assert isinstance(result, companies.BatchResponseSimplePublicObject)


def test_batch_archive_hides_companies(fresh):
    client = fresh.client()
    made = batch_create(
        client,
        {"name": "Gone A", "domain": "gone-a.fidelity.example.com"},
        {"name": "Gone B", "domain": "gone-b.fidelity.example.com"},
    )
    kept = new_company(client, "Kept", "kept.fidelity.example.com")
    _, status, _ = client.crm.companies.batch_api.archive_with_http_info(
        BatchInputSimplePublicObjectId(inputs=[SimplePublicObjectId(id=c.id) for c in made])
    )
    assert status == 204
    request = BatchReadInputSimplePublicObjectId(
        inputs=[SimplePublicObjectId(id=i) for i in [kept.id, *(c.id for c in made)]], properties=["name"]
    )
    result, status, _ = lenient(fresh).crm.companies.batch_api.read_with_http_info(request)
    assert status == 207
    assert [r.id for r in result.results] == [kept.id]
    [error] = result.errors
    assert error.category == "OBJECT_NOT_FOUND"
    assert sorted(error.context["ids"]) == sorted(c.id for c in made)
    # Archived companies leave search too.
    let_search_catch_up(fresh)
    domains = ["gone-a.fidelity.example.com", "gone-b.fidelity.example.com", "kept.fidelity.example.com"]
    page = company_search(client, [domain_filter("IN", values=domains)])
    assert [r.id for r in page.results] == [kept.id]


def test_batch_upsert_by_a_unique_custom_property(fresh):
    client = fresh.client()
    [erp] = make_custom_properties(client, ["fidelity_erp_id"]).values()
    assert erp.has_unique_value is True
    existing = new_company(client, "Upsert Old", "upsert-old.fidelity.example.com", fidelity_erp_id="ERP-1")
    request = BatchInputSimplePublicObjectBatchInputUpsert(
        inputs=[
            SimplePublicObjectBatchInputUpsert(id="ERP-1", id_property="fidelity_erp_id", properties={"city": "Oslo"}),
            SimplePublicObjectBatchInputUpsert(
                id="ERP-2",
                id_property="fidelity_erp_id",
                properties={"name": "Upsert New", "domain": "upsert-new.fidelity.example.com"},
            ),
        ]
    )
    result, status, _ = client.crm.companies.batch_api.upsert_with_http_info(request)
    assert status == 200
    assert isinstance(result, companies.BatchResponseSimplePublicUpsertObject)
    by_key = {r.properties["fidelity_erp_id"]: r for r in result.results}
    assert by_key["ERP-1"].new is False
    assert by_key["ERP-1"].id == existing.id
    assert by_key["ERP-2"].new is True
    # A unique property is an id: records can be read by it.
    api = client.crm.companies.basic_api
    created = api.get_by_id("ERP-2", id_property="fidelity_erp_id", properties=["name", "domain"])
    assert created.id == by_key["ERP-2"].id
    assert created.properties["name"] == "Upsert New"
    assert api.get_by_id(existing.id, properties=["city"]).properties["city"] == "Oslo"


@pytest.mark.parametrize("operation", ["upsert", "update"])
def test_domain_is_refused_as_an_id_property(fresh, operation):
    client = fresh.client()
    existing = new_company(client, "By Domain", "by-domain.fidelity.example.com")
    batch_api = client.crm.companies.batch_api
    with pytest.raises(companies.ApiException) as raised:
        if operation == "upsert":
            batch_api.upsert(
                BatchInputSimplePublicObjectBatchInputUpsert(
                    inputs=[
                        SimplePublicObjectBatchInputUpsert(
                            id="by-domain.fidelity.example.com", id_property="domain", properties={"city": "Rome"}
                        )
                    ]
                )
            )
        else:
            batch_api.update(
                BatchInputSimplePublicObjectBatchInput(
                    inputs=[
                        SimplePublicObjectBatchInput(
                            id="by-domain.fidelity.example.com", id_property="domain", properties={"city": "Rome"}
                        )
                    ]
                )
            )
    assert raised.value.status == 400
    body = error_body(raised.value)
    assert body["category"] == "VALIDATION_ERROR"
    assert "Unable to perform update/upsert by non-unique 0-2 property domain" in body["message"]
    stored = client.crm.companies.basic_api.get_by_id(existing.id, properties=["city"])
    assert not stored.properties.get("city")


# ---- 3. search by domain ----


def test_domain_is_not_unique(fresh):
    client = fresh.client()
    domain = "twins.fidelity.example.com"
    first = new_company(client, "Twin One", domain)
    # No 409 and no merge: HubSpot does not deduplicate API-created companies by domain.
    second = new_company(client, "Twin Two", domain)
    assert first.id != second.id
    let_search_catch_up(fresh)
    page = company_search(client, [domain_filter("EQ", value=domain)], properties=["name", "domain"])
    assert page.total == 2
    assert {r.id for r in page.results} == {first.id, second.id}
    # EQ on a string ignores case.
    assert company_search(client, [domain_filter("EQ", value=domain.upper())]).total == 2


def test_search_by_domain_in_and_default_properties(fresh):
    client = fresh.client()
    made = {
        d: new_company(client, f"In {d.split('.')[0]}", d)
        for d in ("alpha.fidelity.example.com", "beta.fidelity.example.com", "gamma.fidelity.example.com")
    }
    let_search_catch_up(fresh)
    wanted = ["alpha.fidelity.example.com", "gamma.fidelity.example.com"]
    page = company_search(client, [domain_filter("IN", values=wanted)])
    assert page.total == 2
    assert {r.id for r in page.results} == {made[d].id for d in wanted}
    # No properties asked: the name and domain, plus the three every search returns.
    assert all(set(r.properties) == DEFAULT_PROPERTIES for r in page.results)
    assert {r.properties["domain"] for r in page.results} == set(wanted)
    # IN on a string property wants lowercase values.
    assert company_search(client, [domain_filter("IN", values=[d.upper() for d in wanted])]).total == 0


def test_search_lags_writes(fresh):
    client = fresh.client()
    # HubSpot's search is eventually consistent; the sandbox's lag is on the clock its control API
    # moves, so nothing here depends on how fast the test runs.
    usual = fresh.control("GET", "/settings")["searchVisibilityDelayMs"]
    fresh.control("PUT", "/settings", {"searchVisibilityDelayMs": 60_000})
    try:
        company = new_company(client, "Late", "late.fidelity.example.com")
        assert company_search(client, [domain_filter("EQ", value="late.fidelity.example.com")]).total == 0
        let_search_catch_up(fresh)
        page = company_search(client, [domain_filter("EQ", value="late.fidelity.example.com")])
        assert [r.id for r in page.results] == [company.id]
    finally:
        fresh.control("PUT", "/settings", {"searchVisibilityDelayMs": usual})


# ---- 4. properties ----


def test_default_company_properties(client):
    result = client.crm.properties.core_api.get_all("companies")
    assert isinstance(result, properties.CollectionResponsePropertyNoPaging)
    by_name = {p.name: p for p in result.results}
    for name in ("name", "domain", "hs_additional_domains", "website", "phone", "city", "state", "country", "zip"):
        assert by_name[name].hubspot_defined is True, name
    assert (by_name["name"].type, by_name["domain"].type) == ("string", "string")
    # Two companies may share a domain.
    assert by_name["domain"].has_unique_value is False
    assert by_name["numberofemployees"].type == "number"
    assert by_name["annualrevenue"].type == "number"

    industry = by_name["industry"]
    assert industry.type == "enumeration"
    values = {o.value for o in industry.options}
    assert {"COMPUTER_SOFTWARE", "FINANCIAL_SERVICES"} <= values
    assert len(values) > 100, "HubSpot ships about 150 industries"

    stage = by_name["lifecyclestage"]
    assert stage.type == "enumeration"
    in_order = [o.value for o in sorted(stage.options, key=lambda o: o.display_order)]
    assert in_order[: len(LIFECYCLE_STAGES)] == LIFECYCLE_STAGES
    assert by_name["hs_lead_status"].type == "enumeration"

    owner = by_name["hubspot_owner_id"]
    assert (owner.type, owner.external_options, owner.options) == ("enumeration", True, [])
    for name in ("hs_object_id", "hs_lastmodifieddate"):
        assert by_name[name].modification_metadata.read_only_value is True, name
    assert by_name["hs_lastmodifieddate"].type == "datetime"

    one = client.crm.properties.core_api.get_by_name("companies", "industry")
    assert (one.name, one.type) == ("industry", "enumeration")
    assert {o.value for o in one.options} == values


def test_custom_company_properties_of_every_type(fresh):
    client = fresh.client()
    made = make_custom_properties(client)
    for name, definition in made.items():
        spec = CUSTOM_PROPERTIES[name]
        assert isinstance(definition, properties.ModelProperty)
        assert (definition.name, definition.type, definition.field_type) == (name, spec["type"], spec["field_type"])
        assert not definition.hubspot_defined
    listed = {p.name: p for p in client.crm.properties.core_api.get_all("companies").results}
    assert set(made) <= set(listed)
    assert [o.value for o in listed["fidelity_segment"].options] == ["smb", "mid", "ent"]

    values = {
        "fidelity_erp_id": "ERP-77",
        "fidelity_seats": "250",
        "fidelity_renewal": "1430438400000",  # a date: epoch ms at midnight UTC
        "fidelity_last_audit": "2026-02-28T10:15:00.000Z",
        "fidelity_segment": "mid",
        "fidelity_partner": "true",
        "fidelity_hotline": "+1 617 555 0100",
    }
    company = new_company(client, "Typed", "typed.fidelity.example.com", **values)
    read = client.crm.companies.basic_api.get_by_id(company.id, properties=list(values)).properties
    assert read["fidelity_renewal"] == "2015-05-01", "dates come back as YYYY-MM-DD"
    audit = datetime.fromisoformat(read["fidelity_last_audit"].replace("Z", "+00:00"))
    assert audit == datetime(2026, 2, 28, 10, 15, tzinfo=timezone.utc)
    same = {k: v for k, v in values.items() if k not in ("fidelity_renewal", "fidelity_last_audit")}
    assert {k: read[k] for k in same} == same


def test_invalid_custom_values_are_refused_together(fresh):
    client = fresh.client()
    make_custom_properties(client, ["fidelity_seats", "fidelity_segment", "fidelity_partner", "fidelity_renewal"])
    company = new_company(client, "Strict", "strict.fidelity.example.com", fidelity_seats="10")
    bad = {
        "fidelity_seats": "1,000",
        "fidelity_segment": "Mid",  # options match by value, exactly
        "fidelity_partner": "yes",
        "fidelity_renewal": "31/01/2027",
    }
    with pytest.raises(companies.ApiException) as raised:
        client.crm.companies.basic_api.update(company.id, SimplePublicObjectInput(properties=bad))
    assert raised.value.status == 400
    problems = {p["name"]: p.get("error") for p in property_problems(raised.value)}
    assert set(problems) == set(bad)
    # The spec names no code for a malformed date.
    assert {k: problems[k] for k in ("fidelity_seats", "fidelity_segment", "fidelity_partner")} == {
        "fidelity_seats": "INVALID_INTEGER",
        "fidelity_segment": "INVALID_OPTION",
        "fidelity_partner": "INVALID_OPTION",
    }
    # Nothing was written.
    stored = client.crm.companies.basic_api.get_by_id(company.id, properties=list(bad)).properties
    assert stored["fidelity_seats"] == "10"
    assert not any(stored.get(k) for k in ("fidelity_segment", "fidelity_partner", "fidelity_renewal"))


@pytest.mark.parametrize(
    ("name", "value", "code"),
    [
        ("industry", "Computer Software", "INVALID_OPTION"),  # the label, not the value
        ("industry", "computer_software", "INVALID_OPTION"),
        ("lifecyclestage", "Customer", "INVALID_OPTION"),
        ("numberofemployees", "1,200", "INVALID_INTEGER"),
        ("annualrevenue", "1e6", "INVALID_INTEGER"),
        ("hs_object_id", "42", "READ_ONLY_VALUE"),
        ("hs_lastmodifieddate", "2026-01-01T00:00:00Z", "READ_ONLY_VALUE"),
        ("no_such_property", "x", "PROPERTY_DOESNT_EXIST"),
    ],
)
def test_company_property_value_errors(fresh, name, value, code):
    client = fresh.client()
    with pytest.raises(companies.ApiException) as raised:
        new_company(client, "Refused", "refused.fidelity.example.com", **{name: value})
    assert raised.value.status == 400
    [problem] = property_problems(raised.value)
    assert (problem["name"], problem["error"]) == (name, code)
    let_search_catch_up(fresh)
    assert company_search(client, [domain_filter("EQ", value="refused.fidelity.example.com")]).total == 0


# ---- 5. scopes ----


def test_company_reads_need_the_companies_read_scope(seeded):
    client = seeded.client(token=READ_ONLY_TOKEN)
    with pytest.raises(companies.ApiException) as raised:
        client.crm.companies.basic_api.get_page(limit=1)
    assert isinstance(raised.value, companies.exceptions.ForbiddenException)
    assert_missing_scope(raised.value, "crm.objects.companies.read")
    with pytest.raises(companies.ApiException) as raised:
        company_search(client, [domain_filter("EQ", value="any.example.com")])
    assert_missing_scope(raised.value, "crm.objects.companies.read")


def test_company_writes_need_the_companies_write_scope(seeded):
    client = seeded.client(token=COMPANIES_READ_ONLY_TOKEN)
    assert isinstance(
        client.crm.companies.basic_api.get_page(limit=1),
        companies.CollectionResponseSimplePublicObjectWithAssociationsForwardPaging,
    )
    with pytest.raises(companies.ApiException) as raised:
        new_company(client, "Not Allowed", "not-allowed.fidelity.example.com")
    assert_missing_scope(raised.value, "crm.objects.companies.write")
    with pytest.raises(companies.ApiException) as raised:
        client.crm.companies.batch_api.archive(BatchInputSimplePublicObjectId(inputs=[SimplePublicObjectId(id="1")]))
    assert_missing_scope(raised.value, "crm.objects.companies.write")
