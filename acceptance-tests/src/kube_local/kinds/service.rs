//! Services: defaults, validation, and the allocation of cluster IPs (from `10.96.0.0/12`) and
//! node ports (30000–32767) the real API server does, with allocated values kept on update
//! when the update leaves them out.
//!
//! Allocation is sequential (the real allocators pick at random) so runs are reproducible; the
//! values in use are read from the stored Services, so deleting a Service frees them.

use std::collections::{HashMap, HashSet};
use std::net::Ipv4Addr;

use serde_json::{json, Value};

use crate::kube_local::validation::{
    check_name, check_port_number, is_iana_service_name, FieldError, NameRule,
};

const TYPES: &[&str] = &["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"];
const PROTOCOLS: &[&str] = &["SCTP", "TCP", "UDP"];
const TRAFFIC_POLICIES: &[&str] = &["Cluster", "Local"];
/// The service CIDR (kind's and kubeadm's default).
const SERVICE_CIDR: (Ipv4Addr, u8) = (Ipv4Addr::new(10, 96, 0, 0), 12);
/// The node port range.
pub const NODE_PORTS: std::ops::RangeInclusive<i64> = 30000..=32767;

fn service_type(object: &Value) -> &str {
    object
        .pointer("/spec/type")
        .and_then(Value::as_str)
        .unwrap_or("ClusterIP")
}

/// Whether the type gets node ports.
fn needs_node_ports(object: &Value) -> bool {
    matches!(service_type(object), "NodePort" | "LoadBalancer")
}

fn needs_health_check_port(object: &Value) -> bool {
    service_type(object) == "LoadBalancer"
        && object.pointer("/spec/externalTrafficPolicy") == Some(&json!("Local"))
}

