"""Associations v4 through HubSpot's official Python client, against `hubsync-sandbox`.

Batch read (paged per record), batch create with types, default associations, batch archive and
label archive, the labels, the per-record endpoints, and records that leave their associations
when archived. Expected values come from shared/hubspot-api.md ("Associations v4") and HubSpot's
associations guide, never from what the sandbox happens to answer; association types are matched
by type id, never by label text (HubSpot renamed the primary labels in 2024). Tests that write
make their own contacts, companies and deals; the seeded contacts' own companies are read once.
"""

import itertools

import pytest
from hubspot.crm import companies, contacts, deals
from hubspot.crm.associations.v4 import (
    AssociationSpec,
    BatchInputPublicAssociationMultiArchive,
    BatchInputPublicAssociationMultiPost,
    BatchInputPublicDefaultAssociationMultiPost,
    BatchInputPublicFetchAssociationsBatchRequest,
    BatchResponseLabelsBetweenObjectPair,
    BatchResponsePublicAssociationMultiWithLabel,
    BatchResponsePublicAssociationMultiWithLabelWithErrors,
    BatchResponsePublicDefaultAssociation,
    CollectionResponseMultiAssociatedObjectWithLabelForwardPaging,
    LabelsBetweenObjectPair,
    PublicAssociationMultiArchive,
    PublicAssociationMultiPost,
    PublicDefaultAssociationMultiPost,
    PublicFetchAssociationsBatchRequest,
    PublicObjectId,
)
from hubspot.crm.associations.v4.exceptions import ApiException as AssociationsApiException
from hubspot.crm.associations.v4.schema import CollectionResponseAssociationSpecWithLabelNoPaging

from support import error_body, lenient

# HubSpot-defined association type ids (HubSpot's associations guide).
CONTACT_TO_COMPANY, CONTACT_TO_PRIMARY_COMPANY = 279, 1
COMPANY_TO_CONTACT, COMPANY_TO_PRIMARY_CONTACT = 280, 2
DEAL_TO_COMPANY, DEAL_TO_PRIMARY_COMPANY = 341, 5
COMPANY_TO_DEAL, COMPANY_TO_PRIMARY_DEAL = 342, 6
CONTACT_TO_DEAL, DEAL_TO_CONTACT = 4, 3
HUBSPOT_DEFINED = "HUBSPOT_DEFINED"
# More associations than a page of a batch read holds, so the read must page: HubSpot's page size
# is undocumented, and pages of 600-odd have been seen.
MANY = 1_500
BATCH = 100
# Numbers the emails of the contacts the tests make, so that none repeats.
CONTACT_NUMBERS = itertools.count()


def spec(type_id: int) -> AssociationSpec:
    return AssociationSpec(association_category=HUBSPOT_DEFINED, association_type_id=type_id)


def associate(client, from_type, to_type, pairs, *type_ids):
    """Batch-creates associations of the given types for each (from id, to id) pair."""
    inputs = [
        PublicAssociationMultiPost(
            _from=PublicObjectId(id=f), to=PublicObjectId(id=t), types=[spec(n) for n in type_ids]
        )
        for f, t in pairs
    ]
    return client.crm.associations.v4.batch_api.create_with_http_info(
        from_type, to_type, BatchInputPublicAssociationMultiPost(inputs=inputs)
    )


def read(client, from_type, to_type, *ids, after=None):
    """One batch read; `after` maps a from id to the cursor its next page starts at."""
    after = after or {}
    inputs = [PublicFetchAssociationsBatchRequest(id=i, after=after.get(i)) for i in ids]
    return client.crm.associations.v4.batch_api.get_page_with_http_info(
        from_type, to_type, BatchInputPublicFetchAssociationsBatchRequest(inputs=inputs)
    )


