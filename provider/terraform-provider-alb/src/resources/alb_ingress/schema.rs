//! Schema of `alb_ingress`: Ingress-style routing on an `alb_config`, with what ACK annotations do
//! as typed blocks.

use tfplugin::schema::{Attribute, Block, NestedBlock, Schema};
use tfplugin::types::Type;

use crate::resources::timeouts;
use crate::schema_kit::{
    computed_str, object, opt_bool, opt_num, opt_str, opt_str_list, req_num, req_str, req_str_list,
};

/// Schema version of `alb_ingress`: 2 since `order` is computed when unset (versions 0 and 1
/// meant 10 by an unset order); 1 made `rules` and `server_groups` maps (version 0 had lists).
/// See [`super::upgrade`].
pub const VERSION: i64 = 2;

/// Top-level attributes whose change forces a new ingress.
pub const REPLACE_ON_CHANGE: &[&str] = &["alb_config_id", "namespace", "name"];

/// The full `alb_ingress` schema.
pub fn schema() -> Schema {
    Schema::new(VERSION, block())
}

fn block() -> Block {
    Block::new()
        .describe(
            "Kubernetes-Ingress-style routing on an `alb_config`: rules by host and path to Kubernetes \
             Services, with what ACK ALB Ingress annotations do (health checks, backend protocol, \
             scheduler, sticky sessions, listen ports, SSL redirect, order, rewrite, regex paths, canary, \
             traffic limits, CORS, custom conditions and actions) as typed blocks. The plan shows the \
             expansion: the forwarding rules (`rules`) and server groups (`server_groups`).",
        )
        .attr(computed_str(
            "id",
            "`<load balancer id>/<namespace>/<name>`; also the import id.",
        ))
        .attr(req_str(
            "alb_config_id",
            "Id of the `alb_config` whose listeners carry the rules (`alb_config.x.id`); the Ingress \
             class / AlbConfig link of ACK. Changing this forces a new ingress.",
        ))
        .attr(req_str(
            "namespace",
            "Kubernetes namespace of the backend Services (a DNS-1123 label). Changing this forces a new \
             ingress.",
        ))
        .attr(req_str(
            "name",
            "Name of the ingress inside the namespace (a DNS-1123 subdomain, at most 63 characters); with \
             the namespace, the identity used in ownership tags. Changing this forces a new ingress.",
        ))
        .attr(
            Attribute::optional_computed("order", Type::Number).describe(
                "Rule order among the ingresses of the load balancer, 1–1000, lower first \
                 (annotation `alb.ingress.kubernetes.io/order`). Order `o` owns the band of rule \
                 priorities `10·(o−1)+1`–`10·o` on each listener the ingress lands on. Unset, the \
                 provider chooses it when it creates the ingress: the lowest order from 10 whose \
                 band is free on all those listeners (ingresses created in the same apply in \
                 `namespace/name` order, as ACK orders Ingresses of equal order); the plan shows it \
                 as known after apply, the state records it, and it never changes afterwards. \
                 Setting it pins the ingress to that band (changing it moves the rules).",
            ),
        )
        .attr(opt_str_list(
            "tls_hosts",
            "Hosts served over HTTPS (Ingress `spec.tls[].hosts`). Without `listen`, rules for these hosts \
             go to HTTPS:443 and other rules to HTTP:80.",
        ))
        .attr(opt_bool(
            "ssl_redirect",
            "Redirect HTTP to HTTPS: adds HTTP:80 rules that redirect (308) to HTTPS:443, keeping host, \
             path and query. Default `false` (annotation `alb.ingress.kubernetes.io/ssl-redirect`).",
        ))
        .attr(opt_bool(
            "use_regex",
            "`Prefix` paths become case-insensitive regular expressions `~*<path>` (as with \
             `rewrite`); their syntax is checked at validate time (unbalanced parentheses or \
             brackets, a dangling `\\`, a quantifier without operand are errors on the path). \
             Default `false` (annotation `alb.ingress.kubernetes.io/use-regex`).",
        ))
        .attr(
            Attribute::computed("rules", Type::map(rule_type())).describe(
                "The forwarding rules this ingress expands to, keyed by each rule's identity (its \
                 `alb.terraform/key` tag): listener, priority, conditions, actions and the server groups they forward to. \
                 The identity is the rule's content (listener, host, path type and path, e.g. \
                 `HTTPS:443 host=shop.example.com path=Prefix:/api`, plus the canary variant). Plans match rules to existing ones by this key, so a plan \
                 shows exactly the rules added, removed or changed; a rule keeps its `id` while its \
                 key stays, and inserting a path adds one rule and leaves the others alone. Shown in \
                 the plan.",
            ),
        )
        .attr(
            Attribute::computed("server_groups", Type::map(server_group_type())).describe(
                "The server groups this ingress expands to (one per Service and port), keyed by \
                 `<service>:<port>`, with their attributes and members. Shown in the plan.",
            ),
        )
        .block(NestedBlock::list("listen", listen()))
        .block(NestedBlock::single("backend_defaults", backend_defaults()))
        .block(NestedBlock::list("rule", rule()))
        .block(NestedBlock::list("canary", canary()).max(1))
        .block(NestedBlock::single(
            "default_backend",
            service_ref(
                "Catch-all backend (Ingress `spec.defaultBackend`): a rule matching path `/*` at the end \
                 of this ingress's band.",
            ),
        ))
        .block(timeouts::block("20m"))
}

