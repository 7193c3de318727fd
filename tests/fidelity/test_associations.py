"""HubSpot's official Python client against the sandbox's deal pipelines and associations v4.

A small seeded portal per test (`new_portal`): seeded contacts come with the companies of their
email domains (as primary) and those companies' deals. Clients are strict: every field the
client's models require must be in the replies.
"""

import pytest
from hubspot.crm.associations.v4 import (
    AssociationSpec,
    BatchInputPublicAssociationMultiArchive,
    BatchInputPublicAssociationMultiPost,
    BatchInputPublicDefaultAssociationMultiPost,
    BatchInputPublicFetchAssociationsBatchRequest,
    PublicAssociationMultiArchive,
    PublicAssociationMultiPost,
    PublicDefaultAssociationMultiPost,
    PublicFetchAssociationsBatchRequest,
    PublicObjectId,
)
from hubspot.crm.associations.v4.exceptions import ApiException as AssociationsApiException
from hubspot.crm.pipelines.exceptions import ApiException as PipelinesApiException

SALES_STAGES = [
    "appointmentscheduled",
    "qualifiedtobuy",
    "presentationscheduled",
    "decisionmakerboughtin",
    "contractsent",
    "closedwon",
    "closedlost",
]


def spec(type_id: int) -> AssociationSpec:
    return AssociationSpec(association_category="HUBSPOT_DEFINED", association_type_id=type_id)


def type_ids(item) -> list[int]:
    return [t.type_id for t in item.association_types]


def first_ids(portal, object_type: str, count: int) -> list[str]:
    """Ids of the first live records of a type, from the control API's dump."""
    records = portal.control("GET", f"/{object_type}")["results"]
    return [r["id"] for r in records if not r["archived"]][:count]


def test_deal_pipelines_are_read_with_their_stages(new_portal):
    api = new_portal.client().crm.pipelines
    pipelines = api.pipelines_api.get_all("deals").results
    assert [p.label for p in pipelines] == ["Sales Pipeline", "Renewals"]
    sales = api.pipelines_api.get_by_id("deals", "default")
    assert [s.id for s in sales.stages] == SALES_STAGES
    won = api.pipeline_stages_api.get_by_id("deals", "default", "closedwon")
    assert won.metadata == {"probability": "1.0", "isClosed": "true"}
    assert won.write_permissions == "CRM_PERMISSIONS_ENFORCEMENT"
    renewals = pipelines[1]
    stages = api.pipeline_stages_api.get_all("deals", renewals.id).results
    assert [s.id for s in stages] == [s.id for s in renewals.stages]
    with pytest.raises(PipelinesApiException) as missing:
        api.pipelines_api.get_by_id("deals", "no-such-pipeline")
    assert missing.value.status == 404


def test_a_seeded_contacts_primary_company_from_both_sides(new_portal):
    v4 = new_portal.client().crm.associations.v4
    contact = first_ids(new_portal, "contacts", 1)[0]
    read = v4.batch_api.get_page(
        "contacts",
        "companies",
        BatchInputPublicFetchAssociationsBatchRequest(inputs=[PublicFetchAssociationsBatchRequest(id=contact)]),
    )
    assert read.status == "COMPLETE"
    [result] = read.results
    assert result._from.id == contact
    primary = [item for item in result.to if 1 in type_ids(item)]
    assert len(primary) == 1 and type_ids(primary[0]) == [1, 279]
    company = primary[0].to_object_id
    page = v4.basic_api.get_page("companies", company, "contacts", limit=500)
    assert [type_ids(item) for item in page.results if item.to_object_id == contact] == [[2, 280]]
    labels = v4.schema.definitions_api.get_all("contacts", "companies").results
    assert [(label.type_id, label.label) for label in labels] == [(1, "Primary"), (279, None)]


def test_writes_move_the_primary_company_and_archives_remove(new_portal):
    v4 = new_portal.client().crm.associations.v4
    contact = first_ids(new_portal, "contacts", 1)[0]
    first, second = first_ids(new_portal, "companies", 2)
    pair = v4.basic_api.create("contacts", contact, "companies", second, [spec(1)])
    assert (pair.from_object_id, pair.to_object_id, pair.labels) == (contact, second, ["Primary"])
    created = v4.batch_api.create(
        "contacts",
        "companies",
        BatchInputPublicAssociationMultiPost(
            inputs=[PublicAssociationMultiPost(_from=PublicObjectId(id=contact), to=PublicObjectId(id=first), types=[spec(1)])]
        ),
    )
    assert created.results[0].labels == ["Primary"]
    page = v4.basic_api.get_page("contacts", contact, "companies")
    kinds = {item.to_object_id: type_ids(item) for item in page.results}
    assert kinds[first] == [1, 279] and kinds[second] == [279], kinds

    v4.batch_api.archive_labels(
        "contacts",
        "companies",
        BatchInputPublicAssociationMultiPost(
            inputs=[PublicAssociationMultiPost(_from=PublicObjectId(id=contact), to=PublicObjectId(id=first), types=[spec(1)])]
        ),
    )
    v4.batch_api.archive(
        "contacts",
        "companies",
        BatchInputPublicAssociationMultiArchive(
            inputs=[PublicAssociationMultiArchive(_from=PublicObjectId(id=contact), to=[PublicObjectId(id=second)])]
        ),
    )
    kinds = {item.to_object_id: type_ids(item) for item in v4.basic_api.get_page("contacts", contact, "companies").results}
    assert kinds.get(first) == [279] and second not in kinds, kinds

    deal = first_ids(new_portal, "deals", 1)[0]
    default = v4.batch_api.create_default(
        "deals",
        "contacts",
        BatchInputPublicDefaultAssociationMultiPost(
            inputs=[PublicDefaultAssociationMultiPost(_from=PublicObjectId(id=deal), to=PublicObjectId(id=contact))]
        ),
    )
    assert default.results[0].association_spec.association_type_id == 3
    single = v4.basic_api.create_default("contacts", contact, "deals", deal)
    assert single.results[0].association_spec.association_type_id == 4
    v4.basic_api.archive("deals", deal, "contacts", contact)
    assert contact not in [item.to_object_id for item in v4.basic_api.get_page("deals", deal, "contacts").results]

    with pytest.raises(AssociationsApiException) as refused:
        v4.basic_api.create("contacts", contact, "companies", "999999999", [spec(279)])
    assert refused.value.status == 404
