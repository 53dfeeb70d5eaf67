//! The parts of Terraform's JSON plan (`terraform show -json PLANFILE`, format 1.x) the report
//! reads: resource changes with their before/after values, and the configuration's references
//! (which tie an ingress to its `alb_config` while the load balancer's id is still unknown).

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

/// Why a text is not a plan the report can read.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// Not JSON, or JSON of another shape.
    #[error("not a Terraform JSON plan: {0}")]
    Malformed(#[from] serde_json::Error),
    /// A JSON state (`terraform show -json` without a plan file) instead of a plan.
    #[error(
        "this is a Terraform state, not a plan: run `terraform plan -out=PLANFILE` and pass \
         `terraform show -json PLANFILE`"
    )]
    StateNotPlan,
    /// A plan format this report does not know.
    #[error("unsupported plan format_version {0:?}: only 1.x is supported")]
    UnsupportedFormat(String),
}

/// A JSON plan.
#[derive(Debug, Deserialize)]
pub struct Plan {
    /// `1.x`.
    pub format_version: String,
    /// One entry per resource instance Terraform planned for (also no-ops).
    #[serde(default)]
    pub resource_changes: Vec<ResourceChange>,
    /// The configuration as written (expressions and their references).
    #[serde(default)]
    pub configuration: Option<Configuration>,
    /// Present in plans (possibly empty); a state has `values` instead.
    #[serde(default)]
    planned_values: Option<Value>,
    /// Present in states only.
    #[serde(default)]
    values: Option<Value>,
}

impl Plan {
    /// Parses a JSON plan, telling a state or an unknown format from a plan.
    pub fn parse(text: &str) -> Result<Self, PlanError> {
        let plan: Plan = serde_json::from_str(text)?;
        if plan.values.is_some() && plan.planned_values.is_none() && plan.configuration.is_none() {
            return Err(PlanError::StateNotPlan);
        }
        if plan.format_version.split('.').next() != Some("1") {
            return Err(PlanError::UnsupportedFormat(plan.format_version));
        }
        Ok(plan)
    }
}

/// One resource instance's planned change.
#[derive(Debug, Deserialize)]
pub struct ResourceChange {
    /// Full address, e.g. `alb_ingress.shop` or `module.edge.alb_config.main["a"]`.
    pub address: String,
    /// Module address (`module.edge`), absent in the root module.
    #[serde(default)]
    pub module_address: Option<String>,
    /// `managed` or `data`.
    pub mode: String,
    /// Resource type, e.g. `alb_config`.
    #[serde(rename = "type")]
    pub resource_type: String,
    /// The change.
    pub change: Change,
}

/// Before and after values of a change.
#[derive(Debug, Deserialize)]
pub struct Change {
    /// Terraform's actions: `["create"]`, `["update"]`, `["delete", "create"]`, `["no-op"]`, ….
    pub actions: Vec<String>,
    /// Value before (null on create).
    #[serde(default)]
    pub before: Value,
    /// Known parts of the value after (null on delete; unknown parts are null or absent).
    #[serde(default)]
    pub after: Value,
    /// Which parts of `after` are unknown until apply (`true` leaves, same shape as `after`).
    #[serde(default)]
    pub after_unknown: Value,
    /// Which parts of `before` are sensitive (`true` leaves, same shape as `before`).
    #[serde(default)]
    pub before_sensitive: Value,
    /// Which parts of `after` are sensitive.
    #[serde(default)]
    pub after_sensitive: Value,
    /// Paths whose change forces the replacement, e.g. `[["vpc_id"]]`.
    #[serde(default)]
    pub replace_paths: Vec<Vec<Value>>,
}

/// What happens to a resource instance, from [`Change::actions`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ChangeKind {
    /// Created.
    Create,
    /// Updated in place.
    Update,
    /// Destroyed and created again (either order).
    Replace,
    /// Destroyed.
    Delete,
    /// Unchanged (or only read).
    NoOp,
}

impl Change {
    /// The kind of change.
    pub fn kind(&self) -> ChangeKind {
        let has = |a: &str| self.actions.iter().any(|x| x == a);
        match (has("create"), has("delete"), has("update")) {
            (true, true, _) => ChangeKind::Replace,
            (true, false, _) => ChangeKind::Create,
            (false, true, _) => ChangeKind::Delete,
            (false, false, true) => ChangeKind::Update,
            _ => ChangeKind::NoOp,
        }
    }

    /// The top-level attribute names whose change forces replacement, sorted, deduplicated.
    pub fn replace_attributes(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .replace_paths
            .iter()
            .filter_map(|path| path.first().and_then(Value::as_str).map(str::to_owned))
            .collect();
        names.sort();
        names.dedup();
        names
    }
}

/// The `configuration` section.
#[derive(Debug, Default, Deserialize)]
pub struct Configuration {
    /// The root module.
    #[serde(default)]
    pub root_module: ModuleConfig,
}

/// A module's configuration.
#[derive(Debug, Default, Deserialize)]
pub struct ModuleConfig {
    /// Resources declared in the module.
    #[serde(default)]
    pub resources: Vec<ResourceConfig>,
    /// Child module calls by name.
    #[serde(default)]
    pub module_calls: BTreeMap<String, ModuleCall>,
}

