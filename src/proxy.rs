//! Who is on the other end of a request: the client's address and whether it came over HTTPS.
//! Behind a reverse proxy the connection's peer is the proxy, so the proxy's `Forwarded` (RFC
//! 7239), `X-Forwarded-For` and `X-Forwarded-Proto` headers say who the client is, but only a
//! proxy the operator listed in `--trusted-proxies` may say so: from any other peer those
//! headers are ignored, or anyone could pick a fresh address for every sign-in guess.
//!
//! [`ResolveClient`] works this out once per request; every door (the per-address rate limits,
//! the access log, the console's `Secure` cookie) reads the result with [`Client::of`]. It
//! never decides what an address may do.

use std::net::IpAddr;

use ipnet::IpNet;
use poem::http::HeaderMap;
use poem::http::uri::Scheme;
use poem::{Endpoint, Middleware, Request};

/// The client of one request, as far as the trusted proxies vouch for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Client {
    /// `None` only for a peer that is not an IP socket (never in practice).
    pub ip: Option<IpAddr>,
    /// The browser reached us over HTTPS: directly, or through a trusted proxy that says so.
    pub https: bool,
}

impl Client {
    /// The client of `req`, as [`ResolveClient`] worked it out; a request that did not pass
    /// through it (no server builds one so) gets its peer with every header ignored.
    pub(crate) fn of(req: &Request) -> Client {
        req.extensions()
            .get::<Client>()
            .cloned()
            .unwrap_or_else(|| resolve(req, &[]))
    }

    /// The key of the per-address limits.
    pub(crate) fn address_key(&self) -> String {
        self.ip.map(|ip| ip.to_string()).unwrap_or_default()
    }
}

/// One hop a proxy reported, left (nearest the client) to right (nearest us).
struct Hop {
    /// `None` for `unknown`, an obfuscated name or anything else that is not an address.
    ip: Option<IpAddr>,
    /// `proto=` of a `Forwarded` element.
    proto: Option<String>,
}

fn trusted(ip: IpAddr, proxies: &[IpNet]) -> bool {
    proxies.iter().any(|net| net.contains(&ip))
}

/// Works out the client of `req`, believing forwarding headers only from `proxies`.
///
/// The hops are walked from the right: each trusted one passes on to the hop before it, and the
/// first untrusted address is the client (the rightmost untrusted hop), so a client cannot
/// pretend to be someone else by sending its own `X-Forwarded-For`: the proxy appends the real
/// address after whatever the client wrote. `Forwarded` wins over `X-Forwarded-For` when a
/// request carries both. A hop that is not an address stops the walk at the proxy that
/// reported it.
pub(crate) fn resolve(req: &Request, proxies: &[IpNet]) -> Client {
    let peer = req.remote_addr().as_socket_addr().map(|a| a.ip());
    let direct_https = *req.scheme() == Scheme::HTTPS || req.uri().scheme_str() == Some("https");
    resolve_parts(peer, direct_https, req.headers(), proxies)
}

/// [`resolve`] on the parts of a request it reads.
fn resolve_parts(
    peer: Option<IpAddr>,
    direct_https: bool,
    headers: &HeaderMap,
    proxies: &[IpNet],
) -> Client {
    let peer = peer.map(|p| p.to_canonical());
    let Some(peer) = peer.filter(|p| trusted(*p, proxies)) else {
        return Client {
            ip: peer,
            https: direct_https,
        };
    };
    let hops = forwarded_hops(headers).unwrap_or_else(|| x_forwarded_for(headers));
    let mut client = peer;
    let mut proto = None;
    for hop in hops.iter().rev() {
        let Some(ip) = hop.ip else { break };
        client = ip.to_canonical();
        proto = hop.proto.clone();
        if !trusted(client, proxies) {
            break;
        }
    }
    let proto = proto.or_else(|| {
        let value = joined(headers, "x-forwarded-proto")?;
        Some(value.split(',').next()?.trim().to_string())
    });
    Client {
        ip: Some(client),
        https: direct_https || proto.is_some_and(|p| p.eq_ignore_ascii_case("https")),
    }
}

/// Every line of header `name`, joined as one comma-separated list (RFC 9110 §5.3).
fn joined(headers: &HeaderMap, name: &str) -> Option<String> {
    let lines: Vec<&str> = headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    (!lines.is_empty()).then(|| lines.join(","))
}

