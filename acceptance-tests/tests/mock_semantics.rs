//! Cross-cutting semantics of alb-mock: ClientToken idempotency, DryRun, missing parameters,
//! pagination, tags and persistence through a state file.

mod mock_support;

use std::collections::BTreeSet;

use acceptance_tests::mock::{MockConfig, MockServer};
use mock_support::*;
use serde_json::Value;

#[tokio::test]
async fn client_token_replays_the_same_answer() {
    let server = start();
    let first = sg_req("idem")
        .p("ClientToken", "tok-1")
        .send(&server)
        .await
        .ok();
    let again = sg_req("idem")
        .p("ClientToken", "tok-1")
        .send(&server)
        .await
        .ok();
    assert_eq!(first["ServerGroupId"], again["ServerGroupId"]);
    assert_eq!(first["JobId"], again["JobId"]);
    assert_ne!(first["RequestId"], again["RequestId"]);
    // The same logical request signed with V1 (parameters in the body) is the same request.
    let v1 = sg_req("idem")
        .p("ClientToken", "tok-1")
        .v1()
        .send(&server)
        .await
        .ok();
    assert_eq!(first["ServerGroupId"], v1["ServerGroupId"]);
    let groups = Req::new("ListServerGroups").send(&server).await.ok();
    assert_eq!(groups["TotalCount"], 1);
    sg_req("other-name")
        .p("ClientToken", "tok-1")
        .send(&server)
        .await
        .err(400, "IdempotentParameterMismatch");
    // Without a token every call creates.
    sg_req("idem").send(&server).await.ok();
    assert_eq!(
        Req::new("ListServerGroups").send(&server).await.ok()["TotalCount"],
        2
    );
    let jobs = Req::new("ListAsynJobs")
        .p("ApiName", "CreateServerGroup")
        .send(&server)
        .await
        .ok();
    assert_eq!(jobs["TotalCount"], 2, "a replay records no job");
}

#[tokio::test]
async fn dry_run_validates_only() {
    let server = start();
    lb_req("Standard")
        .p("DryRun", "true")
        .send(&server)
        .await
        .err(400, "DryRunOperation");
    assert_eq!(
        Req::new("ListLoadBalancers").send(&server).await.ok()["TotalCount"],
        0
    );
    lb_req("Premium")
        .p("DryRun", "true")
        .send(&server)
        .await
        .err(400, "InvalidParameter");
    let lb = create_lb(&server, "Standard").await;
    Req::new("EnableDeletionProtection")
        .p("ResourceId", &lb)
        .send(&server)
        .await
        .ok();
    Req::new("DeleteLoadBalancer")
        .p("LoadBalancerId", &lb)
        .p("DryRun", "true")
        .send(&server)
        .await
        .err(400, "OperationDenied.DeletionProtection");
    Req::new("DisableDeletionProtection")
        .p("ResourceId", &lb)
        .send(&server)
        .await
        .ok();
    Req::new("DeleteLoadBalancer")
        .p("LoadBalancerId", &lb)
        .p("DryRun", "true")
        .send(&server)
        .await
        .err(400, "DryRunOperation");
    let got = Req::new("GetLoadBalancerAttribute")
        .p("LoadBalancerId", &lb)
        .send(&server)
        .await
        .ok();
    assert_eq!(got["LoadBalancerStatus"], "Active");
    let sg = create_sg(&server).await;
    let listener = create_listener(&server, &lb, "HTTP", 80, &sg).await;
    rule_req(&listener, 1, &sg)
        .p("DryRun", "true")
        .send(&server)
        .await
        .err(400, "DryRunOperation");
    rule_req(&listener, 1, &sg)
        .p("DryRun", "true")
        .p("Priority", 0)
        .send(&server)
        .await
        .err(400, "IllegalParam.Priority");
    assert_eq!(
        Req::new("ListRules").send(&server).await.ok()["TotalCount"],
        0
    );
}

