//! ACL rules in alb-mock: names, entries, per-call limits, quotas, listener bindings, deletes
//! of bound ACLs, unknown ids, and the ACL views (AclConfig, ListAcls, ListAclEntries, state).

mod mock_support;

use acceptance_tests::mock::MockServer;
use mock_support::*;
use serde_json::Value;

/// Creates an ACL named `name` and waits until it is Available.
async fn create_acl(server: &MockServer, name: &str) -> String {
    let body = Req::new("CreateAcl")
        .p("AclName", name)
        .send(server)
        .await
        .ok();
    settle(server);
    body["AclId"].as_str().expect("AclId").to_string()
}

/// `AddEntriesToAcl` with `entries` as `AclEntries.N.Entry`.
fn add_req(acl: &str, entries: &[String]) -> Req {
    let mut req = Req::new("AddEntriesToAcl").p("AclId", acl);
    for (i, e) in entries.iter().enumerate() {
        req = req.p(&format!("AclEntries.{}.Entry", i + 1), e);
    }
    req
}

/// `RemoveEntriesFromAcl` with `entries` as `Entries.N`.
fn remove_req(acl: &str, entries: &[String]) -> Req {
    let mut req = Req::new("RemoveEntriesFromAcl").p("AclId", acl);
    for (i, e) in entries.iter().enumerate() {
        req = req.p(&format!("Entries.{}", i + 1), e);
    }
    req
}

/// `n` distinct /32 entries starting at `10.<block>.0.0`.
fn cidrs(block: u8, n: usize) -> Vec<String> {
    (0..n)
        .map(|i| format!("10.{block}.{}.{}/32", i / 250, i % 250))
        .collect()
}

/// Adds `entries` 20 at a time, settling after each call.
async fn fill(server: &MockServer, acl: &str, entries: &[String]) {
    for chunk in entries.chunks(20) {
        add_req(acl, chunk).send(server).await.ok();
        settle(server);
    }
}

/// `AssociateAclsWithListener`.
fn associate_req(listener: &str, kind: &str, acls: &[&str]) -> Req {
    let mut req = Req::new("AssociateAclsWithListener")
        .p("ListenerId", listener)
        .p("AclType", kind);
    for (i, a) in acls.iter().enumerate() {
        req = req.p(&format!("AclIds.{}", i + 1), a);
    }
    req
}

/// `DissociateAclsFromListener`.
fn dissociate_req(listener: &str, acls: &[&str]) -> Req {
    let mut req = Req::new("DissociateAclsFromListener").p("ListenerId", listener);
    for (i, a) in acls.iter().enumerate() {
        req = req.p(&format!("AclIds.{}", i + 1), a);
    }
    req
}

/// The listener's `AclConfig` from GetListenerAttribute.
async fn acl_config(server: &MockServer, listener: &str) -> Value {
    Req::new("GetListenerAttribute")
        .p("ListenerId", listener)
        .send(server)
        .await
        .ok()["AclConfig"]
        .clone()
}

/// Entries of an ACL as listed by ListAclEntries (one page of up to 100).
async fn entries_of(server: &MockServer, acl: &str) -> Vec<String> {
    let body = Req::new("ListAclEntries")
        .p("AclId", acl)
        .p("MaxResults", 100)
        .send(server)
        .await
        .ok();
    body["AclEntries"]
        .as_array()
        .expect("AclEntries")
        .iter()
        .map(|e| e["Entry"].as_str().expect("Entry").to_string())
        .collect()
}

