//! CRM search: HubSpot's filter groups, operators, one sort, paging and limits, over what search
//! can see of one object type's records (writes reach it after the configured delay).

use std::cmp::Ordering;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;

use crate::errors::ApiError;
use crate::model::{Properties, Record};
use crate::object_type::ObjectType;
use crate::portal::Portal;
use crate::properties::{PropertyDef, PropertyType, parse_date_value, parse_datetime_value};

pub const MAX_GROUPS: usize = 5;
pub const MAX_FILTERS_PER_GROUP: usize = 6;
pub const MAX_FILTERS: usize = 18;
pub const MAX_BODY_CHARS: usize = 3000;
pub const MAX_LIMIT: usize = 200;
pub const DEFAULT_LIMIT: usize = 10;
pub const MAX_RESULTS: usize = 10_000;

/// Properties the free-text `query` looks in: for companies and deals, the ones HubSpot's search
/// guide lists as searched by default.
fn query_properties(object: ObjectType) -> &'static [&'static str] {
    match object {
        ObjectType::Contact => {
            &["firstname", "lastname", "email", "phone", "company", "website", "hs_additional_emails"]
        }
        ObjectType::Company => &["name", "domain", "website", "phone"],
        ObjectType::Deal => &["dealname", "pipeline", "dealstage", "description", "dealtype"],
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchRequest {
    #[serde(default)]
    pub filter_groups: Vec<FilterGroup>,
    #[serde(default)]
    pub sorts: Vec<Sort>,
    #[serde(default)]
    pub query: Option<String>,
    #[serde(default)]
    pub properties: Vec<String>,
    #[serde(default)]
    pub limit: Option<Value>,
    #[serde(default)]
    pub after: Option<Value>,
}

#[derive(Debug, Deserialize)]
pub struct FilterGroup {
    #[serde(default)]
    pub filters: Vec<Filter>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Filter {
    pub property_name: String,
    pub operator: String,
    #[serde(default)]
    pub value: Option<Value>,
    #[serde(default)]
    pub values: Option<Vec<Value>>,
    #[serde(default)]
    pub high_value: Option<Value>,
}

/// HubSpot accepts a sort as `{propertyName, direction}` or as a bare property name.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum Sort {
    Spec {
        #[serde(rename = "propertyName")]
        property_name: String,
        #[serde(default)]
        direction: Option<String>,
    },
    Name(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Operator {
    Eq,
    Neq,
    Lt,
    Lte,
    Gt,
    Gte,
    Between,
    In,
    NotIn,
    HasProperty,
    NotHasProperty,
    ContainsToken,
    NotContainsToken,
}

impl Operator {
    fn parse(raw: &str) -> Option<Operator> {
        Some(match raw {
            "EQ" => Operator::Eq,
            "NEQ" => Operator::Neq,
            "LT" => Operator::Lt,
            "LTE" => Operator::Lte,
            "GT" => Operator::Gt,
            "GTE" => Operator::Gte,
            "BETWEEN" => Operator::Between,
            "IN" => Operator::In,
            "NOT_IN" => Operator::NotIn,
            "HAS_PROPERTY" => Operator::HasProperty,
            "NOT_HAS_PROPERTY" => Operator::NotHasProperty,
            "CONTAINS_TOKEN" => Operator::ContainsToken,
            "NOT_CONTAINS_TOKEN" => Operator::NotContainsToken,
            _ => return None,
        })
    }
}

/// A filter checked against the portal's properties, ready to test records.
struct CompiledFilter<'a> {
    def: &'a PropertyDef,
    op: Operator,
    value: Option<String>,
    values: Vec<String>,
    high: Option<String>,
}

pub struct SearchPage {
    pub total: usize,
    pub results: Vec<Value>,
    pub next_after: Option<usize>,
}

fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn parse_count(value: &Option<Value>, name: &str) -> Result<Option<usize>, ApiError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(v) => scalar(v).and_then(|s| s.parse::<usize>().ok()).map(Some).ok_or_else(|| {
            ApiError::Validation(format!("Invalid input JSON: {name} must be a non-negative integer, got {v}"))
        }),
    }
}

/// Runs a search body (its raw text, so the size limit can be checked) against the portal's
/// records of one type.
pub fn run(portal: &Portal, object: ObjectType, raw_body: &str) -> Result<SearchPage, ApiError> {
    let chars = raw_body.chars().count();
    if chars > MAX_BODY_CHARS {
        return Err(ApiError::Validation(format!(
            "Search request body is {chars} characters; the maximum is {MAX_BODY_CHARS}."
        )));
    }
    let request: SearchRequest = serde_json::from_str(if raw_body.trim().is_empty() { "{}" } else { raw_body })
        .map_err(|e| {
            ApiError::Validation(format!("Invalid input JSON on line {}, column {}: {e}", e.line(), e.column()))
        })?;

    if request.filter_groups.len() > MAX_GROUPS {
        return Err(ApiError::Validation(format!(
            "Too many filter groups: {}. The maximum is {MAX_GROUPS}.",
            request.filter_groups.len()
        )));
    }
    let mut total_filters = 0;
    for group in &request.filter_groups {
        if group.filters.len() > MAX_FILTERS_PER_GROUP {
            return Err(ApiError::Validation(format!(
                "Too many filters in a filter group: {}. The maximum is {MAX_FILTERS_PER_GROUP}.",
                group.filters.len()
            )));
        }
        total_filters += group.filters.len();
    }
    if total_filters > MAX_FILTERS {
        return Err(ApiError::Validation(format!(
            "Too many filters: {total_filters}. The maximum is {MAX_FILTERS} across all filter groups."
        )));
    }
    if request.sorts.len() > 1 {
        return Err(ApiError::Validation("Only one sort is allowed per search request.".into()));
    }
    let limit = parse_count(&request.limit, "limit")?.unwrap_or(DEFAULT_LIMIT);
    if limit > MAX_LIMIT {
        return Err(ApiError::Validation(format!("limit must be at most {MAX_LIMIT}, got {limit}.")));
    }
    let after = parse_count(&request.after, "after")?.unwrap_or(0);
    if after >= MAX_RESULTS {
        return Err(ApiError::Validation(format!(
            "Paging past {MAX_RESULTS} results is not supported: after={after}. Narrow the search, for example by hs_object_id or {} ranges.",
            object.last_modified_property()
        )));
    }

    let groups = compile_groups(portal, object, &request.filter_groups)?;
    let sort = match request.sorts.first() {
        None => None,
        Some(Sort::Name(name)) => Some((name.clone(), true)),
        Some(Sort::Spec { property_name, direction }) => {
            let ascending = match direction.as_deref().map(str::to_ascii_uppercase).as_deref() {
                None | Some("ASCENDING") | Some("ASC") => true,
                Some("DESCENDING") | Some("DESC") => false,
                Some(other) => {
                    return Err(ApiError::Validation(format!(
                        "Invalid sort direction {other}: use ASCENDING or DESCENDING."
                    )));
                }
            };
            Some((property_name.clone(), ascending))
        }
    };
    let sort_def = match &sort {
        Some((name, _)) => Some(
            portal
                .property(object, name)
                .ok_or_else(|| ApiError::Validation(format!("Cannot sort by {name}: the property does not exist.")))?,
        ),
        None => None,
    };
    let query_tokens: Vec<String> = request.query.as_deref().map(tokenize).unwrap_or_default();

    let now = portal.now();
    let mut matches: Vec<(&Record, &Properties)> = portal
        .store(object)
        .iter()
        .filter_map(|c| c.searchable(now).map(|p| (c, p.as_ref())))
        .filter(|(_, props)| groups.is_empty() || groups.iter().any(|g| g.iter().all(|f| f.matches(props))))
        .filter(|(_, props)| query_matches(query_properties(object), props, &query_tokens))
        .collect();
    if let (Some(def), Some((_, ascending))) = (sort_def, &sort) {
        matches.sort_by(|(a_c, a), (b_c, b)| {
            let order = compare_optional(def, a.get(&def.name), b.get(&def.name), *ascending);
            order.then(a_c.id.cmp(&b_c.id))
        });
    }
    let total = matches.len();
    let selection = portal.selection(object, &request.properties);
    let end = (after + limit).min(total).min(MAX_RESULTS);
    let results = matches
        .get(after.min(end)..end)
        .unwrap_or(&[])
        .iter()
        .map(|(c, props)| crate::model::render_record(c, props, &selection))
        .collect();
    // The cursor past the last page HubSpot allows is still handed out; using it is the 400.
    let next_after = (end < total).then_some(end);
    Ok(SearchPage { total, results, next_after })
}

fn compile_groups<'a>(
    portal: &'a Portal,
    object: ObjectType,
    groups: &[FilterGroup],
) -> Result<Vec<Vec<CompiledFilter<'a>>>, ApiError> {
    groups.iter().map(|g| g.filters.iter().map(|f| compile(portal, object, f)).collect::<Result<Vec<_>, _>>()).collect()
}

