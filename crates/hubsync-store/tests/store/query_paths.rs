//! The ways `query_leads` finds a page without reading every lead (migration 0014): searches of
//! one and two characters, "equals" and "contains" filters through a field's values, sorts
//! through a field's index, pages read from the nearer end. Each answers as the definition of
//! the query does, worked out here from every lead without SQL.

use std::cmp::Ordering;

use hubsync_store::{FieldOp, FieldType, Lead, LeadFilter, LeadQuery, LeadSort, MAX_PAGE_ROWS, SortKey, Store, fold};
use proptest::prelude::*;

fn ids(store: &Store, query: &LeadQuery) -> (Vec<i64>, u64) {
    let page = store.query_leads(query).unwrap();
    (page.leads.into_iter().map(|l| l.id).collect(), page.total)
}

fn search(store: &Store, text: &str) -> Vec<i64> {
    ids(store, &LeadQuery { search: text.into(), ..every(LeadQuery::default()) }).0
}

fn every(query: LeadQuery) -> LeadQuery {
    LeadQuery { offset: 0, limit: MAX_PAGE_ROWS, ..query }
}

fn filter(field: &str, op: FieldOp, value: &str) -> LeadQuery {
    LeadQuery {
        filters: vec![LeadFilter::Field { field: field.into(), op, value: value.into() }],
        ..every(LeadQuery::default())
    }
}

fn sorted(key: &str, descending: bool) -> LeadQuery {
    LeadQuery { sort: LeadSort { key: SortKey::Field { key: key.into() }, descending }, ..every(LeadQuery::default()) }
}

/// The leads `keep` holds for, by id.
fn expected(store: &Store, keep: impl Fn(&Lead) -> bool) -> Vec<i64> {
    store.leads().unwrap().into_iter().filter(|l| keep(l)).map(|l| l.id).collect()
}

/// Text as SQLite's `NOCASE` orders it: bytes, ASCII letters lowered.
fn nocase(a: &str, b: &str) -> Ordering {
    a.bytes().map(|b| b.to_ascii_lowercase()).cmp(b.bytes().map(|b| b.to_ascii_lowercase()))
}

/// The order a sort by `key` means: leads with a value by it (numbers by size), ties by id,
/// the whole reversed when descending; leads without a value last, by id the same way.
fn expected_order(store: &Store, key: &str, number: bool, descending: bool) -> Vec<i64> {
    let leads = store.leads().unwrap();
    let mut valued: Vec<(&str, i64)> =
        leads.iter().filter_map(|l| l.values.get(key).map(|v| (v.as_str(), l.id))).collect();
    valued.sort_by(|(a, x), (b, y)| {
        let by_value =
            if number { a.parse::<f64>().unwrap().total_cmp(&b.parse::<f64>().unwrap()) } else { nocase(a, b) };
        by_value.then(x.cmp(y))
    });
    let mut without: Vec<i64> = leads.iter().filter(|l| !l.values.contains_key(key)).map(|l| l.id).collect();
    if descending {
        valued.reverse();
        without.reverse();
    }
    valued.into_iter().map(|(_, id)| id).chain(without).collect()
}

/// Every window of `limit` leads of `query`, from either end, is that slice of the whole, with
/// the whole's count.
fn check_pages(store: &Store, query: &LeadQuery, whole: &[i64]) -> Result<(), TestCaseError> {
    let total = whole.len() as u64;
    for limit in [1u64, 3] {
        for offset in 0..=total + 1 {
            let (page, count) = ids(store, &LeadQuery { offset, limit, ..query.clone() });
            let from = (offset as usize).min(whole.len());
            let to = (from + limit as usize).min(whole.len());
            prop_assert_eq!(count, total, "the count of {:?}", query);
            prop_assert_eq!(&page[..], &whole[from..to], "{} from {} of {:?}", limit, offset, query);
        }
    }
    Ok(())
}

