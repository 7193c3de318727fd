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

    /// The rows of a property-value refusal (400 VALIDATION_ERROR): HubSpot puts them as a JSON
    /// array inside `message` ("Property values were not valid: [...]"); without it, the
    /// `errors` list's messages with their `context.propertyName`. Empty for any other error.
    pub fn property_problems(&self) -> Vec<PropertyProblem> {
        const PREFIX: &str = "Property values were not valid: ";
        if let Some(list) = self.message.as_deref().and_then(|m| m.strip_prefix(PREFIX))
            && let Ok(items) = serde_json::from_str::<Vec<Value>>(list)
        {
            let text = |item: &Value, key: &str| item.get(key).and_then(Value::as_str).map(String::from);
            let problems: Vec<PropertyProblem> = items
                .iter()
                .filter_map(|item| {
                    Some(PropertyProblem {
                        property: text(item, "name"),
                        message: text(item, "message")?,
                        code: text(item, "error"),
                    })
                })
                .collect();
            if !problems.is_empty() {
                return problems;
            }
        }
        if self.category.as_deref() != Some("VALIDATION_ERROR") {
            return Vec::new();
        }
        self.errors
            .iter()
            .filter_map(|e| {
                Some(PropertyProblem {
                    property: e.pointer("/context/propertyName/0").and_then(Value::as_str).map(String::from),
                    message: e.get("message")?.as_str()?.to_string(),
                    code: e.get("code").and_then(Value::as_str).map(String::from),
                })
            })
            .collect()
    }

    /// The scopes a 403 MISSING_SCOPES names (`requiredGranularScopes`, or `requiredScopes` in
    /// older bodies); any one of them would do.
    pub fn missing_scopes(&self) -> Vec<String> {
        let mut scopes: Vec<String> = Vec::new();
        for key in ["/context/requiredGranularScopes", "/context/requiredScopes"] {
            let named = self.errors.iter().filter_map(|e| e.pointer(key)).filter_map(Value::as_array).flatten();
            for scope in named.filter_map(Value::as_str) {
                if !scopes.iter().any(|s| s == scope) {
                    scopes.push(scope.to_string());
                }
            }
        }
        scopes
    }
}

/// Scopes a 403 named, in words: `the scope a`, or `one of the scopes a, b` (any one would do).
pub fn describe_scopes(scopes: &[String]) -> String {
    match scopes {
        [] => "a scope HubSpot did not name".into(),
        [scope] => format!("the scope {scope}"),
        _ => format!("one of the scopes {}", scopes.join(", ")),
    }
}

/// One property HubSpot refused a value for, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PropertyProblem {
    pub property: Option<String>,
    pub message: String,
    /// INVALID_OPTION, INVALID_INTEGER, INVALID_EMAIL, READ_ONLY_VALUE, PROPERTY_DOESNT_EXIST, …
    pub code: Option<String>,
}

impl std::fmt::Display for PropertyProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.property {
            // HubSpot's messages often start with the value, not the property: name it first.
            Some(property) => write!(f, "{property}: {}", self.message)?,
            None => f.write_str(&self.message)?,
        }
        match &self.code {
            Some(code) => write!(f, " ({code})"),
            None => Ok(()),
        }
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
        let older = ErrorBody::parse(
            br#"{"category":"MISSING_SCOPES","errors":[{"context":{"requiredScopes":["contacts"]}}]}"#,
        )
        .unwrap();
        assert_eq!(older.missing_scopes(), ["contacts"]);
        assert_eq!(describe_scopes(&older.missing_scopes()), "the scope contacts");
        assert_eq!(ErrorBody::parse(b"<html><body>502 Bad Gateway</body></html>"), None);
        assert_eq!(ErrorBody::parse(br#"{"status":"err"#), None, "a cut-off body");
        assert_eq!(ErrorBody::parse(b"[1,2]"), None);
        assert_eq!(ErrorBody::parse(br#"{"category":7}"#), None, "a wrongly typed field is not a HubSpot body");
        assert_eq!(ErrorBody::parse(b"{}"), Some(ErrorBody::default()));
    }

    #[test]
    fn property_problems_come_out_of_the_message_or_the_errors_list() {
        let body = ErrorBody::parse(
            br#"{"status":"error","category":"VALIDATION_ERROR","message":"Property values were not valid: [{\"isValid\":false,\"message\":\"bronze was not one of the allowed options: [gold, silver]\",\"error\":\"INVALID_OPTION\",\"name\":\"tier\"}]"}"#,
        )
        .unwrap();
        let problems = body.property_problems();
        assert_eq!(problems.len(), 1);
        assert_eq!(
            problems[0].to_string(),
            "tier: bronze was not one of the allowed options: [gold, silver] (INVALID_OPTION)"
        );

        let listed = ErrorBody::parse(
            br#"{"category":"VALIDATION_ERROR","message":"Property values were not valid: [cut","errors":[{"message":"abc is not a valid integer","code":"INVALID_INTEGER","context":{"propertyName":["score"]}}]}"#,
        )
        .unwrap();
        assert_eq!(listed.property_problems()[0].to_string(), "score: abc is not a valid integer (INVALID_INTEGER)");

        let other = ErrorBody::parse(
            br#"{"category":"CONFLICT","message":"Contact already exists","errors":[{"message":"x"}]}"#,
        );
        assert!(other.unwrap().property_problems().is_empty());
    }
}
