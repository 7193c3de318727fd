//! OAuth 2.0 endpoints: the consent page a browser sees, the token endpoint (v1, v3 and dated),
//! token info, introspection and revocation.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Response};
use serde_json::json;

use crate::app::{AppState, QueryParams};
use crate::config::KNOWN_SCOPES;
use crate::errors::json_response;
use crate::oauth::OAuthError;

fn form(body: &Bytes) -> HashMap<String, String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body).unwrap_or_default().into_iter().collect()
}

fn oauth_error(error: &OAuthError) -> Response {
    json_response(
        StatusCode::BAD_REQUEST,
        &json!({
            "status": error.status,
            "message": error.message,
            "correlationId": crate::errors::new_uuid(),
            "error": error.error,
            "error_description": error.message,
        }),
    )
}

fn escape(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '&' => "&amp;".into(),
            '<' => "&lt;".into(),
            '>' => "&gt;".into(),
            '"' => "&quot;".into(),
            '\'' => "&#39;".into(),
            c => c.to_string(),
        })
        .collect()
}

fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · HubSpot sandbox</title>
<style>
  :root {{ color-scheme: light dark; font-family: system-ui, sans-serif; }}
  body {{ margin: 0; display: grid; place-items: center; min-height: 100vh; background: Canvas; color: CanvasText; }}
  main {{ max-width: 30rem; padding: 2rem; border: 1px solid color-mix(in srgb, CanvasText 20%, transparent); border-radius: 12px; }}
  h1 {{ font-size: 1.3rem; margin-top: 0; }}
  .badge {{ display: inline-block; font-size: .75rem; padding: .1rem .5rem; border-radius: 999px; background: #ff7a59; color: #fff; }}
  ul {{ padding-left: 1.2rem; }}
  .actions {{ display: flex; gap: .75rem; margin-top: 1.5rem; }}
  button {{ font: inherit; padding: .55rem 1.2rem; border-radius: 6px; border: 1px solid #ff7a59; cursor: pointer; }}
  button[value=approve] {{ background: #ff7a59; color: #fff; }}
  button[value=deny] {{ background: transparent; color: inherit; }}
  code {{ font-size: .9em; }}
</style></head>
<body><main><span class="badge">Sandbox portal</span>
{body}
</main></body></html>"#,
        title = escape(title)
    );
    (status, Html(html)).into_response()
}

fn error_page(message: &str) -> Response {
    page(
        StatusCode::BAD_REQUEST,
        "Authorization failed",
        &format!("<h1>Authorization failed</h1><p>{}</p>", escape(message)),
    )
}

/// The parameters of an authorize request, checked.
struct AuthorizeRequest {
    client_id: String,
    redirect_uri: String,
    scopes: Vec<String>,
    state: Option<String>,
    code_challenge: Option<String>,
}

fn check_authorize(app: &AppState, params: &HashMap<String, String>) -> Result<AuthorizeRequest, String> {
    let get = |k: &str| params.get(k).map(String::as_str).unwrap_or("");
    let portal = app.portal();
    let client = portal.oauth.client(get("client_id")).ok_or_else(|| {
        format!("Unknown client_id {:?}: no app with this id is installed on the sandbox.", get("client_id"))
    })?;
    let redirect_uri = get("redirect_uri");
    if !client.redirect_uris.iter().any(|u| u == redirect_uri) {
        return Err(format!(
            "The redirect URL {redirect_uri:?} does not match any redirect URL registered for this app (the port must match too). Registered: {}.",
            client.redirect_uris.join(", ")
        ));
    }
    let split = |k: &str| get(k).split([' ', ',', '+']).filter(|s| !s.is_empty()).map(String::from).collect::<Vec<_>>();
    let mut scopes = split("scope");
    if scopes.is_empty() {
        return Err("The scope parameter is missing: an app must ask for at least one scope.".into());
    }
    if let Some(unknown) = scopes.iter().find(|s| !KNOWN_SCOPES.contains(&s.as_str())) {
        return Err(format!("The scope {unknown} is not a scope this portal can grant."));
    }
    // Optional scopes the portal can't grant are left out, not refused.
    for optional in split("optional_scope") {
        if KNOWN_SCOPES.contains(&optional.as_str()) && !scopes.contains(&optional) {
            scopes.push(optional);
        }
    }
    let code_challenge = match (params.get("code_challenge"), get("code_challenge_method")) {
        (None, _) => None,
        (Some(challenge), "S256") => Some(challenge.clone()),
        (Some(_), method) => {
            return Err(format!("code_challenge_method {method:?} is not supported; use S256."));
        }
    };
    Ok(AuthorizeRequest {
        client_id: client.client_id.clone(),
        redirect_uri: redirect_uri.to_string(),
        scopes,
        state: params.get("state").cloned(),
        code_challenge,
    })
}

fn redirect(to: String) -> Response {
    let mut response = StatusCode::FOUND.into_response();
    if let Ok(location) = HeaderValue::from_str(&to) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
}

fn redirect_with(redirect_uri: &str, params: &[(&str, &str)]) -> String {
    let joiner = if redirect_uri.contains('?') { '&' } else { '?' };
    format!("{redirect_uri}{joiner}{}", serde_urlencoded::to_string(params).expect("pairs encode"))
}

fn approve(app: &AppState, request: &AuthorizeRequest) -> Response {
    let mut portal = app.portal();
    let now = portal.now();
    let code = portal.oauth.issue_code(
        &request.client_id,
        &request.redirect_uri,
        request.scopes.clone(),
        request.code_challenge.clone(),
        now,
    );
    let mut params = vec![("code", code.as_str())];
    if let Some(state) = &request.state {
        params.push(("state", state));
    }
    redirect(redirect_with(&request.redirect_uri, &params))
}

pub async fn authorize_page(State(app): State<AppState>, uri: Uri) -> Response {
    let params: HashMap<String, String> = match QueryParams::from_uri(&uri) {
        Ok(_) => serde_urlencoded::from_str(uri.query().unwrap_or("")).unwrap_or_default(),
        Err(_) => return error_page("The authorization link is malformed."),
    };
    let request = match check_authorize(&app, &params) {
        Ok(r) => r,
        Err(message) => return error_page(&message),
    };
    if app.portal().config.oauth_auto_approve {
        return approve(&app, &request);
    }
    let (portal_id, domain, user) = {
        let p = app.portal();
        (p.info.portal_id, p.info.hub_domain.clone(), p.info.user_email.clone())
    };
    let hidden: String = params
        .iter()
        .map(|(k, v)| format!(r#"<input type="hidden" name="{}" value="{}">"#, escape(k), escape(v)))
        .collect();
    let scopes: String = request.scopes.iter().map(|s| format!("<li><code>{}</code></li>", escape(s))).collect();
    page(
        StatusCode::OK,
        "Connect app",
        &format!(
            r#"<h1>Connect an app to {domain}</h1>
<p>Signed in as <strong>{user}</strong>. Portal <strong>{portal_id}</strong>.</p>
<p>The app <code>{client}</code> asks for:</p><ul>{scopes}</ul>
<form method="post" action="/oauth/authorize">{hidden}
<div class="actions"><button type="submit" name="decision" value="approve">Connect app</button>
<button type="submit" name="decision" value="deny">Cancel</button></div></form>"#,
            domain = escape(&domain),
            user = escape(&user),
            client = escape(&request.client_id),
        ),
    )
}

pub async fn authorize_decision(State(app): State<AppState>, body: Bytes) -> Response {
    let params = form(&body);
    let request = match check_authorize(&app, &params) {
        Ok(r) => r,
        Err(message) => return error_page(&message),
    };
    if params.get("decision").map(String::as_str) == Some("approve") {
        return approve(&app, &request);
    }
    if app.portal().config.oauth_deny_redirects {
        let mut query = vec![("error", "access_denied"), ("error_description", "The user denied the request")];
        if let Some(state) = &request.state {
            query.push(("state", state));
        }
        return redirect(redirect_with(&request.redirect_uri, &query));
    }
    // HubSpot sends nothing back on a refusal: the app must time out or be cancelled.
    page(
        StatusCode::OK,
        "Access denied",
        "<h1>You did not connect the app</h1><p>Nothing was shared. You can close this tab.</p>",
    )
}

pub async fn token(State(app): State<AppState>, body: Bytes) -> Response {
    let form = form(&body);
    let mut portal = app.portal();
    let now = portal.now();
    portal.oauth.sweep(now);
    let hub_id = portal.info.portal_id;
    let issued = match form.get("grant_type").map(String::as_str) {
        Some("authorization_code") => portal.oauth.exchange_code(&form, now),
        Some("refresh_token") => portal.oauth.refresh(&form, now),
        other => {
            return oauth_error(&OAuthError {
                status: "BAD_GRANT_TYPE",
                error: "unsupported_grant_type",
                message: format!(
                    "grant_type must be authorization_code or refresh_token, got {:?}",
                    other.unwrap_or("")
                ),
            });
        }
    };
    match issued {
        Ok(tokens) => json_response(
            StatusCode::OK,
            &json!({
                "token_type": "bearer",
                "access_token": tokens.access_token,
                "refresh_token": tokens.refresh_token,
                "expires_in": tokens.expires_in,
                "hub_id": hub_id,
                "scopes": tokens.scopes,
            }),
        ),
        Err(e) => oauth_error(&e),
    }
}

fn not_found(what: &str) -> Response {
    json_response(
        StatusCode::NOT_FOUND,
        &crate::errors::error_body(
            &format!("{what} not found or expired"),
            "OBJECT_NOT_FOUND",
            &crate::errors::new_uuid(),
        ),
    )
}

/// Who and where a token belongs to, as every token-info reply says it.
fn token_owner(info: &crate::config::PortalInfo, scopes: &[String]) -> serde_json::Value {
    json!({
        "user": info.user_email,
        "user_id": info.user_id,
        "hub_id": info.portal_id,
        "hub_domain": info.hub_domain,
        "scopes": scopes,
    })
}

pub async fn access_token_info(State(app): State<AppState>, Path(token): Path<String>) -> Response {
    let portal = app.portal();
    let now = portal.now();
    let Some(grant) = portal.oauth.access.get(&token).filter(|g| g.expires_at > now) else {
        return not_found("Access token");
    };
    let mut body = token_owner(&portal.info, &grant.scopes);
    body["token"] = json!(token);
    body["app_id"] = json!(grant.app_id);
    body["expires_in"] = json!((grant.expires_at - now).num_seconds());
    body["token_type"] = json!("access");
    json_response(StatusCode::OK, &body)
}

pub async fn refresh_token_info(State(app): State<AppState>, Path(token): Path<String>) -> Response {
    let portal = app.portal();
    let Some(grant) = portal.oauth.refresh.get(&token).filter(|g| !g.revoked) else {
        return not_found("Refresh token");
    };
    let mut body = token_owner(&portal.info, &grant.scopes);
    body["token"] = json!(token);
    body["client_id"] = json!(grant.client_id);
    body["token_type"] = json!("refresh");
    json_response(StatusCode::OK, &body)
}

pub async fn delete_refresh_token(State(app): State<AppState>, Path(token): Path<String>) -> Response {
    if app.portal().oauth.revoke_refresh(&token) {
        StatusCode::NO_CONTENT.into_response()
    } else {
        not_found("Refresh token")
    }
}

pub async fn introspect(State(app): State<AppState>, body: Bytes) -> Response {
    let form = form(&body);
    let field = |k: &str| form.get(k).map(String::as_str).unwrap_or("");
    let portal = app.portal();
    if let Err(e) = portal.oauth.check_client(field("client_id"), field("client_secret")) {
        return oauth_error(&e);
    }
    let now = portal.now();
    let token = field("token");
    let base = |scopes: &[String], kind: &str| {
        let mut body = token_owner(&portal.info, scopes);
        body["active"] = json!(true);
        body["token_use"] = json!(kind);
        body["client_id"] = json!(field("client_id"));
        body["scope"] = json!(scopes.join(" "));
        body
    };
    let body = if let Some(grant) = portal.oauth.access.get(token).filter(|g| g.expires_at > now) {
        let mut body = base(&grant.scopes, "access_token");
        body["exp"] = json!(grant.expires_at.timestamp());
        body["app_id"] = json!(grant.app_id);
        body
    } else if let Some(grant) = portal.oauth.refresh.get(token).filter(|g| !g.revoked) {
        base(&grant.scopes, "refresh_token")
    } else {
        json!({ "active": false })
    };
    json_response(StatusCode::OK, &body)
}

pub async fn revoke(State(app): State<AppState>, body: Bytes) -> Response {
    let form = form(&body);
    let field = |k: &str| form.get(k).map(String::as_str).unwrap_or("");
    let mut portal = app.portal();
    if let Err(e) = portal.oauth.check_client(field("client_id"), field("client_secret")) {
        return oauth_error(&e);
    }
    let token = field("token").to_string();
    let now = portal.now();
    portal.oauth.revoke_refresh(&token);
    if let Some(grant) = portal.oauth.access.get_mut(&token) {
        grant.expires_at = grant.expires_at.min(now);
    }
    // RFC 7009: an unknown token is not an error.
    StatusCode::OK.into_response()
}