/// The object type of one entry of the computed `rules` (its key is the rule's identity).
pub fn rule_type() -> Type {
    let condition = object(&[
        ("type", Type::String),
        ("key", Type::String),
        ("values", Type::list(Type::String)),
    ]);
    let server_group = object(&[
        ("key", Type::String),
        ("id", Type::String),
        ("weight", Type::Number),
    ]);
    let action = object(&[
        ("type", Type::String),
        ("order", Type::Number),
        ("server_groups", Type::list(server_group)),
        ("config", Type::map(Type::String)),
    ]);
    object(&[
        ("listener", Type::String),
        ("listener_id", Type::String),
        ("priority", Type::Number),
        ("name", Type::String),
        ("id", Type::String),
        ("summary", Type::String),
        ("conditions", Type::list(condition)),
        ("actions", Type::list(action)),
    ])
}

/// The object type of one entry of the computed `server_groups` (its key is `<service>:<port>`).
pub fn server_group_type() -> Type {
    let member = object(&[
        ("server_id", Type::String),
        ("ip", Type::String),
        ("port", Type::Number),
        ("weight", Type::Number),
        ("type", Type::String),
    ]);
    object(&[
        ("service", Type::String),
        ("port", Type::String),
        ("id", Type::String),
        ("name", Type::String),
        ("protocol", Type::String),
        ("scheduler", Type::String),
        ("member_mode", Type::String),
        ("attributes", Type::map(Type::String)),
        ("members", Type::list(member)),
    ])
}

fn listen() -> Block {
    Block::new()
        .describe(
            "A listener of the `alb_config` this ingress's rules go on (annotation \
             `alb.ingress.kubernetes.io/listen-ports`). Without it: HTTPS:443 for `tls_hosts`, HTTP:80 for \
             the rest. The listener must exist in the `alb_config`.",
        )
        .attr(req_str("protocol", "`HTTP`, `HTTPS` or `QUIC`."))
        .attr(req_num("port", "Listener port, 1–65535."))
}

/// A `{service, port}` block with the given description.
fn service_ref(description: &str) -> Block {
    Block::new()
        .describe(description)
        .attr(req_str(
            "service",
            "Kubernetes Service name in `namespace` (a DNS-1035 label).",
        ))
        .attr(req_str(
            "port",
            "Service port: a number (1–65535) or the name of a Service port (`port = 80` and \
             `port = \"http\"` both work).",
        ))
}

