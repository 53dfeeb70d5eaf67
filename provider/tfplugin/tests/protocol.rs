//! Acts like Terraform: launches the server in-process with AutoMTLS (a
//! go-plugin-style P-521 client certificate), reads the handshake line,
//! dials the unix socket over TLS and drives the RPCs.

mod common;

use std::time::Duration;

use common::*;
use tfplugin::proto::plugin::grpc_controller_client::GrpcControllerClient;
use tfplugin::proto::tfplugin6 as pb;
use tfplugin::server::{run, ServerEnv, MAGIC_COOKIE_VALUE};
use tfplugin::value::msgpack;
use tfplugin::{AttributePath, Value};
use tokio::sync::mpsc;

fn launched_env(client_pem: Option<String>) -> ServerEnv {
    ServerEnv {
        magic_cookie: Some(MAGIC_COOKIE_VALUE.to_string()),
        protocol_versions: Some("5,6".to_string()),
        client_cert_pem: client_pem,
        ..ServerEnv::default()
    }
}

fn dv(v: &Value) -> Option<pb::DynamicValue> {
    let ty = thing_schema().block.implied_type();
    Some(pb::DynamicValue {
        msgpack: msgpack::encode(v, &ty).expect("encodable"),
        json: vec![],
    })
}

fn undv(d: Option<pb::DynamicValue>) -> Value {
    let ty = thing_schema().block.implied_type();
    msgpack::decode(&d.expect("dynamic value present").msgpack, &ty).expect("decodable")
}

