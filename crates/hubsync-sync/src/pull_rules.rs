//! Pull rules: which HubSpot contacts a pull brings in. Every contact, or conditions the admin
//! composes (all of them must hold), plus "only contacts not yet in the store" and "modified
//! since". Conditions compile to one HubSpot search filter group, checked against the portal's
//! live properties and HubSpot's limits, so a rule HubSpot can't take is refused when it is
//! saved, with the reason, instead of failing in the middle of a pull.
//!
//! A condition may test the contact's primary company instead (`company.industry = …`, a company
//! property after `COMPANY_PREFIX`). HubSpot's contact search can't filter on a company's
//! properties, so those compile to `CompanyTest`s that the pull applies itself, once it has read
//! the companies of a page of contacts: every contact the other rules select is read, with its
//! company, before a company rule can leave it out (the cost `docs/cli.md` states).

use chrono::{DateTime, NaiveDate, Utc};
use hubsync_hubspot::Property;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use ts_rs::TS;

use crate::owners::OwnerDirectory;

/// HubSpot takes at most 6 filters in a group; a pull keeps one for its own paging windows (by
/// `hs_object_id`), which is how it reads past search's 10,000-result cap.
pub const MAX_CONDITIONS: usize = 5;
/// Room in HubSpot's 3,000-character search body for the filters, leaving the rest for the
/// sort, the paging window and the list of properties to return.
pub const MAX_FILTER_CHARS: usize = 1_500;
/// The pseudo-property for "owned by": its value is the owner's email.
pub const OWNER: &str = "owner";
/// What a condition's property starts with when it tests the contact's primary company
/// (`company.industry`): the rest is the company property's internal name.
pub const COMPANY_PREFIX: &str = "company.";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
#[ts(export)]
pub enum Operator {
    Equals,
    NotEquals,
    OneOf,
    Contains,
    GreaterThan,
    LessThan,
    Between,
    Known,
    Unknown,
}

impl Operator {
    fn parse(raw: &str) -> Option<Operator> {
        Some(match raw.to_ascii_lowercase().as_str() {
            "=" | "==" | "eq" | "is" => Operator::Equals,
            "!=" | "<>" | "neq" | "is-not" => Operator::NotEquals,
            "in" | "one-of" | "is-one-of" => Operator::OneOf,
            "contains" | "~" => Operator::Contains,
            ">" | "gt" | "after" => Operator::GreaterThan,
            "<" | "lt" | "before" => Operator::LessThan,
            "between" => Operator::Between,
            "known" | "is-known" => Operator::Known,
            "unknown" | "is-unknown" => Operator::Unknown,
            _ => return None,
        })
    }

    /// The name saved rules use.
    pub fn as_str(self) -> &'static str {
        match self {
            Operator::Equals => "equals",
            Operator::NotEquals => "not-equals",
            Operator::OneOf => "one-of",
            Operator::Contains => "contains",
            Operator::GreaterThan => "greater-than",
            Operator::LessThan => "less-than",
            Operator::Between => "between",
            Operator::Known => "known",
            Operator::Unknown => "unknown",
        }
    }

    fn values_wanted(self) -> (usize, Option<usize>) {
        match self {
            Operator::Known | Operator::Unknown => (0, Some(0)),
            Operator::Between => (2, Some(2)),
            Operator::OneOf => (1, None),
            _ => (1, Some(1)),
        }
    }

    /// `Some("takes …, got n")` when `got` values don't suit the operator.
    fn count_problem(self, got: usize) -> Option<String> {
        let (min, max) = self.values_wanted();
        if got >= min && max.is_none_or(|m| got <= m) {
            return None;
        }
        let wanted = match (min, max) {
            (0, Some(0)) => "no value".to_string(),
            (n, Some(m)) if n == m => format!("{n} value{}", if n == 1 { "" } else { "s" }),
            (n, _) => format!("at least {n} value"),
        };
        Some(format!("takes {wanted}, got {got}"))
    }
}

/// One condition: a contact property (or `owner`), an operator and its values.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Condition {
    pub property: String,
    pub operator: Operator,
    #[serde(default)]
    pub values: Vec<String>,
}

const SYNTAX: &str = "write a condition as 'PROPERTY OP VALUE' with OP one of =, !=, in (a,b,c), contains, >, <, between (a,b), known, unknown; e.g. 'lifecyclestage = lead', 'owner = ana@example.com' or 'company.industry = COMPUTER_SOFTWARE'";

impl Condition {
    /// The company property a condition on the contact's primary company tests (`industry` for
    /// `company.industry`); `None` for a condition on the contact.
    pub fn company_property(&self) -> Option<&str> {
        self.property.strip_prefix(COMPANY_PREFIX)
    }

    /// The condition as the rules write it (`company.industry equals COMPUTER_SOFTWARE`).
    pub fn describe(&self) -> String {
        format!("{} {} {}", self.property, self.operator.as_str(), self.values.join(", ")).trim_end().to_string()
    }

