//! EndpointSlices (`discovery.k8s.io/v1`): address type, up to 1000 endpoints of 1–100
//! addresses each, up to 100 ports with unique names; `addressType` is immutable.

use std::collections::HashSet;
use std::net::{Ipv4Addr, Ipv6Addr};

use serde_json::{json, Value};

use crate::kube_local::validation::{check_name, check_port_number, FieldError, NameRule};

const ADDRESS_TYPES: &[&str] = &["FQDN", "IPv4", "IPv6"];
const PROTOCOLS: &[&str] = &["SCTP", "TCP", "UDP"];

pub(super) fn defaults(object: &mut Value) {
    if let Some(ports) = object.get_mut("ports").and_then(Value::as_array_mut) {
        for port in ports {
            if port.get("protocol").is_none() {
                port["protocol"] = json!("TCP");
            }
            if port.get("name").is_none() {
                port["name"] = json!("");
            }
        }
    }
}

fn check_address(errors: &mut Vec<FieldError>, field: String, address_type: &str, value: &Value) {
    let text = value.as_str().unwrap_or_default();
    let problem = match address_type {
        "IPv4" if text.parse::<Ipv4Addr>().is_err() => Some("must be a valid IPv4 address"),
        "IPv6" if text.parse::<Ipv6Addr>().is_err() => Some("must be a valid IPv6 address"),
        "FQDN" if text.is_empty() || text.len() > 253 => Some("must be a valid FQDN"),
        _ => None,
    };
    if let Some(problem) = problem {
        errors.push(FieldError::invalid(field, value, problem));
    }
}

pub(super) fn validate(object: &Value, old: Option<&Value>) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let address_type = object["addressType"].as_str().unwrap_or_default();
    match &object["addressType"] {
        Value::Null => errors.push(FieldError::required("addressType", "")),
        v if !ADDRESS_TYPES.contains(&address_type) => {
            errors.push(FieldError::not_supported("addressType", v, ADDRESS_TYPES))
        }
        _ => {}
    }
    if let Some(old) = old {
        if old["addressType"] != object["addressType"] {
            errors.push(FieldError::invalid(
                "addressType",
                &object["addressType"],
                "field is immutable",
            ));
        }
    }
    let endpoints = object["endpoints"].as_array().cloned().unwrap_or_default();
    if endpoints.len() > 1000 {
        errors.push(FieldError::too_many("endpoints", endpoints.len(), 1000));
    }
    for (i, endpoint) in endpoints.iter().enumerate() {
        let addresses = endpoint["addresses"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if addresses.is_empty() {
            errors.push(FieldError::required(
                format!("endpoints[{i}].addresses"),
                "must contain at least 1 address",
            ));
        } else if addresses.len() > 100 {
            errors.push(FieldError::too_many(
                format!("endpoints[{i}].addresses"),
                addresses.len(),
                100,
            ));
        }
        for (j, address) in addresses.iter().enumerate() {
            check_address(
                &mut errors,
                format!("endpoints[{i}].addresses[{j}]"),
                address_type,
                address,
            );
        }
        if let Some(node) = endpoint["nodeName"].as_str() {
            check_name(
                &mut errors,
                &format!("endpoints[{i}].nodeName"),
                node,
                NameRule::Dns1123Subdomain,
            );
        }
        if let Some(host) = endpoint["hostname"].as_str() {
            check_name(
                &mut errors,
                &format!("endpoints[{i}].hostname"),
                host,
                NameRule::Dns1123Label,
            );
        }
    }
    let ports = object["ports"].as_array().cloned().unwrap_or_default();
    if ports.len() > 100 {
        errors.push(FieldError::too_many("ports", ports.len(), 100));
    }
    let mut names = HashSet::new();
    for (i, port) in ports.iter().enumerate() {
        let name = port["name"].as_str().unwrap_or_default();
        if !name.is_empty() {
            check_name(
                &mut errors,
                &format!("ports[{i}].name"),
                name,
                NameRule::Dns1123Label,
            );
        }
        if !names.insert(name.to_string()) {
            errors.push(FieldError::duplicate(
                format!("ports[{i}].name"),
                &port["name"],
            ));
        }
        let protocol = port["protocol"].as_str().unwrap_or_default();
        if !PROTOCOLS.contains(&protocol) {
            errors.push(FieldError::not_supported(
                format!("ports[{i}].protocol"),
                &port["protocol"],
                PROTOCOLS,
            ));
        }
        if let Some(number) = port.get("port").filter(|p| !p.is_null()) {
            check_port_number(&mut errors, &format!("ports[{i}].port"), number);
        }
    }
    errors
}
