//! The `alb.ingress.kubernetes.io/*` annotations of one Ingress, parsed and checked as ACK's
//! controller does (booleans as Go's `strconv.ParseBool`, integers, JSON), and mapped to the
//! attributes of `alb_ingress` they become (docs/guides/ack-annotations.md).

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::{Finding, ObjectRef};

/// ACK's annotation prefix.
pub const PREFIX: &str = "alb.ingress.kubernetes.io/";
/// The ingress-nginx prefix ACK also reads for canary and ssl-redirect annotations.
pub const NGINX_PREFIX: &str = "nginx.ingress.kubernetes.io/";
/// Annotations ACK also reads under [`NGINX_PREFIX`].
const NGINX_ALIASES: &[&str] = &[
    "canary",
    "canary-by-header",
    "canary-by-header-value",
    "canary-by-cookie",
    "canary-weight",
    "ssl-redirect",
];

/// ACK's default `order`.
pub const DEFAULT_ORDER: i64 = 10;

/// One attribute set from one annotation: `path` below the ingress (or below each `path` block).
#[derive(Clone, Debug, PartialEq)]
pub struct Setting {
    /// The full annotation key.
    pub annotation: String,
    /// Attribute path below the block it applies to.
    pub path: Vec<&'static str>,
    /// The value.
    pub value: Value,
}

/// How a canary Ingress selects its requests.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Canary {
    /// `canary-by-header` and `canary-by-header-value`.
    pub header: Option<(String, Option<String>)>,
    /// `canary-by-cookie`.
    pub cookie: Option<String>,
    /// `canary-weight`.
    pub weight: Option<i64>,
    /// The annotations carried into the canary block.
    pub annotations: Vec<String>,
}

/// A JSON annotation per Service (`actions.<service>`, `conditions.<service>`).
#[derive(Clone, Debug, PartialEq)]
pub struct PerService {
    /// The full annotation key.
    pub annotation: String,
    /// The parsed JSON.
    pub json: Value,
}

/// The annotations of one Ingress.
#[derive(Debug, Default)]
pub struct Annotations {
    /// Attributes of the `alb_ingress` itself.
    pub ingress: Vec<Setting>,
    /// Attributes of every `path` block.
    pub each_path: Vec<Setting>,
    /// Set when `canary` is true.
    pub canary: Option<Canary>,
    /// `order` (or `albconfig.order`) with its annotation.
    pub order: Option<(String, i64)>,
    /// `albconfig.name`.
    pub alb_config_name: Option<String>,
    /// `actions.<service>` by service.
    pub actions: BTreeMap<String, PerService>,
    /// `conditions.<service>` by service.
    pub conditions: BTreeMap<String, PerService>,
    /// Not carried over.
    pub todos: Vec<Finding>,
    /// Invalid values.
    pub errors: Vec<Finding>,
}

/// Parses the annotations of the Ingress `object`.
pub fn parse(object: &ObjectRef, annotations: &BTreeMap<String, String>) -> Annotations {
    let mut parser = Parser {
        object,
        out: Annotations::default(),
    };
    for (key, value) in annotations {
        let suffix = match key.strip_prefix(PREFIX) {
            Some(suffix) => suffix,
            None => match key.strip_prefix(NGINX_PREFIX) {
                Some(suffix) if NGINX_ALIASES.contains(&suffix) => suffix,
                _ => continue,
            },
        };
        parser.annotation(key, suffix, value.trim());
    }
    parser.health_check_codes(annotations);
    parser.finish_canary(annotations);
    parser.finish_dependent(annotations);
    parser.out
}

struct Parser<'a> {
    object: &'a ObjectRef,
    out: Annotations,
}

