//! The JSON of `actions.<service>` and `conditions.<service>` (research a.5), as `path` block
//! attributes. ACK matches the JSON keys case-insensitively; so does this module.

use serde_json::{json, Map, Value};

use super::annotations::int_of;
use super::{Finding, ObjectRef};

/// What one annotation adds to a `path` block.
#[derive(Debug, Default)]
pub struct Fragment {
    /// Attributes and blocks of the `path` block.
    pub attributes: Map<String, Value>,
    /// Whether it brings the final action (`backend`, `redirect`, `fixed_response`).
    pub has_final: bool,
    /// Not carried over.
    pub todos: Vec<Finding>,
    /// Invalid.
    pub errors: Vec<Finding>,
}

/// `actions.<service>`: a JSON list of `{type, <type>Config}` objects.
pub fn actions(object: &ObjectRef, annotation: &str, json: &Value) -> Fragment {
    let mut f = Builder::new(object, annotation);
    let Some(list) = lowercase_keys(json).as_array().cloned() else {
        f.error("expected a JSON list of actions");
        return f.out;
    };
    let mut finals = Vec::new();
    for action in &list {
        let kind = action["type"].as_str().unwrap_or_default().to_string();
        match kind.as_str() {
            "ForwardGroup" => {
                finals.push(kind.clone());
                f.forward(&action["forwardconfig"]);
            }
            "Redirect" => {
                finals.push(kind.clone());
                f.redirect(&action["redirectconfig"]);
            }
            "FixedResponse" => {
                finals.push(kind.clone());
                f.fixed_response(&action["fixedresponseconfig"]);
            }
            "Rewrite" => {
                let config = &action["rewriteconfig"];
                let rewrite = f.strings(
                    config,
                    &[("host", "host"), ("path", "path"), ("query", "query")],
                );
                f.out.attributes.insert("rewrite".into(), rewrite);
            }
            "InsertHeader" => f.insert_header(&action["insertheaderconfig"]),
            "RemoveHeader" => {
                let name = action["removeheaderconfig"]["key"]
                    .as_str()
                    .unwrap_or_default();
                push(
                    &mut f.out.attributes,
                    "remove_header",
                    json!({"name": name}),
                );
            }
            "TrafficLimit" => f.traffic_limit(&action["trafficlimitconfig"]),
            "TrafficMirror" => f.mirror(&action["trafficmirrorconfig"]),
            "Cors" => f.cors(&action["corsconfig"]),
            other => f.error(format!(
                "unknown action type `{other}` (ForwardGroup, Redirect, FixedResponse, Rewrite, \
                 InsertHeader, RemoveHeader, TrafficLimit, TrafficMirror or Cors)"
            )),
        }
    }
    if finals.len() > 1 {
        f.error(format!(
            "more than one final action ({}): a rule has exactly one (ACK: \"multi finalType\")",
            finals.join(", ")
        ));
    }
    f.out.has_final = !finals.is_empty();
    f.out
}

/// `conditions.<service>`: a JSON list of `{type, <type>Config}` objects, as a `match` block.
pub fn conditions(object: &ObjectRef, annotation: &str, json: &Value) -> Fragment {
    let mut f = Builder::new(object, annotation);
    let Some(list) = lowercase_keys(json).as_array().cloned() else {
        f.error("expected a JSON list of conditions");
        return f.out;
    };
    let mut matches = Map::new();
    for condition in &list {
        let kind = condition["type"].as_str().unwrap_or_default();
        match kind {
            "Header" => {
                let config = &condition["headerconfig"];
                push(
                    &mut matches,
                    "header",
                    json!({"name": config["key"].as_str().unwrap_or_default(), "values": strings(&config["values"])}),
                );
            }
            "QueryString" | "Cookie" => {
                let (config, attr) = if kind == "Cookie" {
                    (&condition["cookieconfig"], "cookie")
                } else {
                    (&condition["querystringconfig"], "query_string")
                };
                for pair in config["values"].as_array().into_iter().flatten() {
                    push(
                        &mut matches,
                        attr,
                        json!({"key": text(&pair["key"]), "value": text(&pair["value"])}),
                    );
                }
            }
            "Method" => {
                let methods: Vec<String> = strings(&condition["methodconfig"]["values"])
                    .into_iter()
                    .map(|m| m.to_ascii_uppercase())
                    .collect();
                extend(&mut matches, "methods", methods);
            }
            "SourceIp" => extend(
                &mut matches,
                "source_ips",
                strings(&condition["sourceipconfig"]["values"]),
            ),
            "Host" | "Path" => f.todo(format!(
                "a {kind} condition is the rule's {}: write its values into spec.rules",
                if kind == "Host" { "`host`" } else { "path" }
            )),
            "ResponseHeader" | "ResponseStatusCode" => f.todo(format!(
                "a {kind} condition (response-direction rules) has no equivalent"
            )),
            other => f.error(format!(
                "unknown condition type `{other}` (Host, Path, Header, QueryString, Method, Cookie \
                 or SourceIp)"
            )),
        }
    }
    if !matches.is_empty() {
        f.out
            .attributes
            .insert("match".into(), Value::Object(matches));
    }
    f.out
}

