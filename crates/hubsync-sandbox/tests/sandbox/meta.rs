//! Properties, owners and account info.

use serde_json::{Value, json};

use hubsync_sandbox::AccountType;

use crate::support::{assert_error, start, start_with};

#[tokio::test]
async fn properties_list_defaults_and_custom_properties_of_every_type() {
    let portal = start(0).await;
    let reply = portal.get("/crm/v3/properties/contacts").await;
    assert_eq!(reply.status, 200);
    assert!(reply.body.get("paging").is_none(), "the properties list has no paging");
    let results = reply.body["results"].as_array().unwrap();
    let find = |name: &str| results.iter().find(|p| p["name"] == name).unwrap_or_else(|| panic!("no {name}")).clone();
    for name in [
        "email",
        "firstname",
        "lastname",
        "phone",
        "mobilephone",
        "company",
        "jobtitle",
        "website",
        "city",
        "state",
        "country",
        "industry",
        "numemployees",
        "annualrevenue",
        "lifecyclestage",
        "hs_lead_status",
        "hubspot_owner_id",
        "hs_additional_emails",
        "createdate",
        "lastmodifieddate",
        "hs_object_id",
    ] {
        let p = find(name);
        assert_eq!(p["hubspotDefined"], true, "{name}");
        for key in ["label", "type", "fieldType", "groupName", "description", "options", "modificationMetadata"] {
            assert!(p.get(key).is_some(), "{name} lacks {key}");
        }
    }
    let lifecycle = find("lifecyclestage");
    let stages: Vec<&str> =
        lifecycle["options"].as_array().unwrap().iter().map(|o| o["value"].as_str().unwrap()).collect();
    assert_eq!(
        stages[..7],
        ["subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity", "customer", "evangelist"]
    );
    let owner = find("hubspot_owner_id");
    assert_eq!((owner["externalOptions"].clone(), owner["options"].clone()), (json!(true), json!([])));
    assert_eq!(find("hs_object_id")["modificationMetadata"]["readOnlyValue"], true);
    assert_eq!(find("hs_email_domain")["calculated"], true);

    let custom: Vec<&Value> = results.iter().filter(|p| p["hubspotDefined"] == false).collect();
    let mut types: Vec<&str> = custom.iter().map(|p| p["type"].as_str().unwrap()).collect();
    types.sort_unstable();
    types.dedup();
    assert_eq!(types, ["bool", "date", "datetime", "enumeration", "number", "phone_number", "string"]);
    let field_types: Vec<&str> = custom.iter().map(|p| p["fieldType"].as_str().unwrap()).collect();
    for ft in ["select", "radio", "checkbox", "booleancheckbox", "textarea", "date", "number", "text", "phonenumber"] {
        assert!(field_types.contains(&ft), "no custom {ft}");
    }

    let one = portal.get("/crm/v3/properties/contacts/customer_tier").await;
    assert_eq!(one.body["options"][0]["value"], "gold");
    assert_error(&portal.get("/crm/v3/properties/contacts/nope").await, 404, "OBJECT_NOT_FOUND");
}

#[tokio::test]
async fn owners_active_by_default_deactivated_with_archived_true() {
    let portal = start(20).await;
    let active = portal.get("/crm/v3/owners").await;
    let active = active.body["results"].as_array().unwrap().clone();
    assert_eq!(active.len(), 9);
    assert!(active.iter().all(|o| o["archived"] == false && o["userId"].is_u64() && o["type"] == "PERSON"));
    let archived = portal.get("/crm/v3/owners?archived=true").await;
    let archived = archived.body["results"].as_array().unwrap().clone();
    assert_eq!(archived.len(), 3);
    assert!(
        archived
            .iter()
            .all(|o| o["archived"] == true && o["userId"].is_null() && o["userIdIncludingInactive"].is_u64())
    );

    // HubSpot's own clients call the list with a trailing slash.
    let slashed = portal.get("/crm/v3/owners/?limit=100").await;
    assert_eq!(slashed.body["results"].as_array().map(Vec::len), Some(9), "{}", slashed.text);
    assert_eq!(portal.get("/crm/owners/2026-03/").await.status, 200);

    let email = active[0]["email"].as_str().unwrap().to_uppercase();
    let by_email = portal.get(&format!("/crm/v3/owners?email={email}")).await;
    assert_eq!(by_email.body["results"].as_array().unwrap().len(), 1);
    let page = portal.get("/crm/v3/owners?limit=4").await;
    assert_eq!(page.body["paging"]["next"]["after"], "4");
    let id = active[0]["id"].as_str().unwrap();
    assert_eq!(portal.get(&format!("/crm/v3/owners/{id}")).await.body["id"], id);
    let deactivated_id = archived[0]["id"].as_str().unwrap();
    assert_error(&portal.get(&format!("/crm/v3/owners/{deactivated_id}")).await, 404, "OBJECT_NOT_FOUND");
    assert_eq!(portal.get(&format!("/crm/v3/owners/{deactivated_id}?archived=true")).await.status, 200);

    // A contact may point at a deactivated owner.
    let contact =
        portal.create_contact(json!({ "email": "owned@example.com", "hubspot_owner_id": deactivated_id })).await;
    assert_eq!(contact.prop("hubspot_owner_id"), deactivated_id);
}

#[tokio::test]
async fn account_details_and_daily_usage() {
    let portal = start(0).await;
    let details = portal.get("/account-info/v3/details").await;
    assert_eq!(details.body["portalId"], portal.sandbox.portal_id());
    assert_eq!(details.body["utcOffset"], "-05:00");
    assert_eq!(details.body["timeZone"], "US/Eastern");
    assert_eq!(details.body["accountType"], "SANDBOX", "a sandbox says it is one unless told otherwise");
    let usage = portal.get("/account-info/v3/api-usage/daily/private-apps").await;
    let usage = &usage.body["results"][0];
    assert_eq!(usage["usageLimit"], 250_000);
    assert!(usage["currentUsage"].as_u64().unwrap() >= 1);
}

/// A client tells a test account from production by `accountType`: the sandbox says whichever
/// kind it was started as.
#[tokio::test]
async fn account_details_say_the_account_type_it_was_started_with() {
    for (kind, said) in [
        (AccountType::Standard, "STANDARD"),
        (AccountType::Sandbox, "SANDBOX"),
        (AccountType::DeveloperTest, "DEVELOPER_TEST"),
        (AccountType::AppDeveloper, "APP_DEVELOPER"),
    ] {
        let portal = start_with(0, |config| config.portal.account_type = kind).await;
        let details = portal.get("/account-info/v3/details").await;
        assert_eq!(details.body["accountType"], said, "{kind:?}");
    }
}
