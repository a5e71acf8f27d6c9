//! Where a webhook may point. Any signed-in user may register one, and the
//! server then sends requests there on its own: unchecked, that lets a
//! user reach what only the server can (the database's port, a cloud's
//! metadata service at 169.254.169.254, the operator's internal systems).
//! So a target must be a public address, checked when the webhook is
//! registered and again at every attempt, on the very addresses the
//! client then connects to (a name that resolved to a public address at
//! registration may resolve to 127.0.0.1 later: DNS rebinding).
//!
//! The operator may name hosts that are let through whatever they
//! resolve to (`truce serve --webhook-allow-host`), for a party's system
//! on the same private network.

use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use url::{Host, Url};

/// The longest URL a webhook may have.
pub const URL_CHARS_MAX: usize = 2000;

/// What a delivery's `last_error` says when the target is not public: the
/// same whatever the address was, and never whether anything listens there.
pub const NOT_PUBLIC: &str = "refused: the address is not public";

/// The hosts the operator lets through even when they resolve to
/// internal addresses; empty by default. Matched exactly (case-insensitive,
/// a trailing dot ignored), never by suffix: allowing `hooks.internal`
/// allows neither `x.hooks.internal` nor a URL that merely contains it.
#[derive(Clone, Debug, Default)]
pub struct TargetPolicy {
    allowed_hosts: Arc<BTreeSet<String>>,
}

impl TargetPolicy {
    /// A policy letting `hosts` (names or IP addresses) through.
    pub fn allowing<S: AsRef<str>>(hosts: impl IntoIterator<Item = S>) -> TargetPolicy {
        TargetPolicy {
            allowed_hosts: Arc::new(hosts.into_iter().map(|h| normalise_host(h.as_ref())).collect()),
        }
    }

    /// Whether the operator allowed `host` (as the URL names it).
    pub fn allows_host(&self, host: &str) -> bool {
        !self.allowed_hosts.is_empty() && self.allowed_hosts.contains(&normalise_host(host))
    }

    /// Whether `url`'s host is one the operator allowed.
    fn allows(&self, url: &Url) -> bool {
        url.host_str().is_some_and(|host| self.allows_host(host))
    }
}

/// A host as compared with the allowed ones: lower case, without the
/// brackets of an IPv6 literal or a final dot, and an IP address in its
/// canonical form (so `::1` and `0:0:0:0:0:0:0:1` are one host).
fn normalise_host(host: &str) -> String {
    let host = host.trim().trim_start_matches('[').trim_end_matches(']');
    let host = host.strip_suffix('.').unwrap_or(host).to_ascii_lowercase();
    match host.parse::<IpAddr>() {
        Ok(ip) => ip.to_string(),
        Err(_) => host,
    }
}

/// Why a target is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Not an absolute http:// or https:// URL of at most [`URL_CHARS_MAX`] characters.
    NotHttp,
    /// A user name or password in the URL: it would be sent along, and
    /// lets a URL look like another host's (`https://bank.example@evil/`).
    UserInfo,
    /// The host resolves to a loopback, private, link-local or other
    /// non-public address (or does not resolve).
    NotPublic,
}

impl Refusal {
    /// The problem's detail, naming what a good URL is.
    pub fn detail(self) -> &'static str {
        match self {
            Refusal::NotHttp => "an http:// or https:// URL of at most 2,000 characters",
            Refusal::UserInfo => "a URL without a user name or password",
            Refusal::NotPublic => {
                "a URL whose host resolves to public addresses only (not loopback, private, link-local or otherwise internal)"
            }
        }
    }
}

/// Parses a webhook's URL with the WHATWG rules (so `http://0x7f000001/`,
/// `http://2130706433/` and `http://127.1/` all become `127.0.0.1`, the
/// host the client would connect to) and checks its form: http or https,
/// a host, no user information.
pub fn parse(text: &str) -> Result<Url, Refusal> {
    if text.chars().count() > URL_CHARS_MAX {
        return Err(Refusal::NotHttp);
    }
    let url = Url::parse(text).map_err(|_| Refusal::NotHttp)?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(Refusal::NotHttp);
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Refusal::UserInfo);
    }
    Ok(url)
}