#[tokio::test]
async fn missing_required_parameters() {
    let server = start();
    let body = Req::new("CreateLoadBalancer")
        .ps(&[
            ("AddressType", "Internet"),
            ("LoadBalancerEdition", "Basic"),
        ])
        .send(&server)
        .await
        .err(400, "MissingParameter");
    assert!(
        body["Message"]
            .as_str()
            .unwrap_or_default()
            .contains("VpcId"),
        "{body}"
    );
    Req::new("GetLoadBalancerAttribute")
        .send(&server)
        .await
        .err(400, "MissingParameter");
    Req::new("CreateServerGroup")
        .p("ServerGroupName", "abc")
        .p("VpcId", "v")
        .send(&server)
        .await
        .err(400, "MissingParameter");
    Req::new("AddServersToServerGroup")
        .p("ServerGroupId", "sgp-x")
        .send(&server)
        .await
        .err(400, "MissingParameter");
    lb_req("Basic")
        .p("ZoneMappings.2.ZoneId", "cn-hangzhou-h")
        .send(&server)
        .await
        .err(400, "InvalidParameter");
}

async fn collect_pages(
    server: &MockServer,
    action: &str,
    list: &str,
    max: Option<u32>,
) -> (Vec<String>, usize) {
    let mut ids = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut req = Req::new(action);
        if let Some(m) = max {
            req = req.p("MaxResults", m);
        }
        if let Some(t) = &token {
            req = req.p("NextToken", t);
        }
        let body = req.send(server).await.ok();
        pages += 1;
        let items = body[list].as_array().cloned().unwrap_or_default();
        assert!(items.len() <= max.unwrap_or(20) as usize);
        for item in items {
            let id = item["ServerGroupId"]
                .as_str()
                .or(item["Id"].as_str())
                .unwrap_or_default();
            ids.push(id.to_string());
        }
        match body["NextToken"].as_str() {
            Some(t) if !t.is_empty() => token = Some(t.to_string()),
            _ => break,
        }
    }
    (ids, pages)
}

#[tokio::test]
async fn pagination_covers_more_than_a_hundred_objects() {
    let server = start();
    for i in 0..130 {
        sg_req(&format!("group{i}")).send(&server).await.ok();
    }
    let (ids, pages) = collect_pages(&server, "ListServerGroups", "ServerGroups", Some(100)).await;
    assert_eq!((ids.len(), pages), (130, 2));
    assert_eq!(ids.iter().collect::<BTreeSet<_>>().len(), 130);
    let (ids, pages) = collect_pages(&server, "ListServerGroups", "ServerGroups", None).await;
    assert_eq!((ids.len(), pages), (130, 7));
    let (jobs, pages) = collect_pages(&server, "ListAsynJobs", "Jobs", Some(50)).await;
    assert_eq!((jobs.len(), pages), (130, 3));
    let first = Req::new("ListServerGroups")
        .p("MaxResults", 100)
        .send(&server)
        .await
        .ok();
    assert_eq!(first["TotalCount"], 130);
    assert_eq!(first["MaxResults"], 100);
    Req::new("ListServerGroups")
        .p("MaxResults", 101)
        .send(&server)
        .await
        .err(400, "InvalidParameter");
    Req::new("ListServerGroups")
        .p("MaxResults", 0)
        .send(&server)
        .await
        .err(400, "InvalidParameter");
    Req::new("ListServerGroups")
        .p("NextToken", "zz-not-a-token")
        .send(&server)
        .await
        .err(400, "InvalidParameter");
}

