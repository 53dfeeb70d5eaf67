//! Issue 10 item 1: every credential source of the chain, through real Terraform against the
//! mock's ALB API and its STS and ECS metadata fake: an `aliyun` CLI profile, `assume_role`,
//! `assume_role_with_oidc` from a token file (the RRSA variables), the ECS RAM role, a
//! credentials URI; renewal of temporary credentials during a slow apply; one diagnostic naming
//! a wrong source; and no secret in logs, state or plan.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use acceptance_tests::harness::hcl::{MOCK_ACCESS_KEY, MOCK_SECRET_KEY};
use acceptance_tests::harness::Workdir;
use acceptance_tests::mock::{IdentitySettings, MockConfig, MockServer};

use crate::plan_checks::config;

/// The role every test assumes.
const ROLE_ARN: &str = "acs:ram::1234567890:role/alb-deployer";
/// The OIDC token the fake STS accepts.
const OIDC_TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.oidc-token-payload.signature-part";

/// A `provider "alb"` block with no keys, the ALB, STS and metadata endpoints all at the mock,
/// and `extra` (HCL lines) inside it.
fn provider(mock: &MockServer, extra: &str) -> String {
    let endpoint = mock.endpoint();
    format!(
        r#"provider "alb" {{
  region                = "cn-hangzhou"
  endpoint              = "{endpoint}"
  sts_endpoint          = "{endpoint}"
  ecs_metadata_endpoint = "{endpoint}"
  cluster_id            = "c-acc"
{extra}}}
"#
    )
}

/// A mock whose fake accepts [`OIDC_TOKEN`] and serves the ECS role `node-role`.
fn mock_with(async_delay_ms: u64, lifetime: Duration) -> MockServer {
    MockServer::start(MockConfig {
        async_delay_ms,
        identity: IdentitySettings {
            lifetime,
            oidc_token: Some(OIDC_TOKEN.to_string()),
            ecs_role: Some("node-role".to_string()),
            ..IdentitySettings::default()
        },
        ..MockConfig::default()
    })
    .expect("start mock")
}

fn mock() -> MockServer {
    mock_with(50, Duration::from_secs(3600))
}

/// Writes `text` to `name` in the working directory; returns its path.
fn write_file(wd: &Workdir, name: &str, text: &str) -> PathBuf {
    let path = wd.path().join(name);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).expect("create directory");
    }
    std::fs::write(&path, text).expect("write file");
    path
}

/// An `aliyun` CLI configuration: profile `ci` (AK, the mock's key, region `cn-shanghai`),
/// `deploy` (RamRoleArn on the mock's key, no region) and `other` (AK, a key the mock does not
/// know).
fn aliyun_config(wd: &Workdir) -> PathBuf {
    let text = serde_json::json!({
        "current": "other",
        "profiles": [
            {"name": "other", "mode": "AK", "access_key_id": "unknown", "access_key_secret": "unknown"},
            {"name": "ci", "mode": "AK", "access_key_id": MOCK_ACCESS_KEY,
             "access_key_secret": MOCK_SECRET_KEY, "region_id": "cn-shanghai"},
            {"name": "deploy", "mode": "RamRoleArn", "access_key_id": MOCK_ACCESS_KEY,
             "access_key_secret": MOCK_SECRET_KEY, "ram_role_arn": ROLE_ARN,
             "ram_session_name": "ci-deploy", "expired_seconds": 900}
        ]
    });
    write_file(wd, "aliyun-config.json", &text.to_string())
}

/// `wd` with the RRSA variables: [`ROLE_ARN`], the fake's OIDC provider and `token_file`.
fn with_rrsa(wd: Workdir, token_file: &Path) -> Workdir {
    wd.env("ALIBABA_CLOUD_ROLE_ARN", ROLE_ARN)
        .env(
            "ALIBABA_CLOUD_OIDC_PROVIDER_ARN",
            &IdentitySettings::default().oidc_provider_arn,
        )
        .env(
            "ALIBABA_CLOUD_OIDC_TOKEN_FILE",
            &token_file.display().to_string(),
        )
}

