//! The ALB client (`alb_api`) against the local mock over real HTTP.
//!
//! * every typed action round-trips: returned values and the mock's state dump agree after
//!   each mutation (jobs and statuses awaited with the client's own waits);
//! * `list_all` follows `NextToken` over more than 100 objects with the expected number of
//!   `List*` calls;
//! * the batching helpers split at the per-call limits (exact call counts);
//! * rejected credentials fail once, as an authentication error that leaks no secret;
//! * a scripted sequence of 50 mutations converges under throttling, 5xx, dropped responses
//!   and a busy window, without duplicates.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Duration;

use acceptance_tests::mock::{Faults, MockConfig, MockServer};
use alb_api::acl::{
    AclEntryInput, AssociateAclsWithListenerRequest, CreateAclRequest,
    DissociateAclsFromListenerRequest, ListAclEntriesRequest, ListAclsRequest,
};
use alb_api::batch::run_bounded;
use alb_api::common::{CertificateRef, Tag};
use alb_api::job::{
    ListAsynJobsRequest, ListTagResourcesRequest, TagResourcesRequest, UnTagResourcesRequest,
};
use alb_api::listener::{
    CreateListenerRequest, DefaultAction, ListListenerCertificatesRequest, ListListenersRequest,
    ListenerCertificatesRequest, ListenerIdRequest, UpdateListenerAttributeRequest,
};
use alb_api::load_balancer::{
    BillingConfig, CreateLoadBalancerRequest, DeletionProtectionRequest, EnableAccessLogRequest,
    ListLoadBalancersRequest, LoadBalancerIdRequest, ModificationProtectionConfig,
    UpdateLoadBalancerAttributeRequest, ZoneMapping,
};
use alb_api::rule::{
    CreateRuleRequest, CreateRulesRequest, DeleteRuleRequest, DeleteRulesRequest,
    FixedResponseConfig, ForwardGroupConfig, ListRulesRequest, NewRule, RuleAction, RuleCondition,
    RuleUpdate, UpdateRuleAttributeRequest, UpdateRulesAttributeRequest,
};
use alb_api::server_group::{
    BackendServer, CreateServerGroupRequest, DeleteServerGroupRequest, HealthCheckConfig,
    ListServerGroupServersRequest, ListServerGroupsRequest, ReplaceServersRequest, ServersRequest,
    UpdateServerGroupAttributeRequest,
};
use alb_api::{Client, ClientConfig, Credentials, RetryPolicy, WaitOptions};
use serde_json::{json, Value};

const AK: &str = "mock-access-key";
const SK: &str = "mock-secret-key";
const REGION: &str = "cn-hangzhou";

// ---------------------------------------------------------------------------------------------
// Fixtures and helpers.

fn mock() -> MockServer {
    MockServer::start(MockConfig::default().async_delay_ms(20)).expect("start mock")
}

/// Short backoff so that retries under faults do not make the tests slow.
fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        initial: Duration::from_millis(10),
        max_delay: Duration::from_millis(200),
        max_elapsed: Duration::from_secs(60),
        max_attempts: 100,
        ..RetryPolicy::default()
    }
}

fn client_with(server: &MockServer, secret: &str, retry: RetryPolicy) -> Client {
    let config = ClientConfig::new(REGION, Credentials::new(AK, secret))
        .with_endpoint(server.endpoint())
        .with_request_timeout(Duration::from_secs(5))
        .with_retry(retry);
    Client::new(config).expect("client")
}

fn client(server: &MockServer) -> Client {
    client_with(server, SK, fast_retry())
}

fn waits() -> WaitOptions {
    WaitOptions {
        timeout: Duration::from_secs(60),
        initial_interval: Duration::from_millis(5),
        max_interval: Duration::from_millis(50),
        ..WaitOptions::default()
    }
}

/// The objects of one kind in the mock's state dump.
fn objects(server: &MockServer, kind: &str) -> Vec<Value> {
    server.state()[kind].as_array().cloned().unwrap_or_default()
}

/// One object of the state dump by id, if present.
fn find(server: &MockServer, kind: &str, id_key: &str, id: &str) -> Option<Value> {
    objects(server, kind)
        .into_iter()
        .find(|o| o[id_key].as_str() == Some(id))
}

#[track_caller]
fn state_of(server: &MockServer, kind: &str, id_key: &str, id: &str) -> Value {
    find(server, kind, id_key, id).unwrap_or_else(|| panic!("{kind} {id} not in the mock state"))
}

/// Ids of one kind in the state dump, sorted.
fn ids(server: &MockServer, kind: &str, id_key: &str) -> Vec<String> {
    let mut out: Vec<String> = objects(server, kind)
        .iter()
        .filter_map(|o| o[id_key].as_str().map(str::to_string))
        .collect();
    out.sort();
    out
}

/// Calls of `action` the mock has counted so far.
fn mock_calls(server: &MockServer, action: &str) -> u64 {
    server.counters().actions.get(action).map_or(0, |c| c.calls)
}

/// Tags of a state object as a map.
fn tags(object: &Value) -> BTreeMap<String, String> {
    object["Tags"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| Some((t["Key"].as_str()?.into(), t["Value"].as_str()?.into())))
        .collect()
}

fn lb_request(name: &str, edition: &str) -> CreateLoadBalancerRequest {
    CreateLoadBalancerRequest {
        vpc_id: "vpc-test".into(),
        address_type: "Internet".into(),
        load_balancer_edition: edition.into(),
        load_balancer_billing_config: BillingConfig {
            pay_type: Some("PostPay".into()),
            bandwidth_package_id: None,
        },
        zone_mappings: ["cn-hangzhou-h", "cn-hangzhou-i"]
            .iter()
            .map(|z| ZoneMapping {
                zone_id: z.to_string(),
                v_switch_id: format!("vsw-{z}"),
                ..Default::default()
            })
            .collect(),
        load_balancer_name: Some(name.into()),
        tag: vec![Tag::new("env", "test")],
        ..Default::default()
    }
}

fn sg_request(name: &str) -> CreateServerGroupRequest {
    CreateServerGroupRequest {
        server_group_name: name.into(),
        health_check_config: HealthCheckConfig {
            health_check_enabled: Some(false),
            ..Default::default()
        },
        vpc_id: Some("vpc-test".into()),
        ..Default::default()
    }
}

fn ecs(id: &str, port: i64, weight: Option<i64>) -> BackendServer {
    BackendServer {
        server_id: id.into(),
        server_type: "Ecs".into(),
        port: Some(port),
        weight,
        ..Default::default()
    }
}

fn forward(sg: &str) -> Vec<RuleAction> {
    vec![RuleAction::forward(1, ForwardGroupConfig::single(sg))]
}

/// Creates a load balancer and waits until it is Active.
async fn create_lb(c: &Client, name: &str, edition: &str) -> String {
    let id = c
        .create_load_balancer(&lb_request(name, edition), None)
        .await
        .expect("CreateLoadBalancer")
        .load_balancer_id;
    c.wait_load_balancer_active(&id, &waits())
        .await
        .expect("load balancer Active");
    id
}

/// Creates a server group and waits for its job.
async fn create_sg(c: &Client, name: &str) -> String {
    let r = c
        .create_server_group(&sg_request(name), None)
        .await
        .expect("CreateServerGroup");
    c.wait_for_job(r.job_id.as_deref(), &waits())
        .await
        .expect("CreateServerGroup job");
    r.server_group_id
}

/// Creates an HTTP listener forwarding to `sg` and waits until it is Running.
async fn create_http_listener(c: &Client, lb: &str, port: i64, sg: &str) -> String {
    let r = c
        .create_listener(
            &CreateListenerRequest {
                load_balancer_id: lb.into(),
                listener_protocol: "HTTP".into(),
                listener_port: port,
                default_actions: vec![DefaultAction::forward_to(sg)],
                ..Default::default()
            },
            None,
        )
        .await
        .expect("CreateListener");
    c.wait_for_job(r.job_id.as_deref(), &waits())
        .await
        .expect("CreateListener job");
    c.wait_listener_running(&r.listener_id, &waits())
        .await
        .expect("listener Running");
    r.listener_id
}

