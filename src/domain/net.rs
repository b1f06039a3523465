//! Who the client is, behind reverse proxies. Only when the connection comes from a
//! trusted proxy are forwarding headers believed, and then the client is the right-most
//! address in the chain that is not itself a trusted proxy: each proxy appends the
//! address it saw, so everything left of that point could have been written by the
//! client (MDN, "X-Forwarded-For: Security and privacy concerns"; RFC 7239 §5.2).

use std::fmt;
use std::net::{IpAddr, Ipv6Addr};

use ipnet::IpNet;

/// Which header the trusted proxies write the chain into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ForwardedHeader {
    /// `X-Forwarded-For: client, proxy1, proxy2` (nginx, Caddy, HAProxy, Envoy, most
    /// load balancers).
    XForwardedFor,
    /// `Forwarded: for=client, for="[2001:db8::1]:4711"` (RFC 7239).
    Forwarded,
}

/// The proxies whose forwarding headers are believed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies {
    nets: Vec<IpNet>,
}

impl TrustedProxies {
    /// Parses a comma-separated list of addresses or CIDR blocks, e.g.
    /// `10.0.0.0/8, 192.168.1.10, fd00::/8`. Empty: trust no proxy.
    pub fn parse(list: &str) -> Result<Self, String> {
        let mut nets = Vec::new();
        for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let net = match item.parse::<IpNet>() {
                Ok(net) => net,
                Err(_) => item
                    .parse::<IpAddr>()
                    .map(IpNet::from)
                    .map_err(|_| format!("{item:?} is not an IP address or CIDR block"))?,
            };
            nets.push(net.trunc());
        }
        Ok(TrustedProxies { nets })
    }

    pub fn is_empty(&self) -> bool {
        self.nets.is_empty()
    }

    pub fn trusts(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.nets.iter().any(|n| n.contains(&ip))
    }

    /// The client's address: `peer` itself unless it is a trusted proxy; otherwise the
    /// right-most untrusted address of `header_values` (all lines of the configured
    /// header, in order), or the left-most one when every hop is trusted. An entry that
    /// is not an address (`unknown`, an obfuscated RFC 7239 identifier, garbage) stops
    /// the walk: nothing left of it can be believed, so the proxy that wrote it is taken
    /// as the client.
    pub fn client(&self, peer: IpAddr, header: ForwardedHeader, header_values: &[&str]) -> IpAddr {
        let peer = canonical(peer);
        if !self.trusts(peer) {
            return peer;
        }
        let hops: Vec<Option<IpAddr>> = header_values
            .iter()
            .flat_map(|line| line.split(','))
            .map(|entry| match header {
                ForwardedHeader::XForwardedFor => parse_node(entry.trim()),
                ForwardedHeader::Forwarded => forwarded_for(entry),
            })
            .collect();
        let mut client = peer;
        for hop in hops.iter().rev() {
            match hop {
                Some(ip) => {
                    client = canonical(*ip);
                    if !self.trusts(client) {
                        return client;
                    }
                }
                None => return client,
            }
        }
        client
    }
}

/// The `for=` value of one RFC 7239 `Forwarded` element (`for=…;proto=…;by=…`).
fn forwarded_for(element: &str) -> Option<IpAddr> {
    element.split(';').find_map(|pair| {
        let (name, value) = pair.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("for")
            .then(|| parse_node(value.trim().trim_matches('"')))
            .flatten()
    })
}

/// An address as proxies write it: `1.2.3.4`, `1.2.3.4:5678`, `2001:db8::1`,
/// `[2001:db8::1]` or `[2001:db8::1]:4711`.
fn parse_node(s: &str) -> Option<IpAddr> {
    if let Ok(ip) = s.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Some(rest) = s.strip_prefix('[') {
        let (addr, _) = rest.split_once(']')?;
        return addr.parse::<Ipv6Addr>().ok().map(IpAddr::V6);
    }
    let (host, port) = s.rsplit_once(':')?;
    port.parse::<u16>().ok()?;
    host.parse::<std::net::Ipv4Addr>().ok().map(IpAddr::V4)
}

/// IPv4-mapped IPv6 addresses (`::ffff:1.2.3.4`) are the IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// The unit a rate limit counts: one IPv4 address, or one IPv6 /64 (the smallest block
/// an ISP assigns to a subscriber, RFC 6177, so one person cannot rotate through
/// addresses of their own prefix).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClientKey(IpAddr);

