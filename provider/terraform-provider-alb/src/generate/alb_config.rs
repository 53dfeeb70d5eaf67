//! An `alb_config` from an AlbConfig (`spec.config`, `spec.listeners[]`), field for field as
//! docs/guides/ack-annotations.md lists them; fields without an equivalent are reported.

use serde_json::{json, Map, Value};

use super::custom::text;
use super::groups::ConfigPlan;
use super::inventory::{alb_config_ref, ALB_CONFIG_API_VERSION};
use super::render::{Resource, ResourceType};
use super::{Finding, Findings, Options};

/// `spec.config` fields copied as they are: (AlbConfig field, attribute).
const PLAIN: &[(&str, &str)] = &[
    ("addressType", "address_type"),
    ("edition", "edition"),
    ("addressIpVersion", "address_ip_version"),
    ("addressAllocatedMode", "address_allocated_mode"),
    ("resourceGroupId", "resource_group_id"),
    ("deletionProtectionEnabled", "deletion_protection"),
];

/// `spec.config` fields without an equivalent, with the reason.
const NOT_CARRIED: &[(&str, &str)] = &[
    (
        "forceOverride",
        "reuse-mode overrides have no equivalent: the imported load balancer is managed whole",
    ),
    (
        "listenerForceOverride",
        "reuse-mode overrides have no equivalent: every listener of an alb_config is managed",
    ),
    ("ipv6AddressType", "no equivalent yet"),
    ("modificationProtectionConfig", "no equivalent yet"),
];

/// `xForwardedForConfig` switches: (lower-cased AlbConfig key, attribute).
const X_FORWARDED_FOR: &[(&str, &str)] = &[
    ("xforwardedforenabled", "client_ip"),
    ("xforwardedforprotoenabled", "proto"),
    ("xforwardedforslbidenabled", "slb_id"),
    ("xforwardedforslbportenabled", "slb_port"),
    ("xforwardedforclientsrcportenabled", "client_src_port"),
    ("xforwardedforhostenabled", "host"),
    (
        "xforwardedforclientsourceipsenabled",
        "client_source_ips_enabled",
    ),
    (
        "xforwardedforclientsourceipstrusted",
        "client_source_ips_trusted",
    ),
    (
        "xforwardedforclientcertsubjectdnenabled",
        "client_cert_subject_dn",
    ),
    (
        "xforwardedforclientcertissuerdnenabled",
        "client_cert_issuer_dn",
    ),
    (
        "xforwardedforclientcertfingerprintenabled",
        "client_cert_fingerprint",
    ),
    (
        "xforwardedforclientcertclientverifyenabled",
        "client_cert_client_verify",
    ),
];

/// The `alb_config` of one AlbConfig.
pub fn build(plan: &ConfigPlan, options: &Options) -> Result<Resource, Vec<Finding>> {
    let object = alb_config_ref(plan.object);
    let mut b = Builder {
        found: Findings::new(&object),
    };
    let config = &plan.object["spec"]["config"];
    let mut body = Map::new();
    let mut header = vec![format!("{object} ({ALB_CONFIG_API_VERSION})")];
    match config["name"].as_str() {
        Some(name) => {
            body.insert("name".into(), json!(name));
        }
        None => {
            body.insert("name".into(), json!(object.name));
            header.push(
                "name: spec.config.name is unset (ACK named the load balancer itself); this uses the AlbConfig's name"
                    .into(),
            );
        }
    }
    let mut references = Vec::new();
    match &options.vpc_id {
        Some(vpc) => {
            body.insert("vpc_id".into(), json!(vpc));
        }
        None => references.push(("vpc_id", vec!["var".to_string(), "vpc_id".to_string()])),
    }
    for (field, attr) in PLAIN {
        if let Some(v) = config.get(*field).filter(|v| !v.is_null()) {
            body.insert((*attr).into(), v.clone());
        }
    }
    let import_id = config["id"]
        .as_str()
        .or_else(|| plan.object["status"]["loadBalancer"]["id"].as_str())
        .filter(|id| !id.is_empty())
        .map(str::to_string);
    if import_id.is_some() && !body.contains_key("deletion_protection") {
        // ACK turns deletion protection on for the load balancers it creates.
        body.insert("deletion_protection".into(), json!(true));
        header.push(
            "deletion_protection = true: ACK enables it on the load balancers it creates (set false if this one has it off)"
                .into(),
        );
    }
    if let Some(id) = &import_id {
        // The import takes the load balancer over from ACK: listeners, rules and server groups.
        body.insert("adopt".into(), json!(model::takeover::Adopt::Ack.as_str()));
        header.push(format!(
            "imported: load balancer {id} (from the AlbConfig's {})",
            if config["id"].is_string() {
                "spec.config.id"
            } else {
                "status"
            }
        ));
    }
    if let Some(id) = config["billingConfig"]["bandWidthPackageId"].as_str() {
        body.insert("bandwidth_package_id".into(), json!(id));
    }
    if let Some(billing) = config["billingConfig"].as_object() {
        for key in billing
            .keys()
            .filter(|k| !["bandWidthPackageId", "payType"].contains(&k.as_str()))
        {
            b.found.todo(
                format!("spec.config.billingConfig.{key}"),
                "no equivalent (reserved in ACK)",
            );
        }
    }
    if let Some(tags) = config["tags"].as_array() {
        let map: Map<String, Value> = tags
            .iter()
            .map(|t| (text(&t["key"]), json!(text(&t["value"]))))
            .collect();
        body.insert("tags".into(), Value::Object(map));
    }
    if let Some(log) = config["accessLogConfig"].as_object() {
        body.insert(
            "access_log".into(),
            json!({"project": text(&log["logProject"]), "logstore": text(&log["logStore"])}),
        );
    }
    body.insert(
        "zone_mapping".into(),
        b.zone_mappings(&config["zoneMappings"]),
    );
    for (field, reason) in NOT_CARRIED {
        if config.get(*field).is_some_and(|v| !v.is_null()) {
            b.found.todo(format!("spec.config.{field}"), *reason);
        }
    }
    body.insert("listener".into(), b.listeners(plan.object));
    b.found.finish(|todos| Resource {
        kind: ResourceType::AlbConfig,
        source: object.clone(),
        name: plan.tf_name.clone(),
        header,
        body: Value::Object(body),
        references,
        import_id,
        todos,
        provenance: Vec::new(),
    })
}

