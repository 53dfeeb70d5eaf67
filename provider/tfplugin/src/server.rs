//! Process entry point and transport: CLI flags, the go-plugin handshake
//! (magic cookie, protocol negotiation, listener, handshake line), AutoMTLS,
//! the gRPC services, signals and shutdown.

use std::future::Future;
use std::io::{self, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::pin::Pin;
use std::process::ExitCode;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use base64::Engine;
use futures::StreamExt;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, UnixListener};
use tokio::sync::mpsc;
use tokio_rustls::TlsAcceptor;
use tokio_stream::wrappers::ReceiverStream;
use tokio_util::sync::CancellationToken;
use tonic::transport::server::Connected;
use tonic::{Request, Response, Status};

use crate::proto::plugin;
use crate::proto::tfplugin6::provider_server::ProviderServer;
use crate::provider::Provider;
use crate::service::ProviderService;
use crate::tls::{self, ServerIdentity, TlsError};

/// What `main()` passes to [`serve`].
#[derive(Clone, Copy, Debug)]
pub struct ServeOpts {
    /// Binary name, e.g. "terraform-provider-alb".
    pub name: &'static str,
    /// Version string printed by `--version`.
    pub version: &'static str,
    /// Registry address, e.g. "registry.terraform.io/example/alb".
    pub address: &'static str,
    /// One-line description printed by `--help`.
    pub about: &'static str,
}

/// Environment variable carrying the go-plugin magic cookie.
pub const MAGIC_COOKIE_KEY: &str = "TF_PLUGIN_MAGIC_COOKIE";
/// The value Terraform (and OpenTofu) set.
pub const MAGIC_COOKIE_VALUE: &str =
    "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";
/// The only plugin protocol major version served.
pub const PROTOCOL_VERSION: u32 = 6;
/// gRPC message size limit, both directions (Terraform asks for up to 64 MiB).
pub const MAX_MESSAGE_SIZE: usize = 256 << 20;

/// How long a TLS handshake may take before the connection is dropped.
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a graceful shutdown may take before serving stops anyway.
const SHUTDOWN_GRACE: Duration = Duration::from_millis(500);

/// The go-plugin inputs of a launched plugin, normally read from the
/// environment by [`ServerEnv::from_env`].
#[derive(Clone, Debug, Default)]
pub struct ServerEnv {
    /// `TF_PLUGIN_MAGIC_COOKIE`.
    pub magic_cookie: Option<String>,
    /// `PLUGIN_PROTOCOL_VERSIONS`, e.g. "5,6".
    pub protocol_versions: Option<String>,
    /// `PLUGIN_CLIENT_CERT`: PEM of the client certificate (AutoMTLS).
    pub client_cert_pem: Option<String>,
    /// `PLUGIN_UNIX_SOCKET_DIR` (default: the temp dir).
    pub socket_dir: Option<PathBuf>,
    /// `PLUGIN_MIN_PORT` for the TCP fallback (default 10000).
    pub min_port: Option<u16>,
    /// `PLUGIN_MAX_PORT` for the TCP fallback (default 25000).
    pub max_port: Option<u16>,
    /// Listen on TCP 127.0.0.1 instead of a unix socket.
    pub tcp: bool,
}

impl ServerEnv {
    /// Read the go-plugin variables from the process environment.
    pub fn from_env() -> Self {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        ServerEnv {
            magic_cookie: var(MAGIC_COOKIE_KEY),
            protocol_versions: var("PLUGIN_PROTOCOL_VERSIONS"),
            client_cert_pem: var("PLUGIN_CLIENT_CERT"),
            socket_dir: var("PLUGIN_UNIX_SOCKET_DIR").map(PathBuf::from),
            min_port: var("PLUGIN_MIN_PORT").and_then(|p| p.parse().ok()),
            max_port: var("PLUGIN_MAX_PORT").and_then(|p| p.parse().ok()),
            tcp: false,
        }
    }
}