    /// Parses `PROPERTY OP [VALUE]`. Lists (`in`, `between`) are comma separated.
    pub fn parse(text: &str) -> Result<Condition, String> {
        let text = text.trim();
        let (property, rest) = first_word(text);
        let (op, rest) = first_word(rest);
        if property.is_empty() || op.is_empty() {
            return Err(format!("{text:?} is not a condition: {SYNTAX}"));
        }
        let operator = Operator::parse(op).ok_or_else(|| format!("{op:?} is not an operator: {SYNTAX}"))?;
        let rest = rest.trim();
        let is_list = matches!(operator, Operator::OneOf | Operator::Between);
        // A list's parentheses are its syntax: one never closed (or never opened) is a typo to
        // point at, not a value that starts with "(".
        if is_list && rest.matches('(').count() != rest.matches(')').count() {
            return Err(format!("{text:?}: the parentheses in {rest:?} don't pair up; write a list as {op} (a, b)"));
        }
        let rest = rest.strip_prefix('(').and_then(|r| r.strip_suffix(')')).unwrap_or(rest);
        let values: Vec<String> = match operator {
            // Anything after `known` is a mistake the count check below reports.
            Operator::Known | Operator::Unknown => [rest.to_string()].into_iter().filter(|v| !v.is_empty()).collect(),
            Operator::OneOf | Operator::Between => {
                rest.split(',').map(|v| unquote(v.trim()).to_string()).filter(|v| !v.is_empty()).collect()
            }
            _ => [unquote(rest).to_string()].into_iter().filter(|v| !v.is_empty()).collect(),
        };
        if let Some(problem) = operator.count_problem(values.len()) {
            return Err(format!("{text:?}: {op} {problem}"));
        }
        Ok(Condition { property: property.to_lowercase(), operator, values })
    }
}

/// The first word of `text` and what follows it, split on a run of whitespace, so
/// "city  =\tParis" reads like "city = Paris".
fn first_word(text: &str) -> (&str, &str) {
    let text = text.trim_start();
    text.split_once(char::is_whitespace).map_or((text, ""), |(word, rest)| (word, rest.trim_start()))
}

fn unquote(value: &str) -> &str {
    for quote in ['"', '\''] {
        if let Some(inner) = value.strip_prefix(quote).and_then(|v| v.strip_suffix(quote)) {
            return inner;
        }
    }
    value
}

/// What a pull brings in.
/// How far before the last pull's start an incremental pull reaches back. HubSpot's search sees
/// a write only "a few moments" after it (its documentation gives no bound; seconds are usual,
/// longer under load), and the last pull's start is this machine's clock while
/// `lastmodifieddate` is HubSpot's: a contact changed just before the last pull, which that
/// pull's search could not see yet, must fall in the next pull's window, or no pull ever reads
/// it. Minutes cover both with room to spare; the cost is reading again the contacts changed in
/// those minutes, which plan as unchanged and write nothing.
pub const SINCE_LAST_PULL_OVERLAP: chrono::TimeDelta = chrono::TimeDelta::minutes(10);

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct PullRules {
    /// All must hold; none means every contact.
    #[serde(default)]
    pub conditions: Vec<Condition>,
    /// Only contacts whose email and id are not in the store yet (checked locally).
    #[serde(default)]
    pub new_only: bool,
    /// Only contacts modified on or after this instant.
    #[serde(default)]
    #[ts(type = "string | null")]
    pub modified_since: Option<DateTime<Utc>>,
    /// Incremental: only contacts modified since the last completed live pull of this portal
    /// began, less `SINCE_LAST_PULL_OVERLAP` (every contact, as the other rules select, when
    /// there was none).
    #[serde(default)]
    pub since_last_pull: bool,
}

impl PullRules {
    /// Whether the pull can page through the contacts list (every contact) instead of search:
    /// no condition on the contact (those on its company the pull tests itself) and no date.
    pub fn is_everything(&self) -> bool {
        self.conditions.iter().all(|c| c.company_property().is_some()) && self.modified_since.is_none()
    }

    /// Whether a condition tests the contact's company, so the pull must read the companies.
    pub fn tests_companies(&self) -> bool {
        self.conditions.iter().any(|c| c.company_property().is_some())
    }

    /// The rules a pull runs with: an incremental rule's date becomes the later of its own and
    /// the start of the last completed live pull less `SINCE_LAST_PULL_OVERLAP`.
    pub fn effective(&self, last_pull_started: Option<DateTime<Utc>>) -> PullRules {
        let mut rules = self.clone();
        if self.since_last_pull
            && let Some(last) = last_pull_started
        {
            let from = last - SINCE_LAST_PULL_OVERLAP;
            rules.modified_since = Some(self.modified_since.map_or(from, |own| own.max(from)));
        }
        rules
    }
}

