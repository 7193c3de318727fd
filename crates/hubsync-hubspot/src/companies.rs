//! Companies: read and written through the object operations (`objects.rs`), and found by
//! domain. HubSpot doesn't keep `domain` unique (companies made through the API are never
//! deduplicated by it), so a domain finds any number of companies, and the search returns them
//! all, most recently modified first, for the caller to see duplicates and pick one.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use crate::client::{ClientError, HubSpotClient};
use crate::models::{BatchOutcome, Page, Property, Record};
use crate::objects::{ObjectType, SearchWindows};

/// Most values one `IN` filter of the domain search takes. HubSpot documents no maximum; 100
/// keeps well inside what it is known to accept.
pub const DOMAINS_PER_SEARCH: usize = 100;

/// Longest search request body HubSpot accepts, in characters.
pub const MAX_SEARCH_BODY_CHARS: usize = 3_000;

/// The properties every domain search reads, beside the caller's: what it files companies
/// under, and what tells the most recently modified of a domain's duplicates.
const DOMAIN_SEARCH_PROPERTIES: [&str; 2] = ["domain", "hs_lastmodifieddate"];

/// A domain as the search compares it: trimmed and lowercased (`IN` on a string property takes
/// lowercase values only). Callers send bare hosts (`acme.com`): whether HubSpot strips
/// `https://` or `www.` from what it stores is not documented.
pub fn search_domain_key(domain: &str) -> String {
    domain.trim().to_lowercase()
}

/// The properties a domain search asks for: the caller's and `DOMAIN_SEARCH_PROPERTIES`.
fn search_properties(properties: &[String]) -> Vec<String> {
    let mut all: Vec<String> = DOMAIN_SEARCH_PROPERTIES.iter().map(|p| p.to_string()).collect();
    for property in properties {
        if !all.contains(property) {
            all.push(property.clone());
        }
    }
    all
}

fn domain_filter(domains: &[String]) -> Value {
    json!({ "propertyName": "domain", "operator": "IN", "values": domains })
}

/// The domains, normalized and without repeats or blanks, in the groups the search sends them
/// in: at most `DOMAINS_PER_SEARCH` each, and few enough that the request body, with `properties`
/// and the largest window filter, stays within `MAX_SEARCH_BODY_CHARS`. Each group is searched
/// on its own (at least one request; see `estimate::domain_search_requests`). A group holds at
/// least one domain, even one whose body is too long (HubSpot then refuses that request).
pub fn domain_search_groups(domains: &[String], properties: &[String]) -> Vec<Vec<String>> {
    let properties = search_properties(properties);
    let empty_body = SearchWindows::body(&[domain_filter(&[])], &properties, u64::MAX);
    let base_chars = empty_body.to_string().chars().count();
    let mut seen = BTreeSet::new();
    let mut groups: Vec<Vec<String>> = Vec::new();
    let mut current: Vec<String> = Vec::new();
    let mut chars = base_chars;
    for domain in domains.iter().map(|d| search_domain_key(d)).filter(|d| !d.is_empty()) {
        if !seen.insert(domain.clone()) {
            continue;
        }
        // The quoted, escaped value and the comma before it.
        let adds = Value::String(domain.clone()).to_string().chars().count() + usize::from(!current.is_empty());
        if !current.is_empty() && (current.len() == DOMAINS_PER_SEARCH || chars + adds > MAX_SEARCH_BODY_CHARS) {
            groups.push(std::mem::take(&mut current));
            chars = base_chars;
            current.push(domain.clone());
            chars += adds - 1;
        } else {
            current.push(domain);
            chars += adds;
        }
    }
    if !current.is_empty() {
        groups.push(current);
    }
    groups
}

/// What a domain search found: for every domain asked (normalized), every company whose
/// `domain` is it, most recently modified (`hs_lastmodifieddate`) first, then by id. A domain
/// that found nothing has an empty list.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CompaniesByDomain {
    by_domain: BTreeMap<String, Vec<Record>>,
}