def type_ids_by_record(result) -> dict[str, dict[str, set[int]]]:
    """from id → to id → the type ids between them, from a batch read's results."""
    return {
        r._from.id: {str(t.to_object_id): {a.type_id for a in t.association_types} for t in r.to}
        for r in result.results
    }


def new_contacts(client, how_many: int) -> list[str]:
    """Ids of contacts made for the test, which have no associations yet (the portal's seeded
    contacts come with companies)."""
    ids = []
    for start in range(0, how_many, BATCH):
        inputs = [
            contacts.SimplePublicObjectBatchInputForCreate(
                properties={"email": f"assoc{next(CONTACT_NUMBERS)}@fidelity-associations.example.com"},
                associations=[],
            )
            for _ in range(start, min(how_many, start + BATCH))
        ]
        created = client.crm.contacts.batch_api.create(
            contacts.BatchInputSimplePublicObjectBatchInputForCreate(inputs=inputs)
        )
        ids.extend(c.id for c in created.results)
    return ids


def new_company(client, name: str) -> str:
    domain = f"{name.lower().replace(' ', '-')}.fidelity.example.com"
    return client.crm.companies.basic_api.create(
        companies.SimplePublicObjectInputForCreate(properties={"name": name, "domain": domain}, associations=[])
    ).id


def new_deal(client, name: str, associations=()) -> str:
    return client.crm.deals.basic_api.create(
        deals.SimplePublicObjectInputForCreate(
            properties={"dealname": name, "dealstage": "appointmentscheduled"}, associations=list(associations)
        )
    ).id


def assert_no_associations(sandbox, from_type, to_type, from_id, from_singular, to_singular):
    """A batch read of one record that has no associations of that type: HubSpot's 207."""
    result, status, _ = read(lenient(sandbox), from_type, to_type, from_id)
    assert status == 207
    assert isinstance(result, BatchResponsePublicAssociationMultiWithLabelWithErrors)
    assert result.results == []
    [error] = result.errors
    assert (error.status, error.category) == ("error", "OBJECT_NOT_FOUND")
    assert error.sub_category == "crm.associations.NO_ASSOCIATIONS_FOUND"
    assert error.message == f"No {to_singular} is associated with {from_singular} {from_id}."
    assert error.context == {
        "fromObjectId": [from_id],
        "fromObjectType": [from_singular],
        "toObjectType": [to_singular],
    }


# ---- 1. labels ----


@pytest.mark.parametrize(
    ("from_type", "to_type", "unlabelled", "primary"),
    [
        ("contacts", "companies", CONTACT_TO_COMPANY, CONTACT_TO_PRIMARY_COMPANY),
        ("companies", "contacts", COMPANY_TO_CONTACT, COMPANY_TO_PRIMARY_CONTACT),
        ("deals", "companies", DEAL_TO_COMPANY, DEAL_TO_PRIMARY_COMPANY),
        ("companies", "deals", COMPANY_TO_DEAL, COMPANY_TO_PRIMARY_DEAL),
        ("contacts", "deals", CONTACT_TO_DEAL, None),
        ("deals", "contacts", DEAL_TO_CONTACT, None),
    ],
)
def test_hubspot_defined_association_labels(client, from_type, to_type, unlabelled, primary):
    result = client.crm.associations.v4.schema.definitions_api.get_all(from_type, to_type)
    assert isinstance(result, CollectionResponseAssociationSpecWithLabelNoPaging)
    labels = {r.type_id: r.label for r in result.results if r.category == HUBSPOT_DEFINED}
    # The unlabelled type has no label; a primary one has.
    assert unlabelled in labels and labels[unlabelled] is None
    if primary is not None:
        assert labels.get(primary)


def test_object_types_in_every_form_name_the_same_labels(client):
    definitions = client.crm.associations.v4.schema.definitions_api
    plural = {(r.category, r.type_id) for r in definitions.get_all("contacts", "companies").results}
    assert {(HUBSPOT_DEFINED, CONTACT_TO_COMPANY), (HUBSPOT_DEFINED, CONTACT_TO_PRIMARY_COMPANY)} <= plural
    for from_type, to_type in [("contact", "company"), ("0-1", "0-2")]:
        assert {(r.category, r.type_id) for r in definitions.get_all(from_type, to_type).results} == plural