struct Builder {
    found: Findings,
}

impl Builder {
    fn zone_mappings(&mut self, mappings: &Value) -> Value {
        let mut out = Vec::new();
        for (i, m) in mappings.as_array().into_iter().flatten().enumerate() {
            let Some(zone) = m["zoneId"].as_str() else {
                self.found.error(
                    format!("spec.config.zoneMappings[{i}].zoneId"),
                    "missing: ACK looks the zone of the vSwitch up, the provider needs it written",
                );
                continue;
            };
            let mut z = json!({"zone_id": zone, "vswitch_id": text(&m["vSwitchId"])});
            for (field, attr) in [
                ("allocationId", "allocation_id"),
                ("eipType", "eip_type"),
                ("intranetAddress", "intranet_address"),
            ] {
                if let Some(v) = m[field].as_str().filter(|v| !v.is_empty()) {
                    z[attr] = json!(v);
                }
            }
            out.push(z);
        }
        if out.is_empty() && self.found.errors.is_empty() {
            self.found.error(
                "spec.config.zoneMappings",
                "missing: ACK discovers vSwitches itself, the provider needs at least two zones written",
            );
        }
        json!(out)
    }

    /// The `listener` blocks (the one place that knows their shape): a map of blocks labelled
    /// `PROTOCOL:port`.
    fn listeners(&mut self, object: &Value) -> Value {
        let mut out = Map::new();
        for (i, l) in object["spec"]["listeners"]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
        {
            let Some((label, listener)) = self.listener(i, l, &object["status"]) else {
                continue;
            };
            if out.contains_key(&label) {
                self.found.error(
                    format!("spec.listeners[{i}]"),
                    format!("a second listener {label}: each protocol and port may appear once"),
                );
            } else {
                out.insert(label, listener);
            }
        }
        Value::Object(out)
    }

