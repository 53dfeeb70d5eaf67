//! The verbs on stored objects — get, list, create, update, patch, delete, deletecollection —
//! with the real API server's order of checks. Create: decode (400), namespace (404/403),
//! defaults, validation (422 Invalid), existence (409 AlreadyExists), allocation, commit.
//! Update and patch: decode, existence (404), `resourceVersion` precondition (409 Conflict),
//! what the verb may change, defaults, validation (422), allocation, commit. Every commit that
//! changes an object bumps the global `resourceVersion`.

use std::sync::Arc;

use serde_json::{json, Map, Value};

use super::kinds::{self, service};
use super::paging::{key_text, ContinueToken};
use super::patch::{merge_patch, strategic_merge_patch};
use super::resources::{by_kind, ResourceType};
use super::selectors::Selection;
use super::shape;
use super::status::{deleted, ApiStatus};
use super::store::{parse_rv, rv_of, ObjectKey, Store};
use super::validation::{check_labels, check_name, FieldError};

/// Namespaces the server refuses to delete.
const UNDELETABLE_NAMESPACES: &[&str] = &["default", "kube-system", "kube-public"];

/// What a request addresses.
#[derive(Debug, Clone)]
pub struct Target {
    /// The resource type.
    pub resource: &'static ResourceType,
    /// The namespace of the URL (`None` for cluster-scoped or all-namespace requests).
    pub namespace: Option<String>,
    /// The object name of the URL (`None` for collections).
    pub name: Option<String>,
    /// Whether the URL ends in `/status`.
    pub status: bool,
}

impl Target {
    fn key(&self) -> ObjectKey {
        ObjectKey::new(
            self.resource,
            self.namespace.as_deref().unwrap_or_default(),
            self.name.as_deref().unwrap_or_default(),
        )
    }

    fn name(&self) -> &str {
        self.name.as_deref().unwrap_or_default()
    }
}

/// The patch formats accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchType {
    /// `application/merge-patch+json`.
    Merge,
    /// `application/strategic-merge-patch+json` (see the `patch` module for the approximation).
    Strategic,
    /// `application/apply-patch+yaml` (server-side apply; here: create when absent, otherwise a
    /// merge patch — field ownership is not tracked and no apply conflicts are raised).
    Apply,
}

/// Query parameters of a list.
#[derive(Debug, Clone, Default)]
pub struct ListOptions {
    /// Label and field selectors.
    pub selection: Selection,
    /// `limit` (0: no limit).
    pub limit: usize,
    /// `continue`.
    pub continue_token: Option<String>,
    /// `resourceVersion`.
    pub resource_version: Option<String>,
    /// `resourceVersionMatch`.
    pub resource_version_match: Option<String>,
}

/// Result of a write: HTTP code and body.
pub type Written = (u16, Value);

