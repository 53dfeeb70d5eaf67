//! The objects `generate` reads, from YAML files (several documents per file, `kind: List`
//! included) or from a live cluster, sorted so that both give the same output.

use k8s_openapi::api::core::v1::Service;
use k8s_openapi::api::networking::v1::{Ingress, IngressClass};
use serde_json::Value;

use super::ObjectRef;

/// `apiVersion` of ACK's AlbConfig.
pub const ALB_CONFIG_API_VERSION: &str = "alibabacloud.com/v1";
/// `apiVersion` of Ingress and IngressClass.
pub const NETWORKING_API_VERSION: &str = "networking.k8s.io/v1";

/// The objects read, each kind sorted by namespace and name.
#[derive(Debug, Default)]
pub struct Inventory {
    /// AlbConfigs, kept as JSON: every field is looked at, known or not.
    pub alb_configs: Vec<Value>,
    /// IngressClasses.
    pub ingress_classes: Vec<IngressClass>,
    /// Ingresses.
    pub ingresses: Vec<Ingress>,
    /// Services.
    pub services: Vec<Service>,
    /// How many objects of other kinds were skipped.
    pub skipped: usize,
}

/// Where an input object came from, for messages.
fn origin(source: &str, index: usize) -> String {
    format!("{source} (document {})", index + 1)
}

impl Inventory {
    /// Reads the YAML documents of `text` (named `source` in messages) into the inventory.
    pub fn add_yaml(&mut self, source: &str, text: &str) -> Result<(), String> {
        let documents: Vec<Value> =
            serde_saphyr::from_multiple(text).map_err(|e| format!("{source}: not YAML: {e}"))?;
        for (index, document) in documents.into_iter().enumerate() {
            if document.is_null() {
                continue;
            }
            self.add_object(document)
                .map_err(|e| format!("{}: {e}", origin(source, index)))?;
        }
        Ok(())
    }

    /// Adds one object; a `…List` with `items` adds each item.
    pub fn add_object(&mut self, object: Value) -> Result<(), String> {
        let api_version = object["apiVersion"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let kind = object["kind"].as_str().unwrap_or_default().to_string();
        if kind.ends_with("List") && object["items"].is_array() {
            let Value::Array(items) = object["items"].clone() else {
                return Ok(());
            };
            for item in items {
                self.add_object(item)?;
            }
            return Ok(());
        }
        let name = object["metadata"]["name"]
            .as_str()
            .unwrap_or("<unnamed>")
            .to_string();
        let shape = |e: serde_json::Error| format!("{kind} {name}: unexpected shape: {e}");
        match (api_version.as_str(), kind.as_str()) {
            (ALB_CONFIG_API_VERSION, "AlbConfig") => self.alb_configs.push(object),
            (NETWORKING_API_VERSION, "IngressClass") => self
                .ingress_classes
                .push(serde_json::from_value(object).map_err(shape)?),
            (NETWORKING_API_VERSION, "Ingress") => self
                .ingresses
                .push(serde_json::from_value(object).map_err(shape)?),
            ("v1", "Service") => self
                .services
                .push(serde_json::from_value(object).map_err(shape)?),
            _ => self.skipped += 1,
        }
        Ok(())
    }

    /// Sorts every kind by namespace and name, so that the input order never matters.
    pub fn sort(&mut self) {
        self.alb_configs.sort_by(|a, b| {
            a["metadata"]["name"]
                .as_str()
                .cmp(&b["metadata"]["name"].as_str())
        });
        self.ingress_classes
            .sort_by(|a, b| a.metadata.name.cmp(&b.metadata.name));
        self.ingresses.sort_by_key(|i| ingress_ref(i).to_string());
        self.services.sort_by(|a, b| {
            (&a.metadata.namespace, &a.metadata.name)
                .cmp(&(&b.metadata.namespace, &b.metadata.name))
        });
    }

    /// The Service `name` of `namespace`.
    pub fn service(&self, namespace: &str, name: &str) -> Option<&Service> {
        self.services.iter().find(|s| {
            s.metadata.namespace.as_deref().unwrap_or("default") == namespace
                && s.metadata.name.as_deref() == Some(name)
        })
    }

    /// The IngressClass `name`.
    pub fn ingress_class(&self, name: &str) -> Option<&IngressClass> {
        self.ingress_classes
            .iter()
            .find(|c| c.metadata.name.as_deref() == Some(name))
    }

    /// The AlbConfig `name`.
    pub fn alb_config(&self, name: &str) -> Option<&Value> {
        self.alb_configs
            .iter()
            .find(|c| c.pointer("/metadata/name").and_then(Value::as_str) == Some(name))
    }
}

/// An Ingress as the object of findings (namespace `default` when unset, as kubectl applies it).
pub fn ingress_ref(ingress: &Ingress) -> ObjectRef {
    ObjectRef::namespaced(
        "Ingress",
        ingress.metadata.namespace.as_deref().unwrap_or("default"),
        ingress.metadata.name.as_deref().unwrap_or_default(),
    )
}

/// An AlbConfig as the object of findings.
pub fn alb_config_ref(config: &Value) -> ObjectRef {
    ObjectRef::cluster(
        "AlbConfig",
        config
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or_default(),
    )
}
