//! `generate` on the fixture manifests of `acceptance-tests/tests/fixtures/ack/` (three
//! AlbConfigs, five IngressClasses, seventeen Ingresses, Services): the HCL is compared with
//! `acceptance-tests/tests/golden/generate/ack.tf` (`UPDATE_GOLDEN=1` rewrites it), every
//! annotation not carried over is reported, and the invalid fixtures fail naming object and
//! annotation. The acceptance test `generate` runs the same golden through real Terraform.

use std::collections::BTreeSet;
use std::path::PathBuf;

use terraform_provider_alb::generate::inventory::Inventory;
use terraform_provider_alb::generate::{generate, Finding, Generated, Invalid, Options};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn fixtures(dir: &str) -> Inventory {
    let dir = repo().join("acceptance-tests/tests/fixtures").join(dir);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("fixture dir")
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    let mut inventory = Inventory::default();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("fixture");
        inventory
            .add_yaml(&file.display().to_string(), &text)
            .expect("fixture parses");
    }
    inventory.sort();
    inventory
}

fn generated(options: &Options) -> Generated {
    match generate(&fixtures("ack"), options) {
        Ok(g) => g,
        Err(Invalid(errors)) => panic!("fixtures are valid, got {errors:#?}"),
    }
}

fn pairs(findings: &[Finding]) -> BTreeSet<(String, String)> {
    findings
        .iter()
        .map(|f| (f.object.to_string(), f.annotation.clone()))
        .collect()
}

#[test]
fn fixtures_generate_the_golden_hcl() {
    let hcl = generated(&Options::default()).hcl;
    let golden = repo().join("acceptance-tests/tests/golden/generate/ack.tf");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&golden, &hcl).expect("write golden");
    }
    let expected = std::fs::read_to_string(&golden).expect("golden exists (UPDATE_GOLDEN=1)");
    assert_eq!(
        hcl,
        expected,
        "generated HCL differs from {}",
        golden.display()
    );
}

#[test]
fn the_input_order_does_not_change_the_output() {
    let mut reversed = Inventory::default();
    let forward = fixtures("ack");
    for config in forward.alb_configs.iter().rev() {
        reversed.add_object(config.clone()).expect("add");
    }
    for kind in [
        serde_json::to_value(&forward.ingresses).expect("json"),
        serde_json::to_value(&forward.ingress_classes).expect("json"),
        serde_json::to_value(&forward.services).expect("json"),
    ] {
        for mut object in kind.as_array().expect("list").iter().rev().cloned() {
            let is_class = object["spec"]["controller"].is_string();
            let is_service = object["spec"]["ports"].is_array();
            object["apiVersion"] = if is_service {
                "v1"
            } else {
                "networking.k8s.io/v1"
            }
            .into();
            object["kind"] = if is_service {
                "Service"
            } else if is_class {
                "IngressClass"
            } else {
                "Ingress"
            }
            .into();
            reversed.add_object(object).expect("add");
        }
    }
    reversed.sort();
    let a = generate(&forward, &Options::default()).expect("valid").hcl;
    let b = generate(&reversed, &Options::default()).expect("valid").hcl;
    assert_eq!(a, b);
}