impl ClientKey {
    pub fn of(ip: IpAddr) -> Self {
        match canonical(ip) {
            IpAddr::V6(v6) => {
                let segments = v6.segments();
                let prefix = Ipv6Addr::new(
                    segments[0],
                    segments[1],
                    segments[2],
                    segments[3],
                    0,
                    0,
                    0,
                    0,
                );
                ClientKey(IpAddr::V6(prefix))
            }
            v4 => ClientKey(v4),
        }
    }
}

impl fmt::Display for ClientKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            IpAddr::V6(v6) => write!(f, "{v6}/64"),
            v4 => write!(f, "{v4}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn proxies() -> TrustedProxies {
        TrustedProxies::parse("10.0.0.0/8, 192.168.1.10, fd00::/8").unwrap()
    }

    #[test]
    fn untrusted_peers_are_the_client_whatever_they_claim() {
        let got = proxies().client(
            ip("203.0.113.9"),
            ForwardedHeader::XForwardedFor,
            &["1.1.1.1"],
        );
        assert_eq!(got, ip("203.0.113.9"));
        let none = TrustedProxies::default();
        assert_eq!(
            none.client(ip("10.0.0.1"), ForwardedHeader::XForwardedFor, &["1.1.1.1"]),
            ip("10.0.0.1")
        );
    }

    #[test]
    fn the_client_is_the_rightmost_untrusted_hop() {
        let p = proxies();
        // A client that forges a left-most entry does not get to choose its address.
        let got = p.client(
            ip("10.0.0.2"),
            ForwardedHeader::XForwardedFor,
            &["6.6.6.6, 203.0.113.9", "10.1.2.3"],
        );
        assert_eq!(got, ip("203.0.113.9"));
        // Every hop trusted: the left-most one.
        let got = p.client(
            ip("10.0.0.2"),
            ForwardedHeader::XForwardedFor,
            &["10.9.9.9, 10.1.1.1"],
        );
        assert_eq!(got, ip("10.9.9.9"));
        // No header from a trusted proxy: the proxy itself.
        assert_eq!(
            p.client(ip("10.0.0.2"), ForwardedHeader::XForwardedFor, &[]),
            ip("10.0.0.2")
        );
    }

    #[test]
    fn garbage_stops_the_walk() {
        let got = proxies().client(
            ip("10.0.0.2"),
            ForwardedHeader::XForwardedFor,
            &["1.2.3.4, not-an-ip, 10.0.0.7"],
        );
        assert_eq!(got, ip("10.0.0.7"));
    }

    #[test]
    fn forwarded_header_elements_and_ports() {
        let got = proxies().client(
            ip("192.168.1.10"),
            ForwardedHeader::Forwarded,
            &[r#"for=6.6.6.6, for="[2001:db8:cafe::17]:4711";proto=https, for=10.0.0.9:80"#],
        );
        assert_eq!(got, ip("2001:db8:cafe::17"));
        assert_eq!(parse_node("1.2.3.4:80"), Some(ip("1.2.3.4")));
        assert_eq!(parse_node("[::1]"), Some(ip("::1")));
        assert_eq!(parse_node("_hidden"), None);
    }

    #[test]
    fn mapped_addresses_match_ipv4_proxies() {
        assert!(proxies().trusts(ip("::ffff:10.1.2.3")));
    }

    #[test]
    fn ipv6_clients_are_grouped_by_64() {
        let a = ClientKey::of(ip("2001:db8:1:2:aaaa::1"));
        let b = ClientKey::of(ip("2001:db8:1:2:ffff:1:2:3"));
        let c = ClientKey::of(ip("2001:db8:1:3::1"));
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(a.to_string(), "2001:db8:1:2::/64");
        assert_eq!(ClientKey::of(ip("192.0.2.1")).to_string(), "192.0.2.1");
    }

    #[test]
    fn bad_lists_are_refused() {
        assert!(TrustedProxies::parse("10.0.0.0/33").is_err());
        assert!(TrustedProxies::parse("proxy.local").is_err());
        assert!(TrustedProxies::parse("").unwrap().is_empty());
    }
}
