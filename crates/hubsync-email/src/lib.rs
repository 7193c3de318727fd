//! Whether HubSpot takes an address as a contact's email: one rule, for the lead store (which
//! must never hold an address a push would have refused) and for the sandbox (whose
//! `INVALID_EMAIL` must be HubSpot's).
//!
//! HubSpot documents its rule in "How does HubSpot validate email addresses?"
//! (<https://legacydocs.hubspot.com/docs/faq/how-does-hubspot-validate-email-addresses>): every
//! process that creates or updates a contact checks the address's format (not whether the
//! mailbox exists). It must be valid according to RFC 2822; its local part must not be quoted;
//! and its domain must end in a top-level domain on IANA's list, Unicode ones taken in their
//! converted form ("user@email.삼성" is valid). What it refuses comes back as `INVALID_EMAIL`
//! (`tb.tb@yahoo.comtttt` in a reply quoted on HubSpot's community forum).
//!
//! Written out, an address is accepted when it has:
//! - one `@`: with no quoted local part, there is nowhere else one could be;
//! - before it, an RFC 2822 dot-atom (§3.2.4): runs of letters, digits and
//!   ``! # $ % & ' * + - / = ? ^ _ ` { | } ~``, joined by single dots. ASCII only, as RFC 2822
//!   is, and at most 64 characters (RFC 5321 §4.5.3.1.1);
//! - after it, a host name, as RFC 2822 §3.4.1 asks of the domain (RFC 1034, RFC 1123): labels
//!   of letters, digits and hyphens, a hyphen never first or last, each 1 to 63 characters and
//!   253 in all. A label with letters beyond ASCII is an internationalised one, measured and
//!   compared in its ASCII form (Punycode, RFC 3492, after lowercasing);
//! - a last label that is a top-level domain IANA lists (`tlds.txt`). Names reserved for tests
//!   and examples (`.test`, `.example`, `.invalid`, `.localhost`) are not in it.
//!
//! Beside it, the rules for a company's domain (`domain.rs`: `normalize_domain`, `email_domain`,
//! the one form a domain is stored and compared in, whatever an admin typed) and for free-mail
//! domains, which name no company (`free_mail.rs`: `is_free_mail`, on a pinned maintained list).

use std::collections::HashSet;
use std::fmt;
use std::sync::OnceLock;

mod domain;
mod free_mail;

pub use domain::{DomainError, email_domain, normalize_domain};
pub use free_mail::{is_free_mail, is_free_mail_with};

/// RFC 5321's limit on the part before the `@`.
pub const MAX_LOCAL_PART_CHARS: usize = 64;
/// A host name's limit, in its ASCII form, without a final dot.
pub const MAX_DOMAIN_CHARS: usize = 253;
/// A DNS label's limit, in its ASCII form.
pub const MAX_LABEL_CHARS: usize = 63;

