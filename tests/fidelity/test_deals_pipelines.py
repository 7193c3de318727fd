"""Deals and deal pipelines through HubSpot's official Python client, against `hubsync-sandbox`.

Expected values come from shared/hubspot-api.md ("Deals", "Pipelines"), HubSpot's deals guide ("If
a pipeline isn't specified, the default pipeline will be used") and its changelog on deal currency
codes (2023-07-31), never from what the sandbox happens to answer. The deal tests make the deals
they read, so the portal's seeded deals don't matter.
"""

from datetime import datetime, timezone

import pytest
from hubspot.crm import deals, pipelines
from hubspot.crm.deals import (
    BatchInputSimplePublicObjectBatchInput,
    BatchInputSimplePublicObjectBatchInputForCreate,
    BatchInputSimplePublicObjectId,
    BatchReadInputSimplePublicObjectId,
    SimplePublicObjectBatchInput,
    SimplePublicObjectBatchInputForCreate,
    SimplePublicObjectId,
    SimplePublicObjectInput,
    SimplePublicObjectInputForCreate,
)

from conftest import READ_ONLY_TOKEN
from support import (
    archive_and_find_archived,
    assert_missing_scope,
    error_body,
    lenient,
    let_search_catch_up,
    property_problems,
    search,
)

# HubSpot's default deal pipeline, as a new portal has it: stage ids, labels (compared ignoring
# case, which HubSpot's own pages vary), win probability, and whether the stage closes the deal.
DEFAULT_PIPELINE = "default"
DEFAULT_STAGES = [
    ("appointmentscheduled", "appointment scheduled", 0.2, False),
    ("qualifiedtobuy", "qualified to buy", 0.4, False),
    ("presentationscheduled", "presentation scheduled", 0.6, False),
    ("decisionmakerboughtin", "decision maker bought-in", 0.8, False),
    ("contractsent", "contract sent", 0.9, False),
    ("closedwon", "closed won", 1.0, True),
    ("closedlost", "closed lost", 0.0, True),
]
# What a deal read returns when it names no properties.
DEAL_DEFAULT_PROPERTIES = {"dealname", "amount", "closedate", "pipeline", "dealstage", "hs_object_id"}
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
MISSING_ID = "987654321"
# Currencies one of which a test portal does not use, whatever its own are.
FOREIGN_CURRENCIES = ["BRL", "ISK", "XOF"]


def new_deal(client, **props) -> deals.SimplePublicObject:
    return client.crm.deals.basic_api.create(SimplePublicObjectInputForCreate(properties=props, associations=[]))


def deal_search(client, *groups, **request):
    return search(client.crm.deals.search_api, *groups, models=deals, **request)


def in_display_order(stages):
    # Equal displayOrder sorts by label.
    return sorted(stages, key=lambda s: (s.display_order, s.label))


# ---- 1. pipelines ----


def test_default_deal_pipeline_and_its_stages(client):
    result = client.crm.pipelines.pipelines_api.get_all("deals")
    assert isinstance(result, pipelines.CollectionResponsePipelineNoPaging)
    by_id = {p.id: p for p in result.results}
    default = by_id[DEFAULT_PIPELINE]
    assert isinstance(default, pipelines.Pipeline)
    assert (default.label, default.archived) == ("Sales Pipeline", False)
    # HubSpot's own pipeline and stages date from the epoch.
    assert default.created_at == EPOCH

    stages = in_display_order(default.stages)
    assert [s.id for s in stages] == [s[0] for s in DEFAULT_STAGES]
    assert [s.label.lower() for s in stages] == [s[1] for s in DEFAULT_STAGES]
    for stage, (stage_id, _, probability, closed) in zip(stages, DEFAULT_STAGES):
        assert isinstance(stage, pipelines.PipelineStage)
        assert stage.archived is False, stage_id
        assert stage.created_at == EPOCH, stage_id
        # Metadata values are strings.
        assert float(stage.metadata["probability"]) == probability, stage_id
        assert stage.metadata["isClosed"] == str(closed).lower(), stage_id

    for pipeline in result.results:
        labels = [s.label for s in pipeline.stages]
        assert len(labels) == len(set(labels)), f"stage labels repeat in {pipeline.id}"
        for stage in pipeline.stages:
            probability = float(stage.metadata["probability"])
            # Deal stages take a probability from 0 to 1 in steps of 0.1.
            assert 0 <= probability <= 1 and round(probability * 10, 6).is_integer(), (pipeline.id, stage.id)


