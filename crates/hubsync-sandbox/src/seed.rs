//! Deterministic demo data: owners (some deactivated), contacts that look like a real portal's
//! (mixed-case emails, additional emails, missing values and all), the companies their email
//! domains belong to (two pairs sharing a domain) and those companies' deals, open, won and
//! lost, and the associations between them. The same seed and count always give the same data.

use std::collections::HashMap;

use chrono::{DateTime, Duration, TimeZone, Utc};
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::associations::Kind;
use crate::fixture::SeedRecord;
use crate::links::PlannedAssociation;
use crate::model::{Owner, Properties, Team};
use crate::object_type::ObjectType;

const FIRST_NAMES: &[&str] = &[
    "Ada",
    "Aisha",
    "Alejandro",
    "Amara",
    "Ana",
    "Anders",
    "Bea",
    "Björn",
    "Carlos",
    "Chen",
    "Chiara",
    "Dmitri",
    "Elena",
    "Emeka",
    "Fatima",
    "François",
    "Grace",
    "Hana",
    "Hiroshi",
    "Ines",
    "Isabel",
    "Jamal",
    "Jan",
    "José",
    "Kofi",
    "Lars",
    "Leila",
    "Liam",
    "Lucía",
    "Maja",
    "Marco",
    "Maria",
    "Mei",
    "Nadia",
    "Noah",
    "Olga",
    "Omar",
    "Priya",
    "Rafael",
    "Ravi",
    "Sara",
    "Siobhán",
    "Sofia",
    "Tariq",
    "Thandiwe",
    "Tomás",
    "Yuki",
    "Zoë",
    "Łukasz",
    "Nguyễn",
];

const LAST_NAMES: &[&str] = &[
    "Abara",
    "Andersson",
    "Bauer",
    "Becker",
    "Chen",
    "Costa",
    "Dubois",
    "Dvořák",
    "Eriksen",
    "Fernández",
    "García",
    "Gupta",
    "Haddad",
    "Hansen",
    "Ito",
    "Jensen",
    "Kim",
    "Kowalski",
    "Kumar",
    "Larsen",
    "López",
    "Martin",
    "Mendes",
    "Müller",
    "Nakamura",
    "Nowak",
    "O'Brien",
    "Okafor",
    "Petrov",
    "Rossi",
    "Santos",
    "Schmidt",
    "Silva",
    "Smith",
    "Tanaka",
    "Van der Berg",
    "Wang",
    "Williams",
    "Yilmaz",
    "Zhang",
];

/// (company, domain, industry as contacts hold it, HubSpot's industry value, employees band)
const COMPANIES: &[(&str, &str, &str, &str, &str)] = &[
    ("Acme Robotics", "acme-robotics.example.com", "Machinery", "MACHINERY", "100-500"),
    ("Blue Harbor Logistics", "blueharbor.example.com", "Logistics", "LOGISTICS_AND_SUPPLY_CHAIN", "500-1000"),
    ("Cedar & Pine Studio", "cedarpine.example.com", "Design", "DESIGN", "5-25"),
    ("Delta Analytics", "delta-analytics.example.com", "Software", "COMPUTER_SOFTWARE", "50-100"),
    ("Evergreen Health", "evergreenhealth.example.com", "Healthcare", "HOSPITAL_HEALTH_CARE", "1000+"),
    ("Fjord Fintech", "fjordfintech.example.com", "Financial Services", "FINANCIAL_SERVICES", "25-50"),
    ("Granite Builders", "granitebuilders.example.com", "Construction", "CONSTRUCTION", "100-500"),
    ("Helios Energy", "helios-energy.example.com", "Renewables", "RENEWABLES_ENVIRONMENT", "500-1000"),
    ("Indigo Retail", "indigoretail.example.com", "Retail", "RETAIL", "1000+"),
    ("Juniper Labs", "juniperlabs.example.com", "Biotechnology", "BIOTECHNOLOGY", "25-50"),
    ("Kite Education", "kite-edu.example.com", "Education", "EDUCATION_MANAGEMENT", "50-100"),
    ("Lumen Media", "lumenmedia.example.com", "Media", "MEDIA_PRODUCTION", "5-25"),
    ("Meridian Travel", "meridiantravel.example.com", "Travel", "LEISURE_TRAVEL_TOURISM", "100-500"),
    ("Nimbus Cloud", "nimbuscloud.example.com", "Software", "COMPUTER_SOFTWARE", "500-1000"),
    ("Orchid Foods", "orchidfoods.example.com", "Food & Beverage", "FOOD_BEVERAGES", "100-500"),
    ("Polar Insurance", "polarinsurance.example.com", "Insurance", "INSURANCE", "1000+"),
    ("Quartz Legal", "quartzlegal.example.com", "Legal Services", "LEGAL_SERVICES", "25-50"),
    ("Riverstone Realty", "riverstone.example.com", "Real Estate", "REAL_ESTATE", "5-25"),
    ("Summit Outdoor", "summitoutdoor.example.com", "Retail", "RETAIL", "50-100"),
    ("Tidewater Marine", "tidewater.example.com", "Maritime", "MARITIME", "100-500"),
    ("Umber Coffee Co.", "umbercoffee.example.com", "Food & Beverage", "FOOD_BEVERAGES", "1-5"),
    ("Vertex Security", "vertexsec.example.com", "Computer & Network Security", "COMPUTER_NETWORK_SECURITY", "50-100"),
    ("Willow Architects", "willowarch.example.com", "Architecture", "ARCHITECTURE_PLANNING", "5-25"),
    ("Zephyr Aerospace", "zephyr-aero.example.com", "Aerospace", "AVIATION_AEROSPACE", "1000+"),
];