/// The saved rules, or every contact when none were saved.
pub fn load(store: &hubsync_store::Store) -> Result<PullRules, hubsync_store::StoreError> {
    match store.pull_rules_json()? {
        None => Ok(PullRules::default()),
        Some(value) => serde_json::from_value(value)
            .map_err(|e| hubsync_store::StoreError::Corrupt(format!("the saved pull rules can't be read: {e}"))),
    }
}

/// Saves rules that `compile` accepted.
pub fn save(store: &mut hubsync_store::Store, rules: &PullRules) -> Result<(), hubsync_store::StoreError> {
    store.set_pull_rules_json(&serde_json::to_value(rules).expect("plain data"))
}

/// A date (`2026-05-01`, midnight UTC) or an instant (RFC 3339).
pub fn parse_instant(raw: &str) -> Result<DateTime<Utc>, String> {
    let raw = raw.trim();
    if let Ok(date) = NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
        return Ok(date.and_hms_opt(0, 0, 0).expect("midnight").and_utc());
    }
    DateTime::parse_from_rfc3339(raw)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| format!("{raw:?} is not a date (YYYY-MM-DD) or a date and time (2026-05-01T09:30:00Z)"))
}

/// What is wrong with the rules: the condition it belongs to (its position, from 0) when it is
/// one condition's, and what to change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct RuleProblem {
    #[ts(type = "number | null")]
    pub condition: Option<usize>,
    pub message: String,
}

impl RuleProblem {
    fn whole(message: String) -> RuleProblem {
        RuleProblem { condition: None, message }
    }
}

/// The rules compiled: the contact conditions as one HubSpot search filter group, and the
/// conditions on the contact's company as tests the pull applies itself.
#[derive(Clone, Debug, PartialEq)]
pub struct CompiledRules {
    /// The search filters (`[]` for every contact).
    pub filters: Vec<Value>,
    /// The tests of the contact's primary company, all of which must hold.
    pub company: Vec<CompanyTest>,
}

/// A condition on the contact's primary company, compiled as a search filter would be (values
/// in the form search compares: numbers, epoch milliseconds, option values, lowercase lists)
/// and tested the way HubSpot's search tests a filter.
#[derive(Clone, Debug, PartialEq)]
pub struct CompanyTest {
    /// The condition as the rules write it, for the rows it leaves out.
    pub condition: String,
    /// The company property it reads (`hubspot_owner_id` for `company.owner`).
    pub property: String,
    /// The property's HubSpot type.
    kind: String,
    /// A choice whose values compare exactly (enumerations do in search).
    exact: bool,
    filter: Value,
}

impl CompanyTest {
    /// Whether the contact's primary company (`None`: it has none, as if every property were
    /// empty) meets the condition. A property without a value is `unknown`, never equal to
    /// anything, and meets `not-equals`.
    pub fn holds(&self, company: Option<&hubsync_hubspot::Record>) -> bool {
        let value = company.and_then(|c| c.get(&self.property)).map(str::trim).filter(|v| !v.is_empty());
        let operator = self.filter["operator"].as_str().unwrap_or_default();
        let Some(value) = value else { return matches!(operator, "NOT_HAS_PROPERTY" | "NEQ") };
        let one = |key: &str| self.filter[key].as_str().unwrap_or_default();
        match operator {
            "HAS_PROPERTY" => true,
            "NOT_HAS_PROPERTY" => false,
            "EQ" => self.equals(value, one("value")),
            "NEQ" => !self.equals(value, one("value")),
            "IN" => {
                let wanted = self.filter["values"].as_array().map(Vec::as_slice).unwrap_or_default();
                wanted.iter().filter_map(Value::as_str).any(|w| self.equals(value, w))
            }
            "CONTAINS_TOKEN" => {
                let token = one("value").trim_matches('*').to_lowercase();
                value.to_lowercase().contains(&token)
            }
            "GT" => self.order(value, one("value")).is_some_and(|o| o.is_gt()),
            "LT" => self.order(value, one("value")).is_some_and(|o| o.is_lt()),
            "BETWEEN" => {
                self.order(value, one("value")).is_some_and(|o| o.is_ge())
                    && self.order(value, one("highValue")).is_some_and(|o| o.is_le())
            }
            _ => false,
        }
    }

    /// A company's value against a compiled one: numbers and dates by what they are, a choice
    /// exactly (any of a multiple choice's), text without regard to case.
    fn equals(&self, value: &str, wanted: &str) -> bool {
        match self.kind.as_str() {
            "number" | "date" | "datetime" => self.order(value, wanted) == Some(std::cmp::Ordering::Equal),
            "bool" => value.eq_ignore_ascii_case(wanted),
            _ if self.exact => value.split(';').any(|choice| choice.trim() == wanted),
            _ => value.to_lowercase() == wanted.to_lowercase(),
        }
    }

