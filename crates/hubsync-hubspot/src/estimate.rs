//! How many requests the client's operations make, for a run's estimate before anything is
//! sent. Each function gives the floor: what the operation costs when every reply holds all it
//! can (and no retry is needed); the doc of each says what adds to it.

use crate::client::BATCH_LIMIT;
use crate::companies::domain_search_groups;
use crate::objects::SEARCH_PAGE;

/// Batch reads, creates, updates, archives and association writes of `inputs` inputs: one
/// request per 100, `ceil(inputs / 100)`.
pub fn batch_requests(inputs: usize) -> u64 {
    inputs.div_ceil(BATCH_LIMIT) as u64
}

/// A windowed search (`SearchWindows`) that matches `matches` records: one request per 200, and
/// at least one (a search that matches nothing still asks once), `max(1, ceil(matches / 200))`.
pub fn search_requests(matches: u64) -> u64 {
    matches.div_ceil(SEARCH_PAGE as u64).max(1)
}

/// `search_companies_by_domains` of `domains` with `properties`, at the floor: one search
/// request per group of `domain_search_groups`, which is `ceil(N / 100)` for N distinct domains
/// unless long domains or many properties push a group's body past 3,000 characters (then more
/// groups). A group whose domains match more than 200 companies costs
/// `search_requests(matches)` instead of one: one more request per further 200. Search requests
/// count against search's own limit (5 a second), not the rolling window.
pub fn domain_search_requests(domains: &[String], properties: &[String]) -> u64 {
    domain_search_groups(domains, properties).len() as u64
}

/// `read_associations` from `from_ids` distinct records, at the floor: `ceil(N / 100)` requests.
/// Every record with more associations than one page holds (HubSpot doesn't document the page
/// size; 500 is the per-record read's default, and more than 600 have been seen in one page)
/// adds requests for its further pages, which go out 100 records to a request.
pub fn association_read_requests(from_ids: usize) -> u64 {
    batch_requests(from_ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_floors() {
        assert_eq!((batch_requests(0), batch_requests(1), batch_requests(100), batch_requests(101)), (0, 1, 1, 2));
        assert_eq!((search_requests(0), search_requests(200), search_requests(201)), (1, 1, 2));
        let domains: Vec<String> = (0..250).map(|i| format!("d{i}.com")).collect();
        assert_eq!(domain_search_requests(&domains, &[]), 3);
        assert_eq!(domain_search_requests(&[], &[]), 0);
        assert_eq!(association_read_requests(250), 3);
    }
}
