//! The resource types kube-local serves, with the facts about each that the real API server's
//! registry strategies decide (scope, status subresource, create-on-update, field labels), and
//! the discovery documents built from them.

use serde_json::{json, Value};

/// One served resource type.
#[derive(Debug, PartialEq, Eq)]
pub struct ResourceType {
    /// API group, `""` for the core group.
    pub group: &'static str,
    /// API version inside the group.
    pub version: &'static str,
    /// Lower-case plural used in URLs (`services`).
    pub plural: &'static str,
    /// Kind (`Service`).
    pub kind: &'static str,
    /// Singular name (`service`).
    pub singular: &'static str,
    /// Whether objects live in a namespace.
    pub namespaced: bool,
    /// Whether `.status` is written only through the `/status` subresource.
    pub status_subresource: bool,
    /// Whether `PUT` of a missing object creates it (the strategy's `AllowCreateOnUpdate`).
    pub create_on_update: bool,
    /// Whether `DELETE` answers with the object instead of a `Status`.
    pub delete_returns_object: bool,
    /// Field selector labels beyond `metadata.name`/`metadata.namespace`, with the JSON pointer
    /// of the value they select on.
    pub field_labels: &'static [(&'static str, &'static str)],
    /// Short names listed in discovery.
    pub short_names: &'static [&'static str],
}

impl ResourceType {
    /// `v1` or `discovery.k8s.io/v1`.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_string()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// `ServiceList`.
    pub fn list_kind(&self) -> String {
        format!("{}List", self.kind)
    }

    /// The JSON pointer a field selector label selects on, if this type supports the label.
    pub fn field_pointer(&self, label: &str) -> Option<&'static str> {
        match label {
            "metadata.name" => Some("/metadata/name"),
            "metadata.namespace" => Some("/metadata/namespace"),
            _ => self
                .field_labels
                .iter()
                .find(|(name, _)| *name == label)
                .map(|(_, pointer)| *pointer),
        }
    }
}

/// Every served type, in discovery order.
pub static RESOURCES: &[ResourceType] = &[
    ResourceType {
        group: "",
        version: "v1",
        plural: "namespaces",
        kind: "Namespace",
        singular: "namespace",
        namespaced: false,
        status_subresource: true,
        create_on_update: false,
        delete_returns_object: true,
        field_labels: &[("status.phase", "/status/phase")],
        short_names: &["ns"],
    },
    ResourceType {
        group: "",
        version: "v1",
        plural: "services",
        kind: "Service",
        singular: "service",
        namespaced: true,
        status_subresource: true,
        // [INF] the service strategy's AllowCreateOnUpdate is read as true.
        create_on_update: true,
        delete_returns_object: false,
        field_labels: &[
            ("spec.clusterIP", "/spec/clusterIP"),
            ("spec.type", "/spec/type"),
        ],
        short_names: &["svc"],
    },
    ResourceType {
        group: "",
        version: "v1",
        plural: "nodes",
        kind: "Node",
        singular: "node",
        namespaced: false,
        status_subresource: true,
        create_on_update: false,
        delete_returns_object: false,
        field_labels: &[("spec.unschedulable", "/spec/unschedulable")],
        short_names: &["no"],
    },
    ResourceType {
        group: "",
        version: "v1",
        plural: "pods",
        kind: "Pod",
        singular: "pod",
        namespaced: true,
        status_subresource: true,
        create_on_update: false,
        delete_returns_object: true,
        field_labels: &[
            ("spec.nodeName", "/spec/nodeName"),
            ("spec.restartPolicy", "/spec/restartPolicy"),
            ("spec.schedulerName", "/spec/schedulerName"),
            ("spec.serviceAccountName", "/spec/serviceAccountName"),
            ("status.phase", "/status/phase"),
            ("status.podIP", "/status/podIP"),
            ("status.nominatedNodeName", "/status/nominatedNodeName"),
        ],
        short_names: &["po"],
    },
    ResourceType {
        group: "discovery.k8s.io",
        version: "v1",
        plural: "endpointslices",
        kind: "EndpointSlice",
        singular: "endpointslice",
        namespaced: true,
        status_subresource: false,
        create_on_update: true,
        delete_returns_object: false,
        field_labels: &[],
        short_names: &[],
    },
    ResourceType {
        group: "coordination.k8s.io",
        version: "v1",
        plural: "leases",
        kind: "Lease",
        singular: "lease",
        namespaced: true,
        status_subresource: false,
        create_on_update: true,
        delete_returns_object: false,
        field_labels: &[],
        short_names: &[],
    },
    ResourceType {
        group: "networking.k8s.io",
        version: "v1",
        plural: "ingressclasses",
        kind: "IngressClass",
        singular: "ingressclass",
        namespaced: false,
        status_subresource: false,
        create_on_update: false,
        delete_returns_object: false,
        field_labels: &[],
        short_names: &[],
    },
    ResourceType {
        group: "networking.k8s.io",
        version: "v1",
        plural: "ingresses",
        kind: "Ingress",
        singular: "ingress",
        namespaced: true,
        status_subresource: true,
        create_on_update: false,
        delete_returns_object: false,
        field_labels: &[],
        short_names: &["ing"],
    },
    // ACK's custom resource (alibaba-load-balancer-controller's CRD: cluster-scoped, status
    // subresource); a custom resource's DELETE answers with the object.
    ResourceType {
        group: "alibabacloud.com",
        version: "v1",
        plural: "albconfigs",
        kind: "AlbConfig",
        singular: "albconfig",
        namespaced: false,
        status_subresource: true,
        create_on_update: false,
        delete_returns_object: true,
        field_labels: &[],
        short_names: &[],
    },
];