def test_pipeline_and_stages_by_id(client):
    api = client.crm.pipelines
    listed = {p.id: p for p in api.pipelines_api.get_all("deals").results}[DEFAULT_PIPELINE]
    one = api.pipelines_api.get_by_id("deals", DEFAULT_PIPELINE)
    assert isinstance(one, pipelines.Pipeline)
    assert (one.id, one.label, one.display_order) == (listed.id, listed.label, listed.display_order)
    assert [s.id for s in in_display_order(one.stages)] == [s.id for s in in_display_order(listed.stages)]

    stages = api.pipeline_stages_api.get_all("deals", DEFAULT_PIPELINE)
    assert isinstance(stages, pipelines.CollectionResponsePipelineStageNoPaging)
    assert [s.id for s in in_display_order(stages.results)] == [s[0] for s in DEFAULT_STAGES]
    won = api.pipeline_stages_api.get_by_id("deals", DEFAULT_PIPELINE, "closedwon")
    assert (won.id, float(won.metadata["probability"]), won.metadata["isClosed"]) == ("closedwon", 1.0, "true")

    # Every pipeline's stages read on their own are the ones it lists.
    for pipeline in api.pipelines_api.get_all("deals").results:
        own = api.pipeline_stages_api.get_all("deals", pipeline.id).results
        assert [s.id for s in in_display_order(own)] == [s.id for s in in_display_order(pipeline.stages)], pipeline.id

    with pytest.raises(pipelines.ApiException) as raised:
        api.pipelines_api.get_by_id("deals", "no-such-pipeline")
    assert raised.value.status == 404
    error_body(raised.value)
    with pytest.raises(pipelines.ApiException) as raised:
        api.pipeline_stages_api.get_by_id("deals", DEFAULT_PIPELINE, "no-such-stage")
    assert raised.value.status == 404
    error_body(raised.value)


# ---- 2. deals ----


def test_deal_create_read_update_archive(fresh):
    client = fresh.client()
    api = client.crm.deals.basic_api
    created, status, _ = api.create_with_http_info(
        SimplePublicObjectInputForCreate(
            properties={
                "dealname": "Fidelity renewal",
                "dealstage": "appointmentscheduled",
                "amount": "1500.00",
                "closedate": "2026-12-07T16:50:06.678Z",
            },
            associations=[],
        )
    )
    assert status == 201
    assert isinstance(created, deals.SimplePublicObject)
    assert created.properties["hs_object_id"] == created.id
    # No pipeline given: the default pipeline.
    assert created.properties["pipeline"] == DEFAULT_PIPELINE

    read = api.get_by_id(created.id)
    assert isinstance(read, deals.SimplePublicObjectWithAssociations)
    assert DEAL_DEFAULT_PROPERTIES <= set(read.properties)
    assert read.properties["dealname"] == "Fidelity renewal"
    assert (read.properties["pipeline"], read.properties["dealstage"]) == (DEFAULT_PIPELINE, "appointmentscheduled")
    assert float(read.properties["amount"]) == 1500
    closes = datetime.fromisoformat(read.properties["closedate"].replace("Z", "+00:00"))
    assert closes == datetime(2026, 12, 7, 16, 50, 6, 678000, tzinfo=timezone.utc)

    updated = api.update(created.id, SimplePublicObjectInput(properties={"dealstage": "closedwon", "amount": "1750"}))
    assert (updated.properties["dealstage"], float(updated.properties["amount"])) == ("closedwon", 1750)

    archive_and_find_archived(api, created.id, deals.ApiException)