/// The object as the API returns it: with `apiVersion` and `kind`.
pub fn typed(resource: &ResourceType, object: &Value) -> Value {
    let mut out = Map::new();
    out.insert("apiVersion".into(), json!(resource.api_version()));
    out.insert("kind".into(), json!(resource.kind));
    if let Value::Object(fields) = object {
        for (k, v) in fields {
            if k != "apiVersion" && k != "kind" {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    Value::Object(out)
}

fn now() -> String {
    let now = time::OffsetDateTime::now_utc();
    now.replace_nanosecond(0)
        .unwrap_or(now)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

fn meta_str<'a>(object: &'a Value, field: &str) -> &'a str {
    object["metadata"][field].as_str().unwrap_or_default()
}

/// Decodes a request body into an object of `target`'s kind, checking `apiVersion`, `kind`
/// and the namespace against the URL.
fn decode(target: &Target, body: &[u8]) -> Result<Value, ApiStatus> {
    let mut object: Value = serde_json::from_slice(body).map_err(|e| {
        ApiStatus::bad_request(format!("couldn't get version/kind; json parse error: {e}"))
    })?;
    if !object.is_object() {
        return Err(ApiStatus::bad_request(
            "couldn't get version/kind; json parse error: expected an object",
        ));
    }
    let resource = target.resource;
    for (field, want) in [
        ("apiVersion", resource.api_version()),
        ("kind", resource.kind.to_string()),
    ] {
        match object.get(field).and_then(Value::as_str) {
            Some(got) if got != want => {
                return Err(ApiStatus::bad_request(format!(
                    "{} in version \"{}\" cannot be handled as a {}: the {field} in the data ({got}) does not match the expected {field} ({want})",
                    object["kind"].as_str().unwrap_or_default(),
                    object["apiVersion"].as_str().unwrap_or_default(),
                    resource.kind
                )))
            }
            _ => {}
        }
    }
    shape::check(resource, &object)?;
    if !object["metadata"].is_object() {
        object["metadata"] = json!({});
    }
    if resource.namespaced {
        let url_ns = target.namespace.as_deref().unwrap_or_default();
        match meta_str(&object, "namespace") {
            "" => object["metadata"]["namespace"] = json!(url_ns),
            ns if ns != url_ns => {
                return Err(ApiStatus::bad_request(
                    "the namespace of the provided object does not match the namespace sent on the request",
                ))
            }
            _ => {}
        }
    } else if let Some(m) = object["metadata"].as_object_mut() {
        m.remove("namespace");
    }
    Ok(typed(resource, &object))
}

fn invalid(resource: &ResourceType, object: &Value, errors: &[FieldError]) -> ApiStatus {
    ApiStatus::invalid(resource, meta_str(object, "name"), errors)
}

/// The namespace an object goes into must exist and not be terminating.
fn check_namespace(
    store: &Store,
    resource: &ResourceType,
    object: &Value,
) -> Result<(), ApiStatus> {
    if !resource.namespaced {
        return Ok(());
    }
    let namespaces = by_kind("Namespace");
    let ns = meta_str(object, "namespace");
    match store.get(&ObjectKey::new(namespaces, "", ns)) {
        None => Err(ApiStatus::not_found(namespaces, ns)),
        Some(n) if n["metadata"].get("deletionTimestamp").is_some() => Err(ApiStatus::forbidden(
            resource,
            meta_str(object, "name"),
            &format!(
                "unable to create new content in namespace {ns} because it is being terminated"
            ),
        )),
        Some(_) => Ok(()),
    }
}

fn random_suffix() -> String {
    use rand::Rng as _;
    const CHARS: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let mut rng = rand::rng();
    (0..5)
        .map(|_| CHARS[rng.random_range(0..CHARS.len())] as char)
        .collect()
}

/// Validation every kind shares: name and labels.
fn validate_meta(resource: &ResourceType, object: &Value) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let name = meta_str(object, "name");
    if name.is_empty() {
        errors.push(FieldError::required(
            "metadata.name",
            "name or generateName is required",
        ));
    } else {
        check_name(
            &mut errors,
            "metadata.name",
            name,
            kinds::name_rule(resource),
        );
    }
    check_labels(&mut errors, object["metadata"]["labels"].as_object());
    errors
}

/// Other stored Services (for allocation).
fn other_services(store: &Store, object: &Value) -> Vec<Arc<Value>> {
    let services = by_kind("Service");
    let own = ObjectKey::of(services, object);
    store
        .list(services, None)
        .filter(|(k, _)| **k != own)
        .map(|(_, v)| v.clone())
        .collect()
}

fn allocate(
    store: &Store,
    resource: &ResourceType,
    object: &mut Value,
    old: Option<&Value>,
) -> Result<(), ApiStatus> {
    if resource.kind != "Service" {
        return Ok(());
    }
    let others = other_services(store, object);
    let refs: Vec<&Value> = others.iter().map(AsRef::as_ref).collect();
    let errors = service::allocate(object, old, &refs);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(invalid(resource, object, &errors))
    }
}

/// `GET` of one object.
pub fn get(store: &Store, target: &Target) -> Result<Value, ApiStatus> {
    store
        .get(&target.key())
        .map(|o| typed(target.resource, &o))
        .ok_or_else(|| ApiStatus::not_found(target.resource, target.name()))
}