#[tokio::test]
async fn acl_names_versions_dry_run_and_client_tokens() {
    let server = start();
    for bad in ["a", "1acl", "acl with space", &"a".repeat(129)] {
        Req::new("CreateAcl")
            .p("AclName", bad)
            .send(&server)
            .await
            .err(400, "InvalidParameter");
    }
    Req::new("CreateAcl")
        .p("AclName", "acl-ok")
        .p("AddressIpVersion", "IPv6")
        .send(&server)
        .await
        .err(400, "InvalidParameter");
    Req::new("CreateAcl")
        .p("AclName", "acl-dry")
        .p("DryRun", true)
        .send(&server)
        .await
        .err(400, "DryRunOperation");
    assert_eq!(server.state()["Acls"], serde_json::json!([]));

    let first = Req::new("CreateAcl")
        .p("AclName", "acl-web.80_x")
        .p("ClientToken", "tok-acl-1")
        .p("Tag.1.Key", "owner")
        .p("Tag.1.Value", "me")
        .send(&server)
        .await
        .ok();
    let again = Req::new("CreateAcl")
        .p("AclName", "acl-web.80_x")
        .p("ClientToken", "tok-acl-1")
        .p("Tag.1.Key", "owner")
        .p("Tag.1.Value", "me")
        .send(&server)
        .await
        .ok();
    assert_eq!(first["AclId"], again["AclId"]);
    assert!(first["AclId"].as_str().expect("id").starts_with("acl-"));
    assert!(first["JobId"].is_string());
    let acls = server.state()["Acls"].clone();
    assert_eq!(acls.as_array().map(Vec::len), Some(1));
    assert_eq!(acls[0]["AclStatus"], "Creating");
    settle(&server);
    let acls = server.state()["Acls"].clone();
    assert_eq!(acls[0]["AclStatus"], "Available");
    assert_eq!(acls[0]["AclName"], "acl-web.80_x");
    assert_eq!(acls[0]["AddressIPVersion"], "IPv4");
    assert_eq!(acls[0]["AclEntries"], serde_json::json!([]));
}

#[tokio::test]
async fn unknown_ids_are_not_found() {
    let server = start();
    let (_, _, listener) = stack(&server, "Standard").await;
    let acl = create_acl(&server, "acl-known").await;
    let missing = "acl-missing".to_string();
    Req::new("ListAclEntries")
        .p("AclId", &missing)
        .send(&server)
        .await
        .err(404, "ResourceNotFound.Acl");
    add_req(&missing, &cidrs(1, 1))
        .send(&server)
        .await
        .err(404, "ResourceNotFound.Acl");
    remove_req(&missing, &cidrs(1, 1))
        .send(&server)
        .await
        .err(404, "ResourceNotFound.Acl");
    Req::new("DeleteAcl")
        .p("AclId", &missing)
        .send(&server)
        .await
        .err(404, "ResourceNotFound.Acl");
    associate_req(&listener, "White", &[&acl, &missing])
        .send(&server)
        .await
        .err(404, "ResourceNotFound.Acl");
    associate_req("lsn-missing", "White", &[&acl])
        .send(&server)
        .await
        .err(404, "ResourceNotFound.Listener");
    dissociate_req(&listener, &[&acl])
        .send(&server)
        .await
        .err(404, "ResourceNotFound.Acl");
    // ListAcls with an unknown id is an empty page, not an error.
    let body = Req::new("ListAcls")
        .p("AclIds.1", &missing)
        .send(&server)
        .await
        .ok();
    assert_eq!(body["Acls"], serde_json::json!([]));
    assert_eq!(body["TotalCount"], 0);
}

