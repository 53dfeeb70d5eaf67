//! The flattened request parameters (`Rules.1.RuleConditions.1.HostConfig.Values.1=…`)
//! rebuilt into a tree, with typed, path-aware accessors.
//!
//! Unknown parameters are kept in the tree but never looked at, which is how the real
//! API ignores them. Every accessor reports problems as an [`ApiError`] naming the full
//! dotted path of the offending parameter.

use std::collections::BTreeMap;

use super::error::{ApiError, ApiResult};

/// Upper bound on the number of parameters in one request.
const MAX_PARAMS: usize = 20_000;
/// Upper bound on the nesting depth of one parameter name.
const MAX_DEPTH: usize = 12;

#[derive(Debug, Clone)]
enum Node {
    Leaf(String),
    Branch(BTreeMap<String, Node>),
}

/// All business parameters of one request, as a tree.
#[derive(Debug, Clone, Default)]
pub struct Params {
    root: BTreeMap<String, Node>,
}

impl Params {
    /// Builds the tree from decoded `key=value` pairs.
    pub fn parse(pairs: &[(String, String)]) -> ApiResult<Self> {
        if pairs.len() > MAX_PARAMS {
            return Err(ApiError::invalid("request", "too many parameters"));
        }
        let mut root = BTreeMap::new();
        for (key, value) in pairs {
            let segments: Vec<&str> = key.split('.').collect();
            // A name with an empty segment is not an API parameter: ignore it like any unknown one.
            if segments.iter().any(|s| s.is_empty()) {
                continue;
            }
            if segments.len() > MAX_DEPTH {
                return Err(ApiError::invalid(
                    key,
                    "parameter name is nested too deeply",
                ));
            }
            insert(&mut root, &segments, value, key)?;
        }
        Ok(Self { root })
    }

    /// The top-level scope.
    pub fn scope(&self) -> Scope<'_> {
        Scope {
            map: &self.root,
            prefix: String::new(),
        }
    }
}

fn insert(
    map: &mut BTreeMap<String, Node>,
    segments: &[&str],
    value: &str,
    key: &str,
) -> ApiResult<()> {
    let Some((first, rest)) = segments.split_first() else {
        return Ok(());
    };
    if rest.is_empty() {
        return match map.get(*first) {
            None => {
                map.insert((*first).to_string(), Node::Leaf(value.to_string()));
                Ok(())
            }
            Some(Node::Leaf(existing)) if existing == value => Ok(()),
            Some(Node::Leaf(_)) => Err(ApiError::invalid(
                key,
                "parameter given twice with different values",
            )),
            Some(Node::Branch(_)) => Err(ApiError::invalid(
                key,
                "parameter is both a value and a structure",
            )),
        };
    }
    let child = map
        .entry((*first).to_string())
        .or_insert_with(|| Node::Branch(BTreeMap::new()));
    match child {
        Node::Branch(inner) => insert(inner, rest, value, key),
        Node::Leaf(_) => Err(ApiError::invalid(
            key,
            "parameter is both a value and a structure",
        )),
    }
}

/// A view on one object level of the parameter tree; `prefix` is its dotted path.
#[derive(Debug, Clone)]
pub struct Scope<'a> {
    map: &'a BTreeMap<String, Node>,
    prefix: String,
}

impl<'a> Scope<'a> {
    /// Full dotted name of a field in this scope (for error messages).
    pub fn path(&self, name: &str) -> String {
        format!("{}{}", self.prefix, name)
    }

    /// True when the parameter (value or structure) is present.
    pub fn has(&self, name: &str) -> bool {
        self.map.contains_key(name)
    }

