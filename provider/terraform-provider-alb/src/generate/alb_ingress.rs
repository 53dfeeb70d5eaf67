//! An `alb_ingress` from an Ingress, its annotations, the canary Ingress shadowing it and the
//! Services it references (port names, member mode).

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::Service;
use k8s_openapi::api::networking::v1::IngressBackend;
use serde_json::{json, Map, Value};
use tfplugin::diag::AttributePath;

use super::annotations::{Setting, PREFIX};
use super::custom;
use super::groups::{CanaryPlan, IngressPlan};
use super::inventory::{ingress_ref, Inventory, NETWORKING_API_VERSION};
use super::render::{Resource, ResourceType};
use super::{Finding, Findings, ObjectRef};

/// The port name ACK reads as "the final action comes from `actions.<service>`".
const USE_ANNOTATION: &str = "use-annotation";
/// The Service annotation selecting pod-IP (ENI) members.
const BACKEND_TYPE: &str = "service.beta.kubernetes.io/backend-type";

/// The `alb_ingress` of one planned Ingress.
pub fn build(plan: &IngressPlan, inventory: &Inventory) -> Result<Resource, Vec<Finding>> {
    let ingress = plan.ingress;
    let object = ingress_ref(ingress);
    let namespace = object.namespace.clone().unwrap_or_default();
    let mut b = Builder {
        object: &object,
        body: Map::new(),
        found: Findings::new(&object),
        provenance: Vec::new(),
        services: Vec::new(),
    };
    b.body.insert("namespace".into(), json!(namespace));
    b.body.insert("name".into(), json!(object.name));
    // Always written: an unset order is chosen automatically, not ACK's default.
    b.body.insert("order".into(), json!(plan.order));
    if let Some((key, _)) = &plan.annotations.order {
        b.provenance
            .push((AttributePath::root().attr("order"), key.clone()));
    }
    let spec = ingress.spec.clone().unwrap_or_default();
    let mut tls_hosts: Vec<String> = Vec::new();
    for (i, tls) in spec.tls.iter().flatten().enumerate() {
        for host in tls.hosts.iter().flatten() {
            if !tls_hosts.contains(host) {
                tls_hosts.push(host.clone());
            }
        }
        if tls.secret_name.is_some() {
            b.found.todo(
                format!("spec.tls[{i}].secretName"),
                "certificates from Secrets are not uploaded: put the certificate into CAS and list it in the alb_config listener's certificate_ids",
            );
        }
    }
    if !tls_hosts.is_empty() {
        b.body.insert("tls_hosts".into(), json!(tls_hosts));
    }
    for setting in &plan.annotations.ingress {
        b.set(&AttributePath::root(), None, setting);
    }
    b.rules(plan, &spec);
    if let Some(backend) = &spec.default_backend {
        if let Some(value) = b.backend(backend, "spec.defaultBackend") {
            b.body.insert("default_backend".into(), value);
        }
    }
    let mut header = vec![format!(
        "{object} ({NETWORKING_API_VERSION}) on AlbConfig {} through {}",
        plan.config_tf_name, plan.via
    )];
    header.extend(plan.order_note.clone());
    if let Some(canary) = &plan.canary {
        header.push(b.canary(canary));
    }
    b.member_mode(inventory, &namespace);
    b.found.todos.extend(plan.annotations.todos.iter().cloned());
    let (body, provenance) = (b.body, b.provenance);
    b.found.finish(|todos| Resource {
        kind: ResourceType::AlbIngress,
        source: object.clone(),
        name: plan.tf_name.clone(),
        header,
        body: Value::Object(body),
        references: vec![(
            "alb_config_id",
            vec![
                "alb_config".into(),
                plan.config_tf_name.clone(),
                "id".into(),
            ],
        )],
        import_id: None,
        todos,
        provenance,
    })
}

struct Builder<'a> {
    object: &'a ObjectRef,
    body: Map<String, Value>,
    found: Findings,
    provenance: Vec<(AttributePath, String)>,
    /// The Services referenced, with the field that references them.
    services: Vec<(String, String)>,
}