/// The version a list reads at, and where it starts, from its options.
fn list_point(
    store: &Store,
    options: &ListOptions,
) -> Result<(u64, Option<ContinueToken>), ApiStatus> {
    let current = store.current_rv();
    if let Some(token) = &options.continue_token {
        if options
            .resource_version
            .as_deref()
            .is_some_and(|rv| !rv.is_empty())
        {
            return Err(ApiStatus::bad_request(
                "specifying resource version is not allowed when using continue",
            ));
        }
        let token = ContinueToken::decode(token)?;
        return Ok((token.rv, Some(token)));
    }
    match options.resource_version.as_deref() {
        None | Some("") | Some("0") => Ok((current, None)),
        Some(text) => {
            let rv = parse_rv(text).ok_or_else(|| {
                ApiStatus::bad_request(format!("invalid resource version: {text}"))
            })?;
            if rv > current {
                return Err(ApiStatus::too_large_resource_version(rv, current));
            }
            let exact = options.resource_version_match.as_deref() == Some("Exact");
            Ok((if exact { rv } else { current }, None))
        }
    }
}

/// `GET` of a collection (one namespace or all).
pub fn list(store: &Store, target: &Target, options: &ListOptions) -> Result<Value, ApiStatus> {
    let resource = target.resource;
    let (rv, token) = list_point(store, options)?;
    let snapshot = store
        .list_at(resource, target.namespace.as_deref(), rv)
        .map_err(|_| {
            if token.is_some() {
                ApiStatus::expired("The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.")
            } else {
                ApiStatus::expired(format!("too old resource version: {rv}"))
            }
        })?;
    let mut selected = snapshot
        .into_iter()
        .filter(|(key, _)| token.as_ref().is_none_or(|t| t.admits(key)))
        .filter(|(_, object)| options.selection.matches(object));
    let mut items = Vec::new();
    let mut metadata = json!({"resourceVersion": rv.to_string()});
    for (key, object) in selected.by_ref() {
        if options.limit > 0 && items.len() == options.limit {
            metadata["continue"] = json!(ContinueToken {
                rv,
                start: key_text(&key)
            }
            .encode());
            if options.selection.is_empty() {
                metadata["remainingItemCount"] = json!(1 + selected.count());
            }
            break;
        }
        let mut item = (*object).clone();
        if let Some(fields) = item.as_object_mut() {
            fields.remove("apiVersion");
            fields.remove("kind");
        }
        items.push(item);
    }
    Ok(json!({
        "kind": resource.list_kind(),
        "apiVersion": resource.api_version(),
        "metadata": metadata,
        "items": items,
    }))
}

/// `POST` to a collection.
pub fn create(
    store: &mut Store,
    target: &Target,
    body: &[u8],
    dry_run: bool,
) -> Result<Written, ApiStatus> {
    let object = decode(target, body)?;
    create_object(store, target.resource, object, dry_run)
}

fn create_object(
    store: &mut Store,
    resource: &'static ResourceType,
    mut object: Value,
    dry_run: bool,
) -> Result<Written, ApiStatus> {
    if !meta_str(&object, "resourceVersion").is_empty() {
        return Err(ApiStatus::internal(
            "resourceVersion should not be set on objects to be created",
        ));
    }
    if meta_str(&object, "name").is_empty() {
        let prefix = meta_str(&object, "generateName").to_string();
        if !prefix.is_empty() {
            object["metadata"]["name"] = json!(format!("{prefix}{}", random_suffix()));
        }
    }
    check_namespace(store, resource, &object)?;
    kinds::apply_defaults(resource, &mut object);
    kinds::prepare_create(resource, &mut object);
    let metadata = object["metadata"]
        .as_object_mut()
        .expect("decode made metadata");
    for field in [
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
        "managedFields",
        "selfLink",
    ] {
        metadata.remove(field);
    }
    metadata.insert("uid".into(), json!(uuid::Uuid::new_v4().to_string()));
    metadata.insert("creationTimestamp".into(), json!(now()));
    if !kinds::generation_fields(resource).is_empty() {
        metadata.insert("generation".into(), json!(1));
    } else {
        metadata.remove("generation");
    }
    let mut errors = validate_meta(resource, &object);
    errors.extend(kinds::validate(resource, &object, None));
    if !errors.is_empty() {
        return Err(invalid(resource, &object, &errors));
    }
    let key = ObjectKey::of(resource, &object);
    if store.get(&key).is_some() {
        return Err(ApiStatus::already_exists(resource, &key.name));
    }
    allocate(store, resource, &mut object, None)?;
    if dry_run {
        return Ok((201, object));
    }
    Ok((201, typed(resource, &store.create(resource, object))))
}