#[test]
fn every_annotation_not_carried_is_reported_with_object_and_annotation() {
    let g = generated(&Options::default());
    let expected: BTreeSet<(String, String)> = [
        ("AlbConfig legacy", "spec.config.forceOverride"),
        ("AlbConfig legacy", "spec.config.listenerForceOverride"),
        ("AlbConfig legacy", "spec.listeners[0].logConfig"),
        (
            "Ingress legacy/app",
            "alb.ingress.kubernetes.io/canary-by-header-pattern",
        ),
        (
            "Ingress legacy/app",
            "alb.ingress.kubernetes.io/cookie-timeout",
        ),
        (
            "Ingress legacy/app",
            "alb.ingress.kubernetes.io/healthcheck-timeout-secs",
        ),
        (
            "Ingress legacy/app",
            "alb.ingress.kubernetes.io/rule-direction.app",
        ),
        (
            "Ingress legacy/app",
            "alb.ingress.kubernetes.io/server-group-id",
        ),
        ("Ingress legacy/app", "spec.tls[0].secretName"),
        (
            "Ingress legacy/orphan-canary",
            "alb.ingress.kubernetes.io/canary",
        ),
        (
            "Ingress ops/admin",
            "alb.ingress.kubernetes.io/healthcheck-httpcode",
        ),
        ("Ingress shop/checkout", "spec.tls[0].secretName"),
        (
            "Ingress shop/checkout-next",
            "alb.ingress.kubernetes.io/healthcheck-path",
        ),
        (
            "Ingress shop/storefront-canary",
            "alb.ingress.kubernetes.io/canary-weight",
        ),
        (
            "Ingress shop/storefront-canary",
            "alb.ingress.kubernetes.io/order",
        ),
        (
            "Service legacy/app",
            "alb.ingress.kubernetes.io/backend-label",
        ),
    ]
    .iter()
    .map(|(o, a)| (o.to_string(), a.to_string()))
    .collect();
    assert_eq!(pairs(&g.not_carried), expected);
    for finding in &g.not_carried {
        assert!(
            g.hcl
                .contains(&format!("# TODO not carried over: {finding}")),
            "no TODO comment for {finding}"
        );
        assert!(!finding.reason.is_empty());
    }
}

#[test]
fn invalid_values_are_errors_naming_object_and_annotation() {
    let Err(Invalid(errors)) = generate(&fixtures("ack-invalid"), &Options::default()) else {
        panic!("the invalid fixtures must fail");
    };
    let a = |s: &str| format!("alb.ingress.kubernetes.io/{s}");
    let expected: BTreeSet<(String, String)> = [
        (
            "AlbConfig bad",
            "spec.config.zoneMappings[1].zoneId".to_string(),
        ),
        ("Ingress app/numbers", a("healthcheck-interval-seconds")),
        ("Ingress app/numbers", a("healthcheck-timeout-seconds")),
        ("Ingress app/numbers", a("order")),
        ("Ingress app/numbers", a("ssl-redirect")),
        ("Ingress app/json", a("actions.web")),
        ("Ingress app/json", a("conditions.api")),
        ("Ingress app/json", a("listen-ports")),
        ("Ingress app/json", a("backend-scheduler")),
        ("Ingress app/canary", a("canary-weight")),
        ("Ingress app/canary", a("traffic-limit-ip-qps")),
        ("Ingress app/finals", a("actions.web")),
        ("Ingress app/numbers", a("healthcheck-method")),
        (
            "Ingress app/finals",
            "spec.rules[0].http.paths[1].backend.service.port.name".to_string(),
        ),
    ]
    .into_iter()
    .map(|(o, a)| (o.to_string(), a))
    .collect();
    assert_eq!(pairs(&errors), expected, "{errors:#?}");
    let reason = |object: &str, annotation: &str| {
        errors
            .iter()
            .find(|e| e.object.to_string() == object && e.annotation.ends_with(annotation))
            .map(|e| e.reason.clone())
            .unwrap_or_default()
    };
    assert!(reason("Ingress app/numbers", "interval-seconds").contains("`often` is not an integer"));
    assert!(
        reason("Ingress app/numbers", "timeout-seconds").contains("300"),
        "range from the provider's validation"
    );
    assert!(reason("Ingress app/json", "actions.web").contains("not valid JSON"));
    assert!(
        reason("Ingress app/json", "conditions.api").contains("unknown condition type `Weather`")
    );
    assert!(reason("Ingress app/finals", "actions.web").contains("multi finalType"));
    assert!(reason("Ingress app/canary", "canary-weight").contains("0 to 100"));
}

#[test]
fn filters_keep_the_namespaces_and_classes_asked_for() {
    let ops = generated(&Options {
        namespaces: vec!["ops".into()],
        ..Options::default()
    })
    .hcl;
    assert!(ops.contains("resource \"alb_config\" \"internal\""));
    assert!(!ops.contains("resource \"alb_config\" \"public\""));
    assert!(ops.contains("resource \"alb_ingress\" \"ops_admin\""));
    assert!(!ops.contains("shop_storefront"));

    let team_b = generated(&Options {
        ingress_classes: vec!["alb-public-b".into()],
        vpc_id: Some("vpc-1".into()),
        ..Options::default()
    })
    .hcl;
    assert!(team_b.contains("resource \"alb_config\" \"public\""));
    assert!(
        team_b.contains("vpc_id = \"vpc-1\"") || team_b.contains("vpc_id  "),
        "{team_b}"
    );
    assert!(!team_b.contains("variable \"vpc_id\""));
    assert!(team_b.contains("team-b_docs") && team_b.contains("team-b_blog"));
    assert!(!team_b.contains("shop_storefront"));
}