/// Why HubSpot refuses an address. Its `Display` says it in words that name the part to fix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    Empty,
    NoAt,
    SeveralAts,
    NothingBeforeAt,
    /// A character that can't stand before the `@` (quotes, spaces, letters beyond ASCII, …).
    LocalCharacter(char),
    /// The part before the `@` starts or ends with a dot, or has two in a row.
    LocalDots,
    LocalTooLong,
    NothingAfterAt,
    /// The domain starts or ends with a dot, or has two in a row.
    DomainDots,
    /// A character a host name can't hold (`_`, brackets, spaces, symbols, …).
    DomainCharacter(char),
    /// A label beyond ASCII that IDNA (UTS 46) can't turn into a host name's label.
    InternationalLabel(String),
    /// A label that starts or ends with a hyphen.
    LabelHyphen(String),
    LabelTooLong(String),
    DomainTooLong,
    /// The domain is one label: it ends in no top-level domain.
    NoTopLevelDomain,
    UnknownTopLevelDomain(String),
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Empty => write!(f, "it is empty"),
            Problem::NoAt => write!(f, "it has no @"),
            Problem::SeveralAts => write!(f, "it has more than one @"),
            Problem::NothingBeforeAt => write!(f, "nothing comes before the @"),
            Problem::LocalCharacter(c) => write!(
                f,
                "the part before the @ holds {c:?}; HubSpot takes only letters a to z, digits, dots and ! # $ % & ' * + - / = ? ^ _ ` {{ | }} ~ there"
            ),
            Problem::LocalDots => write!(f, "the part before the @ starts or ends with a dot, or has two in a row"),
            Problem::LocalTooLong => {
                write!(f, "the part before the @ is longer than {MAX_LOCAL_PART_CHARS} characters")
            }
            Problem::NothingAfterAt => write!(f, "nothing comes after the @"),
            Problem::DomainDots => write!(f, "the domain starts or ends with a dot, or has two in a row"),
            Problem::DomainCharacter(c) => {
                write!(f, "the domain holds {c:?}; a domain has only letters, digits, hyphens and dots")
            }
            Problem::InternationalLabel(label) => {
                write!(f, "{label:?} in the domain is not a valid internationalised domain name")
            }
            Problem::LabelHyphen(label) => write!(f, "the domain's part {label:?} starts or ends with a hyphen"),
            Problem::LabelTooLong(label) => {
                write!(f, "the domain's part {label:?} is longer than {MAX_LABEL_CHARS} characters")
            }
            Problem::DomainTooLong => write!(f, "the domain is longer than {MAX_DOMAIN_CHARS} characters"),
            Problem::NoTopLevelDomain => {
                write!(f, "the domain does not end in a top-level domain such as .com (it has no dot)")
            }
            Problem::UnknownTopLevelDomain(tld) => {
                write!(f, "{tld:?} is not a top-level domain (HubSpot takes only those IANA lists, such as com or de)")
            }
        }
    }
}

impl std::error::Error for Problem {}

/// Whether HubSpot accepts `address`, exactly as given (no trimming), as a contact's email.
pub fn check(address: &str) -> Result<(), Problem> {
    if address.is_empty() {
        return Err(Problem::Empty);
    }
    let (local, domain) = match address.split_once('@') {
        None => return Err(Problem::NoAt),
        Some((_, domain)) if domain.contains('@') => return Err(Problem::SeveralAts),
        Some(parts) => parts,
    };
    check_local_part(local)?;
    check_domain(domain)
}

/// `check`, as a yes or no.
pub fn is_valid(address: &str) -> bool {
    check(address).is_ok()
}

/// RFC 2822's `atext`: what a dot-atom's runs are made of.
fn is_atext(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c)
}

fn check_local_part(local: &str) -> Result<(), Problem> {
    if local.is_empty() {
        return Err(Problem::NothingBeforeAt);
    }
    if let Some(c) = local.chars().find(|c| !is_atext(*c) && *c != '.') {
        return Err(Problem::LocalCharacter(c));
    }
    if local.split('.').any(str::is_empty) {
        return Err(Problem::LocalDots);
    }
    // ASCII by now: characters are bytes.
    if local.len() > MAX_LOCAL_PART_CHARS {
        return Err(Problem::LocalTooLong);
    }
    Ok(())
}

fn check_domain(domain: &str) -> Result<(), Problem> {
    ascii_domain(domain).map(|_| ())
}

/// A host name's ASCII form (lowercase, internationalised labels in Punycode), once it is one
/// HubSpot takes: the domain of an address, and a company's domain (`domain.rs`).
pub(crate) fn ascii_domain(domain: &str) -> Result<String, Problem> {
    if domain.is_empty() {
        return Err(Problem::NothingAfterAt);
    }
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.iter().any(|l| l.is_empty()) {
        return Err(Problem::DomainDots);
    }
    let ascii: Vec<String> = labels.iter().map(|label| ascii_label(label)).collect::<Result<_, _>>()?;
    let ascii = ascii.join(".");
    if ascii.len() > MAX_DOMAIN_CHARS {
        return Err(Problem::DomainTooLong);
    }
    let Some((_, last)) = ascii.rsplit_once('.') else {
        return Err(Problem::NoTopLevelDomain);
    };
    if !top_level_domains().contains(last) {
        return Err(Problem::UnknownTopLevelDomain(labels[labels.len() - 1].to_string()));
    }
    Ok(ascii)
}

