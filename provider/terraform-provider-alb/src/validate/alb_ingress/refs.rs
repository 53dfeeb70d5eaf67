//! Names shared by several `alb_ingress` blocks: Service references and header names.

use tfplugin::diag::Diagnostics;

use crate::validate::check::{format, Node};
use crate::validate::formats::{is_dns1035_label, is_header_name, is_service_port};

/// Headers a condition cannot match on.
const CONDITION_RESERVED: &[&str] = &["cookie", "host"];

/// Headers ALB does not let rules insert or remove.
const ACTION_RESERVED: &[&str] = &[
    "slb-id",
    "slb-ip",
    "x-forwarded-for",
    "x-forwarded-proto",
    "x-forwarded-eip",
    "x-forwarded-port",
    "x-forwarded-client-srcport",
    "connection",
    "upgrade",
    "content-length",
    "transfer-encoding",
    "keep-alive",
    "te",
    "host",
    "cookie",
    "remoteip",
    "authority",
];

/// Which reserved-name list applies to a header name.
#[derive(Clone, Copy, Debug)]
pub enum HeaderUse {
    /// A `Header` condition (match block, canary header).
    Condition,
    /// An `InsertHeader` or `RemoveHeader` action.
    Action,
}

/// `{service, port}`: a Service name and a port number or name.
pub fn service_ref(d: &mut Diagnostics, node: &Node) {
    format(
        d,
        &node.attr("service"),
        "service name",
        is_dns1035_label,
        "a Kubernetes Service name: at most 63 lowercase letters, digits and `-`, starting with a \
         letter and ending with a letter or digit",
    );
    format(
        d,
        &node.attr("port"),
        "service port",
        is_service_port,
        "a port number from 1 to 65535 or the name of a Service port",
    );
}

/// A header name: the ALB character set, and not a reserved header for `usage`.
pub fn header_name(d: &mut Diagnostics, node: &Node, usage: HeaderUse) {
    format(
        d,
        node,
        "header name",
        is_header_name,
        "1 to 40 characters of letters, digits, `_` and `-`",
    );
    let Some(name) = node.str() else {
        return;
    };
    let reserved = match usage {
        HeaderUse::Condition => CONDITION_RESERVED,
        HeaderUse::Action => ACTION_RESERVED,
    };
    if reserved.iter().any(|r| r.eq_ignore_ascii_case(name)) {
        let what = match usage {
            HeaderUse::Condition => "matched by a header condition",
            HeaderUse::Action => "inserted or removed by a rule",
        };
        node.error(
            d,
            "Reserved header name",
            format!("The header `{name}` cannot be {what}."),
        );
    }
}
