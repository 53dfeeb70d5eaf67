//! No gap, ever: random edits of an ingress (insert, remove, reorder and rename paths, change
//! hosts, path types and backends, add or drop a canary and a default backend), each planned
//! against what the previous apply left and replayed one API call at a time over the routing
//! model. Every sample request must reach its old or its new target after every call.

use model::desired::DesiredIngress;
use model::diff::ActualIngress;
use model::priority::Held;
use model::replay::{check_plan, sample_requests, Replay};
use model::spec::IngressSpec;
use model::{expand_ingress, plan_ingress_ops, ConfigListeners, Members};
use proptest::prelude::*;
use serde_json::{json, Value};

const HOSTS: [Option<&str>; 4] = [
    None,
    Some("a.example.com"),
    Some("*.example.com"),
    Some("b.example.com"),
];
const PATHS: [&str; 8] = [
    "/",
    "/api",
    "/api/v1",
    "/admin",
    "/keep",
    "/static",
    "/a/b",
    "/api/v1/users",
];
const TYPES: [&str; 3] = ["Prefix", "Exact", "ImplementationSpecific"];
const SERVICES: [&str; 4] = ["web", "api", "admin", "static"];

/// One path block: (path, path type, service).
type Path = (usize, usize, usize);

/// An ingress shape: rule blocks (host, paths), a default backend, a header canary.
#[derive(Clone, Debug)]
struct Shape {
    rules: Vec<(usize, Vec<Path>)>,
    default_backend: Option<usize>,
    canary: bool,
}

#[derive(Clone, Debug)]
enum Edit {
    Insert {
        rule: usize,
        at: usize,
        path: Path,
    },
    Remove {
        rule: usize,
        at: usize,
    },
    Swap {
        rule: usize,
        a: usize,
        b: usize,
    },
    Rename {
        rule: usize,
        at: usize,
        path: usize,
    },
    Retype {
        rule: usize,
        at: usize,
        ty: usize,
    },
    Backend {
        rule: usize,
        at: usize,
        service: usize,
    },
    Host {
        rule: usize,
        host: usize,
    },
    DefaultBackend(Option<usize>),
    Canary,
}

fn path() -> impl Strategy<Value = Path> {
    (0..PATHS.len(), 0..TYPES.len(), 0..SERVICES.len())
}

fn shape() -> impl Strategy<Value = Shape> {
    (
        prop::collection::vec((0..HOSTS.len(), prop::collection::vec(path(), 1..4)), 1..3),
        prop::option::of(0..SERVICES.len()),
        any::<bool>(),
    )
        .prop_map(|(rules, default_backend, canary)| Shape {
            rules,
            default_backend,
            canary,
        })
}

fn edit() -> impl Strategy<Value = Edit> {
    let i = 0..4usize;
    prop_oneof![
        3 => (i.clone(), i.clone(), path()).prop_map(|(rule, at, path)| Edit::Insert { rule, at, path }),
        2 => (i.clone(), i.clone()).prop_map(|(rule, at)| Edit::Remove { rule, at }),
        2 => (i.clone(), i.clone(), i.clone()).prop_map(|(rule, a, b)| Edit::Swap { rule, a, b }),
        2 => (i.clone(), i.clone(), 0..PATHS.len()).prop_map(|(rule, at, path)| Edit::Rename { rule, at, path }),
        1 => (i.clone(), i.clone(), 0..TYPES.len()).prop_map(|(rule, at, ty)| Edit::Retype { rule, at, ty }),
        2 => (i.clone(), i.clone(), 0..SERVICES.len()).prop_map(|(rule, at, service)| Edit::Backend { rule, at, service }),
        1 => (i.clone(), 0..HOSTS.len()).prop_map(|(rule, host)| Edit::Host { rule, host }),
        1 => prop::option::of(0..SERVICES.len()).prop_map(Edit::DefaultBackend),
        1 => Just(Edit::Canary),
    ]
}

impl Shape {
    fn apply(&mut self, e: &Edit) {
        let n = self.rules.len();
        let block = |rule: usize| rule % n;
        match *e {
            Edit::Insert { rule, at, path } => {
                let paths = &mut self.rules[block(rule)].1;
                paths.insert(at % (paths.len() + 1), path);
            }
            Edit::Remove { rule, at } => {
                let paths = &mut self.rules[block(rule)].1;
                if paths.len() > 1 {
                    paths.remove(at % paths.len());
                }
            }
            Edit::Swap { rule, a, b } => {
                let paths = &mut self.rules[block(rule)].1;
                let len = paths.len();
                paths.swap(a % len, b % len);
            }
            Edit::Rename { rule, at, path } => {
                let paths = &mut self.rules[block(rule)].1;
                let len = paths.len();
                paths[at % len].0 = path;
            }
            Edit::Retype { rule, at, ty } => {
                let paths = &mut self.rules[block(rule)].1;
                let len = paths.len();
                paths[at % len].1 = ty;
            }
            Edit::Backend { rule, at, service } => {
                let paths = &mut self.rules[block(rule)].1;
                let len = paths.len();
                paths[at % len].2 = service;
            }
            Edit::Host { rule, host } => self.rules[block(rule)].0 = host,
            Edit::DefaultBackend(d) => self.default_backend = d,
            Edit::Canary => self.canary = !self.canary,
        }
    }