# ---- 2. batch create and read ----


def test_batch_create_with_types_then_read_from_both_sides(fresh):
    client = fresh.client()
    company = new_company(client, "Assoc Both Ways")
    primary_contact, other_contact = new_contacts(client, 2)
    result, status, _ = associate(
        client, "contacts", "companies", [(primary_contact, company)], CONTACT_TO_PRIMARY_COMPANY, CONTACT_TO_COMPANY
    )
    assert status == 201
    assert isinstance(result, BatchResponseLabelsBetweenObjectPair)
    [made] = result.results
    assert isinstance(made, LabelsBetweenObjectPair)
    assert (made.from_object_type_id, made.from_object_id) == ("0-1", primary_contact)
    assert (made.to_object_type_id, made.to_object_id) == ("0-2", company)
    assert isinstance(made.labels, list)
    associate(client, "contacts", "companies", [(other_contact, company)], CONTACT_TO_COMPANY)

    result, status, _ = read(client, "contacts", "companies", primary_contact, other_contact)
    assert status == 200
    assert isinstance(result, BatchResponsePublicAssociationMultiWithLabel)
    assert result.status == "COMPLETE"
    assert type_ids_by_record(result) == {
        primary_contact: {company: {CONTACT_TO_PRIMARY_COMPANY, CONTACT_TO_COMPANY}},
        other_contact: {company: {CONTACT_TO_COMPANY}},
    }
    for record in result.results:
        assert record.paging is None, "one company is one page"
        for kind in record.to[0].association_types:
            assert kind.category == HUBSPOT_DEFINED
            if kind.type_id == CONTACT_TO_COMPANY:
                assert kind.label is None

    # The same associations, read from the company.
    result, status, _ = read(client, "companies", "contacts", company)
    assert status == 200
    assert type_ids_by_record(result) == {
        company: {
            primary_contact: {COMPANY_TO_PRIMARY_CONTACT, COMPANY_TO_CONTACT},
            other_contact: {COMPANY_TO_CONTACT},
        }
    }


def test_batch_read_pages_per_record(fresh):
    client = fresh.client()
    big, small = new_company(client, "Assoc Big"), new_company(client, "Assoc Small")
    made = new_contacts(client, MANY + 2)
    many, few = made[:MANY], made[MANY:]
    for start in range(0, MANY, BATCH):
        _, status, _ = associate(
            client, "companies", "contacts", [(big, c) for c in many[start : start + BATCH]], COMPANY_TO_CONTACT
        )
        assert status == 201
    associate(client, "companies", "contacts", [(small, c) for c in few], COMPANY_TO_CONTACT)

    seen = {big: [], small: []}
    pages = {big: 0, small: 0}
    cursors, pending = {}, [big, small]
    while pending:
        assert pages[big] <= MANY, "a cursor that never ends"
        result, status, _ = read(client, "companies", "contacts", *pending, after=cursors)
        assert status == 200
        assert {r._from.id for r in result.results} == set(pending)
        pending = []
        for record in result.results:
            pages[record._from.id] += 1
            seen[record._from.id].extend(str(t.to_object_id) for t in record.to)
            # Paging is per record, and absent on its last page.
            if record.paging is not None:
                assert record.paging.next.after
                cursors[record._from.id] = record.paging.next.after
                pending.append(record._from.id)
    assert sorted(seen[big]) == sorted(many), "every association exactly once"
    assert sorted(seen[small]) == sorted(few)
    assert pages[small] == 1
    assert pages[big] > 1


