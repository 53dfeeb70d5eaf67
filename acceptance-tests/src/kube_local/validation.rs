//! Field errors in the real API server's wording, and the name and label validators every kind
//! shares.

use std::fmt;

use serde_json::{Map, Value};

/// What is wrong with a field (the `reason` of a `Status` cause).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldErrorKind {
    /// `Required value`.
    Required,
    /// `Invalid value`.
    Invalid,
    /// `Duplicate value`.
    Duplicate,
    /// `Forbidden`.
    Forbidden,
    /// `Unsupported value`.
    NotSupported,
    /// `Too many`.
    TooMany,
}

impl FieldErrorKind {
    /// The cause reason (`FieldValueInvalid`, ...).
    pub fn reason(self) -> &'static str {
        match self {
            Self::Required => "FieldValueRequired",
            Self::Invalid => "FieldValueInvalid",
            Self::Duplicate => "FieldValueDuplicate",
            Self::Forbidden => "FieldValueForbidden",
            Self::NotSupported => "FieldValueNotSupported",
            Self::TooMany => "FieldValueTooMany",
        }
    }
}

/// One validation error of one field.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldError {
    /// What is wrong.
    pub kind: FieldErrorKind,
    /// Field path, e.g. `spec.ports[0].port`.
    pub field: String,
    /// The offending value, when the message shows it.
    pub value: Option<Value>,
    /// Explanation.
    pub detail: String,
}

impl FieldError {
    /// `Required value`.
    pub fn required(field: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::build(FieldErrorKind::Required, field, None, detail)
    }

    /// `Invalid value: <value>: <detail>`.
    pub fn invalid(field: impl Into<String>, value: &Value, detail: impl Into<String>) -> Self {
        Self::build(FieldErrorKind::Invalid, field, Some(value.clone()), detail)
    }

    /// `Duplicate value: <value>`.
    pub fn duplicate(field: impl Into<String>, value: &Value) -> Self {
        Self::build(FieldErrorKind::Duplicate, field, Some(value.clone()), "")
    }

    /// `Forbidden: <detail>`.
    pub fn forbidden(field: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::build(FieldErrorKind::Forbidden, field, None, detail)
    }

    /// `Unsupported value: <value>: supported values: ...`.
    pub fn not_supported(field: impl Into<String>, value: &Value, supported: &[&str]) -> Self {
        let list = supported
            .iter()
            .map(|s| format!("\"{s}\""))
            .collect::<Vec<_>>()
            .join(", ");
        Self::build(
            FieldErrorKind::NotSupported,
            field,
            Some(value.clone()),
            format!("supported values: {list}"),
        )
    }

    /// `Too many: <count>: must have at most <max> items`.
    pub fn too_many(field: impl Into<String>, count: usize, max: usize) -> Self {
        Self::build(
            FieldErrorKind::TooMany,
            field,
            Some(Value::from(count)),
            format!("must have at most {max} items"),
        )
    }

    fn build(
        kind: FieldErrorKind,
        field: impl Into<String>,
        value: Option<Value>,
        detail: impl Into<String>,
    ) -> Self {
        Self {
            kind,
            field: field.into(),
            value,
            detail: detail.into(),
        }
    }

    /// The message without the field (a cause's `message`).
    pub fn message(&self) -> String {
        let head = match self.kind {
            FieldErrorKind::Required => "Required value",
            FieldErrorKind::Invalid => "Invalid value",
            FieldErrorKind::Duplicate => "Duplicate value",
            FieldErrorKind::Forbidden => "Forbidden",
            FieldErrorKind::NotSupported => "Unsupported value",
            FieldErrorKind::TooMany => "Too many",
        };
        let mut out = head.to_string();
        if let Some(v) = &self.value {
            out.push_str(": ");
            out.push_str(&v.to_string());
        }
        if !self.detail.is_empty() {
            out.push_str(": ");
            out.push_str(&self.detail);
        }
        out
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message())
    }
}

const DNS1123_LABEL_MSG: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const DNS1123_SUBDOMAIN_MSG: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const DNS1035_LABEL_MSG: &str = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

fn is_label_body(s: &str) -> bool {
    let bytes = s.as_bytes();
    !bytes.is_empty()
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
        && bytes[0] != b'-'
        && bytes[bytes.len() - 1] != b'-'
}

/// Which name rule a kind's `metadata.name` follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameRule {
    /// RFC 1123 label (namespaces).
    Dns1123Label,
    /// RFC 1123 subdomain (most objects).
    Dns1123Subdomain,
    /// RFC 1035 label (services).
    Dns1035Label,
}

