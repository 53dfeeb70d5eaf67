//! `kube-local`: a local Kubernetes API server for tests and demos.
//! Every option can also be given as a `KUBE_LOCAL_*` environment variable.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use acceptance_tests::kube_local::{KubeLocal, KubeLocalConfig};
use clap::Parser;

/// A local Kubernetes API server: HTTPS with a generated CA, bearer-token auth, and v1
/// Namespaces, Services (cluster IP and node port allocation), Nodes, Pods,
/// discovery.k8s.io/v1 EndpointSlices and coordination.k8s.io/v1 Leases in memory, with
/// selectors, paging, resourceVersion conflicts, status subresources, watches and the real
/// Status errors. Writes a kubeconfig for kubectl, kube clients and the provider.
#[derive(Debug, Parser)]
#[command(name = "kube-local", version)]
struct Args {
    /// Address to listen on (port 0: any free port; the kubeconfig has the real one).
    #[arg(long, env = "KUBE_LOCAL_LISTEN", default_value = "127.0.0.1:16443")]
    listen: SocketAddr,

    /// Where to write the kubeconfig (server URL, CA data, tokens; context `kube-local`).
    #[arg(long, env = "KUBE_LOCAL_KUBECONFIG_OUT")]
    kubeconfig_out: Option<PathBuf>,

    /// Bearer token of the admin user (random when not given).
    #[arg(long, env = "KUBE_LOCAL_TOKEN")]
    token: Option<String>,

    /// Token of a user allowed only get/list/watch (context `kube-local-read-only`).
    #[arg(long, env = "KUBE_LOCAL_READ_ONLY_TOKEN")]
    read_only_token: Option<String>,

    /// Token of an authenticated user allowed nothing: 403 Forbidden on every resource
    /// (context `kube-local-no-access`).
    #[arg(long, env = "KUBE_LOCAL_NO_ACCESS_TOKEN")]
    no_access_token: Option<String>,

    /// How long a deleted namespace stays Terminating before it and its content are gone.
    #[arg(
        long,
        env = "KUBE_LOCAL_NAMESPACE_TERMINATION_MS",
        default_value_t = 100
    )]
    namespace_termination_ms: u64,

    /// Interval of BOOKMARK events on watches that allow them.
    #[arg(
        long,
        env = "KUBE_LOCAL_BOOKMARK_INTERVAL_MS",
        default_value_t = 60_000
    )]
    bookmark_interval_ms: u64,

    /// Change events kept for watches from a resourceVersion and for continue tokens.
    #[arg(long, env = "KUBE_LOCAL_HISTORY_LIMIT", default_value_t = 10_000)]
    history_limit: usize,
}

impl Args {
    fn config(self) -> KubeLocalConfig {
        KubeLocalConfig {
            listen: self.listen,
            token: self.token,
            read_only_token: self.read_only_token,
            no_access_token: self.no_access_token,
            kubeconfig_out: self.kubeconfig_out,
            namespace_termination: Duration::from_millis(self.namespace_termination_ms),
            bookmark_interval: Duration::from_millis(self.bookmark_interval_ms.max(1)),
            history_limit: self.history_limit,
        }
    }
}

fn main() -> anyhow::Result<()> {
    acceptance_tests::cli::init_tracing();
    let args = Args::parse();
    let kubeconfig_out = args.kubeconfig_out.clone();
    let server = KubeLocal::start(args.config())?;
    match kubeconfig_out {
        Some(path) => println!(
            "kube-local listening on {} (kubeconfig: {})",
            server.server_url(),
            path.display()
        ),
        None => println!("kube-local listening on {}", server.server_url()),
    }
    acceptance_tests::cli::wait_for_signal()?;
    drop(server);
    Ok(())
}
