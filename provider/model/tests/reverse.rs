//! Round trips of the import reconstruction: expand a spec, fake what the API would hold, and
//! reconstruct the spec from it. The reconstruction must expand to exactly the same objects, be
//! a fixed point (reconstructing its own expansion gives it back) and, for canonical specs, be
//! the spec itself.

use std::collections::BTreeMap;
use std::path::Path;

use model::desired::{DesiredIngress, IngressId, Member, ServerType};
use model::diff::{ActualIngress, ActualRule, ActualServerGroup};
use model::ownership::{ingress_tags, ResourceKind, Tags};
use model::priority::Held;
use model::reverse::{spec_from_actual, Observed, Reconstruction};
use model::spec::{ConfigSpec, IngressSpec};
use model::{expand_config, expand_ingress, ConfigListeners, Members};
use serde::Deserialize;
use serde_json::json;

const CLUSTER: &str = "c-test";

#[derive(Deserialize)]
struct Input {
    config: ConfigSpec,
    ingress: IngressSpec,
    #[serde(default)]
    members: Members,
}

/// What the API holds after applying `d`: the ingress's rules and groups with ids and tags, a
/// foreign rule, and a rule of another ingress.
fn fake_actual(d: &DesiredIngress) -> ActualIngress {
    let mut rules: Vec<ActualRule> = d
        .rules
        .iter()
        .enumerate()
        .map(|(i, r)| ActualRule {
            id: format!("rule-{i}"),
            listener: r.listener,
            priority: r.priority,
            name: r.name.clone(),
            conditions: r.conditions.clone(),
            actions: r.actions.clone(),
            tags: ingress_tags(CLUSTER, &d.config, &d.id, ResourceKind::Rule, &r.identity),
        })
        .collect();
    if let Some(first) = d.rules.first() {
        rules.push(ActualRule {
            id: "rule-foreign".into(),
            listener: first.listener,
            priority: 9_999,
            name: "console".into(),
            conditions: first.conditions.clone(),
            actions: Vec::new(),
            tags: Tags::from([("team".to_owned(), "ops".to_owned())]),
        });
        let other = IngressId::new("shop", "other");
        rules.push(ActualRule {
            id: "rule-other".into(),
            listener: first.listener,
            priority: 5_000,
            name: "other".into(),
            conditions: first.conditions.clone(),
            actions: first.actions.clone(),
            tags: ingress_tags(
                CLUSTER,
                &d.config,
                &other,
                ResourceKind::Rule,
                "HTTP:80 path=Prefix#0",
            ),
        });
    }
    let server_groups = d
        .server_groups
        .iter()
        .enumerate()
        .map(|(i, g)| ActualServerGroup {
            id: format!("sgp-{i}"),
            name: g.name.clone(),
            attributes: g.attributes.clone(),
            members: g.members.clone(),
            member_mode: g.member_mode,
            tags: ingress_tags(CLUSTER, &d.config, &d.id, ResourceKind::ServerGroup, &g.key),
        })
        .collect();
    ActualIngress {
        rules,
        server_groups,
    }
}

fn reconstruct(
    spec: &IngressSpec,
    listeners: &ConfigListeners,
    members: &Members,
) -> (DesiredIngress, Reconstruction) {
    let desired = expand_ingress(spec, listeners, members, &Held::default()).expect("expands");
    let actual = fake_actual(&desired);
    let id = IngressId::new(&spec.namespace, &spec.name);
    let r = spec_from_actual(&Observed {
        alb_config_id: &spec.alb_config_id,
        id: &id,
        listeners,
        actual: &actual,
    });
    (desired, r)
}

fn same_objects(a: &DesiredIngress, b: &DesiredIngress) -> bool {
    let rules = |d: &DesiredIngress| d.rules.iter().map(|r| r.view()).collect::<Vec<_>>();
    let groups = |d: &DesiredIngress| d.server_groups.iter().map(|g| g.view()).collect::<Vec<_>>();
    rules(a) == rules(b) && groups(a) == groups(b)
}

#[test]
fn golden_inputs_round_trip() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let mut checked = 0;
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".input.json"))
        .collect();
    paths.sort();
    for path in paths {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let input: Input = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let lb = expand_config(&input.config).unwrap();
        let listeners = ConfigListeners::from_desired(CLUSTER, &input.ingress.alb_config_id, &lb);
        if expand_ingress(&input.ingress, &listeners, &input.members, &Held::default()).is_err() {
            continue;
        }
        let (desired, r) = reconstruct(&input.ingress, &listeners, &input.members);
        assert!(
            r.differences.is_empty(),
            "{name}: {:?}\n{:#?}",
            r.differences,
            r.spec
        );
        let again = expand_ingress(&r.spec, &listeners, &input.members, &Held::default()).unwrap();
        assert!(
            same_objects(&desired, &again),
            "{name}: expansion differs\n{:#?}",
            r.spec
        );
        let (_, fixed) = reconstruct(&r.spec, &listeners, &input.members);
        assert_eq!(fixed.spec, r.spec, "{name}: not a fixed point");
        checked += 1;
    }
    assert!(checked >= 12, "only {checked} golden inputs checked");
}

fn listeners() -> ConfigListeners {
    ConfigListeners {
        cluster_id: CLUSTER.into(),
        config: "alb-1".into(),
        edition: model::spec::Edition::Standard,
        listeners: ["HTTP:80", "HTTPS:443", "HTTP:8080"]
            .iter()
            .map(|k| k.parse().unwrap())
            .collect(),
    }
}

