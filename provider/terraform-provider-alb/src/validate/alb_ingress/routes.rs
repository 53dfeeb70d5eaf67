//! Each route of an ingress (host, path type, path and `match` conditions) appears once: a second
//! path block with the same route would become a rule no request ever reaches.

use std::fmt;

use tfplugin::diag::Diagnostics;
use tfplugin::value::Value;

use crate::validate::check::{report_repeats, Node};

/// What a request must carry to reach a path block.
#[derive(PartialEq)]
struct Route<'a> {
    host: Option<&'a str>,
    path_type: &'a str,
    path: &'a str,
    matches: &'a Value,
}

impl fmt::Display for Route<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let host = self.host.unwrap_or("any host");
        write!(f, "`{host}` `{}` ({})", self.path, self.path_type)?;
        if !self.matches.is_null() {
            f.write_str(" with the same `match` conditions")?;
        }
        Ok(())
    }
}

/// Reports every `rule[*].path` block whose route repeats an earlier one, at its `path`
/// attribute (at the block when it sets none). Blocks with unknown parts are skipped.
pub fn unique(d: &mut Diagnostics, root: &Node) {
    let mut keyed = Vec::new();
    for rule in root.attr("rule").items() {
        let host = rule.attr("host");
        let host = match host.value() {
            Value::Null => Some(None),
            value => value.as_str().map(Some),
        };
        for path in rule.attr("path").items() {
            let route = host.and_then(|host| route(host, &path));
            keyed.push((path, route));
        }
    }
    report_repeats(d, keyed, "route", |path| {
        let value = path.attr("path");
        if value.presence().is_present() {
            value
        } else {
            path.clone()
        }
    });
}

fn route<'a>(host: Option<&'a str>, path: &Node<'a>) -> Option<Route<'a>> {
    let matches = path.attr("match").value();
    Some(Route {
        host,
        path_type: path.attr("path_type").str_or("ImplementationSpecific")?,
        path: path.attr("path").str_or("/")?,
        matches: matches.is_wholly_known().then_some(matches)?,
    })
}