    /// How a number or a date compares with a compiled bound; `None` when either can't be read
    /// as the property's type.
    fn order(&self, value: &str, bound: &str) -> Option<std::cmp::Ordering> {
        let number = |text: &str| -> Option<f64> {
            match self.kind.as_str() {
                "date" | "datetime" => instant_millis(text).map(|ms| ms as f64),
                _ => text.trim().parse::<f64>().ok().filter(|n| n.is_finite()),
            }
        };
        number(value)?.partial_cmp(&number(bound)?)
    }
}

/// A HubSpot date or datetime value (epoch milliseconds, ISO 8601, or a day) in milliseconds.
fn instant_millis(text: &str) -> Option<i64> {
    let text = text.trim();
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse().ok();
    }
    parse_instant(text).ok().map(|t| t.timestamp_millis())
}

/// Compiles the rules (`CompiledRules`): each condition checked against the live property of
/// the contact (`properties`) or of its company (`company_properties`): it exists; the operator
/// suits its type; values parse as its type; options are among its options. Owners' emails
/// become their ids, and the search filters are kept within HubSpot's limits. The error says
/// what to change.
pub fn compile(
    rules: &PullRules,
    properties: &[Property],
    company_properties: &[Property],
    owners: &OwnerDirectory,
) -> Result<CompiledRules, String> {
    check(rules, properties, company_properties, owners).map_err(|problems| {
        problems.into_iter().next().map(|p| p.message).unwrap_or_else(|| "the rules can't be used".into())
    })
}

/// `compile`, telling every condition's problem at once (each with its position) so an editor
/// can show them by their rows. Never an empty list on error.
pub fn check(
    rules: &PullRules,
    properties: &[Property],
    company_properties: &[Property],
    owners: &OwnerDirectory,
) -> Result<CompiledRules, Vec<RuleProblem>> {
    if rules.conditions.len() > MAX_CONDITIONS {
        return Err(vec![RuleProblem::whole(format!(
            "{} conditions: HubSpot's search takes 6 per rule and the pull needs one to page past 10,000 results, so at most {MAX_CONDITIONS}",
            rules.conditions.len()
        ))]);
    }
    let mut filters = Vec::with_capacity(rules.conditions.len() + 1);
    let mut company = Vec::new();
    let mut problems = Vec::new();
    for (index, condition) in rules.conditions.iter().enumerate() {
        let compiled = match condition.company_property() {
            None => {
                compile_condition(condition, properties, owners, Object::Contact).map(|filter| filters.push(filter))
            }
            Some(name) => compile_condition(condition, company_properties, owners, Object::Company).map(|filter| {
                let property = filter["propertyName"].as_str().unwrap_or_default().to_string();
                let definition = company_properties.iter().find(|p| p.name == property);
                company.push(CompanyTest {
                    condition: condition.describe(),
                    kind: definition.map_or_else(|| "string".into(), |p| p.kind.clone()),
                    exact: definition.is_some_and(|p| p.kind == "enumeration") || name == OWNER,
                    property,
                    filter,
                });
            }),
        };
        if let Err(message) = compiled {
            problems.push(RuleProblem { condition: Some(index), message });
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    // An incremental rule needs its date filter even before there is a last pull.
    let since = rules.modified_since.or(rules.since_last_pull.then_some(DateTime::<Utc>::UNIX_EPOCH));
    if let Some(since) = since {
        filters.push(json!({ "propertyName": "lastmodifieddate", "operator": "GTE", "value": since.timestamp_millis().to_string() }));
        if filters.len() > MAX_CONDITIONS {
            return Err(vec![RuleProblem::whole(format!(
                "{MAX_CONDITIONS} conditions and a modified-since date (or since-last-pull): together they need one more filter than HubSpot's search takes; drop a condition"
            ))]);
        }
    }
    let chars = Value::Array(filters.clone()).to_string().chars().count();
    if chars > MAX_FILTER_CHARS {
        return Err(vec![RuleProblem::whole(format!(
            "the conditions take {chars} characters of HubSpot's 3,000-character search request; at most {MAX_FILTER_CHARS} leave room for the rest (shorten the lists of values)"
        ))]);
    }
    Ok(CompiledRules { filters, company })
}

/// Which record a condition tests: the contact, or its primary company.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Object {
    Contact,
    Company,
}

/// The operators that suit a property's type (`None`: the `owner` pseudo-property), in the
/// order an editor offers them; `check` accepts each with a value of the type.
pub fn operators_for(property: Option<&Property>) -> Vec<Operator> {
    use Operator::*;
    let Some(property) = property else {
        return vec![Equals, NotEquals, OneOf, Known, Unknown];
    };
    match property.kind.as_str() {
        "number" => vec![Equals, NotEquals, OneOf, GreaterThan, LessThan, Between, Known, Unknown],
        "date" | "datetime" => vec![Equals, NotEquals, GreaterThan, LessThan, Between, Known, Unknown],
        "bool" => vec![Equals, NotEquals, Known, Unknown],
        "enumeration" if !property.external_options => vec![Equals, NotEquals, OneOf, Known, Unknown],
        _ => vec![Equals, NotEquals, OneOf, Contains, Known, Unknown],
    }
}

/// A choice for a condition's value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct ChoiceOption {
    pub value: String,
    pub label: String,
}