/// Checks `metadata.resourceVersion` of an update against the stored object: empty means an
/// unconditional update, anything else must match.
fn check_precondition(resource: &ResourceType, new: &Value, old: &Value) -> Result<(), ApiStatus> {
    let asked = meta_str(new, "resourceVersion");
    if asked.is_empty() || parse_rv(asked) == Some(rv_of(old)) {
        Ok(())
    } else {
        Err(ApiStatus::conflict(resource, meta_str(old, "name")))
    }
}

/// The new object as the verb may change it: the main resource keeps the old status, the
/// status subresource keeps everything but the status; metadata the server owns is kept.
fn merge_for_update(resource: &ResourceType, mut new: Value, old: &Value, status: bool) -> Value {
    if status {
        let mut merged = old.clone();
        merged["status"] = new.get("status").cloned().unwrap_or(json!({}));
        return merged;
    }
    if resource.status_subresource {
        match old.get("status") {
            Some(s) => new["status"] = s.clone(),
            None => {
                new.as_object_mut().map(|o| o.remove("status"));
            }
        }
    }
    let metadata = new["metadata"]
        .as_object_mut()
        .expect("decode made metadata");
    for field in [
        "uid",
        "creationTimestamp",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
        "generation",
        "namespace",
    ] {
        match old["metadata"].get(field) {
            Some(v) => metadata.insert(field.into(), v.clone()),
            None => metadata.remove(field),
        };
    }
    metadata.remove("managedFields");
    if let Some(g) = old["metadata"].get("generation").and_then(Value::as_i64) {
        let changed = kinds::generation_fields(resource)
            .iter()
            .any(|f| new.get(*f) != old.get(*f));
        if changed {
            new["metadata"]["generation"] = json!(g + 1);
        }
    }
    new
}

/// Validates and stores an update of `old` to `new` (already merged by the verb).
fn commit_update(
    store: &mut Store,
    target: &Target,
    new: Value,
    old: &Value,
    dry_run: bool,
) -> Result<Written, ApiStatus> {
    let resource = target.resource;
    check_precondition(resource, &new, old)?;
    let mut new = merge_for_update(resource, new, old, target.status);
    kinds::apply_defaults(resource, &mut new);
    kinds::prepare_update(resource, &mut new, old);
    let mut errors = validate_meta(resource, &new);
    errors.extend(kinds::validate(resource, &new, Some(old)));
    if !errors.is_empty() {
        return Err(invalid(resource, &new, &errors));
    }
    allocate(store, resource, &mut new, Some(old))?;
    if dry_run {
        return Ok((200, new));
    }
    let finalized = new["metadata"].get("deletionTimestamp").is_some()
        && new["metadata"]["finalizers"]
            .as_array()
            .is_none_or(Vec::is_empty);
    let stored = store.update(resource, new);
    if finalized && resource.kind != "Namespace" {
        store.delete(resource, &ObjectKey::of(resource, &stored));
    }
    Ok((200, typed(resource, &stored)))
}

/// `PUT` of an object or its status.
pub fn update(
    store: &mut Store,
    target: &Target,
    body: &[u8],
    dry_run: bool,
) -> Result<Written, ApiStatus> {
    let resource = target.resource;
    let new = decode(target, body)?;
    let body_name = meta_str(&new, "name");
    if body_name != target.name() {
        return Err(ApiStatus::bad_request(format!(
            "the name of the object ({body_name}) does not match the name on the URL ({})",
            target.name()
        )));
    }
    match store.get(&target.key()) {
        Some(old) => commit_update(store, target, new, &old, dry_run),
        None if resource.create_on_update && !target.status => {
            if !meta_str(&new, "resourceVersion").is_empty() {
                return Err(ApiStatus::not_found(resource, target.name()));
            }
            create_object(store, resource, new, dry_run)
        }
        None => Err(ApiStatus::not_found(resource, target.name())),
    }
}