/// Companies that share a domain with one above, as portals get them (an import, a second
/// office): HubSpot does not keep company domains unique.
const SAME_DOMAIN_COMPANIES: &[(&str, &str)] =
    &[("Nimbus Cloud Inc.", "nimbuscloud.example.com"), ("Helios Energy Europe", "helios-energy.example.com")];

const JOB_TITLES: &[&str] = &[
    "VP Sales",
    "Head of Marketing",
    "Revenue Operations Manager",
    "CTO",
    "Software Engineer",
    "Office Manager",
    "Procurement Lead",
    "CEO",
    "Customer Success Manager",
    "Data Analyst",
    "Operations Director",
    "Founder",
];

const PLACES: &[(&str, &str, &str)] = &[
    ("Boston", "MA", "United States"),
    ("Austin", "TX", "United States"),
    ("Toronto", "ON", "Canada"),
    ("London", "England", "United Kingdom"),
    ("Berlin", "Berlin", "Germany"),
    ("Paris", "Île-de-France", "France"),
    ("Madrid", "Madrid", "Spain"),
    ("São Paulo", "SP", "Brazil"),
    ("Lagos", "Lagos", "Nigeria"),
    ("Bengaluru", "Karnataka", "India"),
    ("Tokyo", "Tokyo", "Japan"),
    ("Sydney", "NSW", "Australia"),
];

const STAGES: &[(&str, u32)] = &[
    ("subscriber", 15),
    ("lead", 35),
    ("marketingqualifiedlead", 15),
    ("salesqualifiedlead", 12),
    ("opportunity", 10),
    ("customer", 10),
    ("evangelist", 3),
];

const LEAD_STATUSES: &[&str] =
    &["NEW", "OPEN", "IN_PROGRESS", "ATTEMPTED_TO_CONTACT", "CONNECTED", "UNQUALIFIED", "BAD_TIMING"];
const TIERS: &[&str] = &["gold", "silver", "bronze"];
const INTERESTS: &[&str] = &["analytics", "automation", "integrations", "reporting", "security"];
const REGIONS: &[&str] = &["amer", "emea", "apac"];
const CAMPAIGNS: &[&str] =
    &["webinar-2026-q1", "trade-show-berlin", "partner-referral", "organic-search", "paid-social"];

/// Seeded data is anchored to a fixed date, not the clock, so it is the same on every run.
pub fn anchor() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 9, 0, 0).single().expect("valid date")
}

