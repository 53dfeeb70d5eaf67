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

#[tokio::test]
async fn edition_changes_only_as_the_api_allows_and_configures_without_job() {
    let server = start();
    let lb = create_lb(&server, "Basic").await;
    let edition = |e: &str| {
        Req::new("UpdateLoadBalancerEdition")
            .p("LoadBalancerId", &lb)
            .p("LoadBalancerEdition", e)
    };
    let body = edition("Standard").send(&server).await.ok();
    assert!(body.get("JobId").is_none(), "RequestId only: {body}");
    let got = get_lb(&lb).send(&server).await.ok();
    assert_eq!(got["LoadBalancerStatus"], "Configuring");
    assert_eq!(got["LoadBalancerEdition"], "Standard");
    // Busy while configuring.
    edition("StandardWithWaf")
        .send(&server)
        .await
        .err(400, "IncorrectStatus.LoadBalancer");
    settle(&server);
    assert_eq!(
        get_lb(&lb).send(&server).await.ok()["LoadBalancerStatus"],
        "Active"
    );
    // Back to Basic and Standard → StandardWithWaf are refused; WAF → Standard is allowed.
    edition("Basic")
        .send(&server)
        .await
        .err(400, "OperationDenied.LoadBalancerEdition");
    edition("StandardWithWaf")
        .send(&server)
        .await
        .err(400, "OperationDenied.LoadBalancerEdition");
    edition("Premium")
        .send(&server)
        .await
        .err(400, "InvalidParameter");
    let waf = create_lb(&server, "StandardWithWaf").await;
    Req::new("UpdateLoadBalancerEdition")
        .p("LoadBalancerId", &waf)
        .p("LoadBalancerEdition", "Standard")
        .send(&server)
        .await
        .ok();
    Req::new("UpdateLoadBalancerEdition")
        .p("LoadBalancerId", "alb-missing")
        .p("LoadBalancerEdition", "Standard")
        .send(&server)
        .await
        .err(404, "ResourceNotFound.LoadBalancer");
}