impl CompaniesByDomain {
    /// The companies found for `domain` (normalized here), most recently modified first.
    pub fn companies(&self, domain: &str) -> &[Record] {
        self.by_domain.get(&search_domain_key(domain)).map_or(&[], Vec::as_slice)
    }

    /// The most recently modified company of `domain`, when any was found.
    pub fn most_recently_modified(&self, domain: &str) -> Option<&Record> {
        self.companies(domain).first()
    }

    /// The domains more than one company has, with those companies.
    pub fn duplicates(&self) -> impl Iterator<Item = (&str, &[Record])> {
        self.by_domain.iter().filter(|(_, found)| found.len() > 1).map(|(d, found)| (d.as_str(), found.as_slice()))
    }

    /// The domains asked for that found no company.
    pub fn not_found(&self) -> impl Iterator<Item = &str> {
        self.by_domain.iter().filter(|(_, found)| found.is_empty()).map(|(d, _)| d.as_str())
    }

    /// Every domain asked for, with its companies.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[Record])> {
        self.by_domain.iter().map(|(d, found)| (d.as_str(), found.as_slice()))
    }

    pub fn into_map(self) -> BTreeMap<String, Vec<Record>> {
        self.by_domain
    }
}

/// When a record was last modified, in ms since the epoch: HubSpot gives ISO 8601 in replies
/// (epoch ms is what it takes in writes, and is read too).
fn modified_millis(record: &Record) -> Option<i64> {
    let text = record.get(ObjectType::Companies.last_modified_property())?.trim();
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse().ok();
    }
    chrono::DateTime::parse_from_rfc3339(text).ok().map(|t| t.timestamp_millis())
}

/// Most recently modified first (no date last), then by id, numerically where ids are numbers.
fn newest_first(a: &Record, b: &Record) -> std::cmp::Ordering {
    let id = |r: &Record| (r.id.parse::<u64>().ok(), r.id.clone());
    modified_millis(b).cmp(&modified_millis(a)).then_with(|| id(a).cmp(&id(b)))
}

impl HubSpotClient {
    /// Every company property (no paging on this endpoint).
    pub async fn company_properties(&self) -> Result<Vec<Property>, ClientError> {
        self.object_properties(ObjectType::Companies).await
    }

    /// One page of the companies list (no 10,000 cap), up to `limit` (at most 100).
    pub async fn list_companies(
        &self,
        limit: u32,
        after: Option<&str>,
        properties: &[String],
    ) -> Result<Page<Record>, ClientError> {
        self.list_objects(ObjectType::Companies, limit, after, properties).await
    }

    /// Reads up to 100 companies by record id; missing ones come back in `errors`.
    pub async fn batch_read_companies(
        &self,
        ids: &[String],
        properties: &[String],
    ) -> Result<BatchOutcome, ClientError> {
        self.batch_read_objects(ObjectType::Companies, ids, None, properties).await
    }

    /// Creates up to 100 companies, each input `(trace id, properties)`: a refused input comes
    /// back in `errors` naming its trace id, the others are created (see
    /// `batch_create_objects`). HubSpot never refuses a company for its domain being taken.
    pub async fn batch_create_companies(
        &self,
        inputs: &[(String, BTreeMap<String, String>)],
    ) -> Result<BatchOutcome, ClientError> {
        self.batch_create_objects(ObjectType::Companies, inputs).await
    }

    /// Updates up to 100 companies by record id (the only key a company update takes: `domain`
    /// is not unique).
    pub async fn batch_update_companies(
        &self,
        inputs: &[(String, BTreeMap<String, String>)],
    ) -> Result<BatchOutcome, ClientError> {
        self.batch_update_objects(ObjectType::Companies, inputs).await
    }

    /// Archives up to 100 companies by record id; safe to resend.
    pub async fn batch_archive_companies(&self, ids: &[String]) -> Result<(), ClientError> {
        self.batch_archive_objects(ObjectType::Companies, ids).await
    }