/// A `module "name" {}` call.
#[derive(Debug, Deserialize)]
pub struct ModuleCall {
    /// The called module's configuration.
    #[serde(default)]
    pub module: ModuleConfig,
}

/// A resource block.
#[derive(Debug, Deserialize)]
pub struct ResourceConfig {
    /// Address inside its module, e.g. `alb_ingress.shop`.
    pub address: String,
    /// Attribute expressions by name.
    #[serde(default)]
    pub expressions: BTreeMap<String, Value>,
}

impl Configuration {
    /// For each resource (full address without instance keys, e.g. `module.edge.alb_ingress.shop`),
    /// the full addresses of the `alb_config` resources its attribute `attribute` refers to.
    pub fn config_references(&self, attribute: &str) -> BTreeMap<String, Vec<String>> {
        let mut out = BTreeMap::new();
        collect_references(&self.root_module, "", attribute, &mut out);
        out
    }
}

fn collect_references(
    module: &ModuleConfig,
    prefix: &str,
    attribute: &str,
    out: &mut BTreeMap<String, Vec<String>>,
) {
    for resource in &module.resources {
        let references = resource
            .expressions
            .get(attribute)
            .and_then(|e| e.get("references"))
            .and_then(Value::as_array)
            .map(|refs| {
                refs.iter()
                    .filter_map(Value::as_str)
                    .filter_map(config_resource_of)
                    .map(|r| format!("{prefix}{r}"))
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default();
        if !references.is_empty() {
            out.insert(format!("{prefix}{}", resource.address), references);
        }
    }
    for (name, call) in &module.module_calls {
        collect_references(
            &call.module,
            &format!("{prefix}module.{name}."),
            attribute,
            out,
        );
    }
}

/// `alb_config.main` from a reference such as `alb_config.main.id` or `alb_config.main`.
fn config_resource_of(reference: &str) -> Option<String> {
    let mut parts = reference.split('.');
    match (parts.next(), parts.next()) {
        (Some("alb_config"), Some(name)) => {
            let name = name.split('[').next().unwrap_or(name);
            Some(format!("alb_config.{name}"))
        }
        _ => None,
    }
}

/// `module.a["x"].alb_config.main[0]` → `module.a.alb_config.main`: an address without instance
/// keys, as configuration references name resources.
pub fn address_without_keys(address: &str) -> String {
    let mut out = String::with_capacity(address.len());
    let mut depth = 0usize;
    let mut quoted = false;
    for c in address.chars() {
        match c {
            '"' if depth > 0 => quoted = !quoted,
            '[' if !quoted => depth += 1,
            ']' if !quoted => depth = depth.saturating_sub(1),
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_from_actions() {
        let change = |actions: &[&str]| Change {
            actions: actions.iter().map(|a| a.to_string()).collect(),
            before: Value::Null,
            after: Value::Null,
            after_unknown: Value::Null,
            before_sensitive: Value::Null,
            after_sensitive: Value::Null,
            replace_paths: Vec::new(),
        };
        assert_eq!(change(&["create"]).kind(), ChangeKind::Create);
        assert_eq!(change(&["update"]).kind(), ChangeKind::Update);
        assert_eq!(change(&["delete", "create"]).kind(), ChangeKind::Replace);
        assert_eq!(change(&["create", "delete"]).kind(), ChangeKind::Replace);
        assert_eq!(change(&["delete"]).kind(), ChangeKind::Delete);
        assert_eq!(change(&["no-op"]).kind(), ChangeKind::NoOp);
        assert_eq!(change(&["read"]).kind(), ChangeKind::NoOp);
    }

    #[test]
    fn a_state_is_refused_with_a_hint() {
        let err =
            Plan::parse(r#"{"format_version":"1.0","values":{"root_module":{}}}"#).unwrap_err();
        assert!(matches!(err, PlanError::StateNotPlan), "{err}");
        assert!(err.to_string().contains("terraform show -json PLANFILE"));
    }

    #[test]
    fn unknown_major_format_is_refused() {
        let err = Plan::parse(r#"{"format_version":"2.0","planned_values":{}}"#).unwrap_err();
        assert!(matches!(err, PlanError::UnsupportedFormat(_)), "{err}");
    }

    #[test]
    fn references_through_modules() {
        let plan = Plan::parse(
            r#"{"format_version":"1.2","configuration":{"root_module":{
                "resources":[{"address":"alb_ingress.a","expressions":{"alb_config_id":{"references":["alb_config.main.id","alb_config.main"]}}}],
                "module_calls":{"edge":{"module":{"resources":[
                  {"address":"alb_ingress.b","expressions":{"alb_config_id":{"references":["alb_config.lb[0].id","var.x"]}}}]}}}}}}"#,
        )
        .unwrap();
        let refs = plan
            .configuration
            .unwrap()
            .config_references("alb_config_id");
        assert_eq!(
            refs["alb_ingress.a"],
            ["alb_config.main", "alb_config.main"]
        );
        assert_eq!(
            refs["module.edge.alb_ingress.b"],
            ["module.edge.alb_config.lb"]
        );
    }

    #[test]
    fn instance_keys_are_dropped_from_addresses() {
        assert_eq!(
            address_without_keys(r#"module.a["x[1]"].alb_config.main[0]"#),
            "module.a.alb_config.main"
        );
        assert_eq!(address_without_keys("alb_ingress.shop"), "alb_ingress.shop");
    }
}