/// Why serving failed or did not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The magic cookie is missing or wrong: a person ran the binary.
    #[error(
        "this binary is a Terraform provider plugin: it is started by Terraform, not run directly"
    )]
    NotLaunchedByTerraform,
    /// The client does not offer protocol 6.
    #[error(
        "Terraform offered plugin protocol versions {0:?}; this provider needs protocol 6 (Terraform 1.0 or later)"
    )]
    UnsupportedProtocol(String),
    /// No socket could be bound.
    #[error("cannot listen: {0}")]
    Listen(#[source] io::Error),
    /// AutoMTLS setup failed.
    #[error(transparent)]
    Tls(#[from] TlsError),
    /// The handshake line could not be written.
    #[error("cannot write the handshake line: {0}")]
    Handshake(#[source] io::Error),
    /// The gRPC server failed.
    #[error("gRPC server: {0}")]
    Transport(#[from] tonic::transport::Error),
}

/// Pick protocol 6 from the comma list the client offers; none offered
/// (a legacy client) also means 6.
pub fn negotiate_protocol(offered: Option<&str>) -> Result<u32, ServeError> {
    let Some(list) = offered else {
        return Ok(PROTOCOL_VERSION);
    };
    let speaks_6 = list
        .split(',')
        .any(|v| v.trim().parse::<u32>() == Ok(PROTOCOL_VERSION));
    if speaks_6 {
        Ok(PROTOCOL_VERSION)
    } else {
        Err(ServeError::UnsupportedProtocol(list.to_string()))
    }
}

/// Serve as a plugin launched by Terraform: check the cookie, negotiate the
/// protocol, bind, set up AutoMTLS when a client certificate is given,
/// write the handshake line to `handshake_out`, and serve until the
/// `GRPCController.Shutdown` RPC or until `shutdown` completes.
pub async fn run<W, F>(
    env: ServerEnv,
    provider: Arc<dyn Provider>,
    mut handshake_out: W,
    shutdown: F,
) -> Result<(), ServeError>
where
    W: Write,
    F: Future<Output = ()> + Send + 'static,
{
    if env.magic_cookie.as_deref() != Some(MAGIC_COOKIE_VALUE) {
        return Err(ServeError::NotLaunchedByTerraform);
    }
    let version = negotiate_protocol(env.protocol_versions.as_deref())?;
    let listener = Listener::bind(&env).await?;
    let (acceptor, cert_field) = match env.client_cert_pem.as_deref() {
        Some(pem) => {
            let client_cert = tls::parse_client_cert(pem)?;
            let identity = ServerIdentity::generate()?;
            let config = tls::server_config(&identity, client_cert)?;
            let field = base64::engine::general_purpose::STANDARD_NO_PAD.encode(&identity.cert);
            (Some(TlsAcceptor::from(Arc::new(config))), field)
        }
        None => (None, String::new()),
    };
    let line = format!(
        "1|{version}|{}|{}|grpc|{cert_field}\n",
        listener.network(),
        listener.address()
    );
    handshake_out
        .write_all(line.as_bytes())
        .and_then(|()| handshake_out.flush())
        .map_err(ServeError::Handshake)?;
    tracing::debug!(
        network = listener.network(),
        address = %listener.address(),
        tls = acceptor.is_some(),
        "plugin server listening"
    );
    serve_listener(listener, acceptor, provider, shutdown).await
}

/// Serve for debugging: plaintext on a unix socket, no cookie needed; write
/// the `TF_REATTACH_PROVIDERS` value (for provider `address`) with
/// instructions to `out`, and serve until `shutdown` completes.
pub async fn run_debug<W, F>(
    address: &str,
    socket_dir: Option<PathBuf>,
    provider: Arc<dyn Provider>,
    mut out: W,
    shutdown: F,
) -> Result<(), ServeError>
where
    W: Write,
    F: Future<Output = ()> + Send + 'static,
{
    let env = ServerEnv {
        socket_dir,
        ..ServerEnv::default()
    };
    let listener = Listener::bind(&env).await?;
    let reattach = reattach_json(address, &listener);
    let text = format!(
        "Provider started. To attach Terraform CLI, set the TF_REATTACH_PROVIDERS environment variable with the following:\n\n\
         \tTF_REATTACH_PROVIDERS='{reattach}'\n\n\
         The provider keeps serving until Ctrl-C.\n"
    );
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(ServeError::Handshake)?;
    serve_listener(listener, None, provider, shutdown).await
}

fn reattach_json(address: &str, listener: &Listener) -> String {
    let entry = serde_json::json!({
        "Protocol": "grpc",
        "ProtocolVersion": PROTOCOL_VERSION,
        "Pid": std::process::id(),
        "Test": true,
        "Addr": { "Network": listener.network(), "String": listener.address() },
    });
    let mut map = serde_json::Map::new();
    map.insert(address.to_string(), entry);
    serde_json::Value::Object(map).to_string()
}

/// Run the gRPC services on `listener` until shutdown.
async fn serve_listener<F>(
    listener: Listener,
    acceptor: Option<TlsAcceptor>,
    provider: Arc<dyn Provider>,
    shutdown: F,
) -> Result<(), ServeError>
where
    F: Future<Output = ()> + Send + 'static,
{
    // `stop` is the StopProvider token handed to every Ctx; `halt` ends serving.
    let stop = CancellationToken::new();
    let halt = CancellationToken::new();
    let provider_service = ProviderServer::new(ProviderService::new(provider, stop.clone()))
        .max_decoding_message_size(MAX_MESSAGE_SIZE)
        .max_encoding_message_size(MAX_MESSAGE_SIZE);
    let controller = plugin::grpc_controller_server::GrpcControllerServer::new(Controller {
        halt: halt.clone(),
    });
    let stdio = plugin::grpc_stdio_server::GrpcStdioServer::new(Stdio { halt: halt.clone() });

    let (tx, rx) = mpsc::channel::<io::Result<Conn>>(16);
    let accept = tokio::spawn(accept_loop(listener, acceptor, tx, halt.clone()));

    let signal_halt = halt.clone();
    let signal = async move {
        tokio::select! {
            () = shutdown => {}
            () = signal_halt.cancelled() => {}
        }
        signal_halt.cancel();
    };
    let server = tonic::transport::Server::builder()
        .add_service(provider_service)
        .add_service(controller)
        .add_service(stdio)
        .serve_with_incoming_shutdown(ReceiverStream::new(rx), signal);
    let grace = async {
        halt.cancelled().await;
        tokio::time::sleep(SHUTDOWN_GRACE).await;
    };
    let result = tokio::select! {
        r = server => r.map_err(ServeError::from),
        () = grace => {
            tracing::debug!("graceful shutdown took too long; stopping anyway");
            Ok(())
        }
    };
    halt.cancel();
    stop.cancel();
    // The accept loop owns the listener; waiting for it removes the socket.
    if let Err(e) = accept.await {
        tracing::warn!(error = %e, "accept loop ended abnormally");
    }
    tracing::debug!("plugin server stopped");
    result
}

async fn accept_loop(
    listener: Listener,
    acceptor: Option<TlsAcceptor>,
    tx: mpsc::Sender<io::Result<Conn>>,
    halt: CancellationToken,
) {
    loop {
        let accepted = tokio::select! {
            () = halt.cancelled() => break,
            r = listener.accept() => r,
        };
        let io = match accepted {
            Ok(io) => io,
            Err(e) => {
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        match &acceptor {
            // Handshakes run in their own tasks: a slow or failing client
            // never blocks or ends the accept loop.
            Some(acceptor) => {
                let acceptor = acceptor.clone();
                let tx = tx.clone();
                tokio::spawn(async move {
                    match tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(io)).await {
                        Ok(Ok(stream)) => {
                            // The server may have stopped meanwhile; nothing to do then.
                            let _ = tx.send(Ok(Conn(Box::new(stream)))).await;
                        }
                        Ok(Err(e)) => tracing::warn!(error = %e, "TLS handshake failed"),
                        Err(_) => tracing::warn!("TLS handshake timed out"),
                    }
                });
            }
            None => {
                if tx.send(Ok(Conn(io))).await.is_err() {
                    break;
                }
            }
        }
    }
}

/// A bound listener; a unix socket lives in its own temp directory, which
/// is removed (with the socket) when the listener is dropped.
enum Listener {
    Unix {
        listener: UnixListener,
        path: PathBuf,
        _dir: tempfile::TempDir,
    },
    Tcp {
        listener: TcpListener,
        addr: SocketAddr,
    },
}

impl Listener {
    async fn bind(env: &ServerEnv) -> Result<Listener, ServeError> {
        if !env.tcp {
            match Self::bind_unix(env) {
                Ok(l) => return Ok(l),
                Err(e) => tracing::warn!(error = %e, "cannot bind a unix socket; using TCP"),
            }
        }
        let min = env.min_port.unwrap_or(10000);
        let max = env.max_port.unwrap_or(25000);
        let mut last = io::Error::new(
            io::ErrorKind::AddrNotAvailable,
            format!("no free port in {min}..={max}"),
        );
        for port in min..=max {
            match TcpListener::bind(("127.0.0.1", port)).await {
                Ok(listener) => {
                    let addr = listener.local_addr().map_err(ServeError::Listen)?;
                    return Ok(Listener::Tcp { listener, addr });
                }
                Err(e) => last = e,
            }
        }
        Err(ServeError::Listen(last))
    }

    fn bind_unix(env: &ServerEnv) -> io::Result<Listener> {
        let parent = env.socket_dir.clone().unwrap_or_else(std::env::temp_dir);
        let dir = tempfile::Builder::new()
            .prefix("plugin")
            .tempdir_in(parent)?;
        let path = dir.path().join("plugin.sock");
        let listener = UnixListener::bind(&path)?;
        Ok(Listener::Unix {
            listener,
            path,
            _dir: dir,
        })
    }

    fn network(&self) -> &'static str {
        match self {
            Listener::Unix { .. } => "unix",
            Listener::Tcp { .. } => "tcp",
        }
    }

    fn address(&self) -> String {
        match self {
            Listener::Unix { path, .. } => path.display().to_string(),
            Listener::Tcp { addr, .. } => addr.to_string(),
        }
    }

    async fn accept(&self) -> io::Result<Box<dyn Io>> {
        Ok(match self {
            Listener::Unix { listener, .. } => Box::new(listener.accept().await?.0),
            Listener::Tcp { listener, .. } => {
                let (stream, _) = listener.accept().await?;
                stream.set_nodelay(true)?;
                Box::new(stream)
            }
        })
    }
}

/// Any byte stream a connection can run on.
trait Io: AsyncRead + AsyncWrite + Send + Unpin + 'static {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin + 'static> Io for T {}

/// One accepted connection (unix or TCP, plaintext or TLS).
struct Conn(Box<dyn Io>);

impl Connected for Conn {
    type ConnectInfo = ();
    fn connect_info(&self) -> Self::ConnectInfo {}
}

impl AsyncRead for Conn {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().0).poll_read(cx, buf)
    }
}

impl AsyncWrite for Conn {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().0).poll_write(cx, buf)
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().0).poll_flush(cx)
    }
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().0).poll_shutdown(cx)
    }
    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().0).poll_write_vectored(cx, bufs)
    }
    fn is_write_vectored(&self) -> bool {
        self.0.is_write_vectored()
    }
}

