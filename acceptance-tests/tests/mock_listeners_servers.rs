//! Listener and backend server rules in alb-mock: ports, default actions, certificates,
//! listener quota, server membership, per-call limits and server quotas.

mod mock_support;

use std::time::Duration;

use acceptance_tests::mock::MockServer;
use mock_support::*;

#[tokio::test]
async fn ports_cannot_be_shared_between_http_and_https() {
    let server = start();
    let (lb, sg, _) = stack(&server, "Standard").await;
    listener_req(&lb, "HTTP", 80, &sg)
        .send(&server)
        .await
        .err(400, "ResourceAlreadyExist.Listener");
    listener_req(&lb, "HTTPS", 80, &sg)
        .send(&server)
        .await
        .err(400, "ResourceAlreadyExist.Listener");
    // QUIC runs over UDP and may share the port.
    listener_req(&lb, "QUIC", 80, &sg).send(&server).await.ok();
    listener_req(&lb, "HTTPS", 443, &sg)
        .send(&server)
        .await
        .ok();
}

#[tokio::test]
async fn default_action_must_be_a_forward_group_and_https_needs_a_certificate() {
    let server = start();
    let lb = create_lb(&server, "Standard").await;
    let sg = create_sg(&server).await;
    listener_req(&lb, "HTTP", 80, &sg)
        .p("DefaultActions.1.Type", "FixedResponse")
        .send(&server)
        .await
        .err(400, "IllegalParam.DefaultActions");
    Req::new("CreateListener")
        .p("LoadBalancerId", &lb)
        .p("ListenerProtocol", "HTTP")
        .p("ListenerPort", 80)
        .send(&server)
        .await
        .err(400, "MissingParameter");
    Req::new("CreateListener")
        .p("LoadBalancerId", &lb)
        .p("ListenerProtocol", "HTTPS")
        .p("ListenerPort", 443)
        .p("DefaultActions.1.Type", "ForwardGroup")
        .p(
            "DefaultActions.1.ForwardGroupConfig.ServerGroupTuples.1.ServerGroupId",
            &sg,
        )
        .send(&server)
        .await
        .err(400, "MissingParameter");
    listener_req(&lb, "HTTP", 0, &sg)
        .send(&server)
        .await
        .err(400, "InvalidParameter");
    listener_req(&lb, "HTTP", 80, "sgp-missing")
        .send(&server)
        .await
        .err(404, "ResourceNotFound.ServerGroup");
    listener_req("alb-missing", "HTTP", 80, &sg)
        .send(&server)
        .await
        .err(404, "ResourceNotFound.LoadBalancer");
    let id = listener_req(&lb, "HTTPS", 443, &sg)
        .send(&server)
        .await
        .ok()["ListenerId"]
        .as_str()
        .expect("id")
        .to_string();
    let got = Req::new("GetListenerAttribute")
        .p("ListenerId", &id)
        .send(&server)
        .await
        .ok();
    assert_eq!(got["Certificates"][0]["CertificateId"], "cert-1");
    assert_eq!(got["DefaultActions"][0]["Type"], "ForwardGroup");
    assert_eq!(got["IdleTimeout"], 15);
    assert_eq!(got["XForwardedForConfig"]["XForwardedForEnabled"], true);
}

#[tokio::test]
async fn listener_quota_is_fifty_per_instance() {
    let server = start();
    let lb = create_lb(&server, "Standard").await;
    let sg = create_sg(&server).await;
    for port in 1..=50u16 {
        listener_req(&lb, "HTTP", port, &sg)
            .send(&server)
            .await
            .ok();
    }
    listener_req(&lb, "HTTP", 51, &sg)
        .send(&server)
        .await
        .err(400, "QuotaExceeded.ListenersNum");
}