/// A label's ASCII form (lowercase; for one beyond ASCII, its IDNA form: UTS 46 mapping, then
/// Punycode with `xn--`), once it is a host name's label.
fn ascii_label(label: &str) -> Result<String, Problem> {
    if let Some(c) = label.chars().find(|c| c.is_ascii() && !(c.is_ascii_alphanumeric() || *c == '-')) {
        return Err(Problem::DomainCharacter(c));
    }
    if label.starts_with('-') || label.ends_with('-') {
        return Err(Problem::LabelHyphen(label.to_string()));
    }
    let ascii = if label.is_ascii() {
        label.to_ascii_lowercase()
    } else {
        // The strict form refuses what a host name can't hold: symbols, spaces, the dots other
        // scripts write (`。`), which would split the label, and anything IDNA disallows.
        match idna::domain_to_ascii_strict(label) {
            Ok(ascii) if !ascii.contains('.') => ascii,
            // Name the character when one is plainly no letter or digit of any script.
            _ => match label.chars().find(|c| !c.is_ascii() && !c.is_alphanumeric()) {
                Some(c) => return Err(Problem::DomainCharacter(c)),
                None => return Err(Problem::InternationalLabel(label.to_string())),
            },
        }
    };
    if ascii.len() > MAX_LABEL_CHARS {
        return Err(Problem::LabelTooLong(label.to_string()));
    }
    Ok(ascii)
}