/// `plugin.GRPCController`: Shutdown replies, then serving stops.
struct Controller {
    halt: CancellationToken,
}

#[tonic::async_trait]
impl plugin::grpc_controller_server::GrpcController for Controller {
    async fn shutdown(
        &self,
        _req: Request<plugin::Empty>,
    ) -> Result<Response<plugin::Empty>, Status> {
        tracing::debug!("shutdown requested by the client");
        // Graceful shutdown still delivers this in-flight reply.
        self.halt.cancel();
        Ok(Response::new(plugin::Empty {}))
    }
}

/// `plugin.GRPCStdio`: nothing is forwarded (logs go to stderr directly);
/// the stream stays open until shutdown so the client keeps its reader.
struct Stdio {
    halt: CancellationToken,
}

#[tonic::async_trait]
impl plugin::grpc_stdio_server::GrpcStdio for Stdio {
    async fn stream_stdio(
        &self,
        _req: Request<()>,
    ) -> Result<Response<tonic::codegen::BoxStream<plugin::StdioData>>, Status> {
        let stream = futures::stream::pending::<Result<plugin::StdioData, Status>>()
            .take_until(self.halt.clone().cancelled_owned());
        Ok(Response::new(Box::pin(stream)))
    }
}

const USAGE: &str = "\
This program is a Terraform provider plugin. Terraform starts it and talks to
it over gRPC; it is not meant to be run by hand.

