//! A token without the companies or deals scopes: every object's refusal is the typed
//! `MissingScopes` naming the scope, nothing retried, and contacts still work.

use std::sync::Arc;

use hubsync_hubspot::{
    ClientConfig, ClientError, HubSpotClient, ObjectType, PortalLimiter, RateLimitSettings, Secret, Sent,
};
use hubsync_sandbox::{ControlSecret, PrivateToken, Sandbox, SandboxConfig};

use crate::props;

const CONTACTS_ONLY: &str = "pat-na1-contacts-only";
const READS_ONLY: &str = "pat-na1-reads-only";

async fn portal_with_narrow_tokens() -> Sandbox {
    let scopes = |list: &[&str]| list.iter().map(|s| s.to_string()).collect();
    Sandbox::start(SandboxConfig {
        private_tokens: vec![
            PrivateToken {
                token: CONTACTS_ONLY.into(),
                scopes: scopes(&["crm.objects.contacts.read", "crm.objects.contacts.write", "crm.objects.owners.read"]),
            },
            PrivateToken {
                token: READS_ONLY.into(),
                scopes: scopes(&["crm.objects.contacts.read", "crm.objects.companies.read", "crm.objects.deals.read"]),
            },
        ],
        control_secret: Some(ControlSecret::generate()),
        ..SandboxConfig::default()
    })
    .await
    .expect("sandbox starts")
}

fn client(sandbox: &Sandbox, token: &str) -> HubSpotClient {
    let limits = RateLimitSettings::private_app(100);
    HubSpotClient::new(
        ClientConfig::new(sandbox.base_url(), limits),
        Secret::new(token),
        Arc::new(PortalLimiter::new(limits)),
    )
    .unwrap()
}

/// The typed refusal, checked to be final and sent.
fn refused(error: ClientError, scope: &str) {
    assert_eq!((error.status(), error.code(), error.sent()), (Some(403), "missing_scopes", Sent::Yes), "{error}");
    let missing = error.missing_scopes_error().unwrap_or_else(|| panic!("not a MISSING_SCOPES: {error}"));
    assert!(missing.names(scope), "{missing:?} should name {scope}");
    assert_eq!(missing.to_string(), format!("this portal's connection lacks the scope {scope}"));
}

#[tokio::test]
async fn every_object_names_the_scope_its_call_lacks() {
    let sandbox = portal_with_narrow_tokens().await;
    let contacts_only = client(&sandbox, CONTACTS_ONLY);
    refused(contacts_only.list_companies(1, None, &[]).await.unwrap_err(), "crm.objects.companies.read");
    refused(contacts_only.batch_read_companies(&["1".into()], &[]).await.unwrap_err(), "crm.objects.companies.read");
    refused(
        contacts_only.search_companies_by_domains(&["acme.example".into()], &[]).await.unwrap_err(),
        "crm.objects.companies.read",
    );
    refused(contacts_only.batch_read_deals(&["1".into()], &[]).await.unwrap_err(), "crm.objects.deals.read");
    refused(contacts_only.list_deals(1, None, &[]).await.unwrap_err(), "crm.objects.deals.read");
    assert_eq!(contacts_only.api_calls(), 5, "a missing scope is never retried");
    // Contacts keep working without them.
    contacts_only.batch_upsert_by_email(&[("ann@example.com".into(), props(&[("firstname", "Ann")]))]).await.unwrap();

    let reads_only = client(&sandbox, READS_ONLY);
    reads_only.list_companies(1, None, &[]).await.unwrap();
    reads_only.batch_read_deals(&["1".into()], &[]).await.unwrap();
    let write = ObjectType::Companies.write_scope();
    refused(reads_only.batch_create_companies(&[("t".into(), props(&[("name", "Acme")]))]).await.unwrap_err(), write);
    refused(reads_only.batch_update_companies(&[("1".into(), props(&[("name", "Acme")]))]).await.unwrap_err(), write);
    refused(reads_only.batch_archive_companies(&["1".into()]).await.unwrap_err(), write);
    refused(reads_only.batch_archive_companies(&[]).await.unwrap_err(), write);
}

#[test]
fn the_typed_refusal_is_read_from_any_body_hubspot_sends() {
    use hubsync_hubspot::ErrorBody;
    let body = ErrorBody::parse(
        br#"{"status":"error","message":"This app hasn't been granted all required scopes to make this call.","category":"MISSING_SCOPES",
            "errors":[{"message":"One or more of the following scopes are required.","context":{"requiredGranularScopes":["crm.objects.deals.read","crm.objects.deals.write"]}}]}"#,
    );
    let error = ClientError::Api { status: 403, body: body.map(Box::new), message: "m".into() };
    let missing = error.missing_scopes_error().unwrap();
    assert_eq!(missing.required, ["crm.objects.deals.read", "crm.objects.deals.write"]);
    assert_eq!(
        missing.to_string(),
        "this portal's connection lacks one of the scopes crm.objects.deals.read, crm.objects.deals.write"
    );
    let other = ClientError::Api { status: 403, body: None, message: "Forbidden".into() };
    assert_eq!((other.missing_scopes_error(), other.code()), (None, "hubspot_forbidden"));
}