/// The server group id a listener's default action or a rule's forward action points at.
fn forward_target(actions: &Value) -> String {
    actions[0]["ForwardGroupConfig"]["ServerGroupTuples"][0]["ServerGroupId"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

// ---------------------------------------------------------------------------------------------
// 1. Every typed action round-trips.

#[tokio::test(flavor = "multi_thread")]
async fn load_balancer_actions_round_trip() {
    let server = mock();
    let c = client(&server);
    let w = waits();

    // CreateLoadBalancer (no job: wait for Active).
    let created = c
        .create_load_balancer(&lb_request("rt-lb", "Standard"), Some("rt-lb-create"))
        .await
        .expect("create");
    let id = created.load_balancer_id.clone();
    assert!(id.starts_with("alb-"), "{id}");
    assert!(!created.request_id.is_empty());
    let active = c.wait_load_balancer_active(&id, &w).await.expect("active");
    assert_eq!(active.load_balancer_status, "Active");
    let s = state_of(&server, "LoadBalancers", "LoadBalancerId", &id);
    assert_eq!(s["LoadBalancerStatus"], "Active");
    assert_eq!(s["LoadBalancerName"], "rt-lb");
    assert_eq!(s["LoadBalancerEdition"], "Standard");
    assert_eq!(s["VpcId"], "vpc-test");
    assert_eq!(tags(&s).get("env").map(String::as_str), Some("test"));
    // The same ClientToken replays the first answer instead of creating a second instance.
    let again = c
        .create_load_balancer(&lb_request("rt-lb", "Standard"), Some("rt-lb-create"))
        .await
        .expect("replayed create");
    assert_eq!(again.load_balancer_id, id);
    assert_eq!(
        ids(&server, "LoadBalancers", "LoadBalancerId"),
        vec![id.clone()]
    );

    // GetLoadBalancerAttribute.
    let got = c
        .get_load_balancer_attribute(&LoadBalancerIdRequest::new(&id))
        .await
        .expect("get")
        .load_balancer;
    assert_eq!(got.load_balancer_id, id);
    assert_eq!(got.load_balancer_name.as_deref(), Some("rt-lb"));
    assert_eq!(got.load_balancer_edition.as_deref(), Some("Standard"));
    assert_eq!(got.address_type.as_deref(), Some("Internet"));
    assert_eq!(got.region_id.as_deref(), Some(REGION));
    assert_eq!(got.dns_name.as_deref(), s["DNSName"].as_str());
    let zones: Vec<&str> = got
        .zone_mappings
        .iter()
        .map(|z| z.zone_id.as_str())
        .collect();
    assert_eq!(zones, ["cn-hangzhou-h", "cn-hangzhou-i"]);
    assert!(got
        .zone_mappings
        .iter()
        .all(|z| z.load_balancer_addresses.len() == 1));
    assert_eq!(
        got.deletion_protection_config.as_ref().map(|d| d.enabled),
        Some(false)
    );
    assert_eq!(got.tags, vec![Tag::new("env", "test")]);

    // ListLoadBalancers: one page, a filter, all pages.
    let second = create_lb(&c, "rt-lb-basic", "Basic").await;
    let all = c
        .list_all(ListLoadBalancersRequest::default())
        .await
        .expect("list all");
    let mut listed: Vec<String> = all.iter().map(|l| l.load_balancer_id.clone()).collect();
    listed.sort();
    assert_eq!(listed, ids(&server, "LoadBalancers", "LoadBalancerId"));
    let page = c
        .list_load_balancers(&ListLoadBalancersRequest {
            max_results: Some(1),
            ..Default::default()
        })
        .await
        .expect("page");
    assert_eq!(page.load_balancers.len(), 1);
    assert_eq!(page.total_count, Some(2));
    assert!(page.next_token.is_some());
    let by_name = c
        .list_load_balancers(&ListLoadBalancersRequest {
            load_balancer_names: vec!["rt-lb-basic".into()],
            ..Default::default()
        })
        .await
        .expect("by name");
    assert_eq!(by_name.load_balancers.len(), 1);
    assert_eq!(by_name.load_balancers[0].load_balancer_id, second);
    assert_eq!(
        by_name.load_balancers[0].load_balancer_edition.as_deref(),
        Some("Basic")
    );

    // UpdateLoadBalancerAttribute (async job).
    let job = c
        .update_load_balancer_attribute(
            &UpdateLoadBalancerAttributeRequest {
                load_balancer_id: id.clone(),
                load_balancer_name: Some("rt-lb-renamed".into()),
                modification_protection_config: Some(ModificationProtectionConfig {
                    status: Some("ConsoleProtection".into()),
                    reason: Some("managed-by-terraform".into()),
                }),
                dry_run: None,
            },
            None,
        )
        .await
        .expect("update");
    let finished = c
        .wait_for_job(job.job_id.as_deref(), &w)
        .await
        .expect("update job")
        .expect("a job");
    assert_eq!(finished.status, "Succeeded");
    assert_eq!(
        finished.api_name.as_deref(),
        Some("UpdateLoadBalancerAttribute")
    );
    assert_eq!(finished.resource_id.as_deref(), Some(id.as_str()));
    let s = state_of(&server, "LoadBalancers", "LoadBalancerId", &id);
    assert_eq!(s["LoadBalancerName"], "rt-lb-renamed");
    assert_eq!(
        s["ModificationProtectionConfig"],
        json!({"Status": "ConsoleProtection", "Reason": "managed-by-terraform"})
    );
    c.wait_load_balancer_active(&id, &w).await.expect("active");

    // Deletion protection on: the state shows it, and DeleteLoadBalancer is refused.
    let protect = DeletionProtectionRequest {
        resource_id: id.clone(),
        dry_run: None,
    };
    c.enable_deletion_protection(&protect, None)
        .await
        .expect("enable protection");
    let s = state_of(&server, "LoadBalancers", "LoadBalancerId", &id);
    assert_eq!(s["DeletionProtectionConfig"]["Enabled"], true);
    assert!(s["DeletionProtectionConfig"]["EnabledTime"].is_string());
    let refused = c
        .delete_load_balancer(&LoadBalancerIdRequest::new(&id), None)
        .await
        .expect_err("protected");
    assert_eq!(refused.code(), Some("OperationDenied.DeletionProtection"));
    assert!(!refused.is_retryable());
    assert!(find(&server, "LoadBalancers", "LoadBalancerId", &id).is_some());
    let got = c
        .get_load_balancer_attribute(&LoadBalancerIdRequest::new(&id))
        .await
        .expect("get");
    assert_eq!(
        got.load_balancer
            .deletion_protection_config
            .map(|d| d.enabled),
        Some(true)
    );
    c.disable_deletion_protection(&protect, None)
        .await
        .expect("disable protection");
    let s = state_of(&server, "LoadBalancers", "LoadBalancerId", &id);
    assert_eq!(s["DeletionProtectionConfig"]["Enabled"], false);

    // Access log on (job) and off (synchronous: no JobId).
    let job = c
        .enable_load_balancer_access_log(
            &EnableAccessLogRequest {
                load_balancer_id: id.clone(),
                log_project: "sls-project".into(),
                log_store: "sls-store".into(),
                dry_run: None,
            },
            None,
        )
        .await
        .expect("enable access log");
    assert!(job.job_id.is_some());
    c.wait_for_job(job.job_id.as_deref(), &w)
        .await
        .expect("access log job");
    let s = state_of(&server, "LoadBalancers", "LoadBalancerId", &id);
    assert_eq!(
        s["AccessLogConfig"],
        json!({"LogProject": "sls-project", "LogStore": "sls-store"})
    );
    let got = c
        .wait_load_balancer_active(&id, &w)
        .await
        .expect("active again");
    let log = got.access_log_config.expect("access log config");
    assert_eq!(
        (log.log_project.as_deref(), log.log_store.as_deref()),
        (Some("sls-project"), Some("sls-store"))
    );
    let off = c
        .disable_load_balancer_access_log(&LoadBalancerIdRequest::new(&id), None)
        .await
        .expect("disable access log");
    assert_eq!(off.job_id, None);
    let s = state_of(&server, "LoadBalancers", "LoadBalancerId", &id);
    assert!(s.get("AccessLogConfig").is_none(), "{s}");

    // DeleteLoadBalancer (job), then not found; the idempotent helper reports "already gone".
    let job = c
        .delete_load_balancer(&LoadBalancerIdRequest::new(&id), None)
        .await
        .expect("delete");
    c.wait_for_job(job.job_id.as_deref(), &w)
        .await
        .expect("delete job");
    assert!(find(&server, "LoadBalancers", "LoadBalancerId", &id).is_none());
    let gone = c
        .get_load_balancer_attribute(&LoadBalancerIdRequest::new(&id))
        .await
        .expect_err("deleted");
    assert!(gone.is_not_found(), "{gone}");
    assert!(!c
        .delete_load_balancer_and_wait(&id, None, &w)
        .await
        .expect("already gone"));
    assert!(c
        .delete_load_balancer_and_wait(&second, None, &w)
        .await
        .expect("delete second"));
    assert!(objects(&server, "LoadBalancers").is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn listener_actions_round_trip() {
    let server = mock();
    let c = client(&server);
    let w = waits();
    let lb = create_lb(&c, "rt-lb", "Standard").await;
    let sg1 = create_sg(&c, "rt-sg-1").await;
    let sg2 = create_sg(&c, "rt-sg-2").await;

    // CreateListener (HTTPS with a default certificate).
    let created = c
        .create_listener(
            &CreateListenerRequest {
                load_balancer_id: lb.clone(),
                listener_protocol: "HTTPS".into(),
                listener_port: 443,
                default_actions: vec![DefaultAction::forward_to(&sg1)],
                listener_description: Some("rt-https".into()),
                idle_timeout: Some(20),
                certificates: vec![CertificateRef::new("cert-default")],
                tag: vec![Tag::new("team", "edge")],
                ..Default::default()
            },
            Some("rt-listener-443"),
        )
        .await
        .expect("create listener");
    let https = created.listener_id.clone();
    assert!(https.starts_with("lsn-"), "{https}");
    let job = c
        .wait_for_job(created.job_id.as_deref(), &w)
        .await
        .expect("create job")
        .expect("a job");
    assert_eq!(job.api_name.as_deref(), Some("CreateListener"));
    let running = c.wait_listener_running(&https, &w).await.expect("running");
    assert_eq!(running.listener_status, "Running");
    let s = state_of(&server, "Listeners", "ListenerId", &https);
    assert_eq!(s["ListenerStatus"], "Running");
    assert_eq!(s["ListenerProtocol"], "HTTPS");
    assert_eq!(s["ListenerPort"], 443);
    assert_eq!(s["LoadBalancerId"], lb.as_str());
    assert_eq!(s["ListenerDescription"], "rt-https");
    assert_eq!(s["IdleTimeout"], 20);
    assert_eq!(
        s["Certificates"],
        json!([{"CertificateId": "cert-default"}])
    );
    assert_eq!(forward_target(&s["DefaultActions"]), sg1);
    assert_eq!(tags(&s).get("team").map(String::as_str), Some("edge"));

    // GetListenerAttribute.
    let got = c
        .get_listener_attribute(&ListenerIdRequest::new(&https))
        .await
        .expect("get listener")
        .listener;
    assert_eq!(got.listener_id, https);
    assert_eq!(got.load_balancer_id, lb);
    assert_eq!(
        (got.listener_protocol.as_str(), got.listener_port),
        ("HTTPS", 443)
    );
    assert_eq!(got.listener_description.as_deref(), Some("rt-https"));
    assert_eq!(got.idle_timeout, Some(20));
    assert_eq!(got.default_actions, vec![DefaultAction::forward_to(&sg1)]);
    assert_eq!(got.certificates.len(), 1);
    assert_eq!(got.certificates[0].certificate_id, "cert-default");
    assert_eq!(got.tags, vec![Tag::new("team", "edge")]);

    // ListListeners.
    let http = create_http_listener(&c, &lb, 80, &sg2).await;
    let listed = c
        .list_all(ListListenersRequest {
            load_balancer_ids: vec![lb.clone()],
            ..Default::default()
        })
        .await
        .expect("list listeners");
    let listed_ids: Vec<&str> = listed.iter().map(|l| l.listener_id.as_str()).collect();
    assert_eq!(listed_ids, [https.as_str(), http.as_str()]);
    let only_http = c
        .list_listeners(&ListListenersRequest {
            listener_protocol: Some("HTTP".into()),
            ..Default::default()
        })
        .await
        .expect("filter");
    assert_eq!(only_http.listeners.len(), 1);
    assert_eq!(only_http.listeners[0].listener_id, http);
    assert_eq!(only_http.total_count, Some(1));

    // UpdateListenerAttribute (job): description, timeouts, gzip and the default action.
    let job = c
        .update_listener_attribute(
            &UpdateListenerAttributeRequest {
                listener_id: https.clone(),
                listener_description: Some("rt-https-v2".into()),
                idle_timeout: Some(45),
                request_timeout: Some(90),
                gzip_enabled: Some(false),
                default_actions: vec![DefaultAction::forward_to(&sg2)],
                ..Default::default()
            },
            None,
        )
        .await
        .expect("update listener");
    c.wait_for_job(job.job_id.as_deref(), &w)
        .await
        .expect("update job");
    let s = state_of(&server, "Listeners", "ListenerId", &https);
    assert_eq!(s["ListenerDescription"], "rt-https-v2");
    assert_eq!(s["IdleTimeout"], 45);
    assert_eq!(s["RequestTimeout"], 90);
    assert_eq!(s["GzipEnabled"], false);
    assert_eq!(forward_target(&s["DefaultActions"]), sg2);
    let got = c.wait_listener_running(&https, &w).await.expect("running");
    assert_eq!(got.default_actions, vec![DefaultAction::forward_to(&sg2)]);
    assert_eq!(got.request_timeout, Some(90));

    // Additional certificates: associate two, list, dissociate one, list. (The state dump
    // shows listeners in the GetListenerAttribute shape, which has only the default
    // certificate; ListListenerCertificates is where the additional ones appear.)
    let certs = |ids: &[&str]| ListenerCertificatesRequest {
        listener_id: https.clone(),
        certificates: ids.iter().map(|c| CertificateRef::new(*c)).collect(),
        dry_run: None,
    };
    let job = c
        .associate_additional_certificates_with_listener(&certs(&["cert-a", "cert-b"]), None)
        .await
        .expect("associate");
    c.wait_for_job(job.job_id.as_deref(), &w)
        .await
        .expect("associate job");
    let list_certs = || {
        c.list_all(ListListenerCertificatesRequest {
            listener_id: https.clone(),
            certificate_type: Some("Server".into()),
            ..Default::default()
        })
    };
    let listed = list_certs().await.expect("list certificates");
    let summary: Vec<(String, Option<bool>, Option<String>)> = listed
        .iter()
        .map(|c| (c.certificate_id.clone(), c.is_default, c.status.clone()))
        .collect();
    let associated = Some("Associated".to_string());
    assert_eq!(
        summary,
        vec![
            ("cert-default".into(), Some(true), associated.clone()),
            ("cert-a".into(), Some(false), associated.clone()),
            ("cert-b".into(), Some(false), associated.clone()),
        ]
    );
    assert_eq!(
        state_of(&server, "Listeners", "ListenerId", &https)["ListenerStatus"],
        "Running"
    );
    let job = c
        .dissociate_additional_certificates_from_listener(&certs(&["cert-a"]), None)
        .await
        .expect("dissociate");
    c.wait_for_job(job.job_id.as_deref(), &w)
        .await
        .expect("dissociate job");
    let listed: Vec<String> = list_certs()
        .await
        .expect("list certificates")
        .into_iter()
        .map(|c| c.certificate_id)
        .collect();
    assert_eq!(listed, ["cert-default", "cert-b"]);
    let on_http = c
        .associate_additional_certificates_with_listener(
            &ListenerCertificatesRequest {
                listener_id: http.clone(),
                certificates: vec![CertificateRef::new("cert-x")],
                dry_run: None,
            },
            None,
        )
        .await
        .expect_err("HTTP listeners take no certificates");
    assert_eq!(on_http.code(), Some("OperationDenied.ListenerProtocol"));

    // DeleteListener (job) and the idempotent helper.
    let job = c
        .delete_listener(&ListenerIdRequest::new(&http), None)
        .await
        .expect("delete listener");
    c.wait_for_job(job.job_id.as_deref(), &w)
        .await
        .expect("delete job");
    assert_eq!(ids(&server, "Listeners", "ListenerId"), vec![https.clone()]);
    let gone = c
        .get_listener_attribute(&ListenerIdRequest::new(&http))
        .await
        .expect_err("deleted");
    assert!(gone.is_not_found(), "{gone}");
    assert!(c
        .delete_listener_and_wait(&https, None, &w)
        .await
        .expect("delete https"));
    assert!(!c
        .delete_listener_and_wait(&https, None, &w)
        .await
        .expect("already gone"));
    assert!(objects(&server, "Listeners").is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn rule_actions_round_trip() {
    let server = mock();
    let c = client(&server);
    let w = waits();
    let lb = create_lb(&c, "rt-lb", "Standard").await;
    let sg1 = create_sg(&c, "rt-sg-1").await;
    let sg2 = create_sg(&c, "rt-sg-2").await;
    let listener = create_http_listener(&c, &lb, 80, &sg1).await;

    // CreateRule.
    let created = c
        .create_rule(
            &CreateRuleRequest {
                listener_id: listener.clone(),
                rule_name: "rt-host".into(),
                priority: 10,
                rule_conditions: vec![RuleCondition::host(["www.example.com"])],
                rule_actions: forward(&sg1),
                tag: vec![Tag::new("k", "v")],
                ..Default::default()
            },
            None,
        )
        .await
        .expect("create rule");
    let host_rule = created.rule_id.clone();
    assert!(host_rule.starts_with("rule-"), "{host_rule}");
    c.wait_for_job(created.job_id.as_deref(), &w)
        .await
        .expect("create job");
    let available = c
        .wait_rules_available(std::slice::from_ref(&host_rule), &w)
        .await
        .expect("available");
    assert_eq!(available[0].rule_status, "Available");
    let s = state_of(&server, "Rules", "RuleId", &host_rule);
    assert_eq!(s["RuleName"], "rt-host");
    assert_eq!(s["Priority"], 10);
    assert_eq!(s["ListenerId"], listener.as_str());
    assert_eq!(s["LoadBalancerId"], lb.as_str());
    assert_eq!(s["Direction"], "Request");
    assert_eq!(
        s["RuleConditions"],
        json!([{"Type": "Host", "HostConfig": {"Values": ["www.example.com"]}}])
    );
    assert_eq!(forward_target(&s["RuleActions"]), sg1);

    // CreateRules (one call, three rules).
    let batch: Vec<NewRule> = [("a", 20), ("b", 30), ("c", 40)]
        .iter()
        .map(|(p, prio)| NewRule {
            rule_name: format!("rt-path-{p}"),
            priority: *prio,
            rule_conditions: vec![RuleCondition::path([format!("/{p}/*")])],
            rule_actions: forward(&sg2),
            ..Default::default()
        })
        .collect();
    let created = c
        .create_rules(
            &CreateRulesRequest {
                listener_id: listener.clone(),
                rules: batch,
                dry_run: None,
            },
            None,
        )
        .await
        .expect("create rules");
    let priorities: Vec<i64> = created.rule_ids.iter().map(|r| r.priority).collect();
    assert_eq!(priorities, [20, 30, 40]);
    c.wait_for_job(created.job_id.as_deref(), &w)
        .await
        .expect("create rules job");
    let path_rules: Vec<String> = created.rule_ids.iter().map(|r| r.rule_id.clone()).collect();
    for (id, p) in path_rules.iter().zip(["a", "b", "c"]) {
        let s = state_of(&server, "Rules", "RuleId", id);
        assert_eq!(s["RuleName"], format!("rt-path-{p}"));
        assert_eq!(
            s["RuleConditions"][0]["PathConfig"]["Values"][0],
            format!("/{p}/*")
        );
        assert_eq!(forward_target(&s["RuleActions"]), sg2);
    }
    assert_eq!(objects(&server, "Rules").len(), 4);

    // ListRules: typed conditions and actions decode to what was sent, by priority.
    let listed = c
        .list_all(ListRulesRequest {
            listener_ids: vec![listener.clone()],
            ..Default::default()
        })
        .await
        .expect("list rules");
    let order: Vec<i64> = listed.iter().map(|r| r.priority).collect();
    assert_eq!(order, [10, 20, 30, 40]);
    assert_eq!(listed[0].rule_id, host_rule);
    assert_eq!(
        listed[0].rule_conditions,
        vec![RuleCondition::host(["www.example.com"])]
    );
    assert_eq!(listed[0].rule_actions, forward(&sg1));
    assert_eq!(listed[0].tags, vec![Tag::new("k", "v")]);
    assert_eq!(
        listed[2].rule_conditions,
        vec![RuleCondition::path(["/b/*"])]
    );
    assert_eq!(listed[2].rule_actions, forward(&sg2));

    // UpdateRuleAttribute: name, priority, conditions and actions replaced.
    let fixed = vec![RuleAction::fixed_response(
        1,
        FixedResponseConfig {
            content: Some("ok".into()),
            content_type: Some("text/plain".into()),
            http_code: Some("200".into()),
        },
    )];
    let job = c
        .update_rule_attribute(
            &UpdateRuleAttributeRequest {
                rule_id: host_rule.clone(),
                rule_name: Some("rt-host-2".into()),
                priority: Some(15),
                rule_conditions: vec![RuleCondition::host(["api.example.com"])],
                rule_actions: fixed.clone(),
                dry_run: None,
            },
            None,
        )
        .await
        .expect("update rule");
    c.wait_for_job(job.job_id.as_deref(), &w)
        .await
        .expect("update job");
    let s = state_of(&server, "Rules", "RuleId", &host_rule);
    assert_eq!(s["RuleName"], "rt-host-2");
    assert_eq!(s["Priority"], 15);
    assert_eq!(
        s["RuleConditions"][0]["HostConfig"]["Values"],
        json!(["api.example.com"])
    );
    assert_eq!(
        s["RuleActions"],
        json!([{"Type": "FixedResponse", "Order": 1, "FixedResponseConfig":
            {"Content": "ok", "ContentType": "text/plain", "HttpCode": "200"}}])
    );
    let rules = c
        .wait_rules_available(std::slice::from_ref(&host_rule), &w)
        .await
        .expect("available");
    assert_eq!(rules[0].rule_actions, fixed);

    // UpdateRulesAttribute: two rules in one call.
    let job = c
        .update_rules_attribute(
            &UpdateRulesAttributeRequest {
                rules: vec![
                    RuleUpdate {
                        rule_id: path_rules[0].clone(),
                        priority: Some(25),
                        rule_actions: forward(&sg1),
                        ..Default::default()
                    },
                    RuleUpdate {
                        rule_id: path_rules[1].clone(),
                        rule_name: Some("rt-path-b2".into()),
                        rule_conditions: vec![RuleCondition::path(["/b2/*"])],
                        ..Default::default()
                    },
                ],
                dry_run: None,
            },
            None,
        )
        .await
        .expect("update rules");
    c.wait_for_job(job.job_id.as_deref(), &w)
        .await
        .expect("update rules job");
    let s = state_of(&server, "Rules", "RuleId", &path_rules[0]);
    assert_eq!(s["Priority"], 25);
    assert_eq!(s["RuleName"], "rt-path-a");
    assert_eq!(forward_target(&s["RuleActions"]), sg1);
    let s = state_of(&server, "Rules", "RuleId", &path_rules[1]);
    assert_eq!(s["Priority"], 30);
    assert_eq!(s["RuleName"], "rt-path-b2");
    assert_eq!(
        s["RuleConditions"][0]["PathConfig"]["Values"],
        json!(["/b2/*"])
    );
    assert_eq!(forward_target(&s["RuleActions"]), sg2);

    // DeleteRule, then DeleteRules.
    let job = c
        .delete_rule(
            &DeleteRuleRequest {
                rule_id: host_rule.clone(),
                dry_run: None,
            },
            None,
        )
        .await
        .expect("delete rule");
    c.wait_for_job(job.job_id.as_deref(), &w)
        .await
        .expect("delete job");
    assert!(find(&server, "Rules", "RuleId", &host_rule).is_none());
    let mut left = path_rules.clone();
    left.sort();
    assert_eq!(ids(&server, "Rules", "RuleId"), left);
    let job = c
        .delete_rules(
            &DeleteRulesRequest {
                rule_ids: path_rules[..2].to_vec(),
                dry_run: None,
            },
            None,
        )
        .await
        .expect("delete rules");
    c.wait_for_job(job.job_id.as_deref(), &w)
        .await
        .expect("delete rules job");
    assert_eq!(ids(&server, "Rules", "RuleId"), vec![path_rules[2].clone()]);
    // Already-deleted rules count as deleted for the batched helper.
    c.delete_rules_batched(&path_rules, None, &w)
        .await
        .expect("idempotent delete");
    assert!(objects(&server, "Rules").is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn server_group_and_server_actions_round_trip() {
    let server = mock();
    let c = client(&server);
    let w = waits();

    // CreateServerGroup with attributes.
    let created = c
        .create_server_group(
            &CreateServerGroupRequest {
                scheduler: Some("Wlc".into()),
                health_check_config: HealthCheckConfig {
                    health_check_enabled: Some(true),
                    health_check_path: Some("/healthz".into()),
                    health_check_codes: vec!["http_2xx".into()],
                    ..Default::default()
                },
                tag: vec![Tag::new("app", "web")],
                ..sg_request("rt-sg")
            },
            None,
        )
        .await
        .expect("create group");
    let sg = created.server_group_id.clone();
    assert!(sg.starts_with("sgp-"), "{sg}");
    c.wait_for_job(created.job_id.as_deref(), &w)
        .await
        .expect("create job");
    let available = c
        .wait_server_group_available(&sg, &w)
        .await
        .expect("available");
    assert_eq!(available.server_group_status, "Available");
    assert_eq!(available.scheduler.as_deref(), Some("Wlc"));
    let s = state_of(&server, "ServerGroups", "ServerGroupId", &sg);
    assert_eq!(s["ServerGroupName"], "rt-sg");
    assert_eq!(s["ServerGroupType"], "Instance");
    assert_eq!(s["Scheduler"], "Wlc");
    assert_eq!(s["VpcId"], "vpc-test");
    assert_eq!(s["HealthCheckConfig"]["HealthCheckEnabled"], true);
    assert_eq!(s["HealthCheckConfig"]["HealthCheckPath"], "/healthz");
    assert_eq!(
        s["HealthCheckConfig"]["HealthCheckCodes"],
        json!(["http_2xx"])
    );
    assert_eq!(s["ServerCount"], 0);
    assert_eq!(s["Servers"], json!([]));
    assert_eq!(tags(&s).get("app").map(String::as_str), Some("web"));

    // ListServerGroups: all, by name, by id.
    let other = create_sg(&c, "rt-sg-other").await;
    let all = c
        .list_all(ListServerGroupsRequest::default())
        .await
        .expect("list groups");
    let mut listed: Vec<String> = all.iter().map(|g| g.server_group_id.clone()).collect();
    listed.sort();
    assert_eq!(listed, ids(&server, "ServerGroups", "ServerGroupId"));
    let by_name = c
        .list_server_groups(&ListServerGroupsRequest {
            server_group_names: vec!["rt-sg".into()],
            ..Default::default()
        })
        .await
        .expect("by name");
    assert_eq!(by_name.server_groups.len(), 1);
    let g = &by_name.server_groups[0];
    assert_eq!(g.server_group_id, sg);
    assert_eq!(
        g.health_check_config
            .as_ref()
            .and_then(|h| h.health_check_path.as_deref()),
        Some("/healthz")
    );
    assert_eq!(g.tags, vec![Tag::new("app", "web")]);
    let by_id = c
        .list_server_groups(&ListServerGroupsRequest {
            server_group_ids: vec![other.clone()],
            ..Default::default()
        })
        .await
        .expect("by id");
    assert_eq!(by_id.server_groups.len(), 1);
    assert_eq!(
        by_id.server_groups[0].server_group_name.as_deref(),
        Some("rt-sg-other")
    );

    // UpdateServerGroupAttribute.
    let job = c
        .update_server_group_attribute(
            &UpdateServerGroupAttributeRequest {
                server_group_id: sg.clone(),
                server_group_name: Some("rt-sg-renamed".into()),
                scheduler: Some("Sch".into()),
                health_check_config: Some(HealthCheckConfig {
                    health_check_path: Some("/ready".into()),
                    ..Default::default()
                }),
                ..Default::default()
            },
            None,
        )
        .await
        .expect("update group");
    c.wait_for_job(job.job_id.as_deref(), &w)
        .await
        .expect("update job");
    let s = state_of(&server, "ServerGroups", "ServerGroupId", &sg);
    assert_eq!(s["ServerGroupName"], "rt-sg-renamed");
    assert_eq!(s["Scheduler"], "Sch");
    assert_eq!(s["HealthCheckConfig"]["HealthCheckPath"], "/ready");
    assert_eq!(
        s["HealthCheckConfig"]["HealthCheckEnabled"], true,
        "unset fields are unchanged"
    );

    // Servers as the state dump shows them: (id, port) -> (weight, description, status).
    let servers_of =
        |server: &MockServer| -> BTreeMap<(String, i64), (i64, Option<String>, String)> {
            state_of(server, "ServerGroups", "ServerGroupId", &sg)["Servers"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|s| {
                    (
                        (
                            s["ServerId"].as_str().unwrap_or_default().to_string(),
                            s["Port"].as_i64().unwrap_or_default(),
                        ),
                        (
                            s["Weight"].as_i64().unwrap_or_default(),
                            s["Description"].as_str().map(str::to_string),
                            s["Status"].as_str().unwrap_or_default().to_string(),
                        ),
                    )
                })
                .collect()
        };
    let available = |w: i64, d: Option<&str>| (w, d.map(str::to_string), "Available".to_string());
    let key = |id: &str, port: i64| (id.to_string(), port);

    // AddServersToServerGroup.
    let servers = ServersRequest {
        server_group_id: sg.clone(),
        servers: vec![
            ecs("i-1", 80, Some(100)),
            BackendServer {
                description: Some("second".into()),
                ..ecs("i-2", 80, Some(50))
            },
            ecs("i-3", 8080, None),
        ],
        dry_run: None,
    };
    let job = c
        .add_servers_to_server_group(&servers, None)
        .await
        .expect("add servers");
    c.wait_for_job(job.job_id.as_deref(), &w)
        .await
        .expect("add job");
    c.wait_server_group_available(&sg, &w)
        .await
        .expect("available");
    assert_eq!(
        servers_of(&server),
        BTreeMap::from([
            (key("i-1", 80), available(100, None)),
            (key("i-2", 80), available(50, Some("second"))),
            (key("i-3", 8080), available(100, None)),
        ])
    );
    assert_eq!(
        state_of(&server, "ServerGroups", "ServerGroupId", &sg)["ServerCount"],
        3
    );

    // ListServerGroupServers.
    let listed = c
        .list_all(ListServerGroupServersRequest {
            server_group_id: Some(sg.clone()),
            ..Default::default()
        })
        .await
        .expect("list servers");
    assert_eq!(listed.len(), 3);
    assert!(listed.iter().all(|s| s.server_group_id == sg));
    assert!(listed
        .iter()
        .all(|s| s.status.as_deref() == Some("Available")));
    let second = listed
        .iter()
        .find(|s| s.server.server_id == "i-2")
        .expect("i-2 listed");
    assert_eq!(second.server.server_type, "Ecs");
    assert_eq!(second.server.port, Some(80));
    assert_eq!(second.server.weight, Some(50));
    assert_eq!(second.server.description.as_deref(), Some("second"));
    let third = listed
        .iter()
        .find(|s| s.server.server_id == "i-3")
        .expect("i-3 listed");
    assert_eq!(third.server.weight, Some(100), "the default weight is 100");

    // UpdateServerGroupServersAttribute.
    let job = c
        .update_server_group_servers_attribute(
            &ServersRequest {
                server_group_id: sg.clone(),
                servers: vec![BackendServer {
                    description: Some("canary".into()),
                    ..ecs("i-2", 80, Some(10))
                }],
                dry_run: None,
            },
            None,
        )
        .await
        .expect("update servers");
    c.wait_for_job(job.job_id.as_deref(), &w)
        .await
        .expect("update servers job");
    c.wait_server_group_available(&sg, &w)
        .await
        .expect("available");
    assert_eq!(
        servers_of(&server)[&key("i-2", 80)],
        available(10, Some("canary"))
    );

    // ReplaceServersInServerGroup.
    let job = c
        .replace_servers_in_server_group(
            &ReplaceServersRequest {
                server_group_id: sg.clone(),
                added_servers: vec![ecs("i-4", 80, Some(30))],
                removed_servers: vec![ecs("i-3", 8080, None)],
                dry_run: None,
            },
            None,
        )
        .await
        .expect("replace servers");
    c.wait_for_job(job.job_id.as_deref(), &w)
        .await
        .expect("replace job");
    c.wait_server_group_available(&sg, &w)
        .await
        .expect("available");
    assert_eq!(
        servers_of(&server),
        BTreeMap::from([
            (key("i-1", 80), available(100, None)),
            (key("i-2", 80), available(10, Some("canary"))),
            (key("i-4", 80), available(30, None)),
        ])
    );

    // RemoveServersFromServerGroup.
    let job = c
        .remove_servers_from_server_group(
            &ServersRequest {
                server_group_id: sg.clone(),
                servers: vec![ecs("i-1", 80, None)],
                dry_run: None,
            },
            None,
        )
        .await
        .expect("remove servers");
    c.wait_for_job(job.job_id.as_deref(), &w)
        .await
        .expect("remove job");
    c.wait_server_group_available(&sg, &w)
        .await
        .expect("available");
    assert_eq!(
        servers_of(&server),
        BTreeMap::from([
            (key("i-2", 80), available(10, Some("canary"))),
            (key("i-4", 80), available(30, None)),
        ])
    );
    assert_eq!(
        state_of(&server, "ServerGroups", "ServerGroupId", &sg)["ServerCount"],
        2
    );

    // DeleteServerGroup and the idempotent helper.
    let job = c
        .delete_server_group(
            &DeleteServerGroupRequest {
                server_group_id: other.clone(),
                dry_run: None,
            },
            None,
        )
        .await
        .expect("delete group");
    c.wait_for_job(job.job_id.as_deref(), &w)
        .await
        .expect("delete job");
    assert_eq!(
        ids(&server, "ServerGroups", "ServerGroupId"),
        vec![sg.clone()]
    );
    let empty = c
        .list_server_groups(&ListServerGroupsRequest {
            server_group_ids: vec![other.clone()],
            ..Default::default()
        })
        .await
        .expect("list deleted");
    assert!(empty.server_groups.is_empty());
    assert!(c
        .delete_server_group_and_wait(&sg, None, &w)
        .await
        .expect("delete"));
    assert!(!c
        .delete_server_group_and_wait(&sg, None, &w)
        .await
        .expect("already gone"));
    assert!(objects(&server, "ServerGroups").is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn jobs_and_tags_round_trip() {
    let server = mock();
    let c = client(&server);
    let w = waits();
    let lb = create_lb(&c, "rt-lb", "Standard").await;
    let created = c
        .create_server_group(&sg_request("rt-sg"), None)
        .await
        .expect("create group");
    let sg = created.server_group_id.clone();
    let job_id = created.job_id.clone().expect("job id");
    c.wait_for_job(Some(&job_id), &w).await.expect("job");
    let listener = create_http_listener(&c, &lb, 80, &sg).await;

    // ListAsynJobs: by id, by resource, by action, and all of them.
    let by_id = c
        .list_asyn_jobs(&ListAsynJobsRequest {
            job_ids: vec![job_id.clone()],
            ..Default::default()
        })
        .await
        .expect("jobs by id");
    assert_eq!(by_id.jobs.len(), 1);
    let job = &by_id.jobs[0];
    assert_eq!(job.id, job_id);
    assert_eq!(job.status, "Succeeded");
    assert_eq!(job.api_name.as_deref(), Some("CreateServerGroup"));
    assert_eq!(job.resource_type.as_deref(), Some("servergroup"));
    assert_eq!(job.resource_id.as_deref(), Some(sg.as_str()));
    assert_eq!(job.operate_type.as_deref(), Some("Create"));
    assert!(job.create_time.is_some_and(|t| t > 1_600_000_000_000));
    let all = c
        .list_all(ListAsynJobsRequest::default())
        .await
        .expect("all jobs");
    let state_jobs = objects(&server, "Jobs");
    assert_eq!(all.len(), state_jobs.len());
    for j in &all {
        let s = state_jobs
            .iter()
            .find(|s| s["Id"].as_str() == Some(j.id.as_str()))
            .expect("listed job in the state");
        assert_eq!(s["Status"].as_str(), Some(j.status.as_str()));
        assert_eq!(s["ApiName"].as_str(), j.api_name.as_deref());
    }
    let apis: BTreeSet<String> = all.iter().filter_map(|j| j.api_name.clone()).collect();
    assert_eq!(
        apis,
        BTreeSet::from([
            "CreateListener".to_string(),
            "CreateServerGroup".to_string()
        ])
    );
    let for_listener = c
        .list_all(ListAsynJobsRequest {
            resource_ids: vec![listener.clone()],
            ..Default::default()
        })
        .await
        .expect("jobs of the listener");
    assert_eq!(for_listener.len(), 1);
    assert_eq!(for_listener[0].api_name.as_deref(), Some("CreateListener"));
    let by_api = c
        .list_all(ListAsynJobsRequest {
            api_name: Some("CreateServerGroup".into()),
            ..Default::default()
        })
        .await
        .expect("jobs by action");
    assert_eq!(by_api.len(), 1);

    // TagResources on three resource types.
    for (kind, id) in [
        ("loadbalancer", &lb),
        ("servergroup", &sg),
        ("listener", &listener),
    ] {
        c.tag_resources(
            &TagResourcesRequest {
                resource_type: kind.into(),
                resource_id: vec![id.clone()],
                tag: vec![Tag::new("owner", "tf"), Tag::new("stage", "dev")],
            },
            None,
        )
        .await
        .expect("tag");
    }
    let lb_state = state_of(&server, "LoadBalancers", "LoadBalancerId", &lb);
    assert_eq!(
        tags(&lb_state),
        BTreeMap::from([
            ("env".to_string(), "test".to_string()),
            ("owner".to_string(), "tf".to_string()),
            ("stage".to_string(), "dev".to_string()),
        ])
    );
    let sg_state = state_of(&server, "ServerGroups", "ServerGroupId", &sg);
    assert_eq!(tags(&sg_state).len(), 2);
    let listener_state = state_of(&server, "Listeners", "ListenerId", &listener);
    assert_eq!(
        tags(&listener_state).get("owner").map(String::as_str),
        Some("tf")
    );

    // ListTagResources.
    let pairs = c
        .list_all(ListTagResourcesRequest {
            resource_type: "loadbalancer".into(),
            resource_id: vec![lb.clone()],
            ..Default::default()
        })
        .await
        .expect("list tags");
    let listed: Vec<(String, String, String)> = pairs
        .iter()
        .map(|t| {
            (
                t.resource_id.clone(),
                t.tag_key.clone(),
                t.tag_value.clone(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        vec![
            (lb.clone(), "env".into(), "test".into()),
            (lb.clone(), "owner".into(), "tf".into()),
            (lb.clone(), "stage".into(), "dev".into()),
        ]
    );
    assert!(pairs
        .iter()
        .all(|t| t.resource_type.as_deref() == Some("loadbalancer")));
    let owned = c
        .list_all(ListTagResourcesRequest {
            resource_type: "servergroup".into(),
            tag: vec![Tag::new("owner", "tf")],
            ..Default::default()
        })
        .await
        .expect("list by tag");
    assert_eq!(owned.len(), 1);
    assert_eq!(owned[0].resource_id, sg);

    // UnTagResources: by key, then all.
    c.un_tag_resources(
        &UnTagResourcesRequest {
            resource_type: "loadbalancer".into(),
            resource_id: vec![lb.clone()],
            tag_key: vec!["owner".into()],
            ..Default::default()
        },
        None,
    )
    .await
    .expect("untag by key");
    let lb_state = state_of(&server, "LoadBalancers", "LoadBalancerId", &lb);
    let keys: Vec<String> = tags(&lb_state).into_keys().collect();
    assert_eq!(keys, ["env", "stage"]);
    c.un_tag_resources(
        &UnTagResourcesRequest {
            resource_type: "servergroup".into(),
            resource_id: vec![sg.clone()],
            all: Some(true),
            ..Default::default()
        },
        None,
    )
    .await
    .expect("untag all");
    assert!(tags(&state_of(&server, "ServerGroups", "ServerGroupId", &sg)).is_empty());
    let left = c
        .list_all(ListTagResourcesRequest {
            resource_type: "servergroup".into(),
            resource_id: vec![sg.clone()],
            ..Default::default()
        })
        .await
        .expect("list tags");
    assert!(left.is_empty());
}

// ---------------------------------------------------------------------------------------------
// 2. Pagination over more than 100 objects.

#[tokio::test(flavor = "multi_thread")]
async fn list_all_pages_over_130_server_groups() {
    const GROUPS: usize = 130;
    let server = mock();
    let c = client(&server);
    let w = waits();

    let created = run_bounded(0..GROUPS, 8, |i| {
        let c = c.clone();
        async move {
            let mut request = sg_request(&format!("page-sg-{i:03}"));
            request.tag = vec![Tag::new("suite", "paging")];
            c.create_server_group(&request, Some(&format!("page-sg-{i:03}")))
                .await
        }
    })
    .await
    .into_iter()
    .collect::<Result<Vec<_>, _>>()
    .expect("create 130 groups");
    let job_ids: Vec<String> = created.iter().filter_map(|r| r.job_id.clone()).collect();
    assert_eq!(job_ids.len(), GROUPS);
    let jobs = c.wait_for_jobs(&job_ids, &w).await.expect("all jobs");
    assert_eq!(jobs.len(), GROUPS);
    assert!(jobs.iter().all(|j| j.status == "Succeeded"));
    let state_ids = ids(&server, "ServerGroups", "ServerGroupId");
    assert_eq!(state_ids.len(), GROUPS);

    // Default page size (the API maximum, 100): two ListServerGroups calls.
    let mut figures = Vec::new();
    for (page_size, expected_calls) in [(None, 2u64), (Some(50), 3), (Some(20), 7)] {
        let before = mock_calls(&server, "ListServerGroups");
        c.reset_metrics();
        let listed = c
            .list_all(ListServerGroupsRequest {
                max_results: page_size,
                ..Default::default()
            })
            .await
            .expect("list all groups");
        let mock_pages = mock_calls(&server, "ListServerGroups") - before;
        let client_calls = c.metrics().calls_of("ListServerGroups");
        figures.push(format!(
            "MaxResults={}: {} groups in {mock_pages} ListServerGroups calls",
            page_size.map_or("default(100)".to_string(), |p| p.to_string()),
            listed.len()
        ));
        let mut listed_ids: Vec<String> =
            listed.iter().map(|g| g.server_group_id.clone()).collect();
        listed_ids.sort();
        let unique: BTreeSet<&String> = listed_ids.iter().collect();
        assert_eq!(unique.len(), GROUPS, "no group listed twice");
        assert_eq!(listed_ids, state_ids, "every group listed");
        assert_eq!(mock_pages, expected_calls, "pages of {page_size:?}");
        assert_eq!(client_calls, expected_calls);
    }

    // Tag-filtered listing of the same groups, and the 130+ creation jobs, also page.
    let before = mock_calls(&server, "ListTagResources");
    let tagged = c
        .list_all(ListTagResourcesRequest {
            resource_type: "servergroup".into(),
            tag: vec![Tag::new("suite", "paging")],
            ..Default::default()
        })
        .await
        .expect("list tags");
    assert_eq!(tagged.len(), GROUPS);
    assert_eq!(mock_calls(&server, "ListTagResources") - before, 2);
    let before = mock_calls(&server, "ListAsynJobs");
    let all_jobs = c
        .list_all(ListAsynJobsRequest::default())
        .await
        .expect("list jobs");
    assert_eq!(all_jobs.len(), objects(&server, "Jobs").len());
    assert!(all_jobs.len() >= GROUPS);
    assert_eq!(
        mock_calls(&server, "ListAsynJobs") - before,
        all_jobs.len().div_ceil(100) as u64
    );
    for f in &figures {
        println!("paging: {f}");
    }
}

// ---------------------------------------------------------------------------------------------
// 3. Batching at the per-call limits.

#[tokio::test(flavor = "multi_thread")]
async fn batched_helpers_split_at_the_per_call_limits() {
    let server = mock();
    let c = client(&server);
    let w = waits();
    let lb = create_lb(&c, "batch-lb", "Standard").await;
    let sg = create_sg(&c, "batch-sg").await;
    let listener = create_http_listener(&c, &lb, 80, &sg).await;

    // 25 rules: CreateRules 10 + 10 + 5.
    let rules: Vec<NewRule> = (0..25)
        .map(|i| NewRule {
            rule_name: format!("batch-rule-{i:02}"),
            priority: 100 + i,
            rule_conditions: vec![RuleCondition::path([format!("/p{i}")])],
            rule_actions: forward(&sg),
            ..Default::default()
        })
        .collect();
    c.reset_metrics();
    let created = c
        .create_rules_batched(&listener, &rules, Some("batch-create-rules"), &w)
        .await
        .expect("create 25 rules");
    let priorities: Vec<i64> = created.iter().map(|r| r.priority).collect();
    assert_eq!(priorities, (100..125).collect::<Vec<i64>>());
    assert_eq!(mock_calls(&server, "CreateRules"), 3);
    let m = c.metrics();
    assert_eq!(m.calls_of("CreateRules"), 3);
    assert_eq!(m.attempts.get("CreateRules").copied(), Some(3));
    let state_rules = objects(&server, "Rules");
    assert_eq!(state_rules.len(), 25);
    let names: BTreeSet<&str> = state_rules
        .iter()
        .filter_map(|r| r["RuleName"].as_str())
        .collect();
    assert_eq!(names.len(), 25);
    let create_jobs = c
        .list_all(ListAsynJobsRequest {
            api_name: Some("CreateRules".into()),
            ..Default::default()
        })
        .await
        .expect("jobs");
    assert_eq!(create_jobs.len(), 3);
    let rule_ids: Vec<String> = created.iter().map(|r| r.rule_id.clone()).collect();

    // 25 rule updates: UpdateRulesAttribute 10 + 10 + 5.
    let updates: Vec<RuleUpdate> = rule_ids
        .iter()
        .map(|id| RuleUpdate {
            rule_id: id.clone(),
            rule_name: Some(format!("{id}-v2")),
            ..Default::default()
        })
        .collect();
    c.update_rules_batched(&updates, None, &w)
        .await
        .expect("update 25 rules");
    assert_eq!(mock_calls(&server, "UpdateRulesAttribute"), 3);
    for r in objects(&server, "Rules") {
        assert_eq!(
            r["RuleName"].as_str().map(str::to_string),
            r["RuleId"].as_str().map(|id| format!("{id}-v2"))
        );
    }

    // 450 servers in one group behind a Standard instance: AddServersToServerGroup
    // 200 + 200 + 50. Quotas (mock limits.rs): 200 servers per call, 1000 per group, 1000 per
    // Standard instance (a Basic instance allows only 200, shown below), so 450 is legal.
    let servers: Vec<BackendServer> = (0..450)
        .map(|i| ecs(&format!("i-batch{i:03}"), 80, Some(100)))
        .collect();
    c.reset_metrics();
    c.add_servers_batched(&sg, &servers, Some("batch-add-servers"), &w)
        .await
        .expect("add 450 servers");
    assert_eq!(mock_calls(&server, "AddServersToServerGroup"), 3);
    assert_eq!(c.metrics().calls_of("AddServersToServerGroup"), 3);
    let g = state_of(&server, "ServerGroups", "ServerGroupId", &sg);
    assert_eq!(g["ServerCount"], 450);
    assert_eq!(g["Servers"].as_array().map(Vec::len), Some(450));
    assert_eq!(g["RelatedLoadBalancerIds"], json!([lb.clone()]));
    let listed = c
        .list_all(ListServerGroupServersRequest {
            server_group_id: Some(sg.clone()),
            ..Default::default()
        })
        .await
        .expect("list 450 servers");
    assert_eq!(listed.len(), 450);
    let unique: BTreeSet<&str> = listed.iter().map(|s| s.server.server_id.as_str()).collect();
    assert_eq!(unique.len(), 450);
    assert_eq!(
        c.metrics().calls_of("ListServerGroupServers"),
        5,
        "450 servers in pages of 100"
    );

    // Why Standard: a Basic instance (200 servers) refuses to forward to this group.
    let basic = create_lb(&c, "batch-basic", "Basic").await;
    let refused = c
        .create_listener(
            &CreateListenerRequest {
                load_balancer_id: basic,
                listener_protocol: "HTTP".into(),
                listener_port: 80,
                default_actions: vec![DefaultAction::forward_to(&sg)],
                ..Default::default()
            },
            None,
        )
        .await
        .expect_err("Basic quota");
    assert_eq!(refused.code(), Some("QuotaExceeded.LoadBalancerServersNum"));

    // 100 weight updates: UpdateServerGroupServersAttribute 40 + 40 + 20.
    let reweighted: Vec<BackendServer> = servers[..100]
        .iter()
        .map(|s| BackendServer {
            weight: Some(7),
            ..s.clone()
        })
        .collect();
    c.update_servers_attribute_batched(&sg, &reweighted, None, &w)
        .await
        .expect("update 100 servers");
    assert_eq!(mock_calls(&server, "UpdateServerGroupServersAttribute"), 3);
    let g = state_of(&server, "ServerGroups", "ServerGroupId", &sg);
    let weights: Vec<i64> = g["Servers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["Weight"].as_i64())
        .collect();
    assert_eq!(weights.iter().filter(|w| **w == 7).count(), 100);
    assert_eq!(weights.iter().filter(|w| **w == 100).count(), 350);

    // Remove all 450: RemoveServersFromServerGroup 200 + 200 + 50.
    c.remove_servers_batched(&sg, &servers, None, &w)
        .await
        .expect("remove 450 servers");
    assert_eq!(mock_calls(&server, "RemoveServersFromServerGroup"), 3);
    c.wait_server_group_available(&sg, &w)
        .await
        .expect("available");
    let g = state_of(&server, "ServerGroups", "ServerGroupId", &sg);
    assert_eq!(g["ServerCount"], 0);
    assert_eq!(g["Servers"], json!([]));

    // Delete the 25 rules: DeleteRules 10 + 10 + 5.
    c.delete_rules_batched(&rule_ids, None, &w)
        .await
        .expect("delete 25 rules");
    assert_eq!(mock_calls(&server, "DeleteRules"), 3);
    assert_eq!(mock_calls(&server, "DeleteRule"), 0);
    assert!(objects(&server, "Rules").is_empty());
    println!(
        "batching: 25 rules -> {} CreateRules, {} UpdateRulesAttribute, {} DeleteRules; \
         450 servers -> {} AddServersToServerGroup, {} RemoveServersFromServerGroup; \
         100 weights -> {} UpdateServerGroupServersAttribute",
        mock_calls(&server, "CreateRules"),
        mock_calls(&server, "UpdateRulesAttribute"),
        mock_calls(&server, "DeleteRules"),
        mock_calls(&server, "AddServersToServerGroup"),
        mock_calls(&server, "RemoveServersFromServerGroup"),
        mock_calls(&server, "UpdateServerGroupServersAttribute"),
    );
}

// ---------------------------------------------------------------------------------------------
// 4. Rejected credentials.

#[tokio::test(flavor = "multi_thread")]
async fn acl_actions_round_trip() {
    let server = mock();
    let c = client(&server);
    let w = waits();
    let lb = create_lb(&c, "acl-lb", "Standard").await;
    let sg = create_sg(&c, "acl-sg").await;
    let listener = create_http_listener(&c, &lb, 80, &sg).await;

    // Create, tagged; found again by its tag.
    let created = c
        .create_acl(
            &CreateAclRequest {
                acl_name: "acl-round-trip".into(),
                tags: vec![Tag::new("alb.terraform/resource", "acl")],
                ..Default::default()
            },
            Some("acl-create-1"),
        )
        .await
        .expect("CreateAcl");
    assert!(created.acl_id.starts_with("acl-"));
    c.wait_for_job(created.job_id.as_deref(), &w)
        .await
        .expect("create job");
    let acl_id = created.acl_id.clone();
    let listed = c
        .list_all(ListAclsRequest {
            tags: vec![Tag::new("alb.terraform/resource", "acl")],
            ..Default::default()
        })
        .await
        .expect("ListAcls");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].acl_id, acl_id);
    assert_eq!(listed[0].acl_name, "acl-round-trip");
    assert_eq!(listed[0].acl_status.as_deref(), Some("Available"));
    assert_eq!(listed[0].address_ip_version.as_deref(), Some("IPv4"));
    assert_eq!(
        listed[0].tags,
        vec![Tag::new("alb.terraform/resource", "acl")]
    );

    // 45 entries: AddEntriesToAcl 20 + 20 + 5, each job awaited.
    let entries: Vec<AclEntryInput> = (0..45)
        .map(|i| AclEntryInput {
            entry: format!("10.1.{i}.0/24"),
            description: (i == 0).then(|| "first entry".to_string()),
        })
        .collect();
    c.reset_metrics();
    c.add_acl_entries_batched(&acl_id, &entries, Some("acl-add-45"), &w)
        .await
        .expect("add 45 entries");
    assert_eq!(c.metrics().calls_of("AddEntriesToAcl"), 3);
    assert_eq!(mock_calls(&server, "AddEntriesToAcl"), 3);
    let listed_entries = c
        .list_all(ListAclEntriesRequest {
            acl_id: acl_id.clone(),
            max_results: Some(20),
            ..Default::default()
        })
        .await
        .expect("ListAclEntries");
    assert_eq!(
        c.metrics().calls_of("ListAclEntries"),
        3,
        "45 entries, pages of 20"
    );
    let got: BTreeSet<String> = listed_entries.iter().map(|e| e.entry.clone()).collect();
    let wanted: BTreeSet<String> = entries.iter().map(|e| e.entry.clone()).collect();
    assert_eq!(got, wanted);
    assert!(listed_entries
        .iter()
        .all(|e| e.status.as_deref() == Some("Available")));
    let first = listed_entries
        .iter()
        .find(|e| e.entry == "10.1.0.0/24")
        .expect("first entry");
    assert_eq!(first.description.as_deref(), Some("first entry"));
    let dumped = state_of(&server, "Acls", "AclId", &acl_id);
    assert_eq!(dumped["AclEntries"].as_array().map(Vec::len), Some(45));

    // Associate as a whitelist; GetListenerAttribute shows it.
    let job = c
        .associate_acls_with_listener(
            &AssociateAclsWithListenerRequest {
                listener_id: listener.clone(),
                acl_ids: vec![acl_id.clone()],
                acl_type: "White".into(),
            },
            None,
        )
        .await
        .expect("AssociateAclsWithListener");
    c.wait_for_job(job.job_id.as_deref(), &w)
        .await
        .expect("associate job");
    let got = c
        .get_listener_attribute(&ListenerIdRequest::new(&listener))
        .await
        .expect("GetListenerAttribute");
    let config = got.listener.acl_config.expect("AclConfig");
    assert_eq!(config.acl_type.as_deref(), Some("White"));
    assert_eq!(config.acl_relations.len(), 1);
    assert_eq!(config.acl_relations[0].acl_id, acl_id);
    assert_eq!(
        config.acl_relations[0].status.as_deref(),
        Some("Associated")
    );
    let dumped = state_of(&server, "Listeners", "ListenerId", &listener);
    assert_eq!(
        dumped["AclConfig"]["AclRelations"][0]["AclId"],
        json!(acl_id)
    );

    // A bound ACL is not deleted (a state error, not retried).
    let in_use = c
        .delete_acl_and_wait(&acl_id, None, &w)
        .await
        .expect_err("bound ACL");
    assert_eq!(in_use.code(), Some("ResourceInUse.Acl"));
    assert_eq!(c.metrics().attempts.get("DeleteAcl").copied(), Some(1));

    // Dissociate; the listener has no ACL left.
    let job = c
        .dissociate_acls_from_listener(
            &DissociateAclsFromListenerRequest {
                listener_id: listener.clone(),
                acl_ids: vec![acl_id.clone()],
            },
            None,
        )
        .await
        .expect("DissociateAclsFromListener");
    c.wait_for_job(job.job_id.as_deref(), &w)
        .await
        .expect("dissociate job");
    let config = c
        .get_listener_attribute(&ListenerIdRequest::new(&listener))
        .await
        .expect("GetListenerAttribute")
        .listener
        .acl_config
        .unwrap_or_default();
    assert!(config.acl_relations.is_empty());

    // Remove 25 entries: RemoveEntriesFromAcl 20 + 5.
    let removed: Vec<String> = entries[..25].iter().map(|e| e.entry.clone()).collect();
    c.reset_metrics();
    c.remove_acl_entries_batched(&acl_id, &removed, None, &w)
        .await
        .expect("remove 25 entries");
    assert_eq!(c.metrics().calls_of("RemoveEntriesFromAcl"), 2);
    let left: BTreeSet<String> = c
        .list_all(ListAclEntriesRequest {
            acl_id: acl_id.clone(),
            ..Default::default()
        })
        .await
        .expect("ListAclEntries")
        .into_iter()
        .map(|e| e.entry)
        .collect();
    let expected: BTreeSet<String> = entries[25..].iter().map(|e| e.entry.clone()).collect();
    assert_eq!(left, expected);
    assert_eq!(
        state_of(&server, "Acls", "AclId", &acl_id)["AclEntries"]
            .as_array()
            .map(Vec::len),
        Some(20)
    );

    // Delete, then delete again: already gone is not an error.
    assert!(c
        .delete_acl_and_wait(&acl_id, None, &w)
        .await
        .expect("DeleteAcl"));
    assert!(ids(&server, "Acls", "AclId").is_empty());
    assert!(!c
        .delete_acl_and_wait(&acl_id, None, &w)
        .await
        .expect("DeleteAcl again"));
    let jobs = c
        .list_all(ListAsynJobsRequest {
            resource_type: Some("acl".into()),
            ..Default::default()
        })
        .await
        .expect("jobs");
    // Create, 3 adds, 2 removes, delete.
    assert_eq!(jobs.len(), 7);
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_secret_is_an_auth_error_after_one_attempt() {
    const WRONG: &str = "wrong-secret-7f3a9c";
    let server = mock();
    // The default retry policy (40 attempts): a rejected signature must still not be retried.
    let c = client_with(&server, WRONG, RetryPolicy::default());

    let err = c
        .list_load_balancers(&ListLoadBalancersRequest::default())
        .await
        .expect_err("the mock refuses the signature");
    assert!(err.is_auth(), "{err:?}");
    assert!(!err.is_retryable());
    assert_eq!(err.code(), Some("SignatureDoesNotMatch"));
    assert_eq!(err.http_status(), Some(400));
    let text = err.to_string();
    let debug = format!("{err:?}");
    println!("auth: {text}");
    assert!(text.contains("rejected the credentials"), "{text}");
    for shown in [&text, &debug] {
        assert!(!shown.contains(WRONG), "the secret leaked: {shown}");
        assert!(!shown.contains(SK), "the real secret leaked: {shown}");
    }

    let m = c.metrics();
    assert_eq!(m.calls_of("ListLoadBalancers"), 1);
    assert_eq!(m.attempts.get("ListLoadBalancers").copied(), Some(1));
    assert_eq!(m.total_attempts(), 1);
    let counters = server.counters();
    assert_eq!(counters.total_calls, 1);
    let list = &counters.actions["ListLoadBalancers"];
    assert_eq!((list.calls, list.failed, list.succeeded), (1, 1, 0));

    // A mutating call is refused the same way, once, and changes nothing.
    let err = c
        .create_server_group(&sg_request("never"), Some("auth-create"))
        .await
        .expect_err("refused");
    assert!(err.is_auth(), "{err:?}");
    assert!(!err.to_string().contains(WRONG));
    assert_eq!(c.metrics().total_attempts(), 2);
    assert_eq!(mock_calls(&server, "CreateServerGroup"), 1);
    assert!(objects(&server, "ServerGroups").is_empty());
    assert_eq!(server.state()["ClientTokens"], 0);
}

// ---------------------------------------------------------------------------------------------
// 5. A scripted sequence of 50 mutations under faults.

/// One scripted mutation; objects are named, ids are resolved at run time.
#[derive(Debug, Clone)]
enum Op {
    CreateGroup(&'static str),
    UpdateGroup(&'static str, &'static str),
    DeleteGroup(&'static str),
    AddServers(&'static str, &'static [(&'static str, i64)]),
    RemoveServers(&'static str, &'static [(&'static str, i64)]),
    ReplaceServers(
        &'static str,
        &'static [(&'static str, i64)],
        &'static [(&'static str, i64)],
    ),
    SetWeights(&'static str, &'static [(&'static str, i64, i64)]),
    CreateListener(i64, &'static str, &'static str),
    UpdateListener(i64, &'static str, Option<&'static str>),
    DeleteListener(i64),
    CreateRule(&'static str, i64, i64, &'static str, &'static str),
    UpdateRule(
        &'static str,
        Option<i64>,
        Option<&'static str>,
        Option<&'static str>,
    ),
    DeleteRule(&'static str),
}

/// The 50 operations: creates, updates and deletes of server groups, servers, listeners and
/// rules on one load balancer.
fn script() -> Vec<Op> {
    use Op::*;
    vec![
        CreateGroup("grp-a"),
        CreateGroup("grp-b"),
        CreateGroup("grp-c"),
        CreateGroup("grp-d"),
        CreateGroup("grp-e"),
        AddServers("grp-a", &[("i-a1", 80), ("i-a2", 80), ("i-a3", 8080)]),
        AddServers("grp-b", &[("i-b1", 80), ("i-b2", 80)]),
        AddServers(
            "grp-c",
            &[("i-c1", 80), ("i-c2", 80), ("i-c3", 80), ("i-c4", 80)],
        ),
        CreateListener(80, "HTTP", "grp-a"),
        CreateListener(8080, "HTTP", "grp-b"),
        CreateListener(443, "HTTPS", "grp-c"),
        CreateRule("rule-1", 80, 10, "grp-b", "/b"),
        CreateRule("rule-2", 80, 20, "grp-c", "/c"),
        CreateRule("rule-3", 80, 30, "grp-d", "/d"),
        CreateRule("rule-4", 8080, 10, "grp-a", "/a"),
        CreateRule("rule-5", 443, 10, "grp-a", "/secure"),
        CreateRule("rule-6", 443, 20, "grp-b", "/secure-b"),
        UpdateGroup("grp-a", "Wlc"),
        UpdateGroup("grp-b", "Sch"),
        SetWeights("grp-a", &[("i-a1", 80, 50)]),
        SetWeights("grp-c", &[("i-c2", 80, 10), ("i-c3", 80, 20)]),
        RemoveServers("grp-c", &[("i-c4", 80)]),
        ReplaceServers("grp-b", &[("i-b2", 80)], &[("i-b3", 80)]),
        UpdateListener(80, "front door", None),
        UpdateListener(8080, "api", Some("grp-e")),
        UpdateRule("rule-1", Some(15), Some("grp-d"), None),
        UpdateRule("rule-4", None, Some("grp-e"), Some("/a2")),
        DeleteRule("rule-3"),
        CreateGroup("grp-f"),
        AddServers("grp-e", &[("i-e1", 80), ("i-e2", 80)]),
        AddServers("grp-f", &[("i-f1", 80)]),
        CreateRule("rule-7", 80, 40, "grp-e", "/e"),
        CreateRule("rule-8", 8080, 20, "grp-f", "/f"),
        UpdateRule("rule-2", None, None, Some("/c2")),
        DeleteRule("rule-6"),
        DeleteListener(443),
        RemoveServers("grp-a", &[("i-a3", 8080)]),
        UpdateGroup("grp-d", "Wlc"),
        DeleteRule("rule-7"),
        UpdateListener(8080, "api v2", None),
        CreateGroup("grp-g"),
        AddServers("grp-g", &[("i-g1", 80), ("i-g2", 80)]),
        CreateRule("rule-9", 8080, 30, "grp-g", "/g"),
        SetWeights("grp-g", &[("i-g2", 80, 0)]),
        AddServers("grp-d", &[("i-d1", 80)]),
        UpdateRule("rule-8", Some(25), Some("grp-b"), None),
        DeleteRule("rule-9"),
        RemoveServers("grp-g", &[("i-g1", 80), ("i-g2", 80)]),
        DeleteGroup("grp-g"),
        DeleteGroup("grp-f"),
    ]
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct GroupModel {
    scheduler: String,
    /// (server id, port) -> weight.
    servers: BTreeMap<(String, i64), i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct ListenerModel {
    protocol: String,
    description: Option<String>,
    group: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct RuleModel {
    port: i64,
    priority: i64,
    group: String,
    path: String,
}

/// What the load balancer should look like, by name (groups, rules) and port (listeners).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct World {
    groups: BTreeMap<String, GroupModel>,
    listeners: BTreeMap<i64, ListenerModel>,
    rules: BTreeMap<String, RuleModel>,
}

impl World {
    /// Applies one scripted operation to the expectation (panics on an invalid script).
    fn apply(&mut self, op: &Op) {
        let key = |(id, port): &(&str, i64)| (id.to_string(), *port);
        match op {
            Op::CreateGroup(name) => {
                let fresh = GroupModel {
                    scheduler: "Wrr".into(),
                    servers: BTreeMap::new(),
                };
                assert!(self.groups.insert(name.to_string(), fresh).is_none());
            }
            Op::UpdateGroup(name, scheduler) => self.group(name).scheduler = scheduler.to_string(),
            Op::DeleteGroup(name) => {
                let used = self.listeners.values().any(|l| l.group == *name)
                    || self.rules.values().any(|r| r.group == *name);
                assert!(!used, "script deletes {name} while it is in use");
                self.groups.remove(*name).expect("group exists");
            }
            Op::AddServers(name, servers) => {
                let g = self.group(name);
                for s in servers.iter() {
                    assert!(g.servers.insert(key(s), 100).is_none());
                }
            }
            Op::RemoveServers(name, servers) => {
                let g = self.group(name);
                for s in servers.iter() {
                    g.servers.remove(&key(s)).expect("server exists");
                }
            }
            Op::ReplaceServers(name, removed, added) => {
                let g = self.group(name);
                for s in removed.iter() {
                    g.servers.remove(&key(s)).expect("server exists");
                }
                for s in added.iter() {
                    g.servers.insert(key(s), 100);
                }
            }
            Op::SetWeights(name, servers) => {
                let g = self.group(name);
                for (id, port, weight) in servers.iter() {
                    *g.servers
                        .get_mut(&(id.to_string(), *port))
                        .expect("server exists") = *weight;
                }
            }
            Op::CreateListener(port, protocol, group) => {
                assert!(self.groups.contains_key(*group));
                let l = ListenerModel {
                    protocol: protocol.to_string(),
                    description: None,
                    group: group.to_string(),
                };
                assert!(self.listeners.insert(*port, l).is_none());
            }
            Op::UpdateListener(port, description, group) => {
                let l = self.listeners.get_mut(port).expect("listener exists");
                l.description = Some(description.to_string());
                if let Some(g) = group {
                    l.group = g.to_string();
                }
            }
            Op::DeleteListener(port) => {
                self.listeners.remove(port).expect("listener exists");
                self.rules.retain(|_, r| r.port != *port);
            }
            Op::CreateRule(name, port, priority, group, path) => {
                assert!(self.listeners.contains_key(port));
                let r = RuleModel {
                    port: *port,
                    priority: *priority,
                    group: group.to_string(),
                    path: path.to_string(),
                };
                assert!(self.rules.insert(name.to_string(), r).is_none());
            }
            Op::UpdateRule(name, priority, group, path) => {
                let r = self.rules.get_mut(*name).expect("rule exists");
                if let Some(p) = priority {
                    r.priority = *p;
                }
                if let Some(g) = group {
                    r.group = g.to_string();
                }
                if let Some(p) = path {
                    r.path = p.to_string();
                }
            }
            Op::DeleteRule(name) => {
                self.rules.remove(*name).expect("rule exists");
            }
        }
    }

    fn group(&mut self, name: &str) -> &mut GroupModel {
        self.groups.get_mut(name).expect("group exists")
    }

    /// The world as the mock's state dump shows it for load balancer `lb`, plus the names
    /// (groups, rules) and ports (listeners) that appear more than once.
    fn observe(state: &Value, lb: &str) -> (World, Vec<String>) {
        let list = |kind: &str| state[kind].as_array().cloned().unwrap_or_default();
        let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
        let mut world = World::default();
        let mut duplicates = Vec::new();
        let mut group_names = HashMap::new();
        for g in list("ServerGroups") {
            let name = text(&g["ServerGroupName"]);
            group_names.insert(text(&g["ServerGroupId"]), name.clone());
            let servers = g["Servers"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|s| {
                    (
                        (text(&s["ServerId"]), s["Port"].as_i64().unwrap_or_default()),
                        s["Weight"].as_i64().unwrap_or_default(),
                    )
                })
                .collect();
            let model = GroupModel {
                scheduler: text(&g["Scheduler"]),
                servers,
            };
            if world.groups.insert(name.clone(), model).is_some() {
                duplicates.push(format!("server group {name}"));
            }
        }
        let group_of = |actions: &Value| {
            let id = forward_target(actions);
            group_names.get(&id).cloned().unwrap_or(id)
        };
        let mut ports = HashMap::new();
        for l in list("Listeners")
            .into_iter()
            .filter(|l| l["LoadBalancerId"].as_str() == Some(lb))
        {
            let port = l["ListenerPort"].as_i64().unwrap_or_default();
            ports.insert(text(&l["ListenerId"]), port);
            let model = ListenerModel {
                protocol: text(&l["ListenerProtocol"]),
                description: l["ListenerDescription"].as_str().map(str::to_string),
                group: group_of(&l["DefaultActions"]),
            };
            if world.listeners.insert(port, model).is_some() {
                duplicates.push(format!("listener on port {port}"));
            }
        }
        for r in list("Rules")
            .into_iter()
            .filter(|r| r["LoadBalancerId"].as_str() == Some(lb))
        {
            let name = text(&r["RuleName"]);
            let model = RuleModel {
                port: ports.get(&text(&r["ListenerId"])).copied().unwrap_or(-1),
                priority: r["Priority"].as_i64().unwrap_or_default(),
                group: group_of(&r["RuleActions"]),
                path: text(&r["RuleConditions"][0]["PathConfig"]["Values"][0]),
            };
            if world.rules.insert(name.clone(), model).is_some() {
                duplicates.push(format!("rule {name}"));
            }
        }
        (world, duplicates)
    }
}

/// Ids of the objects created so far, by name / port.
#[derive(Default)]
struct Ids {
    groups: HashMap<&'static str, String>,
    listeners: HashMap<i64, String>,
    rules: HashMap<&'static str, String>,
}

fn backend(servers: &[(&str, i64)]) -> Vec<BackendServer> {
    servers
        .iter()
        .map(|(id, port)| ecs(id, *port, Some(100)))
        .collect()
}

fn rule_conditions(path: &str) -> Vec<RuleCondition> {
    vec![RuleCondition::path([path])]
}

/// Runs one operation with its own ClientToken and waits for it to finish. `after` is the
/// expectation with the operation applied (updates send the rule's full new definition).
async fn run_op(c: &Client, lb: &str, ids: &mut Ids, op: &Op, token: &str, after: &World) {
    let w = waits();
    let t = Some(token);
    let job = match op {
        Op::CreateGroup(name) => {
            let mut request = sg_request(name);
            request.tag = vec![Tag::new("script", "faults"), Tag::new("name", *name)];
            let r = c
                .create_server_group(&request, t)
                .await
                .expect("create group");
            ids.groups.insert(*name, r.server_group_id);
            r.job_id
        }
        Op::UpdateGroup(name, scheduler) => {
            let request = UpdateServerGroupAttributeRequest {
                server_group_id: ids.groups[name].clone(),
                scheduler: Some(scheduler.to_string()),
                ..Default::default()
            };
            c.update_server_group_attribute(&request, t)
                .await
                .expect("update group")
                .job_id
        }
        Op::DeleteGroup(name) => {
            let deleted = c
                .delete_server_group_and_wait(&ids.groups[name], t, &w)
                .await
                .expect("delete group");
            assert!(deleted, "{name} existed");
            None
        }
        Op::AddServers(name, servers) => {
            let request = ServersRequest {
                server_group_id: ids.groups[name].clone(),
                servers: backend(servers),
                dry_run: None,
            };
            c.add_servers_to_server_group(&request, t)
                .await
                .expect("add servers")
                .job_id
        }
        Op::RemoveServers(name, servers) => {
            let request = ServersRequest {
                server_group_id: ids.groups[name].clone(),
                servers: backend(servers),
                dry_run: None,
            };
            c.remove_servers_from_server_group(&request, t)
                .await
                .expect("remove servers")
                .job_id
        }
        Op::ReplaceServers(name, removed, added) => {
            let request = ReplaceServersRequest {
                server_group_id: ids.groups[name].clone(),
                added_servers: backend(added),
                removed_servers: backend(removed),
                dry_run: None,
            };
            c.replace_servers_in_server_group(&request, t)
                .await
                .expect("replace servers")
                .job_id
        }
        Op::SetWeights(name, servers) => {
            let request = ServersRequest {
                server_group_id: ids.groups[name].clone(),
                servers: servers
                    .iter()
                    .map(|(id, port, weight)| ecs(id, *port, Some(*weight)))
                    .collect(),
                dry_run: None,
            };
            c.update_server_group_servers_attribute(&request, t)
                .await
                .expect("set weights")
                .job_id
        }
        Op::CreateListener(port, protocol, group) => {
            let request = CreateListenerRequest {
                load_balancer_id: lb.to_string(),
                listener_protocol: protocol.to_string(),
                listener_port: *port,
                default_actions: vec![DefaultAction::forward_to(&ids.groups[group])],
                certificates: if *protocol == "HTTP" {
                    Vec::new()
                } else {
                    vec![CertificateRef::new("cert-faults")]
                },
                ..Default::default()
            };
            let r = c
                .create_listener(&request, t)
                .await
                .expect("create listener");
            ids.listeners.insert(*port, r.listener_id);
            r.job_id
        }
        Op::UpdateListener(port, description, group) => {
            let request = UpdateListenerAttributeRequest {
                listener_id: ids.listeners[port].clone(),
                listener_description: Some(description.to_string()),
                default_actions: group
                    .map(|g| vec![DefaultAction::forward_to(&ids.groups[g])])
                    .unwrap_or_default(),
                ..Default::default()
            };
            c.update_listener_attribute(&request, t)
                .await
                .expect("update listener")
                .job_id
        }
        Op::DeleteListener(port) => {
            let deleted = c
                .delete_listener_and_wait(&ids.listeners[port], t, &w)
                .await
                .expect("delete listener");
            assert!(deleted, "listener {port} existed");
            None
        }
        Op::CreateRule(name, port, priority, group, path) => {
            let request = CreateRuleRequest {
                listener_id: ids.listeners[port].clone(),
                rule_name: name.to_string(),
                priority: *priority,
                rule_conditions: rule_conditions(path),
                rule_actions: forward(&ids.groups[group]),
                ..Default::default()
            };
            let r = c.create_rule(&request, t).await.expect("create rule");
            ids.rules.insert(*name, r.rule_id);
            r.job_id
        }
        Op::UpdateRule(name, priority, _, _) => {
            let target = &after.rules[*name];
            let group_id = ids.groups[target.group.as_str()].clone();
            let request = UpdateRuleAttributeRequest {
                rule_id: ids.rules[name].clone(),
                priority: *priority,
                rule_conditions: rule_conditions(&target.path),
                rule_actions: forward(&group_id),
                ..Default::default()
            };
            c.update_rule_attribute(&request, t)
                .await
                .expect("update rule")
                .job_id
        }
        Op::DeleteRule(name) => {
            let deleted = c
                .delete_rule_and_wait(&ids.rules[name], t, &w)
                .await
                .expect("delete rule");
            assert!(deleted, "{name} existed");
            None
        }
    };
    c.wait_for_job(job.as_deref(), &w)
        .await
        .unwrap_or_else(|e| panic!("{op:?}: {e}"));
}

#[tokio::test(flavor = "multi_thread")]
async fn fifty_mutations_converge_under_faults() {
    let faults = Faults::none()
        .throttle_rate(0.3)
        .error_rate(0.1)
        .drop_rate(0.1)
        .busy_window_ms(120);
    let server = MockServer::start(
        MockConfig::default()
            .async_delay_ms(20)
            .seed(20_240_606)
            .faults(faults),
    )
    .expect("start mock");
    let c = client(&server);
    let w = waits();

    let lb = c
        .create_load_balancer(&lb_request("faults-lb", "Standard"), Some("faults-lb"))
        .await
        .expect("create lb")
        .load_balancer_id;
    c.wait_load_balancer_active(&lb, &w).await.expect("active");

    let script = script();
    assert_eq!(script.len(), 50);
    let mut expected = World::default();
    let mut ids = Ids::default();
    for (i, op) in script.iter().enumerate() {
        expected.apply(op);
        let token = format!("faults-op-{i:02}");
        run_op(&c, &lb, &mut ids, op, &token, &expected).await;
    }

    let state = server.state();
    let (actual, duplicates) = World::observe(&state, &lb);
    assert!(duplicates.is_empty(), "duplicates: {duplicates:?}");
    assert_eq!(actual, expected);
    // Count by tag too: one group per created name, none left from deleted ones.
    let tagged: Vec<String> = state["ServerGroups"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|g| tags(g).get("script").map(String::as_str) == Some("faults"))
        .filter_map(|g| tags(g).get("name").cloned())
        .collect();
    let unique: BTreeSet<&String> = tagged.iter().collect();
    assert_eq!(unique.len(), tagged.len(), "one group per name: {tagged:?}");
    assert_eq!(tagged.len(), expected.groups.len());
    assert_eq!(state["LoadBalancers"].as_array().map(Vec::len), Some(1));
    // Every mutation ran exactly once: one ClientToken record per logical mutating call
    // (replays of dropped responses reuse the record, refused attempts leave none).
    assert_eq!(state["ClientTokens"], 51);

    let counters = server.counters();
    let metrics = c.metrics();
    let mutating_attempts: u64 = metrics
        .attempts
        .iter()
        .filter(|(a, _)| alb_api::client::is_mutating_action(a))
        .map(|(_, n)| n)
        .sum();
    println!(
        "faults: client {} logical calls ({} mutating), {} HTTP attempts ({} mutating); \
         mock {} calls, {} throttled, {} 5xx, {} dropped responses",
        metrics.total_calls(),
        metrics.mutating_calls(),
        metrics.total_attempts(),
        mutating_attempts,
        counters.total_calls,
        counters.faults.throttled,
        counters.faults.server_errors,
        counters.faults.dropped,
    );
    let refused: u64 = counters.actions.values().map(|a| a.failed).sum();
    println!(
        "faults: {refused} calls answered with an API error (busy objects: \
         IncorrectStatus.*, ResourceInConfiguring.*)"
    );
    assert_eq!(metrics.mutating_calls(), 51, "50 scripted ops + the LB");
    assert!(metrics.total_attempts() > metrics.total_calls(), "retries");
    assert!(mutating_attempts > 51, "mutations were retried");
    assert_eq!(counters.total_calls, metrics.total_attempts());
    assert!(counters.faults.throttled > 0);
    assert!(counters.faults.server_errors > 0);
    assert!(counters.faults.dropped > 0);
    assert!(refused > 0, "the busy window made some writes wait");
}
