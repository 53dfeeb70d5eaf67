//! Which AlbConfig each Ingress lands on (its IngressClass, or `albconfig.name`), which Ingress a
//! canary Ingress shadows, and the `order` of each `alb_ingress`.
//!
//! ACK evaluates the Ingresses of one AlbConfig — of every IngressClass that points at it — by
//! `order` (default 10), ties by `namespace/name`. Here each `order` is a band of 10 rule
//! priorities per listener and two Ingresses on one listener must not share a band, so the
//! generated orders keep ACK's sequence: each is the ACK order, or one band after the previous
//! Ingress's last band when that is higher.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::networking::v1::{Ingress, IngressClass};
use serde_json::Value;

use super::annotations::{self, Annotations, Canary, DEFAULT_ORDER};
use super::inventory::{alb_config_ref, ingress_ref, Inventory};
use super::{Finding, ObjectRef, Options};

/// `spec.controller` of ACK's IngressClasses.
pub const ALB_CONTROLLER: &str = "ingress.k8s.alibabacloud/alb";
/// The legacy class annotation.
const CLASS_ANNOTATION: &str = "kubernetes.io/ingress.class";
/// The annotation marking the default IngressClass.
const DEFAULT_CLASS_ANNOTATION: &str = "ingressclass.kubernetes.io/is-default-class";
/// Rule priorities per order on one listener.
const BAND: usize = 10;
/// The highest order.
const MAX_ORDER: i64 = 1000;

/// One AlbConfig to write.
#[derive(Debug)]
pub struct ConfigPlan<'a> {
    /// The AlbConfig.
    pub object: &'a Value,
    /// Its Terraform resource name.
    pub tf_name: String,
}

/// A canary Ingress folded into the Ingress it shadows.
#[derive(Debug)]
pub struct CanaryPlan<'a> {
    /// The canary Ingress.
    pub ingress: &'a Ingress,
    /// How it selects requests.
    pub canary: Canary,
    /// Its annotations not carried over.
    pub todos: Vec<Finding>,
}

/// One Ingress to write.
#[derive(Debug)]
pub struct IngressPlan<'a> {
    /// The Ingress.
    pub ingress: &'a Ingress,
    /// Its parsed annotations.
    pub annotations: Annotations,
    /// Its Terraform resource name.
    pub tf_name: String,
    /// The Terraform name of its `alb_config`.
    pub config_tf_name: String,
    /// How it reaches its AlbConfig: `IngressClass alb` or the `albconfig.name` annotation.
    pub via: String,
    /// The generated `order`.
    pub order: i64,
    /// Why the order differs from ACK's, if it does.
    pub order_note: Option<String>,
    /// The canary Ingress shadowing it.
    pub canary: Option<CanaryPlan<'a>>,
}

/// Everything to write.
#[derive(Debug, Default)]
pub struct Plan<'a> {
    /// The AlbConfigs, by name.
    pub configs: Vec<ConfigPlan<'a>>,
    /// The Ingresses, by AlbConfig, then order.
    pub ingresses: Vec<IngressPlan<'a>>,
    /// Findings without a resource of their own (an Ingress not written at all).
    pub not_carried: Vec<Finding>,
    /// Invalid annotations and references.
    pub errors: Vec<Finding>,
}

