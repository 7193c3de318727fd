//! A company's domain, from what admins type or HubSpot holds: a bare host (`Acme.com`), a URL
//! (`https://www.Acme.com/about?x`), a host with a final dot (`acme.com.`). The domain is the
//! host alone, lowercase, without a leading `www.`, an internationalised name in its ASCII
//! form (`bücher.de` → `xn--bcher-kva.de`), and a host name HubSpot takes in an email address:
//! the same labels and top-level domains as `check` (so a company's domain and its people's
//! addresses are compared in one form).
//!
//! What is stripped, in order: surrounding whitespace; a scheme (`https://`, or `//` alone);
//! with a scheme, userinfo (`user:pass@`); the path, query or fragment (from the first `/`,
//! `?`, `#` or `\`, which browsers read as `/`); a port (`:8080`); one final dot; a leading
//! `www.` while a domain of two labels or more remains (`www.com` stays itself).
//!
//! Refused, each saying why: nothing at all, an email address (`ann@acme.com`: a domain field
//! holding an address is a mistake worth telling, not a domain to guess), an IP address, a port
//! that is no number, and whatever `check` refuses in a domain.

use std::fmt;

use crate::{Problem, ascii_domain};

/// Why a text names no company domain. Its `Display` says it in words that name what to fix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DomainError {
    Empty,
    /// A scheme with no host after it (`https://`, `https:///about`).
    NoHost,
    /// An email address: a company's domain is the part after its `@`.
    EmailAddress,
    /// An IPv4 or IPv6 address, which names a machine, not a company.
    IpAddress,
    /// What follows the host's `:` is no port number.
    Port(String),
    /// The host is no host name HubSpot takes (the reasons `check` gives for an address's domain).
    Host(Problem),
}

impl fmt::Display for DomainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DomainError::Empty => write!(f, "it is empty"),
            DomainError::NoHost => write!(f, "it names no host after its scheme"),
            DomainError::EmailAddress => {
                write!(f, "it is an email address; a company's domain is the part after the @")
            }
            DomainError::IpAddress => write!(f, "it is an IP address, not a domain name such as acme.com"),
            DomainError::Port(port) => write!(f, "{port:?} after the host's colon is not a port number"),
            DomainError::Host(problem) => problem.fmt(f),
        }
    }
}

impl std::error::Error for DomainError {}

/// The company domain `input` names, in the one form domains are stored and compared in.
pub fn normalize_domain(input: &str) -> Result<String, DomainError> {
    let text = input.trim();
    if text.is_empty() {
        return Err(DomainError::Empty);
    }
    let (rest, had_scheme) = match strip_scheme(text) {
        Some(rest) => (rest, true),
        None => (text, false),
    };
    // `split` yields at least one piece, the text before the first separator.
    let authority = rest.split(['/', '?', '#', '\\']).next().unwrap_or_default();
    let host_and_port = match authority.rsplit_once('@') {
        // Userinfo comes only after a scheme: without one, `ann@acme.com` is an address.
        Some((_, host)) if had_scheme => host,
        Some(_) => return Err(DomainError::EmailAddress),
        None => authority,
    };
    if host_and_port.is_empty() {
        return Err(if had_scheme { DomainError::NoHost } else { DomainError::Empty });
    }
    normalize_host(strip_port(host_and_port)?)
}

/// The domain of an address HubSpot accepts (`check`), as `normalize_domain` gives a domain;
/// `None` for anything else.
pub fn email_domain(email: &str) -> Option<String> {
    let email = email.trim();
    crate::check(email).ok()?;
    let (_, domain) = email.rsplit_once('@')?;
    normalize_host(domain).ok()
}

/// `text` after its scheme (`https://`, `HTTP://`, `//`), when it has one: an ASCII letter,
/// then letters, digits, `+`, `-` or `.` (RFC 3986), then `://`.
fn strip_scheme(text: &str) -> Option<&str> {
    if let Some(rest) = text.strip_prefix("//") {
        return Some(rest);
    }
    let (scheme, rest) = text.split_once("://")?;
    let mut chars = scheme.chars();
    let valid = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    valid.then_some(rest)
}