fn ports(object: &Value) -> Vec<Value> {
    object
        .pointer("/spec/ports")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

pub(super) fn defaults(object: &mut Value) {
    let spec = &mut object["spec"];
    if spec.get("type").is_none() {
        spec["type"] = json!("ClusterIP");
    }
    let external_name = spec["type"] == "ExternalName";
    if spec.get("sessionAffinity").is_none() {
        spec["sessionAffinity"] = json!("None");
    }
    if !external_name && spec.get("internalTrafficPolicy").is_none() {
        spec["internalTrafficPolicy"] = json!("Cluster");
    }
    if matches!(spec["type"].as_str(), Some("NodePort" | "LoadBalancer"))
        && spec.get("externalTrafficPolicy").is_none()
    {
        spec["externalTrafficPolicy"] = json!("Cluster");
    }
    if spec["type"] == "LoadBalancer" && spec.get("allocateLoadBalancerNodePorts").is_none() {
        spec["allocateLoadBalancerNodePorts"] = json!(true);
    }
    if let Some(ports) = spec.get_mut("ports").and_then(Value::as_array_mut) {
        for port in ports {
            if port.get("protocol").is_none() {
                port["protocol"] = json!("TCP");
            }
            if port.get("targetPort").is_none() {
                port["targetPort"] = port["port"].clone();
            }
        }
    }
}

pub(super) fn prepare_create(object: &mut Value) {
    object["status"] = json!({"loadBalancer": {}});
}

/// When an update moves a Service to a type without node ports and leaves the node ports as
/// they were, they are dropped (the strategy's `dropTypeDependentFields`).
pub(super) fn drop_type_dependent_fields(object: &mut Value, old: &Value) {
    if !needs_node_ports(old) || needs_node_ports(object) {
        return;
    }
    let old_ports: HashMap<i64, Value> = ports(old)
        .into_iter()
        .filter_map(|p| Some((p["port"].as_i64()?, p["nodePort"].clone())))
        .collect();
    if let Some(new_ports) = object
        .pointer_mut("/spec/ports")
        .and_then(Value::as_array_mut)
    {
        for port in new_ports {
            let unchanged = port["port"]
                .as_i64()
                .and_then(|n| old_ports.get(&n))
                .is_some_and(|old| *old == port["nodePort"]);
            if unchanged {
                port.as_object_mut().map(|p| p.remove("nodePort"));
            }
        }
    }
    let spec = object["spec"].as_object_mut();
    if let Some(spec) = spec {
        if spec.get("externalTrafficPolicy") == old["spec"].get("externalTrafficPolicy") {
            spec.remove("externalTrafficPolicy");
        }
        if spec.get("healthCheckNodePort") == old["spec"].get("healthCheckNodePort") {
            spec.remove("healthCheckNodePort");
        }
    }
}

pub(super) fn validate(object: &Value, old: Option<&Value>) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let spec = &object["spec"];
    let ty = service_type(object);
    if !TYPES.contains(&ty) {
        errors.push(FieldError::not_supported("spec.type", &spec["type"], TYPES));
        return errors;
    }
    if ty == "ExternalName" {
        if spec["externalName"].as_str().is_none_or(str::is_empty) {
            errors.push(FieldError::required("spec.externalName", ""));
        }
        return errors;
    }
    let headless = spec["clusterIP"] == "None";
    let ports = ports(object);
    if ports.is_empty() && !headless {
        errors.push(FieldError::required("spec.ports", ""));
    }
    let mut names = HashSet::new();
    let mut numbers = HashSet::new();
    for (i, port) in ports.iter().enumerate() {
        let at = |f: &str| format!("spec.ports[{i}].{f}");
        match port["name"].as_str().unwrap_or_default() {
            "" if ports.len() > 1 => errors.push(FieldError::required(at("name"), "")),
            "" => {}
            name => {
                check_name(&mut errors, &at("name"), name, NameRule::Dns1123Label);
                if !names.insert(name.to_string()) {
                    errors.push(FieldError::duplicate(at("name"), &port["name"]));
                }
            }
        }
        check_port_number(&mut errors, &at("port"), &port["port"]);
        let protocol = port["protocol"].as_str().unwrap_or_default();
        if !PROTOCOLS.contains(&protocol) {
            errors.push(FieldError::not_supported(
                at("protocol"),
                &port["protocol"],
                PROTOCOLS,
            ));
        }
        if !numbers.insert((port["port"].as_i64(), protocol.to_string())) {
            errors.push(FieldError::duplicate(format!("spec.ports[{i}]"), port));
        }
        match &port["targetPort"] {
            Value::String(name) if !is_iana_service_name(name) => errors.push(
                FieldError::invalid(
                    at("targetPort"),
                    &port["targetPort"],
                    "must contain at least one letter (a-z), only lower-case alpha-numeric characters (a-z, 0-9) and hyphens (-), no two consecutive hyphens, and at most 15 characters",
                ),
            ),
            Value::String(_) => {}
            number => check_port_number(&mut errors, &at("targetPort"), number),
        }
        if port.get("nodePort").is_some_and(|n| !n.is_null()) && !needs_node_ports(object) {
            errors.push(FieldError::forbidden(
                at("nodePort"),
                format!("may not be used when `type` is '{ty}'"),
            ));
        }
    }
    if let Some(policy) = spec.get("externalTrafficPolicy").filter(|p| !p.is_null()) {
        if !needs_node_ports(object) {
            errors.push(FieldError::invalid(
                "spec.externalTrafficPolicy",
                policy,
                "may only be set when `type` is 'NodePort' or 'LoadBalancer'",
            ));
        } else if !TRAFFIC_POLICIES.contains(&policy.as_str().unwrap_or_default()) {
            errors.push(FieldError::not_supported(
                "spec.externalTrafficPolicy",
                policy,
                TRAFFIC_POLICIES,
            ));
        }
    }
    if let Some(old) = old {
        let before = &old["spec"]["clusterIP"];
        let now = &spec["clusterIP"];
        if before.as_str().is_some_and(|b| !b.is_empty())
            && now.as_str().is_some_and(|n| !n.is_empty())
            && before != now
            && service_type(old) != "ExternalName"
        {
            errors.push(FieldError::invalid(
                "spec.clusterIPs[0]",
                &json!([now]),
                "may not change once set",
            ));
        }
    }
    errors
}

fn in_service_cidr(ip: Ipv4Addr) -> bool {
    let (base, bits) = SERVICE_CIDR;
    let mask = u32::MAX << (32 - bits);
    u32::from(ip) & mask == u32::from(base) & mask
}