/// Letters whose folding is the hard part (the Kelvin sign, dotted I, sharp s, sigmas, é), and
/// marks; a few, so values repeat and share their beginnings.
const CHARS: [char; 16] = ['a', 'k', 'K', '\u{212A}', 'i', 'İ', 'ß', 'Σ', 'σ', 'é', 'É', 'E', 'e', ' ', '%', 'q'];

fn text(len: std::ops::Range<usize>) -> impl Strategy<Value = String> {
    proptest::collection::vec(proptest::sample::select(CHARS.to_vec()), len).prop_map(|c| c.into_iter().collect())
}

/// A needle of one or two characters: letters, or what a score ends with, which ends a lead's
/// document.
fn needle() -> impl Strategy<Value = String> {
    let chars: Vec<char> = CHARS.iter().copied().chain("0123456789.-".chars()).collect();
    proptest::collection::vec(proptest::sample::select(chars), 1..3).prop_map(|c| c.into_iter().collect())
}

fn store_of(leads: &[(Option<String>, Option<i64>)]) -> Store {
    let mut store = super::store();
    store.add_field("score", None, FieldType::Number, &[]).unwrap();
    for (i, (company, score)) in leads.iter().enumerate() {
        let score = score.map(|s| format!("{}", s as f64 / 4.0));
        let mut values = vec![];
        if let Some(company) = company {
            values.push(("company", company.as_str()));
        }
        if let Some(score) = &score {
            values.push(("score", score.as_str()));
        }
        store.add_lead(&format!("u{i}@example.com"), &values).unwrap();
    }
    store
}

fn leads() -> impl Strategy<Value = Vec<(Option<String>, Option<i64>)>> {
    proptest::collection::vec((proptest::option::of(text(0..5)), proptest::option::of(-40i64..40)), 1..14)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// An "equals" filter finds the values that fold to the needle, a "contains" filter those
    /// whose folded text holds it, in id order and counted, on every page.
    #[test]
    fn field_filters_find_what_folding_each_value_finds(leads in leads(), needles in proptest::collection::vec(text(0..4), 1..5)) {
        let store = store_of(&leads);
        let values = |l: &Lead| l.values.get("company").cloned();
        for needle in &needles {
            let folded = fold(needle.trim());
            let equal = expected(&store, |l| values(l).is_some_and(|v| fold(&v) == folded));
            let query = filter("company", FieldOp::Equals, needle);
            prop_assert_eq!(ids(&store, &query), (equal.clone(), equal.len() as u64), "equals {:?}", needle);
            check_pages(&store, &query, &equal)?;
            let holding = expected(&store, |l| values(l).is_some_and(|v| fold(&v).contains(&folded)));
            let query = filter("company", FieldOp::Contains, needle);
            prop_assert_eq!(ids(&store, &query), (holding.clone(), holding.len() as u64), "contains {:?}", needle);
            check_pages(&store, &query, &holding)?;
        }
        // A value of the store, in upper case, as a user types what they see.
        if let Some(Some(company)) = leads.first().map(|(c, _)| c.clone()) {
            let typed = company.to_uppercase();
            let equal = expected(&store, |l| values(l).is_some_and(|v| fold(&v) == fold(typed.trim())));
            prop_assert_eq!(ids(&store, &filter("company", FieldOp::Equals, &typed)).0, equal, "equals {:?}", typed);
        }
    }

    /// Sorts by a text and a number field, both ways, on every page.
    #[test]
    fn sorts_by_a_field_order_every_page_as_the_definition_does(leads in leads()) {
        let store = store_of(&leads);
        for (key, number) in [("company", false), ("score", true)] {
            for descending in [false, true] {
                let whole = expected_order(&store, key, number, descending);
                check_pages(&store, &sorted(key, descending), &whole)?;
            }
        }
    }

    /// Searches of one and two characters, alone and in id order both ways, on every page.
    #[test]
    fn short_searches_page_as_every_value_read_does(leads in leads(), needles in proptest::collection::vec(needle(), 1..5)) {
        let store = store_of(&leads);
        for needle in &needles {
            let folded = fold(needle.trim());
            if folded.is_empty() {
                continue;
            }
            let mut holding = expected(&store, |l| {
                fold(&l.email).contains(&folded) || l.values.values().any(|v| fold(v).contains(&folded))
            });
            let query = LeadQuery { search: needle.clone(), ..every(LeadQuery::default()) };
            check_pages(&store, &query, &holding)?;
            holding.reverse();
            let newest_first = LeadQuery { sort: LeadSort { key: SortKey::Id, descending: true }, ..query };
            check_pages(&store, &newest_first, &holding)?;
        }
    }
}