    /// The spec; a repeated (host, path, path type) is left out, as validation refuses it.
    fn spec(&self) -> IngressSpec {
        let mut seen = std::collections::BTreeSet::new();
        let rules: Vec<Value> = self
            .rules
            .iter()
            .map(|(host, paths)| {
                let paths: Vec<Value> = paths
                    .iter()
                    .filter(|&&(p, t, _)| seen.insert((HOSTS[*host], p, t)))
                    .map(|&(p, t, s)| {
                        json!({"path": PATHS[p], "path_type": TYPES[t],
                               "backend": [{"service": SERVICES[s], "port": "80"}]})
                    })
                    .collect();
                match HOSTS[*host] {
                    Some(h) => json!({"host": h, "path": paths}),
                    None => json!({"path": paths}),
                }
            })
            .collect();
        let mut spec = json!({
            "alb_config_id": "alb-1", "namespace": "shop", "name": "web", "rule": rules,
        });
        if let Some(d) = self.default_backend {
            spec["default_backend"] = json!({"service": SERVICES[d], "port": "80"});
        }
        if self.canary {
            spec["canary"] = json!([{"header": {"name": "x-canary"},
                                     "backend": {"service": "canary", "port": "80"}}]);
        }
        serde_json::from_value(spec).expect("spec")
    }
}

fn listeners() -> ConfigListeners {
    ConfigListeners {
        cluster_id: "c1".into(),
        config: "main".into(),
        edition: model::spec::Edition::Standard,
        listeners: ["HTTP:80".parse().unwrap()].into(),
    }
}

fn expand(spec: &IngressSpec, actual: &ActualIngress) -> Option<DesiredIngress> {
    let held = Held::of_rules(&actual.rules, false);
    expand_ingress(spec, &listeners(), &Members::new(), &held).ok()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(600))]

    #[test]
    fn every_request_reaches_its_old_or_new_target_at_every_step(
        start in shape(),
        edits in prop::collection::vec(prop::collection::vec(edit(), 1..3), 1..4),
    ) {
        let before = expand(&start.spec(), &ActualIngress::default());
        prop_assume!(before.is_some());
        let before = before.unwrap();
        let mut lb = Replay::new(ActualIngress::default());
        lb.apply_all(&plan_ingress_ops(&before, &ActualIngress::default())).unwrap();
        let mut shape = start;
        // Several applies in a row: each plans against what the previous one left.
        for step in edits {
            for e in &step {
                shape.apply(e);
            }
            let Some(after) = expand(&shape.spec(), &lb.state) else {
                continue;
            };
            let ops = plan_ingress_ops(&after, &lb.state);
            let samples = sample_requests(&lb.state, &after);
            let end = check_plan(&lb.state, &ops, &samples);
            prop_assert!(
                end.is_ok(),
                "{:?} after {step:?}:\n{}\nbefore: {:?}\nafter: {:?}\nops: {}",
                shape,
                end.unwrap_err(),
                lb.state.rules.iter().map(|r| (r.priority, r.id.as_str(), r.tags["alb.terraform/key"].as_str())).collect::<Vec<_>>(),
                after.rules.iter().map(|r| (r.priority, r.identity.as_str())).collect::<Vec<_>>(),
                serde_json::to_string(&ops.iter().map(|o| &o.kind).collect::<Vec<_>>()).unwrap()
            );
            lb = Replay::new(end.unwrap());
            // Past a full band, new rules may have had to land after the rules being deleted;
            // the next plan moves them back into the band, as gapless as any other.
            let again = expand(&shape.spec(), &lb.state).unwrap();
            if again.rules != after.rules {
                let ops = plan_ingress_ops(&again, &lb.state);
                let samples = sample_requests(&lb.state, &again);
                let end = check_plan(&lb.state, &ops, &samples);
                prop_assert!(end.is_ok(), "follow-up {:?}:\n{}", shape, end.unwrap_err());
                lb = Replay::new(end.unwrap());
            }
            let last = expand(&shape.spec(), &lb.state).unwrap();
            prop_assert!(plan_ingress_ops(&last, &lb.state).is_empty(), "converged");
            prop_assert_eq!(
                &expand(&shape.spec(), &lb.state).unwrap().rules,
                &last.rules,
                "a further plan keeps every priority"
            );
        }
    }
}