    /// Every company whose `domain` is one of `domains`, with `properties` (and always `domain`
    /// and `hs_lastmodifieddate`). Domains are normalized (`search_domain_key`) and searched in
    /// `domain_search_groups`, each with `domain IN (…)` in windows of `hs_object_id`, every
    /// page read. Search lags writes by a moment: a company created just now may be missing.
    pub async fn search_companies_by_domains(
        &self,
        domains: &[String],
        properties: &[String],
    ) -> Result<CompaniesByDomain, ClientError> {
        let properties = search_properties(properties);
        let mut by_domain: BTreeMap<String, Vec<Record>> = BTreeMap::new();
        for group in domain_search_groups(domains, &properties) {
            for domain in &group {
                by_domain.entry(domain.clone()).or_default();
            }
            let mut windows =
                SearchWindows::new(ObjectType::Companies, vec![domain_filter(&group)], properties.clone());
            while let Some(page) = windows.next(self).await? {
                for company in page {
                    let Some(domain) = company.get("domain").map(search_domain_key) else { continue };
                    if let Some(found) = by_domain.get_mut(&domain) {
                        found.push(company);
                    }
                }
            }
        }
        for found in by_domain.values_mut() {
            found.sort_by(newest_first);
        }
        Ok(CompaniesByDomain { by_domain })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn company(id: &str, modified: Option<&str>) -> Record {
        Record {
            id: id.into(),
            properties: [("hs_lastmodifieddate".to_string(), modified.map(String::from))].into(),
            created_at: None,
            updated_at: None,
            archived: false,
            new: None,
            object_write_trace_id: None,
        }
    }

    #[test]
    fn groups_hold_at_most_a_hundred_normalized_domains_without_repeats() {
        let mut domains: Vec<String> = (0..250).map(|i| format!(" Site{i}.Example.COM ")).collect();
        domains.push("site3.example.com".into());
        domains.push("   ".into());
        let groups = domain_search_groups(&domains, &[]);
        assert_eq!(groups.iter().map(Vec::len).collect::<Vec<_>>(), [100, 100, 50]);
        assert_eq!(groups[0][3], "site3.example.com");
        assert_eq!(groups.iter().flatten().filter(|d| *d == "site3.example.com").count(), 1);
    }

    #[test]
    fn long_domains_split_groups_to_keep_the_body_within_hubspots_limit() {
        let domains: Vec<String> = (0..100).map(|i| format!("{}-{i}.example.com", "a".repeat(40))).collect();
        let properties: Vec<String> = vec!["name".into(), "industry".into()];
        let groups = domain_search_groups(&domains, &properties);
        assert!(groups.len() > 1, "{} domains of 55 characters don't fit one body", domains.len());
        assert_eq!(groups.iter().map(Vec::len).sum::<usize>(), 100);
        for group in &groups {
            let body = SearchWindows::body(&[domain_filter(group)], &search_properties(&properties), u64::MAX);
            assert!(body.to_string().chars().count() <= MAX_SEARCH_BODY_CHARS, "{body}");
        }
        // The first group is as full as the limit allows: one more domain would not fit.
        let mut fuller = groups[0].clone();
        fuller.push(groups[1][0].clone());
        let body = SearchWindows::body(&[domain_filter(&fuller)], &search_properties(&properties), u64::MAX);
        assert!(body.to_string().chars().count() > MAX_SEARCH_BODY_CHARS);
    }

    #[test]
    fn duplicates_come_most_recently_modified_first() {
        let mut found = vec![
            company("9", Some("2026-01-01T00:00:00Z")),
            company("10", None),
            company("11", Some("2026-03-01T10:00:00.5Z")),
            company("3", Some("2026-03-01T10:00:00.5Z")),
            company("12", Some("1767225600001")),
        ];
        found.sort_by(newest_first);
        let ids: Vec<&str> = found.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["3", "11", "12", "9", "10"]);
        let by_domain = CompaniesByDomain { by_domain: [("acme.com".to_string(), found)].into() };
        assert_eq!(by_domain.most_recently_modified(" ACME.com").map(|r| r.id.as_str()), Some("3"));
        assert_eq!(by_domain.duplicates().count(), 1);
        assert!(by_domain.companies("other.com").is_empty());
    }
}