def test_deal_batches(fresh):
    client = fresh.client()
    batch_api = client.crm.deals.batch_api
    names = ["Batch deal 1", "Batch deal 2", "Batch deal 3"]
    inputs = [
        SimplePublicObjectBatchInputForCreate(
            properties={"dealname": name, "dealstage": "qualifiedtobuy", "pipeline": DEFAULT_PIPELINE}, associations=[]
        )
        for name in names
    ]
    created, status, _ = batch_api.create_with_http_info(BatchInputSimplePublicObjectBatchInputForCreate(inputs=inputs))
    assert status == 201
    assert isinstance(created, deals.BatchResponseSimplePublicObject)
    assert sorted(r.properties["dealname"] for r in created.results) == names
    ids = [r.id for r in created.results]

    updated, status, _ = batch_api.update_with_http_info(
        BatchInputSimplePublicObjectBatchInput(
            inputs=[SimplePublicObjectBatchInput(id=i, properties={"dealstage": "contractsent"}) for i in ids]
        )
    )
    assert status == 200
    assert {r.properties["dealstage"] for r in updated.results} == {"contractsent"}

    _, status, _ = batch_api.archive_with_http_info(
        BatchInputSimplePublicObjectId(inputs=[SimplePublicObjectId(id=ids[0])])
    )
    assert status == 204
    request = BatchReadInputSimplePublicObjectId(
        inputs=[SimplePublicObjectId(id=i) for i in [*ids, MISSING_ID]], properties=["dealname", "dealstage"]
    )
    result, status, _ = lenient(fresh).crm.deals.batch_api.read_with_http_info(request)
    assert status == 207
    assert isinstance(result, deals.BatchResponseSimplePublicObjectWithErrors)
    assert sorted(r.id for r in result.results) == sorted(ids[1:])
    assert {r.properties["dealstage"] for r in result.results} == {"contractsent"}
    [error] = result.errors
    assert error.category == "OBJECT_NOT_FOUND"
    assert sorted(error.context["ids"]) == sorted([ids[0], MISSING_ID])


def test_deal_search(fresh):
    client = fresh.client()
    made = {
        name: new_deal(client, dealname=name, dealstage=stage, amount=amount)
        for name, stage, amount in [
            ("fsearch-a", "appointmentscheduled", "100"),
            ("fsearch-b", "closedwon", "200"),
            ("fsearch-c", "closedwon", "300"),
        ]
    }
    let_search_catch_up(fresh)
    ours = {"property_name": "dealname", "operator": "IN", "values": list(made)}
    won = deal_search(client, [ours, {"property_name": "dealstage", "operator": "EQ", "value": "closedwon"}])
    assert won.total == 2
    assert {r.id for r in won.results} == {made["fsearch-b"].id, made["fsearch-c"].id}
    assert all(
        {"dealname", "dealstage", "pipeline", "amount", "hs_object_id"} <= set(r.properties) for r in won.results
    )

    big = deal_search(
        client,
        [ours, {"property_name": "amount", "operator": "GTE", "value": "250"}],
        sorts=[{"propertyName": "amount", "direction": "DESCENDING"}],
    )
    assert [r.id for r in big.results] == [made["fsearch-c"].id]
    in_pipeline = deal_search(
        client, [ours, {"property_name": "pipeline", "operator": "EQ", "value": DEFAULT_PIPELINE}]
    )
    assert in_pipeline.total == 3


def test_deal_currency_must_be_one_of_the_portals(fresh):
    client = fresh.client()
    currency = client.crm.properties.core_api.get_by_name("deals", "deal_currency_code")
    assert currency.type == "enumeration"
    portal_codes = [o.value for o in currency.options]
    assert portal_codes, "a portal has at least its company currency"
    accepted = new_deal(client, dealname="Priced", dealstage="appointmentscheduled", deal_currency_code=portal_codes[0])
    stored = client.crm.deals.basic_api.get_by_id(accepted.id, properties=["deal_currency_code"])
    assert stored.properties["deal_currency_code"] == portal_codes[0]

    foreign = next(code for code in FOREIGN_CURRENCIES if code not in portal_codes)
    portal_id = fresh.control("GET", "/health")["portalId"]
    with pytest.raises(deals.ApiException) as raised:
        new_deal(client, dealname="Mispriced", dealstage="appointmentscheduled", deal_currency_code=foreign)
    assert raised.value.status == 400
    [problem] = property_problems(raised.value)
    assert (problem["name"], problem["error"]) == ("deal_currency_code", "INVALID_OPTION")
    assert (
        problem["message"]
        == f'"{foreign}" is not a part of the current effective currency codes for portal {portal_id}'
    )
    # Updates are checked the same way.
    with pytest.raises(deals.ApiException) as raised:
        client.crm.deals.basic_api.update(
            accepted.id, SimplePublicObjectInput(properties={"deal_currency_code": foreign})
        )
    assert raised.value.status == 400
    [problem] = property_problems(raised.value)
    assert (problem["name"], problem["error"]) == ("deal_currency_code", "INVALID_OPTION")


def test_deal_reads_need_the_deals_read_scope(seeded):
    client = seeded.client(token=READ_ONLY_TOKEN)
    with pytest.raises(deals.ApiException) as raised:
        client.crm.deals.basic_api.get_page(limit=1)
    assert isinstance(raised.value, deals.exceptions.ForbiddenException)
    assert_missing_scope(raised.value, "crm.objects.deals.read")