impl Builder<'_> {
    /// Sets `setting` below the object at `base` (the ingress, or one `path` block).
    fn set(&mut self, base: &AttributePath, target: Option<(usize, usize)>, setting: &Setting) {
        let mut path = base.clone();
        for step in &setting.path {
            path = path.attr(step);
        }
        self.provenance.push((path, setting.annotation.clone()));
        let root = match target {
            None => &mut self.body,
            Some((i, j)) => self.body["rule"][i]["path"][j]
                .as_object_mut()
                .expect("path blocks are objects"),
        };
        insert(root, &setting.path, setting.value.clone());
    }

    fn rules(&mut self, plan: &IngressPlan, spec: &k8s_openapi::api::networking::v1::IngressSpec) {
        let annotations = &plan.annotations;
        let mut used: BTreeSet<String> = BTreeSet::new();
        let mut rules = Vec::new();
        for (i, rule) in spec.rules.iter().flatten().enumerate() {
            let Some(http) = &rule.http else {
                self.found.todo(
                    format!("spec.rules[{i}]"),
                    "a rule without `http` paths makes no ALB rule",
                );
                continue;
            };
            let mut paths = Vec::new();
            for (j, p) in http.paths.iter().enumerate() {
                let field = format!("spec.rules[{i}].http.paths[{j}].backend");
                let mut block = Map::new();
                if let Some(path) = &p.path {
                    block.insert("path".into(), json!(path));
                }
                if p.path_type != "ImplementationSpecific" {
                    block.insert("path_type".into(), json!(p.path_type));
                }
                let service = p.backend.service.as_ref().map(|s| s.name.clone());
                let use_annotation = p
                    .backend
                    .service
                    .as_ref()
                    .and_then(|s| s.port.as_ref())
                    .and_then(|port| port.name.as_deref())
                    == Some(USE_ANNOTATION);
                if !use_annotation {
                    if let Some(backend) = self.backend(&p.backend, &field) {
                        block.insert("backend".into(), json!([backend]));
                    }
                }
                if let Some(service) = &service {
                    used.insert(service.clone());
                    if let Some(action) = annotations.actions.get(service) {
                        let fragment =
                            custom::actions(self.object, &action.annotation, &action.json);
                        if fragment.has_final && !use_annotation {
                            self.found.error(
                                action.annotation.clone(),
                                format!(
                                    "it has a final action but the path's backend port is not `{USE_ANNOTATION}`, so ACK adds a forward too (\"multi finalType\")"
                                ),
                            );
                        }
                        self.merge(
                            &mut block,
                            fragment,
                            &action.annotation,
                            (rules.len(), paths.len()),
                        );
                    } else if use_annotation {
                        self.found.error(
                            format!("{field}.service.port.name"),
                            format!("`{USE_ANNOTATION}` needs the annotation `{PREFIX}actions.{service}` with the final action"),
                        );
                    }
                    if let Some(conditions) = annotations.conditions.get(service) {
                        let fragment = custom::conditions(
                            self.object,
                            &conditions.annotation,
                            &conditions.json,
                        );
                        self.merge(
                            &mut block,
                            fragment,
                            &conditions.annotation,
                            (rules.len(), paths.len()),
                        );
                    }
                }
                paths.push(Value::Object(block));
            }
            if paths.is_empty() {
                continue;
            }
            let mut r = json!({"path": paths});
            if let Some(host) = &rule.host {
                r["host"] = json!(host);
            }
            rules.push(r);
        }
        if !rules.is_empty() {
            let count: Vec<usize> = rules
                .iter()
                .map(|r| r["path"].as_array().map_or(0, Vec::len))
                .collect();
            self.body.insert("rule".into(), json!(rules));
            for setting in &annotations.each_path {
                for (i, n) in count.iter().enumerate() {
                    for j in 0..*n {
                        let base = AttributePath::root()
                            .attr("rule")
                            .index(i as i64)
                            .attr("path")
                            .index(j as i64);
                        self.set_path(&base, (i, j), setting);
                    }
                }
            }
        }
        for (service, per) in annotations
            .actions
            .iter()
            .chain(annotations.conditions.iter())
        {
            if !used.contains(service) {
                self.found.todo(
                    per.annotation.clone(),
                    format!("no path of this Ingress uses Service `{service}`"),
                );
            }
        }
    }

    /// An each-path annotation setting, refused where a custom action set the same block.
    fn set_path(&mut self, base: &AttributePath, (i, j): (usize, usize), setting: &Setting) {
        let block = &self.body["rule"][i]["path"][j];
        let top = setting.path[0];
        let from_action = self
            .provenance
            .iter()
            .find(|(p, a)| *p == base.clone().attr(top) && a.contains("/actions."))
            .map(|(_, a)| a.clone());
        if block.get(top).is_some() {
            if let Some(action) = from_action {
                self.found.error(
                    setting.annotation.clone(),
                    format!("it conflicts with `{top}` set by `{action}` on the same path (ACK refuses both)"),
                );
                return;
            }
        }
        self.set(base, Some((i, j)), setting);
    }

    /// Adds what an `actions.*`/`conditions.*` annotation brings to a path block.
    fn merge(
        &mut self,
        block: &mut Map<String, Value>,
        fragment: custom::Fragment,
        annotation: &str,
        (i, j): (usize, usize),
    ) {
        self.found.todos.extend(fragment.todos);
        self.found.errors.extend(fragment.errors);
        for (key, value) in fragment.attributes {
            self.provenance.push((
                AttributePath::root()
                    .attr("rule")
                    .index(i as i64)
                    .attr("path")
                    .index(j as i64)
                    .attr(&key),
                annotation.to_string(),
            ));
            if let Value::Object(services) = &value {
                if key == "mirror" {
                    if let Some(service) = services.get("service").and_then(Value::as_str) {
                        self.services
                            .push((service.to_string(), annotation.to_string()));
                    }
                }
            }
            if key == "backend" {
                for backend in value.as_array().into_iter().flatten() {
                    if let Some(service) = backend["service"].as_str() {
                        self.services
                            .push((service.to_string(), annotation.to_string()));
                    }
                }
            }
            block.insert(key, value);
        }
    }

    /// `{service, port}` of a Service backend; a resource backend is reported.
    fn backend(&mut self, backend: &IngressBackend, field: &str) -> Option<Value> {
        let Some(service) = &backend.service else {
            self.found.todo(
                field.to_string(),
                "a resource backend (not a Service) has no equivalent",
            );
            return None;
        };
        let port = service
            .port
            .as_ref()
            .and_then(|p| p.number.map(|n| n.to_string()).or_else(|| p.name.clone()));
        let Some(port) = port else {
            self.found.error(
                format!("{field}.service.port"),
                "a Service backend needs a port number or name",
            );
            return None;
        };
        self.services
            .push((service.name.clone(), field.to_string()));
        if !port.chars().all(|c| c.is_ascii_digit()) {
            self.services
                .push((format!("{}#{port}", service.name), field.to_string()));
        }
        Some(json!({"service": service.name, "port": port}))
    }

    /// The `canary` block from the canary Ingress; returns its header line.
    fn canary(&mut self, plan: &CanaryPlan) -> String {
        let source = ingress_ref(plan.ingress);
        self.found.todos.extend(plan.todos.iter().cloned());
        let spec = plan.ingress.spec.clone().unwrap_or_default();
        let mut hosts = BTreeSet::new();
        let mut paths = BTreeSet::new();
        let mut backends: Vec<Value> = Vec::new();
        for (i, rule) in spec.rules.iter().flatten().enumerate() {
            if let Some(host) = &rule.host {
                hosts.insert(host.clone());
            }
            for (j, p) in rule.http.iter().flat_map(|h| h.paths.iter()).enumerate() {
                if let Some(path) = &p.path {
                    paths.insert(path.clone());
                }
                if let Some(backend) = self.backend(
                    &p.backend,
                    &format!("spec.rules[{i}].http.paths[{j}].backend"),
                ) {
                    if !backends.contains(&backend) {
                        backends.push(backend);
                    }
                }
            }
        }
        if backends.len() > 1 {
            self.found.todos.push(Finding::new(
                &source,
                "spec.rules",
                "a canary to several Services has no equivalent (canary.backend is one Service): only the first is carried",
            ));
        }
        let mut canary = json!({"backend": backends.first().cloned().unwrap_or(Value::Null)});
        if !hosts.is_empty() {
            canary["hosts"] = json!(hosts);
        }
        if !paths.is_empty() {
            canary["paths"] = json!(paths);
        }
        let mode = if let Some((name, value)) = &plan.canary.header {
            canary["header"] = match value {
                Some(v) => json!({"name": name, "value": v}),
                None => json!({"name": name}),
            };
            format!(
                "header {name}{}",
                value.as_ref().map(|v| format!("={v}")).unwrap_or_default()
            )
        } else if let Some(cookie) = &plan.canary.cookie {
            canary["cookie"] = json!(cookie);
            format!("cookie {cookie}")
        } else {
            let weight = plan.canary.weight.unwrap_or_default();
            canary["weight"] = json!(weight);
            format!("weight {weight}")
        };
        for annotation in &plan.canary.annotations {
            self.provenance.push((
                AttributePath::root().attr("canary").index(0),
                annotation.clone(),
            ));
        }
        self.body.insert("canary".into(), json!([canary]));
        format!("canary: {source} ({mode})")
    }

    /// `backend_defaults.member_mode` from the Services referenced; named ports checked.
    fn member_mode(&mut self, inventory: &Inventory, namespace: &str) {
        let mut modes: Vec<(String, &'static str)> = Vec::new();
        let mut seen = BTreeSet::new();
        for (reference, field) in std::mem::take(&mut self.services) {
            if !seen.insert(reference.clone()) {
                continue;
            }
            let (name, port_name) = match reference.split_once('#') {
                Some((name, port)) => (name.to_string(), Some(port.to_string())),
                None => (reference.clone(), None),
            };
            let Some(service) = inventory.service(namespace, &name) else {
                if port_name.is_none() {
                    self.found.todo(
                        field,
                        format!("Service {namespace}/{name} is not among the inputs: its member mode and port names are not checked"),
                    );
                }
                continue;
            };
            if let Some(port) = port_name {
                let has = service
                    .spec
                    .iter()
                    .flat_map(|s| s.ports.iter().flatten())
                    .any(|p| p.name.as_deref() == Some(port.as_str()));
                if !has {
                    self.found.error(
                        format!("{field}.service.port.name"),
                        format!("Service {namespace}/{name} has no port named `{port}`"),
                    );
                }
                continue;
            }
            self.service_annotations(service, namespace, &name);
            modes.push((name, mode_of(service)));
        }
        let Some((first, mode)) = modes.first().cloned() else {
            return;
        };
        for (name, other) in &modes[1..] {
            if *other != mode {
                self.found.todo(
                    "backend_defaults.member_mode",
                    format!(
                        "Services `{first}` ({mode}) and `{name}` ({other}) differ but member_mode is one per alb_ingress: `{mode}` is used"
                    ),
                );
            }
        }
        let defaults = self
            .body
            .entry("backend_defaults")
            .or_insert_with(|| json!({}));
        defaults["member_mode"] = json!(mode);
        self.provenance.push((
            AttributePath::root()
                .attr("backend_defaults")
                .attr("member_mode"),
            BACKEND_TYPE.to_string(),
        ));
    }

    /// Service annotations ACK reads that have no equivalent.
    fn service_annotations(&mut self, service: &Service, namespace: &str, name: &str) {
        let object = ObjectRef::namespaced("Service", namespace, name);
        for key in service.metadata.annotations.iter().flat_map(|a| a.keys()) {
            let suffix = key.strip_prefix(PREFIX).unwrap_or_default();
            if ["backend-label", "remove-unscheduled-backend"].contains(&suffix) {
                self.found.todos.push(Finding::new(
                    &object,
                    key.clone(),
                    "node filters have no equivalent: members in nodeport mode are every eligible node",
                ));
            }
        }
    }
}

/// ACK's member mode of a Service: pod IPs for `backend-type: eni` (and for ClusterIP Services,
/// which ACK serves only in ENI mode), nodes on the node port otherwise.
fn mode_of(service: &Service) -> &'static str {
    let eni = service
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(BACKEND_TYPE))
        .is_some_and(|v| v == "eni");
    let kind = service
        .spec
        .as_ref()
        .and_then(|s| s.type_.as_deref())
        .unwrap_or("ClusterIP");
    if eni || kind == "ClusterIP" {
        "ip"
    } else {
        "nodeport"
    }
}

/// Sets `value` at `path` below `root`, creating the objects on the way.
fn insert(root: &mut Map<String, Value>, path: &[&str], value: Value) {
    let (last, parents) = path.split_last().expect("settings have a path");
    let mut node = root;
    for step in parents {
        let next = node.entry(*step).or_insert_with(|| json!({}));
        if !next.is_object() {
            *next = json!({});
        }
        node = next.as_object_mut().expect("made an object");
    }
    match (node.get_mut(*last), value) {
        (Some(Value::Object(existing)), Value::Object(new)) => existing.extend(new),
        (_, value) => {
            node.insert((*last).to_string(), value);
        }
    }
}
