//! Pure member selection: from a Service, its EndpointSlices and the cluster's Nodes to the
//! members of one backend. No I/O; the [`crate::discover`] module feeds it what it read.

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::{Node, Service, ServicePort};
use k8s_openapi::api::discovery::v1::{Endpoint, EndpointSlice};
use model::desired::{Member, ServerType};
use model::expand::MemberRequest;
use model::spec::MemberMode;

use crate::error::BackendError;

/// Node labels that keep a node out of load balancer backends, as ACK's controllers honour them
/// (the label's presence excludes, whatever its value).
pub const EXCLUSION_LABELS: [&str; 4] = [
    "service.alibabacloud.com/exclude-node",
    "service.beta.kubernetes.io/exclude-node",
    "node.kubernetes.io/exclude-from-external-load-balancers",
    "alpha.service-controller.kubernetes.io/exclude-balancer",
];

/// Node-role labels of control-plane nodes, never members.
const CONTROL_PLANE_LABELS: [&str; 2] = [
    "node-role.kubernetes.io/control-plane",
    "node-role.kubernetes.io/master",
];

/// Taint the cluster autoscaler puts on a node it is about to delete.
const TO_BE_DELETED_TAINT: &str = "ToBeDeletedByClusterAutoscaler";

/// The label that ties an EndpointSlice to its Service.
pub const SERVICE_NAME_LABEL: &str = "kubernetes.io/service-name";

/// The members of one backend: `service` is `None` when the Service does not exist, `slices` are the
/// Service's EndpointSlices, `nodes` every node of the cluster (only read in nodeport mode).
pub fn members(
    request: &MemberRequest,
    service: Option<&Service>,
    slices: &[&EndpointSlice],
    nodes: &[Node],
) -> Result<Vec<Member>, BackendError> {
    let service = service.ok_or_else(|| BackendError::ServiceNotFound {
        namespace: request.namespace.clone(),
        service: request.service.clone(),
    })?;
    let port = service_port(request, service)?;
    let mut members = match request.mode {
        MemberMode::Ip => ip_members(port, slices, request.weight),
        MemberMode::NodePort => node_members(request, service, port, slices, nodes)?,
    };
    members.sort();
    members.dedup_by(|a, b| a.identity() == b.identity());
    Ok(members)
}

/// The Service port the backend names, by number (`"80"`) or by name (`"http"`).
pub fn service_port<'a>(
    request: &MemberRequest,
    service: &'a Service,
) -> Result<&'a ServicePort, BackendError> {
    let ports = service
        .spec
        .as_ref()
        .and_then(|spec| spec.ports.as_deref())
        .unwrap_or_default();
    let wanted: Option<i32> = request.port.parse().ok();
    ports
        .iter()
        .find(|p| match wanted {
            Some(number) => p.port == number,
            None => p.name.as_deref() == Some(request.port.as_str()),
        })
        .ok_or_else(|| BackendError::PortNotFound {
            namespace: request.namespace.clone(),
            service: request.service.clone(),
            port: request.port.clone(),
            available: ports.iter().map(describe_port).collect(),
        })
}

fn describe_port(port: &ServicePort) -> String {
    match port.name.as_deref().filter(|n| !n.is_empty()) {
        Some(name) => format!("{} ({name})", port.port),
        None => port.port.to_string(),
    }
}

/// One `Ip` member per ready IPv4 endpoint address, on the endpoint port the slice lists under the
/// Service port's name (so named and renumbered target ports resolve). Slices without that port,
/// and IPv6/FQDN slices (a dual-stack Service lists the same pods in both families; the Ip server
/// group takes one), are skipped.
pub fn ip_members(port: &ServicePort, slices: &[&EndpointSlice], weight: u32) -> Vec<Member> {
    let mut members = Vec::new();
    for slice in slices.iter().filter(|s| s.address_type == "IPv4") {
        let Some(target) = slice_port(slice, port) else {
            continue;
        };
        for endpoint in ready_endpoints(slice) {
            members.extend(endpoint.addresses.iter().map(|address| Member {
                server_id: address.clone(),
                ip: String::new(),
                port: target,
                weight,
                kind: ServerType::Ip,
            }));
        }
    }
    members
}

/// The endpoint port of `slice` for the Service port: the slice port with the same name (both
/// unnamed for a single-port Service).
fn slice_port(slice: &EndpointSlice, port: &ServicePort) -> Option<u16> {
    let name = port.name.as_deref().unwrap_or_default();
    slice
        .ports
        .as_deref()
        .unwrap_or_default()
        .iter()
        .find(|p| p.name.as_deref().unwrap_or_default() == name)
        .and_then(|p| p.port)
        .and_then(|p| u16::try_from(p).ok())
}

