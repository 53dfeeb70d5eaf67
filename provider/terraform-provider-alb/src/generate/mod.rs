//! `terraform-provider-alb generate`: Terraform configuration (HCL) from what ACK's ALB Ingress
//! controller reads — `AlbConfig`s, `IngressClass`es, `Ingress`es with their
//! `alb.ingress.kubernetes.io/*` annotations, and the Services they reference.
//!
//! One `alb_config` per AlbConfig, one `alb_ingress` per Ingress (a canary Ingress becomes the
//! `canary` block of the Ingress it shadows), an `import {}` block per AlbConfig that names an
//! existing load balancer. Every annotation is carried over or reported as not carried
//! ([`Finding`]); an invalid value is an error naming the object and the annotation.
//!
//! - [`inventory`] — the input objects (YAML documents, `kind: List`, or a live cluster);
//! - [`annotations`] — the Ingress annotations, parsed and checked as ACK does;
//! - [`custom`] — the JSON of `actions.<service>` and `conditions.<service>`;
//! - [`groups`] — which AlbConfig each Ingress lands on, and the `order` of each;
//! - [`alb_config`], [`alb_ingress`] — the resources' values;
//! - [`checks`] — the provider's own validation of the generated values;
//! - [`render`] — HCL through hcl-rs;
//! - [`cli`] — the subcommand.

pub mod alb_config;
pub mod alb_ingress;
pub mod annotations;
pub mod checks;
pub mod cli;
pub mod custom;
pub mod groups;
pub mod inventory;
pub mod render;

use std::fmt;

use inventory::Inventory;

/// The Kubernetes object a finding is about.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ObjectRef {
    /// `Ingress`, `AlbConfig`, `IngressClass` or `Service`.
    pub kind: &'static str,
    /// Namespace; `None` for cluster-scoped objects.
    pub namespace: Option<String>,
    /// Name.
    pub name: String,
}

impl ObjectRef {
    /// A namespaced object.
    pub fn namespaced(kind: &'static str, namespace: &str, name: &str) -> Self {
        ObjectRef {
            kind,
            namespace: Some(namespace.to_string()),
            name: name.to_string(),
        }
    }

    /// A cluster-scoped object.
    pub fn cluster(kind: &'static str, name: &str) -> Self {
        ObjectRef {
            kind,
            namespace: None,
            name: name.to_string(),
        }
    }
}

impl fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.namespace {
            Some(ns) => write!(f, "{} {ns}/{}", self.kind, self.name),
            None => write!(f, "{} {}", self.kind, self.name),
        }
    }
}

/// Something about one annotation (or field) of one object: not carried over, or invalid.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Finding {
    /// The object.
    pub object: ObjectRef,
    /// The annotation (full key) or field (`spec.listeners[0].logConfig`).
    pub annotation: String,
    /// Why.
    pub reason: String,
}

impl Finding {
    /// A finding about `annotation` of `object`.
    pub fn new(
        object: &ObjectRef,
        annotation: impl Into<String>,
        reason: impl Into<String>,
    ) -> Self {
        Finding {
            object: object.clone(),
            annotation: annotation.into(),
            reason: reason.into(),
        }
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.object, self.annotation, self.reason)
    }
}

/// The findings about one object, as a builder collects them.
#[derive(Debug)]
pub struct Findings {
    object: ObjectRef,
    /// Not carried over.
    pub todos: Vec<Finding>,
    /// Invalid.
    pub errors: Vec<Finding>,
}

impl Findings {
    /// None yet about `object`.
    pub fn new(object: &ObjectRef) -> Self {
        Findings {
            object: object.clone(),
            todos: Vec::new(),
            errors: Vec::new(),
        }
    }

    /// `field` (an annotation or a field path) is not carried over, for `reason`.
    pub fn todo(&mut self, field: impl Into<String>, reason: impl Into<String>) {
        self.todos.push(Finding::new(&self.object, field, reason));
    }

    /// `field` is invalid, for `reason`.
    pub fn error(&mut self, field: impl Into<String>, reason: impl Into<String>) {
        self.errors.push(Finding::new(&self.object, field, reason));
    }

    /// The resource `make` builds from the todos (sorted), unless something was invalid.
    pub fn finish<T>(mut self, make: impl FnOnce(Vec<Finding>) -> T) -> Result<T, Vec<Finding>> {
        if self.errors.is_empty() {
            self.todos.sort();
            self.todos.dedup();
            Ok(make(self.todos))
        } else {
            Err(self.errors)
        }
    }
}

/// What to generate.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Only Ingresses (and Services) of these namespaces; all when empty.
    pub namespaces: Vec<String>,
    /// Only Ingresses of these IngressClasses (and the AlbConfigs they use); all when empty.
    pub ingress_classes: Vec<String>,
    /// The VPC of the load balancers; `var.vpc_id` (declared in the output) when unset.
    pub vpc_id: Option<String>,
}

/// The generated configuration.
#[derive(Debug)]
pub struct Generated {
    /// The HCL text, `terraform fmt`-clean.
    pub hcl: String,
    /// Annotations and fields not carried over (also `# TODO` comments in `hcl`).
    pub not_carried: Vec<Finding>,
}

/// Why nothing was generated: invalid annotation values or fields, each named.
#[derive(Debug)]
pub struct Invalid(pub Vec<Finding>);

/// Generates the configuration for the objects of `inventory`.
pub fn generate(inventory: &Inventory, options: &Options) -> Result<Generated, Invalid> {
    let plan = groups::plan(inventory, options);
    let mut resources = Vec::new();
    let mut errors = plan.errors;
    for config in &plan.configs {
        match alb_config::build(config, options) {
            Ok(resource) => resources.push(resource),
            Err(mut e) => errors.append(&mut e),
        }
    }
    for ingress in &plan.ingresses {
        match alb_ingress::build(ingress, inventory) {
            Ok(resource) => resources.push(resource),
            Err(mut e) => errors.append(&mut e),
        }
    }
    for resource in &resources {
        errors.extend(checks::check(resource));
    }
    if !errors.is_empty() {
        errors.sort();
        errors.dedup();
        return Err(Invalid(errors));
    }
    let mut unattached = plan.not_carried;
    unattached.sort();
    unattached.dedup();
    let mut not_carried = unattached.clone();
    for resource in &resources {
        not_carried.extend(resource.todos.iter().cloned());
    }
    not_carried.sort();
    not_carried.dedup();
    let hcl = render::render(&resources, &unattached, options).map_err(|e| {
        Invalid(vec![Finding::new(
            &ObjectRef::cluster("output", "hcl"),
            "render",
            e.to_string(),
        )])
    })?;
    Ok(Generated { hcl, not_carried })
}