fn config(name: &str, paths: &[&str]) -> Value {
    Value::object([
        ("id", Value::Null),
        ("name", Value::string(name)),
        ("size", Value::Null),
        (
            "rule",
            Value::List(
                paths
                    .iter()
                    .map(|p| {
                        Value::object([("path", Value::string(*p)), ("priority", Value::Null)])
                    })
                    .collect(),
            ),
        ),
    ])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn terraform_like_session_over_mutual_tls() {
    let client = go_plugin_client_cert();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let provider = TestProvider::new();
    let server = tokio::spawn(run(
        launched_env(Some(client.pem.clone())),
        provider.clone(),
        LineSink(tx),
        std::future::pending::<()>(),
    ));

    // Handshake line: six fields, core 1, app 6, unix socket, grpc, cert.
    let hs = parse_handshake(&read_line(&mut rx).await);
    assert_eq!(hs.core, "1");
    assert_eq!(hs.app, "6");
    assert_eq!(hs.network, "unix");
    assert_eq!(hs.protocol, "grpc");
    assert!(std::path::Path::new(&hs.address).exists(), "socket exists");
    let server_cert = decode_cert_field(&hs.cert);
    // Nothing else may be written (stdout carries only the handshake).
    assert!(rx.try_recv().is_err());

    let channel = tls_channel(&hs.address, server_cert, Some(&client))
        .await
        .expect("mutual TLS with the P-521 client certificate");
    let mut p = provider_client(channel.clone());

    // GetProviderSchema: content and capabilities.
    let schema = p
        .get_provider_schema(pb::get_provider_schema::Request {})
        .await
        .expect("GetProviderSchema")
        .into_inner();
    let caps = schema.server_capabilities.expect("capabilities");
    assert!(caps.plan_destroy && caps.get_provider_schema_optional);
    let prov = schema
        .provider
        .expect("provider schema")
        .block
        .expect("block");
    assert_eq!(prov.attributes[0].name, "endpoint");
    assert!(prov.attributes[0].optional);
    let thing = &schema.resource_schemas["test_thing"];
    assert_eq!(thing.version, 2);
    let block = thing.block.as_ref().expect("block");
    let names: Vec<&str> = block.attributes.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["id", "name", "size"]);
    assert!(block.attributes[0].computed && block.attributes[1].required);
    assert_eq!(block.attributes[2].r#type, br#""number""#.to_vec());
    assert_eq!(block.block_types[0].type_name, "rule");
    assert_eq!(
        block.block_types[0].nesting,
        pb::schema::nested_block::NestingMode::List as i32
    );

    // GetResourceIdentitySchemas must be Unimplemented.
    let status = p
        .get_resource_identity_schemas(pb::get_resource_identity_schemas::Request {})
        .await
        .expect_err("identity schemas unimplemented");
    assert_eq!(status.code(), tonic::Code::Unimplemented);

    // ConfigureProvider reaches the provider with the Terraform version.
    let cfg = p
        .configure_provider(pb::configure_provider::Request {
            terraform_version: "1.15.0".into(),
            config: Some(pb::DynamicValue {
                msgpack: msgpack::encode(
                    &Value::object([("endpoint", Value::string("http://x"))]),
                    &tfplugin::Type::object([("endpoint", tfplugin::Type::String)]),
                )
                .expect("encode"),
                json: vec![],
            }),
            client_capabilities: None,
        })
        .await
        .expect("ConfigureProvider")
        .into_inner();
    assert!(cfg.diagnostics.is_empty());
    assert_eq!(
        provider
            .configured
            .lock()
            .map(|c| c.clone())
            .ok()
            .flatten()
            .as_deref(),
        Some("http://x@1.15.0")
    );

    // ValidateResourceConfig with an error: severity ERROR and its path.
    let v = p
        .validate_resource_config(pb::validate_resource_config::Request {
            type_name: "test_thing".into(),
            config: dv(&config("a", &["/ok", "bad"])),
            client_capabilities: None,
        })
        .await
        .expect("ValidateResourceConfig")
        .into_inner();
    assert_eq!(v.diagnostics.len(), 1);
    let d = &v.diagnostics[0];
    assert_eq!(d.severity, pb::diagnostic::Severity::Error as i32);
    let path = AttributePath::try_from(d.attribute.as_ref().expect("path")).expect("steps");
    assert_eq!(
        path,
        AttributePath::root().attr("rule").index(1).attr("path")
    );

    // Unknown resource type: an error diagnostic, not a failure.
    let v = p
        .validate_resource_config(pb::validate_resource_config::Request {
            type_name: "test_nope".into(),
            config: None,
            client_capabilities: None,
        })
        .await
        .expect("unknown type is still answered")
        .into_inner();
    assert_eq!(v.diagnostics[0].severity, 1);
    assert!(v.diagnostics[0].detail.contains("test_nope"));

    // PlanResourceChange: msgpack through the wire, computed → unknown.
    let mut proposed = config("web", &["/a"]);
    if let Value::Map(m) = &mut proposed {
        m.insert("size".into(), Value::Unknown);
    }
    let plan = p
        .plan_resource_change(pb::plan_resource_change::Request {
            type_name: "test_thing".into(),
            prior_state: dv(&Value::Null),
            proposed_new_state: dv(&proposed),
            config: dv(&proposed),
            prior_private: b"secret".to_vec(),
            ..Default::default()
        })
        .await
        .expect("PlanResourceChange")
        .into_inner();
    assert!(plan.diagnostics.is_empty(), "{:?}", plan.diagnostics);
    let planned = undv(plan.planned_state);
    assert!(planned.get("id").is_unknown());
    assert!(
        planned.get("size").is_unknown(),
        "config unknown survives the round trip"
    );
    assert_eq!(planned.get("name").as_str(), Some("web"));
    let prio = AttributePath::root().attr("rule").index(0).attr("priority");
    assert!(planned.at(&prio).is_unknown());
    assert_eq!(plan.planned_private, b"secret".to_vec(), "private echoed");
    assert_eq!(
        AttributePath::try_from(&plan.requires_replace[0]).expect("path"),
        AttributePath::root().attr("name")
    );

    // Destroy plan: proposed null → planned null.
    let destroy = p
        .plan_resource_change(pb::plan_resource_change::Request {
            type_name: "test_thing".into(),
            prior_state: dv(&config("web", &[])),
            proposed_new_state: dv(&Value::Null),
            config: dv(&Value::Null),
            ..Default::default()
        })
        .await
        .expect("destroy plan")
        .into_inner();
    assert_eq!(destroy.planned_state.expect("state").msgpack, vec![0xc0]);
    assert!(destroy.diagnostics.is_empty());

    // The resource is consulted on destroy and may refuse it; the plan stays null regardless.
    let refused = p
        .plan_resource_change(pb::plan_resource_change::Request {
            type_name: "test_thing".into(),
            prior_state: dv(&config("keep", &[])),
            proposed_new_state: dv(&Value::Null),
            config: dv(&Value::Null),
            ..Default::default()
        })
        .await
        .expect("refused destroy plan")
        .into_inner();
    assert_eq!(refused.planned_state.expect("state").msgpack, vec![0xc0]);
    assert_eq!(refused.diagnostics[0].summary, "protected");

    // ApplyResourceChange: the resource fills the id.
    let applied = p
        .apply_resource_change(pb::apply_resource_change::Request {
            type_name: "test_thing".into(),
            prior_state: dv(&Value::Null),
            planned_state: dv(&config("web", &[])),
            config: dv(&config("web", &[])),
            planned_private: b"p".to_vec(),
            ..Default::default()
        })
        .await
        .expect("ApplyResourceChange")
        .into_inner();
    let new_state = undv(applied.new_state);
    assert_eq!(new_state.get("id").as_str(), Some("id-1"));
    assert_eq!(
        new_state.get("rule"),
        &Value::List(vec![]),
        "empty block list, not null"
    );
    assert_eq!(applied.private, b"p".to_vec());

    // UpgradeResourceState: raw JSON with a missing block → empty list.
    let up = p
        .upgrade_resource_state(pb::upgrade_resource_state::Request {
            type_name: "test_thing".into(),
            version: 2,
            raw_state: Some(pb::RawState {
                json: br#"{"id":"id-1","name":"web","removed":1}"#.to_vec(),
                flatmap: Default::default(),
            }),
        })
        .await
        .expect("UpgradeResourceState")
        .into_inner();
    assert!(up.diagnostics.is_empty(), "{:?}", up.diagnostics);
    let upgraded = undv(up.upgraded_state);
    assert_eq!(upgraded.get("name").as_str(), Some("web"));
    assert_eq!(upgraded.get("rule"), &Value::List(vec![]));
    let old = p
        .upgrade_resource_state(pb::upgrade_resource_state::Request {
            type_name: "test_thing".into(),
            version: 1,
            raw_state: Some(pb::RawState {
                json: b"{}".to_vec(),
                flatmap: Default::default(),
            }),
        })
        .await
        .expect("old version answered")
        .into_inner();
    assert_eq!(
        old.diagnostics[0].severity, 1,
        "default upgrade refuses other versions"
    );

    // ImportResourceState: exactly one resource with type_name set.
    let imp = p
        .import_resource_state(pb::import_resource_state::Request {
            type_name: "test_thing".into(),
            id: "abc".into(),
            ..Default::default()
        })
        .await
        .expect("ImportResourceState")
        .into_inner();
    assert_eq!(imp.imported_resources.len(), 1);
    let r = &imp.imported_resources[0];
    assert_eq!(r.type_name, "test_thing");
    assert_eq!(r.private, b"imported".to_vec());
    assert_eq!(undv(r.state.clone()).get("id").as_str(), Some("abc"));

    // ReadDataSource: an unknown type → error diagnostic.
    let ds = p
        .read_data_source(pb::read_data_source::Request {
            type_name: "test_thing".into(),
            ..Default::default()
        })
        .await
        .expect("ReadDataSource answered")
        .into_inner();
    assert_eq!(ds.diagnostics[0].severity, 1);
    assert_eq!(ds.diagnostics[0].summary, "Unknown data source type");

    // A handler panic → an error diagnostic "provider bug", and the server lives on.
    let read = p
        .read_resource(pb::read_resource::Request {
            type_name: "test_thing".into(),
            current_state: dv(&config("panic", &[])),
            private: b"keep".to_vec(),
            ..Default::default()
        })
        .await
        .expect("panic is reported, not a cancelled request")
        .into_inner();
    assert_eq!(read.diagnostics.len(), 1);
    assert_eq!(read.diagnostics[0].severity, 1);
    assert!(read.diagnostics[0].summary.starts_with("provider bug"));
    assert!(read.diagnostics[0].detail.contains("read exploded"));
    let plan_panic = p
        .plan_resource_change(pb::plan_resource_change::Request {
            type_name: "test_thing".into(),
            prior_state: dv(&Value::Null),
            proposed_new_state: dv(&config("panic", &[])),
            config: dv(&config("panic", &[])),
            ..Default::default()
        })
        .await
        .expect("plan panic answered")
        .into_inner();
    assert!(plan_panic.diagnostics[0].detail.contains("plan exploded"));
    let read_ok = p
        .read_resource(pb::read_resource::Request {
            type_name: "test_thing".into(),
            current_state: dv(&config("fine", &[])),
            private: b"keep".to_vec(),
            ..Default::default()
        })
        .await
        .expect("server still serves after a panic")
        .into_inner();
    assert_eq!(undv(read_ok.new_state).get("name").as_str(), Some("fine"));
    assert_eq!(read_ok.private, b"keep".to_vec(), "private echoed on read");

    // StopProvider cancels the Ctx of an in-flight call.
    let mut waiting = p.clone();
    let in_flight = tokio::spawn(async move {
        waiting
            .plan_resource_change(pb::plan_resource_change::Request {
                type_name: "test_thing".into(),
                prior_state: dv(&Value::Null),
                proposed_new_state: dv(&config("wait", &[])),
                config: dv(&config("wait", &[])),
                ..Default::default()
            })
            .await
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!in_flight.is_finished(), "the plan waits for cancellation");
    let stop = tokio::time::timeout(
        Duration::from_secs(2),
        p.stop_provider(pb::stop_provider::Request {}),
    )
    .await
    .expect("StopProvider returns promptly")
    .expect("StopProvider")
    .into_inner();
    assert_eq!(stop.error, "");
    let waited = tokio::time::timeout(Duration::from_secs(5), in_flight)
        .await
        .expect("cancelled plan finishes")
        .expect("task")
        .expect("rpc")
        .into_inner();
    assert_eq!(waited.diagnostics[0].summary, "cancelled");

    // GRPCController.Shutdown → the server future completes, socket removed.
    let mut controller = GrpcControllerClient::new(channel);
    controller
        .shutdown(tfplugin::proto::plugin::Empty {})
        .await
        .expect("Shutdown replies");
    let result = tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("server stops after Shutdown")
        .expect("server task");
    assert!(result.is_ok(), "{result:?}");
    assert!(
        !std::path::Path::new(&hs.address).exists(),
        "socket removed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_or_missing_client_certificate_is_refused() {
    let expected = go_plugin_client_cert();
    let stranger = go_plugin_client_cert();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(run(
        launched_env(Some(expected.pem.clone())),
        TestProvider::new(),
        LineSink(tx),
        async {
            let _ = stop_rx.await;
        },
    ));
    let hs = parse_handshake(&read_line(&mut rx).await);
    let server_cert = decode_cert_field(&hs.cert);

    async fn first_rpc(
        socket: &str,
        cert: rustls::pki_types::CertificateDer<'static>,
        client: Option<&ClientCert>,
    ) -> Result<(), String> {
        let channel = tls_channel(socket, cert, client)
            .await
            .map_err(|e| e.to_string())?;
        provider_client(channel)
            .get_provider_schema(pb::get_provider_schema::Request {})
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    let other = first_rpc(&hs.address, server_cert.clone(), Some(&stranger)).await;
    assert!(
        other.is_err(),
        "a different client certificate must be refused"
    );
    let none = first_rpc(&hs.address, server_cert.clone(), None).await;
    assert!(none.is_err(), "no client certificate must be refused");
    // Failed handshakes do not stop the accept loop: the right client works.
    first_rpc(&hs.address, server_cert, Some(&expected))
        .await
        .expect("the pinned certificate is accepted");

    let _ = stop_tx.send(());
    let result = tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("server stops on the shutdown future")
        .expect("server task");
    assert!(result.is_ok(), "{result:?}");
}

#[tokio::test]
async fn without_the_cookie_the_entry_explains_itself() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let err = run(
        ServerEnv::default(),
        TestProvider::new(),
        LineSink(tx),
        std::future::pending::<()>(),
    )
    .await
    .expect_err("no cookie, no server");
    assert!(err.to_string().contains("Terraform"), "{err}");
    assert!(rx.try_recv().is_err(), "nothing written to stdout");

    let mut env = ServerEnv {
        protocol_versions: Some("5".into()),
        ..launched_env(None)
    };
    let (tx, _rx) = mpsc::unbounded_channel();
    let err = run(
        env.clone(),
        TestProvider::new(),
        LineSink(tx),
        std::future::pending::<()>(),
    )
    .await
    .expect_err("protocol 5 only");
    assert!(err.to_string().contains("protocol 6"), "{err}");

    env.magic_cookie = Some("wrong".into());
    let (tx, _rx) = mpsc::unbounded_channel();
    assert!(run(
        env,
        TestProvider::new(),
        LineSink(tx),
        std::future::pending::<()>()
    )
    .await
    .is_err());
}

/// A server launched without a client certificate on a unix socket in `dir`: its handshake, the
/// sender that stops it, and its task.
async fn plaintext_server(
    dir: &std::path::Path,
) -> (
    Handshake,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<Result<(), tfplugin::server::ServeError>>,
) {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let env = ServerEnv {
        socket_dir: Some(dir.to_path_buf()),
        ..launched_env(None)
    };
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(run(env, TestProvider::new(), LineSink(tx), async {
        let _ = stop_rx.await;
    }));
    let hs = parse_handshake(&read_line(&mut rx).await);
    (hs, stop_tx, server)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plaintext_without_client_cert_and_tcp_fallback() {
    // Unix socket, no PLUGIN_CLIENT_CERT: empty certificate field, h2c.
    let dir = tempfile::tempdir().expect("tempdir");
    let (hs, stop_tx, server) = plaintext_server(dir.path()).await;
    assert_eq!(hs.cert, "");
    assert!(hs
        .address
        .starts_with(dir.path().to_str().expect("utf-8 path")));
    let mut p = provider_client(plain_unix_channel(&hs.address).await);
    let md = p
        .get_metadata(pb::get_metadata::Request {})
        .await
        .expect("GetMetadata")
        .into_inner();
    assert_eq!(md.resources[0].type_name, "test_thing");
    let f = p
        .get_functions(pb::get_functions::Request {})
        .await
        .expect("GetFunctions")
        .into_inner();
    assert!(f.functions.is_empty());
    let _ = stop_tx.send(());
    assert!(server.await.expect("task").is_ok());

    // TCP within the port range.
    let (tx, mut rx) = mpsc::unbounded_channel();
    let env = ServerEnv {
        tcp: true,
        min_port: Some(20000),
        max_port: Some(20999),
        ..launched_env(None)
    };
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(run(env, TestProvider::new(), LineSink(tx), async {
        let _ = stop_rx.await;
    }));
    let hs = parse_handshake(&read_line(&mut rx).await);
    assert_eq!(hs.network, "tcp");
    let port: u16 = hs
        .address
        .strip_prefix("127.0.0.1:")
        .and_then(|p| p.parse().ok())
        .expect("127.0.0.1:PORT");
    assert!((20000..=20999).contains(&port));
    let channel = tonic::transport::Endpoint::from_shared(format!("http://{}", hs.address))
        .expect("uri")
        .connect()
        .await
        .expect("tcp h2c");
    let schema = provider_client(channel)
        .get_provider_schema(pb::get_provider_schema::Request {})
        .await
        .expect("schema over tcp")
        .into_inner();
    assert!(schema.resource_schemas.contains_key("test_thing"));
    let _ = stop_tx.send(());
    assert!(server.await.expect("task").is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn debug_mode_prints_reattach_config() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(tfplugin::server::run_debug(
        "registry.terraform.io/example/test",
        None,
        TestProvider::new(),
        LineSink(tx),
        async {
            let _ = stop_rx.await;
        },
    ));
    let mut text = String::new();
    while !text.contains("Ctrl-C") {
        let chunk = tokio::time::timeout(Duration::from_secs(10), rx.recv())
            .await
            .expect("output in time")
            .expect("output");
        text.push_str(&String::from_utf8_lossy(&chunk));
    }
    let json = text
        .split("TF_REATTACH_PROVIDERS='")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("quoted reattach value");
    let v: serde_json::Value = serde_json::from_str(json).expect("valid JSON");
    let entry = &v["registry.terraform.io/example/test"];
    assert_eq!(entry["Protocol"], "grpc");
    assert_eq!(entry["ProtocolVersion"], 6);
    assert_eq!(entry["Test"], true);
    assert_eq!(entry["Pid"], std::process::id());
    assert_eq!(entry["Addr"]["Network"], "unix");
    let socket = entry["Addr"]["String"].as_str().expect("socket path");
    let schema = provider_client(plain_unix_channel(socket).await)
        .get_provider_schema(pb::get_provider_schema::Request {})
        .await
        .expect("plaintext in debug mode");
    assert!(schema.into_inner().provider.is_some());
    let _ = stop_tx.send(());
    assert!(server.await.expect("task").is_ok());
}

/// Encodes a `test_lookup` configuration.
fn lookup_dv(name: &str) -> Option<pb::DynamicValue> {
    let ty = lookup_schema().block.implied_type();
    let config = Value::object([("name", Value::string(name)), ("value", Value::Null)]);
    Some(pb::DynamicValue {
        msgpack: msgpack::encode(&config, &ty).expect("encodable"),
        json: vec![],
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_sources_are_served_beside_resources() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (hs, stop_tx, server) = plaintext_server(dir.path()).await;
    let mut p = provider_client(plain_unix_channel(&hs.address).await);

    // Schemas and metadata list the data source, resources unchanged.
    let schema = p
        .get_provider_schema(pb::get_provider_schema::Request {})
        .await
        .expect("GetProviderSchema")
        .into_inner();
    assert!(schema.resource_schemas.contains_key("test_thing"));
    let lookup = schema.data_source_schemas["test_lookup"]
        .block
        .as_ref()
        .expect("block");
    let attrs: Vec<(&str, bool, bool)> = lookup
        .attributes
        .iter()
        .map(|a| (a.name.as_str(), a.required, a.computed))
        .collect();
    assert_eq!(attrs, [("name", true, false), ("value", false, true)]);
    let md = p
        .get_metadata(pb::get_metadata::Request {})
        .await
        .expect("GetMetadata")
        .into_inner();
    assert_eq!(md.data_sources[0].type_name, "test_lookup");
    assert_eq!(md.resources[0].type_name, "test_thing");

    // ValidateDataResourceConfig: the data source's diagnostics, with their attribute path.
    let validate = |name: &str| pb::validate_data_resource_config::Request {
        type_name: "test_lookup".into(),
        config: lookup_dv(name),
    };
    let bad = p
        .validate_data_resource_config(validate(""))
        .await
        .expect("ValidateDataResourceConfig")
        .into_inner();
    assert_eq!(bad.diagnostics.len(), 1);
    assert_eq!(bad.diagnostics[0].summary, "Empty name");
    let path = bad.diagnostics[0]
        .attribute
        .as_ref()
        .expect("attribute path");
    assert_eq!(path, &(&AttributePath::root().attr("name")).into());
    let good = p
        .validate_data_resource_config(validate("web"))
        .await
        .expect("ValidateDataResourceConfig")
        .into_inner();
    assert!(good.diagnostics.is_empty());

    // ReadDataSource: the state; an error without state; an unknown value is a provider bug.
    let read = |name: &str| pb::read_data_source::Request {
        type_name: "test_lookup".into(),
        config: lookup_dv(name),
        ..Default::default()
    };
    let found = p
        .read_data_source(read("web"))
        .await
        .expect("ReadDataSource")
        .into_inner();
    assert!(found.diagnostics.is_empty());
    let ty = lookup_schema().block.implied_type();
    let state = msgpack::decode(&found.state.expect("state").msgpack, &ty).expect("decodable");
    assert_eq!(state.get("value").as_str(), Some("value-of-web"));
    let missing = p
        .read_data_source(read("missing"))
        .await
        .expect("ReadDataSource")
        .into_inner();
    assert!(missing.state.is_none());
    assert_eq!(missing.diagnostics[0].summary, "Not found");
    let half = p
        .read_data_source(read("half"))
        .await
        .expect("ReadDataSource")
        .into_inner();
    assert!(half.state.is_none());
    assert!(half.diagnostics[0].summary.contains("provider bug"));

    let _ = stop_tx.send(());
    assert!(server.await.expect("task").is_ok());
}