/// The served type for a group, version and plural.
pub fn find(group: &str, version: &str, plural: &str) -> Option<&'static ResourceType> {
    RESOURCES
        .iter()
        .find(|r| r.group == group && r.version == version && r.plural == plural)
}

/// The served type of a kind.
pub fn by_kind(kind: &str) -> &'static ResourceType {
    RESOURCES
        .iter()
        .find(|r| r.kind == kind)
        .expect("kinds named in code are served")
}

/// Whether a group/version is served at all.
pub fn serves_group_version(group: &str, version: &str) -> bool {
    RESOURCES
        .iter()
        .any(|r| r.group == group && r.version == version)
}

fn named_groups() -> Vec<&'static str> {
    let mut groups: Vec<&'static str> = Vec::new();
    for r in RESOURCES.iter().filter(|r| !r.group.is_empty()) {
        if !groups.contains(&r.group) {
            groups.push(r.group);
        }
    }
    groups
}

/// `GET /version`.
pub fn version_info() -> Value {
    json!({
        "major": "1",
        "minor": "37",
        "emulationMajor": "1",
        "emulationMinor": "37",
        "minCompatibilityMajor": "1",
        "minCompatibilityMinor": "36",
        "gitVersion": "v1.37.0-kube-local",
        "gitCommit": "0000000000000000000000000000000000000000",
        "gitTreeState": "clean",
        "buildDate": "2026-01-01T00:00:00Z",
        "goVersion": "go1.25.0",
        "compiler": "gc",
        "platform": "linux/amd64"
    })
}

/// `GET /api`.
pub fn core_versions(server_address: &str) -> Value {
    json!({
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}]
    })
}

/// `GET /apis`.
pub fn group_list() -> Value {
    let groups: Vec<Value> = named_groups()
        .into_iter()
        .map(|group| {
            let version = RESOURCES
                .iter()
                .find(|r| r.group == group)
                .map(|r| r.version)
                .unwrap_or("v1");
            let gv = json!({"groupVersion": format!("{group}/{version}"), "version": version});
            json!({"name": group, "versions": [gv.clone()], "preferredVersion": gv})
        })
        .collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

/// `GET /apis/{group}`.
pub fn group(group: &str) -> Option<Value> {
    group_list()["groups"]
        .as_array()?
        .iter()
        .find(|g| g["name"] == group)
        .map(|g| {
            let mut g = g.clone();
            g["kind"] = json!("APIGroup");
            g["apiVersion"] = json!("v1");
            g
        })
}

/// `GET /api/v1` or `GET /apis/{group}/{version}`.
pub fn resource_list(group: &str, version: &str) -> Value {
    let mut resources = Vec::new();
    for r in RESOURCES
        .iter()
        .filter(|r| r.group == group && r.version == version)
    {
        resources.push(json!({
            "name": r.plural,
            "singularName": r.singular,
            "namespaced": r.namespaced,
            "kind": r.kind,
            "verbs": ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
            "shortNames": r.short_names,
        }));
        if r.status_subresource {
            resources.push(json!({
                "name": format!("{}/status", r.plural),
                "singularName": "",
                "namespaced": r.namespaced,
                "kind": r.kind,
                "verbs": ["get", "patch", "update"],
            }));
        }
    }
    let group_version = if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    };
    json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version, "resources": resources})
}