fn top_level_domains() -> &'static HashSet<&'static str> {
    static TLDS: OnceLock<HashSet<&'static str>> = OnceLock::new();
    TLDS.get_or_init(|| {
        include_str!("tlds.txt").lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_addresses_the_preview_promised_and_hubspot_refused_are_refused() {
        assert_eq!(check("a.@x.com"), Err(Problem::LocalDots));
        assert_eq!(check("x..y@x.com"), Err(Problem::LocalDots));
        assert_eq!(check("q@-bad.x.com"), Err(Problem::LabelHyphen("-bad".into())));
        assert_eq!(check("z@x.c"), Err(Problem::UnknownTopLevelDomain("c".into())));
        // HubSpot's own INVALID_EMAIL, as quoted on its community forum.
        assert_eq!(check("tb.tb@yahoo.comtttt"), Err(Problem::UnknownTopLevelDomain("comtttt".into())));
    }

    #[test]
    fn addresses_hubspot_takes() {
        let longest_label = format!("a@{}.com", "d".repeat(MAX_LABEL_CHARS));
        let longest_local = format!("{}@example.com", "l".repeat(MAX_LOCAL_PART_CHARS));
        // 253 characters: four labels of 61 and "a.com" after them, with their dots.
        let longest_domain = format!("a@{}.a.com", vec!["x".repeat(61); 4].join("."));
        assert_eq!(longest_domain.len() - 2, MAX_DOMAIN_CHARS);
        for ok in [
            "ann@example.com",
            "Ann+Newsletter@Example.COM",
            "o'brien+x@sub.example.co.uk",
            "first.last@mail.eu.example.org",
            "#!$%&'*+-/=?^_`{}|~@example.org",
            "x@test.design",
            "abc@test.vegas",
            "ann@xn--80ak6aa92e.com",
            "ana@exämple.de",
            "ANA@BÜCHER.DE",
            "user@email.삼성",
            "user@email.xn--3e0b707e",
            "user@почта.рф",
            "user@उदाहरण.भारत",
            // A symbol IDNA (UTS 46, as browsers) turns into a host name's label, xn--p3h.
            "ann@★.com",
            "a@b-c.io",
            longest_label.as_str(),
            longest_local.as_str(),
            longest_domain.as_str(),
        ] {
            assert_eq!(check(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn addresses_hubspot_refuses_and_why() {
        let long_label = "d".repeat(MAX_LABEL_CHARS + 1);
        let too_long_label = format!("a@{long_label}.com");
        let too_long_local = format!("{}@example.com", "l".repeat(MAX_LOCAL_PART_CHARS + 1));
        let too_long_domain = format!("a@{}.ab.com", vec!["x".repeat(61); 4].join("."));
        let cases: Vec<(&str, Problem)> = vec![
            ("", Problem::Empty),
            ("ann", Problem::NoAt),
            ("a@b@c.com", Problem::SeveralAts),
            ("@example.com", Problem::NothingBeforeAt),
            ("ann@", Problem::NothingAfterAt),
            ("\"Test Email\"@hubspot.com", Problem::LocalCharacter('"')),
            ("a b@example.com", Problem::LocalCharacter(' ')),
            ("josé@example.com", Problem::LocalCharacter('é')),
            ("ann(work)@example.com", Problem::LocalCharacter('(')),
            (".ann@example.com", Problem::LocalDots),
            (too_long_local.as_str(), Problem::LocalTooLong),
            ("ann@.example.com", Problem::DomainDots),
            ("ann@example..com", Problem::DomainDots),
            ("ann@example.com.", Problem::DomainDots),
            ("ann@ex_ample.com", Problem::DomainCharacter('_')),
            ("ann@[192.0.2.1]", Problem::DomainCharacter('[')),
            ("ann@example.com ", Problem::DomainCharacter(' ')),
            ("ann@exa\u{202e}mple.com", Problem::DomainCharacter('\u{202e}')),
            ("ann@exa\u{3002}mple.com", Problem::DomainCharacter('\u{3002}')),
            ("ann@bad-.example.com", Problem::LabelHyphen("bad-".into())),
            (too_long_label.as_str(), Problem::LabelTooLong(long_label.clone())),
            (too_long_domain.as_str(), Problem::DomainTooLong),
            ("ann@example", Problem::NoTopLevelDomain),
            ("ann@example.test", Problem::UnknownTopLevelDomain("test".into())),
            ("ann@example.invalid", Problem::UnknownTopLevelDomain("invalid".into())),
            ("ann@mail.example", Problem::UnknownTopLevelDomain("example".into())),
            ("ann@localhost.localhost", Problem::UnknownTopLevelDomain("localhost".into())),
        ];
        for (address, problem) in cases {
            assert_eq!(check(address), Err(problem), "{address:?}");
        }
    }

    #[test]
    fn problems_say_what_to_fix() {
        assert_eq!(
            check("z@x.c").unwrap_err().to_string(),
            "\"c\" is not a top-level domain (HubSpot takes only those IANA lists, such as com or de)"
        );
        assert!(check("\"a\"@x.com").unwrap_err().to_string().contains("holds '\"'"));
    }

    #[test]
    fn every_internationalised_top_level_domain_iana_lists_is_taken_in_either_form() {
        let idns: Vec<&str> = top_level_domains().iter().copied().filter(|t| t.starts_with("xn--")).collect();
        assert!(idns.len() > 100, "{}", idns.len());
        for ascii in idns {
            let (unicode, decoded) = idna::domain_to_unicode(ascii);
            decoded.unwrap_or_else(|e| panic!("{ascii} decodes: {e:?}"));
            assert_eq!(check(&format!("user@email.{ascii}")), Ok(()), "{ascii}");
            assert_eq!(check(&format!("user@email.{unicode}")), Ok(()), "{ascii} as {unicode}");
        }
    }

    #[test]
    fn the_list_is_iana_s_lowercased() {
        let tlds = top_level_domains();
        assert!(tlds.len() > 1_000, "{}", tlds.len());
        for tld in tlds {
            assert!(tld.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'), "{tld}");
        }
        for known in ["com", "de", "uk", "io", "design", "vegas", "xn--3e0b707e"] {
            assert!(tlds.contains(known), "{known}");
        }
    }
}
