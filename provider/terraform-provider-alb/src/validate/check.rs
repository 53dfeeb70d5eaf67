//! Shared checkers over configuration values.
//!
//! Every checker reads a [`Node`] (a value with its attribute path) and pushes error diagnostics
//! located at that path. A checker only judges known values: null and unknown values pass, so
//! configurations with values known only after apply are never rejected for them.

use std::fmt::Display;

use tfplugin::diag::{AttributePath, Diagnostic, Diagnostics};
use tfplugin::value::Value;

/// A configuration value and where it is.
#[derive(Clone, Debug)]
pub struct Node<'a> {
    value: &'a Value,
    path: AttributePath,
}

impl<'a> Node<'a> {
    /// The root of a configuration.
    pub fn root(value: &'a Value) -> Self {
        Node {
            value,
            path: AttributePath::root(),
        }
    }

    /// The value.
    pub fn value(&self) -> &'a Value {
        self.value
    }

    /// The attribute path.
    pub fn path(&self) -> &AttributePath {
        &self.path
    }

    /// An attribute (or SINGLE block) of this object.
    pub fn attr(&self, name: &str) -> Node<'a> {
        Node {
            value: self.value.get(name),
            path: self.path.clone().attr(name),
        }
    }

    /// The known elements of a known list (a LIST block or a list attribute), each with its index
    /// path; none when the list is null or unknown.
    pub fn items(&self) -> Vec<Node<'a>> {
        self.value
            .as_list()
            .unwrap_or_default()
            .iter()
            .enumerate()
            .filter(|(_, value)| value.is_known())
            .map(|(i, value)| Node {
                value,
                path: self
                    .path
                    .clone()
                    .index(i64::try_from(i).unwrap_or(i64::MAX)),
            })
            .collect()
    }

    /// The entries of a known map, each with its key path and the key; none when null or unknown.
    pub fn entries(&self) -> Vec<(&'a str, Node<'a>)> {
        self.value
            .as_map()
            .into_iter()
            .flatten()
            .map(|(key, value)| {
                (
                    key.as_str(),
                    Node {
                        value,
                        path: self.path.clone().key(key),
                    },
                )
            })
            .collect()
    }

    /// A present, known SINGLE block.
    pub fn block(&self, name: &str) -> Option<Node<'a>> {
        let node = self.attr(name);
        node.value.as_map().map(|_| node)
    }

    /// The known string.
    pub fn str(&self) -> Option<&'a str> {
        self.value.as_str()
    }

    /// The known bool.
    pub fn bool(&self) -> Option<bool> {
        self.value.as_bool()
    }

    /// The known integral number.
    pub fn int(&self) -> Option<i64> {
        self.value.as_i64()
    }

    /// The known string, or `default` when null; `None` when unknown or not a string.
    pub fn str_or(&self, default: &'a str) -> Option<&'a str> {
        match self.value {
            Value::Null => Some(default),
            value => value.as_str(),
        }
    }

    /// The known bool, or `default` when null; `None` when unknown.
    pub fn bool_or(&self, default: bool) -> Option<bool> {
        match self.value {
            Value::Null => Some(default),
            value => value.as_bool(),
        }
    }

    /// How many elements a list or SINGLE block contributes: 0 when null, the length of a list, 1 for
    /// a block; `None` when unknown.
    pub fn known_len(&self) -> Option<usize> {
        match self.value {
            Value::Null => Some(0),
            Value::Unknown => None,
            Value::List(items) => Some(items.len()),
            _ => Some(1),
        }
    }

    /// Whether the value is set, known or not (a list must also be non-empty).
    pub fn presence(&self) -> Presence {
        match self.value {
            Value::Null => Presence::Absent,
            Value::Unknown => Presence::Unknown,
            Value::List(items) if items.is_empty() => Presence::Absent,
            _ => Presence::Present,
        }
    }

    /// Pushes an error located here.
    pub fn error(
        &self,
        d: &mut Diagnostics,
        summary: impl Into<String>,
        detail: impl Into<String>,
    ) {
        d.push(Diagnostic::error(summary, detail).at(self.path.clone()));
    }
}

/// Whether an optional value or block is there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Presence {
    /// Null, or an empty list.
    Absent,
    /// Known only after apply.
    Unknown,
    /// Set.
    Present,
}

impl Presence {
    /// True when known to be set.
    pub fn is_present(self) -> bool {
        self == Presence::Present
    }

