//! The `backend_defaults` block: server group protocol, scheduler, health check, sticky sessions,
//! slow start and connection draining.

use std::collections::BTreeMap;

use model::ownership::{check_node_selector_tag, node_selector_tag_value, TAG_NODE_SELECTOR};
use tfplugin::diag::Diagnostics;

use crate::validate::check::{count, each, format, int_range, length, one_of, Node};

/// Server group schedulers.
const SCHEDULERS: &[&str] = &["Wrr", "Wlc", "Sch", "Uch"];

/// Checks `backend_defaults` when present.
pub fn check(d: &mut Diagnostics, root: &Node) {
    let Some(defaults) = root.block("backend_defaults") else {
        return;
    };
    let protocol = defaults.attr("protocol");
    one_of(d, &protocol, "backend protocol", &["HTTP", "HTTPS", "GRPC"]);
    let scheduler = defaults.attr("scheduler");
    one_of(d, &scheduler, "scheduler", SCHEDULERS);
    // An invalid scheduler is reported once, above.
    let valid_scheduler = scheduler.str_or("Wrr").filter(|s| SCHEDULERS.contains(s));
    uch_query_key(d, &defaults, valid_scheduler);
    one_of(
        d,
        &defaults.attr("member_mode"),
        "member mode",
        &["ip", "nodeport"],
    );
    one_of(
        d,
        &defaults.attr("member_sync"),
        "member sync",
        &["terraform", "agent"],
    );
    int_range(d, &defaults.attr("member_weight"), "member weight", 0, 100);
    agent_node_selector(d, &defaults);
    if let Some(health_check) = defaults.block("health_check") {
        self::health_check(d, &health_check, protocol.str_or("HTTP"));
    }
    if let Some(sticky) = defaults.block("sticky_session") {
        sticky_session(d, &sticky);
        if defaults.attr("cross_zone").bool() == Some(false) {
            defaults.attr("cross_zone").error(
                d,
                "Sticky sessions need cross-zone balancing",
                "`sticky_session` cannot be combined with `cross_zone = false`.",
            );
        }
    }
    if let Some(slow_start) = defaults.block("slow_start") {
        int_range(
            d,
            &slow_start.attr("duration"),
            "slow start duration",
            30,
            900,
        );
    }
    if let Some(drain) = defaults.block("connection_drain") {
        int_range(
            d,
            &drain.attr("timeout"),
            "connection drain timeout",
            0,
            900,
        );
    }
}

/// With `member_sync = "agent"` in node-port mode the node selector travels to the agent in a
/// server-group tag ([`model::ownership::TAG_NODE_SELECTOR`]), whose value must fit the ALB tag
/// rules (at most 128 characters).
fn agent_node_selector(d: &mut Diagnostics, defaults: &Node) {
    let agent = defaults.attr("member_sync").str() == Some("agent");
    let nodeport = defaults.attr("member_mode").str() == Some("nodeport");
    let node_selector = defaults.attr("node_selector");
    let labels: Option<BTreeMap<String, String>> = node_selector
        .entries()
        .into_iter()
        .map(|(key, value)| Some((key.to_owned(), value.str()?.to_owned())))
        .collect();
    let Some(labels) = labels.filter(|_| agent && nodeport) else {
        return;
    };
    if let Err(why) = check_node_selector_tag(&labels) {
        node_selector.error(
            d,
            "Node selector too long for the agent",
            format!(
                "With `member_sync = \"agent\"` the node selector reaches alb-member-sync in the \
                 server-group tag `{TAG_NODE_SELECTOR}` as `{}`, which {why}: use fewer or shorter \
                 labels.",
                node_selector_tag_value(&labels)
            ),
        );
    }
}

fn uch_query_key(d: &mut Diagnostics, defaults: &Node, scheduler: Option<&str>) {
    let key = defaults.attr("uch_query_key");
    match (scheduler, key.presence()) {
        (Some("Uch"), p) if p.is_absent() => key.error(
            d,
            "Missing hash query key",
            "The `Uch` scheduler hashes a URL query parameter: set `uch_query_key` to its name.",
        ),
        (Some(other), p) if other != "Uch" && p.is_present() => key.error(
            d,
            "Hash query key needs the Uch scheduler",
            format!("`uch_query_key` is only used with `scheduler = \"Uch\"`; the scheduler is `{other}`."),
        ),
        _ => {}
    }
}

