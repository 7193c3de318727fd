//! HubSpot's error bodies, parsed leniently: every field is optional, and a reply that isn't
//! JSON at all (gateway pages) still yields what can be said about it.

use serde::Deserialize;
use serde_json::Value;

/// The `policyName` of a 429.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RateLimitPolicy {
    /// The rolling 10-second window: wait and retry.
    TenSecondlyRolling,
    /// Search's per-second limit: wait a second and retry.
    Secondly,
    /// The portal's daily cap: stop until the portal's midnight.
    Daily,
    Other,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub correlation_id: Option<String>,
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default)]
    pub sub_category: Option<Value>,
    #[serde(default)]
    pub errors: Vec<Value>,
    #[serde(default)]
    pub context: Option<Value>,
    #[serde(default)]
    pub error_type: Option<String>,
    #[serde(default)]
    pub policy_name: Option<String>,
}

impl ErrorBody {
    /// Parses a reply body; `None` when it isn't a JSON object (an HTML gateway page, a cut-off
    /// body).
    pub fn parse(bytes: &[u8]) -> Option<ErrorBody> {
        match serde_json::from_slice::<Value>(bytes).ok()? {
            value @ Value::Object(_) => serde_json::from_value(value).ok(),
            _ => None,
        }
    }

    pub fn rate_limit_policy(&self) -> Option<RateLimitPolicy> {
        let policy = self.policy_name.as_deref()?;
        Some(match policy {
            "TEN_SECONDLY_ROLLING" => RateLimitPolicy::TenSecondlyRolling,
            "SECONDLY" => RateLimitPolicy::Secondly,
            "DAILY" => RateLimitPolicy::Daily,
            _ => RateLimitPolicy::Other,
        })
    }

    /// The scopes a 403 MISSING_SCOPES names.
    pub fn missing_scopes(&self) -> Vec<String> {
        self.errors
            .iter()
            .filter_map(|e| e.pointer("/context/requiredGranularScopes"))
            .filter_map(Value::as_array)
            .flatten()
            .filter_map(|s| s.as_str().map(String::from))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_hubspots_shapes_and_tolerates_anything_else() {
        let limited = ErrorBody::parse(
            br#"{"status":"error","message":"You have reached your daily limit.","errorType":"RATE_LIMIT","correlationId":"c","policyName":"DAILY","requestId":"r"}"#,
        )
        .unwrap();
        assert_eq!(limited.rate_limit_policy(), Some(RateLimitPolicy::Daily));
        let scopes = ErrorBody::parse(
            br#"{"status":"error","message":"m","category":"MISSING_SCOPES","errors":[{"message":"x","context":{"requiredGranularScopes":["crm.objects.contacts.write"]}}]}"#,
        )
        .unwrap();
        assert_eq!(scopes.missing_scopes(), ["crm.objects.contacts.write"]);
        assert_eq!(ErrorBody::parse(b"<html><body>502 Bad Gateway</body></html>"), None);
        assert_eq!(ErrorBody::parse(br#"{"status":"err"#), None, "a cut-off body");
        assert_eq!(ErrorBody::parse(b"[1,2]"), None);
        assert_eq!(ErrorBody::parse(br#"{"category":7}"#), None, "a wrongly typed field is not a HubSpot body");
        assert_eq!(ErrorBody::parse(b"{}"), Some(ErrorBody::default()));
    }
}
