//! Which addresses the service may connect to, checked where the address
//! is chosen: a `ureq::Resolver` that drops the forbidden ones, so the
//! socket opens to an address this check saw.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, ToSocketAddrs};

use crate::fetch::error::FetchError;

/// The error a refused host resolves to; found again in the error chain to
/// tell a refusal from a network failure.
#[derive(Debug, thiserror::Error)]
#[error("{host} resolves only to addresses the service may not reach ({addresses})")]
pub struct RefusedAddress {
    pub host: String,
    pub addresses: String,
}

/// Resolves with the system resolver and keeps the public addresses
/// (every address when `allow_private`).
#[derive(Debug, Clone, Copy)]
pub struct GuardedResolver {
    pub allow_private: bool,
}

impl ureq::Resolver for GuardedResolver {
    fn resolve(&self, netloc: &str) -> io::Result<Vec<SocketAddr>> {
        let all: Vec<SocketAddr> = netloc.to_socket_addrs()?.collect();
        if self.allow_private {
            return Ok(all);
        }
        let allowed: Vec<SocketAddr> = all.iter().copied().filter(|a| is_public(a.ip())).collect();
        if allowed.is_empty() && !all.is_empty() {
            let addresses = all.iter().map(|a| a.ip().to_string()).collect::<Vec<_>>().join(", ");
            return Err(io::Error::new(io::ErrorKind::PermissionDenied, RefusedAddress { host: netloc.to_owned(), addresses }));
        }
        Ok(allowed)
    }
}

/// Whether `url` is an `http(s)` URL whose host resolves to an address the
/// service may reach (the resolver's own rule, run ahead of time: a
/// webhook endpoint is checked when it is registered, and again by the
/// resolver at every send, since DNS can change).
pub fn check_reachable(url: &url::Url, allow_private: bool) -> Result<(), FetchError> {
    if !matches!(url.scheme(), "http" | "https") {
        return Err(FetchError::Refused(format!("only http and https URLs are allowed, not {}:", url.scheme())));
    }
    let host = match url.host() {
        Some(url::Host::Domain(name)) if !name.is_empty() => name.to_owned(),
        Some(url::Host::Ipv4(ip)) => ip.to_string(),
        Some(url::Host::Ipv6(ip)) => format!("[{ip}]"),
        _ => return Err(FetchError::Refused("the URL has no host".into())),
    };
    let port = url.port_or_known_default().unwrap_or(80);
    match ureq::Resolver::resolve(&GuardedResolver { allow_private }, &format!("{host}:{port}")) {
        Ok(addresses) if !addresses.is_empty() => Ok(()),
        Ok(_) => Err(FetchError::Refused(format!("{host} does not resolve"))),
        Err(error) => match error.get_ref().and_then(|inner| inner.downcast_ref::<RefusedAddress>()) {
            Some(refused) => Err(FetchError::Refused(refused.to_string())),
            None => Err(FetchError::Refused(format!("{host} does not resolve"))),
        },
    }
}

/// Whether an address is on the public internet: not loopback, link-local,
/// private, shared (CGNAT), unspecified, broadcast, documentation,
/// multicast or unique-local; IPv4-mapped IPv6 is judged as its IPv4.
pub fn is_public(ip: IpAddr) -> bool {
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
    let shared = a == 100 && (64..128).contains(&b); // 100.64.0.0/10
    let this_network = a == 0; // 0.0.0.0/8
    let reserved = a >= 240; // 240.0.0.0/4 and broadcast
    !(ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_multicast()
        || ip.is_broadcast()
        || ip.is_documentation()
        || shared
        || this_network
        || reserved)
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    let unique_local = first & 0xfe00 == 0xfc00; // fc00::/7
    let link_local = first & 0xffc0 == 0xfe80; // fe80::/10
    let site_local = first & 0xffc0 == 0xfec0; // fec0::/10, deprecated
    let documentation = first == 0x2001 && ip.segments()[1] == 0x0db8;
    // ::a.b.c.d (IPv4-compatible, deprecated) and NAT64 64:ff9b::/96 reach IPv4 space.
    let embeds_v4 = ip.segments()[..6] == [0; 6] || (first == 0x0064 && ip.segments()[1] == 0xff9b);
    !(ip.is_loopback() || ip.is_unspecified() || ip.is_multicast() || unique_local || link_local || site_local || documentation || embeds_v4)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forbidden_ranges_are_not_public() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fe80::1",
            "fd00::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "64:ff9b::a00:1",
        ] {
            let ip: IpAddr = ip.parse().unwrap_or_else(|_| panic!("{ip}"));
            assert!(!is_public(ip), "{ip} should be refused");
        }
        for ip in ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111"] {
            let ip: IpAddr = ip.parse().unwrap_or_else(|_| panic!("{ip}"));
            assert!(is_public(ip), "{ip} should be allowed");
        }
    }

    #[test]
    fn urls_are_checked_by_the_resolver_rule() {
        let url = |u: &str| url::Url::parse(u).unwrap();
        for refused in ["http://127.0.0.1:9/hook", "http://[::1]/hook", "http://10.0.0.1/hook", "http://localhost/hook", "ftp://8.8.8.8/x"] {
            assert!(matches!(check_reachable(&url(refused), false), Err(FetchError::Refused(_))), "{refused}");
        }
        assert!(check_reachable(&url("http://127.0.0.1:9/hook"), true).is_ok());
        assert!(check_reachable(&url("https://8.8.8.8/hook"), false).is_ok());
        assert!(check_reachable(&url("ftp://127.0.0.1/x"), true).is_err());
    }
}