/// The problems of `name` under `rule`, as detail strings.
pub fn name_problems(name: &str, rule: NameRule) -> Vec<String> {
    let mut problems = Vec::new();
    match rule {
        NameRule::Dns1123Label => {
            if name.len() > 63 {
                problems.push("must be no more than 63 characters".to_string());
            }
            if !is_label_body(name) {
                problems.push(DNS1123_LABEL_MSG.to_string());
            }
        }
        NameRule::Dns1123Subdomain => {
            if name.len() > 253 {
                problems.push("must be no more than 253 characters".to_string());
            }
            if !name.split('.').all(is_label_body) {
                problems.push(DNS1123_SUBDOMAIN_MSG.to_string());
            }
        }
        NameRule::Dns1035Label => {
            if name.len() > 63 {
                problems.push("must be no more than 63 characters".to_string());
            }
            if !is_label_body(name) || !name.as_bytes()[0].is_ascii_lowercase() {
                problems.push(DNS1035_LABEL_MSG.to_string());
            }
        }
    }
    problems
}

/// Appends an error per problem of `name` at `field`.
pub fn check_name(errors: &mut Vec<FieldError>, field: &str, name: &str, rule: NameRule) {
    for problem in name_problems(name, rule) {
        errors.push(FieldError::invalid(field, &Value::from(name), problem));
    }
}

fn is_label_value(v: &str) -> bool {
    v.is_empty()
        || (v.len() <= 63
            && v.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
            && v.as_bytes()[0].is_ascii_alphanumeric()
            && v.as_bytes()[v.len() - 1].is_ascii_alphanumeric())
}

/// Whether `key` is a qualified name (`[prefix/]name`) as label keys must be.
pub fn is_qualified_name(key: &str) -> bool {
    let (prefix, name) = match key.split_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, key),
    };
    prefix.is_none_or(|p| name_problems(p, NameRule::Dns1123Subdomain).is_empty())
        && !name.is_empty()
        && is_label_value(name)
}

/// Validates `metadata.labels` (keys are qualified names, values at most 63 characters of
/// `[A-Za-z0-9_.-]` starting and ending alphanumeric).
pub fn check_labels(errors: &mut Vec<FieldError>, labels: Option<&Map<String, Value>>) {
    for (key, value) in labels.into_iter().flatten() {
        if !is_qualified_name(key) {
            errors.push(FieldError::invalid(
                "metadata.labels",
                &Value::from(key.as_str()),
                "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
            ));
        }
        match value.as_str() {
            Some(v) if is_label_value(v) => {}
            _ => errors.push(FieldError::invalid(
                "metadata.labels",
                value,
                "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
            )),
        }
    }
}

/// Whether `name` is an IANA service name (a named port: at most 15 characters, lower-case
/// alphanumerics and single hyphens, at least one letter).
pub fn is_iana_service_name(name: &str) -> bool {
    name.len() <= 15
        && is_label_body(name)
        && !name.contains("--")
        && name.bytes().any(|b| b.is_ascii_lowercase())
}

/// Checks an optional port number field is an integer in 1–65535.
pub fn check_port_number(errors: &mut Vec<FieldError>, field: &str, value: &Value) {
    match value.as_i64() {
        Some(n) if (1..=65535).contains(&n) => {}
        _ => errors.push(FieldError::invalid(
            field,
            value,
            "must be between 1 and 65535, inclusive",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_their_rules() {
        assert!(name_problems("web-1", NameRule::Dns1035Label).is_empty());
        assert!(!name_problems("1web", NameRule::Dns1035Label).is_empty());
        assert!(name_problems("1web", NameRule::Dns1123Label).is_empty());
        assert!(name_problems("node-1.example.com", NameRule::Dns1123Subdomain).is_empty());
        assert!(!name_problems("Node", NameRule::Dns1123Subdomain).is_empty());
        assert!(!name_problems("a..b", NameRule::Dns1123Subdomain).is_empty());
    }

    #[test]
    fn label_keys_and_service_names() {
        assert!(is_qualified_name("kubernetes.io/service-name"));
        assert!(is_qualified_name("App_1"));
        assert!(!is_qualified_name("Bad Prefix/x"));
        assert!(is_iana_service_name("http-alt"));
        assert!(!is_iana_service_name("8080"));
        assert!(!is_iana_service_name("a--b"));
    }

    #[test]
    fn messages_read_like_the_api_server() {
        let e = FieldError::invalid(
            "spec.ports[0].port",
            &Value::from(0),
            "must be between 1 and 65535, inclusive",
        );
        assert_eq!(
            e.to_string(),
            "spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive"
        );
        let e = FieldError::not_supported("spec.type", &Value::from("X"), &["ClusterIP"]);
        assert_eq!(
            e.to_string(),
            "spec.type: Unsupported value: \"X\": supported values: \"ClusterIP\""
        );
    }
}
