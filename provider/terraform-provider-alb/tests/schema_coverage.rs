//! The test fixtures set every attribute of the schemas, and the model's spec structs accept every
//! configuration the schemas can produce (their `deny_unknown_fields` catches name drift).

mod common;

use common::{alb_config, alb_ingress, assert_covers};
use model::spec::{ConfigSpec, IngressSpec};
use terraform_provider_alb::resources::{alb_config, alb_ingress};
use tfplugin::value::Value;

fn json(value: &Value) -> serde_json::Value {
    value.to_json().expect("fixture is wholly known")
}

#[test]
fn fixtures_cover_every_attribute() {
    assert_covers(&alb_config::schema::schema().block, &[&alb_config()], "");
    let ingresses = [alb_ingress(0), alb_ingress(1), alb_ingress(2)];
    let refs: Vec<&Value> = ingresses.iter().collect();
    assert_covers(&alb_ingress::schema::schema().block, &refs, "");
}

#[test]
fn model_spec_accepts_full_alb_config() {
    let (spec_json, labels) = alb_config::spec_json(json(&alb_config())).expect("labels");
    assert_eq!(labels, ["HTTP:80", "HTTPS:443", "QUIC:443"]);
    let spec: Result<ConfigSpec, _> = serde_json::from_value(spec_json);
    assert!(spec.is_ok(), "{spec:?}");
}

#[test]
fn model_spec_accepts_full_alb_ingress() {
    for variant in 0..3 {
        let spec: Result<IngressSpec, _> = serde_json::from_value(json(&alb_ingress(variant)));
        assert!(spec.is_ok(), "variant {variant}: {spec:?}");
    }
}

#[test]
fn fixtures_conform_to_the_schema_types() {
    // Encoding checks every value against the schema's implied type.
    let config_type = alb_config::schema::schema().block.implied_type();
    assert!(tfplugin::value::msgpack::encode(&alb_config(), &config_type).is_ok());
    let ingress_type = alb_ingress::schema::schema().block.implied_type();
    for variant in 0..3 {
        let encoded = tfplugin::value::msgpack::encode(&alb_ingress(variant), &ingress_type);
        assert!(encoded.is_ok(), "variant {variant}: {encoded:?}");
    }
}