    /// A listener's label (`PROTOCOL:port`) and block.
    fn listener(&mut self, i: usize, l: &Value, status: &Value) -> Option<(String, Value)> {
        let field = |name: &str| format!("spec.listeners[{i}].{name}");
        let Some(port) = super::annotations::int_of(&l["port"]) else {
            self.found.error(
                field("port"),
                format!("`{}` is not a port number", l["port"]),
            );
            return None;
        };
        let protocol = text(&l["protocol"]).to_ascii_uppercase();
        let mut out = json!({});
        for (key, attr) in [
            ("description", "description"),
            ("securityPolicyId", "security_policy_id"),
            ("idleTimeout", "idle_timeout"),
            ("requestTimeout", "request_timeout"),
            ("gzipEnabled", "gzip"),
            ("http2Enabled", "http2"),
        ] {
            if let Some(v) = l.get(key).filter(|v| !v.is_null()) {
                out[attr] = match (attr, v) {
                    ("idle_timeout" | "request_timeout", v) => {
                        match super::annotations::int_of(v) {
                            Some(n) if n != 0 => json!(n),
                            Some(_) => continue, // 0 means ACK's default.
                            None => {
                                self.found
                                    .error(field(key), format!("`{v}` is not an integer"));
                                continue;
                            }
                        }
                    }
                    _ => v.clone(),
                };
            }
        }
        let certificates = certificate_ids(&l["certificates"])
            .or_else(|| status_certificates(status, port, &protocol));
        match certificates {
            Some(ids) => out["certificate_ids"] = json!(ids),
            None if protocol == "HTTPS" || protocol == "QUIC" => self.found.error(
                field("certificates"),
                "missing: ACK discovers certificates by host, the provider needs them named (none in the AlbConfig's status either)",
            ),
            None => {}
        }
        if l["caEnabled"].as_bool() == Some(true) {
            if let Some(ids) = certificate_ids(&l["caCertificates"]) {
                out["ca_certificate_ids"] = json!(ids);
            }
        }
        if let Some(quic) = l["quicConfig"].as_object() {
            let mut q = Map::new();
            if let Some(v) = quic.get("quicUpgradeEnabled") {
                q.insert("upgrade_enabled".into(), v.clone());
            }
            if let Some(v) = quic.get("quicListenerId") {
                q.insert("listener_id".into(), v.clone());
            }
            out["quic"] = Value::Object(q);
        }
        if let Some(xff) = l["xForwardedForConfig"].as_object() {
            let mut x = Map::new();
            for (key, value) in xff {
                let lower = key.to_ascii_lowercase();
                match X_FORWARDED_FOR.iter().find(|(k, _)| *k == lower) {
                    Some((_, attr)) => {
                        x.insert((*attr).into(), value.clone());
                    }
                    None => self.found.todo(
                        field(&format!("xForwardedForConfig.{key}")),
                        "no equivalent (custom header aliases are not supported)",
                    ),
                }
            }
            out["x_forwarded_for"] = Value::Object(x);
        }
        if let Some(acl) = l["aclConfig"].as_object() {
            if let Some(kind) = acl
                .get("aclType")
                .and_then(Value::as_str)
                .filter(|t| !t.is_empty())
            {
                let mut a = json!({"type": kind});
                let entries: Vec<String> = acl
                    .get("aclEntries")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .map(|e| e.get("entry").map_or_else(|| text(e), text))
                    .collect();
                if !entries.is_empty() {
                    a["entries"] = json!(entries);
                }
                if let Some(ids) = acl
                    .get("aclIds")
                    .and_then(Value::as_array)
                    .filter(|ids| !ids.is_empty())
                {
                    a["acl_ids"] = json!(ids.iter().map(text).collect::<Vec<_>>());
                }
                out["acl"] = a;
                if acl.contains_key("aclName") {
                    self.found.todo(
                        field("aclConfig.aclName"),
                        "no equivalent: the provider names its ACL acl-<name>-<port>",
                    );
                }
            }
        }
        for (key, reason) in [
            ("logConfig", "no equivalent yet"),
            (
                "defaultActions",
                "reserved in ACK: every listener forwards to a placeholder server group by default",
            ),
        ] {
            if l.get(key).is_some_and(|v| !v.is_null()) {
                self.found.todo(field(key), reason);
            }
        }
        Some((format!("{protocol}:{port}"), out))
    }
}

/// `[{CertificateId, IsDefault}]` → ids, the default first (keys matched in any case).
fn certificate_ids(certificates: &Value) -> Option<Vec<String>> {
    let list = certificates.as_array().filter(|l| !l.is_empty())?;
    let field = |c: &Value, name: &str| -> Value {
        c.as_object()
            .and_then(|m| m.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)))
            .map_or(Value::Null, |(_, v)| v.clone())
    };
    let mut ids: Vec<(bool, String)> = list
        .iter()
        .map(|c| {
            (
                field(c, "isDefault").as_bool() != Some(true),
                text(&field(c, "certificateId")),
            )
        })
        .collect();
    ids.sort_by_key(|(not_default, _)| *not_default);
    Some(ids.into_iter().map(|(_, id)| id).collect())
}

/// The certificates the AlbConfig's status shows for a listener (`portAndProtocol` `443/HTTPS`).
fn status_certificates(status: &Value, port: i64, protocol: &str) -> Option<Vec<String>> {
    status["loadBalancer"]["listeners"]
        .as_array()?
        .iter()
        .find(|l| {
            let pp = text(&l["portAndProtocol"]).to_ascii_uppercase();
            pp.contains(&port.to_string()) && pp.contains(protocol)
        })
        .and_then(|l| certificate_ids(&l["certificates"]))
}
