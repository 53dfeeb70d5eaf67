//! Asynchronous behaviour of alb-mock: status transitions, jobs, busy codes, cascades,
//! not-found answers and deletion protection.

mod mock_support;

use acceptance_tests::mock::{Faults, MockConfig};
use mock_support::*;
use serde_json::Value;

fn get_lb(id: &str) -> Req {
    Req::new("GetLoadBalancerAttribute").p("LoadBalancerId", id)
}

fn jobs(id: &str) -> Req {
    Req::new("ListAsynJobs").p("JobIds.1", id)
}

#[tokio::test]
async fn load_balancer_provisions_then_is_active_without_job() {
    let server = start();
    let body = lb_req("Standard").send(&server).await.ok();
    assert!(
        body.get("JobId").is_none(),
        "CreateLoadBalancer returns no JobId: {body}"
    );
    let id = body["LoadBalancerId"].as_str().expect("id").to_string();
    let re = regex::Regex::new("^alb-[a-z0-9]{18}$").expect("regex");
    assert!(re.is_match(&id), "{id}");
    let lb = get_lb(&id).send(&server).await.ok();
    assert_eq!(lb["LoadBalancerStatus"], "Provisioning");
    assert_eq!(lb["DNSName"], format!("{id}.cn-hangzhou.alb.aliyuncs.com"));
    assert_eq!(lb["RegionId"], "cn-hangzhou");
    assert_eq!(lb["ZoneMappings"].as_array().map(Vec::len), Some(2));
    settle(&server);
    let lb = get_lb(&id).send(&server).await.ok();
    assert_eq!(lb["LoadBalancerStatus"], "Active");
    // A listener on a provisioning load balancer is refused with the LB busy code.
    let fresh = lb_req("Basic").send(&server).await.ok()["LoadBalancerId"]
        .as_str()
        .expect("id")
        .to_string();
    let sg = create_sg(&server).await;
    let fresh2 = lb_req("Basic").send(&server).await.ok()["LoadBalancerId"]
        .as_str()
        .expect("id")
        .to_string();
    listener_req(&fresh2, "HTTP", 80, &sg)
        .send(&server)
        .await
        .err(400, "IncorrectStatus.LoadBalancer");
    listener_req(&fresh, "HTTP", 80, &sg)
        .send(&server)
        .await
        .ok();
}