#[tokio::test]
async fn entries_must_be_valid_distinct_and_at_most_twenty_per_call() {
    let server = start();
    let acl = create_acl(&server, "acl-entries").await;
    for bad in ["10.0.0.0/33", "300.1.1.1", "abc", "10.0.0.0/", "::1/128"] {
        add_req(&acl, &[bad.to_string()])
            .send(&server)
            .await
            .err(400, "InvalidParameter");
    }
    Req::new("AddEntriesToAcl")
        .p("AclId", &acl)
        .send(&server)
        .await
        .err(400, "MissingParameter");
    add_req(&acl, &cidrs(1, 21))
        .send(&server)
        .await
        .err(400, "InvalidParameter");
    let twice = vec!["10.9.0.0/16".to_string(), "10.9.0.0/16".to_string()];
    add_req(&acl, &twice)
        .send(&server)
        .await
        .err(400, "ResourceAlreadyExist.AclEntry");

    let first = vec!["192.168.0.0/16".to_string(), "1.2.3.4".to_string()];
    add_req(&acl, &first)
        .p("AclEntries.1.Description", "office")
        .send(&server)
        .await
        .ok();
    // While the ACL is Configuring, further writes are refused with a retryable busy code.
    add_req(&acl, &cidrs(2, 1))
        .send(&server)
        .await
        .err(400, "IncorrectStatus.Acl");
    settle(&server);
    add_req(&acl, &["1.2.3.4".to_string()])
        .send(&server)
        .await
        .err(400, "ResourceAlreadyExist.AclEntry");
    let listed = Req::new("ListAclEntries")
        .p("AclId", &acl)
        .send(&server)
        .await
        .ok();
    assert_eq!(listed["TotalCount"], 2);
    assert_eq!(listed["AclEntries"][0]["Entry"], "1.2.3.4");
    assert_eq!(listed["AclEntries"][0]["Status"], "Available");
    assert_eq!(listed["AclEntries"][1]["Description"], "office");

    remove_req(&acl, &["10.10.10.10/32".to_string()])
        .send(&server)
        .await
        .err(404, "ResourceNotFound.AclEntry");
    remove_req(&acl, &["1.2.3.4".to_string(), "1.2.3.4".to_string()])
        .send(&server)
        .await
        .err(404, "ResourceNotFound.AclEntry");
    remove_req(&acl, &cidrs(3, 21))
        .send(&server)
        .await
        .err(400, "InvalidParameter");
    Req::new("RemoveEntriesFromAcl")
        .p("AclId", &acl)
        .send(&server)
        .await
        .err(400, "MissingParameter");
    remove_req(&acl, &["1.2.3.4".to_string()])
        .send(&server)
        .await
        .ok();
    assert_eq!(
        server.state()["Acls"][0]["AclEntries"][0]["Status"], // ordered by entry
        "Removing"
    );
    settle(&server);
    assert_eq!(entries_of(&server, &acl).await, vec!["192.168.0.0/16"]);
}

#[tokio::test]
async fn an_acl_holds_at_most_five_hundred_entries() {
    let server = start();
    let acl = create_acl(&server, "acl-full").await;
    fill(&server, &acl, &cidrs(1, 500)).await;
    add_req(&acl, &cidrs(2, 1))
        .send(&server)
        .await
        .err(400, "QuotaExceeded.AclEntriesNum");
    let listed = Req::new("ListAclEntries")
        .p("AclId", &acl)
        .p("MaxResults", 100)
        .send(&server)
        .await
        .ok();
    assert_eq!(listed["TotalCount"], 500);
    assert!(listed["NextToken"].is_string(), "500 entries need pages");
}

