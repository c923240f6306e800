//! Where a bearer token or a client secret may be sent.

use url::{Host, Url};

/// Checks that `url` may carry credentials: `https`, or plain `http` to a loopback address
/// (local test servers); no user-info, which would end up in error messages.
pub(crate) fn require_secure(url: &Url) -> Result<(), String> {
    if !url.username().is_empty() || url.password().is_some() {
        return Err(format!("`{}` must not contain a user name or password", redacted(url)));
    }
    match url.scheme() {
        "https" if url.host().is_some() => Ok(()),
        "http" if is_loopback(url) => Ok(()),
        "http" => Err(format!("`{url}` uses plain http; only https is allowed (http only for loopback test servers)")),
        _ => Err(format!("`{url}` is not an https URL")),
    }
}

/// Same scheme, host and port (the default port counted as explicit).
pub(crate) fn same_origin(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme() && a.host() == b.host() && a.port_or_known_default() == b.port_or_known_default()
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

fn redacted(url: &Url) -> String {
    let mut url = url.clone();
    // Both setters only fail for URLs that cannot have credentials in the first place.
    let _ = url.set_username("");
    let _ = url.set_password(None);
    url.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn allows_https_and_loopback_http_only() {
        assert!(require_secure(&url("https://services.example.com/x")).is_ok());
        assert!(require_secure(&url("http://127.0.0.1:8080/x")).is_ok());
        assert!(require_secure(&url("http://localhost/x")).is_ok());
        assert!(require_secure(&url("http://[::1]:1/x")).is_ok());
        assert!(require_secure(&url("http://services.example.com/x")).is_err());
        assert!(require_secure(&url("ftp://127.0.0.1/x")).is_err());
        let err = require_secure(&url("https://user:hunter2@example.com/x")).unwrap_err();
        assert!(!err.contains("hunter2"), "{err}");
    }

    #[test]
    fn compares_scheme_host_and_port() {
        let root = url("https://services.example.com/Service/Root");
        assert!(same_origin(&root, &url("https://services.example.com:443/other?a=b")));
        assert!(same_origin(&root, &url("https://SERVICES.example.com/x")));
        assert!(!same_origin(&root, &url("http://services.example.com/x")));
        assert!(!same_origin(&root, &url("https://services.example.com:8443/x")));
        assert!(!same_origin(&root, &url("https://evil.example/x")));
    }
}