struct Builder<'a> {
    object: &'a ObjectRef,
    annotation: &'a str,
    out: Fragment,
}

impl<'a> Builder<'a> {
    fn new(object: &'a ObjectRef, annotation: &'a str) -> Self {
        Builder {
            object,
            annotation,
            out: Fragment::default(),
        }
    }

    fn forward(&mut self, config: &Value) {
        if config.get("servergroupstickysession").is_some() {
            self.todo("ServerGroupStickySession of a ForwardGroup has no equivalent (use backend_defaults.sticky_session)");
        }
        let mut backends = Vec::new();
        for group in config["servergroups"].as_array().into_iter().flatten() {
            if group.get("servergroupid").is_some_and(|id| !id.is_null()) {
                self.todo("a ForwardGroup to a server group id (not a Service) has no equivalent");
                continue;
            }
            let Some(port) = port_of(&group["serviceport"]) else {
                self.error(format!(
                    "servicePort `{}` is neither a port number nor a name",
                    group["serviceport"]
                ));
                continue;
            };
            let mut backend = json!({"service": text(&group["servicename"]), "port": port});
            if let Some(weight) = group.get("weight").filter(|w| !w.is_null()) {
                match int_of(weight) {
                    Some(w) => backend["weight"] = json!(w),
                    None => self.error(format!("weight `{weight}` is not an integer")),
                }
            }
            backends.push(backend);
        }
        if backends.is_empty() {
            self.error(
                "a ForwardGroup needs at least one server group with serviceName and servicePort",
            );
        }
        self.out
            .attributes
            .insert("backend".into(), json!(backends));
    }

    fn redirect(&mut self, config: &Value) {
        let mut redirect = self.strings(
            config,
            &[
                ("protocol", "protocol"),
                ("host", "host"),
                ("port", "port"),
                ("path", "path"),
                ("query", "query"),
            ],
        );
        if let Some(protocol) = redirect.get_mut("protocol") {
            *protocol = json!(protocol.as_str().unwrap_or_default().to_ascii_uppercase());
        }
        if let Some(code) = config.get("httpcode").filter(|c| !c.is_null()) {
            match int_of(code) {
                Some(code) => redirect["code"] = json!(code),
                None => self.error(format!("httpCode `{code}` is not an integer")),
            }
        }
        self.out.attributes.insert("redirect".into(), redirect);
    }

    fn fixed_response(&mut self, config: &Value) {
        let mut response = self.strings(
            config,
            &[("contenttype", "content_type"), ("content", "content")],
        );
        match int_of(&config["httpcode"]) {
            Some(code) => response["status"] = json!(code),
            None => self.error(format!(
                "httpCode `{}` is not an integer",
                config["httpcode"]
            )),
        }
        self.out
            .attributes
            .insert("fixed_response".into(), response);
    }

    fn insert_header(&mut self, config: &Value) {
        let mut header = json!({"name": text(&config["key"]), "value": text(&config["value"])});
        if let Some(kind) = config["valuetype"].as_str() {
            header["value_type"] = json!(kind);
        }
        if config["coverenabled"].as_bool() == Some(true) {
            self.todo(
                "InsertHeader's CoverEnabled has no equivalent (an inserted header is added)",
            );
        }
        push(&mut self.out.attributes, "insert_header", header);
    }

