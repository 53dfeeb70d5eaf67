//! Schema of the `provider "alb"` configuration block.

use tfplugin::schema::{Attribute, Block, NestedBlock, Schema};
use tfplugin::types::Type;

use crate::schema_kit::{opt_bool, opt_num, opt_str, opt_str_list, req_str};

/// The provider configuration schema.
pub fn schema() -> Schema {
    Schema::new(0, block())
}

fn block() -> Block {
    Block::new()
        .describe(
            "Alibaba Cloud ALB with Kubernetes-Ingress-style routing. Credentials come from the first \
             configured source, in this order: `access_key`/`secret_key`; the `ALIBABA_CLOUD_ACCESS_KEY_*` \
             (or `ALICLOUD_*`) variables; `profile`/`shared_credentials_file`; `assume_role_with_oidc` \
             (or the RRSA variables); `ecs_role_name`; `credentials_uri`. With `assume_role`, those \
             credentials assume a RAM role. The `kubernetes` block says where to find the cluster \
             whose Services back the ingresses.",
        )
        .attr(opt_str(
            "region",
            "Region of the load balancers, e.g. `cn-hangzhou`. Default: `ALIBABA_CLOUD_REGION`, then \
             `ALICLOUD_REGION`, then the `region_id` of the `aliyun` CLI profile named by `profile` \
             or `shared_credentials_file` (or their variables).",
        ))
        .attr(opt_str(
            "access_key",
            "AccessKey id (first credential source). Default: `ALIBABA_CLOUD_ACCESS_KEY_ID`, then \
             `ALICLOUD_ACCESS_KEY`.",
        ))
        .attr(
            opt_str(
                "secret_key",
                "AccessKey secret. Default: `ALIBABA_CLOUD_ACCESS_KEY_SECRET`, then \
                 `ALICLOUD_SECRET_KEY`.",
            )
            .sensitive(),
        )
        .attr(
            opt_str(
                "security_token",
                "STS security token of temporary keys. Default: `ALIBABA_CLOUD_SECURITY_TOKEN`, then \
                 `ALICLOUD_SECURITY_TOKEN`.",
            )
            .sensitive(),
        )
        .attr(opt_str(
            "profile",
            "Profile of the `aliyun` CLI configuration file (modes `AK`, `StsToken`, `RamRoleArn`, \
             `EcsRamRole`, `OIDC`), used when no access key is set. Default: \
             `ALIBABA_CLOUD_PROFILE`, then `ALICLOUD_PROFILE`, then the file's `current` profile.",
        ))
        .attr(opt_str(
            "shared_credentials_file",
            "Path of the `aliyun` CLI configuration file. Default: `ALIBABA_CLOUD_CONFIG_FILE`, \
             then `ALICLOUD_SHARED_CREDENTIALS_FILE`, then `~/.aliyun/config.json`.",
        ))
        .attr(opt_str(
            "ecs_role_name",
            "RAM role of the ECS instance the provider runs on; its credentials come from the \
             instance metadata service. Default: `ALIBABA_CLOUD_ECS_METADATA`, then \
             `ALICLOUD_ECS_ROLE_NAME`.",
        ))
        .attr(opt_str(
            "credentials_uri",
            "A URL answering `{\"Code\": \"Success\", \"AccessKeyId\", \"AccessKeySecret\", \
             \"SecurityToken\", \"Expiration\"}`, the last credential source. Default: \
             `ALIBABA_CLOUD_CREDENTIALS_URI`.",
        ))
        .attr(opt_str(
            "sts_endpoint",
            "STS endpoint override for `assume_role` and `assume_role_with_oidc`, an `http://` or \
             `https://` URL. Default: `ALIBABA_CLOUD_STS_ENDPOINT`, then `https://sts.aliyuncs.com`.",
        ))
        .attr(opt_str(
            "ecs_metadata_endpoint",
            "ECS instance metadata endpoint override for `ecs_role_name`. Default: \
             `ALIBABA_CLOUD_ECS_METADATA_ENDPOINT`, then `http://100.100.100.200`.",
        ))
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
        .block(NestedBlock::single("assume_role", assume_role()))
        .block(NestedBlock::single(
            "assume_role_with_oidc",
            assume_role_with_oidc(),
        ))
        .block(NestedBlock::single("kubernetes", kubernetes()))
        .block(NestedBlock::single("api_timeouts", api_timeouts()))
}

/// `session_name`, `policy` and `session_expiration`, shared by both role blocks.
fn role_session(block: Block) -> Block {
    block
        .attr(opt_str(
            "session_name",
            "Session name of the assumed role. Default `terraform-provider-alb`.",
        ))
        .attr(opt_str(
            "policy",
            "A RAM policy (JSON) further restricting the role's permissions.",
        ))
        .attr(opt_num(
            "session_expiration",
            "Lifetime of the role's credentials in seconds (900–43200; STS default 3600). The \
             provider renews them before they expire.",
        ))
}

fn assume_role() -> Block {
    role_session(
        Block::new()
            .describe(
                "Assume a RAM role (STS AssumeRole) with the credentials of the first configured \
                 source, and use the role's temporary credentials.",
            )
            .attr(req_str(
                "role_arn",
                "ARN of the role, `acs:ram::<account>:role/<name>`.",
            ))
            .attr(opt_str(
                "external_id",
                "External id the role's trust policy requires.",
            )),
    )
}

fn assume_role_with_oidc() -> Block {
    role_session(
        Block::new()
            .describe(
                "Assume a RAM role with an OIDC token (STS AssumeRoleWithOIDC), as ACK's RRSA and \
                 OIDC-federated CI systems provide. Unset attributes come from the RRSA \
                 variables; the RRSA variables alone also select this source.",
            )
            .attr(opt_str(
                "role_arn",
                "ARN of the role. Default: `ALIBABA_CLOUD_ROLE_ARN`.",
            ))
            .attr(opt_str(
                "oidc_provider_arn",
                "ARN of the OIDC identity provider. Default: `ALIBABA_CLOUD_OIDC_PROVIDER_ARN`.",
            ))
            .attr(opt_str(
                "oidc_token_file",
                "File holding the OIDC token, read again at every renewal. Default: \
                 `ALIBABA_CLOUD_OIDC_TOKEN_FILE`.",
            )),
    )
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
