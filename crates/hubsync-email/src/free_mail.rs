//! Free-mail domains: those whose addresses anyone can get (gmail.com, web.de, a disposable
//! inbox's), so an address there says nothing about its owner's company. The list is a pinned
//! release of a maintained one (`free_mail_domains.txt`, written by
//! `scripts/free-mail-domains.sh`; its header names the source and licence); the store adds the
//! admin's overrides (`is_free_mail_with`).
//!
//! A subdomain of a listed domain is free-mail too: providers hand out addresses under regional
//! or per-user hosts (austin.rr.com, a disposable service's random hosts), and the list names
//! only some. The exception is a listed name under which others register their own domains
//! (net.ua, co.cc): an entry of two labels whose first is one registries use for that (`com`,
//! `net`, `co`, …) names itself only, so acme.net.ua stays a company's.

use std::collections::HashSet;
use std::sync::OnceLock;

/// First labels of two-label names that registries sell domains under (`net.ua`, `co.cc`,
/// `or.jp`): a listed name of this shape is free-mail itself without making every domain
/// registered under it one.
const REGISTRY_LABELS: &[&str] = &[
    "ac", "biz", "co", "com", "edu", "firm", "gen", "go", "gov", "ind", "info", "int", "ltd", "mil", "ne", "net",
    "nom", "or", "org", "plc", "sch",
];

fn free_mail_domains() -> &'static HashSet<&'static str> {
    static DOMAINS: OnceLock<HashSet<&'static str>> = OnceLock::new();
    DOMAINS.get_or_init(|| {
        include_str!("free_mail_domains.txt")
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect()
    })
}

/// Whether `domain` (as `normalize_domain` gives it) is a free-mail domain by the maintained
/// list: listed itself, or under a listed domain (see the module's docs).
pub fn is_free_mail(domain: &str) -> bool {
    is_free_mail_with(domain, |_| None)
}

/// `is_free_mail`, with overrides: `override_of(name)` says whether `name` is free-mail
/// (`Some`) or leaves it to the list (`None`). The domain and then each parent with two labels
/// or more is asked in turn, an override before the list, and the first that answers decides:
/// the most specific name wins, so a company's `acme.rr.com` can be taken back from a listed
/// `rr.com`, and `gmail.com` off the list takes its subdomains with it.
pub fn is_free_mail_with(domain: &str, mut override_of: impl FnMut(&str) -> Option<bool>) -> bool {
    let list = free_mail_domains();
    let mut name = domain;
    let mut is_domain_itself = true;
    loop {
        if is_domain_itself || !names_itself_only(name) {
            if let Some(free) = override_of(name) {
                return free;
            }
            if list.contains(name) {
                return true;
            }
        }
        match name.split_once('.') {
            Some((_, parent)) if parent.contains('.') => {
                name = parent;
                is_domain_itself = false;
            }
            _ => return false,
        }
    }
}