/// Resolves, pairs and orders the objects of `inventory`.
pub fn plan<'a>(inventory: &'a Inventory, options: &Options) -> Plan<'a> {
    let mut errors = Vec::new();
    let mut plan = Plan::default();
    // AlbConfig name → its Ingresses.
    let mut grouped: BTreeMap<String, Vec<Member>> = BTreeMap::new();
    for ingress in &inventory.ingresses {
        let object = ingress_ref(ingress);
        if !options.namespaces.is_empty()
            && !options
                .namespaces
                .contains(object.namespace.as_ref().unwrap_or(&String::new()))
        {
            continue;
        }
        let class = class_name(ingress, inventory);
        if !options.ingress_classes.is_empty()
            && !class
                .as_ref()
                .is_some_and(|c| options.ingress_classes.contains(c))
        {
            continue;
        }
        let parsed = annotations::parse(
            &object,
            &ingress.metadata.annotations.clone().unwrap_or_default(),
        );
        let target = match &parsed.alb_config_name {
            Some(name) => Some(name.clone()),
            None => match class
                .as_deref()
                .and_then(|c| inventory.ingress_class(c).map(|k| (c, k)))
            {
                Some((_, class)) if !is_alb_class(class) => None,
                Some((name, class)) => match alb_config_of(class) {
                    Ok(config) => Some(config),
                    Err(reason) => {
                        errors.push(Finding::new(
                            &ObjectRef::cluster("IngressClass", name),
                            "spec.parameters",
                            reason,
                        ));
                        None
                    }
                },
                None => {
                    if let Some(name) = &class {
                        plan.not_carried.push(Finding::new(
                            &object,
                            "spec.ingressClassName",
                            format!("IngressClass `{name}` is not among the inputs: the Ingress is not written"),
                        ));
                    }
                    None
                }
            },
        };
        let Some(target) = target else { continue };
        if inventory.alb_config(&target).is_none() {
            errors.push(Finding::new(
                &object,
                "spec.ingressClassName",
                format!("AlbConfig `{target}` is not among the inputs"),
            ));
            continue;
        }
        errors.extend(parsed.errors.iter().cloned());
        let via = match (&parsed.alb_config_name, &class) {
            (Some(_), _) => format!("{}albconfig.name", annotations::PREFIX),
            (None, Some(class)) => format!("IngressClass {class}"),
            (None, None) => "the default IngressClass".to_string(),
        };
        grouped
            .entry(target)
            .or_default()
            .push((ingress, parsed, via));
    }
    let wanted: BTreeSet<String> =
        if options.namespaces.is_empty() && options.ingress_classes.is_empty() {
            inventory
                .alb_configs
                .iter()
                .map(|c| alb_config_ref(c).name)
                .collect()
        } else {
            let mut wanted: BTreeSet<String> = grouped.keys().cloned().collect();
            for class in &options.ingress_classes {
                if let Some(config) = inventory
                    .ingress_class(class)
                    .and_then(|c| alb_config_of(c).ok())
                {
                    wanted.insert(config);
                }
            }
            wanted
        };
    let mut names = Names::default();
    let mut config_names = BTreeMap::new();
    for config in &inventory.alb_configs {
        let name = alb_config_ref(config).name;
        if wanted.contains(&name) {
            let tf_name = names.unique(&name);
            config_names.insert(name, tf_name.clone());
            plan.configs.push(ConfigPlan {
                object: config,
                tf_name,
            });
        }
    }
    for (config, members) in grouped {
        let config_tf_name = config_names[&config].clone();
        let (canaries, bases): (Vec<_>, Vec<_>) = members
            .into_iter()
            .partition(|(_, a, _)| a.canary.is_some());
        let mut ingresses = order_group(bases, &config_tf_name, &mut names, &mut errors);
        for (canary, parsed, _) in canaries {
            pair_canary(
                canary,
                parsed,
                &mut ingresses,
                &mut plan.not_carried,
                &mut errors,
            );
        }
        plan.ingresses.extend(ingresses);
    }
    plan.errors = errors;
    plan
}

/// The class of an Ingress: `spec.ingressClassName`, the legacy annotation, or the default class.
fn class_name(ingress: &Ingress, inventory: &Inventory) -> Option<String> {
    let spec_class = ingress
        .spec
        .as_ref()
        .and_then(|s| s.ingress_class_name.clone());
    let annotated = ingress
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(CLASS_ANNOTATION).cloned());
    spec_class.or(annotated).or_else(|| {
        inventory
            .ingress_classes
            .iter()
            .find(|c| {
                c.metadata
                    .annotations
                    .as_ref()
                    .and_then(|a| a.get(DEFAULT_CLASS_ANNOTATION))
                    .is_some_and(|v| v == "true")
            })
            .and_then(|c| c.metadata.name.clone())
    })
}