#[tokio::test]
async fn additional_certificates_associate_and_dissociate() {
    let server = start();
    let lb = create_lb(&server, "Standard").await;
    let sg = create_sg(&server).await;
    let http = create_listener(&server, &lb, "HTTP", 80, &sg).await;
    let https = create_listener(&server, &lb, "HTTPS", 443, &sg).await;
    Req::new("AssociateAdditionalCertificatesWithListener")
        .p("ListenerId", &http)
        .p("Certificates.1.CertificateId", "cert-x")
        .send(&server)
        .await
        .err(400, "OperationDenied.ListenerProtocol");
    Req::new("AssociateAdditionalCertificatesWithListener")
        .p("ListenerId", &https)
        .p("Certificates.1.CertificateId", "cert-x")
        .send(&server)
        .await
        .ok();
    let certs = Req::new("ListListenerCertificates")
        .p("ListenerId", &https)
        .send(&server)
        .await
        .ok();
    assert_eq!(certs["Certificates"][0]["IsDefault"], true);
    assert_eq!(certs["Certificates"][1]["CertificateId"], "cert-x");
    assert_eq!(certs["Certificates"][1]["Status"], "Associating");
    settle(&server);
    let certs = Req::new("ListListenerCertificates")
        .p("ListenerId", &https)
        .send(&server)
        .await
        .ok();
    assert_eq!(certs["Certificates"][1]["Status"], "Associated");
    Req::new("DissociateAdditionalCertificatesFromListener")
        .p("ListenerId", &https)
        .p("Certificates.1.CertificateId", "cert-y")
        .send(&server)
        .await
        .err(404, "ResourceNotFound.Certificate");
    Req::new("DissociateAdditionalCertificatesFromListener")
        .p("ListenerId", &https)
        .p("Certificates.1.CertificateId", "cert-x")
        .send(&server)
        .await
        .ok();
    settle(&server);
    let certs = Req::new("ListListenerCertificates")
        .p("ListenerId", &https)
        .send(&server)
        .await
        .ok();
    assert_eq!(certs["Certificates"].as_array().map(Vec::len), Some(1));
}

fn servers(action: &str, sg: &str, list: &str, range: std::ops::RangeInclusive<u32>) -> Req {
    let mut req = Req::new(action).p("ServerGroupId", sg);
    for (i, n) in range.enumerate() {
        let k = i + 1;
        req = req
            .body(&format!("{list}.{k}.ServerId"), format!("i-{n:06}"))
            .body(&format!("{list}.{k}.ServerType"), "Ecs")
            .body(&format!("{list}.{k}.Port"), 8080);
    }
    req
}

/// `ReplaceServersInServerGroup` removing `removed` (port 8080) and adding `added`.
fn replace_servers(sg: &str, removed: &str, added: std::ops::RangeInclusive<u32>) -> Req {
    servers("ReplaceServersInServerGroup", sg, "AddedServers", added)
        .p("RemovedServers.1.ServerId", removed)
        .p("RemovedServers.1.ServerType", "Ecs")
        .p("RemovedServers.1.Port", 8080)
}