/// `PATCH` of an object or its status.
pub fn patch(
    store: &mut Store,
    target: &Target,
    patch_type: PatchType,
    body: &[u8],
    field_manager: Option<&str>,
    dry_run: bool,
) -> Result<Written, ApiStatus> {
    let resource = target.resource;
    let patch: Value = serde_json::from_slice(body).map_err(|e| {
        ApiStatus::bad_request(format!(
            "error decoding patch: {e} (YAML patches are not supported; send JSON)"
        ))
    })?;
    if !patch.is_object() {
        return Err(ApiStatus::bad_request(format!(
            "error decoding patch: json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
            if patch.is_array() { "array" } else { "a non-object value" }
        )));
    }
    if patch_type == PatchType::Apply && field_manager.is_none_or(str::is_empty) {
        return Err(ApiStatus::bad_request(
            "PATCH, application/apply-patch+yaml requests require a non-empty fieldManager",
        ));
    }
    let Some(old) = store.get(&target.key()) else {
        if patch_type == PatchType::Apply && !target.status {
            let object = decode(target, body)?;
            return create_object(store, resource, object, dry_run);
        }
        return Err(ApiStatus::not_found(resource, target.name()));
    };
    let mut patched = (*old).clone();
    match patch_type {
        PatchType::Merge | PatchType::Apply => merge_patch(&mut patched, &patch),
        PatchType::Strategic => strategic_merge_patch(&mut patched, &patch),
    }
    shape::check(resource, &patched)?;
    if !patched["metadata"].is_object() {
        patched["metadata"] = json!({});
    }
    // A patch cannot move or rename the object.
    patched["metadata"]["name"] = old["metadata"]["name"].clone();
    if resource.namespaced {
        patched["metadata"]["namespace"] = old["metadata"]["namespace"].clone();
    }
    let patched = typed(resource, &patched);
    commit_update(store, target, patched, &old, dry_run)
}

/// Preconditions of a delete (`DeleteOptions.preconditions`).
#[derive(Debug, Clone, Default)]
pub struct DeleteOptions {
    /// `preconditions.uid`.
    pub uid: Option<String>,
    /// `preconditions.resourceVersion`.
    pub resource_version: Option<String>,
    /// `dryRun: ["All"]`.
    pub dry_run: bool,
}

impl DeleteOptions {
    /// Reads a `DeleteOptions` body (empty: none).
    pub fn parse(body: &[u8]) -> Result<Self, ApiStatus> {
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self::default());
        }
        let v: Value = serde_json::from_slice(body)
            .map_err(|e| ApiStatus::bad_request(format!("error decoding DeleteOptions: {e}")))?;
        let text = |p: &str| v.pointer(p).and_then(Value::as_str).map(str::to_string);
        Ok(Self {
            uid: text("/preconditions/uid"),
            resource_version: text("/preconditions/resourceVersion"),
            dry_run: v["dryRun"].as_array().is_some_and(|d| !d.is_empty()),
        })
    }
}

/// What a delete did.
#[derive(Debug)]
pub struct Deletion {
    /// HTTP code and body.
    pub response: Written,
    /// A namespace that started terminating (its content is removed later).
    pub terminating_namespace: Option<String>,
}