#[tokio::test]
async fn listener_bindings_one_type_three_acls_each_once() {
    let server = start();
    let (_, _, listener) = stack(&server, "Standard").await;
    let acls = [
        create_acl(&server, "acl-a").await,
        create_acl(&server, "acl-b").await,
        create_acl(&server, "acl-c").await,
        create_acl(&server, "acl-d").await,
    ];
    let [a, b, c, d] = [&acls[0], &acls[1], &acls[2], &acls[3]];
    associate_req(&listener, "Grey", &[a])
        .send(&server)
        .await
        .err(400, "InvalidParameter");
    associate_req(&listener, "White", &[a, b, c, d])
        .send(&server)
        .await
        .err(400, "InvalidParameter");
    associate_req(&listener, "White", &[a, a])
        .send(&server)
        .await
        .err(400, "InvalidParameter");
    Req::new("AssociateAclsWithListener")
        .p("ListenerId", &listener)
        .p("AclType", "White")
        .send(&server)
        .await
        .err(400, "MissingParameter");

    associate_req(&listener, "White", &[a, b])
        .send(&server)
        .await
        .ok();
    let config = acl_config(&server, &listener).await;
    assert_eq!(config["AclType"], "White");
    assert_eq!(config["AclRelations"][0]["Status"], "Associating");
    // The listener is Configuring meanwhile.
    associate_req(&listener, "White", &[c])
        .send(&server)
        .await
        .err(400, "IncorrectStatus.Listener");
    settle(&server);
    let config = acl_config(&server, &listener).await;
    let bound: Vec<&str> = config["AclRelations"]
        .as_array()
        .expect("relations")
        .iter()
        .map(|r| r["AclId"].as_str().expect("id"))
        .collect();
    let mut expected = vec![a.as_str(), b.as_str()];
    expected.sort();
    assert_eq!(bound, expected);
    assert_eq!(config["AclRelations"][0]["Status"], "Associated");

    associate_req(&listener, "White", &[a])
        .send(&server)
        .await
        .err(400, "ResourceAlreadyAssociated.Acl");
    associate_req(&listener, "Black", &[c])
        .send(&server)
        .await
        .err(400, "OperationDenied.AclType");
    associate_req(&listener, "White", &[c, d])
        .send(&server)
        .await
        .err(400, "QuotaExceeded.ListenerAclsNum");
    associate_req(&listener, "White", &[c])
        .send(&server)
        .await
        .ok();
    settle(&server);
    associate_req(&listener, "White", &[d])
        .send(&server)
        .await
        .err(400, "QuotaExceeded.ListenerAclsNum");

    // A bound ACL cannot be deleted; once dissociated it can, and the type is free again.
    Req::new("DeleteAcl")
        .p("AclId", a)
        .send(&server)
        .await
        .err(400, "ResourceInUse.Acl");
    dissociate_req(&listener, &[a, b, c])
        .send(&server)
        .await
        .ok();
    assert_eq!(
        acl_config(&server, &listener).await["AclRelations"][0]["Status"],
        "Dissociating"
    );
    settle(&server);
    let config = acl_config(&server, &listener).await;
    assert_eq!(config["AclRelations"], serde_json::json!([]));
    assert!(config.get("AclType").is_none(), "{config}");
    associate_req(&listener, "Black", &[d])
        .send(&server)
        .await
        .ok();
    settle(&server);
    Req::new("DeleteAcl").p("AclId", a).send(&server).await.ok();
    settle(&server);
    let ids: Vec<Value> = server.state()["Acls"]
        .as_array()
        .expect("acls")
        .iter()
        .map(|x| x["AclId"].clone())
        .collect();
    assert!(!ids.contains(&Value::from(a.as_str())));
    assert_eq!(ids.len(), 3);
}

#[tokio::test]
async fn deleting_a_listener_releases_its_acls() {
    let server = start();
    let (_, _, listener) = stack(&server, "Standard").await;
    let acl = create_acl(&server, "acl-held").await;
    associate_req(&listener, "Black", &[&acl])
        .send(&server)
        .await
        .ok();
    settle(&server);
    Req::new("DeleteAcl")
        .p("AclId", &acl)
        .send(&server)
        .await
        .err(400, "ResourceInUse.Acl");
    Req::new("DeleteListener")
        .p("ListenerId", &listener)
        .send(&server)
        .await
        .ok();
    Req::new("DeleteAcl")
        .p("AclId", &acl)
        .send(&server)
        .await
        .ok();
    settle(&server);
    assert_eq!(server.state()["Acls"], serde_json::json!([]));
    assert_eq!(server.state()["Listeners"], serde_json::json!([]));
}

#[tokio::test]
async fn entries_behind_a_basic_listener_are_capped_at_three_hundred() {
    let server = start();
    let (_, _, listener) = stack(&server, "Basic").await;
    let big = create_acl(&server, "acl-big").await;
    let small = create_acl(&server, "acl-small").await;
    fill(&server, &big, &cidrs(1, 200)).await;
    fill(&server, &small, &cidrs(2, 101)).await;
    associate_req(&listener, "White", &[&big])
        .send(&server)
        .await
        .ok();
    settle(&server);
    associate_req(&listener, "White", &[&small])
        .send(&server)
        .await
        .err(400, "QuotaExceeded.ListenerAclEntriesNum");
    remove_req(&small, &cidrs(2, 1)).send(&server).await.ok();
    settle(&server);
    associate_req(&listener, "White", &[&small])
        .send(&server)
        .await
        .ok();
    settle(&server);
    // Growing a bound ACL counts against the same quota.
    add_req(&big, &cidrs(3, 1))
        .send(&server)
        .await
        .err(400, "QuotaExceeded.ListenerAclEntriesNum");
}