    fn traffic_limit(&mut self, config: &Value) {
        let mut limit = Map::new();
        for (key, attr) in [("qps", "qps"), ("qpsperip", "per_ip_qps")] {
            if let Some(v) = config.get(key).filter(|v| !v.is_null()) {
                match int_of(v) {
                    Some(n) => {
                        limit.insert(attr.into(), json!(n));
                    }
                    None => self.error(format!("TrafficLimit {key} `{v}` is not an integer")),
                }
            }
        }
        if !limit.contains_key("qps") {
            self.todo(
                "a TrafficLimit without QPS has no equivalent (traffic_limit.qps is required)",
            );
            return;
        }
        self.out
            .attributes
            .insert("traffic_limit".into(), Value::Object(limit));
    }

    fn mirror(&mut self, config: &Value) {
        let tuples = config["mirrorgroupconfig"]["servergrouptuples"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let Some(first) = tuples.first() else {
            self.error("a TrafficMirror needs MirrorGroupConfig.ServerGroupTuples");
            return;
        };
        if tuples.len() > 1 {
            self.todo("a TrafficMirror to several server groups has no equivalent: only the first is carried");
        }
        match port_of(&first["serviceport"]) {
            Some(port) if first["servicename"].is_string() => {
                self.out.attributes.insert(
                    "mirror".into(),
                    json!({"service": text(&first["servicename"]), "port": port}),
                );
            }
            _ => {
                self.todo("a TrafficMirror to a server group id (not a Service) has no equivalent")
            }
        }
    }

    fn cors(&mut self, config: &Value) {
        let mut cors = Map::new();
        for (key, attr) in [
            ("alloworigin", "allow_origins"),
            ("allowmethods", "allow_methods"),
            ("allowheaders", "allow_headers"),
            ("exposeheaders", "expose_headers"),
        ] {
            if config.get(key).is_some() {
                cors.insert(attr.into(), json!(strings(&config[key])));
            }
        }
        match config["allowcredentials"].as_str() {
            Some("on") => {
                cors.insert("allow_credentials".into(), json!(true));
            }
            Some("off") => {
                cors.insert("allow_credentials".into(), json!(false));
            }
            Some(other) => self.error(format!(
                "AllowCredentials `{other}` is neither \"on\" nor \"off\""
            )),
            None => {}
        }
        if let Some(age) = config.get("maxage").filter(|v| !v.is_null()) {
            match int_of(age) {
                Some(n) => {
                    cors.insert("max_age".into(), json!(n));
                }
                None => self.error(format!("MaxAge `{age}` is not an integer")),
            }
        }
        self.out
            .attributes
            .insert("cors".into(), Value::Object(cors));
    }

    /// String fields of `config` (`(json key, attribute)`), ACK's `${…}` defaults left out.
    fn strings(&mut self, config: &Value, fields: &[(&str, &str)]) -> Value {
        let mut out = Map::new();
        for (key, attr) in fields {
            let Some(value) = config.get(*key).filter(|v| !v.is_null()) else {
                continue;
            };
            let value = match value {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                other => {
                    self.error(format!("{key} `{other}` is not a string"));
                    continue;
                }
            };
            if value != format!("${{{key}}}") {
                out.insert((*attr).to_string(), json!(value));
            }
        }
        Value::Object(out)
    }

    fn todo(&mut self, reason: impl Into<String>) {
        self.out
            .todos
            .push(Finding::new(self.object, self.annotation, reason));
    }

    fn error(&mut self, reason: impl Into<String>) {
        self.out
            .errors
            .push(Finding::new(self.object, self.annotation, reason));
    }
}

/// A Service port as `alb_ingress` writes it: a number as its digits, or a name.
pub fn port_of(value: &Value) -> Option<String> {
    match value {
        Value::Number(n) => n.as_u64().map(|n| n.to_string()),
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        _ => None,
    }
}

/// A JSON scalar as text (a string as it is, null as empty).
pub fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn strings(value: &Value) -> Vec<String> {
    value.as_array().into_iter().flatten().map(text).collect()
}

fn push(map: &mut Map<String, Value>, key: &str, item: Value) {
    match map.entry(key).or_insert_with(|| json!([])) {
        Value::Array(items) => items.push(item),
        other => *other = json!([item]),
    }
}

fn extend(map: &mut Map<String, Value>, key: &str, items: Vec<String>) {
    for item in items {
        push(map, key, json!(item));
    }
}

/// `value` with every object key lower-cased (ACK's parser ignores their case).
fn lowercase_keys(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), lowercase_keys(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(lowercase_keys).collect()),
        other => other.clone(),
    }
}