/// Checks a registration's target: its host is allowed by the operator,
/// or it is a public address, or a name all of whose addresses are
/// public (one internal address among them refuses it: the client might
/// pick that one). A name that does not resolve is refused too.
pub async fn check_registration(url: &Url, policy: &TargetPolicy) -> Result<(), Refusal> {
    if policy.allows(url) {
        return Ok(());
    }
    match url.host() {
        Some(Host::Ipv4(ip)) => public_or_refused(IpAddr::V4(ip)),
        Some(Host::Ipv6(ip)) => public_or_refused(IpAddr::V6(ip)),
        Some(Host::Domain(name)) => {
            let port = url.port_or_known_default().unwrap_or(80);
            let addresses: Vec<SocketAddr> = tokio::net::lookup_host((name, port))
                .await
                .map_err(|_| Refusal::NotPublic)?
                .collect();
            if addresses.is_empty() || !addresses.iter().all(|a| is_public(a.ip())) {
                return Err(Refusal::NotPublic);
            }
            Ok(())
        }
        None => Err(Refusal::NotHttp),
    }
}

/// Checks an attempt's target when its host is an IP address, which the
/// client connects to without asking the resolver (names are checked by
/// [`GuardedResolver`] as they resolve).
pub fn check_literal(url: &Url, policy: &TargetPolicy) -> Result<(), Refusal> {
    if policy.allows(url) {
        return Ok(());
    }
    match url.host() {
        Some(Host::Ipv4(ip)) => public_or_refused(IpAddr::V4(ip)),
        Some(Host::Ipv6(ip)) => public_or_refused(IpAddr::V6(ip)),
        Some(Host::Domain(_)) => Ok(()),
        None => Err(Refusal::NotHttp),
    }
}

fn public_or_refused(ip: IpAddr) -> Result<(), Refusal> {
    if is_public(ip) { Ok(()) } else { Err(Refusal::NotPublic) }
}

/// The addresses of `host` a delivery may connect to: all of them for a
/// host the operator allowed, otherwise only the public ones; an error if
/// none is left.
pub fn filter_addresses(
    host: &str,
    addresses: impl IntoIterator<Item = SocketAddr>,
    policy: &TargetPolicy,
) -> Result<Vec<SocketAddr>, NotPublic> {
    let allowed = policy.allows_host(host);
    let kept: Vec<SocketAddr> = addresses.into_iter().filter(|a| allowed || is_public(a.ip())).collect();
    if kept.is_empty() { Err(NotPublic) } else { Ok(kept) }
}

/// The resolver's error when a name has no public address; the delivery
/// reports it as [`NOT_PUBLIC`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotPublic;

impl std::fmt::Display for NotPublic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(NOT_PUBLIC)
    }
}

impl std::error::Error for NotPublic {}

