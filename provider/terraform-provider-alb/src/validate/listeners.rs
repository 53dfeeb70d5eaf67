//! Rules shared by `alb_config.listener` (blocks labelled `PROTOCOL:port`) and
//! `alb_ingress.listen` (blocks with `protocol` and `port`): protocol, port and their
//! combinations.

use model::desired::ListenerKey;
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
    let keyed = items.iter().filter_map(|item| {
        let (protocol, port) = (item.attr("protocol").str()?, item.attr("port").int()?);
        Some((item.attr("port"), item.path().to_string(), protocol, port))
    });
    web_port_clashes(d, keyed, what);
}

/// Checks the labels of listener blocks (`entries` of the `listener` map): each must be
/// `PROTOCOL:port` as [`ListenerKey`] renders it, and HTTP and HTTPS must not share a port.
/// Returns each block with the key its label names (`None` for an invalid label).
pub fn check_labels<'a>(
    d: &mut Diagnostics,
    entries: Vec<(&'a str, Node<'a>)>,
) -> Vec<(Node<'a>, Option<ListenerKey>)> {
    let keyed: Vec<(Node<'a>, Option<ListenerKey>)> = entries
        .into_iter()
        .map(|(label, block)| {
            let key = label.parse::<ListenerKey>().ok();
            if key.is_none() {
                block.error(
                    d,
                    "Invalid listener label",
                    format!(
                        "A listener block is labelled by its protocol and port, `PROTOCOL:port`: \
                         one of {} (upper case), a colon and a port 1–65535 without leading \
                         zeros, e.g. `listener \"HTTPS:443\" {{ … }}`; got {label:?}.",
                        PROTOCOLS.join(", ")
                    ),
                );
            }
            (block, key)
        })
        .collect();
    let valid = keyed.iter().filter_map(|(block, key)| {
        let key = (*key)?;
        let name = block.path().to_string();
        Some((
            block.clone(),
            name,
            key.protocol.as_str(),
            i64::from(key.port),
        ))
    });
    web_port_clashes(d, valid, "listener");
    keyed
}

/// Reports each HTTP or HTTPS listener whose port an earlier listener of the other of the two
/// protocols uses. Each listener comes as (where to report, its name in messages, protocol,
/// port).
fn web_port_clashes<'a>(
    d: &mut Diagnostics,
    listeners: impl IntoIterator<Item = (Node<'a>, String, &'a str, i64)>,
    what: &str,
) {
    let mut web_ports: Vec<(&str, i64, String)> = Vec::new();
    for (at, name, protocol, port) in listeners {
        if !matches!(protocol, "HTTP" | "HTTPS") {
            continue;
        }
        let clash = web_ports
            .iter()
            .find(|(other, other_port, _)| *other != protocol && *other_port == port);
        if let Some((other, _, first)) = clash {
            at.error(
                d,
                "Conflicting listener protocols",
                format!(
                    "HTTP and HTTPS cannot share a port: port {port} is already used by the {other} \
                     {what} at {first}."
                ),
            );
        }
        web_ports.push((protocol, port, name));
    }
}