fn x_forwarded_for(headers: &HeaderMap) -> Vec<Hop> {
    joined(headers, "x-forwarded-for")
        .map(|v| {
            v.split(',')
                .map(|s| Hop {
                    ip: parse_node(s.trim()),
                    proto: None,
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The elements of `Forwarded`, or `None` when there is no such header.
fn forwarded_hops(headers: &HeaderMap) -> Option<Vec<Hop>> {
    let value = joined(headers, "forwarded")?;
    let hops = value
        .split(',')
        .map(|element| {
            let mut hop = Hop {
                ip: None,
                proto: None,
            };
            for pair in element.split(';') {
                let Some((key, v)) = pair.split_once('=') else {
                    continue;
                };
                let v = v.trim().trim_matches('"');
                match key.trim().to_ascii_lowercase().as_str() {
                    "for" => hop.ip = parse_node(v),
                    "proto" => hop.proto = Some(v.to_string()),
                    _ => {}
                }
            }
            hop
        })
        .collect();
    Some(hops)
}

/// `192.0.2.1`, `192.0.2.1:4711`, `2001:db8::1`, `[2001:db8::1]` or `[2001:db8::1]:4711`.
fn parse_node(s: &str) -> Option<IpAddr> {
    if let Ok(ip) = s.parse() {
        return Some(ip);
    }
    if let Some(rest) = s.strip_prefix('[') {
        return rest.split_once(']')?.0.parse().ok();
    }
    let (host, port) = s.rsplit_once(':')?;
    port.parse::<u16>().ok()?;
    host.parse().ok()
}

/// The middleware that resolves the client once, for everything inside it.
pub(crate) struct ResolveClient {
    pub trusted: Vec<IpNet>,
}

impl<E: Endpoint> Middleware<E> for ResolveClient {
    type Output = ResolveClientEndpoint<E>;

    fn transform(&self, inner: E) -> Self::Output {
        ResolveClientEndpoint {
            inner,
            trusted: self.trusted.clone(),
        }
    }
}

/// Built by [`ResolveClient`].
pub(crate) struct ResolveClientEndpoint<E> {
    inner: E,
    trusted: Vec<IpNet>,
}

impl<E: Endpoint> Endpoint for ResolveClientEndpoint<E> {
    type Output = E::Output;

    async fn call(&self, mut req: Request) -> poem::Result<Self::Output> {
        let client = resolve(&req, &self.trusted);
        req.extensions_mut().insert(client);
        self.inner.call(req).await
    }
}

/// Reads `--trusted-proxies`: CIDR blocks or single addresses (`10.0.0.0/8`, `127.0.0.1`, `::1`).
pub(crate) fn parse_trusted(items: &[String]) -> Result<Vec<IpNet>, String> {
    items
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<IpNet>()
                .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| {
                    format!(
                        "FRONTDESK_TRUSTED_PROXIES: `{s}` is not an address or CIDR block; \
                         write it like 127.0.0.1/32, 10.0.0.0/8 or ::1"
                    )
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A plain-HTTP request from `peer` with `headers`.
    struct Req(Option<IpAddr>, HeaderMap);

    fn request(peer: &str, headers: &[(&str, &str)]) -> Req {
        let mut map = HeaderMap::new();
        for (k, v) in headers {
            map.append(
                poem::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        let addr: std::net::SocketAddr = peer.parse().unwrap();
        Req(Some(addr.ip()), map)
    }

    fn resolve(req: &Req, proxies: &[IpNet]) -> Client {
        resolve_parts(req.0, false, &req.1, proxies)
    }

    fn nets(s: &[&str]) -> Vec<IpNet> {
        parse_trusted(&s.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap()
    }

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn headers_from_an_untrusted_peer_are_ignored() {
        let req = request(
            "203.0.113.9:5000",
            &[
                ("x-forwarded-for", "1.2.3.4"),
                ("forwarded", "for=1.2.3.4;proto=https"),
                ("x-forwarded-proto", "https"),
            ],
        );
        let c = resolve(&req, &nets(&["127.0.0.1/32"]));
        assert_eq!(c.ip, ip("203.0.113.9"));
        assert!(!c.https);
        assert_eq!(resolve(&req, &[]).ip, ip("203.0.113.9"));
    }

    #[test]
    fn the_rightmost_untrusted_hop_is_the_client() {
        let trusted = nets(&["127.0.0.1", "10.0.0.0/8"]);
        // The client wrote a fake first entry; the proxies appended the real one and their own.
        let req = request(
            "127.0.0.1:1",
            &[
                ("x-forwarded-for", "6.6.6.6, 198.51.100.7"),
                ("x-forwarded-for", "10.1.2.3"),
            ],
        );
        assert_eq!(resolve(&req, &trusted).ip, ip("198.51.100.7"));
        // Every hop trusted: the leftmost one.
        let req = request("127.0.0.1:1", &[("x-forwarded-for", "10.0.0.5, 10.0.0.6")]);
        assert_eq!(resolve(&req, &trusted).ip, ip("10.0.0.5"));
        // No header: the proxy itself.
        assert_eq!(
            resolve(&request("127.0.0.1:1", &[]), &trusted).ip,
            ip("127.0.0.1")
        );
    }

    #[test]
    fn forwarded_elements_with_ports_quotes_and_proto() {
        let trusted = nets(&["::1/128"]);
        let req = request(
            "[::1]:8080",
            &[
                (
                    "forwarded",
                    "for=192.0.2.60;proto=http, for=\"[2001:db8:cafe::17]:4711\";proto=https",
                ),
                ("x-forwarded-for", "9.9.9.9"),
            ],
        );
        let c = resolve(&req, &trusted);
        assert_eq!(c.ip, ip("2001:db8:cafe::17"));
        assert!(c.https, "the chosen element's proto");
        let req = request("[::1]:8080", &[("forwarded", "for=unknown")]);
        assert_eq!(resolve(&req, &trusted).ip, ip("::1"), "stops at the proxy");
    }

    #[test]
    fn the_scheme_comes_from_a_trusted_proxy_only() {
        let trusted = nets(&["127.0.0.0/8"]);
        let req = request(
            "127.0.0.1:1",
            &[
                ("x-forwarded-for", "198.51.100.7"),
                ("x-forwarded-proto", "https"),
            ],
        );
        assert!(resolve(&req, &trusted).https);
        assert!(!resolve(&req, &[]).https);
        // An IPv4 client seen through an IPv6 socket is the IPv4 address.
        let req = request("[::ffff:127.0.0.1]:1", &[("x-forwarded-proto", "https")]);
        let c = resolve(&req, &trusted);
        assert_eq!(c.ip, ip("127.0.0.1"));
        assert!(c.https);
    }

    #[test]
    fn bad_blocks_are_refused_with_guidance() {
        let err = parse_trusted(&["10.0.0.0/33".into()]).unwrap_err();
        assert!(err.contains("10.0.0.0/33"), "{err}");
        assert_eq!(nets(&["127.0.0.1"])[0].to_string(), "127.0.0.1/32");
    }
}