fn health_check(d: &mut Diagnostics, hc: &Node, backend_protocol: Option<&str>) {
    let protocol = hc.attr("protocol");
    one_of(
        d,
        &protocol,
        "health check protocol",
        &["HTTP", "HTTPS", "TCP", "GRPC"],
    );
    one_of(
        d,
        &hc.attr("method"),
        "health check method",
        &["HEAD", "GET", "POST"],
    );
    format(
        d,
        &hc.attr("path"),
        "health check path",
        |p| p.starts_with('/') && p.chars().count() <= 80,
        "1 to 80 characters starting with `/`",
    );
    one_of(
        d,
        &hc.attr("http_version"),
        "health check HTTP version",
        &["HTTP1.0", "HTTP1.1"],
    );
    int_range(d, &hc.attr("connect_port"), "health check port", 0, 65535);
    int_range(d, &hc.attr("interval"), "health check interval", 1, 50);
    int_range(d, &hc.attr("timeout"), "health check timeout", 1, 300);
    int_range(d, &hc.attr("healthy_threshold"), "healthy threshold", 2, 10);
    int_range(
        d,
        &hc.attr("unhealthy_threshold"),
        "unhealthy threshold",
        2,
        10,
    );

    // Code style follows the probe protocol; an unset protocol defaults to HTTP unless the backends
    // speak gRPC (then the default is left to the model and the codes to plan time).
    let probe = match (protocol.presence().is_absent(), backend_protocol) {
        (true, Some("GRPC")) | (true, None) => None,
        (true, Some(_)) => Some("HTTP"),
        (false, _) => protocol.str(),
    };
    let codes = hc.attr("codes");
    match probe {
        Some("HTTP" | "HTTPS") => each(d, &codes, |d, code| {
            one_of(
                d,
                code,
                "health check code",
                &["http_2xx", "http_3xx", "http_4xx", "http_5xx"],
            );
        }),
        Some("GRPC") => {
            count(d, &codes, "health check codes", 0, 20);
            each(d, &codes, |d, code| {
                format(
                    d,
                    code,
                    "health check code",
                    is_grpc_code_range,
                    "a gRPC status code from 0 to 99 or a range like `0-99`",
                );
            });
        }
        _ => {}
    }
}

/// `N` or `N-M` with 0 ≤ N ≤ M ≤ 99.
fn is_grpc_code_range(s: &str) -> bool {
    let code = |c: &str| {
        (1..=2).contains(&c.len())
            && c.bytes().all(|b| b.is_ascii_digit())
            && c.parse::<u8>().is_ok()
    };
    match s.split_once('-') {
        None => code(s),
        Some((low, high)) => {
            code(low) && code(high) && low.parse::<u8>().ok() <= high.parse::<u8>().ok()
        }
    }
}

fn sticky_session(d: &mut Diagnostics, sticky: &Node) {
    let kind = sticky.attr("type");
    one_of(d, &kind, "sticky session type", &["Insert", "Server"]);
    let timeout = sticky.attr("cookie_timeout");
    int_range(d, &timeout, "cookie timeout", 1, 86400);
    let cookie = sticky.attr("cookie");
    length(d, &cookie, "sticky session cookie", 1, 200);
    match kind.str_or("Insert") {
        Some("Server") => {
            if cookie.presence().is_absent() {
                cookie.error(
                    d,
                    "Missing sticky session cookie",
                    "With `type = \"Server\"` the backend sets the session cookie: name it in `cookie`.",
                );
            }
            if timeout.presence().is_present() {
                timeout.error(
                    d,
                    "Cookie timeout needs the Insert type",
                    "`cookie_timeout` applies to cookies the load balancer inserts (`type = \"Insert\"`).",
                );
            }
        }
        Some("Insert") if cookie.presence().is_present() => cookie.error(
            d,
            "Cookie name needs the Server type",
            "`cookie` names the backend's own cookie and is only used with `type = \"Server\"`.",
        ),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::is_grpc_code_range;

    #[test]
    fn grpc_codes() {
        for ok in ["0", "0-99", "12-12", "5"] {
            assert!(is_grpc_code_range(ok), "{ok}");
        }
        for bad in ["100", "9-1", "http_2xx", "1-", "-1", "0-100"] {
            assert!(!is_grpc_code_range(bad), "{bad}");
        }
    }
}