fn backend_defaults() -> Block {
    Block::new()
        .describe(
            "Server group settings for every backend of this ingress (the `backend-*`, `healthcheck-*` and \
             `sticky-session*` annotations of ACK).",
        )
        .attr(opt_str(
            "protocol",
            "Backend protocol: `HTTP` (default), `HTTPS` or `GRPC` (annotation `backend-protocol`). `GRPC` \
             needs HTTPS listeners (or HTTP with `ssl_redirect`). Changing it replaces the server groups.",
        ))
        .attr(opt_str(
            "scheduler",
            "Scheduling algorithm: `Wrr` (default, weighted round robin), `Wlc` (weighted least \
             connections), `Sch` (source IP hash) or `Uch` (URL parameter hash, needs `uch_query_key`) \
             (annotation `backend-scheduler`).",
        ))
        .attr(opt_str(
            "uch_query_key",
            "Query parameter hashed by the `Uch` scheduler; required with `Uch` and only allowed with it \
             (annotation `backend-scheduler-uch-value`).",
        ))
        .attr(opt_str(
            "member_mode",
            "Backend members: `ip` (default: ready pod IPs from EndpointSlices) or `nodeport` (ready \
             nodes' ECS instances on the Service's nodePort).",
        ))
        .attr(opt_str(
            "member_sync",
            "Who keeps the members of the server groups: `terraform` (default: plan and apply \
             them) or `agent` (the in-cluster `alb-member-sync` keeps them between Terraform runs; \
             Terraform creates and configures the groups, tags them `alb.terraform/members=agent` \
             and neither plans, records nor changes their members). Switching keeps the groups.",
        ))
        .attr(opt_num(
            "member_weight",
            "Weight of every member, 0–100 (0 takes no new requests). Default `100`; a change \
             updates the members in place.",
        ))
        .attr(
            tfplugin::schema::Attribute::optional("node_selector", Type::map(Type::String))
                .describe(
                    "`nodeport` mode: only nodes carrying all these labels are members (like \
                     ACK's `alibaba-cloud-loadbalancer-backend-label` annotation). Default: every \
                     eligible node.",
                ),
        )
        .attr(opt_bool(
            "keepalive",
            "Keep connections to backends alive (annotation `backend-keepalive`). Default `false`.",
        ))
        .attr(opt_bool(
            "cross_zone",
            "Distribute traffic across zones. Default `true`; sticky sessions need it on.",
        ))
        .block(NestedBlock::single("health_check", health_check()))
        .block(NestedBlock::single("sticky_session", sticky_session()))
        .block(NestedBlock::single(
            "slow_start",
            Block::new()
                .describe("Ramp up traffic to new members slowly. Omit to disable.")
                .attr(req_num("duration", "Ramp-up time in seconds, 30–900.")),
        ))
        .block(NestedBlock::single(
            "connection_drain",
            Block::new()
                .describe("Let members finish open connections when they are removed. Omit to disable.")
                .attr(req_num("timeout", "Drain time in seconds, 0–900.")),
        ))
}

fn health_check() -> Block {
    Block::new()
        .describe("Health check of the server groups (annotations `healthcheck-*`).")
        .attr(opt_bool(
            "enabled",
            "Enable health checks (annotation `healthcheck-enabled`). Default `false`.",
        ))
        .attr(opt_str(
            "protocol",
            "`HTTP` (default), `HTTPS`, `TCP` or `GRPC` (annotation `healthcheck-protocol`).",
        ))
        .attr(opt_str(
            "method",
            "`HEAD` (default), `GET` or `POST` (annotation `healthcheck-method`).",
        ))
        .attr(opt_str(
            "path",
            "Path to probe, 1–80 characters starting with `/`. Default `/` (annotation `healthcheck-path`).",
        ))
        .attr(opt_str(
            "host",
            "Host header of the probe. Default: the member IP.",
        ))
        .attr(opt_str_list(
            "codes",
            "Healthy status codes: `http_2xx`, `http_3xx`, `http_4xx`, `http_5xx` (default `[\"http_2xx\"]`); \
             with the `GRPC` protocol numeric ranges like `0-99` (at most 20) (annotations \
             `healthcheck-httpcode` / `healthcheck-code`).",
        ))
        .attr(opt_str(
            "http_version",
            "`HTTP1.0` or `HTTP1.1` (default) (annotation `healthcheck-httpversion`).",
        ))
        .attr(opt_num(
            "connect_port",
            "Port to probe, 0–65535; 0 (default) = the member port (annotation `healthcheck-connect-port`).",
        ))
        .attr(opt_num(
            "interval",
            "Seconds between probes, 1–50. Default 2 (annotation `healthcheck-interval-seconds`).",
        ))
        .attr(opt_num(
            "timeout",
            "Probe timeout in seconds, 1–300. Default 5 (annotation `healthcheck-timeout-seconds`).",
        ))
        .attr(opt_num(
            "healthy_threshold",
            "Successes before a member is healthy, 2–10. Default 3 (annotation `healthy-threshold-count`).",
        ))
        .attr(opt_num(
            "unhealthy_threshold",
            "Failures before a member is unhealthy, 2–10. Default 3 (annotation \
             `unhealthy-threshold-count`).",
        ))
}

fn sticky_session() -> Block {
    Block::new()
        .describe(
            "Session persistence (annotations `sticky-session`, `sticky-session-type`, `cookie-timeout`). \
             Omit to disable.",
        )
        .attr(opt_str(
            "type",
            "`Insert` (default: the load balancer inserts a cookie) or `Server` (the backend sets `cookie`).",
        ))
        .attr(opt_num(
            "cookie_timeout",
            "Lifetime of the inserted cookie in seconds, 1–86400. Default 1000. `Insert` only.",
        ))
        .attr(opt_str(
            "cookie",
            "Name of the backend's cookie, 1–200 characters. Required with `Server`, not allowed with `Insert`.",
        ))
}