/// The delivery client's resolver: resolves a name afresh at every
/// connection and hands the client only the addresses [`filter_addresses`]
/// keeps, so what was checked is what is connected to.
pub struct GuardedResolver {
    pub policy: TargetPolicy,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let policy = self.policy.clone();
        let host = name.as_str().to_string();
        Box::pin(async move {
            // Port 0: the client puts in the URL's port.
            let resolved = tokio::net::lookup_host((host.as_str(), 0)).await?;
            let kept = filter_addresses(&host, resolved, &policy)?;
            Ok(Box::new(kept.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// Whether `ip` is a public unicast address: not loopback, private,
/// link-local, unspecified, shared (CGNAT), multicast, broadcast,
/// documentation, benchmarking or reserved, nor an IPv6 address that
/// embeds such an IPv4 address (mapped, compatible, NAT64, 6to4).
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(ip) => is_public_v4(ip),
        IpAddr::V6(ip) => is_public_v6(ip),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    let internal = a == 0 // "this network", 0.0.0.0 included
        || a == 10 // private
        || a == 127 // loopback
        || (a == 100 && (64..128).contains(&b)) // shared address space (CGNAT)
        || (a == 169 && b == 254) // link-local, cloud metadata
        || (a == 172 && (16..32).contains(&b)) // private
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 192 && b == 0 && c == 2) // documentation
        || (a == 192 && b == 88 && c == 99) // 6to4 relay anycast
        || (a == 192 && b == 168) // private
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || (a == 198 && b == 51 && c == 100) // documentation
        || (a == 203 && b == 0 && c == 113) // documentation
        || a >= 224; // multicast, reserved, broadcast
    !internal
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let segments = ip.segments();
    let embedded = |high: u16, low: u16| Ipv4Addr::from(((high as u32) << 16) | low as u32);
    // IPv4-mapped (::ffff:a.b.c.d): the connection is made over IPv4.
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_public_v4(v4);
    }
    // IPv4-compatible (::a.b.c.d, deprecated), :: and ::1 included.
    if segments[..6].iter().all(|&s| s == 0) {
        return false;
    }
    // NAT64 (64:ff9b::/96): a gateway forwards to the embedded address.
    if segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return is_public_v4(embedded(segments[6], segments[7]));
    }
    // 6to4 (2002::/16): a relay forwards to the embedded address.
    if segments[0] == 0x2002 {
        return is_public_v4(embedded(segments[1], segments[2]));
    }
    // Only global unicast (2000::/3) is public, and within it not the
    // IETF protocol assignments (2001::/23, Teredo included) nor the
    // documentation prefixes (2001:db8::/32, 3fff::/20). This excludes
    // ULA (fc00::/7), link-local (fe80::/10), site-local, multicast
    // (ff00::/8), discard (100::/64) and local-use NAT64 (64:ff9b:1::/48).
    let global_unicast = segments[0] & 0xe000 == 0x2000;
    let protocol_assignments = segments[0] == 0x2001 && segments[1] < 0x0200;
    let documentation = (segments[0] == 0x2001 && segments[1] == 0x0db8) || segments[0] & 0xfff0 == 0x3ff0;
    global_unicast && !protocol_assignments && !documentation
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn internal_addresses_are_not_public() {
        for text in [
            "0.0.0.0",
            "0.1.2.3",
            "10.0.0.1",
            "100.64.0.1",
            "100.127.255.254",
            "127.0.0.1",
            "127.255.255.255",
            "169.254.169.254",
            "172.16.0.1",
            "172.31.255.255",
            "192.0.0.8",
            "192.0.2.1",
            "192.88.99.1",
            "192.168.1.1",
            "198.18.0.1",
            "198.51.100.7",
            "203.0.113.9",
            "224.0.0.1",
            "239.255.255.250",
            "240.0.0.1",
            "255.255.255.255",
            "::",
            "::1",
            "::127.0.0.1",
            "::ffff:127.0.0.1",
            "::ffff:10.1.2.3",
            "::ffff:169.254.169.254",
            "64:ff9b::a00:1",
            "64:ff9b::7f00:1",
            "64:ff9b:1::1",
            "2002:7f00:1::",
            "2002:c0a8:101::1",
            "2002:a9fe:a9fe::",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "fec0::1",
            "ff02::1",
            "100::1",
            "2001::1",
            "2001:db8::1",
            "3fff::1",
        ] {
            assert!(!is_public(ip(text)), "{text} is not public");
        }
    }

    #[test]
    fn public_addresses_are() {
        for text in [
            "1.1.1.1",
            "8.8.8.8",
            "100.63.255.255",
            "100.128.0.0",
            "172.15.255.255",
            "172.32.0.0",
            "192.0.1.1",
            "198.20.0.1",
            "223.255.255.254",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
            "2002:808:808::1",
            "2606:4700:4700::1111",
            "2a00:1450:4001::1",
        ] {
            assert!(is_public(ip(text)), "{text} is public");
        }
    }

    #[test]
    fn urls_are_parsed_as_a_client_would() {
        for (text, host) in [
            ("http://0x7f000001/", "127.0.0.1"),
            ("http://2130706433/", "127.0.0.1"),
            ("http://127.1/", "127.0.0.1"),
            ("http://0177.0.0.1/", "127.0.0.1"),
            ("HTTP://LOCALHOST./x", "localhost."),
            ("http://[::1]:8080/", "[::1]"),
        ] {
            assert_eq!(parse(text).unwrap().host_str(), Some(host), "{text}");
        }
        for text in [
            "ftp://x/",
            "file:///etc/passwd",
            "http://",
            "not a url",
            "javascript:alert(1)",
            "",
        ] {
            assert_eq!(parse(text), Err(Refusal::NotHttp), "{text}");
        }
        for text in [
            "http://user@example.com/",
            "http://user:pw@example.com/",
            "http://:pw@example.com/",
        ] {
            assert_eq!(parse(text), Err(Refusal::UserInfo), "{text}");
        }
        assert_eq!(
            parse(&format!("https://example.com/{}", "a".repeat(2000))),
            Err(Refusal::NotHttp)
        );
    }

    #[test]
    fn literal_targets_are_checked_at_every_attempt() {
        let none = TargetPolicy::default();
        let url = |t: &str| parse(t).unwrap();
        assert_eq!(
            check_literal(&url("http://0x7f000001/"), &none),
            Err(Refusal::NotPublic)
        );
        assert_eq!(
            check_literal(&url("http://[::ffff:7f00:1]/"), &none),
            Err(Refusal::NotPublic)
        );
        assert_eq!(check_literal(&url("http://8.8.8.8/"), &none), Ok(()));
        assert_eq!(
            check_literal(&url("http://example.com/"), &none),
            Ok(()),
            "the resolver checks names"
        );
        let local = TargetPolicy::allowing(["127.0.0.1", "[::1]", "Hooks.Internal."]);
        assert_eq!(check_literal(&url("http://127.0.0.1:9/"), &local), Ok(()));
        assert_eq!(check_literal(&url("http://127.1:9/"), &local), Ok(()), "the same host");
        assert_eq!(check_literal(&url("http://[0:0::1]/"), &local), Ok(()));
        assert_eq!(
            check_literal(&url("http://127.0.0.2/"), &local),
            Err(Refusal::NotPublic)
        );
        assert!(local.allows_host("hooks.internal"));
        assert!(!local.allows_host("x.hooks.internal"), "exact names, not suffixes");
    }

    /// The resolver's filter, as a rebinding name would meet it: whatever
    /// the name resolved to before, an internal answer now is refused, and
    /// from a mixed answer only the public addresses are connected to.
    #[test]
    fn the_resolver_keeps_only_public_addresses() {
        let none = TargetPolicy::default();
        let at = |t: &str| SocketAddr::new(ip(t), 0);
        assert_eq!(
            filter_addresses("rebind.example", [at("127.0.0.1")], &none),
            Err(NotPublic)
        );
        assert_eq!(
            filter_addresses("rebind.example", [at("169.254.169.254"), at("::1")], &none),
            Err(NotPublic)
        );
        assert_eq!(filter_addresses("empty.example", [], &none), Err(NotPublic));
        assert_eq!(
            filter_addresses("mixed.example", [at("10.0.0.1"), at("8.8.8.8"), at("fd00::1")], &none),
            Ok(vec![at("8.8.8.8")])
        );
        let allowed = TargetPolicy::allowing(["receiver.internal"]);
        assert_eq!(
            filter_addresses("receiver.internal", [at("10.0.0.1")], &allowed),
            Ok(vec![at("10.0.0.1")])
        );
        assert_eq!(
            filter_addresses("other.internal", [at("10.0.0.1")], &allowed),
            Err(NotPublic)
        );
    }
}