#[tokio::test]
async fn server_membership_changes() {
    let server = start();
    let sg = create_sg(&server).await;
    servers("AddServersToServerGroup", &sg, "Servers", 1..=3)
        .send(&server)
        .await
        .ok();
    let listed = Req::new("ListServerGroupServers")
        .p("ServerGroupId", &sg)
        .send(&server)
        .await
        .ok();
    assert_eq!(listed["Servers"][0]["Status"], "Adding");
    assert_eq!(listed["Servers"][0]["Weight"], 100);
    settle(&server);
    servers("AddServersToServerGroup", &sg, "Servers", 3..=3)
        .send(&server)
        .await
        .err(400, "ResourceAlreadyExist.BackendServer");
    servers("RemoveServersFromServerGroup", &sg, "Servers", 9..=9)
        .send(&server)
        .await
        .err(404, "ResourceNotFound.BackendServer");
    Req::new("AddServersToServerGroup")
        .p("ServerGroupId", &sg)
        .body("Servers.1.ServerId", "10.0.0.1")
        .body("Servers.1.ServerType", "Ip")
        .body("Servers.1.Port", 80)
        .send(&server)
        .await
        .err(400, "IllegalParam.ServerType");
    servers("UpdateServerGroupServersAttribute", &sg, "Servers", 1..=1)
        .body("Servers.1.Weight", 101)
        .send(&server)
        .await
        .err(400, "IllegalParam.Weight");
    servers("UpdateServerGroupServersAttribute", &sg, "Servers", 1..=1)
        .body("Servers.1.Weight", 7)
        .send(&server)
        .await
        .ok();
    settle(&server);
    replace_servers(&sg, "i-000001", 4..=5)
        .send(&server)
        .await
        .ok();
    settle(&server);
    let listed = Req::new("ListServerGroupServers")
        .p("ServerGroupId", &sg)
        .send(&server)
        .await
        .ok();
    let ids: Vec<&str> = listed["Servers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["ServerId"].as_str())
        .collect();
    assert_eq!(ids, ["i-000002", "i-000003", "i-000004", "i-000005"]);
    assert!(listed["Servers"]
        .as_array()
        .into_iter()
        .flatten()
        .all(|s| s["Status"] == "Available"));
    let group = Req::new("ListServerGroups")
        .p("ServerGroupIds.1", &sg)
        .send(&server)
        .await
        .ok();
    assert_eq!(group["ServerGroups"][0]["ServerCount"], 4);
    Req::new("ListServerGroupServers")
        .p("ServerGroupId", "sgp-nope")
        .send(&server)
        .await
        .err(404, "ResourceNotFound.ServerGroup");
}

#[tokio::test]
async fn server_call_limits_and_quotas() {
    let server = start();
    let sg = create_sg(&server).await;
    servers("AddServersToServerGroup", &sg, "Servers", 1..=201)
        .send(&server)
        .await
        .err(400, "InvalidParameter");
    servers("RemoveServersFromServerGroup", &sg, "Servers", 1..=201)
        .send(&server)
        .await
        .err(400, "InvalidParameter");
    servers("UpdateServerGroupServersAttribute", &sg, "Servers", 1..=41)
        .send(&server)
        .await
        .err(400, "InvalidParameter");
    replace_servers(&sg, "i-000001", 1..=201)
        .send(&server)
        .await
        .err(400, "InvalidParameter");
    for start in (1..=1000).step_by(200) {
        servers(
            "AddServersToServerGroup",
            &sg,
            "Servers",
            start..=start + 199,
        )
        .send(&server)
        .await
        .ok();
        settle(&server);
    }
    servers("AddServersToServerGroup", &sg, "Servers", 1001..=1001)
        .send(&server)
        .await
        .err(400, "QuotaExceeded.ServerGroupServersNum");

    // Basic instances allow 200 backend servers across the groups they forward to.
    let lb = create_lb(&server, "Basic").await;
    let small = create_sg(&server).await;
    create_listener(&server, &lb, "HTTP", 80, &small).await;
    servers("AddServersToServerGroup", &small, "Servers", 1..=200)
        .send(&server)
        .await
        .ok();
    settle(&server);
    servers("AddServersToServerGroup", &small, "Servers", 201..=201)
        .send(&server)
        .await
        .err(400, "QuotaExceeded.LoadBalancerServersNum");
    // Attaching the 1000-server group to the same instance is refused too.
    let listener = Req::new("ListListeners")
        .p("LoadBalancerIds.1", &lb)
        .send(&server)
        .await
        .ok()["Listeners"][0]["ListenerId"]
        .as_str()
        .expect("listener")
        .to_string();
    rule_req(&listener, 1, &sg)
        .send(&server)
        .await
        .err(400, "QuotaExceeded.LoadBalancerServersNum");
}

/// `MinServingServers` of group `sg` in the mock's state dump.
fn min_serving(server: &MockServer, sg: &str) -> serde_json::Value {
    server.state()["ServerGroups"]
        .as_array()
        .expect("server groups")
        .iter()
        .find(|g| g["ServerGroupId"] == sg)
        .expect("group in the state dump")["MinServingServers"]
        .clone()
}

#[tokio::test]
async fn state_dump_records_the_fewest_serving_servers() {
    let server = start();
    let sg = create_sg(&server).await;
    assert_eq!(min_serving(&server, &sg), serde_json::Value::Null);
    servers("AddServersToServerGroup", &sg, "Servers", 1..=5)
        .send(&server)
        .await
        .ok();
    settle(&server);
    assert_eq!(min_serving(&server, &sg), 5);
    // Removing counts at once (the servers are Removing), not when they are gone.
    servers("RemoveServersFromServerGroup", &sg, "Servers", 1..=3)
        .send(&server)
        .await
        .ok();
    assert_eq!(min_serving(&server, &sg), 2);
    settle(&server);
    replace_servers(&sg, "i-000004", 6..=8)
        .send(&server)
        .await
        .ok();
    settle(&server);
    // 2 − 1 + 3 = 4 serving: the minimum stays at 2.
    assert_eq!(min_serving(&server, &sg), 2);
    assert_eq!(
        server.state()["ServerGroups"][0]["ServerCount"],
        4,
        "{:#}",
        server.state()
    );
}

/// `(ServerId, Status)` of the servers GetListenerHealthStatus lists for the listener's group.
async fn non_normal(server: &MockServer, listener: &str) -> Vec<(String, String)> {
    let body = Req::new("GetListenerHealthStatus")
        .p("ListenerId", listener)
        .send(server)
        .await
        .ok();
    body["ListenerHealthStatus"][0]["ServerGroupInfos"][0]["NonNormalServers"]
        .as_array()
        .expect("NonNormalServers")
        .iter()
        .map(|s| {
            (
                s["ServerId"].as_str().unwrap().to_string(),
                s["Status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn listener_health_lists_servers_initial_until_their_checks_pass_and_pins_win() {
    let server = start();
    let lb = create_lb(&server, "Standard").await;
    let body = sg_req("checked")
        .p("HealthCheckConfig.HealthCheckEnabled", "true")
        .p("HealthCheckConfig.HealthCheckInterval", 1)
        .p("HealthCheckConfig.HealthyThreshold", 2)
        .send(&server)
        .await
        .ok();
    settle(&server);
    let sg = body["ServerGroupId"].as_str().unwrap().to_string();
    let listener = create_listener(&server, &lb, "HTTP", 80, &sg).await;
    let rule_group = create_sg(&server).await;
    create_rule(&server, &listener, 10, &rule_group).await;
    servers("AddServersToServerGroup", &sg, "Servers", 1..=2)
        .body("Servers.2.Weight", 0)
        .send(&server)
        .await
        .ok();
    let initial = |id: &str, status: &str| (id.to_string(), status.to_string());
    assert_eq!(
        non_normal(&server, &listener).await,
        [
            initial("i-000001", "Initial"),
            initial("i-000002", "Unused")
        ]
    );
    // Two passes one second apart after the add finished: healthy, no longer listed.
    settle(&server);
    server.advance(Duration::from_millis(1900));
    assert_eq!(non_normal(&server, &listener).await[0].1, "Initial");
    server.advance(Duration::from_millis(200));
    assert_eq!(
        non_normal(&server, &listener).await,
        [initial("i-000002", "Unused")]
    );
    server
        .pin_health(&sg, "i-000001", Some("Unhealthy"))
        .unwrap();
    let listed = Req::new("GetListenerHealthStatus")
        .p("ListenerId", &listener)
        .p("IncludeRule", true)
        .send(&server)
        .await
        .ok();
    let group = &listed["ListenerHealthStatus"][0]["ServerGroupInfos"][0];
    assert_eq!(group["HealthCheckEnabled"], "on");
    assert_eq!(group["NonNormalServers"][0]["Status"], "Unhealthy");
    assert_eq!(
        group["NonNormalServers"][0]["Reason"]["ReasonCode"],
        "CONNECT_FAIL"
    );
    let rule = &listed["RuleHealthStatus"][0]["ServerGroupInfos"][0];
    assert_eq!(
        (&rule["ServerGroupId"], &rule["HealthCheckEnabled"]),
        (&serde_json::json!(rule_group), &serde_json::json!("off"))
    );
    assert!(server.pin_health(&sg, "i-000001", Some("Sick")).is_err());
    assert!(server.pin_health("sgp-none", "i-000001", None).is_err());
    Req::new("GetListenerHealthStatus")
        .p("ListenerId", &listener)
        .p("MaxResults", 31)
        .send(&server)
        .await
        .err(400, "InvalidParameter");
}