def test_no_associations_is_a_207(fresh):
    client = fresh.client()
    company = new_company(client, "Assoc Deal Target")
    lonely = new_deal(client, "Lonely deal")
    linked = new_deal(client, "Linked deal")
    associate(client, "deals", "companies", [(linked, company)], DEAL_TO_COMPANY)
    result, status, _ = read(lenient(fresh), "deals", "companies", lonely, linked)
    assert status == 207
    assert isinstance(result, BatchResponsePublicAssociationMultiWithLabelWithErrors)
    assert type_ids_by_record(result) == {linked: {company: {DEAL_TO_COMPANY}}}
    assert result.num_errors == 1
    [error] = result.errors
    assert error.sub_category == "crm.associations.NO_ASSOCIATIONS_FOUND"
    assert error.context["fromObjectId"] == [lonely]
    assert_no_associations(fresh, "deals", "companies", lonely, "deal", "company")


def test_default_associations(fresh):
    client = fresh.client()
    company = new_company(client, "Assoc Default")
    contact = new_contacts(client, 1)[0]
    deal = new_deal(client, "Default deal")
    batch_api = client.crm.associations.v4.batch_api
    for from_type, from_id, expected in [("contacts", contact, CONTACT_TO_COMPANY), ("deals", deal, DEAL_TO_COMPANY)]:
        result, status, _ = batch_api.create_default_with_http_info(
            from_type,
            "companies",
            BatchInputPublicDefaultAssociationMultiPost(
                inputs=[
                    PublicDefaultAssociationMultiPost(_from=PublicObjectId(id=from_id), to=PublicObjectId(id=company))
                ]
            ),
        )
        assert status == 200
        assert isinstance(result, BatchResponsePublicDefaultAssociation)
        [made] = result.results
        assert (made._from.id, made.to.id) == (from_id, company)
        assert (made.association_spec.association_category, made.association_spec.association_type_id) == (
            HUBSPOT_DEFINED,
            expected,
        )
        result, _, _ = read(client, from_type, "companies", from_id)
        assert expected in type_ids_by_record(result)[from_id][company]


# ---- 3. removing associations ----


def test_batch_archive_removes_every_type_between_a_pair(fresh):
    client = fresh.client()
    company = new_company(client, "Assoc Archive")
    contact, kept = new_contacts(client, 2)
    associate(client, "contacts", "companies", [(contact, company)], CONTACT_TO_PRIMARY_COMPANY, CONTACT_TO_COMPANY)
    associate(client, "contacts", "companies", [(kept, company)], CONTACT_TO_COMPANY)
    _, status, _ = client.crm.associations.v4.batch_api.archive_with_http_info(
        "contacts",
        "companies",
        BatchInputPublicAssociationMultiArchive(
            inputs=[PublicAssociationMultiArchive(_from=PublicObjectId(id=contact), to=[PublicObjectId(id=company)])]
        ),
    )
    assert status == 204
    assert_no_associations(fresh, "contacts", "companies", contact, "contact", "company")
    # Gone from the company's side too; the other contact stays.
    result, _, _ = read(client, "companies", "contacts", company)
    assert type_ids_by_record(result) == {company: {kept: {COMPANY_TO_CONTACT}}}


def test_labels_archive_removes_only_the_types_named(fresh):
    client = fresh.client()
    company = new_company(client, "Assoc Labels Archive")
    contact = new_contacts(client, 1)[0]
    associate(client, "contacts", "companies", [(contact, company)], CONTACT_TO_PRIMARY_COMPANY, CONTACT_TO_COMPANY)
    batch_api = client.crm.associations.v4.batch_api

    def archive_labels(*type_ids):
        inputs = [
            PublicAssociationMultiPost(
                _from=PublicObjectId(id=contact), to=PublicObjectId(id=company), types=[spec(n) for n in type_ids]
            )
        ]
        _, status, _ = batch_api.archive_labels_with_http_info(
            "contacts", "companies", BatchInputPublicAssociationMultiPost(inputs=inputs)
        )
        assert status == 204

    # Dropping the primary label leaves the records associated.
    archive_labels(CONTACT_TO_PRIMARY_COMPANY)
    result, _, _ = read(client, "contacts", "companies", contact)
    assert type_ids_by_record(result) == {contact: {company: {CONTACT_TO_COMPANY}}}
    # Dropping the unlabelled type drops the association.
    archive_labels(CONTACT_TO_COMPANY)
    assert_no_associations(fresh, "contacts", "companies", contact, "contact", "company")