fn is_alb_class(class: &IngressClass) -> bool {
    class.spec.as_ref().and_then(|s| s.controller.as_deref()) == Some(ALB_CONTROLLER)
}

/// The AlbConfig an ALB IngressClass names in `spec.parameters`.
fn alb_config_of(class: &IngressClass) -> Result<String, String> {
    let parameters = class
        .spec
        .as_ref()
        .and_then(|s| s.parameters.as_ref())
        .ok_or(
        "an ALB IngressClass needs spec.parameters naming its AlbConfig (ACK refuses it without)",
    )?;
    if parameters.kind != "AlbConfig"
        || parameters.api_group.as_deref().unwrap_or_default() != "alibabacloud.com"
    {
        return Err(format!(
            "parameters of kind `{}` (apiGroup `{}`) are not an AlbConfig (alibabacloud.com)",
            parameters.kind,
            parameters.api_group.as_deref().unwrap_or_default()
        ));
    }
    Ok(parameters.name.clone())
}

/// An Ingress of a group: the object, its annotations, how it reaches the AlbConfig.
type Member<'a> = (&'a Ingress, Annotations, String);

/// Sorts the non-canary Ingresses of one AlbConfig as ACK does and assigns their orders.
fn order_group<'a>(
    members: Vec<Member<'a>>,
    config_tf_name: &str,
    names: &mut Names,
    errors: &mut Vec<Finding>,
) -> Vec<IngressPlan<'a>> {
    let mut members: Vec<(i64, String, Member)> = members
        .into_iter()
        .map(|member| {
            let ack = member.1.order.as_ref().map_or(DEFAULT_ORDER, |(_, o)| *o);
            (ack, ingress_ref(member.0).to_string(), member)
        })
        .collect();
    members.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    let mut next_free = 1;
    let mut previous: Option<String> = None;
    let mut out = Vec::new();
    for (ack, _, (ingress, parsed, via)) in members {
        let object = ingress_ref(ingress);
        let order = ack.max(next_free);
        let bands = rule_count(ingress).div_ceil(BAND).max(1) as i64;
        if order + bands - 1 > MAX_ORDER {
            errors.push(Finding::new(
                &object,
                parsed.order.as_ref().map_or("order", |(k, _)| k.as_str()),
                format!("no order band left: keeping ACK's sequence needs order {order}, beyond {MAX_ORDER}"),
            ));
        }
        let order_note = (order != ack).then(|| {
            format!(
                "order {order}: ACK order {ack}{}, moved after {} so that each ingress keeps its own priority band in ACK's sequence",
                if parsed.order.is_none() { " (default)" } else { "" },
                previous.as_deref().unwrap_or("the previous ingress"),
            )
        });
        next_free = order + bands;
        previous = Some(format!(
            "{}/{}",
            object.namespace.as_deref().unwrap_or_default(),
            object.name
        ));
        out.push(IngressPlan {
            ingress,
            annotations: parsed,
            tf_name: names.unique(&format!(
                "{}_{}",
                object.namespace.as_deref().unwrap_or_default(),
                object.name
            )),
            config_tf_name: config_tf_name.to_string(),
            via,
            order,
            order_note,
            canary: None,
        });
    }
    out
}

/// The most rules an Ingress can put on one listener: its paths and its default backend.
fn rule_count(ingress: &Ingress) -> usize {
    let Some(spec) = &ingress.spec else { return 1 };
    let paths: usize = spec
        .rules
        .iter()
        .flatten()
        .filter_map(|r| r.http.as_ref())
        .map(|h| h.paths.len())
        .sum();
    paths + usize::from(spec.default_backend.is_some())
}

