//! Rules shared by `alb_config.listener` and `alb_ingress.listen`: protocol, port and their
//! combinations.

use tfplugin::diag::Diagnostics;

use super::check::{int_range, one_of, unique_at, Node};

/// Listener protocols.
pub const PROTOCOLS: &[&str] = &["HTTP", "HTTPS", "QUIC"];

/// Checks `protocol` and `port` of each element, that each (protocol, port) appears once and that
/// HTTP and HTTPS do not share a port. `what` names the elements in messages (e.g. "listener").
pub fn check(d: &mut Diagnostics, items: &[Node], what: &str) {
    for item in items {
        one_of(
            d,
            &item.attr("protocol"),
            &format!("{what} protocol"),
            PROTOCOLS,
        );
        int_range(d, &item.attr("port"), &format!("{what} port"), 1, 65535);
    }
    unique_at(
        d,
        items,
        what,
        |item| item.attr("port"),
        |item| {
            Some(format!(
                "`{}:{}`",
                item.attr("protocol").str()?,
                item.attr("port").int()?
            ))
        },
    );
    let mut web_ports: Vec<(&str, i64, String)> = Vec::new();
    for item in items {
        let (Some(protocol @ ("HTTP" | "HTTPS")), Some(port)) =
            (item.attr("protocol").str(), item.attr("port").int())
        else {
            continue;
        };
        let clash = web_ports
            .iter()
            .find(|(other, other_port, _)| *other != protocol && *other_port == port);
        if let Some((other, _, at)) = clash {
            item.attr("port").error(
                d,
                "Conflicting listener protocols",
                format!(
                    "HTTP and HTTPS cannot share a port: port {port} is already used by the {other} \
                     {what} at {at}."
                ),
            );
        }
        web_ports.push((protocol, port, item.path().to_string()));
    }
}