/// A canonical spec (defaults unset, one rule block per host in priority order) comes back
/// unchanged.
#[test]
fn canonical_spec_comes_back_unchanged() {
    let spec: IngressSpec = serde_json::from_value(json!({
        "alb_config_id": "alb-1", "namespace": "shop", "name": "web", "order": 20,
        "tls_hosts": ["shop.example.com"], "ssl_redirect": true,
        "backend_defaults": {
            "scheduler": "Wlc", "member_mode": "nodeport", "cross_zone": false,
            "health_check": {"enabled": true, "path": "/healthz", "interval": 10},
            "sticky_session": {"cookie_timeout": 60},
            "slow_start": {"duration": 60}, "connection_drain": {"timeout": 10}
        },
        "rule": [{"host": "shop.example.com", "path": [
            {"path": "/login", "path_type": "Exact", "fixed_response": {"status": 503, "content": "later"}},
            {"path": "/api", "path_type": "Prefix",
             "backend": [{"service": "api", "port": "80", "weight": 80}, {"service": "api-v2", "port": "http", "weight": 20}],
             "match": {"header": [{"name": "x-env", "values": ["prod"]}], "methods": ["GET", "POST"],
                       "query_string": [{"key": "v", "value": "2"}]},
             "rewrite": {"path": "/"},
             "insert_header": [{"name": "x-from", "value": "alb"}],
             "remove_header": [{"name": "x-debug"}],
             "traffic_limit": {"qps": 100, "per_ip_qps": 10}},
            {"path": "/old", "path_type": "Prefix", "redirect": {"path": "/new", "code": 302}},
            {"backend": [{"service": "web", "port": "80"}],
             "cors": {"allow_origins": ["https://a.example.com"], "max_age": 600},
             "mirror": {"service": "shadow", "port": "80"}}
        ]}],
        "canary": [{"backend": {"service": "web-v2", "port": "80"}, "cookie": "beta", "paths": ["/"]}],
        "default_backend": {"service": "web", "port": "80"}
    }))
    .unwrap();
    let members: Members = BTreeMap::from([(
        "web:80".to_owned(),
        vec![Member {
            server_id: "i-1".into(),
            ip: String::new(),
            port: 30080,
            weight: 100,
            kind: ServerType::Ecs,
        }],
    )]);
    let (_, r) = reconstruct(&spec, &listeners(), &members);
    assert!(r.differences.is_empty(), "{:?}", r.differences);
    assert_eq!(r.spec, spec);
    let json = serde_json::to_value(&r.spec).unwrap();
    assert!(json["rules"].is_null() && json["id"].is_null());
    let back: IngressSpec = serde_json::from_value(json).unwrap();
    assert_eq!(back, spec, "specs serialise to their HCL JSON form");
}

#[test]
fn explicit_listen_and_header_canary_come_back() {
    let spec: IngressSpec = serde_json::from_value(json!({
        "alb_config_id": "alb-1", "namespace": "shop", "name": "alt", "order": 10,
        "listen": [{"protocol": "HTTP", "port": 8080}],
        "use_regex": true,
        "rule": [
            {"host": "a.example.com", "path": [
                {"path": "/x", "path_type": "Prefix", "backend": [{"service": "x", "port": "80"}]},
                {"path": "/y", "path_type": "Prefix", "backend": [{"service": "y", "port": "80"}]}
            ]},
            {"host": "b.example.com", "path": [
                {"path": "/x", "path_type": "Prefix", "backend": [{"service": "x", "port": "80"}]}
            ]}
        ],
        "canary": [{"backend": {"service": "x-canary", "port": "80"}, "header": {"name": "x-canary", "value": "yes"},
                    "hosts": ["a.example.com"]}]
    }))
    .unwrap();
    let (_, r) = reconstruct(&spec, &listeners(), &Members::new());
    assert!(r.differences.is_empty(), "{:?}", r.differences);
    assert_eq!(r.spec, spec);
}

/// Objects the spec cannot produce are reported, not silently dropped.
#[test]
fn unexplainable_objects_are_reported() {
    let spec: IngressSpec = serde_json::from_value(json!({
        "alb_config_id": "alb-1", "namespace": "shop", "name": "web",
        "rule": [{"path": [{"path": "/a", "path_type": "Prefix", "backend": [{"service": "a", "port": "80"}]}]}]
    }))
    .unwrap();
    let desired = expand_ingress(&spec, &listeners(), &Members::new(), &Held::default()).unwrap();
    let mut actual = fake_actual(&desired);
    actual.rules[0].priority += 3;
    let mut odd = actual.rules[0].clone();
    odd.id = "rule-odd".into();
    odd.tags = ingress_tags(
        CLUSTER,
        "alb-1",
        &desired.id,
        ResourceKind::Rule,
        "x~0123456789ab",
    );
    actual.rules.push(odd);
    let id = desired.id.clone();
    let r = spec_from_actual(&Observed {
        alb_config_id: "alb-1",
        id: &id,
        listeners: &listeners(),
        actual: &actual,
    });
    assert!(
        r.differences.iter().any(|d| d.contains("not recognised")),
        "{:?}",
        r.differences
    );
    assert!(
        r.differences.iter().any(|d| d.contains("differs")),
        "{:?}",
        r.differences
    );
}