/// An AlbConfig, its IngressClass and `ingresses` (name, order annotation, number of paths).
fn group(ingresses: &[(&str, Option<u32>, usize)]) -> Inventory {
    let mut yaml = String::from(
        "apiVersion: alibabacloud.com/v1\nkind: AlbConfig\nmetadata: {name: main}\nspec:\n  config:\n    zoneMappings:\n      - {vSwitchId: vsw-1, zoneId: z-1}\n      - {vSwitchId: vsw-2, zoneId: z-2}\n  listeners:\n    - {port: 80, protocol: HTTP}\n---\napiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata: {name: alb}\nspec:\n  controller: ingress.k8s.alibabacloud/alb\n  parameters: {apiGroup: alibabacloud.com, kind: AlbConfig, name: main}\n",
    );
    for (name, order, paths) in ingresses {
        yaml.push_str(&format!(
            "---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: {name}\n  namespace: app\n"
        ));
        if let Some(order) = order {
            yaml.push_str(&format!(
                "  annotations:\n    alb.ingress.kubernetes.io/order: \"{order}\"\n"
            ));
        }
        yaml.push_str("spec:\n  ingressClassName: alb\n  rules:\n    - http:\n        paths:\n");
        for i in 0..*paths {
            yaml.push_str(&format!(
                "          - {{path: /p{i}, pathType: Prefix, backend: {{service: {{name: web, port: {{number: 80}}}}}}}}\n"
            ));
        }
    }
    let mut inventory = Inventory::default();
    inventory.add_yaml("inline", &yaml).expect("inline YAML");
    inventory.sort();
    inventory
}

/// The `order` of each `alb_ingress` in the output (10 when unset), by name.
fn orders(hcl: &str) -> Vec<(String, u32)> {
    let mut out = Vec::new();
    for block in hcl.split("resource \"alb_ingress\" \"").skip(1) {
        let name = block.split('"').next().expect("name").to_string();
        let body = block.split("\n}\n").next().expect("body");
        let order = body
            .lines()
            .find_map(|l| l.trim().strip_prefix("order"))
            .map(|rest| rest.trim_start_matches([' ', '=']).parse().expect("number"))
            .unwrap_or(10);
        out.push((name, order));
    }
    out
}

#[test]
fn orders_keep_acks_sequence_with_a_band_per_ingress() {
    // ACK's sequence: b (order 5), then a, c, d (default 10, by name), then e (order 12).
    // a has 12 paths: two bands (10 and 11) on its listener, so c moves to 12, d to 13 and e,
    // asking for 12, to 14.
    let inventory = group(&[
        ("a", None, 12),
        ("b", Some(5), 1),
        ("c", None, 1),
        ("d", None, 1),
        ("e", Some(12), 1),
    ]);
    let hcl = generate(&inventory, &Options::default())
        .expect("valid")
        .hcl;
    assert_eq!(
        orders(&hcl),
        vec![
            ("app_b".to_string(), 5),
            ("app_a".to_string(), 10),
            ("app_c".to_string(), 12),
            ("app_d".to_string(), 13),
            ("app_e".to_string(), 14),
        ]
    );
    assert!(
        hcl.contains("# order 12: ACK order 10 (default), moved after app/a"),
        "{hcl}"
    );
}

#[test]
fn an_order_beyond_1000_is_an_error_naming_the_ingress() {
    let inventory = group(&[("a", Some(1000), 1), ("b", Some(1000), 1)]);
    let Err(Invalid(errors)) = generate(&inventory, &Options::default()) else {
        panic!("two ingresses cannot both fit at order 1000");
    };
    for e in &errors {
        assert_eq!(e.object.to_string(), "Ingress app/b", "{errors:#?}");
        assert_eq!(e.annotation, "alb.ingress.kubernetes.io/order");
    }
    assert!(errors
        .iter()
        .any(|e| e.reason.contains("keeping ACK's sequence needs order 1001")));
}
