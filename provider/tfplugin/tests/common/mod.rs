//! Shared fixtures for the protocol tests: a tiny provider, go-plugin-style
//! client certificates, a handshake-line reader and gRPC clients over the
//! unix socket (TLS or plaintext).

#![allow(dead_code)]

use std::io::Write;
use std::sync::Arc;

use base64::Engine;
use hyper_util::rt::TokioIo;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose,
};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use tfplugin::proto::tfplugin6::provider_client::ProviderClient;
use tfplugin::{
    ApplyRequest, ApplyResponse, Attribute, Block, Ctx, DataReadResponse, DataSource, Diagnostic,
    Diagnostics, ImportResponse, NestedBlock, PlanRequest, PlanResponse, Provider, ReadRequest,
    ReadResponse, Resource, Schema, Type, Value,
};
use tokio::net::UnixStream;
use tokio::sync::mpsc;
use tonic::transport::{Channel, Endpoint, Uri};

// ---------------------------------------------------------------- provider

pub struct TestProvider {
    pub configured: std::sync::Mutex<Option<String>>,
}

impl TestProvider {
    pub fn new() -> Arc<Self> {
        Arc::new(TestProvider {
            configured: std::sync::Mutex::new(None),
        })
    }
}

#[async_trait::async_trait]
impl Provider for TestProvider {
    fn schema(&self) -> Schema {
        Schema::new(
            0,
            Block::new().attr(Attribute::optional("endpoint", Type::String).describe("API URL")),
        )
    }

    fn resources(&self) -> Vec<Arc<dyn Resource>> {
        vec![Arc::new(Thing)]
    }

    fn data_sources(&self) -> Vec<Arc<dyn DataSource>> {
        vec![Arc::new(Lookup)]
    }

    async fn validate_config(&self, _ctx: &Ctx, _config: &Value) -> Diagnostics {
        Diagnostics::default()
    }

    async fn configure(&self, _ctx: &Ctx, config: &Value, version: &str) -> Diagnostics {
        let endpoint = config.get("endpoint").as_str().unwrap_or("").to_string();
        if let Ok(mut c) = self.configured.lock() {
            *c = Some(format!("{endpoint}@{version}"));
        }
        Diagnostics::default()
    }
}

/// `test_thing`: computed id, required name, optional size, LIST block
/// `rule { path (required), priority (computed) }`.
pub struct Thing;

pub fn thing_schema() -> Schema {
    Schema::new(
        2,
        Block::new()
            .attr(Attribute::computed("id", Type::String))
            .attr(Attribute::required("name", Type::String))
            .attr(Attribute::optional("size", Type::Number))
            .block(NestedBlock::list(
                "rule",
                Block::new()
                    .attr(Attribute::required("path", Type::String))
                    .attr(Attribute::computed("priority", Type::Number)),
            )),
    )
}

#[async_trait::async_trait]
impl Resource for Thing {
    fn type_name(&self) -> &'static str {
        "test_thing"
    }

    fn schema(&self) -> Schema {
        thing_schema()
    }

    async fn validate(&self, _ctx: &Ctx, config: &Value) -> Diagnostics {
        let mut d = Diagnostics::default();
        if let Some(rules) = config.get("rule").as_list() {
            for (i, r) in rules.iter().enumerate() {
                if let Some(p) = r.get("path").as_str() {
                    if !p.starts_with('/') {
                        d.push(
                            Diagnostic::error("Invalid path", "must start with /").at(
                                tfplugin::AttributePath::root()
                                    .attr("rule")
                                    .index(i as i64)
                                    .attr("path"),
                            ),
                        );
                    }
                }
            }
        }
        d
    }

    async fn plan(&self, ctx: &Ctx, req: PlanRequest) -> PlanResponse {
        match req.config.get("name").as_str() {
            Some("panic") => panic!("plan exploded"),
            Some("wait") => {
                ctx.cancel.cancelled().await;
                return PlanResponse {
                    diagnostics: Diagnostic::warning("cancelled", "stop requested").into(),
                    ..Default::default()
                };
            }
            _ => {}
        }
        if req.proposed_new_state.is_null() && req.prior_state.get("name").as_str() == Some("keep")
        {
            return PlanResponse {
                // A planned state the server must ignore on destroy.
                planned_state: req.prior_state.clone(),
                diagnostics: Diagnostic::error("protected", "keep may not be destroyed").into(),
                ..Default::default()
            };
        }
        let block = thing_schema().block;
        let planned =
            tfplugin::plan::mark_computed_unknown(&block, &req.config, &req.proposed_new_state);
        PlanResponse {
            planned_state: planned,
            requires_replace: vec![tfplugin::AttributePath::root().attr("name")],
            ..Default::default()
        }
    }

    async fn apply(&self, _ctx: &Ctx, req: ApplyRequest) -> ApplyResponse {
        let mut state = req.planned_state;
        if let Value::Map(m) = &mut state {
            m.insert("id".into(), Value::string("id-1"));
        }
        ApplyResponse {
            new_state: state,
            ..Default::default()
        }
    }

    async fn read(&self, _ctx: &Ctx, req: ReadRequest) -> ReadResponse {
        if req.current_state.get("name").as_str() == Some("panic") {
            panic!("read exploded");
        }
        ReadResponse {
            new_state: req.current_state,
            ..Default::default()
        }
    }

    async fn import(&self, _ctx: &Ctx, id: &str) -> ImportResponse {
        ImportResponse {
            state: Value::object([("id", Value::string(id))]),
            private: b"imported".to_vec(),
            ..Default::default()
        }
    }
}

