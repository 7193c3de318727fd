"""Helpers the fidelity tests share: reading HubSpot's error bodies, the lenient client for 207s,
searches, the MISSING_SCOPES body, and letting the sandbox's search catch up with its writes."""

import json
import math
import re

import pytest
from hubspot.crm import contacts

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# HubSpot's 403 when a token lacks the scope an endpoint needs (shared/hubspot-api.md, "Scopes").
MISSING_SCOPES_MESSAGE = (
    "This app hasn't been granted all required scopes to make this call. "
    "Read more about required scopes here: https://developers.hubspot.com/scopes."
)
PROPERTY_ERRORS_PREFIX = "Property values were not valid: "
# HubSpot's lifecycle stages in their order, shared by contacts and companies.
LIFECYCLE_STAGES = [
    "subscriber",
    "lead",
    "marketingqualifiedlead",
    "salesqualifiedlead",
    "opportunity",
    "customer",
    "evangelist",
]


def error_body(exc) -> dict:
    """The JSON error body the client hands back as text on its exception, checked for the fields
    every HubSpot API error carries."""
    body = json.loads(exc.body)
    assert body["status"] == "error"
    assert UUID.fullmatch(body["correlationId"])
    assert body["message"]
    return body


def property_problems(exc) -> list[dict]:
    """The per-property entries of a 400 "Property values were not valid: [...]" body."""
    body = error_body(exc)
    assert body["category"] == "VALIDATION_ERROR"
    assert body["message"].startswith(PROPERTY_ERRORS_PREFIX)
    problems = json.loads(body["message"][len(PROPERTY_ERRORS_PREFIX) :])
    assert all(p["isValid"] is False and p["message"] for p in problems)
    return problems


def assert_missing_scope(exc, scope: str):
    """`exc` is HubSpot's 403 MISSING_SCOPES naming `scope` among the ones that would do."""
    assert exc.status == 403
    body = error_body(exc)
    assert body["category"] == "MISSING_SCOPES"
    assert body["message"] == MISSING_SCOPES_MESSAGE
    [detail] = body["errors"]
    assert detail["message"] == "One or more of the following scopes are required."
    assert scope in detail["context"]["requiredGranularScopes"]
    assert body["links"] == {"scopes": "https://developers.hubspot.com/scopes"}


def archive_and_find_archived(api, record_id: str, api_exception):
    """Archives a record through an object's basic API and checks it is gone as HubSpot has it:
    204, then 404 OBJECT_NOT_FOUND, found again only with archived=true. Returns that read."""
    _, status, _ = api.archive_with_http_info(record_id)
    assert status == 204
    with pytest.raises(api_exception) as raised:
        api.get_by_id(record_id)
    assert raised.value.status == 404
    assert error_body(raised.value)["category"] == "OBJECT_NOT_FOUND"
    archived = api.get_by_id(record_id, archived=True)
    assert archived.archived is True and archived.archived_at is not None
    return archived


def lenient(sandbox):
    """A client as 12.x ships it, with client-side validation off, for replies that carry 207 errors.

    HubSpot's 207 error entries hold status, category, message and context only (see the spec),
    while the client's StandardError model marks `links` and `errors` as required too: with
    validation on, the client would reject HubSpot's own 207s.
    """
    return sandbox.client(strict=False)


def search(api, *groups, models=contacts, **request):
    """Runs a search; each group is a list of keyword dicts for the client's Filter model.

    `models` is the client package whose request models to use (contacts, companies, deals: the
    three serialize alike)."""
    filter_groups = [models.FilterGroup(filters=[models.Filter(**f) for f in group]) for group in groups]
    return api.do_search(models.PublicObjectSearchRequest(filter_groups=filter_groups, **request))


def let_search_catch_up(sandbox):
    """Moves the portal's clock past its search lag, so every write so far is searchable.

    HubSpot's search is eventually consistent: a record written a moment ago may not be found
    yet. The sandbox models that lag on its own clock, which its control API can move forward,
    so the tests wait for it without sleeping.
    """
    lag_ms = sandbox.control("GET", "/settings")["searchVisibilityDelayMs"]
    sandbox.control("POST", "/clock", {"advanceSeconds": math.ceil(lag_ms / 1000) + 1})
