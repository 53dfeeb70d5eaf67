//! Reading a request: query parameters, the patch type, and the verb.

use axum::http::{HeaderMap, Method, Uri};

use super::operations::{PatchType, Target};
use super::selectors::{FieldSelector, LabelSelector, Selection};
use super::status::ApiStatus;
use super::verb::Verb;

/// Query parameters by name (the last value wins).
pub(super) struct Query(Vec<(String, String)>);

impl Query {
    /// The query of `uri`.
    pub(super) fn parse(uri: &Uri) -> Self {
        Self(
            form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes())
                .into_owned()
                .collect(),
        )
    }

    /// The value of `name`.
    pub(super) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Whether `name` is `true` (or `1`).
    pub(super) fn flag(&self, name: &str) -> bool {
        matches!(self.get(name), Some("true" | "1"))
    }

    /// `labelSelector` and `fieldSelector` for `target`'s type.
    pub(super) fn selection(&self, target: &Target) -> Result<Selection, ApiStatus> {
        Ok(Selection {
            labels: LabelSelector::parse(self.get("labelSelector").unwrap_or_default())?,
            fields: FieldSelector::parse(
                self.get("fieldSelector").unwrap_or_default(),
                target.resource,
            )?,
        })
    }

    /// A non-negative integer parameter (400 when malformed).
    pub(super) fn number(&self, name: &str) -> Result<Option<u64>, ApiStatus> {
        self.get(name)
            .filter(|v| !v.is_empty())
            .map(|v| {
                v.parse()
                    .map_err(|_| ApiStatus::bad_request(format!("invalid value for {name}: {v}")))
            })
            .transpose()
    }

    /// `dryRun=All`.
    pub(super) fn dry_run(&self) -> bool {
        self.get("dryRun").is_some_and(|v| v == "All")
    }
}

/// The patch format named by `Content-Type`, or 415.
pub(super) fn patch_type(headers: &HeaderMap) -> Result<PatchType, ApiStatus> {
    let content_type = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let media = content_type.split(';').next().unwrap_or_default().trim();
    match media {
        "application/merge-patch+json" => Ok(PatchType::Merge),
        "application/strategic-merge-patch+json" => Ok(PatchType::Strategic),
        "application/apply-patch+yaml" | "application/apply-patch+json" => Ok(PatchType::Apply),
        other => Err(ApiStatus::unsupported_media_type(other)),
    }
}

/// The verb of a request on `target`.
pub(super) fn verb(method: &Method, target: &Target, query: &Query) -> Result<Verb, ApiStatus> {
    let named = target.name.is_some();
    let whole_cluster = target.resource.namespaced && target.namespace.is_none();
    let verb = match (method.as_str(), named) {
        ("GET", true) => Verb::Get,
        ("GET", false) if query.flag("watch") => Verb::Watch,
        ("GET", false) => Verb::List,
        ("POST", false) => Verb::Create,
        ("PUT", true) => Verb::Update,
        ("PATCH", true) => Verb::Patch,
        ("DELETE", true) => Verb::Delete,
        ("DELETE", false) => Verb::DeleteCollection,
        (m, _) => return Err(ApiStatus::method_not_allowed(m, target.resource)),
    };
    if whole_cluster && !matches!(verb, Verb::List | Verb::Watch) {
        return Err(ApiStatus::method_not_allowed(
            method.as_str(),
            target.resource,
        ));
    }
    if target.status && !matches!(verb, Verb::Get | Verb::Update | Verb::Patch) {
        return Err(ApiStatus::method_not_allowed(
            method.as_str(),
            target.resource,
        ));
    }
    Ok(verb)
}
