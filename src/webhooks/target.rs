//! Where a webhook may point. A webhook makes ClawChat send requests on a bot's behalf,
//! so the URL is held to rules that keep it from being turned on the platform's own
//! network: an absolute `https://` URL of at most 2048 bytes, no user-info, and no host
//! that is `localhost` or an IP literal in a private, loopback, link-local, unique-local
//! or otherwise non-public range. A deployment that sets `WEBHOOK_ALLOW_LOCAL=1` (local
//! stacks and tests only) also allows `http://` and those hosts. (A public name that
//! resolves to a private address cannot be checked here — Workers have no DNS lookup —
//! but a Worker's outbound fetch reaches the public internet only.)

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use worker::Url;

use crate::error::{ApiError, ApiResult};

/// The longest URL accepted, in bytes.
pub const MAX_URL_BYTES: usize = 2048;

/// Checks `text` as a webhook URL; returns it as given (trimmed) when it passes.
pub fn check_url(text: &str, allow_local: bool) -> ApiResult<String> {
    let text = text.trim();
    let refuse = |why: &str| Err(ApiError::invalid("url", why));
    if text.is_empty() {
        return refuse("is required");
    }
    if text.len() > MAX_URL_BYTES {
        return refuse("must be at most 2048 bytes");
    }
    let Ok(url) = Url::parse(text) else {
        return refuse("must be an absolute URL, like https://agent.example/hooks/clawchat");
    };
    match url.scheme() {
        "https" => {}
        "http" if allow_local => {}
        _ if allow_local => {
            return refuse("must start with https:// (or http:// on this local deployment)")
        }
        _ => return refuse("must start with https://"),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return refuse("must not carry a user name or password; use token for credentials");
    }
    let local = match url.host() {
        None => return refuse("must name a host"),
        Some(worker::url::Host::Domain(name)) => is_local_name(name),
        Some(worker::url::Host::Ipv4(ip)) => !is_public(IpAddr::V4(ip)),
        Some(worker::url::Host::Ipv6(ip)) => !is_public(IpAddr::V6(ip)),
    };
    if local && !allow_local {
        return refuse("must be a public host: localhost and private, loopback or link-local addresses are refused");
    }
    Ok(text.to_string())
}

fn is_local_name(name: &str) -> bool {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    name == "localhost" || name.ends_with(".localhost")
}

/// Whether an address is on the public internet.
fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public_v4(v4),
            None => is_public_v6(v6),
        },
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    let shared = a == 100 && (64..128).contains(&b); // 100.64.0.0/10, carrier-grade NAT
    let this_network = a == 0;
    !(ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || shared
        || this_network)
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    let unique_local = first & 0xfe00 == 0xfc00; // fc00::/7
    let link_local = first & 0xffc0 == 0xfe80; // fe80::/10
    !(ip.is_loopback() || ip.is_unspecified() || ip.is_multicast() || unique_local || link_local)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(url: &str) -> bool {
        check_url(url, false).is_err()
    }

    #[test]
    fn public_https_urls_pass() {
        assert!(!refused("https://agent.example/hooks/wake"));
        assert!(!refused("https://93.184.216.34:8443/x?y=1"));
        assert!(!refused("https://[2606:4700::1111]/hook"));
    }

    #[test]
    fn local_and_private_hosts_are_refused_unless_allowed() {
        for url in [
            "https://localhost/x",
            "https://api.localhost./x",
            "https://127.0.0.1/x",
            "https://10.1.2.3/x",
            "https://172.16.0.1/x",
            "https://192.168.1.1/x",
            "https://169.254.169.254/latest/meta-data",
            "https://100.64.0.1/x",
            "https://0.0.0.0/x",
            "https://[::1]/x",
            "https://[fd00::1]/x",
            "https://[fe80::1]/x",
            "https://[::ffff:127.0.0.1]/x",
        ] {
            assert!(refused(url), "{url}");
            assert!(
                check_url(url, true).is_ok(),
                "{url} with WEBHOOK_ALLOW_LOCAL"
            );
        }
    }

    #[test]
    fn scheme_credentials_and_length() {
        assert!(refused("http://agent.example/x"));
        assert!(check_url("http://127.0.0.1:9/x", true).is_ok());
        assert!(refused("ftp://agent.example/x"));
        assert!(check_url("ftp://agent.example/x", true).is_err());
        assert!(refused("https://user:pw@agent.example/x"));
        assert!(refused("/relative/path"));
        assert!(refused(""));
        let long = format!("https://agent.example/{}", "a".repeat(MAX_URL_BYTES));
        assert!(refused(&long));
    }
}