/// [`provider`] with profile `name` of the `aliyun` CLI configuration `file`.
fn profile_provider(mock: &MockServer, name: &str, file: &Path) -> String {
    provider(
        mock,
        &format!(
            "  profile                 = \"{name}\"\n  shared_credentials_file = \"{}\"\n",
            file.display()
        ),
    )
}

/// Applies the alb_config with `provider_block`, asserts it exists in the mock and the next plan
/// is empty.
fn apply_and_check(wd: &Workdir, mock: &MockServer, provider_block: &str) {
    wd.write_config(&format!("{provider_block}{}", config("")));
    wd.apply(&[]).assert_success("apply");
    let state = mock.state();
    let balancers = state["LoadBalancers"].as_array().map(Vec::len);
    assert_eq!(balancers, Some(1), "{state}");
    wd.assert_plan_empty();
}

fn issued(mock: &MockServer, via: &str) -> u64 {
    mock.issued_credentials().get(via).copied().unwrap_or(0)
}

#[test]
fn aliyun_cli_profile_supplies_the_keys() {
    let mock = mock();
    let wd = Workdir::new();
    let file = aliyun_config(&wd);
    let block = profile_provider(&mock, "ci", &file);
    apply_and_check(&wd, &mock, &block);
    assert!(mock.issued_credentials().is_empty());

    // The RamRoleArn profile assumes its role with the profile's key.
    let block = profile_provider(&mock, "deploy", &file);
    wd.write_config(&format!("{block}{}", config("")));
    wd.assert_plan_empty();
    assert!(issued(&mock, "AssumeRole") >= 1);
}

/// With no `region` in the provider block or the environment, the named profile's `region_id` is
/// the region (the provider's log names it); a profile without one fails the plan at `region`.
#[test]
fn the_profile_region_is_the_last_region_fallback() {
    let mock = mock();
    let wd = Workdir::new();
    let file = aliyun_config(&wd);
    let log = wd.path().join("provider.log");
    let wd = wd
        .env("TF_LOG_PROVIDER", "INFO")
        .env("TF_LOG_PATH", &log.display().to_string());
    let without_region = |name: &str| {
        profile_provider(&mock, name, &file)
            .replace("  region                = \"cn-hangzhou\"\n", "")
    };
    let block = without_region("ci");
    assert!(!block.contains("region "), "{block}");
    apply_and_check(&wd, &mock, &block);
    let log_text = std::fs::read_to_string(&log).expect("provider log");
    let configured: Vec<&str> = log_text
        .lines()
        .filter(|line| line.contains("provider configured"))
        .collect();
    assert!(
        !configured.is_empty(),
        "no `provider configured` line in the log"
    );
    assert!(
        configured.iter().all(|line| line.contains("cn-shanghai")),
        "{configured:#?}"
    );

    wd.write_config(&format!("{}{}", without_region("deploy"), config("")));
    let text = one_error_naming(&wd, "Missing ALB region");
    assert!(text.contains("region_id"), "{text}");
}

#[test]
fn assume_role_uses_the_environment_keys_to_get_role_credentials() {
    let mock = mock();
    let wd = Workdir::new()
        .env("ALIBABA_CLOUD_ACCESS_KEY_ID", MOCK_ACCESS_KEY)
        .env("ALICLOUD_SECRET_KEY", MOCK_SECRET_KEY);
    let block = provider(
        &mock,
        &format!(
            "  assume_role {{\n    role_arn           = \"{ROLE_ARN}\"\n    session_name       = \"acc\"\n    session_expiration = 900\n    external_id        = \"ext-1\"\n  }}\n"
        ),
    );
    apply_and_check(&wd, &mock, &block);
    assert!(issued(&mock, "AssumeRole") >= 1);
}

#[test]
fn assume_role_with_oidc_reads_the_rrsa_token_file() {
    let mock = mock();
    let wd = Workdir::new();
    let token = write_file(&wd, "oidc-token", &format!("{OIDC_TOKEN}\n"));
    let wd = with_rrsa(wd, &token);
    apply_and_check(&wd, &mock, &provider(&mock, ""));
    assert!(issued(&mock, "AssumeRoleWithOIDC") >= 1);
}

