//! A sandbox per test, and a small HTTP client that keeps status, headers and JSON together.

use hubsync_sandbox::{CONTROL_SECRET_HEADER, ControlSecret, PrivateToken, Sandbox, SandboxConfig};
use reqwest::header::HeaderMap;
use serde_json::{Value, json};

pub const TOKEN: &str = "pat-na1-11111111-2222-3333-4444-555555555555";
pub const READ_ONLY_TOKEN: &str = "pat-na1-read-only";

pub struct Portal {
    pub sandbox: Sandbox,
    pub http: reqwest::Client,
    pub base: String,
    pub token: String,
}

#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub text: String,
    pub body: Value,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// A property of a record reply.
    pub fn prop(&self, name: &str) -> &Value {
        &self.body["properties"][name]
    }
}

/// A sandbox with `seed_contacts` generated contacts, rate limits off unless the test turns
/// them on, two private tokens (one with every scope, one that can only read contacts) and a
/// control API.
pub async fn start(seed_contacts: usize) -> Portal {
    start_with(seed_contacts, |_| {}).await
}

/// A sandbox like `start(0)`'s with one more private token, granted only `scopes`.
pub async fn start_with_token(token: &str, scopes: &[&str]) -> Portal {
    let scopes = scopes.iter().map(|s| s.to_string()).collect();
    start_with(0, |config| config.private_tokens.push(PrivateToken { token: token.into(), scopes })).await
}

pub async fn start_with(seed_contacts: usize, tweak: impl FnOnce(&mut SandboxConfig)) -> Portal {
    // What search finds, not when: the tests of its lag (`search.rs`) set one of their own.
    let mut config = SandboxConfig {
        seed_contacts,
        rate_limits: false,
        search_visibility_delay_ms: 0,
        control_secret: Some(ControlSecret::generate()),
        ..SandboxConfig::default()
    };
    config.private_tokens.push(PrivateToken::new(TOKEN));
    config
        .private_tokens
        .push(PrivateToken { token: READ_ONLY_TOKEN.into(), scopes: vec!["crm.objects.contacts.read".into()] });
    tweak(&mut config);
    let sandbox = Sandbox::start(config).await.expect("sandbox starts");
    let base = sandbox.base_url();
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    Portal { sandbox, http, base, token: TOKEN.into() }
}

impl Portal {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn send(&self, method: reqwest::Method, path: &str, body: Option<Value>, token: Option<&str>) -> Reply {
        let mut request = self.http.request(method, self.url(path));
        if path.starts_with("/__sandbox/") {
            request = request.header(CONTROL_SECRET_HEADER, self.control_secret());
        }
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request is answered");
        into_reply(response).await
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send(reqwest::Method::GET, path, None, Some(&self.token)).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.send(reqwest::Method::POST, path, Some(body), Some(&self.token)).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> Reply {
        self.send(reqwest::Method::PATCH, path, Some(body), Some(&self.token)).await
    }

    pub async fn put(&self, path: &str, body: Value) -> Reply {
        self.send(reqwest::Method::PUT, path, Some(body), None).await
    }

    pub async fn delete(&self, path: &str) -> Reply {
        self.send(reqwest::Method::DELETE, path, None, Some(&self.token)).await
    }

    /// A control-API call (no token).
    pub async fn control(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Reply {
        self.send(method, &format!("/__sandbox{path}"), body, None).await
    }

    pub fn control_secret(&self) -> &str {
        self.sandbox.control_secret().expect("the test's sandbox has a control API")
    }

    pub async fn create_contact(&self, properties: Value) -> Reply {
        let reply = self.post("/crm/v3/objects/contacts", json!({ "properties": properties })).await;
        assert_eq!(reply.status, 201, "create failed: {}", reply.text);
        reply
    }

    /// Creates a record of a type (`companies`, `deals`, …) and returns the reply (201 asserted).
    pub async fn create_record(&self, object: &str, properties: Value) -> Reply {
        let reply = self.post(&format!("/crm/v3/objects/{object}"), json!({ "properties": properties })).await;
        assert_eq!(reply.status, 201, "create {object} failed: {}", reply.text);
        reply
    }

    /// Every record of a type as the portal holds it, archived ones included.
    pub async fn all_records(&self, object: &str) -> Vec<Value> {
        let reply = self.control(reqwest::Method::GET, &format!("/{object}"), None).await;
        reply.body["results"].as_array().expect("results").clone()
    }

    pub async fn counters(&self) -> Value {
        self.control(reqwest::Method::GET, "/counters", None).await.body
    }

    /// Every contact as the portal holds it, archived ones included.
    pub async fn all_contacts(&self) -> Vec<Value> {
        let reply = self.control(reqwest::Method::GET, "/contacts", None).await;
        reply.body["results"].as_array().expect("results").clone()
    }
}

pub async fn into_reply(response: reqwest::Response) -> Reply {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.expect("body arrives whole");
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    Reply { status, headers, text, body }
}

/// The rejected values a VALIDATION_ERROR lists in its message: (name, code, message) each.
pub fn property_refusals(reply: &Reply) -> Vec<(String, String, String)> {
    assert_error(reply, 400, "VALIDATION_ERROR");
    let message = reply.body["message"].as_str().unwrap_or_default();
    let listed = message.strip_prefix("Property values were not valid: ").unwrap_or_else(|| panic!("{message}"));
    let listed: Vec<Value> = serde_json::from_str(listed).expect("the list is JSON");
    listed
        .iter()
        .map(|e| {
            let field = |k: &str| e[k].as_str().unwrap_or_default().to_string();
            (field("name"), field("error"), field("message"))
        })
        .collect()
}

/// The HubSpot error body's common fields.
pub fn assert_error(reply: &Reply, status: u16, category: &str) {
    assert_eq!(reply.status, status, "{}", reply.text);
    assert_eq!(reply.body["status"], "error", "{}", reply.text);
    assert_eq!(reply.body["category"], category, "{}", reply.text);
    assert!(reply.body["correlationId"].as_str().is_some_and(|c| c.len() == 36), "{}", reply.text);
    assert!(reply.body["message"].as_str().is_some_and(|m| !m.is_empty()));
}