/// The host without its port: `acme.com:8080` → `acme.com`. A bracketed or bare IPv6 address
/// is refused here, its colons being no port's.
fn strip_port(host_and_port: &str) -> Result<&str, DomainError> {
    if host_and_port.starts_with('[') || host_and_port.matches(':').count() > 1 {
        return Err(DomainError::IpAddress);
    }
    match host_and_port.split_once(':') {
        Some((host, port)) if port.bytes().all(|b| b.is_ascii_digit()) => Ok(host),
        Some((_, port)) => Err(DomainError::Port(port.to_string())),
        None => Ok(host_and_port),
    }
}

/// A host as a company domain: one final dot dropped, refused when it is an IPv4 address or
/// no host name HubSpot takes, in ASCII and without the leading `www.`s that have a domain after
/// them.
fn normalize_host(host: &str) -> Result<String, DomainError> {
    let host = host.strip_suffix('.').unwrap_or(host);
    if host.is_empty() {
        return Err(DomainError::Empty);
    }
    if host.split('.').all(|label| !label.is_empty() && label.bytes().all(|b| b.is_ascii_digit())) {
        return Err(DomainError::IpAddress);
    }
    let ascii = ascii_domain(host).map_err(DomainError::Host)?;
    // Every leading `www.`, not just one: a stored domain must be its own normal form, and
    // `www.www.acme.com` without one `www.` would lose the next one when normalised again.
    let mut domain = ascii.as_str();
    while let Some(rest) = domain.strip_prefix("www.").filter(|rest| rest.contains('.')) {
        domain = rest;
    }
    Ok(domain.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_admins_type_becomes_the_bare_lowercase_host() {
        for (input, domain) in [
            ("acme.com", "acme.com"),
            ("  Acme.COM  ", "acme.com"),
            ("acme.com.", "acme.com"),
            ("www.acme.com", "acme.com"),
            ("WWW.Acme.com", "acme.com"),
            ("https://www.Acme.com/about?x", "acme.com"),
            ("http://acme.com", "acme.com"),
            ("HTTPS://ACME.COM/", "acme.com"),
            ("https://acme.com?ref=ad", "acme.com"),
            ("https://acme.com#team", "acme.com"),
            ("https://acme.com\\about", "acme.com"),
            ("//acme.com/x", "acme.com"),
            ("acme.com/about/team", "acme.com"),
            ("acme.com:8080", "acme.com"),
            ("https://acme.com:443/", "acme.com"),
            ("https://acme.com:/", "acme.com"),
            ("https://user:secret@www.acme.com:8443/path", "acme.com"),
            ("ftp://files.acme.co.uk", "files.acme.co.uk"),
            ("git+ssh://git@code.acme.io/repo", "code.acme.io"),
            ("sub.www.acme.com", "sub.www.acme.com"),
            ("www.www.acme.com", "acme.com"),
            ("https://shop.acme.de./", "shop.acme.de"),
        ] {
            assert_eq!(normalize_domain(input), Ok(domain.to_string()), "{input:?}");
        }
    }

    #[test]
    fn a_leading_www_goes_only_when_a_domain_remains() {
        assert_eq!(normalize_domain("www.com"), Ok("www.com".into()));
        assert_eq!(normalize_domain("https://www.com"), Ok("www.com".into()));
        assert_eq!(normalize_domain("www2.acme.com"), Ok("www2.acme.com".into()));
        assert_eq!(normalize_domain("wwwacme.com"), Ok("wwwacme.com".into()));
    }

    #[test]
    fn internationalised_names_take_their_ascii_form() {
        assert_eq!(normalize_domain("bücher.de"), Ok("xn--bcher-kva.de".into()));
        assert_eq!(normalize_domain("https://www.BÜCHER.de/kontakt"), Ok("xn--bcher-kva.de".into()));
        assert_eq!(normalize_domain("xn--bcher-kva.de"), Ok("xn--bcher-kva.de".into()));
        assert_eq!(normalize_domain("почта.рф"), Ok("xn--80a1acny.xn--p1ai".into()));
        assert_eq!(normalize_domain("email.삼성"), Ok("email.xn--cg4bki".into()));
        // Full-width letters are the ASCII ones (UTS 46 maps them).
        assert_eq!(normalize_domain("ａｃｍｅ.com"), Ok("acme.com".into()));
    }

    #[test]
    fn what_names_no_company_domain_is_refused_saying_why() {
        let too_long_label = format!("{}.com", "d".repeat(crate::MAX_LABEL_CHARS + 1));
        let cases: Vec<(&str, DomainError)> = vec![
            ("", DomainError::Empty),
            ("   ", DomainError::Empty),
            (".", DomainError::Empty),
            ("https://", DomainError::NoHost),
            ("https:///about", DomainError::NoHost),
            ("/about", DomainError::Empty),
            ("ann@acme.com", DomainError::EmailAddress),
            ("mailto:ann@acme.com", DomainError::EmailAddress),
            ("192.0.2.1", DomainError::IpAddress),
            ("http://192.0.2.1:8080/", DomainError::IpAddress),
            ("[2001:db8::1]", DomainError::IpAddress),
            ("https://[2001:db8::1]:443/", DomainError::IpAddress),
            ("2001:db8::1", DomainError::IpAddress),
            ("acme.com:http", DomainError::Port("http".into())),
            ("acme", DomainError::Host(Problem::NoTopLevelDomain)),
            ("localhost:3000", DomainError::Host(Problem::NoTopLevelDomain)),
            ("acme.test", DomainError::Host(Problem::UnknownTopLevelDomain("test".into()))),
            ("acme.c", DomainError::Host(Problem::UnknownTopLevelDomain("c".into()))),
            ("intranet.local", DomainError::Host(Problem::UnknownTopLevelDomain("local".into()))),
            ("acme..com", DomainError::Host(Problem::DomainDots)),
            (".acme.com", DomainError::Host(Problem::DomainDots)),
            ("acme.com..", DomainError::Host(Problem::DomainDots)),
            ("ac me.com", DomainError::Host(Problem::DomainCharacter(' '))),
            ("acme_corp.com", DomainError::Host(Problem::DomainCharacter('_'))),
            ("acme%2Ecom", DomainError::Host(Problem::DomainCharacter('%'))),
            ("acme\u{3002}com", DomainError::Host(Problem::DomainCharacter('\u{3002}'))),
            ("-acme.com", DomainError::Host(Problem::LabelHyphen("-acme".into()))),
            (too_long_label.as_str(), DomainError::Host(Problem::LabelTooLong("d".repeat(64)))),
        ];
        for (input, error) in cases {
            assert_eq!(normalize_domain(input), Err(error), "{input:?}");
        }
    }

    #[test]
    fn errors_say_what_is_wrong() {
        let said = |input: &str| normalize_domain(input).unwrap_err().to_string();
        assert_eq!(said("ann@acme.com"), "it is an email address; a company's domain is the part after the @");
        assert_eq!(said("10.0.0.1"), "it is an IP address, not a domain name such as acme.com");
        assert_eq!(said("acme.com:x"), "\"x\" after the host's colon is not a port number");
        assert_eq!(
            said("acme.c"),
            "\"c\" is not a top-level domain (HubSpot takes only those IANA lists, such as com or de)"
        );
        assert_eq!(said(""), "it is empty");
    }

    #[test]
    fn a_domain_is_its_own_normal_form() {
        for input in ["https://www.Acme.com/about?x", "bücher.de", "WWW.www.acme.com", "acme.com."] {
            let once = normalize_domain(input).unwrap();
            assert_eq!(normalize_domain(&once), Ok(once.clone()), "{input:?}");
        }
    }

    #[test]
    fn an_address_s_domain_is_normalised_the_same_way() {
        assert_eq!(email_domain("ann@Acme.com"), Some("acme.com".into()));
        assert_eq!(email_domain("  Ann+x@WWW.Acme.co.uk "), Some("acme.co.uk".into()));
        assert_eq!(email_domain("ana@bücher.de"), Some("xn--bcher-kva.de".into()));
        assert_eq!(email_domain("ana@www.com"), Some("www.com".into()));
        for not_an_address in ["", "acme.com", "ann@", "ann@acme", "ann@acme.test", "a b@acme.com", "ann@acme.com."] {
            assert_eq!(email_domain(not_an_address), None, "{not_an_address:?}");
        }
    }
}