# ---- 4. one record's associations ----


def test_per_record_associations(fresh):
    client = fresh.client()
    basic_api = client.crm.associations.v4.basic_api
    company = new_company(client, "Assoc Per Record")
    first, second, *rest = new_contacts(client, 5)

    made, status, _ = basic_api.create_with_http_info(
        "contacts", first, "companies", company, [spec(CONTACT_TO_COMPANY)]
    )
    assert status == 201
    assert isinstance(made, LabelsBetweenObjectPair)
    assert (made.from_object_id, made.to_object_id) == (first, company)

    result, status, _ = basic_api.create_default_with_http_info("contacts", second, "companies", company)
    assert status == 200
    assert isinstance(result, BatchResponsePublicDefaultAssociation)
    assert result.results[0].association_spec.association_type_id == CONTACT_TO_COMPANY
    associate(client, "contacts", "companies", [(c, company) for c in rest], CONTACT_TO_COMPANY)

    seen, pages, after = [], 0, None
    while True:
        page = basic_api.get_page("companies", company, "contacts", limit=2, after=after)
        assert isinstance(page, CollectionResponseMultiAssociatedObjectWithLabelForwardPaging)
        pages += 1
        assert len(page.results) <= 2
        seen.extend(str(r.to_object_id) for r in page.results)
        assert all(COMPANY_TO_CONTACT in {t.type_id for t in r.association_types} for r in page.results)
        if page.paging is None or page.paging.next is None:
            break
        after = page.paging.next.after
    assert sorted(seen) == sorted([first, second, *rest])
    assert pages == 3

    _, status, _ = basic_api.archive_with_http_info("contacts", first, "companies", company)
    assert status == 204
    assert basic_api.get_page("contacts", first, "companies").results == []
    remaining = {str(r.to_object_id) for r in basic_api.get_page("companies", company, "contacts").results}
    assert remaining == {second, *rest}


# ---- 5. records' lives and associations ----


def test_archived_records_drop_out_of_association_reads(fresh):
    client = fresh.client()
    leaving, staying = new_company(client, "Assoc Leaving"), new_company(client, "Assoc Staying")
    contact = new_contacts(client, 1)[0]
    deal = new_deal(client, "Orphaned deal")
    associate(client, "contacts", "companies", [(contact, leaving), (contact, staying)], CONTACT_TO_COMPANY)
    associate(client, "deals", "companies", [(deal, leaving)], DEAL_TO_COMPANY)

    client.crm.companies.basic_api.archive(leaving)
    result, status, _ = read(client, "contacts", "companies", contact)
    assert status == 200
    assert type_ids_by_record(result) == {contact: {staying: {CONTACT_TO_COMPANY}}}
    per_record = client.crm.associations.v4.basic_api.get_page("contacts", contact, "companies")
    assert [str(r.to_object_id) for r in per_record.results] == [staying]
    assert_no_associations(fresh, "deals", "companies", deal, "deal", "company")


def test_associations_given_on_create(fresh):
    client = fresh.client()
    company = new_company(client, "Assoc On Create")
    deal = new_deal(
        client,
        "Born associated",
        associations=[
            deals.PublicAssociationsForObject(
                to=deals.PublicObjectId(id=company),
                types=[
                    deals.AssociationSpec(association_category=HUBSPOT_DEFINED, association_type_id=DEAL_TO_COMPANY)
                ],
            )
        ],
    )
    result, _, _ = read(client, "deals", "companies", deal)
    assert type_ids_by_record(result) == {deal: {company: {DEAL_TO_COMPANY}}}
    # v3 reads list them too, when asked.
    read_back = client.crm.deals.basic_api.get_by_id(deal, associations=["companies"])
    assert company in {a.id for a in read_back.associations["companies"].results}