To use it:
  * install it where Terraform finds providers (a filesystem mirror or the
    plugin cache directory), or
  * for development, point a dev_overrides block in your Terraform CLI
    configuration (TF_CLI_CONFIG_FILE) at the directory holding this binary.

To debug it, run it with --debug: it then serves on a unix socket and prints a
TF_REATTACH_PROVIDERS value to export before running Terraform.";

/// A command the binary runs instead of serving, e.g. `terraform-provider-x plan-report`.
pub struct Subcommand {
    /// Its clap definition (name, arguments, help).
    pub command: clap::Command,
    /// Runs it with its parsed arguments; the process exits with the code returned.
    pub run: fn(&clap::ArgMatches) -> ExitCode,
}

/// Everything `main()` needs: parses CLI flags (`--help`, `--version`,
/// `--debug`), checks the magic cookie, sets up hclog logging and a panic
/// hook, and serves until Shutdown. Builds its own tokio runtime.
pub fn serve(opts: ServeOpts, provider: Arc<dyn Provider>) -> ExitCode {
    serve_with_subcommands(opts, provider, Vec::new())
}

/// [`serve`], with subcommands the binary offers besides serving: a named
/// subcommand runs instead of the server; without one, the binary serves.
pub fn serve_with_subcommands(
    opts: ServeOpts,
    provider: Arc<dyn Provider>,
    subcommands: Vec<Subcommand>,
) -> ExitCode {
    let cli = subcommands.iter().fold(
        clap::Command::new(opts.name)
            .version(opts.version)
            .about(opts.about)
            .after_help(USAGE)
            .arg(
                clap::Arg::new("debug")
                    .long("debug")
                    .action(clap::ArgAction::SetTrue)
                    .help(
                        "Serve without Terraform launching the plugin and print TF_REATTACH_PROVIDERS",
                    ),
            ),
        |cli, sub| cli.subcommand(sub.command.clone()),
    );
    let matches = match cli.try_get_matches() {
        Ok(m) => m,
        Err(e) => {
            // --help / --version print and succeed; bad flags fail.
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    if let Some((name, args)) = matches.subcommand() {
        if let Some(sub) = subcommands.iter().find(|s| s.command.get_name() == name) {
            return (sub.run)(args);
        }
    }
    let debug = matches.get_flag("debug");
    let env = ServerEnv::from_env();
    if !debug && env.magic_cookie.as_deref() != Some(MAGIC_COOKIE_VALUE) {
        eprintln!(
            "{} {}: {}\n\n{USAGE}",
            opts.name,
            opts.version,
            ServeError::NotLaunchedByTerraform
        );
        return ExitCode::from(1);
    }
    crate::panic::install_hook();
    crate::logging::init(opts.name);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("{}: cannot start the async runtime: {e}", opts.name);
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        if debug {
            let stop = termination(true)?;
            run_debug(opts.address, None, provider, io::stdout(), stop).await
        } else {
            let stop = termination(false)?;
            run(env, provider, io::stdout(), stop).await
        }
    });
    runtime.shutdown_timeout(Duration::from_millis(200));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "provider server failed");
            eprintln!("{}: {e}", opts.name);
            ExitCode::FAILURE
        }
    }
}

/// A future completing on SIGTERM (and on SIGINT when `interrupt_ends`).
/// Otherwise SIGINT is ignored: Terraform handles Ctrl-C itself and calls
/// StopProvider, and the provider must keep serving meanwhile.
fn termination(
    interrupt_ends: bool,
) -> Result<impl Future<Output = ()> + Send + 'static, ServeError> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate()).map_err(ServeError::Listen)?;
    let mut int = signal(SignalKind::interrupt()).map_err(ServeError::Listen)?;
    Ok(async move {
        loop {
            tokio::select! {
                _ = term.recv() => break,
                _ = int.recv() => {
                    if interrupt_ends {
                        break;
                    }
                    tracing::debug!("ignoring SIGINT; Terraform stops the provider itself");
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocol_negotiation() {
        assert_eq!(negotiate_protocol(Some("5,6")).ok(), Some(6));
        assert_eq!(negotiate_protocol(Some("6")).ok(), Some(6));
        assert_eq!(negotiate_protocol(None).ok(), Some(6));
        let err = negotiate_protocol(Some("4,5")).unwrap_err();
        assert!(err.to_string().contains("protocol 6"), "{err}");
    }
}