fn compile<'a>(portal: &'a Portal, object: ObjectType, filter: &Filter) -> Result<CompiledFilter<'a>, ApiError> {
    let op = Operator::parse(&filter.operator).ok_or_else(|| {
        ApiError::Validation(format!(
            "Invalid operator {}: use one of EQ, NEQ, LT, LTE, GT, GTE, BETWEEN, IN, NOT_IN, HAS_PROPERTY, NOT_HAS_PROPERTY, CONTAINS_TOKEN, NOT_CONTAINS_TOKEN.",
            filter.operator
        ))
    })?;
    let def = portal.property(object, &filter.property_name).ok_or_else(|| {
        ApiError::Validation(format!(
            "There was a problem with the request: property {} does not exist.",
            filter.property_name
        ))
    })?;
    let value = filter.value.as_ref().and_then(scalar);
    let values: Vec<String> = filter.values.iter().flatten().filter_map(scalar).collect();
    let high = filter.high_value.as_ref().and_then(scalar);
    let missing = |what: &str| {
        ApiError::Validation(format!("The {} operator on {} needs {what}.", filter.operator, filter.property_name))
    };
    match op {
        Operator::Between if value.is_none() || high.is_none() => {
            return Err(missing("value and highValue"));
        }
        Operator::In | Operator::NotIn if values.is_empty() => return Err(missing("values")),
        Operator::Eq
        | Operator::Neq
        | Operator::Lt
        | Operator::Lte
        | Operator::Gt
        | Operator::Gte
        | Operator::ContainsToken
        | Operator::NotContainsToken
            if value.is_none() =>
        {
            return Err(missing("a value"));
        }
        _ => {}
    }
    Ok(CompiledFilter { def, op, value, values, high })
}