# ---- 6. the seeded portal's associations, and the primary company ----


def test_a_seeded_contacts_primary_company_from_both_sides(client):
    v4 = client.crm.associations.v4
    # The portal's seeded contacts with an email have their domain's company as primary.
    contact = next(c.id for c in client.crm.contacts.basic_api.get_page(limit=10).results if c.properties["email"])
    result, status, _ = read(client, "contacts", "companies", contact)
    assert status == 200
    [record] = result.results
    assert record._from.id == contact
    primaries = [t for t in record.to if CONTACT_TO_PRIMARY_COMPANY in {a.type_id for a in t.association_types}]
    # One primary company per record, listed with both of its types.
    assert len(primaries) == 1
    assert {a.type_id for a in primaries[0].association_types} == {CONTACT_TO_PRIMARY_COMPANY, CONTACT_TO_COMPANY}
    company = str(primaries[0].to_object_id)
    page = v4.basic_api.get_page("companies", company, "contacts", limit=500)
    assert [{a.type_id for a in t.association_types} for t in page.results if str(t.to_object_id) == contact] == [
        {COMPANY_TO_PRIMARY_CONTACT, COMPANY_TO_CONTACT}
    ]


def test_a_new_primary_company_replaces_the_old_one(fresh):
    client = fresh.client()
    v4 = client.crm.associations.v4
    contact = new_contacts(client, 1)[0]
    first, second = new_company(client, "Assoc First Primary"), new_company(client, "Assoc Second Primary")
    pair = v4.basic_api.create("contacts", contact, "companies", second, [spec(CONTACT_TO_PRIMARY_COMPANY)])
    assert (pair.from_object_id, pair.to_object_id) == (contact, second)
    associate(client, "contacts", "companies", [(contact, first)], CONTACT_TO_PRIMARY_COMPANY)
    # A record has one primary company: the newer one takes it, the older stays associated.
    result, _, _ = read(client, "contacts", "companies", contact)
    assert type_ids_by_record(result) == {
        contact: {first: {CONTACT_TO_PRIMARY_COMPANY, CONTACT_TO_COMPANY}, second: {CONTACT_TO_COMPANY}}
    }


def test_default_associations_between_deals_and_contacts(fresh):
    client = fresh.client()
    v4 = client.crm.associations.v4
    contact = new_contacts(client, 1)[0]
    deal = new_deal(client, "Deal with a contact")
    made = v4.batch_api.create_default(
        "deals",
        "contacts",
        BatchInputPublicDefaultAssociationMultiPost(
            inputs=[PublicDefaultAssociationMultiPost(_from=PublicObjectId(id=deal), to=PublicObjectId(id=contact))]
        ),
    )
    assert made.results[0].association_spec.association_type_id == DEAL_TO_CONTACT
    single = v4.basic_api.create_default("contacts", contact, "deals", deal)
    assert single.results[0].association_spec.association_type_id == CONTACT_TO_DEAL
    v4.basic_api.archive("deals", deal, "contacts", contact)
    assert v4.basic_api.get_page("deals", deal, "contacts").results == []


def test_associating_a_missing_record_is_a_404(fresh):
    client = fresh.client()
    contact = new_contacts(client, 1)[0]
    with pytest.raises(AssociationsApiException) as refused:
        client.crm.associations.v4.basic_api.create(
            "contacts", contact, "companies", "999999999", [spec(CONTACT_TO_COMPANY)]
        )
    assert refused.value.status == 404
    error_body(refused.value)