/// A property a condition can test, as an editor offers it: its type, the operators that suit
/// it and, for a choice, its options.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct ConditionProperty {
    pub name: String,
    pub label: String,
    /// HubSpot's type (string, number, bool, date, datetime, enumeration, phone_number), or
    /// `owner` for the owner pseudo-property (its values are owners' emails).
    #[serde(rename = "type")]
    pub kind: String,
    pub operators: Vec<Operator>,
    pub options: Vec<ChoiceOption>,
}

/// Every property a condition can test: `owner` first, then the portal's contact properties by
/// label, then its company properties (`company.` and the name; "Company: " and the label), by
/// label.
pub fn condition_properties(properties: &[Property], company_properties: &[Property]) -> Vec<ConditionProperty> {
    let owner = ConditionProperty {
        name: OWNER.into(),
        label: "Contact owner (by email)".into(),
        kind: OWNER.into(),
        operators: operators_for(None),
        options: Vec::new(),
    };
    let mut described = described_properties(properties);
    described.sort_by(|a, b| a.label.to_lowercase().cmp(&b.label.to_lowercase()).then(a.name.cmp(&b.name)));
    let mut on_company: Vec<ConditionProperty> = described_properties(company_properties)
        .into_iter()
        .map(|p| ConditionProperty {
            name: format!("{COMPANY_PREFIX}{}", p.name),
            label: format!("Company: {}", p.label),
            ..p
        })
        .collect();
    on_company.sort_by(|a, b| a.label.to_lowercase().cmp(&b.label.to_lowercase()).then(a.name.cmp(&b.name)));
    std::iter::once(owner).chain(described).chain(on_company).collect()
}

/// Each property as a condition offers it, with the operators that suit its type and a choice's
/// options.
fn described_properties(properties: &[Property]) -> Vec<ConditionProperty> {
    properties
        .iter()
        .map(|p| ConditionProperty {
            name: p.name.clone(),
            label: p.label.clone(),
            kind: p.kind.clone(),
            operators: operators_for(Some(p)),
            options: if p.kind == "enumeration" && !p.external_options {
                p.options.iter().map(|o| ChoiceOption { value: o.value.clone(), label: o.label.clone() }).collect()
            } else {
                Vec::new()
            },
        })
        .collect()
}