#[test]
fn a_number_field_sorts_by_size_with_leads_without_a_value_last_both_ways() {
    let mut store = super::store();
    store.add_field("score", None, FieldType::Number, &[]).unwrap();
    for (email, score) in [
        ("a@example.com", "10"),
        ("b@example.com", "9"),
        ("c@example.com", ""),
        ("d@example.com", "-2.5"),
        ("e@example.com", "9"),
    ] {
        store.add_lead(email, &[("score", score)]).unwrap();
    }
    let order = |descending| ids(&store, &sorted("score", descending)).0;
    assert_eq!(order(false), [4, 2, 5, 1, 3], "-2.5, 9, 9, 10, then none; ties by id");
    assert_eq!(order(true), [1, 5, 2, 4, 3], "10, 9, 9, -2.5, then none");
}

#[test]
fn one_and_two_characters_are_found_at_a_documents_end_and_beyond_ascii() {
    let mut store = super::store();
    // The last value of a document is its last characters: no trigram starts there.
    store.add_lead("ann@example.com", &[("city", "Zq")]).unwrap();
    store.add_lead("bo@example.com", &[("city", "Zürich"), ("company", "Öl AG")]).unwrap();
    store.add_lead("cy@example.com", &[("company", "\u{212A}elvin")]).unwrap();
    // And in the middle of another's, where a trigram starts with them.
    store.add_lead("dee@example.com", &[("city", "Zqa"), ("company", "Acme")]).unwrap();
    assert_eq!(search(&store, "zq"), [1, 4], "at the end of a document and inside another");
    assert_eq!(search(&store, "q"), [1, 4]);
    assert_eq!(search(&store, "ü"), [2], "a character without a bit of its own");
    assert_eq!(search(&store, "Ö"), [2]);
    assert_eq!(search(&store, "k"), [3], "the Kelvin sign folds to k");
    assert_eq!(search(&store, "Ag"), [2]);
    assert_eq!(search(&store, "x"), [1, 2, 3, 4], "example");
    assert!(search(&store, "ß").is_empty());
    store.update_lead(1, &[("city", "")]).unwrap();
    assert_eq!(search(&store, "zq"), [4], "an edit takes its characters with it");
    assert_eq!(search(&store, "q"), [4]);
}

#[test]
fn a_store_from_before_the_query_paths_gets_them_when_opened() {
    let dir = super::temp_dir("query-paths-upgrade");
    let path = dir.join("hubsync.db");
    {
        let mut store = Store::open(&path, super::clock()).unwrap();
        store.add_field("score", None, FieldType::Number, &[]).unwrap();
        store.add_lead("ann@example.com", &[("city", "Oslo"), ("score", "12")]).unwrap();
        store.add_lead("bo@example.com", &[("city", "Graz"), ("score", "3")]).unwrap();
    }
    super::upgrades::roll_back_to_13(&path);
    let store = Store::open(&path, super::clock()).unwrap();
    let search = |text: &str| search(&store, text);
    assert_eq!(search("z"), [2], "every lead's characters, counted at the upgrade");
    assert_eq!(search("az"), [2]);
    assert_eq!(search("lo"), [1]);
    assert_eq!(ids(&store, &sorted("score", false)).0, [2, 1], "3 before 12");
    assert_eq!(store.integrity_check().unwrap(), "ok");
    drop(store);
    std::fs::remove_dir_all(dir).unwrap();
}