fn rule() -> Block {
    Block::new()
        .describe("An Ingress rule (`spec.rules[]`): an optional host and its paths.")
        .attr(opt_str(
            "host",
            "Host to match, lowercase, with at least one dot; a leading `*.` matches one label (e.g. \
             `*.example.com`). Omit to match any host.",
        ))
        .block(NestedBlock::list("path", path()).min(1))
}

fn path() -> Block {
    Block::new()
        .describe(
            "A path of the rule (`http.paths[]`) and what to do with matching requests: exactly one of \
             `backend` (forward), `redirect` or `fixed_response`, plus optional conditions and actions.",
        )
        .attr(opt_str(
            "path",
            "Path to match, starting with `/`. Default `/`. `Exact` and `Prefix` paths cannot contain `*` \
             or `?`.",
        ))
        .attr(opt_str(
            "path_type",
            "`Exact`, `Prefix` (the path and everything below it) or `ImplementationSpecific` (default: \
             the path as an ALB pattern, wildcards `*` and `?` allowed).",
        ))
        .block(NestedBlock::list("backend", backend()).max(5))
        .block(NestedBlock::single("match", match_block()))
        .block(NestedBlock::single(
            "rewrite",
            Block::new()
                .describe(
                    "Rewrite the request before forwarding (annotation `rewrite-target`); needs `backend`. \
                     Unset fields are kept.",
                )
                .attr(opt_str("host", "New host."))
                .attr(opt_str("path", "New path; `${1}`… refer to groups of a regex path."))
                .attr(opt_str("query", "New query string.")),
        ))
        .block(NestedBlock::list("insert_header", insert_header()))
        .block(NestedBlock::list(
            "remove_header",
            Block::new()
                .describe("Remove a request header (custom action `RemoveHeader`).")
                .attr(req_str("name", "Header name, 1–40 characters `[A-Za-z0-9_-]`, not a reserved header.")),
        ))
        .block(NestedBlock::single(
            "traffic_limit",
            Block::new()
                .describe("Limit requests per second (annotations `traffic-limit-qps`, `traffic-limit-ip-qps`).")
                .attr(req_num("qps", "Requests per second for the rule, 1–1000000."))
                .attr(opt_num(
                    "per_ip_qps",
                    "Requests per second per client IP, 1–1000000 and less than `qps`.",
                )),
        ))
        .block(NestedBlock::single("cors", cors()))
        .block(NestedBlock::single(
            "mirror",
            service_ref("Copy requests to another Service (custom action `TrafficMirror`)."),
        ))
        .block(NestedBlock::single("redirect", redirect()))
        .block(NestedBlock::single("fixed_response", fixed_response()))
}

fn backend() -> Block {
    Block::new()
        .describe(
            "A Service to forward to (`http.paths[].backend`); up to 5 with weights (a weighted forward \
             group).",
        )
        .attr(req_str(
            "service",
            "Kubernetes Service name in `namespace` (a DNS-1035 label).",
        ))
        .attr(req_str(
            "port",
            "Service port: a number (1–65535) or the name of a Service port.",
        ))
        .attr(opt_num(
            "weight",
            "Share of the traffic, 0–100. Required when the path has more than one backend; the weights of \
             a path must not all be 0.",
        ))
}

fn match_block() -> Block {
    let key_value = |description: &str| {
        Block::new()
            .describe(description)
            .attr(req_str("key", "Key, 1–100 characters."))
            .attr(req_str("value", "Value, 1–128 characters."))
    };
    Block::new()
        .describe(
            "Extra conditions, all of which must match (custom conditions, annotation `conditions.<service>`).",
        )
        .block(NestedBlock::list(
            "header",
            Block::new()
                .describe("A request header condition (`Header`).")
                .attr(req_str(
                    "name",
                    "Header name, 1–40 characters `[A-Za-z0-9_-]`; not `Cookie` or `Host`.",
                ))
                .attr(req_str_list("values", "Accepted values (any of them), at least one.")),
        ))
        .block(NestedBlock::list(
            "query_string",
            key_value("A query parameter condition (`QueryString`); at most 20."),
        ))
        .block(NestedBlock::list(
            "cookie",
            key_value("A cookie condition (`Cookie`)."),
        ))
        .attr(opt_str_list(
            "methods",
            "HTTP methods (any of them): `HEAD`, `GET`, `POST`, `OPTIONS`, `PUT`, `PATCH`, `DELETE`.",
        ))
        .attr(opt_str_list(
            "source_ips",
            "Client IP addresses or CIDRs (any of them), at most 5.",
        ))
}

