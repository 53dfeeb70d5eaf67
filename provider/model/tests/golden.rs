//! Golden tests: `tests/golden/<name>.input.json` = { config, ingress, members, render_config? }
//! expanded and rendered as pretty JSON in `<name>.expected.json`.
//! `UPDATE_GOLDEN=1 cargo test -p model --test golden` rewrites the expected files.

use std::path::{Path, PathBuf};

use model::priority::Held;
use model::spec::{ConfigSpec, IngressSpec};
use model::{expand_config, expand_ingress, ConfigListeners, Members};
use serde::Deserialize;
use serde_json::{json, Value};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Input {
    config: ConfigSpec,
    ingress: IngressSpec,
    #[serde(default)]
    members: Members,
    #[serde(default)]
    render_config: bool,
}

fn render(input: &Input) -> Value {
    let lb = match expand_config(&input.config) {
        Ok(lb) => lb,
        Err(e) => return json!({ "config_error": e.to_string(), "path": e.path().0 }),
    };
    let listeners = ConfigListeners::from_desired("c-test", "web-alb", &lb);
    let mut out = serde_json::Map::new();
    if input.render_config {
        out.insert("load_balancer".into(), serde_json::to_value(&lb).unwrap());
    }
    match expand_ingress(&input.ingress, &listeners, &input.members, &Held::default()) {
        Ok(ing) => {
            let summaries: Vec<String> = ing.rules.iter().map(|r| r.summary()).collect();
            out.insert("summaries".into(), json!(summaries));
            out.insert("ingress".into(), serde_json::to_value(&ing).unwrap());
        }
        Err(e) => {
            out.insert("error".into(), json!(e.to_string()));
            out.insert("path".into(), json!(e.path().0));
        }
    }
    Value::Object(out)
}

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

#[test]
fn golden() {
    let update = std::env::var("UPDATE_GOLDEN").is_ok_and(|v| v == "1");
    let mut inputs: Vec<PathBuf> = std::fs::read_dir(golden_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".input.json"))
        .collect();
    inputs.sort();
    assert!(inputs.len() >= 12, "expected at least 12 golden cases");
    let mut failures = Vec::new();
    for input_path in inputs {
        let name = input_path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .trim_end_matches(".input.json")
            .to_owned();
        let input: Input = serde_json::from_str(&std::fs::read_to_string(&input_path).unwrap())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let rendered = serde_json::to_string_pretty(&render(&input)).unwrap() + "\n";
        let expected_path = golden_dir().join(format!("{name}.expected.json"));
        if update {
            std::fs::write(&expected_path, &rendered).unwrap();
            continue;
        }
        match std::fs::read_to_string(&expected_path) {
            Ok(expected) if expected == rendered => {}
            Ok(_) => failures.push(format!(
                "{name}: rendering differs (UPDATE_GOLDEN=1 to rewrite)\n{rendered}"
            )),
            Err(_) => failures.push(format!("{name}: {} missing", expected_path.display())),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn expansion_is_deterministic() {
    let path = golden_dir().join("canary_weight.input.json");
    let input: Input = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert_eq!(render(&input), render(&input));
}

#[test]
fn edge_variants_never_panic() {
    for entry in std::fs::read_dir(golden_dir()).unwrap() {
        let path = entry.unwrap().path();
        if !path.to_string_lossy().ends_with(".input.json") {
            continue;
        }
        let input: Input = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        for order in [0, 1, 999, 1000, 1001, -5, i64::MAX] {
            for edition in [
                model::spec::Edition::Basic,
                model::spec::Edition::StandardWithWaf,
            ] {
                let mut ingress = input.ingress.clone();
                ingress.order = Some(order);
                ingress.ssl_redirect = Some(order % 2 == 0);
                let listeners = ConfigListeners {
                    cluster_id: String::new(),
                    config: "x".repeat(300),
                    edition,
                    listeners: ["HTTP:80", "HTTPS:443", "HTTP:8080", "HTTPS:8443"]
                        .iter()
                        .map(|k| k.parse().unwrap())
                        .collect(),
                };
                if let Ok(d) =
                    expand_ingress(&ingress, &listeners, &input.members, &Held::default())
                {
                    for r in &d.rules {
                        assert!((1..=10_000).contains(&r.priority));
                        assert!(r.name.len() <= 128 && r.identity.len() <= 128);
                        let _ = (r.summary(), r.flat_actions(), r.flat_conditions());
                    }
                    let _ = model::plan_ingress_ops(&d, &Default::default());
                }
            }
        }
    }
}