impl CompiledFilter<'_> {
    fn matches(&self, props: &Properties) -> bool {
        let stored = props.get(&self.def.name).map(String::as_str);
        let value = self.value.as_deref().unwrap_or("");
        match self.op {
            Operator::HasProperty => stored.is_some(),
            Operator::NotHasProperty => stored.is_none(),
            Operator::Eq => stored.is_some_and(|s| equals(self.def, s, value)),
            Operator::Neq => !stored.is_some_and(|s| equals(self.def, s, value)),
            Operator::Lt => stored.is_some_and(|s| compare(self.def, s, value) == Some(Ordering::Less)),
            Operator::Lte => {
                stored.is_some_and(|s| matches!(compare(self.def, s, value), Some(Ordering::Less | Ordering::Equal)))
            }
            Operator::Gt => stored.is_some_and(|s| compare(self.def, s, value) == Some(Ordering::Greater)),
            Operator::Gte => {
                stored.is_some_and(|s| matches!(compare(self.def, s, value), Some(Ordering::Greater | Ordering::Equal)))
            }
            Operator::Between => stored.is_some_and(|s| {
                let high = self.high.as_deref().unwrap_or("");
                matches!(compare(self.def, s, value), Some(Ordering::Greater | Ordering::Equal))
                    && matches!(compare(self.def, s, high), Some(Ordering::Less | Ordering::Equal))
            }),
            Operator::In => stored.is_some_and(|s| self.values.iter().any(|v| in_matches(self.def, s, v))),
            Operator::NotIn => !stored.is_some_and(|s| self.values.iter().any(|v| in_matches(self.def, s, v))),
            Operator::ContainsToken => stored.is_some_and(|s| contains_token(s, value)),
            Operator::NotContainsToken => !stored.is_some_and(|s| contains_token(s, value)),
        }
    }
}

/// Enumerations compare exactly; strings case-insensitively; numbers and dates by value.
fn equals(def: &PropertyDef, stored: &str, value: &str) -> bool {
    match def.kind {
        PropertyType::Enumeration if def.is_multi_select() => stored.split(';').any(|s| s == value),
        PropertyType::Enumeration => stored == value,
        PropertyType::Bool => stored.eq_ignore_ascii_case(value),
        PropertyType::Number | PropertyType::Date | PropertyType::Datetime => {
            compare(def, stored, value) == Some(Ordering::Equal)
        }
        PropertyType::String | PropertyType::PhoneNumber => stored.to_lowercase() == value.to_lowercase(),
    }
}