/// `DELETE` of an object.
pub fn delete(
    store: &mut Store,
    target: &Target,
    options: &DeleteOptions,
) -> Result<Deletion, ApiStatus> {
    let resource = target.resource;
    let name = target.name();
    let old = store
        .get(&target.key())
        .ok_or_else(|| ApiStatus::not_found(resource, name))?;
    if let Some(uid) = &options.uid {
        let actual = meta_str(&old, "uid");
        if uid != actual {
            return Err(ApiStatus::conflict_because(
                resource,
                name,
                &format!(
                    "Precondition failed: UID in precondition: {uid}, UID in object meta: {actual}"
                ),
            ));
        }
    }
    if let Some(rv) = &options.resource_version {
        let actual = meta_str(&old, "resourceVersion");
        if rv != actual {
            return Err(ApiStatus::conflict_because(resource, name, &format!(
                "Precondition failed: ResourceVersion in precondition: {rv}, ResourceVersion in object meta: {actual}"
            )));
        }
    }
    let done = |response: Written| Deletion {
        response,
        terminating_namespace: None,
    };
    if resource.kind == "Namespace" {
        if UNDELETABLE_NAMESPACES.contains(&name) {
            return Err(ApiStatus::forbidden(
                resource,
                name,
                "this namespace may not be deleted",
            ));
        }
        if old["metadata"].get("deletionTimestamp").is_some() || options.dry_run {
            return Ok(done((200, typed(resource, &old))));
        }
        let mut terminating = (*old).clone();
        terminating["metadata"]["deletionTimestamp"] = json!(now());
        terminating["metadata"]["deletionGracePeriodSeconds"] = json!(0);
        terminating["status"]["phase"] = json!("Terminating");
        let stored = store.update(resource, terminating);
        return Ok(Deletion {
            response: (200, typed(resource, &stored)),
            terminating_namespace: Some(name.to_string()),
        });
    }
    let has_finalizers = old["metadata"]["finalizers"]
        .as_array()
        .is_some_and(|f| !f.is_empty());
    if options.dry_run {
        return Ok(done((200, typed(resource, &old))));
    }
    if has_finalizers {
        if old["metadata"].get("deletionTimestamp").is_some() {
            return Ok(done((200, typed(resource, &old))));
        }
        let mut marked = (*old).clone();
        marked["metadata"]["deletionTimestamp"] = json!(now());
        marked["metadata"]["deletionGracePeriodSeconds"] = json!(0);
        let stored = store.update(resource, marked);
        return Ok(done((200, typed(resource, &stored))));
    }
    let last = store
        .delete(resource, &target.key())
        .expect("the object was read under the same lock");
    let body = if resource.delete_returns_object {
        typed(resource, &last)
    } else {
        deleted(resource, name, meta_str(&last, "uid"))
    };
    Ok(done((200, body)))
}

/// `DELETE` of a collection: every selected object; answers the list of what was deleted.
pub fn delete_collection(
    store: &mut Store,
    target: &Target,
    selection: &Selection,
    options: &DeleteOptions,
) -> Result<Value, ApiStatus> {
    let resource = target.resource;
    let keys: Vec<ObjectKey> = store
        .list(resource, target.namespace.as_deref())
        .filter(|(_, o)| selection.matches(o))
        .map(|(k, _)| k.clone())
        .collect();
    let mut items = Vec::new();
    for key in keys {
        let one = Target {
            resource,
            namespace: Some(key.namespace.clone()),
            name: Some(key.name.clone()),
            status: false,
        };
        let before = store.get(&key);
        let body = delete(store, &one, options)?.response.1;
        if body["kind"] == resource.kind {
            items.push(body);
        } else if let Some(before) = before {
            items.push(typed(resource, &before));
        }
    }
    Ok(json!({
        "kind": resource.list_kind(),
        "apiVersion": resource.api_version(),
        "metadata": {"resourceVersion": store.current_rv().to_string()},
        "items": items,
    }))
}

/// Completes the deletion of a terminating namespace: removes everything in it, then it.
pub fn finalize_namespace(store: &mut Store, name: &str) {
    for resource in super::resources::RESOURCES.iter().filter(|r| r.namespaced) {
        let keys: Vec<ObjectKey> = store
            .list(resource, Some(name))
            .map(|(k, _)| k.clone())
            .collect();
        for key in keys {
            store.delete(resource, &key);
        }
    }
    let namespaces = by_kind("Namespace");
    store.delete(namespaces, &ObjectKey::new(namespaces, "", name));
}

/// Creates an object directly (the namespaces present at start).
pub fn seed(
    store: &mut Store,
    resource: &'static ResourceType,
    object: Value,
) -> Result<(), ApiStatus> {
    let object = typed(resource, &object);
    create_object(store, resource, object, false).map(|_| ())
}