    /// True when known to be unset.
    pub fn is_absent(self) -> bool {
        self == Presence::Absent
    }
}

/// `value` is a whole number within `min..=max`. Summary: `Invalid <what>`.
pub fn int_range(d: &mut Diagnostics, node: &Node, what: &str, min: i64, max: i64) {
    let Value::Number(number) = node.value else {
        return;
    };
    match number.as_i64() {
        Some(n) if (min..=max).contains(&n) => {}
        _ => node.error(
            d,
            format!("Invalid {what}"),
            format!("The {what} must be a whole number from {min} to {max}; got {number}."),
        ),
    }
}

/// `value` is one of `allowed` (case-sensitive). Summary: `Invalid <what>`.
pub fn one_of(d: &mut Diagnostics, node: &Node, what: &str, allowed: &[&str]) {
    let Some(s) = node.str() else {
        return;
    };
    if allowed.contains(&s) {
        return;
    }
    let hint = allowed
        .iter()
        .find(|a| a.eq_ignore_ascii_case(s))
        .map(|a| format!(" (values are case-sensitive: did you mean `{a}`?)"))
        .unwrap_or_default();
    node.error(
        d,
        format!("Invalid {what}"),
        format!(
            "The {what} must be one of {}; got `{s}`{hint}.",
            quoted(allowed)
        ),
    );
}

/// `value` is one of the whole numbers `allowed`. Summary: `Invalid <what>`.
pub fn int_one_of(d: &mut Diagnostics, node: &Node, what: &str, allowed: &[i64]) {
    let Value::Number(number) = node.value else {
        return;
    };
    if !number.as_i64().is_some_and(|n| allowed.contains(&n)) {
        let names: Vec<String> = allowed.iter().map(ToString::to_string).collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        node.error(
            d,
            format!("Invalid {what}"),
            format!(
                "The {what} must be one of {}; got {number}.",
                quoted(&names)
            ),
        );
    }
}

/// A string of `min..=max` characters. Summary: `Invalid <what>`.
pub fn length(d: &mut Diagnostics, node: &Node, what: &str, min: usize, max: usize) {
    let Some(s) = node.str() else {
        return;
    };
    let n = s.chars().count();
    if !(min..=max).contains(&n) {
        node.error(
            d,
            format!("Invalid {what}"),
            format!("The {what} must be {min} to {max} characters long; got {n} characters."),
        );
    }
}

/// A string accepted by `valid`. Summary: `Invalid <what>`; the detail says it must be `expected`.
pub fn format(
    d: &mut Diagnostics,
    node: &Node,
    what: &str,
    valid: impl Fn(&str) -> bool,
    expected: &str,
) {
    let Some(s) = node.str() else {
        return;
    };
    if !valid(s) {
        node.error(
            d,
            format!("Invalid {what}"),
            format!("The {what} must be {expected}; got `{s}`."),
        );
    }
}

/// A known list has `min..=max` elements. Summary: `Too many <what>` or `Too few <what>`.
pub fn count(d: &mut Diagnostics, node: &Node, what: &str, min: usize, max: usize) {
    let Some(items) = node.value.as_list() else {
        return;
    };
    let n = items.len();
    if n > max {
        node.error(
            d,
            format!("Too many {what}"),
            format!("At most {max} {what} are allowed; got {n}."),
        );
    } else if n < min {
        node.error(
            d,
            format!("Too few {what}"),
            format!("At least {min} {what} are required; got {n}."),
        );
    }
}

/// Runs `check` on every element of a known list.
pub fn each(d: &mut Diagnostics, node: &Node, mut check: impl FnMut(&mut Diagnostics, &Node)) {
    for item in node.items() {
        check(d, &item);
    }
}

/// Reports every element whose known key repeats an earlier one, at the repeating element.
/// Summary: `Duplicate <what>`.
pub fn unique<K: PartialEq + Display>(
    d: &mut Diagnostics,
    items: &[Node],
    what: &str,
    key: impl Fn(&Node) -> Option<K>,
) {
    unique_at(d, items, what, Node::clone, key);
}