/// Data source `test_lookup`: required `name`, computed `value` (`value-of-<name>`); an empty
/// name is invalid (at `name`), name `missing` finds nothing, name `half` returns an unknown.
pub struct Lookup;

pub fn lookup_schema() -> Schema {
    Schema::new(
        0,
        Block::new()
            .attr(Attribute::required("name", Type::String))
            .attr(Attribute::computed("value", Type::String)),
    )
}

#[async_trait::async_trait]
impl DataSource for Lookup {
    fn type_name(&self) -> &'static str {
        "test_lookup"
    }

    fn schema(&self) -> Schema {
        lookup_schema()
    }

    async fn validate(&self, _ctx: &Ctx, config: &Value) -> Diagnostics {
        match config.get("name").as_str() {
            Some("") => Diagnostic::error("Empty name", "name must not be empty")
                .at(tfplugin::AttributePath::root().attr("name"))
                .into(),
            _ => Diagnostics::default(),
        }
    }

    async fn read(&self, _ctx: &Ctx, config: Value) -> DataReadResponse {
        let name = config.get("name").as_str().unwrap_or_default().to_string();
        let value = match name.as_str() {
            "missing" => {
                return DataReadResponse {
                    diagnostics: Diagnostic::error("Not found", "no such thing").into(),
                    ..Default::default()
                }
            }
            "half" => Value::Unknown,
            _ => Value::string(format!("value-of-{name}")),
        };
        DataReadResponse {
            state: Value::object([("name", Value::string(name)), ("value", value)]),
            ..Default::default()
        }
    }
}

// ---------------------------------------------------------- certificates

/// A client certificate made like go-plugin makes it: ECDSA P-521 with
/// SHA-512, self-signed CA, both EKUs, CN/SAN localhost, O HashiCorp.
pub struct ClientCert {
    pub der: CertificateDer<'static>,
    pub key: PrivatePkcs8KeyDer<'static>,
    pub pem: String,
}

pub fn go_plugin_client_cert() -> ClientCert {
    let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P521_SHA512).expect("P-521 key");
    let mut params = CertificateParams::new(vec!["localhost".to_string()]).expect("params");
    params
        .distinguished_name
        .push(DnType::CommonName, "localhost");
    params
        .distinguished_name
        .push(DnType::OrganizationName, "HashiCorp");
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now - time::Duration::seconds(30);
    params.not_after = now + time::Duration::hours(262_980);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
        KeyUsagePurpose::KeyAgreement,
        KeyUsagePurpose::KeyCertSign,
    ];
    params.extended_key_usages = vec![
        ExtendedKeyUsagePurpose::ClientAuth,
        ExtendedKeyUsagePurpose::ServerAuth,
    ];
    let cert = params.self_signed(&key).expect("self-signed");
    ClientCert {
        der: cert.der().clone(),
        key: PrivatePkcs8KeyDer::from(key.serialize_der()),
        pem: cert.pem(),
    }
}

// ------------------------------------------------------------- handshake

/// A `Write` that forwards everything to a channel, so a test can read the
/// handshake line while the server keeps running.
pub struct LineSink(pub mpsc::UnboundedSender<Vec<u8>>);

impl Write for LineSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .send(buf.to_vec())
            .map_err(|_| std::io::ErrorKind::BrokenPipe)?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Read everything written up to the first newline.