fn allocate_ip(used: &HashSet<String>) -> Option<String> {
    let (base, bits) = SERVICE_CIDR;
    let first = u32::from(base) + 1;
    let last = u32::from(base) + (1u32 << (32 - bits)) - 2;
    (first..=last)
        .map(|n| Ipv4Addr::from(n).to_string())
        .find(|ip| !used.contains(ip))
}

fn allocate_port(used: &HashSet<i64>) -> Option<i64> {
    NODE_PORTS.clone().find(|p| !used.contains(p))
}

/// Fills and checks cluster IP, node ports and health check node port. `others` are the other
/// stored Services (their IPs and ports are taken); `old` is the stored Service on update.
pub fn allocate(object: &mut Value, old: Option<&Value>, others: &[&Value]) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if service_type(object) == "ExternalName" {
        if let Some(spec) = object["spec"].as_object_mut() {
            for field in ["clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy"] {
                spec.remove(field);
            }
        }
        return errors;
    }
    let used_ips: HashSet<String> = others
        .iter()
        .filter_map(|s| s.pointer("/spec/clusterIP").and_then(Value::as_str))
        .map(str::to_string)
        .collect();
    let mut ip = object["spec"]["clusterIP"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    if ip.is_empty() {
        ip = old
            .filter(|o| service_type(o) != "ExternalName")
            .and_then(|o| o.pointer("/spec/clusterIP").and_then(Value::as_str))
            .map(str::to_string)
            .unwrap_or_default();
    }
    let unchanged = old.and_then(|o| o.pointer("/spec/clusterIP")) == Some(&json!(ip));
    if ip.is_empty() {
        match allocate_ip(&used_ips) {
            Some(fresh) => ip = fresh,
            None => errors.push(FieldError::invalid(
                "spec.clusterIPs",
                &json!([]),
                "failed to allocate IP: range is full",
            )),
        }
    } else if ip != "None" && !unchanged {
        match ip.parse::<Ipv4Addr>() {
            Ok(addr) if !in_service_cidr(addr) => errors.push(FieldError::invalid(
                "spec.clusterIPs[0]",
                &json!(ip),
                "failed to allocate IP: the provided IP is not in the valid range. The range of valid IPs is 10.96.0.0/12",
            )),
            Ok(_) if used_ips.contains(&ip) => errors.push(FieldError::invalid(
                "spec.clusterIPs[0]",
                &json!(ip),
                format!("failed to allocate IP {ip}: provided IP is already allocated"),
            )),
            Ok(_) => {}
            Err(_) => errors.push(FieldError::invalid(
                "spec.clusterIPs[0]",
                &json!(ip),
                "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)",
            )),
        }
    }
    let spec = &mut object["spec"];
    spec["clusterIP"] = json!(ip);
    spec["clusterIPs"] = json!([ip]);
    spec["ipFamilies"] = json!(["IPv4"]);
    spec["ipFamilyPolicy"] = json!("SingleStack");
    if needs_node_ports(object) {
        allocate_node_ports(object, old, others, &mut errors);
    }
    errors
}

fn node_ports_of(service: &Value) -> impl Iterator<Item = i64> + '_ {
    ports(service)
        .into_iter()
        .filter_map(|p| p["nodePort"].as_i64())
        .chain(
            service
                .pointer("/spec/healthCheckNodePort")
                .and_then(Value::as_i64),
        )
}