    /// A scalar string, `None` when absent.
    pub fn str(&self, name: &str) -> ApiResult<Option<&'a str>> {
        match self.map.get(name) {
            None => Ok(None),
            Some(Node::Leaf(v)) => Ok(Some(v.as_str())),
            Some(Node::Branch(_)) => Err(ApiError::invalid(
                &self.path(name),
                "expected a single value",
            )),
        }
    }

    /// A scalar string that must be present and non-empty.
    pub fn req_str(&self, name: &str) -> ApiResult<&'a str> {
        match self.str(name)? {
            Some(v) if !v.is_empty() => Ok(v),
            _ => Err(ApiError::missing(&self.path(name))),
        }
    }

    /// A scalar string restricted to `allowed` (exact, case-sensitive).
    pub fn enumeration(&self, name: &str, allowed: &[&str]) -> ApiResult<Option<&'a str>> {
        match self.str(name)? {
            None => Ok(None),
            Some(v) if allowed.contains(&v) => Ok(Some(v)),
            Some(v) => Err(ApiError::invalid(
                &self.path(name),
                format!("'{v}' is not one of {}", allowed.join(", ")),
            )),
        }
    }

    /// An integer, `None` when absent; parse errors are `InvalidParameter`.
    pub fn int(&self, name: &str) -> ApiResult<Option<i64>> {
        match self.str(name)? {
            None => Ok(None),
            Some(v) => v.trim().parse::<i64>().map(Some).map_err(|_| {
                ApiError::invalid(&self.path(name), format!("'{v}' is not an integer"))
            }),
        }
    }

    /// An integer within `min..=max` (`InvalidParameter` otherwise).
    pub fn int_in(&self, name: &str, min: i64, max: i64) -> ApiResult<Option<i64>> {
        match self.int(name)? {
            Some(v) if v < min || v > max => Err(ApiError::invalid(
                &self.path(name),
                format!("{v} is outside {min}..{max}"),
            )),
            other => Ok(other),
        }
    }

    /// A boolean (`true`/`false`, any case), `None` when absent.
    pub fn bool(&self, name: &str) -> ApiResult<Option<bool>> {
        match self.str(name)? {
            None => Ok(None),
            Some(v) if v.eq_ignore_ascii_case("true") => Ok(Some(true)),
            Some(v) if v.eq_ignore_ascii_case("false") => Ok(Some(false)),
            Some(v) => Err(ApiError::invalid(
                &self.path(name),
                format!("'{v}' is not a boolean"),
            )),
        }
    }

    /// A nested object, `None` when absent.
    pub fn object(&self, name: &str) -> ApiResult<Option<Scope<'a>>> {
        match self.map.get(name) {
            None => Ok(None),
            Some(Node::Branch(inner)) => Ok(Some(Scope {
                map: inner,
                prefix: format!("{}{}.", self.prefix, name),
            })),
            Some(Node::Leaf(_)) => Err(ApiError::invalid(&self.path(name), "expected a structure")),
        }
    }

    /// A 1-based repeated list (`Name.1…`, `Name.2…`) as `(path, node)` in index order.
    fn items(&self, name: &str) -> ApiResult<Vec<(String, &'a Node)>> {
        let inner = match self.map.get(name) {
            None => return Ok(Vec::new()),
            Some(Node::Branch(inner)) => inner,
            Some(Node::Leaf(_)) => {
                return Err(ApiError::invalid(
                    &self.path(name),
                    "expected a list (Name.1, Name.2, …)",
                ))
            }
        };
        let mut indexed = Vec::with_capacity(inner.len());
        for (key, node) in inner {
            let index: u32 = key.parse().ok().filter(|i| *i >= 1).ok_or_else(|| {
                ApiError::invalid(&self.path(name), format!("'{key}' is not a list index"))
            })?;
            indexed.push((index, format!("{}{}.{}", self.prefix, name, key), node));
        }
        indexed.sort_by_key(|(index, _, _)| *index);
        Ok(indexed
            .into_iter()
            .map(|(_, path, node)| (path, node))
            .collect())
    }

    /// A repeated list of scalars.
    pub fn str_list(&self, name: &str) -> ApiResult<Vec<&'a str>> {
        self.items(name)?
            .into_iter()
            .map(|(path, node)| match node {
                Node::Leaf(v) => Ok(v.as_str()),
                Node::Branch(_) => Err(ApiError::invalid(&path, "expected a single value")),
            })
            .collect()
    }

    /// A repeated list of objects.
    pub fn obj_list(&self, name: &str) -> ApiResult<Vec<Scope<'a>>> {
        self.items(name)?
            .into_iter()
            .map(|(path, node)| match node {
                Node::Branch(inner) => Ok(Scope {
                    map: inner,
                    prefix: format!("{path}."),
                }),
                Node::Leaf(_) => Err(ApiError::invalid(&path, "expected a structure")),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Params {
        let owned: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Params::parse(&owned).expect("parse")
    }

    #[test]
    fn nested_lists_are_ordered_by_index() {
        let p = params(&[
            ("Rules.2.Priority", "20"),
            ("Rules.10.Priority", "100"),
            ("Rules.1.Priority", "10"),
            (
                "Rules.1.RuleConditions.1.HostConfig.Values.1",
                "a.example.com",
            ),
        ]);
        let rules = p.scope().obj_list("Rules").expect("rules");
        let priorities: Vec<i64> = rules
            .iter()
            .map(|r| r.int("Priority").expect("int").expect("some"))
            .collect();
        assert_eq!(priorities, vec![10, 20, 100]);
        let cond = &rules[0].obj_list("RuleConditions").expect("conds")[0];
        let host = cond.object("HostConfig").expect("obj").expect("some");
        assert_eq!(
            host.str_list("Values").expect("values"),
            vec!["a.example.com"]
        );
        assert_eq!(
            host.path("Values"),
            "Rules.1.RuleConditions.1.HostConfig.Values"
        );
    }

    #[test]
    fn conflicts_and_bad_indexes_are_errors() {
        let bad = vec![
            ("Tag".to_string(), "x".to_string()),
            ("Tag.1.Key".to_string(), "k".to_string()),
        ];
        assert!(Params::parse(&bad).is_err());
        let p = params(&[("Tag.one.Key", "k")]);
        assert_eq!(
            p.scope().obj_list("Tag").unwrap_err().code,
            "InvalidParameter"
        );
        let p = params(&[("Port", "eighty")]);
        assert_eq!(p.scope().int("Port").unwrap_err().code, "InvalidParameter");
        assert_eq!(
            p.scope().req_str("Missing").unwrap_err().code,
            "MissingParameter"
        );
    }
}