/// Twelve owners; three are deactivated (archived, no `userId`).
pub fn owners() -> Vec<Owner> {
    let people = [
        ("Avery", "Johnson", "Sales East", false),
        ("Blake", "Moreno", "Sales East", false),
        ("Casey", "Nguyen", "Sales West", false),
        ("Devon", "Okoro", "Sales West", false),
        ("Emerson", "Kaur", "Enterprise", false),
        ("Finley", "Haas", "Enterprise", false),
        ("Gray", "Sato", "SMB", false),
        ("Harper", "Lindqvist", "SMB", false),
        ("Indy", "Marchetti", "Partners", false),
        ("Jordan", "Petrenko", "Sales East", true),
        ("Kai", "Fontaine", "Enterprise", true),
        ("Logan", "Adeyemi", "SMB", true),
    ];
    people
        .iter()
        .enumerate()
        .map(|(i, (first, last, team, deactivated))| {
            let user_id = 9_100_000 + i as u64;
            Owner {
                id: (101 + i).to_string(),
                email: format!("{}.{}@hubsync-sandbox.test", first.to_lowercase(), last.to_lowercase()),
                first_name: first.to_string(),
                last_name: last.to_string(),
                user_id: (!deactivated).then_some(user_id),
                user_id_including_inactive: user_id,
                kind: "PERSON".into(),
                teams: vec![Team { id: team_id(team), name: team.to_string(), primary: true }],
                archived: *deactivated,
                created_at: "2023-03-01T12:00:00.000Z".into(),
                updated_at: if *deactivated {
                    "2026-02-10T08:30:00.000Z".into()
                } else {
                    "2025-11-20T16:45:00.000Z".into()
                },
            }
        })
        .collect()
}

fn team_id(team: &str) -> String {
    const TEAMS: &[&str] = &["Sales East", "Sales West", "Enterprise", "SMB", "Partners"];
    (501 + TEAMS.iter().position(|t| *t == team).unwrap_or(TEAMS.len())).to_string()
}

fn ascii_slug(s: &str) -> String {
    s.chars()
        .filter_map(|c| match c {
            'a'..='z' | '0'..='9' => Some(c),
            'A'..='Z' => Some(c.to_ascii_lowercase()),
            'á' | 'à' | 'ã' | 'â' | 'Á' => Some('a'),
            'é' | 'è' | 'ễ' | 'ë' | 'É' => Some('e'),
            'í' | 'Í' => Some('i'),
            'ó' | 'ö' | 'ø' | 'Ó' => Some('o'),
            'ú' | 'ü' | 'Ú' => Some('u'),
            'ç' => Some('c'),
            'ñ' => Some('n'),
            'ř' => Some('r'),
            'ł' | 'Ł' => Some('l'),
            'ä' => Some('a'),
            _ => None,
        })
        .collect()
}