/// Whether `name` is a registry's (`net.ua`): as a parent, it makes no subdomain free-mail.
fn names_itself_only(name: &str) -> bool {
    match name.split_once('.') {
        Some((first, rest)) => !rest.contains('.') && REGISTRY_LABELS.contains(&first),
        None => true,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    #[test]
    fn the_big_providers_are_free_mail_and_companies_are_not() {
        for free in [
            "gmail.com",
            "googlemail.com",
            "yahoo.com",
            "yahoo.co.uk",
            "hotmail.com",
            "outlook.com",
            "icloud.com",
            "me.com",
            "aol.com",
            "gmx.de",
            "web.de",
            "protonmail.com",
            "proton.me",
            "mail.ru",
            "yandex.ru",
            "qq.com",
        ] {
            assert!(is_free_mail(free), "{free}");
        }
        for company in ["acme.com", "hubspot.com", "google.com", "example.com", "xn--bcher-kva.de"] {
            assert!(!is_free_mail(company), "{company}");
        }
    }

    #[test]
    fn a_subdomain_of_a_listed_domain_is_free_mail() {
        assert!(is_free_mail("austin.rr.com"), "listed itself");
        assert!(!free_mail_domains().contains("socal.rr.com"));
        assert!(is_free_mail("socal.rr.com"), "under listed rr.com");
        assert!(!free_mail_domains().contains("mail.yahoo.co.uk"));
        assert!(is_free_mail("mail.yahoo.co.uk"), "under listed yahoo.co.uk");
        assert!(is_free_mail("a.b.gmail.com"));
        assert!(!is_free_mail("gmail.com.acme.com"), "a listed name inside another domain is not its parent");
        assert!(!is_free_mail("notgmail.com"));
    }

    #[test]
    fn a_listed_registry_name_makes_no_domain_under_it_free_mail() {
        for registry in ["net.ua", "co.cc"] {
            assert!(free_mail_domains().contains(registry), "{registry} is on the list");
            assert!(is_free_mail(registry), "{registry} itself");
            assert!(!is_free_mail(&format!("acme.{registry}")), "acme.{registry}");
        }
        // A listed name below it still counts for its own subdomains.
        assert!(free_mail_domains().contains("express.net.ua"));
        assert!(is_free_mail("box.express.net.ua"));
        // Only two-label names are a registry's: web.de and me.com keep their subdomains.
        assert!(is_free_mail("mx.web.de"));
    }

    #[test]
    fn overrides_decide_before_the_list_and_the_most_specific_name_wins() {
        let overrides: HashMap<&str, bool> =
            [("gmail.com", false), ("acme.rr.com", false), ("acme-mail.com", true), ("pop.acme-mail.com", false)]
                .into();
        let free = |domain: &str| is_free_mail_with(domain, |name| overrides.get(name).copied());
        assert!(!free("gmail.com"), "taken off the list");
        assert!(!free("eu.gmail.com"), "with its subdomains");
        assert!(!free("acme.rr.com"), "a company under a free-mail domain");
        assert!(free("austin.rr.com"), "the rest of rr.com stays free-mail");
        assert!(free("acme-mail.com"), "added");
        assert!(free("x.acme-mail.com"), "with its subdomains");
        assert!(!free("pop.acme-mail.com"), "but for one taken back");
        assert!(free("yahoo.com"), "the list decides what no override names");
        let mut asked = Vec::new();
        is_free_mail_with("a.b.acme.net.ua", |name| {
            asked.push(name.to_string());
            None
        });
        assert_eq!(asked, ["a.b.acme.net.ua", "b.acme.net.ua", "acme.net.ua"], "a registry's name is no parent");
    }

    #[test]
    fn the_list_is_sorted_lowercase_host_names_once_each() {
        let names: Vec<&str> = include_str!("free_mail_domains.txt").lines().filter(|l| !l.starts_with('#')).collect();
        assert!(names.len() > 10_000, "{}", names.len());
        assert_eq!(names.len(), free_mail_domains().len(), "each once");
        assert!(names.windows(2).all(|w| w[0] < w[1]), "in byte order");
        for name in &names {
            let labels_ok = name.split('.').count() >= 2
                && name.split('.').all(|label| {
                    !label.is_empty()
                        && label.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                });
            assert!(labels_ok, "{name:?}");
        }
        let header = include_str!("free_mail_domains.txt").lines().next().unwrap_or_default();
        assert!(header.starts_with("# Free-mail domains: the npm package free-email-domains "), "{header}");
        assert!(header.contains("MIT licence"), "{header}");
    }

    #[test]
    fn registry_shaped_entries_are_the_ones_known() {
        // A new release that lists another registry-shaped name fails here, so someone decides
        // whether its subdomains are companies' (most are) before it ships.
        let mut registry_shaped: Vec<&str> =
            free_mail_domains().iter().copied().filter(|d| names_itself_only(d)).collect();
        registry_shaped.sort_unstable();
        assert_eq!(registry_shaped, ["biz.st", "co.cc", "go.com", "go.ro", "go.ru", "ind.st", "net.ua"]);
    }
}