#[test]
fn ecs_ram_role_comes_from_the_instance_metadata() {
    let mock = mock();
    let wd = Workdir::new();
    apply_and_check(
        &wd,
        &mock,
        &provider(&mock, "  ecs_role_name = \"node-role\"\n"),
    );
    assert!(issued(&mock, "EcsRamRole") >= 1);
}

#[test]
fn credentials_uri_is_the_last_source() {
    let mock = mock();
    let wd = Workdir::new();
    let uri = format!("{}/__mock/credentials-uri", mock.endpoint());
    apply_and_check(
        &wd,
        &mock,
        &provider(&mock, &format!("  credentials_uri = \"{uri}\"\n")),
    );
    assert!(issued(&mock, "CredentialsUri") >= 1);
}

/// Keys living 4 s, jobs taking 1.5 s: the apply of a saved plan (one provider process) lasts
/// longer than a key lives, and succeeds only because the provider renews its credentials.
#[test]
fn temporary_credentials_are_renewed_during_a_slow_apply() {
    let lifetime = Duration::from_secs(4);
    let mock = mock_with(1500, lifetime);
    let wd = Workdir::new();
    let block = provider(
        &mock,
        &format!("  assume_role {{\n    role_arn = \"{ROLE_ARN}\"\n  }}\n"),
    );
    let wd = wd
        .env("ALIBABA_CLOUD_ACCESS_KEY_ID", MOCK_ACCESS_KEY)
        .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", MOCK_SECRET_KEY);
    let listeners = "  listener \"HTTP:8080\" {}\n  listener \"HTTP:8081\" {}\n";
    wd.write_config(&format!("{block}{}", config(listeners)));
    let planned = wd.plan(&["-out=slow.tfplan"]);
    assert_eq!(planned.code, 2, "{}", planned.combined());
    let before = issued(&mock, "AssumeRole");
    let started = Instant::now();
    wd.run(&["apply", "-no-color", "-input=false", "slow.tfplan"])
        .assert_success("slow apply");
    let took = started.elapsed();
    let during = issued(&mock, "AssumeRole") - before;
    eprintln!("apply took {took:?}; {during} credentials issued during it");
    assert!(
        took > lifetime,
        "the apply was too fast to test renewal: {took:?}"
    );
    assert!(during >= 2, "only {during} issuance(s) during the apply");
    let listeners = mock.state()["Listeners"].as_array().map(Vec::len);
    assert_eq!(listeners, Some(3));
}

/// Asserts a failed plan with exactly one error, naming `needle`; returns the output with its
/// whitespace (Terraform wraps long lines) collapsed to single spaces.
fn one_error_naming(wd: &Workdir, needle: &str) -> String {
    let out = wd.plan(&[]);
    let text = out
        .combined()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert_eq!(out.code, 1, "{text}");
    assert!(text.contains(needle), "{needle:?} not in: {text}");
    assert_eq!(text.matches("Error:").count(), 1, "{text}");
    text
}

#[test]
fn a_wrong_source_is_one_diagnostic_naming_it() {
    let mock = mock();
    let wd = Workdir::new();
    let file = aliyun_config(&wd);
    wd.write_config(&format!(
        "{}{}",
        profile_provider(&mock, "nope", &file),
        config("")
    ));
    let text = one_error_naming(&wd, "profile \"nope\"");
    assert!(text.contains("the file has: other, ci, deploy"), "{text}");

    // A token the fake STS refuses.
    let token = write_file(&wd, "stale-token", "not-the-token");
    wd.write_config(&format!(
        "{}{}",
        provider(
            &mock,
            &format!(
                "  assume_role_with_oidc {{\n    role_arn          = \"{ROLE_ARN}\"\n    oidc_provider_arn = \"{}\"\n    oidc_token_file   = \"{}\"\n  }}\n",
                IdentitySettings::default().oidc_provider_arn,
                token.display()
            )
        ),
        config("")
    ));
    let text = one_error_naming(&wd, "assume_role_with_oidc");
    assert!(
        text.contains("AuthenticationFail.OIDCToken.Invalid"),
        "{text}"
    );
    assert!(!text.contains("not-the-token"), "{text}");

    // An ECS role the instance does not have.
    wd.write_config(&format!(
        "{}{}",
        provider(&mock, "  ecs_role_name = \"missing-role\"\n"),
        config("")
    ));
    one_error_naming(&wd, "ECS RAM role \"missing-role\"");

    // Nothing configured at all.
    wd.write_config(&format!("{}{}", provider(&mock, ""), config("")));
    let text = one_error_naming(&wd, "Missing Alibaba Cloud credentials");
    assert!(text.contains("ALIBABA_CLOUD_ACCESS_KEY_ID"), "{text}");
}