#[tokio::test]
async fn zones_change_as_a_job_and_keep_the_addresses_of_kept_zones() {
    let server = start();
    let lb = create_lb(&server, "Standard").await;
    let before = get_lb(&lb).send(&server).await.ok();
    let kept_address = before["ZoneMappings"][0]["LoadBalancerAddresses"][0]["Address"].clone();
    let zones = |pairs: &[(&str, &str)]| {
        let mut r = Req::new("UpdateLoadBalancerZones").p("LoadBalancerId", &lb);
        for (i, (z, v)) in pairs.iter().enumerate() {
            r = r
                .p(&format!("ZoneMappings.{}.ZoneId", i + 1), z)
                .p(&format!("ZoneMappings.{}.VSwitchId", i + 1), v);
        }
        r
    };
    zones(&[("cn-hangzhou-h", "vsw-h")])
        .send(&server)
        .await
        .err(400, "InvalidParameter");
    zones(&[("cn-hangzhou-h", "vsw-h"), ("cn-hangzhou-h", "vsw-x")])
        .send(&server)
        .await
        .err(400, "InvalidParameter");
    let body = zones(&[("cn-hangzhou-h", "vsw-h"), ("cn-hangzhou-j", "vsw-j")])
        .send(&server)
        .await
        .ok();
    let job = body["JobId"].as_str().expect("JobId").to_string();
    let listed = jobs(&job).send(&server).await.ok();
    assert_eq!(listed["Jobs"][0]["ApiName"], "UpdateLoadBalancerZones");
    assert_eq!(listed["Jobs"][0]["Status"], "Processing");
    let got = get_lb(&lb).send(&server).await.ok();
    assert_eq!(got["LoadBalancerStatus"], "Configuring");
    let ids: Vec<&str> = got["ZoneMappings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|z| z["ZoneId"].as_str())
        .collect();
    assert_eq!(ids, ["cn-hangzhou-h", "cn-hangzhou-j"]);
    assert_eq!(
        got["ZoneMappings"][0]["LoadBalancerAddresses"][0]["Address"],
        kept_address
    );
    settle(&server);
    assert_eq!(
        jobs(&job).send(&server).await.ok()["Jobs"][0]["Status"],
        "Succeeded"
    );
}

#[tokio::test]
async fn address_type_change_needs_an_eip_per_zone_to_go_internet() {
    let server = start();
    let body = lb_req("Standard")
        .p("AddressType", "Intranet")
        .send(&server)
        .await;
    let lb = body.ok()["LoadBalancerId"]
        .as_str()
        .expect("id")
        .to_string();
    settle(&server);
    let to = |t: &str| {
        Req::new("UpdateLoadBalancerAddressTypeConfig")
            .p("LoadBalancerId", &lb)
            .p("AddressType", t)
    };
    to("Intranet")
        .send(&server)
        .await
        .err(400, "IllegalParam.AddressType");
    to("Internet")
        .send(&server)
        .await
        .err(400, "MissingParameter");
    let with_zones = |eip_i: Option<&str>| {
        let mut r = to("Internet").ps(&[
            ("ZoneMappings.1.ZoneId", "cn-hangzhou-h"),
            ("ZoneMappings.1.VSwitchId", "vsw-h"),
            ("ZoneMappings.1.AllocationId", "eip-h"),
            ("ZoneMappings.2.ZoneId", "cn-hangzhou-i"),
            ("ZoneMappings.2.VSwitchId", "vsw-i"),
        ]);
        if let Some(eip) = eip_i {
            r = r.p("ZoneMappings.2.AllocationId", eip);
        }
        r
    };
    with_zones(None)
        .send(&server)
        .await
        .err(400, "MissingParameter");
    to("Internet")
        .ps(&[
            ("ZoneMappings.1.ZoneId", "cn-hangzhou-h"),
            ("ZoneMappings.1.VSwitchId", "vsw-other"),
            ("ZoneMappings.1.AllocationId", "eip-h"),
            ("ZoneMappings.2.ZoneId", "cn-hangzhou-i"),
            ("ZoneMappings.2.VSwitchId", "vsw-i"),
            ("ZoneMappings.2.AllocationId", "eip-i"),
        ])
        .send(&server)
        .await
        .err(400, "IllegalParam.ZoneMappings");
    let job = with_zones(Some("eip-i")).send(&server).await.ok()["JobId"]
        .as_str()
        .expect("JobId")
        .to_string();
    let got = get_lb(&lb).send(&server).await.ok();
    assert_eq!(got["AddressType"], "Internet");
    assert_eq!(got["LoadBalancerStatus"], "Configuring");
    assert_eq!(
        got["ZoneMappings"][1]["LoadBalancerAddresses"][0]["AllocationId"],
        "eip-i"
    );
    settle(&server);
    assert_eq!(
        jobs(&job).send(&server).await.ok()["Jobs"][0]["Status"],
        "Succeeded"
    );
    // Back to Intranet needs nothing more, and drops the EIPs.
    to("Intranet").send(&server).await.ok();
    let got = get_lb(&lb).send(&server).await.ok();
    assert!(got["ZoneMappings"][1]["LoadBalancerAddresses"][0]
        .get("AllocationId")
        .is_none());
}

#[tokio::test]
async fn move_resource_group_is_synchronous_and_checks_the_group() {
    let server = start();
    let lb = create_lb(&server, "Standard").await;
    let mv = |kind: &str, group: &str| {
        Req::new("MoveResourceGroup")
            .p("ResourceId", &lb)
            .p("ResourceType", kind)
            .p("NewResourceGroupId", group)
    };
    mv("loadbalancer", "team-a")
        .send(&server)
        .await
        .err(400, "NotExist.ResourceGroup");
    mv("instance", "rg-a")
        .send(&server)
        .await
        .err(400, "InvalidParameter");
    let body = mv("loadbalancer", "rg-team-a").send(&server).await.ok();
    assert!(body.get("JobId").is_none(), "{body}");
    let got = get_lb(&lb).send(&server).await.ok();
    assert_eq!(got["ResourceGroupId"], "rg-team-a");
    assert_eq!(got["LoadBalancerStatus"], "Active");
    Req::new("ListLoadBalancers")
        .p("ResourceGroupId", "rg-team-a")
        .send(&server)
        .await
        .ok()["LoadBalancers"][0]["LoadBalancerId"]
        .as_str()
        .map(|id| assert_eq!(id, lb))
        .expect("listed in the new group");
}