#[tokio::test]
async fn acls_are_listed_by_name_and_tag_and_jobs_carry_the_acl_type() {
    let server = start();
    let tagged = Req::new("CreateAcl")
        .p("AclName", "acl-tagged")
        .p("Tag.1.Key", "alb.terraform/config")
        .p("Tag.1.Value", "c1")
        .send(&server)
        .await
        .ok()["AclId"]
        .clone();
    settle(&server);
    create_acl(&server, "acl-plain").await;
    let by_tag = Req::new("ListAcls")
        .p("Tag.1.Key", "alb.terraform/config")
        .p("Tag.1.Value", "c1")
        .send(&server)
        .await
        .ok();
    assert_eq!(by_tag["TotalCount"], 1);
    assert_eq!(by_tag["Acls"][0]["AclId"], tagged);
    assert_eq!(by_tag["Acls"][0]["Tags"][0]["Value"], "c1");
    let by_name = Req::new("ListAcls")
        .p("AclNames.1", "acl-plain")
        .send(&server)
        .await
        .ok();
    assert_eq!(by_name["TotalCount"], 1);
    assert_eq!(by_name["Acls"][0]["AclName"], "acl-plain");
    let jobs = Req::new("ListAsynJobs")
        .p("ResourceType", "acl")
        .send(&server)
        .await
        .ok();
    assert_eq!(jobs["TotalCount"], 2);
    assert_eq!(jobs["Jobs"][0]["ApiName"], "CreateAcl");
    assert_eq!(jobs["Jobs"][0]["ResourceId"], tagged);
    // ACLs are taggable resources too.
    Req::new("TagResources")
        .p("ResourceType", "acl")
        .p("ResourceId.1", tagged.as_str().expect("id"))
        .p("Tag.1.Key", "extra")
        .p("Tag.1.Value", "x")
        .send(&server)
        .await
        .ok();
    let listed = Req::new("ListTagResources")
        .p("ResourceType", "acl")
        .p("Tag.1.Key", "extra")
        .send(&server)
        .await
        .ok();
    assert_eq!(listed["TagResources"][0]["ResourceId"], tagged);
}

#[tokio::test]
async fn acl_writes_honour_dry_run_and_client_tokens() {
    let server = start();
    let (_, _, listener) = stack(&server, "Standard").await;
    let acl = create_acl(&server, "acl-tokens").await;
    add_req(&acl, &cidrs(1, 2))
        .p("DryRun", true)
        .send(&server)
        .await
        .err(400, "DryRunOperation");
    assert!(entries_of(&server, &acl).await.is_empty());
    let first = add_req(&acl, &cidrs(1, 2))
        .p("ClientToken", "tok-add")
        .send(&server)
        .await
        .ok();
    settle(&server);
    // The replay answers the first call instead of failing on the now-present entries.
    let again = add_req(&acl, &cidrs(1, 2))
        .p("ClientToken", "tok-add")
        .send(&server)
        .await
        .ok();
    assert_eq!(first["JobId"], again["JobId"]);
    assert_eq!(entries_of(&server, &acl).await.len(), 2);
    add_req(&acl, &cidrs(2, 1))
        .p("ClientToken", "tok-add")
        .send(&server)
        .await
        .err(400, "IdempotentParameterMismatch");
    associate_req(&listener, "White", &[&acl])
        .p("DryRun", true)
        .send(&server)
        .await
        .err(400, "DryRunOperation");
    assert_eq!(
        acl_config(&server, &listener).await["AclRelations"],
        serde_json::json!([])
    );
}