/// Endpoints that are ready (an unset `ready` counts as ready) and not terminating.
fn ready_endpoints(slice: &EndpointSlice) -> impl Iterator<Item = &Endpoint> {
    slice
        .endpoints
        .as_deref()
        .unwrap_or_default()
        .iter()
        .filter(|e| {
            let conditions = e.conditions.clone().unwrap_or_default();
            conditions.ready != Some(false) && conditions.terminating != Some(true)
        })
}

/// One `Ecs` member per eligible node on the Service port's `nodePort`; with
/// `externalTrafficPolicy: Local` only the nodes hosting a ready endpoint of the Service.
pub fn node_members(
    request: &MemberRequest,
    service: &Service,
    port: &ServicePort,
    slices: &[&EndpointSlice],
    nodes: &[Node],
) -> Result<Vec<Member>, BackendError> {
    let spec = service.spec.clone().unwrap_or_default();
    let service_type = spec.type_.as_deref().unwrap_or("ClusterIP");
    if !matches!(service_type, "NodePort" | "LoadBalancer") {
        return Err(BackendError::NotNodePort {
            namespace: request.namespace.clone(),
            service: request.service.clone(),
            service_type: service_type.to_string(),
        });
    }
    let node_port = port
        .node_port
        .and_then(|p| u16::try_from(p).ok())
        .ok_or_else(|| BackendError::NoNodePort {
            namespace: request.namespace.clone(),
            service: request.service.clone(),
            port: request.port.clone(),
        })?;
    let hosting: Option<BTreeSet<&str>> =
        (spec.external_traffic_policy.as_deref() == Some("Local")).then(|| {
            slices
                .iter()
                .flat_map(|s| ready_endpoints(s))
                .filter_map(|e| e.node_name.as_deref())
                .collect()
        });
    nodes
        .iter()
        .filter(|node| node_eligible(node) && node_selected(request, node))
        .filter(|node| {
            hosting
                .as_ref()
                .is_none_or(|names| names.contains(node_name(node)))
        })
        .map(|node| {
            Ok(Member {
                server_id: ecs_instance_id(request, node)?,
                ip: String::new(),
                port: node_port,
                weight: request.weight,
                kind: ServerType::Ecs,
            })
        })
        .collect()
}

fn node_name(node: &Node) -> &str {
    node.metadata.name.as_deref().unwrap_or_default()
}

/// A node may be a member: `Ready` is `True`, no exclusion label, no control-plane role, not being
/// deleted by the cluster autoscaler.
pub fn node_eligible(node: &Node) -> bool {
    let labels = node.metadata.labels.clone().unwrap_or_default();
    let ready = node
        .status
        .as_ref()
        .and_then(|s| s.conditions.as_deref())
        .unwrap_or_default()
        .iter()
        .any(|c| c.type_ == "Ready" && c.status == "True");
    let excluded = EXCLUSION_LABELS
        .iter()
        .chain(CONTROL_PLANE_LABELS.iter())
        .any(|label| labels.contains_key(*label));
    let to_be_deleted = node
        .spec
        .as_ref()
        .and_then(|s| s.taints.as_deref())
        .unwrap_or_default()
        .iter()
        .any(|t| t.key == TO_BE_DELETED_TAINT);
    ready && !excluded && !to_be_deleted
}

/// The node carries every label of the backend's `node_selector`.
fn node_selected(request: &MemberRequest, node: &Node) -> bool {
    let labels = node.metadata.labels.as_ref();
    request
        .node_selector
        .iter()
        .all(|(key, value)| labels.and_then(|l| l.get(key)) == Some(value))
}