/// IN on strings wants lowercase values: an uppercase value never matches.
fn in_matches(def: &PropertyDef, stored: &str, value: &str) -> bool {
    match def.kind {
        PropertyType::String | PropertyType::PhoneNumber => stored.to_lowercase() == value,
        _ => equals(def, stored, value),
    }
}

fn sort_key(def: &PropertyDef, raw: &str) -> Option<f64> {
    match def.kind {
        PropertyType::Number => raw.parse::<f64>().ok(),
        PropertyType::Date | PropertyType::Datetime => instant_ms(raw).map(|ms| ms as f64),
        _ => None,
    }
}

/// Date filter values come as epoch milliseconds or ISO text; stored dates as `YYYY-MM-DD`.
fn instant_ms(raw: &str) -> Option<i64> {
    if let Ok(t) = parse_datetime_value(raw) {
        return Some(t.timestamp_millis());
    }
    parse_date_value(raw)
        .ok()
        .map(|d| d.and_hms_opt(0, 0, 0).expect("midnight").and_utc())
        .map(|t: DateTime<Utc>| t.timestamp_millis())
}

fn compare(def: &PropertyDef, stored: &str, value: &str) -> Option<Ordering> {
    match def.kind {
        PropertyType::Number | PropertyType::Date | PropertyType::Datetime => {
            sort_key(def, stored)?.partial_cmp(&sort_key(def, value)?)
        }
        PropertyType::String | PropertyType::PhoneNumber => Some(stored.to_lowercase().cmp(&value.to_lowercase())),
        _ => Some(stored.cmp(value)),
    }
}

/// Missing values sort last in both directions.
fn compare_optional(def: &PropertyDef, a: Option<&String>, b: Option<&String>, ascending: bool) -> Ordering {
    match (a, b) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
        (Some(a), Some(b)) => {
            let order = compare(def, a, b).unwrap_or(Ordering::Equal);
            if ascending { order } else { order.reverse() }
        }
    }
}

/// Words of a value: letters and digits, lowercased.
fn tokenize(raw: &str) -> Vec<String> {
    raw.split(|c: char| !c.is_alphanumeric()).filter(|t| !t.is_empty()).map(str::to_lowercase).collect()
}

/// CONTAINS_TOKEN: a token of the value equals the pattern; `*` matches any run of characters,
/// and a pattern with `*` may also match the whole value (`*@example.com`).
fn contains_token(stored: &str, pattern: &str) -> bool {
    let pattern = pattern.to_lowercase();
    let lowered = stored.to_lowercase();
    if pattern.contains('*') {
        return glob(&pattern, &lowered) || tokenize(stored).iter().any(|t| glob(&pattern, t));
    }
    lowered == pattern || tokenize(stored).contains(&pattern)
}

fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || text.len() < first.len() + last.len() || !text.ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle) {
            Some(at) => rest = &rest[at + middle.len()..],
            None => return false,
        }
    }
    true
}

/// The free-text query: every query word must prefix some word of the searchable properties.
fn query_matches(searched: &[&str], props: &Properties, tokens: &[String]) -> bool {
    if tokens.is_empty() {
        return true;
    }
    let words: Vec<String> = searched.iter().filter_map(|p| props.get(*p)).flat_map(|v| tokenize(v)).collect();
    let whole: Vec<String> = searched.iter().filter_map(|p| props.get(*p)).map(|v| v.to_lowercase()).collect();
    tokens
        .iter()
        .all(|t| words.iter().any(|w| w.starts_with(t.as_str())) || whole.iter().any(|w| w.contains(t.as_str())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globbing() {
        assert!(glob("*@example.com", "ann@example.com"));
        assert!(glob("an*", "ann"));
        assert!(glob("a*n*", "ann"));
        assert!(!glob("*@example.com", "ann@example.org"));
        assert!(!glob("ab*ba", "aba"));
    }

    #[test]
    fn tokens() {
        assert!(contains_token("Jane Q. Public", "public"));
        assert!(contains_token("ann@Example.com", "*@example.com"));
        assert!(!contains_token("Jane Public", "pub"));
        assert!(contains_token("Jane Public", "pub*"));
    }
}