fn compile_condition(
    condition: &Condition,
    properties: &[Property],
    owners: &OwnerDirectory,
    object: Object,
) -> Result<Value, String> {
    let name = condition.property.as_str();
    if name.is_empty() {
        return Err("choose a property".into());
    }
    if let Some(problem) = condition.operator.count_problem(condition.values.len()) {
        return Err(format!("{name} {} {problem}", condition.operator.as_str()));
    }
    if condition.values.iter().any(|v| v.trim().is_empty()) {
        return Err(format!("{name} {}: a value is empty; fill it in or remove it", condition.operator.as_str()));
    }
    // A company condition's property is named after the prefix.
    let lookup = match object {
        Object::Contact => name,
        Object::Company => condition.company_property().unwrap_or(name),
    };
    let (property_name, values) = if lookup == OWNER {
        let ids = condition
            .values
            .iter()
            .map(|email| {
                owners.any_id(email).map(String::from).ok_or_else(|| format!("no HubSpot owner has the email {email}"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        ("hubspot_owner_id".to_string(), ids)
    } else {
        let property = properties.iter().find(|p| p.name == lookup).ok_or_else(|| match object {
            Object::Contact => format!(
                "HubSpot has no contact property {name:?} (use its internal name, e.g. lifecyclestage, `owner`, or {COMPANY_PREFIX} and a company property's)"
            ),
            Object::Company => format!(
                "HubSpot has no company property {lookup:?} (write {COMPANY_PREFIX} and its internal name, e.g. {COMPANY_PREFIX}industry)"
            ),
        })?;
        let values = condition
            .values
            .iter()
            .map(|v| search_value(property, condition.operator, v))
            .collect::<Result<Vec<_>, _>>()?;
        (property.name.clone(), values)
    };
    if condition.operator == Operator::Between && bounds_reversed(&values) {
        let (low, high) = (&condition.values[0], &condition.values[1]);
        return Err(format!(
            "{name} between takes the lower bound first: {low} is more than {high}; write between ({high}, {low})"
        ));
    }
    let filter = |operator: &str| json!({ "propertyName": property_name, "operator": operator });
    let mut out = match condition.operator {
        Operator::Equals => filter("EQ"),
        Operator::NotEquals => filter("NEQ"),
        Operator::OneOf => filter("IN"),
        Operator::Contains => filter("CONTAINS_TOKEN"),
        Operator::GreaterThan => filter("GT"),
        Operator::LessThan => filter("LT"),
        Operator::Between => filter("BETWEEN"),
        Operator::Known => filter("HAS_PROPERTY"),
        Operator::Unknown => filter("NOT_HAS_PROPERTY"),
    };
    match condition.operator {
        Operator::Known | Operator::Unknown => {}
        // HubSpot compares IN on strings lowercase only.
        Operator::OneOf => out["values"] = json!(values),
        Operator::Between => {
            out["value"] = json!(values[0]);
            out["highValue"] = json!(values[1]);
        }
        Operator::Contains => out["value"] = json!(format!("*{}*", values[0])),
        _ => out["value"] = json!(values[0]),
    }
    Ok(out)
}

/// Whether a `between`'s two values, as search compares them (numbers, or dates as epoch
/// milliseconds), come high first: HubSpot would then match nothing.
fn bounds_reversed(values: &[String]) -> bool {
    match values {
        [low, high] => matches!((low.parse::<f64>(), high.parse::<f64>()), (Ok(low), Ok(high)) if low > high),
        _ => false,
    }
}

/// A condition's value in the form HubSpot's search compares for the property's type.
fn search_value(property: &Property, operator: Operator, raw: &str) -> Result<String, String> {
    let name = &property.name;
    let ordered = matches!(operator, Operator::GreaterThan | Operator::LessThan | Operator::Between);
    match property.kind.as_str() {
        "number" => raw
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite())
            .map(|_| raw.trim().to_string())
            .ok_or_else(|| format!("{name} is a number; {raw:?} is not (digits and one decimal point)")),
        "date" | "datetime" => {
            if operator == Operator::Contains {
                return Err(format!("{name} is a date: use =, >, < or between, not contains"));
            }
            parse_instant(raw).map(|t| t.timestamp_millis().to_string()).map_err(|e| format!("{name}: {e}"))
        }
        "bool" => match raw.trim().to_ascii_lowercase().as_str() {
            _ if ordered || operator == Operator::Contains => Err(format!("{name} is yes/no: use = or !=")),
            "true" | "yes" => Ok("true".into()),
            "false" | "no" => Ok("false".into()),
            _ => Err(format!("{name} is yes/no; {raw:?} is neither (true/false)")),
        },
        "enumeration" if !property.external_options => {
            if ordered || operator == Operator::Contains {
                return Err(format!("{name} is a choice: use =, !=, in, known or unknown"));
            }
            // Options compare case-sensitively in search: send the option's own value.
            property
                .options
                .iter()
                .find(|o| o.value == raw.trim())
                .or_else(|| {
                    property
                        .options
                        .iter()
                        .find(|o| o.value.eq_ignore_ascii_case(raw.trim()) || o.label.eq_ignore_ascii_case(raw.trim()))
                })
                .map(|o| o.value.clone())
                .ok_or_else(|| {
                    let allowed: Vec<&str> = property.options.iter().map(|o| o.value.as_str()).collect();
                    format!("{raw:?} is not one of {name}'s options: {}", allowed.join(", "))
                })
        }
        _ if ordered => Err(format!("{name} is text: use =, !=, in, contains, known or unknown")),
        _ if operator == Operator::OneOf => Ok(raw.trim().to_lowercase()),
        _ => Ok(raw.trim().to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operator_names_are_the_saved_ones() {
        use Operator::*;
        for op in [Equals, NotEquals, OneOf, Contains, GreaterThan, LessThan, Between, Known, Unknown] {
            assert_eq!(serde_json::to_value(op).unwrap(), op.as_str());
        }
    }

    #[test]
    fn conditions_parse_with_their_values() {
        let c = Condition::parse("lifecyclestage in (lead, customer)").unwrap();
        assert_eq!((c.operator, c.values.clone()), (Operator::OneOf, vec!["lead".to_string(), "customer".into()]));
        let c = Condition::parse("company contains 'Acme Corp'").unwrap();
        assert_eq!(c.values, ["Acme Corp"]);
        assert_eq!(Condition::parse("phone known").unwrap().operator, Operator::Known);
        assert!(Condition::parse("phone known 5").unwrap_err().contains("takes no value"));
        assert!(Condition::parse("score between 1").unwrap_err().contains("takes 2 values"));
        assert!(Condition::parse("score ≈ 3").unwrap_err().contains("not an operator"));
        assert!(Condition::parse("score").unwrap_err().contains("not a condition"));
        // Runs of spaces or tabs between the parts, as people type them.
        assert_eq!(Condition::parse("city  =\t Paris"), Condition::parse("city = Paris"));
        assert_eq!(Condition::parse(" Lead_Score \t between  (1, 5) ").unwrap().values, ["1", "5"]);
        assert!(Condition::parse("   ").unwrap_err().contains("not a condition"));
    }

    #[test]
    fn a_list_opened_with_a_parenthesis_must_close_it() {
        for unclosed in ["city in (a,b", "score between (1, 5", "city in a,b)", "city in ((a,b)"] {
            let error = Condition::parse(unclosed).unwrap_err();
            assert!(error.contains("parenthes"), "{unclosed}: {error}");
        }
        assert_eq!(Condition::parse("city in (a, b)").unwrap().values, ["a", "b"]);
        assert_eq!(Condition::parse("city in a, b").unwrap().values, ["a", "b"], "no parentheses is fine");
        assert_eq!(Condition::parse("company = (untitled").unwrap().values, ["(untitled"], "a value, not a list");
    }

    #[test]
    fn between_takes_its_lower_bound_first() {
        let between = |property: &str, low: &str, high: &str| PullRules {
            conditions: vec![Condition {
                property: property.into(),
                operator: Operator::Between,
                values: vec![low.into(), high.into()],
            }],
            ..PullRules::default()
        };
        let owners = OwnerDirectory::default();
        let problems = check(&between("score", "9", "5"), &properties(), &[], &owners).unwrap_err();
        assert_eq!(problems[0].condition, Some(0));
        assert!(problems[0].message.contains("the lower bound first: 9 is more than 5"), "{problems:?}");
        let problems =
            check(&between("closedate", "2026-06-01", "2026-05-01"), &properties(), &[], &owners).unwrap_err();
        assert!(problems[0].message.contains("the lower bound first"), "{problems:?}");
        assert!(check(&between("score", "5", "5"), &properties(), &[], &owners).is_ok(), "bounds are inclusive");
        assert!(check(&between("score", "-10", "2.5"), &properties(), &[], &owners).is_ok());
    }

    #[test]
    fn dates_are_days_at_midnight_utc_or_instants() {
        assert_eq!(parse_instant("2026-05-01").unwrap().timestamp_millis(), 1_777_593_600_000);
        assert!(parse_instant("2026-05-01T10:00:00+02:00").is_ok());
        assert!(parse_instant("01/05/2026").unwrap_err().contains("YYYY-MM-DD"));
    }

    fn properties() -> Vec<Property> {
        serde_json::from_value(json!([
            { "name": "score", "label": "Score", "type": "number" },
            { "name": "closedate", "label": "Close date", "type": "datetime" },
            { "name": "opted_in", "label": "Opted in", "type": "bool" },
            { "name": "lifecyclestage", "label": "Lifecycle stage", "type": "enumeration",
              "options": [{ "value": "lead", "label": "Lead" }, { "value": "customer", "label": "Customer" }] },
            { "name": "company", "label": "Company", "type": "string" },
        ]))
        .unwrap()
    }

    fn sample(kind: &str, operator: Operator) -> Vec<String> {
        let one = match kind {
            "number" => "5",
            "datetime" => "2026-05-01",
            "bool" => "true",
            "enumeration" => "lead",
            _ => "acme",
        };
        let two = match kind {
            "number" => "9",
            "datetime" => "2026-06-01",
            _ => "customer",
        };
        match operator.values_wanted() {
            (0, _) => vec![],
            (2, _) => vec![one.into(), two.into()],
            _ => vec![one.into()],
        }
    }

    #[test]
    fn every_offered_operator_is_accepted_with_a_value_of_the_type() {
        let properties = properties();
        for property in &properties {
            let offered = operators_for(Some(property));
            assert!(!offered.is_empty());
            for operator in offered {
                let values = sample(&property.kind, operator);
                let rules = PullRules {
                    conditions: vec![Condition { property: property.name.clone(), operator, values }],
                    ..PullRules::default()
                };
                let checked = check(&rules, &properties, &[], &OwnerDirectory::default());
                assert!(checked.is_ok(), "{} {operator:?}: {checked:?}", property.name);
            }
        }
        assert!(!operators_for(Some(&properties[0])).contains(&Operator::Contains), "numbers: no contains");
        assert!(!operators_for(Some(&properties[3])).contains(&Operator::GreaterThan), "choices: no ordering");
    }

    #[test]
    fn check_tells_each_conditions_problem_with_its_position() {
        let rules = PullRules {
            conditions: vec![
                Condition { property: "score".into(), operator: Operator::GreaterThan, values: vec!["many".into()] },
                Condition { property: "company".into(), operator: Operator::Equals, values: vec!["Acme".into()] },
                Condition { property: "lifecyclestage".into(), operator: Operator::Equals, values: vec!["vip".into()] },
                Condition { property: "company".into(), operator: Operator::Between, values: vec!["a".into()] },
                Condition { property: "company".into(), operator: Operator::Equals, values: vec![" ".into()] },
            ],
            ..PullRules::default()
        };
        let problems = check(&rules, &properties(), &[], &OwnerDirectory::default()).unwrap_err();
        let positions: Vec<Option<usize>> = problems.iter().map(|p| p.condition).collect();
        assert_eq!(positions, [Some(0), Some(2), Some(3), Some(4)]);
        assert!(problems[0].message.contains("score is a number"), "{problems:?}");
        assert!(problems[1].message.contains("not one of lifecyclestage's options: lead, customer"), "{problems:?}");
        assert!(problems[2].message.contains("takes 2 values, got 1"), "{problems:?}");
        assert!(problems[3].message.contains("a value is empty"), "{problems:?}");
        // `compile` reports the first, as the command line shows it.
        assert_eq!(compile(&rules, &properties(), &[], &OwnerDirectory::default()).unwrap_err(), problems[0].message);
    }

    #[test]
    fn the_whole_rule_problems_have_no_position() {
        let condition = Condition { property: "company".into(), operator: Operator::Known, values: vec![] };
        let rules =
            PullRules { conditions: vec![condition; MAX_CONDITIONS], since_last_pull: true, ..PullRules::default() };
        let problems = check(&rules, &properties(), &[], &OwnerDirectory::default()).unwrap_err();
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].condition, None);
        assert!(problems[0].message.contains("drop a condition"));
    }

    #[test]
    fn a_condition_on_the_company_is_tested_on_its_values_as_search_would() {
        let company_properties: Vec<Property> = serde_json::from_value(json!([
            { "name": "industry", "label": "Industry", "type": "enumeration",
              "options": [{ "value": "COMPUTER_SOFTWARE", "label": "Computer Software" }, { "value": "BANKING", "label": "Banking" }] },
            { "name": "numberofemployees", "label": "Employees", "type": "number" },
            { "name": "founded", "label": "Founded", "type": "date" },
            { "name": "city", "label": "City", "type": "string" },
        ]))
        .unwrap();
        let compiled = |text: &str| {
            let rules = PullRules { conditions: vec![Condition::parse(text).unwrap()], ..PullRules::default() };
            let compiled = compile(&rules, &properties(), &company_properties, &OwnerDirectory::default()).unwrap();
            assert!(compiled.filters.is_empty(), "no search filter for {text}");
            compiled.company.into_iter().next().unwrap()
        };
        let company = |values: &[(&str, &str)]| -> hubsync_hubspot::Record {
            let properties: serde_json::Map<String, Value> =
                values.iter().map(|(k, v)| (k.to_string(), json!(v))).collect();
            serde_json::from_value(json!({ "id": "1", "properties": properties })).unwrap()
        };
        let acme = company(&[
            ("industry", "COMPUTER_SOFTWARE"),
            ("numberofemployees", "250"),
            ("city", "Oslo"),
            ("founded", "2001-05-01"),
        ]);
        let holds = |text: &str, record: Option<&hubsync_hubspot::Record>| compiled(text).holds(record);
        assert!(holds("company.industry = computer software", Some(&acme)), "by the option's label, as saved");
        assert!(!holds("company.industry = BANKING", Some(&acme)));
        assert!(holds("company.industry in (BANKING, COMPUTER_SOFTWARE)", Some(&acme)));
        assert!(holds("company.numberofemployees between (100, 250)", Some(&acme)), "bounds are inclusive");
        assert!(!holds("company.numberofemployees > 250", Some(&acme)));
        assert!(holds("company.founded < 2002-01-01", Some(&acme)));
        assert!(holds("company.city = oslo", Some(&acme)), "text without regard to case");
        assert!(holds("company.city contains sl", Some(&acme)));
        assert!(holds("company.city in (bergen, oslo)", Some(&acme)));
        // A company without the value, or no company at all.
        let bare = company(&[]);
        for record in [Some(&bare), None] {
            assert!(!holds("company.city = Oslo", record));
            assert!(holds("company.city != Oslo", record), "not equal: it has no such value");
            assert!(holds("company.city unknown", record));
            assert!(!holds("company.city known", record));
        }
        assert_eq!(compiled("company.city known").condition, "company.city known");
        let unknown = Condition::parse("company.nope = 1").unwrap();
        let rules = PullRules { conditions: vec![unknown], ..PullRules::default() };
        let problem = check(&rules, &properties(), &company_properties, &OwnerDirectory::default()).unwrap_err();
        assert!(problem[0].message.contains("no company property \"nope\""), "{problem:?}");
        let rules =
            PullRules { conditions: vec![Condition::parse("company.industry = x").unwrap()], ..PullRules::default() };
        assert!(rules.tests_companies() && rules.is_everything(), "a company rule alone reads every contact");
    }

    #[test]
    fn condition_properties_offer_owner_first_then_by_label_with_choices() {
        let offered = condition_properties(&properties(), &[]);
        let names: Vec<&str> = offered.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["owner", "closedate", "company", "lifecyclestage", "opted_in", "score"]);
        assert_eq!(offered[0].kind, "owner");
        let stage = &offered[3];
        assert_eq!(stage.options.iter().map(|o| o.label.as_str()).collect::<Vec<_>>(), ["Lead", "Customer"]);
        assert!(offered[2].options.is_empty());
        assert_eq!(offered[4].operators, [Operator::Equals, Operator::NotEquals, Operator::Known, Operator::Unknown]);
    }
}