/// The ECS instance id in `spec.providerID`: `<region>.<instance-id>` on ACK nodes. A leading
/// `alicloud://` is tolerated [INF: seen on self-managed clusters with the Alibaba cloud
/// controller; the client is tolerant, the instance id must still start with `i-`].
pub fn ecs_instance_id(request: &MemberRequest, node: &Node) -> Result<String, BackendError> {
    let provider_id = node
        .spec
        .as_ref()
        .and_then(|s| s.provider_id.as_deref())
        .unwrap_or_default();
    provider_id
        .trim_start_matches("alicloud://")
        .split_once('.')
        .map(|(_, instance)| instance)
        .filter(|instance| instance.starts_with("i-") && !instance.contains(['.', '/']))
        .map(str::to_string)
        .ok_or_else(|| BackendError::NodeWithoutEcsId {
            node: node_name(node).to_string(),
            provider_id: provider_id.to_string(),
            namespace: request.namespace.clone(),
            service: request.service.clone(),
        })
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::*;

    fn request(service: &str, port: &str, mode: MemberMode) -> MemberRequest {
        MemberRequest {
            key: format!("{service}:{port}"),
            namespace: "shop".into(),
            service: service.into(),
            port: port.into(),
            mode,
            weight: 100,
            node_selector: Default::default(),
            paths: Vec::new(),
        }
    }

    fn service(type_: &str, policy: &str, ports: Value) -> Service {
        serde_json::from_value(json!({
            "metadata": {"name": "web", "namespace": "shop"},
            "spec": {"type": type_, "externalTrafficPolicy": policy, "ports": ports},
        }))
        .unwrap()
    }

    fn web() -> Service {
        service(
            "NodePort",
            "Cluster",
            json!([
                {"name": "http", "port": 80, "targetPort": "web", "nodePort": 30080},
                {"name": "admin", "port": 9000, "targetPort": 9001, "nodePort": 30090},
            ]),
        )
    }

    /// An endpoint: address, node, `ready`/`terminating` (None = unset).
    fn endpoint(ip: &str, node: &str, ready: Option<bool>, terminating: Option<bool>) -> Value {
        let mut conditions = serde_json::Map::new();
        if let Some(r) = ready {
            conditions.insert("ready".into(), json!(r));
        }
        if let Some(t) = terminating {
            conditions.insert("terminating".into(), json!(t));
        }
        json!({"addresses": [ip], "nodeName": node, "conditions": conditions})
    }

    fn slice(name: &str, family: &str, ports: Value, endpoints: Vec<Value>) -> EndpointSlice {
        serde_json::from_value(json!({
            "metadata": {"name": name, "labels": {SERVICE_NAME_LABEL: "web"}},
            "addressType": family,
            "ports": ports,
            "endpoints": endpoints,
        }))
        .unwrap()
    }

    fn http_ports() -> Value {
        json!([{"name": "http", "port": 8080}, {"name": "admin", "port": 9001}])
    }

    fn node(name: &str, ready: &str, labels: Value, provider_id: &str) -> Node {
        serde_json::from_value(json!({
            "metadata": {"name": name, "labels": labels},
            "spec": {"providerID": provider_id},
            "status": {"conditions": [{"type": "Ready", "status": ready}]},
        }))
        .unwrap()
    }

    fn ready_node(name: &str, instance: &str) -> Node {
        node(name, "True", json!({}), &format!("cn-hangzhou.{instance}"))
    }

    /// The members of backend (`web`, `port`) in `mode`.
    fn of_web(
        port: &str,
        mode: MemberMode,
        service: &Service,
        slices: &[EndpointSlice],
        nodes: &[Node],
    ) -> Result<Vec<Member>, BackendError> {
        let refs: Vec<&EndpointSlice> = slices.iter().collect();
        members(&request("web", port, mode), Some(service), &refs, nodes)
    }

    fn ids(members: &[Member]) -> Vec<(String, u16)> {
        members
            .iter()
            .map(|m| (m.server_id.clone(), m.port))
            .collect()
    }

    #[test]
    fn ip_mode_takes_ready_endpoints_on_the_named_target_port() {
        let slices = [slice(
            "web-a",
            "IPv4",
            http_ports(),
            vec![
                endpoint("10.0.0.3", "n1", Some(true), Some(false)),
                endpoint("10.0.0.1", "n1", None, None),
                endpoint("10.0.0.2", "n2", Some(true), None),
            ],
        )];
        let got = of_web("80", MemberMode::Ip, &web(), &slices, &[]).unwrap();
        assert_eq!(
            ids(&got),
            vec![
                ("10.0.0.1".into(), 8080),
                ("10.0.0.2".into(), 8080),
                ("10.0.0.3".into(), 8080)
            ]
        );
        assert!(got
            .iter()
            .all(|m| m.kind == ServerType::Ip && m.weight == 100 && m.ip.is_empty()));
        // The same backend named by its port name.
        let by_name = of_web("http", MemberMode::Ip, &web(), &slices, &[]).unwrap();
        assert_eq!(by_name, got);
        // The other port of the same slices maps to its own target port.
        let admin = of_web("admin", MemberMode::Ip, &web(), &slices, &[]).unwrap();
        assert_eq!(admin.len(), 3);
        assert!(admin.iter().all(|m| m.port == 9001));
    }

    #[test]
    fn ip_mode_leaves_out_not_ready_and_terminating_and_collapses_duplicates() {
        let slices = [
            slice(
                "web-a",
                "IPv4",
                http_ports(),
                vec![
                    endpoint("10.0.0.1", "n1", Some(true), None),
                    endpoint("10.0.0.2", "n1", Some(false), None),
                    endpoint("10.0.0.3", "n2", Some(false), Some(true)),
                ],
            ),
            slice(
                "web-b",
                "IPv4",
                http_ports(),
                vec![
                    endpoint("10.0.0.1", "n1", Some(true), None),
                    endpoint("10.0.0.4", "n2", None, None),
                ],
            ),
            // The IPv6 family of a dual-stack Service, and a slice without the port: ignored.
            slice(
                "web-v6",
                "IPv6",
                http_ports(),
                vec![endpoint("fd00::1", "n1", None, None)],
            ),
            slice(
                "web-other",
                "IPv4",
                json!([{"name": "metrics", "port": 9100}]),
                vec![endpoint("10.0.0.9", "n1", None, None)],
            ),
        ];
        let got = of_web("80", MemberMode::Ip, &web(), &slices, &[]).unwrap();
        assert_eq!(
            ids(&got),
            vec![("10.0.0.1".into(), 8080), ("10.0.0.4".into(), 8080)]
        );
    }

    #[test]
    fn members_carry_the_requested_weight() {
        let slices = [slice(
            "web-a",
            "IPv4",
            http_ports(),
            vec![endpoint("10.0.0.1", "n1", None, None)],
        )];
        let refs: Vec<&EndpointSlice> = slices.iter().collect();
        let nodes = [ready_node("n1", "i-1")];
        for mode in [MemberMode::Ip, MemberMode::NodePort] {
            let light = MemberRequest {
                weight: 30,
                ..request("web", "80", mode)
            };
            let got = members(&light, Some(&web()), &refs, &nodes).unwrap();
            assert_eq!(got.len(), 1);
            assert_eq!(got[0].weight, 30, "{mode:?}");
        }
    }

    #[test]
    fn unnamed_single_port_matches_the_unnamed_slice_port() {
        let svc = service(
            "ClusterIP",
            "Cluster",
            json!([{"port": 80, "targetPort": 8000}]),
        );
        let slices = [slice(
            "web-a",
            "IPv4",
            json!([{"port": 8000}]),
            vec![endpoint("10.0.0.1", "n1", None, None)],
        )];
        let got = of_web("80", MemberMode::Ip, &svc, &slices, &[]).unwrap();
        assert_eq!(ids(&got), vec![("10.0.0.1".into(), 8000)]);
    }

    #[test]
    fn missing_service_and_missing_port_are_backend_errors() {
        let missing = members(&request("web", "80", MemberMode::Ip), None, &[], &[]);
        assert_eq!(
            missing,
            Err(BackendError::ServiceNotFound {
                namespace: "shop".into(),
                service: "web".into()
            })
        );
        let err = of_web("8443", MemberMode::Ip, &web(), &[], &[]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Service `shop/web` has no port `8443`; its ports are: 80 (http), 9000 (admin)"
        );
    }

    #[test]
    fn cluster_policy_takes_every_eligible_node_on_the_node_port() {
        let mut control_plane = ready_node("cp", "i-cp");
        control_plane.metadata.labels = Some(
            [(
                "node-role.kubernetes.io/control-plane".to_string(),
                String::new(),
            )]
            .into(),
        );
        let mut draining = ready_node("draining", "i-draining");
        draining.spec.as_mut().unwrap().taints = Some(vec![serde_json::from_value(
            json!({"key": "ToBeDeletedByClusterAutoscaler", "effect": "NoSchedule"}),
        )
        .unwrap()]);
        let mut nodes = vec![
            ready_node("n2", "i-2"),
            ready_node("n1", "i-1"),
            node("sick", "False", json!({}), "cn-hangzhou.i-sick"),
            node("unknown", "Unknown", json!({}), "cn-hangzhou.i-unknown"),
            control_plane,
            draining,
        ];
        for (i, label) in EXCLUSION_LABELS.iter().enumerate() {
            // Excluded nodes need no ECS id.
            nodes.push(node(&format!("x{i}"), "True", json!({*label: "true"}), ""));
        }
        let got = of_web("http", MemberMode::NodePort, &web(), &[], &nodes).unwrap();
        assert_eq!(
            ids(&got),
            vec![("i-1".into(), 30080), ("i-2".into(), 30080)]
        );
        assert!(got
            .iter()
            .all(|m| m.kind == ServerType::Ecs && m.ip.is_empty() && m.weight == 100));
    }

    #[test]
    fn node_selector_keeps_only_nodes_with_all_its_labels() {
        let pool = |name: &str, labels: Value| {
            node(name, "True", labels, &format!("cn-hangzhou.i-{name}"))
        };
        let nodes = [
            pool("a", json!({"pool": "web", "zone": "h"})),
            pool("b", json!({"pool": "web"})),
            pool("c", json!({"pool": "batch", "zone": "h"})),
            // Not selected, so its missing ECS id is no error.
            node(
                "kind-worker",
                "True",
                json!({}),
                "kind://docker/kind/kind-worker",
            ),
        ];
        let selected = |selector: &[(&str, &str)]| {
            let request = MemberRequest {
                node_selector: selector
                    .iter()
                    .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
                    .collect(),
                ..request("web", "http", MemberMode::NodePort)
            };
            members(&request, Some(&web()), &[], &nodes)
                .map(|m| m.into_iter().map(|m| m.server_id).collect::<Vec<_>>())
        };
        assert_eq!(
            selected(&[("pool", "web")]),
            Ok(vec!["i-a".into(), "i-b".into()])
        );
        assert_eq!(
            selected(&[("pool", "web"), ("zone", "h")]),
            Ok(vec!["i-a".into()])
        );
        assert_eq!(selected(&[("pool", "gpu")]), Ok(vec![]));
        assert!(
            selected(&[]).is_err(),
            "without a selector the kind node is a member"
        );
    }

    #[test]
    fn local_policy_keeps_only_nodes_with_a_ready_endpoint() {
        let svc = service(
            "LoadBalancer",
            "Local",
            json!([{"name": "http", "port": 80, "nodePort": 31000}]),
        );
        let slices = [slice(
            "web-a",
            "IPv4",
            json!([{"name": "http", "port": 8080}]),
            vec![
                endpoint("10.0.0.1", "n1", None, None),
                endpoint("10.0.0.2", "n1", Some(true), None),
                endpoint("10.0.0.3", "n3", Some(false), None),
            ],
        )];
        let nodes = [
            ready_node("n1", "i-1"),
            ready_node("n2", "i-2"),
            ready_node("n3", "i-3"),
        ];
        let got = of_web("80", MemberMode::NodePort, &svc, &slices, &nodes).unwrap();
        assert_eq!(ids(&got), vec![("i-1".into(), 31000)]);
    }

    #[test]
    fn nodeport_mode_refuses_cluster_ip_services_and_nodes_without_ecs_id() {
        let svc = service("ClusterIP", "Cluster", json!([{"port": 80}]));
        let err = of_web("80", MemberMode::NodePort, &svc, &[], &[]).unwrap_err();
        assert!(
            matches!(err, BackendError::NotNodePort { ref service_type, .. } if service_type == "ClusterIP")
        );

        let nodes = [
            ready_node("n1", "i-1"),
            node(
                "kind-worker",
                "True",
                json!({}),
                "kind://docker/kind/kind-worker",
            ),
        ];
        let err = of_web("80", MemberMode::NodePort, &web(), &[], &nodes).unwrap_err();
        assert_eq!(
            err,
            BackendError::NodeWithoutEcsId {
                node: "kind-worker".into(),
                provider_id: "kind://docker/kind/kind-worker".into(),
                namespace: "shop".into(),
                service: "web".into(),
            }
        );
        assert!(err.to_string().contains("node `kind-worker`"));
    }

    #[test]
    fn ecs_instance_ids_from_provider_ids() {
        let r = request("web", "80", MemberMode::NodePort);
        let id = |provider_id: &str| {
            ecs_instance_id(&r, &node("n", "True", json!({}), provider_id)).ok()
        };
        assert_eq!(id("cn-hangzhou.i-bp1abc"), Some("i-bp1abc".into()));
        assert_eq!(id("alicloud://cn-beijing.i-2ze0"), Some("i-2ze0".into()));
        assert_eq!(id("i-bp1abc"), None);
        assert_eq!(id("cn-hangzhou.eci-123"), None);
        assert_eq!(id(""), None);
    }
}