/// The `(host, path)` pairs of an Ingress's rules.
pub fn routes(ingress: &Ingress) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for rule in ingress.spec.iter().flat_map(|s| s.rules.iter().flatten()) {
        for path in rule.http.iter().flat_map(|h| h.paths.iter()) {
            out.insert((
                rule.host.clone().unwrap_or_default(),
                path.path.clone().unwrap_or_else(|| "/".into()),
            ));
        }
    }
    out
}

/// Attaches a canary Ingress to the Ingress of its namespace with the same host and path.
fn pair_canary<'a>(
    ingress: &'a Ingress,
    parsed: Annotations,
    bases: &mut [IngressPlan<'a>],
    not_carried: &mut Vec<Finding>,
    errors: &mut Vec<Finding>,
) {
    let object = ingress_ref(ingress);
    let canary = parsed.canary.clone().unwrap_or_default();
    let first_key = canary.annotations.first().cloned().unwrap_or_default();
    if let Some((_, conditions)) = parsed.conditions.iter().next() {
        errors.push(Finding::new(
            &object,
            &conditions.annotation,
            "a canary Ingress cannot have custom conditions (ACK refuses it)",
        ));
        return;
    }
    if canary.weight.is_some() {
        if let Some(action) = parsed
            .actions
            .values()
            .find(|a| a.json.to_string().contains("ForwardGroup"))
        {
            errors.push(Finding::new(
                &object,
                &action.annotation,
                "a weight canary cannot have a ForwardGroup action (ACK refuses it)",
            ));
            return;
        }
    }
    let mut not_written = |reason: String| {
        not_carried.push(Finding::new(&object, &first_key, reason));
        not_carried.extend(parsed.todos.iter().cloned());
    };
    if canary.weight == Some(0) {
        not_written("ACK ignores a canary of weight 0: nothing is written for this Ingress".into());
        return;
    }
    let routes = routes(ingress);
    let namespace = object.namespace.clone().unwrap_or_default();
    let base = bases.iter_mut().find(|b| {
        ingress_ref(b.ingress).namespace.as_deref() == Some(namespace.as_str())
            && !routes.is_disjoint(&self::routes(b.ingress))
    });
    let Some(base) = base else {
        not_written(
            "no non-canary Ingress of its namespace on the same AlbConfig has the same host and path, \
             so ACK makes no rule for it: nothing is written"
                .into(),
        );
        return;
    };
    if base.canary.is_some() {
        not_written(format!(
            "{} already has a canary and an alb_ingress has at most one `canary` block",
            ingress_ref(base.ingress)
        ));
        return;
    }
    let mut todos = parsed.todos.clone();
    for setting in parsed.ingress.iter().chain(parsed.each_path.iter()) {
        todos.push(Finding::new(
            &object,
            &setting.annotation,
            "the canary backend uses the settings of the alb_ingress it joins",
        ));
    }
    for action in parsed.actions.values() {
        todos.push(Finding::new(
            &object,
            &action.annotation,
            "custom actions of a canary Ingress have no equivalent in the `canary` block",
        ));
    }
    if let Some((key, _)) = &parsed.order {
        todos.push(Finding::new(
            &object,
            key,
            "canary rules come before their base rule inside the band of the alb_ingress they join",
        ));
    }
    base.canary = Some(CanaryPlan {
        ingress,
        canary,
        todos,
    });
}

/// Unique Terraform resource names.
#[derive(Default)]
struct Names(BTreeSet<String>);

impl Names {
    /// `raw` as an HCL identifier (`[A-Za-z_][A-Za-z0-9_-]*`), made unique with `_2`, `_3` …
    fn unique(&mut self, raw: &str) -> String {
        let mut base: String = raw
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        if !base.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
            base.insert(0, '_');
        }
        let mut name = base.clone();
        let mut n = 2;
        while !self.0.insert(name.clone()) {
            name = format!("{base}_{n}");
            n += 1;
        }
        name
    }
}
