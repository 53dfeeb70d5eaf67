//! String formats used by the validators (pure predicates).

use std::net::IpAddr;

use model::spec::Timeouts;

/// A DNS-1123 label: 1–63 lowercase alphanumerics or `-`, alphanumeric at both ends.
pub fn is_dns1123_label(s: &str) -> bool {
    (1..=63).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

/// A DNS-1123 subdomain of at most `max` characters: dot-separated DNS-1123 labels.
pub fn is_dns1123_subdomain(s: &str, max: usize) -> bool {
    s.len() <= max && s.split('.').all(is_dns1123_label)
}

/// A DNS-1035 label (a Kubernetes Service name): a DNS-1123 label starting with a letter.
pub fn is_dns1035_label(s: &str) -> bool {
    is_dns1123_label(s) && s.starts_with(|c: char| c.is_ascii_lowercase())
}

/// A host name for ALB host conditions: 3–128 characters, lowercase letters, digits, `-` and `.`,
/// at least one dot, non-empty labels; a wildcard only as a leading `*.`.
pub fn is_host(s: &str) -> bool {
    let rest = s.strip_prefix("*.").unwrap_or(s);
    (3..=128).contains(&s.len())
        && rest.contains('.')
        && rest.split('.').all(|label| {
            !label.is_empty()
                && label
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
}

/// A Service port: a number 1–65535 or a port name (a DNS-1123 label with at least one letter).
pub fn is_service_port(s: &str) -> bool {
    if s.bytes().all(|b| b.is_ascii_digit()) {
        is_port_number(s)
    } else {
        is_dns1123_label(s) && s.bytes().any(|b| b.is_ascii_lowercase())
    }
}

/// A port number 1–65535 written in decimal.
pub fn is_port_number(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 5
        && s.bytes().all(|b| b.is_ascii_digit())
        && s.parse::<u32>().is_ok_and(|p| (1..=65535).contains(&p))
}

/// An IPv4/IPv6 address or CIDR block.
pub fn is_ip_or_cidr(s: &str) -> bool {
    let (addr, prefix) = match s.split_once('/') {
        Some((addr, prefix)) => (addr, Some(prefix)),
        None => (s, None),
    };
    let Ok(ip) = addr.parse::<IpAddr>() else {
        return false;
    };
    let max = if ip.is_ipv4() { 32 } else { 128 };
    prefix.is_none_or(|p| {
        !p.is_empty()
            && p.bytes().all(|b| b.is_ascii_digit())
            && p.parse::<u8>().is_ok_and(|n| n <= max)
    })
}

/// An IPv4 address or CIDR block (`10.0.0.1`, `10.0.0.0/8`).
pub fn is_ipv4_or_cidr(s: &str) -> bool {
    let addr = s.split_once('/').map_or(s, |(addr, _)| addr);
    addr.parse::<std::net::Ipv4Addr>().is_ok() && is_ip_or_cidr(s)
}

/// An HTTP header name as ALB accepts it: 1–40 characters `[A-Za-z0-9_-]`.
pub fn is_header_name(s: &str) -> bool {
    (1..=40).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// A load balancer name: 2–128 characters, starting with a letter, `[A-Za-z0-9._-]`.
pub fn is_lb_name(s: &str) -> bool {
    (2..=128).contains(&s.len())
        && s.starts_with(|c: char| c.is_ascii_alphabetic())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
}

/// A positive duration in Go syntax (see [`Timeouts::parse`]), e.g. `30s`, `10m`, `1h30m`, `1.5h`.
pub fn is_duration(s: &str) -> bool {
    Timeouts::parse(s).is_some_and(|d| !d.is_zero())
}

/// Why `pattern` is not a regular expression ALB accepts; `None` when it is.
///
/// [INF] ALB's path regexes are PCRE-like (nginx): the pattern is parsed with `regex-syntax`, which
/// catches unbalanced groups and classes, dangling escapes and quantifiers without operand. Where
/// `regex-syntax` is stricter than PCRE (look-around, back-references, a literal `{`), the pattern
/// is accepted: a rejection must be certain.
pub fn regex_error(pattern: &str) -> Option<String> {
    use regex_syntax::ast::{parse::Parser, ErrorKind};
    let error = Parser::new().parse(pattern).err()?;
    let pcre_accepts = matches!(
        error.kind(),
        ErrorKind::UnsupportedLookAround
            | ErrorKind::UnsupportedBackreference
            | ErrorKind::RepetitionCountUnclosed
            | ErrorKind::RepetitionCountDecimalEmpty
    );
    (!pcre_accepts).then(|| {
        format!(
            "{} at character {}",
            error.kind(),
            error.span().start.offset + 1
        )
    })
}

/// Printable ASCII (space to `~`).
pub fn is_printable_ascii(s: &str) -> bool {
    s.bytes().all(|b| (b' '..=b'~').contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts() {
        for ok in ["example.com", "*.example.com", "a-b.c1.io"] {
            assert!(is_host(ok), "{ok}");
        }
        for bad in [
            "Example.com",
            "localhost",
            "a.*.com",
            "*example.com",
            "a..com",
            "**.a.b",
            "*.com.",
        ] {
            assert!(!is_host(bad), "{bad}");
        }
    }

    #[test]
    fn durations() {
        // The syntax table is `model::spec::Timeouts::parse`'s; here only "parses and non-zero".
        assert!(is_duration("1h30m"));
        for bad in ["0s", "0h0m"] {
            assert!(!is_duration(bad), "{bad}");
        }
    }

    #[test]
    fn addresses() {
        for ok in ["10.0.0.0/8", "192.168.1.1", "::1", "2001:db8::/32"] {
            assert!(is_ip_or_cidr(ok), "{ok}");
        }
        for bad in [
            "10.0.0.0/33",
            "10.0.0/8",
            "10.0.0.1/",
            "host",
            "2001:db8::/129",
        ] {
            assert!(!is_ip_or_cidr(bad), "{bad}");
        }
        assert!(is_ipv4_or_cidr("10.0.0.0/8") && is_ipv4_or_cidr("192.168.1.1"));
        for bad in ["::1", "2001:db8::/32", "10.0.0.0/33", "host"] {
            assert!(!is_ipv4_or_cidr(bad), "{bad}");
        }
    }

    #[test]
    fn regexes() {
        for ok in [
            "/api/(v1|v2)/.*",
            "/a\\.b",
            "/x/[a-z]+$",
            "/(?=v1)",
            "/(a)\\1",
            "/a{",
            "/a\\/b",
        ] {
            assert_eq!(regex_error(ok), None, "{ok}");
        }
        for (bad, why) in [
            ("/api/(v1|v2", "unclosed group at character 6"),
            ("/api/v1)", "unopened group at character 8"),
            ("/[a-z", "unclosed character class at character 2"),
            (
                "/(*x)",
                "repetition operator missing expression at character 3",
            ),
            ("/a\\", "incomplete escape sequence"),
        ] {
            let error = regex_error(bad).unwrap_or_default();
            assert!(error.contains(why), "{bad}: {error}");
        }
    }

    #[test]
    fn names() {
        assert!(is_dns1123_subdomain("web.v1", 63));
        assert!(!is_dns1123_subdomain("Web", 63));
        assert!(is_dns1035_label("svc-1"));
        assert!(!is_dns1035_label("1svc"));
        assert!(is_service_port("80") && is_service_port("http"));
        assert!(!is_service_port("0") && !is_service_port("70000") && !is_service_port("Http"));
        assert!(is_lb_name("my-alb.1") && !is_lb_name("1alb") && !is_lb_name("a"));
        assert!(is_header_name("x-env_1") && !is_header_name("x env"));
    }
}