impl Parser<'_> {
    fn annotation(&mut self, key: &str, suffix: &str, value: &str) {
        match suffix {
            "healthcheck-enabled" => self.boolean(key, value, &["backend_defaults", "health_check", "enabled"]),
            "healthcheck-path" => self.text(key, value, &["backend_defaults", "health_check", "path"]),
            "healthcheck-protocol" => self.upper(key, value, &["backend_defaults", "health_check", "protocol"]),
            "healthcheck-method" => self.upper(key, value, &["backend_defaults", "health_check", "method"]),
            "healthcheck-httpversion" => self.upper(key, value, &["backend_defaults", "health_check", "http_version"]),
            "healthcheck-timeout-seconds" => self.integer(key, value, &["backend_defaults", "health_check", "timeout"]),
            "healthcheck-interval-seconds" => self.integer(key, value, &["backend_defaults", "health_check", "interval"]),
            "healthy-threshold-count" => self.integer(key, value, &["backend_defaults", "health_check", "healthy_threshold"]),
            "unhealthy-threshold-count" => self.integer(key, value, &["backend_defaults", "health_check", "unhealthy_threshold"]),
            "healthcheck-connect-port" => self.integer(key, value, &["backend_defaults", "health_check", "connect_port"]),
            // Read together in `health_check_codes`.
            "healthcheck-httpcode" | "healthcheck-code" => {}
            "backend-protocol" => self.upper(key, value, &["backend_defaults", "protocol"]),
            "backend-scheduler" => self.scheduler(key, value),
            "backend-scheduler-uch-value" => self.text(key, value, &["backend_defaults", "uch_query_key"]),
            "backend-keepalive" => self.boolean(key, value, &["backend_defaults", "keepalive"]),
            // Read together in `finish_dependent`.
            "sticky-session" | "sticky-session-type" | "cookie-timeout" | "enable-cors"
            | "cors-allow-origin" | "cors-allow-methods" | "cors-allow-headers"
            | "cors-expose-headers" | "cors-allow-credentials" | "cors-max-age"
            | "traffic-limit-qps" | "traffic-limit-ip-qps" => {}
            "listen-ports" => self.listen_ports(key, value),
            "ssl-redirect" => self.boolean(key, value, &["ssl_redirect"]),
            "order" | "albconfig.order" => {
                if let Some(order) = self.parse_int(key, value) {
                    if !(1..=1000).contains(&order) {
                        self.error(key, format!("`{value}` is out of range: ACK's order is 1 to 1000"));
                    } else {
                        self.out.order = Some((key.to_string(), order));
                    }
                }
            }
            "albconfig.name" => self.out.alb_config_name = Some(value.to_string()),
            "rewrite-target" => self.out.each_path.push(Setting {
                annotation: key.to_string(),
                path: vec!["rewrite", "path"],
                value: json!(value),
            }),
            "use-regex" => self.boolean(key, value, &["use_regex"]),
            // Read together in `finish_canary`.
            "canary" | "canary-by-header" | "canary-by-header-value" | "canary-by-cookie"
            | "canary-weight" => {}
            "canary-by-header-pattern" => self.todo(
                key,
                "a canary header matched by a regular expression has no equivalent (canary.header takes an exact value)",
            ),
            "server-group-id" => self.todo(
                key,
                "forwarding to a server group not managed by Terraform has no equivalent",
            ),
            "backend-label" | "remove-unscheduled-backend" => self.todo(
                key,
                "node filters have no equivalent: members in nodeport mode are every eligible node",
            ),
            "hash" => {}
            _ => {
                if let Some(service) = suffix.strip_prefix("actions.") {
                    if let Some(json) = self.json(key, value) {
                        self.out.actions.insert(
                            service.to_string(),
                            PerService { annotation: key.to_string(), json },
                        );
                    }
                } else if let Some(service) = suffix.strip_prefix("conditions.") {
                    if let Some(json) = self.json(key, value) {
                        self.out.conditions.insert(
                            service.to_string(),
                            PerService { annotation: key.to_string(), json },
                        );
                    }
                } else if suffix.starts_with("rule-direction.") {
                    self.todo(key, "response-direction rules have no equivalent");
                } else {
                    self.todo(key, "unknown ALB Ingress annotation");
                }
            }
        }
    }

    /// `healthcheck-code` wins over `healthcheck-httpcode`; both are comma lists.
    fn health_check_codes(&mut self, annotations: &BTreeMap<String, String>) {
        let code = format!("{PREFIX}healthcheck-code");
        let httpcode = format!("{PREFIX}healthcheck-httpcode");
        let chosen = if let Some(value) = annotations.get(&code) {
            if annotations.contains_key(&httpcode) {
                self.todo(&httpcode, "`healthcheck-code` takes precedence over it");
            }
            Some((code, value))
        } else {
            annotations.get(&httpcode).map(|v| (httpcode, v))
        };
        if let Some((key, value)) = chosen {
            let codes = split_list(value);
            self.set(
                &key,
                &["backend_defaults", "health_check", "codes"],
                json!(codes),
            );
        }
    }

    /// `canary`, `canary-by-header(-value)`, `canary-by-cookie`, `canary-weight`: precedence
    /// header > cookie > weight, as ACK applies it.
    fn finish_canary(&mut self, annotations: &BTreeMap<String, String>) {
        let get = |suffix: &str| -> Option<(String, String)> {
            [PREFIX, NGINX_PREFIX].iter().find_map(|prefix| {
                let key = format!("{prefix}{suffix}");
                annotations.get(&key).map(|v| (key, v.trim().to_string()))
            })
        };
        let enabled = match get("canary") {
            Some((key, value)) => self.parse_bool(&key, &value).unwrap_or(false),
            None => false,
        };
        let modes: Vec<(String, String)> = [
            "canary-by-header",
            "canary-by-header-value",
            "canary-by-cookie",
            "canary-weight",
        ]
        .iter()
        .filter_map(|suffix| get(suffix))
        .collect();
        if !enabled {
            for (key, _) in modes {
                self.todo(
                    &key,
                    "ACK ignores it: the Ingress is not marked `canary: \"true\"`",
                );
            }
            return;
        }
        let mut canary = Canary::default();
        if let Some((key, _)) = get("canary") {
            canary.annotations.push(key);
        }
        let header = get("canary-by-header");
        let header_value = get("canary-by-header-value");
        let cookie = get("canary-by-cookie");
        let weight = get("canary-weight");
        if let Some((key, name)) = header {
            canary.annotations.push(key);
            canary.header = Some((name, header_value.as_ref().map(|(_, v)| v.clone())));
            if let Some((key, _)) = header_value {
                canary.annotations.push(key);
            }
            for (key, _) in cookie.iter().chain(weight.iter()) {
                self.todo(key, "`canary-by-header` takes precedence over it");
            }
        } else if let Some((key, name)) = cookie {
            canary.annotations.push(key);
            canary.cookie = Some(name);
            if let Some((key, _)) = header_value {
                self.todo(&key, "without `canary-by-header` it has no effect");
            }
            if let Some((key, _)) = weight {
                self.todo(&key, "`canary-by-cookie` takes precedence over it");
            }
        } else if let Some((key, value)) = weight {
            if let Some(w) = self.parse_int(&key, &value) {
                if !(0..=100).contains(&w) {
                    self.error(
                        &key,
                        format!("`{value}` is out of range: a canary weight is 0 to 100"),
                    );
                }
                canary.weight = Some(w);
                canary.annotations.push(key);
            }
            if let Some((key, _)) = header_value {
                self.todo(&key, "without `canary-by-header` it has no effect");
            }
        } else {
            self.error(
                &canary.annotations[0],
                "a canary Ingress needs `canary-by-header`, `canary-by-cookie` or `canary-weight`",
            );
        }
        self.out.canary = Some(canary);
    }

    /// Annotations that only mean something together: sticky sessions, CORS, traffic limits.
    fn finish_dependent(&mut self, annotations: &BTreeMap<String, String>) {
        let get = |suffix: &str| {
            let key = format!("{PREFIX}{suffix}");
            annotations.get(&key).map(|v| (key, v.trim().to_string()))
        };
        let sticky = get("sticky-session")
            .and_then(|(key, value)| self.parse_bool(&key, &value).map(|on| (key, on)));
        match sticky {
            Some((key, true)) => {
                self.set(&key, &["backend_defaults", "sticky_session"], json!({}));
                if let Some((key, value)) = get("sticky-session-type") {
                    self.set(
                        &key,
                        &["backend_defaults", "sticky_session", "type"],
                        json!(value),
                    );
                }
                if let Some((key, value)) = get("cookie-timeout") {
                    if let Some(n) = self.parse_int(&key, &value) {
                        self.set(
                            &key,
                            &["backend_defaults", "sticky_session", "cookie_timeout"],
                            json!(n),
                        );
                    }
                }
            }
            _ => {
                for suffix in ["sticky-session-type", "cookie-timeout"] {
                    if let Some((key, _)) = get(suffix) {
                        self.todo(&key, "ACK ignores it: `sticky-session` is not \"true\"");
                    }
                }
            }
        }
        let cors = get("enable-cors")
            .and_then(|(key, value)| self.parse_bool(&key, &value).map(|on| (key, on)));
        const CORS: &[(&str, &str)] = &[
            ("cors-allow-origin", "allow_origins"),
            ("cors-allow-methods", "allow_methods"),
            ("cors-allow-headers", "allow_headers"),
            ("cors-expose-headers", "expose_headers"),
        ];
        match cors {
            Some((key, true)) => {
                self.each_path(&key, &["cors"], json!({}));
                for (suffix, attr) in CORS {
                    if let Some((key, value)) = get(suffix) {
                        let list = split_list(&value);
                        let list = if *attr == "allow_methods" {
                            list.into_iter().map(|m| m.to_ascii_uppercase()).collect()
                        } else {
                            list
                        };
                        self.each_path(&key, &["cors", attr], json!(list));
                    }
                }
                if let Some((key, value)) = get("cors-allow-credentials") {
                    if let Some(on) = self.parse_bool(&key, &value) {
                        self.each_path(&key, &["cors", "allow_credentials"], json!(on));
                    }
                }
                if let Some((key, value)) = get("cors-max-age") {
                    if let Some(n) = self.parse_int(&key, &value) {
                        self.each_path(&key, &["cors", "max_age"], json!(n));
                    }
                }
            }
            _ => {
                for suffix in CORS
                    .iter()
                    .map(|(s, _)| *s)
                    .chain(["cors-allow-credentials", "cors-max-age"])
                {
                    if let Some((key, _)) = get(suffix) {
                        self.todo(&key, "ACK ignores it: `enable-cors` is not \"true\"");
                    }
                }
            }
        }
        let qps = get("traffic-limit-qps")
            .and_then(|(key, value)| self.parse_int(&key, &value).map(|n| (key, n)));
        let per_ip = get("traffic-limit-ip-qps")
            .and_then(|(key, value)| self.parse_int(&key, &value).map(|n| (key, n)));
        if let Some((key, n)) = &qps {
            if !(1..=100_000).contains(n) {
                self.error(
                    key,
                    format!("`{n}` is out of range: ACK's QPS limit is 1 to 100000"),
                );
            }
            self.each_path(key, &["traffic_limit", "qps"], json!(n));
        }
        if let Some((key, n)) = &per_ip {
            match &qps {
                Some((_, total)) if n >= total => self.error(
                    key,
                    format!("`{n}` must be less than `traffic-limit-qps` ({total}), as ACK requires"),
                ),
                Some(_) => self.each_path(key, &["traffic_limit", "per_ip_qps"], json!(n)),
                None => self.todo(
                    key,
                    "a per-IP limit without `traffic-limit-qps` has no equivalent (traffic_limit.qps is required)",
                ),
            }
        }
    }

    fn scheduler(&mut self, key: &str, value: &str) {
        let scheduler = match value.to_ascii_lowercase().as_str() {
            "wrr" => "Wrr",
            "wlc" => "Wlc",
            "sch" => "Sch",
            "uch" => "Uch",
            _ => {
                self.error(
                    key,
                    format!("`{value}` is not a scheduler ACK knows: wrr, wlc, sch or uch"),
                );
                return;
            }
        };
        self.set(key, &["backend_defaults", "scheduler"], json!(scheduler));
    }

    /// `[{"HTTP": 80}, {"HTTPS": 443}]` → `listen` blocks.
    fn listen_ports(&mut self, key: &str, value: &str) {
        let Some(json) = self.json(key, value) else {
            return;
        };
        let mut listen = Vec::new();
        let entries = json.as_array().cloned().unwrap_or_default();
        if entries.is_empty() {
            self.error(
                key,
                "expected a JSON list like `[{\"HTTP\": 80}, {\"HTTPS\": 443}]`",
            );
            return;
        }
        for entry in entries {
            let Some(map) = entry.as_object().filter(|m| m.len() == 1) else {
                self.error(
                    key,
                    format!("`{entry}` is not one `{{\"PROTOCOL\": port}}` pair"),
                );
                continue;
            };
            for (protocol, port) in map {
                match int_of(port) {
                    Some(port) => listen
                        .push(json!({"protocol": protocol.to_ascii_uppercase(), "port": port})),
                    None => self.error(
                        key,
                        format!("port `{port}` of {protocol} is not an integer"),
                    ),
                }
            }
        }
        self.set(key, &["listen"], json!(listen));
    }

    fn boolean(&mut self, key: &str, value: &str, path: &[&'static str]) {
        if let Some(b) = self.parse_bool(key, value) {
            self.set(key, path, json!(b));
        }
    }

    fn integer(&mut self, key: &str, value: &str, path: &[&'static str]) {
        if let Some(n) = self.parse_int(key, value) {
            self.set(key, path, json!(n));
        }
    }

    fn text(&mut self, key: &str, value: &str, path: &[&'static str]) {
        self.set(key, path, json!(value));
    }

    fn upper(&mut self, key: &str, value: &str, path: &[&'static str]) {
        self.set(key, path, json!(value.to_ascii_uppercase()));
    }

    fn set(&mut self, key: &str, path: &[&'static str], value: Value) {
        self.out.ingress.push(Setting {
            annotation: key.to_string(),
            path: path.to_vec(),
            value,
        });
    }

    fn each_path(&mut self, key: &str, path: &[&'static str], value: Value) {
        self.out.each_path.push(Setting {
            annotation: key.to_string(),
            path: path.to_vec(),
            value,
        });
    }

    /// Go's `strconv.ParseBool`.
    fn parse_bool(&mut self, key: &str, value: &str) -> Option<bool> {
        match value {
            "1" | "t" | "T" | "true" | "TRUE" | "True" => Some(true),
            "0" | "f" | "F" | "false" | "FALSE" | "False" => Some(false),
            _ => {
                self.error(
                    key,
                    format!("`{value}` is not a boolean (\"true\" or \"false\")"),
                );
                None
            }
        }
    }

    fn parse_int(&mut self, key: &str, value: &str) -> Option<i64> {
        match value.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                self.error(key, format!("`{value}` is not an integer"));
                None
            }
        }
    }

    fn json(&mut self, key: &str, value: &str) -> Option<Value> {
        match serde_json::from_str(value) {
            Ok(json) => Some(json),
            Err(e) => {
                self.error(key, format!("not valid JSON: {e}"));
                None
            }
        }
    }

    fn todo(&mut self, key: &str, reason: &str) {
        self.out.todos.push(Finding::new(self.object, key, reason));
    }

    fn error(&mut self, key: &str, reason: impl Into<String>) {
        self.out.errors.push(Finding::new(self.object, key, reason));
    }
}

/// A comma-separated annotation value as a list, blanks dropped.
pub fn split_list(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// An integer written as a JSON number or a string of digits (ACK accepts both).
pub fn int_of(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}