#[tokio::test]
async fn tags_filter_lists() {
    let server = start();
    let tagged = lb_req("Standard")
        .p("Tag.1.Key", "owner")
        .p("Tag.1.Value", "team-a")
        .send(&server)
        .await
        .ok()["LoadBalancerId"]
        .as_str()
        .expect("id")
        .to_string();
    create_lb(&server, "Standard").await;
    let listed = Req::new("ListLoadBalancers")
        .p("Tag.1.Key", "owner")
        .p("Tag.1.Value", "team-a")
        .send(&server)
        .await
        .ok();
    assert_eq!(listed["TotalCount"], 1);
    assert_eq!(
        listed["LoadBalancers"][0]["LoadBalancerId"],
        tagged.as_str()
    );
    assert_eq!(
        listed["LoadBalancers"][0]["Tags"],
        serde_json::json!([{"Key": "owner", "Value": "team-a"}])
    );
    let none = Req::new("ListLoadBalancers")
        .p("Tag.1.Key", "owner")
        .p("Tag.1.Value", "team-b")
        .send(&server)
        .await
        .ok();
    assert_eq!(none["TotalCount"], 0);

    let sg = create_sg(&server).await;
    Req::new("TagResources")
        .p("ResourceType", "servergroup")
        .p("ResourceId.1", &sg)
        .p("Tag.1.Key", "cluster")
        .p("Tag.1.Value", "c1")
        .send(&server)
        .await
        .ok();
    let groups = Req::new("ListServerGroups")
        .p("Tag.1.Key", "cluster")
        .send(&server)
        .await
        .ok();
    assert_eq!(groups["ServerGroups"][0]["ServerGroupId"], sg.as_str());
    let tags = Req::new("ListTagResources")
        .p("ResourceType", "servergroup")
        .p("ResourceId.1", &sg)
        .send(&server)
        .await
        .ok();
    assert_eq!(
        tags["TagResources"],
        serde_json::json!([{"ResourceId": sg, "ResourceType": "servergroup", "TagKey": "cluster", "TagValue": "c1"}])
    );
    assert!(tags.get("TotalCount").is_none());
    Req::new("UnTagResources")
        .p("ResourceType", "servergroup")
        .p("ResourceId.1", &sg)
        .p("TagKey.1", "cluster")
        .send(&server)
        .await
        .ok();
    assert_eq!(
        Req::new("ListServerGroups")
            .p("Tag.1.Key", "cluster")
            .send(&server)
            .await
            .ok()["TotalCount"],
        0
    );

    Req::new("TagResources")
        .p("ResourceType", "loadbalancer")
        .p("ResourceId.1", "alb-missing")
        .p("Tag.1.Key", "k")
        .send(&server)
        .await
        .err(404, "ResourceNotFound.LoadBalancer");
    let mut many = Req::new("TagResources")
        .p("ResourceType", "loadbalancer")
        .p("ResourceId.1", &tagged);
    for i in 1..=20 {
        many = many.p(&format!("Tag.{i}.Key"), format!("k{i}"));
    }
    many.send(&server).await.err(400, "QuotaExceeded.TagsNum");
}

#[tokio::test]
async fn state_survives_a_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("alb-state.json");
    let config = || MockConfig::default().state_file(&path);
    let (lb, listener, token_answer) = {
        let server = start_with(config());
        let (lb, sg, listener) = stack(&server, "Standard").await;
        create_rule(&server, &listener, 7, &sg).await;
        let token_answer = sg_req("persisted")
            .p("ClientToken", "restart-token")
            .send(&server)
            .await
            .ok();
        (lb, listener, token_answer)
    };
    assert!(path.exists());
    let saved: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("json");
    assert!(saved["LoadBalancers"][&lb].is_object(), "{saved}");

    let server = start_with(config());
    // The first mock's clock was advanced by `settle`; a new frozen clock starts from the wall
    // clock again, so move it past every stored deadline.
    server.advance(std::time::Duration::from_secs(60));
    let got = Req::new("GetLoadBalancerAttribute")
        .p("LoadBalancerId", &lb)
        .send(&server)
        .await
        .ok();
    assert_eq!(got["LoadBalancerStatus"], "Active");
    let rules = Req::new("ListRules")
        .p("ListenerIds.1", &listener)
        .send(&server)
        .await
        .ok();
    assert_eq!(rules["Rules"][0]["Priority"], 7);
    let replay = sg_req("persisted")
        .p("ClientToken", "restart-token")
        .send(&server)
        .await
        .ok();
    assert_eq!(replay["ServerGroupId"], token_answer["ServerGroupId"]);
    let state = server.state();
    assert_eq!(state["LoadBalancers"].as_array().map(Vec::len), Some(1));
    assert_eq!(state["ServerGroups"].as_array().map(Vec::len), Some(2));
}

#[tokio::test]
async fn malformed_parameters_get_error_answers() {
    let server = start();
    for (key, value) in [
        ("MaxResults", "99999999999999999999999"),
        ("DryRun", "maybe"),
        ("Tag.4294967296.Key", "k"),
        ("Tag.0.Key", "k"),
        ("ClientToken", &"x".repeat(65)),
    ] {
        let reply = Req::new("ListLoadBalancers")
            .p(key, value)
            .send(&server)
            .await;
        assert_eq!(
            (reply.status, reply.code()),
            (400, "InvalidParameter"),
            "{key}: {}",
            reply.body
        );
    }
    Req::new("CreateRules")
        .p("ListenerId", "lsn-x")
        .p("Rules.1", "flat")
        .p("Rules.1.RuleName", "nested")
        .send(&server)
        .await
        .err(400, "InvalidParameter");
    // Names with empty segments are not API parameters and are ignored.
    Req::new("ListLoadBalancers")
        .p("Tag..Key", "k")
        .p(".", "x")
        .send(&server)
        .await
        .ok();
}