fn allocate_node_ports(
    object: &mut Value,
    old: Option<&Value>,
    others: &[&Value],
    errors: &mut Vec<FieldError>,
) {
    let mut used: HashSet<i64> = others.iter().flat_map(|s| node_ports_of(s)).collect();
    let old_ports: Vec<Value> = old
        .filter(|o| needs_node_ports(o))
        .map(ports)
        .unwrap_or_default();
    let kept: HashSet<i64> = old
        .filter(|o| needs_node_ports(o))
        .map(|o| node_ports_of(o).collect())
        .unwrap_or_default();
    let mut claimed = HashSet::new();
    let Some(new_ports) = object
        .pointer_mut("/spec/ports")
        .and_then(Value::as_array_mut)
    else {
        return;
    };
    // Ports that keep or ask for a node port first, so a fresh one never takes theirs.
    for (i, port) in new_ports.iter_mut().enumerate() {
        if port["nodePort"].is_null() {
            // [INF] an update that omits a node port keeps the one allocated to the old port
            // with the same number and protocol.
            if let Some(previous) = old_ports
                .iter()
                .find(|o| o["port"] == port["port"] && o["protocol"] == port["protocol"])
                .and_then(|o| o["nodePort"].as_i64())
            {
                port["nodePort"] = json!(previous);
            }
        }
        let Some(n) = port["nodePort"].as_i64() else {
            continue;
        };
        let field = format!("spec.ports[{i}].nodePort");
        if !NODE_PORTS.contains(&n) {
            errors.push(FieldError::invalid(
                field,
                &json!(n),
                "provided port is not in the valid range. The range of valid ports is 30000-32767",
            ));
        } else if used.contains(&n) && !kept.contains(&n) {
            errors.push(FieldError::invalid(
                field,
                &json!(n),
                "provided port is already allocated",
            ));
        } else if !claimed.insert((n, port["protocol"].clone().to_string())) {
            errors.push(FieldError::duplicate(field, &json!(n)));
        }
    }
    used.extend(claimed.iter().map(|(n, _)| *n));
    for port in new_ports.iter_mut().filter(|p| p["nodePort"].is_null()) {
        match allocate_port(&used) {
            Some(n) => {
                used.insert(n);
                port["nodePort"] = json!(n);
            }
            None => errors.push(FieldError::invalid(
                "spec.ports",
                &json!([]),
                "failed to allocate a nodePort: range is full",
            )),
        }
    }
    if needs_health_check_port(object) && object["spec"]["healthCheckNodePort"].is_null() {
        let previous = old
            .and_then(|o| o.pointer("/spec/healthCheckNodePort"))
            .and_then(Value::as_i64);
        if let Some(n) = previous.or_else(|| allocate_port(&used)) {
            object["spec"]["healthCheckNodePort"] = json!(n);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn svc(ty: &str, ports: Value) -> Value {
        let mut s = json!({"metadata": {"name": "s"}, "spec": {"type": ty, "ports": ports}});
        defaults(&mut s);
        s
    }

    #[test]
    fn node_ports_are_allocated_kept_and_refused_when_taken() {
        let mut first = svc("NodePort", json!([{"name": "http", "port": 80}]));
        assert!(allocate(&mut first, None, &[]).is_empty());
        assert_eq!(first["spec"]["ports"][0]["nodePort"], 30000);
        assert_eq!(first["spec"]["clusterIP"], "10.96.0.1");

        let mut second = svc(
            "LoadBalancer",
            json!([{"name": "a", "port": 80}, {"name": "b", "port": 81, "nodePort": 30001}]),
        );
        assert!(allocate(&mut second, None, &[&first]).is_empty());
        assert_eq!(second["spec"]["ports"][0]["nodePort"], 30002);
        assert_eq!(second["spec"]["clusterIP"], "10.96.0.2");

        let mut update = svc("NodePort", json!([{"name": "http", "port": 80}]));
        assert!(allocate(&mut update, Some(&first), &[&second]).is_empty());
        assert_eq!(update["spec"]["ports"][0]["nodePort"], 30000);
        assert_eq!(update["spec"]["clusterIP"], "10.96.0.1");

        let mut clash = svc("NodePort", json!([{"port": 80, "nodePort": 30000}]));
        let errors = allocate(&mut clash, None, &[&first]);
        assert_eq!(
            errors[0].to_string(),
            "spec.ports[0].nodePort: Invalid value: 30000: provided port is already allocated"
        );
    }

    #[test]
    fn validation_reads_like_the_api_server() {
        let s = svc(
            "ClusterIP",
            json!([{"port": 80, "nodePort": 30000}, {"port": 0}]),
        );
        let text: Vec<String> = validate(&s, None).iter().map(ToString::to_string).collect();
        assert!(
            text.contains(&"spec.ports[0].name: Required value".to_string()),
            "{text:?}"
        );
        assert!(text.contains(
            &"spec.ports[1].port: Invalid value: 0: must be between 1 and 65535, inclusive"
                .to_string()
        ));
        assert!(text.contains(
            &"spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"
                .to_string()
        ));
    }
}
