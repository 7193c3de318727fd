//! Which API addresses a token may be sent to: `https` anywhere, plain `http` only to this
//! computer (a sandbox portal on 127.0.0.0/8, ::1 or `localhost`). A token sent over plain HTTP
//! to any other host can be read on the way, so every client and every OAuth endpoint is built
//! through `check_base_url`, whoever typed the address (a flag, a page, a saved portal).

use std::net::IpAddr;

use reqwest::Url;

/// What is allowed, in the words every refusal ends with.
const ALLOWED: &str = "use an https:// address (HubSpot's is https://api.hubapi.com), or http:// only to this \
                       computer (127.0.0.1, [::1] or localhost, as a sandbox portal listens)";

/// An address a token must not be sent to, and why.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{url:?} is not a safe address for HubSpot's API: {reason}; {ALLOWED}")]
pub struct InsecureBaseUrl {
    pub url: String,
    pub reason: &'static str,
}

impl InsecureBaseUrl {
    /// The stable code of every refusal.
    pub const CODE: &'static str = "insecure_base_url";
}

/// Checks `raw` and returns it in its one spelling (scheme and host lowercased, the default
/// port and any trailing `/` dropped), so a saved address compares equal however it was typed.
pub fn check_base_url(raw: &str) -> Result<String, InsecureBaseUrl> {
    let refuse = |reason| InsecureBaseUrl { url: raw.to_string(), reason };
    let url = Url::parse(raw.trim()).map_err(|_| refuse("it is not a full address with https://"))?;
    if !url.username().is_empty() || url.password().is_some() {
        // `http://127.0.0.1@evil.example` goes to evil.example: a user name only misleads here.
        // The refusal shows the address without them, as a password is not for printing.
        let mut shown = url.clone();
        let _ = (shown.set_username(""), shown.set_password(None));
        return Err(InsecureBaseUrl {
            url: shown.to_string(),
            reason: "an API address carries no user name or password",
        });
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(refuse("an API address has no ? or # part"));
    }
    match url.scheme() {
        "https" if url.host_str().is_some_and(|host| !host.is_empty()) => {}
        "http" if url.host_str().is_some_and(is_loopback) => {}
        "http" => return Err(refuse("plain http:// is allowed only to this computer, where nothing can read it")),
        _ => return Err(refuse("it does not start with https://")),
    }
    Ok(url.as_str().trim_end_matches('/').to_string())
}

/// 127.0.0.0/8, ::1, or exactly `localhost` (the URL parser has lowercased it); never a name
/// that merely starts with one of them (`127.0.0.1.evil.example`, `localhost.evil.example`).
fn is_loopback(host: &str) -> bool {
    // The parser writes an IPv6 host in brackets and an IPv4 one in dotted decimal, whatever
    // form it was typed in (`0x7f.1` is 127.0.0.1).
    let address = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host);
    match address.parse::<IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => host == "localhost",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_anywhere_and_http_to_this_computer_are_allowed_in_one_spelling() {
        for (typed, kept) in [
            ("https://api.hubapi.com", "https://api.hubapi.com"),
            (" https://api.hubapi.com/ ", "https://api.hubapi.com"),
            ("HTTPS://API.HubAPI.com:443/", "https://api.hubapi.com"),
            ("https://eu1.example.com:8443/api/", "https://eu1.example.com:8443/api"),
            ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
            ("http://127.9.8.7:1/", "http://127.9.8.7:1"),
            ("http://[::1]:8080", "http://[::1]:8080"),
            ("http://[0:0:0:0:0:0:0:1]:8080", "http://[::1]:8080"),
            ("http://localhost:42813", "http://localhost:42813"),
            ("HTTP://LOCALHOST:42813", "http://localhost:42813"),
            // Other spellings of 127.0.0.1 are still 127.0.0.1.
            ("http://0x7f.1:9", "http://127.0.0.1:9"),
            ("http://2130706433:9", "http://127.0.0.1:9"),
        ] {
            assert_eq!(check_base_url(typed).as_deref(), Ok(kept), "{typed}");
        }
    }

    #[test]
    fn anything_else_is_refused_with_what_is_allowed() {
        for typed in [
            "http://api.hubapi.com",
            "HTTP://evil.example",
            "http://127.0.0.1.evil.example",
            "http://localhost.evil.example",
            "http://localhost.:8080",
            "http://127.0.0.1@evil.example",
            "http://localhost:pw@evil.example",
            "https://user:pw@api.hubapi.com",
            "http://[::ffff:127.0.0.1]:8080",
            "http://0.0.0.0:8080",
            "http://[::]:8080",
            "http://10.0.0.1",
            "http://192.168.1.10:8080",
            "api.hubapi.com",
            "localhost:8080",
            "127.0.0.1:8080",
            "//api.hubapi.com",
            "",
            "https://",
            "ftp://api.hubapi.com",
            "file:///etc/hosts",
            "ws://127.0.0.1:8080",
            "https://api.hubapi.com?hapikey=x",
            "https://api.hubapi.com#x",
        ] {
            let error = check_base_url(typed).expect_err(typed);
            let message = error.to_string();
            if typed.contains('@') {
                assert!(!message.contains("pw@") && !error.url.contains('@'), "{typed}: {message}");
            } else {
                assert_eq!(error.url, typed);
            }
            assert!(message.contains("https://") && message.contains("127.0.0.1"), "{typed}: {message}");
        }
        assert_eq!(InsecureBaseUrl::CODE, "insecure_base_url");
    }
}