/// `count` contacts. Every email is unique (case-insensitively, additional emails included).
pub fn contacts(seed: u64, count: usize, owners: &[Owner]) -> Vec<SeedRecord> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let anchor = anchor();
    let stage_total: u32 = STAGES.iter().map(|(_, w)| w).sum();
    (0..count)
        .map(|i| {
            let first = *FIRST_NAMES.choose(&mut rng).expect("non-empty");
            let last = *LAST_NAMES.choose(&mut rng).expect("non-empty");
            let (company, domain, industry, _, employees) = *COMPANIES.choose(&mut rng).expect("non-empty");
            let (city, state, country) = *PLACES.choose(&mut rng).expect("non-empty");
            let mut p = Properties::new();
            let mut set = |k: &str, v: String| {
                p.insert(k.to_string(), v);
            };
            set("firstname", first.to_string());
            set("lastname", last.to_string());
            // About 2% have no email at all, as real portals do (imports, chats, calls).
            if rng.random_ratio(49, 50) {
                let local = format!("{}.{}{}", ascii_slug(first), ascii_slug(last), i + 1);
                let email = format!("{local}@{domain}");
                // About 10% were typed with capitals.
                let email = if rng.random_ratio(1, 10) { mixed_case(&email) } else { email };
                set("email", email);
                if rng.random_ratio(1, 20) {
                    set(
                        "hs_additional_emails",
                        format!("{}.{}{}@personal-mail.example.com", ascii_slug(first), ascii_slug(last), i + 1),
                    );
                }
            }
            set("company", company.to_string());
            set("website", format!("https://www.{domain}"));
            set("industry", industry.to_string());
            set("numemployees", employees.to_string());
            set("jobtitle", JOB_TITLES.choose(&mut rng).expect("non-empty").to_string());
            if rng.random_ratio(4, 5) {
                set("phone", format!("+1 617 555 {:04}", rng.random_range(0..10_000)));
            }
            if rng.random_ratio(1, 3) {
                set("mobilephone", format!("+1 857 555 {:04}", rng.random_range(0..10_000)));
            }
            set("city", city.to_string());
            set("state", state.to_string());
            set("country", country.to_string());
            let mut roll = rng.random_range(0..stage_total);
            let stage = STAGES
                .iter()
                .find(|(_, w)| {
                    let hit = roll < *w;
                    roll = roll.saturating_sub(*w);
                    hit
                })
                .map(|(s, _)| *s)
                .unwrap_or("lead");
            set("lifecyclestage", stage.to_string());
            if rng.random_ratio(2, 3) {
                set("hs_lead_status", LEAD_STATUSES.choose(&mut rng).expect("non-empty").to_string());
            }
            if rng.random_ratio(17, 20) {
                set("hubspot_owner_id", owners.choose(&mut rng).expect("owners exist").id.clone());
            }
            if rng.random_ratio(1, 2) {
                set("annualrevenue", (rng.random_range(1..5000) * 10_000).to_string());
            }
            set("lead_score", rng.random_range(0..=100).to_string());
            set("is_vip", if rng.random_ratio(1, 10) { "true" } else { "false" }.to_string());
            if stage == "customer" || stage == "evangelist" {
                let renewal = anchor + Duration::days(rng.random_range(30..400));
                set("renewal_date", renewal.format("%Y-%m-%d").to_string());
                set("customer_tier", TIERS.choose(&mut rng).expect("non-empty").to_string());
            }
            if rng.random_ratio(1, 4) {
                let at = anchor - Duration::minutes(rng.random_range(60..200_000));
                set("last_demo_at", crate::properties::format_timestamp(at.with_timezone(&Utc)));
            }
            if rng.random_ratio(2, 5) {
                let how_many = rng.random_range(1..=3);
                let mut picked: Vec<&str> = INTERESTS.choose_multiple(&mut rng, how_many).copied().collect();
                picked.sort_unstable();
                set("product_interests", picked.join(";"));
            }
            set("sales_region", REGIONS.choose(&mut rng).expect("non-empty").to_string());
            if rng.random_ratio(1, 3) {
                set("source_campaign", CAMPAIGNS.choose(&mut rng).expect("non-empty").to_string());
            }
            if rng.random_ratio(1, 8) {
                set("internal_notes", format!("Met {first} at {company}; follow up about renewal.\nPrefers email."));
            }
            let created_at = anchor - Duration::minutes(rng.random_range(1_440..1_051_200));
            let updated_at =
                created_at + Duration::minutes(rng.random_range(0..(anchor - created_at).num_minutes().max(1)));
            SeedRecord { id: None, properties: p, archived: false, created_at, updated_at }
        })
        .collect()
}

/// Companies and deals draw from their own generator, so contacts are the same with or without
/// them.
const COMPANY_STREAM: u64 = 0x636f_6d70_616e_6965;

/// A company per domain the seeded contacts use (`COMPANIES`), then the ones that share a
/// domain with another.
pub fn companies(seed: u64, owners: &[Owner]) -> Vec<SeedRecord> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ COMPANY_STREAM);
    let anchor = anchor();
    let main = COMPANIES.iter().map(|(name, domain, _, industry, band)| (*name, *domain, Some(*industry), Some(*band)));
    let twins = SAME_DOMAIN_COMPANIES.iter().map(|(name, domain)| (*name, *domain, None, None));
    main.chain(twins)
        .enumerate()
        .map(|(i, (name, domain, industry, band))| {
            let mut p = Properties::new();
            let mut set = |k: &str, v: String| {
                p.insert(k.to_string(), v);
            };
            set("name", name.to_string());
            set("domain", domain.to_string());
            let (city, state, country) = *PLACES.choose(&mut rng).expect("non-empty");
            set("city", city.to_string());
            set("state", state.to_string());
            set("country", country.to_string());
            // The twins were made by hand or imported: fewer values, as such records have.
            if let (Some(industry), Some(band)) = (industry, band) {
                set("website", format!("https://www.{domain}"));
                set("industry", industry.to_string());
                let employees = employees_in(band, &mut rng);
                set("numberofemployees", employees.to_string());
                set("annualrevenue", (employees * rng.random_range(8..25) * 10_000).to_string());
                set("phone", format!("+1 617 555 {:04}", rng.random_range(0..10_000)));
                set(
                    "lifecyclestage",
                    ["lead", "opportunity", "customer"].choose(&mut rng).expect("non-empty").to_string(),
                );
                set("hubspot_owner_id", owners.choose(&mut rng).expect("owners exist").id.clone());
                set("description", format!("{name}, based in {city}."));
                if rng.random_ratio(2, 3) {
                    set("erp_account_id", format!("ERP-{:05}", 10_001 + i));
                }
                set("account_tier", ["strategic", "key", "standard"].choose(&mut rng).expect("non-empty").to_string());
            }
            let created_at = anchor - Duration::minutes(rng.random_range(100_000..1_051_200));
            let updated_at =
                created_at + Duration::minutes(rng.random_range(0..(anchor - created_at).num_minutes().max(1)));
            SeedRecord { id: None, properties: p, archived: false, created_at, updated_at }
        })
        .collect()
}