pub async fn read_line(rx: &mut mpsc::UnboundedReceiver<Vec<u8>>) -> String {
    let mut out = Vec::new();
    while !out.contains(&b'\n') {
        let chunk = tokio::time::timeout(std::time::Duration::from_secs(10), rx.recv())
            .await
            .expect("handshake line in time")
            .expect("handshake written");
        out.extend(chunk);
    }
    String::from_utf8(out).expect("utf-8 handshake")
}

/// The six fields of a go-plugin handshake line.
pub struct Handshake {
    pub core: String,
    pub app: String,
    pub network: String,
    pub address: String,
    pub protocol: String,
    pub cert: String,
}

pub fn parse_handshake(line: &str) -> Handshake {
    assert!(
        line.ends_with('\n'),
        "line must end with a newline: {line:?}"
    );
    let fields: Vec<&str> = line.trim_end_matches('\n').split('|').collect();
    assert_eq!(fields.len(), 6, "exactly six fields: {line:?}");
    Handshake {
        core: fields[0].into(),
        app: fields[1].into(),
        network: fields[2].into(),
        address: fields[3].into(),
        protocol: fields[4].into(),
        cert: fields[5].into(),
    }
}

pub fn decode_cert_field(field: &str) -> CertificateDer<'static> {
    assert!(
        !field.ends_with('='),
        "certificate must be base64 without padding"
    );
    let der = base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(field)
        .expect("RawStdEncoding base64");
    assert_eq!(der[0], 0x30, "DER certificate starts with a SEQUENCE");
    CertificateDer::from(der)
}

// ---------------------------------------------------------------- clients

/// Trusts exactly one server certificate (as go-plugin's client does with a
/// pool holding only the printed certificate) and requires SAN localhost.
#[derive(Debug)]
struct PinnedServer {
    expected: CertificateDer<'static>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for PinnedServer {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if end_entity.as_ref() != self.expected.as_ref() {
            return Err(rustls::Error::General(
                "unexpected server certificate".into(),
            ));
        }
        let cert = webpki::EndEntityCert::try_from(end_entity)
            .map_err(|e| rustls::Error::General(e.to_string()))?;
        cert.verify_is_valid_for_subject_name(server_name)
            .map_err(|e| rustls::Error::General(e.to_string()))?;
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// Open a gRPC channel over the unix socket with mutual TLS; `client` is the
/// certificate to present (None = no certificate). Fails if the server did
/// not negotiate ALPN h2.
pub async fn tls_channel(
    socket: &str,
    server_cert: CertificateDer<'static>,
    client: Option<&ClientCert>,
) -> Result<Channel, Box<dyn std::error::Error + Send + Sync>> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let verifier = Arc::new(PinnedServer {
        expected: server_cert,
        algorithms: provider.signature_verification_algorithms,
    });
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(verifier);
    let mut config = match client {
        Some(c) => builder
            .with_client_auth_cert(vec![c.der.clone()], PrivateKeyDer::Pkcs8(c.key.clone_key()))?,
        None => builder.with_no_client_auth(),
    };
    config.alpn_protocols = vec![b"h2".to_vec()];
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let socket = socket.to_string();
    let channel = Endpoint::from_static("http://localhost")
        .connect_with_connector(tower::service_fn(move |_: Uri| {
            let connector = connector.clone();
            let socket = socket.clone();
            async move {
                let stream = UnixStream::connect(&socket).await?;
                let name = ServerName::try_from("localhost").map_err(std::io::Error::other)?;
                let tls = connector.connect(name, stream).await?;
                if tls.get_ref().1.alpn_protocol() != Some(b"h2") {
                    return Err(std::io::Error::other("server did not negotiate ALPN h2"));
                }
                Ok::<_, std::io::Error>(TokioIo::new(tls))
            }
        }))
        .await?;
    Ok(channel)
}

/// Plaintext (h2c) channel over a unix socket.
pub async fn plain_unix_channel(socket: &str) -> Channel {
    let socket = socket.to_string();
    Endpoint::from_static("http://localhost")
        .connect_with_connector(tower::service_fn(move |_: Uri| {
            let socket = socket.clone();
            async move { Ok::<_, std::io::Error>(TokioIo::new(UnixStream::connect(&socket).await?)) }
        }))
        .await
        .expect("plaintext unix channel")
}

pub fn provider_client(channel: Channel) -> ProviderClient<Channel> {
    ProviderClient::new(channel)
        .max_decoding_message_size(256 << 20)
        .max_encoding_message_size(256 << 20)
}