/// Every file in `dir` (recursively) as text.
fn texts_under(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read dir").flatten() {
        let path = entry.path();
        if path.ends_with(".terraform") {
            continue;
        }
        if path.is_dir() {
            out.extend(texts_under(&path));
        } else if let Ok(bytes) = std::fs::read(&path) {
            out.push((path, String::from_utf8_lossy(&bytes).into_owned()));
        }
    }
    out
}

/// With trace logging, the OIDC token, the profile's secret and every issued secret and
/// security token appear in no log, state file, plan file, plan JSON or command output.
#[test]
fn no_secret_reaches_logs_state_or_plan() {
    let mock = mock();
    let wd = Workdir::new();
    let token = write_file(&wd, "secrets/oidc-token", OIDC_TOKEN);
    let file = aliyun_config(&wd);
    let log = wd.path().join("logs/terraform.log");
    std::fs::create_dir_all(log.parent().expect("log dir")).expect("create log dir");
    let wd = wd
        .env("TF_LOG", "trace")
        .env("TF_LOG_PATH", &log.display().to_string());
    let wd = with_rrsa(wd, &token);

    let mut outputs = String::new();
    wd.write_config(&format!("{}{}", provider(&mock, ""), config("")));
    let plan_json = wd.plan_json("oidc");
    let applied = wd.run(&["apply", "-no-color", "-input=false", "oidc.tfplan"]);
    applied.assert_success("apply");
    outputs.push_str(&applied.combined());
    outputs.push_str(&wd.state_json().to_string());

    // Then the same resources through a RamRoleArn profile (a long-term secret in a file).
    let block = profile_provider(&mock, "deploy", &file);
    wd.write_config(&format!("{block}{}", config("")));
    let plan = wd.plan(&[]);
    assert_eq!(plan.code, 0, "{}", plan.combined());
    outputs.push_str(&plan.combined());
    assert!(issued(&mock, "AssumeRoleWithOIDC") >= 1 && issued(&mock, "AssumeRole") >= 1);

    let log_text = std::fs::read_to_string(&log).expect("trace log");
    assert!(log_text.contains("[TRACE]"), "no trace log was written");
    assert!(
        log_text.contains("obtained credentials"),
        "the provider's own log lines are not in the trace log"
    );
    let mut secrets = mock.issued_secrets();
    assert!(secrets.len() >= 4, "{} issued secrets", secrets.len());
    secrets.push(OIDC_TOKEN.to_string());
    secrets.push(MOCK_SECRET_KEY.to_string());
    let mut haystacks = vec![(PathBuf::from("command output"), outputs)];
    haystacks.extend(
        texts_under(wd.path())
            .into_iter()
            .filter(|(path, _)| !path.starts_with(wd.path().join("secrets")) && *path != file),
    );
    assert!(haystacks.iter().any(|(p, _)| *p == plan_json));
    assert!(haystacks
        .iter()
        .any(|(p, _)| p.ends_with("terraform.tfstate")));
    for secret in &secrets {
        for (path, text) in &haystacks {
            assert!(
                !text.contains(secret.as_str()),
                "a secret ({} characters) appears in {}",
                secret.len(),
                path.display()
            );
        }
    }
}