#[tokio::test]
async fn listener_job_goes_processing_to_succeeded_and_is_kept() {
    let server = start();
    let lb = create_lb(&server, "Standard").await;
    let sg = create_sg(&server).await;
    let body = listener_req(&lb, "HTTP", 80, &sg).send(&server).await.ok();
    let job = body["JobId"].as_str().expect("JobId").to_string();
    let listener = body["ListenerId"].as_str().expect("ListenerId").to_string();
    assert!(listener.starts_with("lsn-"));
    let uuid = regex::Regex::new("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
        .expect("re");
    assert!(uuid.is_match(&job), "{job}");
    let listed = jobs(&job).send(&server).await.ok();
    assert_eq!(listed["Jobs"][0]["Status"], "Processing");
    assert_eq!(listed["Jobs"][0]["ApiName"], "CreateListener");
    assert_eq!(listed["Jobs"][0]["ResourceId"], listener.as_str());
    assert!(listed["Jobs"][0]["CreateTime"].is_u64());
    let got = Req::new("GetListenerAttribute")
        .p("ListenerId", &listener)
        .send(&server)
        .await
        .ok();
    assert_eq!(got["ListenerStatus"], "Provisioning");
    settle(&server);
    let listed = jobs(&job).send(&server).await.ok();
    assert_eq!(listed["Jobs"][0]["Status"], "Succeeded");
    assert_eq!(listed["TotalCount"], 1);
    let got = Req::new("GetListenerAttribute")
        .p("ListenerId", &listener)
        .send(&server)
        .await
        .ok();
    assert_eq!(got["ListenerStatus"], "Running");
    // Jobs are also found by resource id.
    let by_resource = Req::new("ListAsynJobs")
        .p("ResourceIds.1", &listener)
        .send(&server)
        .await
        .ok();
    assert_eq!(by_resource["Jobs"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn writes_to_busy_objects_get_busy_codes() {
    let server = start();
    let (lb, sg, listener) = stack(&server, "Standard").await;

    // Listener busy right after an update.
    Req::new("UpdateListenerAttribute")
        .p("ListenerId", &listener)
        .p("IdleTimeout", 30)
        .send(&server)
        .await
        .ok();
    Req::new("UpdateListenerAttribute")
        .p("ListenerId", &listener)
        .p("IdleTimeout", 31)
        .send(&server)
        .await
        .err(400, "IncorrectStatus.Listener");
    rule_req(&listener, 1, &sg)
        .send(&server)
        .await
        .err(400, "ResourceInConfiguring.Listener");
    Req::new("DeleteListener")
        .p("ListenerId", &listener)
        .send(&server)
        .await
        .err(400, "ResourceInConfiguring.Listener");
    settle(&server);

    // A rule write puts the rule and its listener into Configuring.
    let rule = rule_req(&listener, 1, &sg).send(&server).await.ok()["RuleId"]
        .as_str()
        .expect("id")
        .to_string();
    rule_req(&listener, 2, &sg)
        .send(&server)
        .await
        .err(400, "ResourceInConfiguring.Listener");
    settle(&server);
    Req::new("UpdateRuleAttribute")
        .p("RuleId", &rule)
        .p("RuleName", "renamed")
        .send(&server)
        .await
        .ok();
    settle(&server);
    let rules = Req::new("ListRules")
        .p("RuleIds.1", &rule)
        .send(&server)
        .await
        .ok();
    assert_eq!(rules["Rules"][0]["RuleName"], "renamed");
    assert_eq!(rules["Rules"][0]["RuleStatus"], "Available");

    // Load balancer busy.
    Req::new("UpdateLoadBalancerAttribute")
        .p("LoadBalancerId", &lb)
        .p("LoadBalancerName", "x-lb")
        .send(&server)
        .await
        .ok();
    assert_eq!(
        get_lb(&lb).send(&server).await.ok()["LoadBalancerStatus"],
        "Configuring"
    );
    Req::new("UpdateLoadBalancerAttribute")
        .p("LoadBalancerId", &lb)
        .p("LoadBalancerName", "y-lb")
        .send(&server)
        .await
        .err(400, "IncorrectStatus.LoadBalancer");
    listener_req(&lb, "HTTP", 81, &sg)
        .send(&server)
        .await
        .err(400, "IncorrectStatus.LoadBalancer");
    settle(&server);

    // Server group busy.
    Req::new("UpdateServerGroupAttribute")
        .p("ServerGroupId", &sg)
        .p("Scheduler", "Wlc")
        .send(&server)
        .await
        .ok();
    Req::new("UpdateServerGroupAttribute")
        .p("ServerGroupId", &sg)
        .p("Scheduler", "Sch")
        .send(&server)
        .await
        .err(400, "IncorrectStatus.ServerGroup");
}

#[tokio::test]
async fn busy_rule_is_incorrect_status_rule() {
    // A busy window longer than the async delay keeps the touched rule busy after its
    // listener (Configuring only for the async delay) has settled.
    let server = start();
    let (_, sg, listener) = stack(&server, "Standard").await;
    let rule = create_rule(&server, &listener, 5, &sg).await;
    server.set_faults(Faults::none().busy_window_ms(400));
    Req::new("UpdateRuleAttribute")
        .p("RuleId", &rule)
        .p("Priority", 6)
        .send(&server)
        .await
        .ok();
    Req::new("DeleteRule")
        .p("RuleId", &rule)
        .send(&server)
        .await
        .err(400, "ResourceInConfiguring.Listener");
    settle(&server);
    Req::new("UpdateRuleAttribute")
        .p("RuleId", &rule)
        .p("Priority", 7)
        .send(&server)
        .await
        .err(400, "IncorrectStatus.Rule");
    Req::new("DeleteRules")
        .p("RuleIds.1", &rule)
        .send(&server)
        .await
        .err(400, "IncorrectStatus.Rule");
    server.set_faults(Faults::none());
    server.advance(std::time::Duration::from_millis(400));
    Req::new("DeleteRule")
        .p("RuleId", &rule)
        .send(&server)
        .await
        .ok();
}

#[tokio::test]
async fn busy_window_outlasts_the_job() {
    let server = start_with(MockConfig::default().faults(Faults::none().busy_window_ms(300)));
    let sg = sg_req("busy-sg").send(&server).await.ok();
    let job = sg["JobId"].as_str().expect("job").to_string();
    let id = sg["ServerGroupId"].as_str().expect("id").to_string();
    settle(&server);
    assert_eq!(
        jobs(&job).send(&server).await.ok()["Jobs"][0]["Status"],
        "Succeeded"
    );
    let listed = Req::new("ListServerGroups")
        .p("ServerGroupIds.1", &id)
        .send(&server)
        .await
        .ok();
    assert_eq!(listed["ServerGroups"][0]["ServerGroupStatus"], "Creating");
    Req::new("UpdateServerGroupAttribute")
        .p("ServerGroupId", &id)
        .p("Scheduler", "Wlc")
        .send(&server)
        .await
        .err(400, "IncorrectStatus.ServerGroup");
}

#[tokio::test]
async fn missing_objects_are_404_and_unknown_server_group_lists_empty() {
    let server = start();
    get_lb("alb-doesnotexist0000")
        .send(&server)
        .await
        .err(404, "ResourceNotFound.LoadBalancer");
    Req::new("GetListenerAttribute")
        .p("ListenerId", "lsn-nope")
        .send(&server)
        .await
        .err(404, "ResourceNotFound.Listener");
    Req::new("DeleteRule")
        .p("RuleId", "rule-nope")
        .send(&server)
        .await
        .err(404, "ResourceNotFound.Rule");
    Req::new("DeleteServerGroup")
        .p("ServerGroupId", "sgp-nope")
        .send(&server)
        .await
        .err(404, "ResourceNotFound.ServerGroup");
    let listed = Req::new("ListServerGroups")
        .p("ServerGroupIds.1", "sgp-nope")
        .send(&server)
        .await
        .ok();
    assert_eq!(listed["ServerGroups"], serde_json::json!([]));
    assert_eq!(listed["TotalCount"], 0);
}

#[tokio::test]
async fn deleting_a_listener_takes_its_rules() {
    let server = start();
    let (_, sg, listener) = stack(&server, "Standard").await;
    let rule = create_rule(&server, &listener, 10, &sg).await;
    let job = Req::new("DeleteListener")
        .p("ListenerId", &listener)
        .send(&server)
        .await
        .ok()["JobId"]
        .as_str()
        .expect("job")
        .to_string();
    let rules = Req::new("ListRules")
        .p("ListenerIds.1", &listener)
        .send(&server)
        .await
        .ok();
    assert_eq!(rules["Rules"][0]["RuleStatus"], "Deleting");
    settle(&server);
    assert_eq!(
        jobs(&job).send(&server).await.ok()["Jobs"][0]["Status"],
        "Succeeded"
    );
    Req::new("GetListenerAttribute")
        .p("ListenerId", &listener)
        .send(&server)
        .await
        .err(404, "ResourceNotFound.Listener");
    let rules = Req::new("ListRules")
        .p("RuleIds.1", &rule)
        .send(&server)
        .await
        .ok();
    assert_eq!(rules["Rules"], serde_json::json!([]));
    // With its listener gone the server group is free to delete.
    Req::new("DeleteServerGroup")
        .p("ServerGroupId", &sg)
        .send(&server)
        .await
        .ok();
}

#[tokio::test]
async fn deletion_protection_blocks_delete() {
    let server = start();
    let lb = create_lb(&server, "Basic").await;
    let body = Req::new("EnableDeletionProtection")
        .p("ResourceId", &lb)
        .send(&server)
        .await
        .ok();
    assert_eq!(
        body.as_object().map(|o| o.len()),
        Some(1),
        "RequestId only: {body}"
    );
    let got = get_lb(&lb).send(&server).await.ok();
    assert_eq!(got["DeletionProtectionConfig"]["Enabled"], true);
    Req::new("DeleteLoadBalancer")
        .p("LoadBalancerId", &lb)
        .send(&server)
        .await
        .err(400, "OperationDenied.DeletionProtection");
    Req::new("DisableDeletionProtection")
        .p("ResourceId", &lb)
        .send(&server)
        .await
        .ok();
    let job = Req::new("DeleteLoadBalancer")
        .p("LoadBalancerId", &lb)
        .send(&server)
        .await
        .ok();
    assert!(job["JobId"].is_string());
    assert_eq!(
        get_lb(&lb).send(&server).await.ok()["LoadBalancerStatus"],
        "Deleting"
    );
    settle(&server);
    get_lb(&lb)
        .send(&server)
        .await
        .err(404, "ResourceNotFound.LoadBalancer");
}

#[tokio::test]
async fn access_log_can_be_enabled_once() {
    let server = start();
    let lb = create_lb(&server, "Standard").await;
    let enable = || {
        Req::new("EnableLoadBalancerAccessLog")
            .p("LoadBalancerId", &lb)
            .p("LogProject", "p")
            .p("LogStore", "s")
    };
    assert!(enable().send(&server).await.ok()["JobId"].is_string());
    settle(&server);
    let got = get_lb(&lb).send(&server).await.ok();
    assert_eq!(
        got["AccessLogConfig"],
        serde_json::json!({"LogProject": "p", "LogStore": "s"})
    );
    enable()
        .send(&server)
        .await
        .err(400, "OperationDenied.AccessLogEnabled");
    Req::new("DisableLoadBalancerAccessLog")
        .p("LoadBalancerId", &lb)
        .send(&server)
        .await
        .ok();
    let got = get_lb(&lb).send(&server).await.ok();
    assert_eq!(got.get("AccessLogConfig"), None::<&Value>);
}