/// A number of employees within a band of `COMPANIES`.
fn employees_in(band: &str, rng: &mut ChaCha8Rng) -> u64 {
    let (low, high) = match band.split_once('-') {
        Some((low, high)) => (low.parse().unwrap_or(1), high.parse().unwrap_or(5)),
        None => (1000, 5000),
    };
    rng.random_range(low..=high)
}

/// A seeded deal and the seeded company (its index in `companies`' result) it was made for:
/// the link the portal's deal-to-company associations are seeded from.
pub struct SeedDeal {
    pub company: usize,
    pub record: SeedRecord,
}

const PRODUCTS: &[&str] = &["Annual subscription", "Platform expansion", "Onboarding services", "Renewal", "Pilot"];

/// Stages of the default pipeline with their weights; the first three deals take open, won and
/// lost in turn, so every seed has each.
const DEAL_STAGES: &[(&str, u32)] = &[
    ("appointmentscheduled", 15),
    ("qualifiedtobuy", 15),
    ("presentationscheduled", 12),
    ("decisionmakerboughtin", 10),
    ("contractsent", 8),
    ("closedwon", 25),
    ("closedlost", 15),
];

/// Up to three deals per company of `COMPANIES` (none for the same-domain twins), in the
/// default pipeline, owned by active owners.
pub fn deals(seed: u64, companies: &[SeedRecord], owners: &[Owner]) -> Vec<SeedDeal> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ COMPANY_STREAM ^ 0xdea1);
    let anchor = anchor();
    let active: Vec<&Owner> = owners.iter().filter(|o| !o.archived).collect();
    let pipelines = crate::pipelines::DealPipelines::default();
    let weight_total: u32 = DEAL_STAGES.iter().map(|(_, w)| w).sum();
    let mut deals = Vec::new();
    for (company, record) in companies.iter().enumerate().take(COMPANIES.len()) {
        let name = record.properties.get("name").map(String::as_str).unwrap_or("Company");
        for _ in 0..rng.random_range(1..=3) {
            let stage = match deals.len() {
                0 => "contractsent",
                1 => "closedwon",
                2 => "closedlost",
                _ => {
                    let mut roll = rng.random_range(0..weight_total);
                    DEAL_STAGES
                        .iter()
                        .find(|(_, w)| {
                            let hit = roll < *w;
                            roll = roll.saturating_sub(*w);
                            hit
                        })
                        .map_or("qualifiedtobuy", |(s, _)| *s)
                }
            };
            let closed = stage.starts_with("closed");
            let close_at = if closed {
                anchor - Duration::days(rng.random_range(1..365))
            } else {
                anchor + Duration::days(rng.random_range(7..180))
            };
            let created_at = close_at.min(anchor) - Duration::days(rng.random_range(20..200));
            let mut p = Properties::new();
            p.insert("dealname".into(), format!("{name} – {}", PRODUCTS.choose(&mut rng).expect("non-empty")));
            p.insert("amount".into(), (rng.random_range(10..500) * 500).to_string());
            p.insert("closedate".into(), crate::properties::format_timestamp(close_at));
            p.insert("pipeline".into(), crate::pipelines::DEFAULT_PIPELINE_ID.into());
            p.insert("dealstage".into(), stage.into());
            let kind = if rng.random_ratio(2, 3) { "newbusiness" } else { "existingbusiness" };
            p.insert("dealtype".into(), kind.into());
            if let Some(owner) = active.choose(&mut rng) {
                p.insert("hubspot_owner_id".into(), owner.id.clone());
            }
            // The calculated flags come from the stage, as the portal computes them.
            crate::deal_rules::settle_deal(&pipelines, &mut p, true);
            let updated_at = if closed { close_at } else { anchor - Duration::days(rng.random_range(0..20)) };
            let record = SeedRecord { id: None, properties: p, archived: false, created_at, updated_at };
            deals.push(SeedDeal { company, record });
        }
    }
    deals
}

