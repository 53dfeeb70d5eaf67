//! Errors of the cluster crate: [`ClusterError`] for the cluster as a whole (one diagnostic per plan),
//! [`BackendError`] for one backend (a diagnostic at that backend's attribute path).

/// The cluster cannot be reached or read. It concerns every backend at once, so the provider
/// reports it once, naming the API server's URL and the Service whose read failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ClusterError {
    /// No `kubernetes` settings, no kubeconfig in the environment and not running in a pod.
    #[error(
        "no Kubernetes cluster is configured to discover backend members: set `config_path`, \
         `config_paths` or `host` in the provider's `kubernetes` block, or the KUBE_CONFIG_PATH or \
         KUBECONFIG environment variable, or run the provider in a pod"
    )]
    NotConfigured,
    /// The settings or kubeconfig files are unusable (unreadable file, unknown context, bad URL,
    /// bad certificate, failing credential plugin).
    #[error("invalid Kubernetes configuration: {detail}")]
    Config {
        /// What kube reported.
        detail: String,
    },
    /// Connection refused, DNS, TLS handshake or a dropped connection.
    #[error("the Kubernetes API at {url} could not be reached while reading Service `{service}`: {detail}")]
    Unreachable {
        /// API server URL.
        url: String,
        /// `namespace/name` of the Service being read.
        service: String,
        /// The transport error.
        detail: String,
    },
    /// No answer within the read timeout.
    #[error(
        "the Kubernetes API at {url} did not answer within {seconds} s while reading Service `{service}`"
    )]
    Timeout {
        /// API server URL.
        url: String,
        /// `namespace/name` of the Service being read.
        service: String,
        /// The timeout.
        seconds: u64,
    },
    /// 401: the token or client certificate is not accepted.
    #[error(
        "the Kubernetes API at {url} refused the credentials (401 Unauthorized) while reading \
         Service `{service}`: check the token, kubeconfig user or credential plugin"
    )]
    Unauthorized {
        /// API server URL.
        url: String,
        /// `namespace/name` of the Service being read.
        service: String,
    },
    /// 403: authenticated, but not allowed to list what discovery needs.
    #[error(
        "the Kubernetes API at {url} forbids reading what Service `{service}` needs (403 Forbidden): \
         {message}. The provider lists Services and discovery.k8s.io/v1 EndpointSlices of the \
         Service's namespace and, in nodeport mode, Nodes"
    )]
    Forbidden {
        /// API server URL.
        url: String,
        /// `namespace/name` of the Service being read.
        service: String,
        /// The API server's message.
        message: String,
    },
    /// Any other error status of the API server.
    #[error("the Kubernetes API at {url} failed while reading Service `{service}`: {code} {reason}: {message}")]
    Api {
        /// API server URL.
        url: String,
        /// `namespace/name` of the Service being read.
        service: String,
        /// HTTP status.
        code: u16,
        /// Kubernetes `Status.reason`.
        reason: String,
        /// Kubernetes `Status.message`.
        message: String,
    },
}

/// One backend's members cannot be discovered; the other backends are unaffected.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BackendError {
    /// The Service does not exist.
    #[error("Service `{namespace}/{service}` does not exist in the cluster")]
    ServiceNotFound {
        /// Namespace.
        namespace: String,
        /// Service name.
        service: String,
    },
    /// The Service has no port with that number or name.
    #[error(
        "Service `{namespace}/{service}` has no port `{port}`; its ports are: {}",
        if available.is_empty() { "none".to_string() } else { available.join(", ") }
    )]
    PortNotFound {
        /// Namespace.
        namespace: String,
        /// Service name.
        service: String,
        /// The port asked for (number or name).
        port: String,
        /// The Service's ports, as `number` or `number (name)`.
        available: Vec<String>,
    },
    /// `member_mode = "nodeport"` on a Service without node ports.
    #[error(
        "member_mode `nodeport` needs a NodePort or LoadBalancer Service, but Service \
         `{namespace}/{service}` is of type {service_type}; use member_mode `ip` or change the Service type"
    )]
    NotNodePort {
        /// Namespace.
        namespace: String,
        /// Service name.
        service: String,
        /// The Service's `spec.type`.
        service_type: String,
    },
    /// A NodePort/LoadBalancer Service port without an allocated `nodePort`.
    #[error("port `{port}` of Service `{namespace}/{service}` has no nodePort allocated")]
    NoNodePort {
        /// Namespace.
        namespace: String,
        /// Service name.
        service: String,
        /// The port asked for.
        port: String,
    },
    /// An eligible node whose `spec.providerID` carries no ECS instance id.
    #[error(
        "node `{node}` has no ECS instance id in spec.providerID (`{provider_id}`, expected \
         `<region>.<instance-id>` as on ACK nodes), so it cannot be a member of Service \
         `{namespace}/{service}` in nodeport mode; exclude it with the label \
         `node.kubernetes.io/exclude-from-external-load-balancers` or use member_mode `ip`"
    )]
    NodeWithoutEcsId {
        /// Node name.
        node: String,
        /// Its providerID ("" when unset).
        provider_id: String,
        /// Namespace of the Service.
        namespace: String,
        /// Service name.
        service: String,
    },
}
