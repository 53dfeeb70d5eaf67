//! Schema of the `provider "alb"` configuration block.

use tfplugin::schema::{Attribute, Block, NestedBlock, Schema};
use tfplugin::types::Type;

use crate::schema_kit::{opt_bool, opt_str, opt_str_list, req_str};

/// The provider configuration schema.
pub fn schema() -> Schema {
    Schema::new(0, block())
}

fn block() -> Block {
    Block::new()
        .describe(
            "Alibaba Cloud ALB with Kubernetes-Ingress-style routing. Credentials and region come from \
             this block or the usual `ALIBABA_CLOUD_*` environment variables; the `kubernetes` block says \
             where to find the cluster whose Services back the ingresses.",
        )
        .attr(opt_str(
            "region",
            "Region of the load balancers, e.g. `cn-hangzhou`. Default: `ALIBABA_CLOUD_REGION`.",
        ))
        .attr(opt_str(
            "access_key",
            "AccessKey id. Default: `ALIBABA_CLOUD_ACCESS_KEY_ID`.",
        ))
        .attr(
            opt_str(
                "secret_key",
                "AccessKey secret. Default: `ALIBABA_CLOUD_ACCESS_KEY_SECRET`.",
            )
            .sensitive(),
        )
        .attr(
            opt_str(
                "security_token",
                "STS security token for temporary credentials. Default: `ALIBABA_CLOUD_SECURITY_TOKEN`.",
            )
            .sensitive(),
        )
        .attr(opt_str(
            "endpoint",
            "ALB API endpoint override, an `http://` or `https://` URL (e.g. `http://127.0.0.1:18080` for \
             a local mock). Default: `https://alb.<region>.aliyuncs.com`.",
        ))
        .attr(opt_str(
            "cluster_id",
            "Identity of this Kubernetes cluster in the ownership tags of every object the provider \
             creates; the provider changes and deletes only objects carrying it. Default `default`.",
        ))
        .block(NestedBlock::single("kubernetes", kubernetes()))
        .block(NestedBlock::single("api_timeouts", api_timeouts()))
}

fn api_timeouts() -> Block {
    Block::new()
        .describe(
            "How long ALB API calls may take and keep retrying, as durations such as `5s`, `2m` or \
             `1m30s`. An endpoint that does not answer at all (DNS failure, refused connection, \
             no response) fails after `unreachable`; throttling and busy resources are retried \
             for `busy`.",
        )
        .attr(opt_str(
            "connect",
            "Time to establish a connection (DNS, TCP, TLS) in one attempt. Default `5s`.",
        ))
        .attr(opt_str(
            "request",
            "Time one attempt may take, from sending the request to the whole response. Default \
             `30s`.",
        ))
        .attr(opt_str(
            "unreachable",
            "How long a call keeps retrying while no attempt gets any answer (DNS failure, refused \
             or reset connection, timeout) before it fails. Default `30s`.",
        ))
        .attr(opt_str(
            "busy",
            "How long a call keeps retrying throttling, busy (`IncorrectStatus.*`) resources and \
             server errors. Default `3m`.",
        ))
}

fn kubernetes() -> Block {
    Block::new()
        .describe(
            "How to reach the Kubernetes cluster whose Services, EndpointSlices and Nodes provide the \
             backend members, as in the kubernetes and helm providers. In order: `host` (with `token`, \
             `exec` and `cluster_ca_certificate`); else the kubeconfig files (`config_path` or \
             `config_paths`, with `config_context`), whose users may use tokens, client certificates or \
             `exec` credential plugins; else, when the provider runs in a pod, its service account. The \
             cluster is read only when an `alb_ingress` is planned.",
        )
        .attr(opt_str(
            "config_path",
            "Path to a kubeconfig file. Default: `KUBE_CONFIG_PATH`, then the `KUBECONFIG` path list.",
        ))
        .attr(opt_str_list(
            "config_paths",
            "Kubeconfig files merged in order (the first file's values win), like a `KUBECONFIG` path \
             list. Conflicts with `config_path`.",
        ))
        .attr(opt_str(
            "config_context",
            "Context of the kubeconfig to use. Default: its current context.",
        ))
        .attr(opt_str(
            "host",
            "URL of the Kubernetes API server, e.g. `https://10.0.0.1:6443`. When set, the kubeconfig \
             files are not read.",
        ))
        .attr(opt_str("token", "Bearer token for `host`.").sensitive())
        .attr(opt_str(
            "cluster_ca_certificate",
            "PEM-encoded CA certificate of the API server at `host`. Default: the system's roots.",
        ))
        .attr(opt_bool(
            "insecure",
            "Skip verification of the API server's certificate. Default `false`.",
        ))
        .block(NestedBlock::single("exec", exec()))
}

fn exec() -> Block {
    Block::new()
        .describe(
            "Credential plugin for `host`: a command printing an `ExecCredential` with a token, as in a \
             kubeconfig user's `exec` (e.g. `aliyun cs GET /k8s/<cluster>/user_config` helpers, \
             `kubelogin`).",
        )
        .attr(req_str(
            "api_version",
            "`client.authentication.k8s.io/v1` or `client.authentication.k8s.io/v1beta1`.",
        ))
        .attr(req_str("command", "The command to run."))
        .attr(opt_str_list("args", "Its arguments."))
        .attr(
            Attribute::optional("env", Type::map(Type::String))
                .describe("Environment variables for the command."),
        )
}