/// The seeded records, by id, as `associations` reads them: each contact's email domain, each
/// company's domain, and each deal's company (an index into `companies`).
pub struct Seeded<'a> {
    pub contacts: &'a [(u64, Option<String>)],
    pub companies: &'a [(u64, String)],
    pub deals: &'a [(u64, usize)],
}

/// The seeded portal's associations, the same for the same seed: every contact with an email
/// has the company of its email's domain as its primary company (the older of two companies
/// sharing a domain), and about one in twenty also another company, unlabelled; every deal has
/// the company it was made for as its primary company, and one or two of that company's
/// contacts.
pub fn associations(seed: u64, seeded: &Seeded) -> Vec<PlannedAssociation> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ COMPANY_STREAM ^ 0xa550c);
    let mut by_domain: HashMap<&str, u64> = HashMap::new();
    for (id, domain) in seeded.companies {
        by_domain.entry(domain.as_str()).or_insert(*id);
    }
    let company_ids: Vec<u64> = seeded.companies.iter().map(|(id, _)| *id).collect();
    let mut planned = Vec::new();
    let mut people: HashMap<u64, Vec<u64>> = HashMap::new();
    for (contact, domain) in seeded.contacts {
        let Some(company) = domain.as_deref().and_then(|d| by_domain.get(d)) else { continue };
        planned.push(((ObjectType::Contact, *contact), (ObjectType::Company, *company), vec![Kind::Primary]));
        people.entry(*company).or_default().push(*contact);
        if rng.random_ratio(1, 20)
            && let Some(&other) = company_ids.choose(&mut rng)
            && other != *company
        {
            planned.push(((ObjectType::Contact, *contact), (ObjectType::Company, other), vec![Kind::Unlabeled]));
        }
    }
    for (deal, company_index) in seeded.deals {
        let Some(&(company, _)) = seeded.companies.get(*company_index) else { continue };
        planned.push(((ObjectType::Deal, *deal), (ObjectType::Company, company), vec![Kind::Primary]));
        let contacts = people.get(&company).map(Vec::as_slice).unwrap_or_default();
        let how_many = rng.random_range(1..=2).min(contacts.len());
        for contact in contacts.choose_multiple(&mut rng, how_many) {
            planned.push(((ObjectType::Deal, *deal), (ObjectType::Contact, *contact), vec![Kind::Unlabeled]));
        }
    }
    planned
}