fn insert_header() -> Block {
    Block::new()
        .describe("Add a request header (custom action `InsertHeader`).")
        .attr(req_str(
            "name",
            "Header name, 1–40 characters `[A-Za-z0-9_-]`, not a reserved header (e.g. `Host`, \
             `X-Forwarded-For`).",
        ))
        .attr(req_str("value", "Header value (see `value_type`)."))
        .attr(opt_str(
            "value_type",
            "`UserDefined` (default: `value` as is), `ReferenceHeader` (`value` names a request header to \
             copy) or `SystemDefined` (`value` is one of `ClientSrcPort`, `ClientSrcIp`, `Protocol`, \
             `SLBId`, `SLBPort`).",
        ))
}

fn cors() -> Block {
    Block::new()
        .describe("Answer CORS requests (annotations `enable-cors`, `cors-*`).")
        .attr(opt_str_list(
            "allow_origins",
            "Allowed origins. Default `[\"*\"]` (annotation `cors-allow-origin`).",
        ))
        .attr(opt_str_list(
            "allow_methods",
            "Allowed methods among `GET`, `POST`, `PUT`, `DELETE`, `HEAD`, `OPTIONS`, `PATCH`. Default all \
             but `HEAD` (annotation `cors-allow-methods`).",
        ))
        .attr(opt_str_list(
            "allow_headers",
            "Allowed request headers (annotation `cors-allow-headers`).",
        ))
        .attr(opt_str_list(
            "expose_headers",
            "Response headers exposed to the page (annotation `cors-expose-headers`).",
        ))
        .attr(opt_bool(
            "allow_credentials",
            "Allow credentials. Default `true` (annotation `cors-allow-credentials`).",
        ))
        .attr(opt_num(
            "max_age",
            "Seconds a preflight answer may be cached, -1–172800. Default 172800 (annotation `cors-max-age`).",
        ))
}

fn redirect() -> Block {
    Block::new()
        .describe(
            "Redirect instead of forwarding (custom action `Redirect`). Unset fields keep the request's \
             value; at least one field other than `code` must change something.",
        )
        .attr(opt_str("protocol", "`HTTP` or `HTTPS`."))
        .attr(opt_str("host", "Target host."))
        .attr(opt_str("port", "Target port, 1–65535."))
        .attr(opt_str("path", "Target path, starting with `/`."))
        .attr(opt_str("query", "Target query string."))
        .attr(opt_num(
            "code",
            "HTTP status: 301 (default), 302, 303, 307 or 308.",
        ))
}

fn fixed_response() -> Block {
    Block::new()
        .describe("Answer with a fixed response instead of forwarding (custom action `FixedResponse`).")
        .attr(req_num("status", "HTTP status code, 200–599."))
        .attr(opt_str(
            "content_type",
            "`text/plain` (default), `text/css`, `text/html`, `application/javascript` or `application/json`.",
        ))
        .attr(opt_str("content", "Response body, at most 1024 ASCII characters."))
}

fn canary() -> Block {
    Block::new()
        .describe(
            "Canary release (annotations `canary`, `canary-by-header`, `canary-by-header-value`, \
             `canary-by-cookie`, `canary-weight`): send part of the traffic of this ingress's forward rules \
             to another Service. Exactly one of `header`, `cookie` or `weight`.",
        )
        .attr(opt_str(
            "cookie",
            "Cookie name: requests with `<cookie>=always` go to the canary.",
        ))
        .attr(opt_num(
            "weight",
            "Percentage of the traffic for the canary, 0–100.",
        ))
        .attr(opt_str_list(
            "hosts",
            "Restrict the canary to the rules with these hosts. Default: every forward rule.",
        ))
        .attr(opt_str_list(
            "paths",
            "Restrict the canary to the paths with these values (each starting with `/`). Default: every \
             forward rule.",
        ))
        .block(
            NestedBlock::single("backend", service_ref("The canary Service."))
                .min(1)
                .max(1),
        )
        .block(NestedBlock::single(
            "header",
            Block::new()
                .describe("Requests with this header value go to the canary.")
                .attr(req_str(
                    "name",
                    "Header name, 1–40 characters `[A-Za-z0-9_-]`; not `Cookie` or `Host`.",
                ))
                .attr(opt_str("value", "Header value. Default `always`.")),
        ))
}