/// [`unique`] for blocks: the error sits on the attribute `locate` picks in the repeating block
/// (a block path alone makes Terraform point at the resource) and names that block.
pub fn unique_at<'a, K: PartialEq + Display>(
    d: &mut Diagnostics,
    items: &[Node<'a>],
    what: &str,
    locate: impl Fn(&Node<'a>) -> Node<'a>,
    key: impl Fn(&Node) -> Option<K>,
) {
    let keyed = items.iter().map(|item| (item.clone(), key(item)));
    report_repeats(d, keyed, what, locate);
}

/// Reports every `(element, key)` whose known key repeats an earlier one, at `locate(element)`,
/// naming the repeating element and the first. Summary: `Duplicate <what>`.
pub fn report_repeats<'a, K: PartialEq + Display>(
    d: &mut Diagnostics,
    keyed: impl IntoIterator<Item = (Node<'a>, Option<K>)>,
    what: &str,
    locate: impl Fn(&Node<'a>) -> Node<'a>,
) {
    let mut seen: Vec<(K, AttributePath)> = Vec::new();
    for (item, key) in keyed {
        let Some(k) = key else {
            continue;
        };
        if let Some((_, first)) = seen.iter().find(|(s, _)| *s == k) {
            locate(&item).error(
                d,
                format!("Duplicate {what}"),
                format!(
                    "{} repeats the {what} {k} of {first}; each {what} must be unique.",
                    item.path
                ),
            );
        } else {
            seen.push((k, item.path.clone()));
        }
    }
}

/// `node` is set only when `allowed`; otherwise error `summary` with `detail`.
pub fn only_when(
    d: &mut Diagnostics,
    node: &Node,
    allowed: Option<bool>,
    summary: &str,
    detail: &str,
) {
    if allowed == Some(false) && node.presence().is_present() {
        node.error(d, summary, detail);
    }
}

/// Renders names as a list of code spans: `` `a`, `b` or `c` ``.
pub fn quoted(names: &[&str]) -> String {
    let spans: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    match spans.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(value: Value, check: impl Fn(&mut Diagnostics, &Node)) -> Vec<(String, String)> {
        let root = Value::object([("x", value)]);
        let mut d = Diagnostics::default();
        check(&mut d, &Node::root(&root).attr("x"));
        d.iter()
            .map(|d| {
                (
                    d.summary.clone(),
                    d.attribute
                        .as_ref()
                        .map(ToString::to_string)
                        .unwrap_or_default(),
                )
            })
            .collect()
    }

    #[test]
    fn checkers_pass_null_and_unknown() {
        for value in [Value::Null, Value::Unknown] {
            assert!(run(value.clone(), |d, n| int_range(d, n, "port", 1, 2)).is_empty());
            assert!(run(value.clone(), |d, n| one_of(d, n, "protocol", &["HTTP"])).is_empty());
            assert!(run(value.clone(), |d, n| length(d, n, "name", 2, 3)).is_empty());
            assert!(run(value.clone(), |d, n| format(d, n, "x", |_| false, "y")).is_empty());
            assert!(run(value, |d, n| count(d, n, "things", 2, 3)).is_empty());
        }
    }

    #[test]
    fn int_range_rejects_fractions_and_out_of_range() {
        let invalid = vec![("Invalid port".to_string(), "x".to_string())];
        assert_eq!(
            run(Value::from(1.5), |d, n| int_range(d, n, "port", 1, 2)),
            invalid
        );
        assert_eq!(
            run(Value::from(3), |d, n| int_range(d, n, "port", 1, 2)),
            invalid
        );
        assert!(run(Value::from(2.0), |d, n| int_range(d, n, "port", 1, 2)).is_empty());
    }

    #[test]
    fn one_of_hints_at_case() {
        let root = Value::object([("x", Value::from("http"))]);
        let mut d = Diagnostics::default();
        one_of(
            &mut d,
            &Node::root(&root).attr("x"),
            "protocol",
            &["HTTP", "HTTPS"],
        );
        let detail = d.iter().map(|d| d.detail.clone()).collect::<String>();
        assert_eq!(
            detail,
            "The protocol must be one of `HTTP` or `HTTPS`; got `http` (values are case-sensitive: \
             did you mean `HTTP`?)."
        );
    }

    #[test]
    fn unique_points_at_the_repeat() {
        let list = Value::List(vec![Value::from("a"), Value::from("b"), Value::from("a")]);
        let found = run(list, |d, n| {
            unique(d, &n.items(), "name", |i| i.str().map(str::to_string))
        });
        assert_eq!(
            found,
            vec![("Duplicate name".to_string(), "x[2]".to_string())]
        );
    }
}