fn mixed_case(email: &str) -> String {
    let (local, domain) = email.split_once('@').expect("has @");
    let mut chars = local.chars();
    let head: String = chars.next().map(|c| c.to_uppercase().collect()).unwrap_or_default();
    format!("{head}{}@{}", chars.as_str(), domain.to_uppercase())
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;
    use crate::model::identifying_emails;

    #[test]
    fn same_seed_same_data_and_unique_emails() {
        let owners = owners();
        let a = contacts(42, 2000, &owners);
        let b = contacts(42, 2000, &owners);
        assert!(a.iter().zip(&b).all(|(x, y)| x.properties == y.properties && x.created_at == y.created_at));
        let mut seen = HashSet::new();
        for c in &a {
            for e in identifying_emails(&c.properties) {
                assert!(seen.insert(e.clone()), "duplicate {e}");
            }
        }
        let mixed = a.iter().filter(|c| c.properties.get("email").is_some_and(|e| e.to_lowercase() != *e)).count();
        let without = a.iter().filter(|c| !c.properties.contains_key("email")).count();
        let additional = a.iter().filter(|c| c.properties.contains_key("hs_additional_emails")).count();
        assert!(mixed > 100 && without > 10 && additional > 40, "{mixed} {without} {additional}");
        assert_ne!(contacts(43, 10, &owners)[0].properties, a[0].properties);
    }

    #[test]
    fn companies_cover_the_contacts_domains_and_deals_their_companies() {
        let owners = owners();
        let companies = companies(7, &owners);
        assert_eq!(companies.len(), COMPANIES.len() + SAME_DOMAIN_COMPANIES.len());
        let domain = |c: &SeedRecord| c.properties["domain"].clone();
        for contact in contacts(7, 500, &owners) {
            let Some(email) = contact.properties.get("email") else { continue };
            let contact_domain = email.rsplit_once('@').unwrap().1.to_lowercase();
            assert!(companies.iter().any(|c| domain(c) == contact_domain), "no company for {contact_domain}");
        }
        let mut domains: Vec<String> = companies.iter().map(domain).collect();
        domains.sort();
        domains.dedup();
        assert_eq!(domains.len(), COMPANIES.len(), "two pairs of companies share a domain");

        let deals = deals(7, &companies, &owners);
        let stage = |d: &SeedDeal| d.record.properties["dealstage"].clone();
        assert!(deals.iter().any(|d| stage(d) == "closedwon" && d.record.properties["hs_is_closed_won"] == "true"));
        assert!(deals.iter().any(|d| stage(d) == "closedlost" && d.record.properties["hs_is_closed"] == "true"));
        assert!(deals.iter().any(|d| d.record.properties["hs_is_closed"] == "false"));
        for deal in &deals {
            let company = &companies[deal.company];
            assert!(deal.record.properties["dealname"].starts_with(company.properties["name"].as_str()));
            assert_eq!(deal.record.properties["pipeline"], "default");
        }
        let again = super::deals(7, &companies, &owners);
        assert!(deals.iter().zip(&again).all(|(a, b)| a.record.properties == b.record.properties));
    }

    #[test]
    fn contacts_have_their_domains_company_as_primary_and_deals_theirs() {
        let owners = owners();
        let contacts: Vec<(u64, Option<String>)> = contacts(9, 400, &owners)
            .iter()
            .enumerate()
            .map(|(i, c)| {
                (1001 + i as u64, c.properties.get("email").map(|e| e.rsplit_once('@').unwrap().1.to_lowercase()))
            })
            .collect();
        let seeded_companies = companies(9, &owners);
        let companies: Vec<(u64, String)> = seeded_companies
            .iter()
            .enumerate()
            .map(|(i, c)| (5001 + i as u64, c.properties["domain"].clone()))
            .collect();
        let deals: Vec<(u64, usize)> = deals(9, &seeded_companies, &owners)
            .iter()
            .enumerate()
            .map(|(i, d)| (9001 + i as u64, d.company))
            .collect();
        let seeded = Seeded { contacts: &contacts, companies: &companies, deals: &deals };
        let planned = associations(9, &seeded);
        assert_eq!(planned, associations(9, &seeded), "the same seed, the same associations");

        let company_domain = |id: u64| companies.iter().find(|(c, _)| *c == id).map(|(_, d)| d.as_str()).unwrap();
        for (contact, domain) in &contacts {
            let primaries: Vec<u64> = planned
                .iter()
                .filter(|(from, _, kinds)| *from == (ObjectType::Contact, *contact) && kinds.contains(&Kind::Primary))
                .map(|(_, to, _)| to.1)
                .collect();
            match domain {
                Some(domain) => {
                    assert_eq!(primaries.len(), 1, "contact {contact}");
                    assert_eq!(company_domain(primaries[0]), domain);
                    let first_with_domain = companies.iter().find(|(_, d)| d == domain).unwrap().0;
                    assert_eq!(primaries[0], first_with_domain, "the older of two same-domain companies");
                }
                None => assert!(primaries.is_empty()),
            }
        }
        let secondary =
            planned.iter().filter(|(from, _, kinds)| from.0 == ObjectType::Contact && kinds == &[Kind::Unlabeled]);
        assert!(secondary.count() > 5, "some contacts have a second company");
        for (deal, company) in &deals {
            let of_deal: Vec<_> = planned.iter().filter(|(from, _, _)| *from == (ObjectType::Deal, *deal)).collect();
            assert!(
                of_deal
                    .iter()
                    .any(|(_, to, kinds)| *to == (ObjectType::Company, companies[*company].0)
                        && kinds == &[Kind::Primary])
            );
            let people: Vec<u64> =
                of_deal.iter().filter(|(_, to, _)| to.0 == ObjectType::Contact).map(|(_, to, _)| to.1).collect();
            assert!((1..=2).contains(&people.len()), "deal {deal}: {people:?}");
            for person in people {
                let domain = contacts.iter().find(|(c, _)| *c == person).and_then(|(_, d)| d.clone()).unwrap();
                assert_eq!(domain, companies[*company].1, "a deal's contacts work at its company");
            }
        }
    }
}
