//! Rule validation in alb-mock: priorities, action composition and order, forward groups,
//! per-edition limits, batch limits and quotas, each with its exact code and status.

mod mock_support;

use mock_support::*;

/// A settled Standard stack with one server group.
async fn setup(edition: &str) -> (acceptance_tests::mock::MockServer, String, String) {
    let server = start();
    let (_, sg, listener) = stack(&server, edition).await;
    (server, sg, listener)
}

#[tokio::test]
async fn priority_must_be_in_range_and_unique_per_listener() {
    let (server, sg, listener) = setup("Standard").await;
    rule_req(&listener, 0, &sg)
        .send(&server)
        .await
        .err(400, "IllegalParam.Priority");
    rule_req(&listener, 10_001, &sg)
        .send(&server)
        .await
        .err(400, "IllegalParam.Priority");
    create_rule(&server, &listener, 10, &sg).await;
    rule_req(&listener, 10, &sg)
        .send(&server)
        .await
        .err(400, "IllegalParam.Priority");
    create_rule(&server, &listener, 10_000, &sg).await;
    rule_req(&listener, 1, &sg)
        .p("Priority", "x")
        .send(&server)
        .await
        .err(400, "InvalidParameter");
}

#[tokio::test]
async fn exactly_one_final_action_with_the_highest_order() {
    let (server, sg, listener) = setup("Standard").await;
    // No final action.
    Req::new("CreateRule")
        .p("ListenerId", &listener)
        .p("RuleName", "nofinal")
        .p("Priority", 1)
        .p("RuleConditions.1.Type", "Path")
        .p("RuleConditions.1.PathConfig.Values.1", "/a")
        .p("RuleActions.1.Type", "RemoveHeader")
        .p("RuleActions.1.Order", 1)
        .p("RuleActions.1.RemoveHeaderConfig.Key", "x-a")
        .send(&server)
        .await
        .err(400, "IllegalParam.RuleActions");
    // Two final actions.
    rule_req(&listener, 1, &sg)
        .p("RuleActions.2.Type", "FixedResponse")
        .p("RuleActions.2.Order", 20)
        .p("RuleActions.2.FixedResponseConfig.HttpCode", "200")
        .send(&server)
        .await
        .err(400, "IllegalParam.RuleActions");
    // Final action not last.
    rule_req(&listener, 1, &sg)
        .p("RuleActions.2.Type", "InsertHeader")
        .p("RuleActions.2.Order", 20)
        .p("RuleActions.2.InsertHeaderConfig.Key", "x-b")
        .p("RuleActions.2.InsertHeaderConfig.Value", "v")
        .p("RuleActions.2.InsertHeaderConfig.ValueType", "UserDefined")
        .send(&server)
        .await
        .err(400, "IllegalParam.Order");
    // Duplicate and out-of-range orders.
    rule_req(&listener, 1, &sg)
        .p("RuleActions.2.Type", "RemoveHeader")
        .p("RuleActions.2.Order", 10)
        .p("RuleActions.2.RemoveHeaderConfig.Key", "x-c")
        .send(&server)
        .await
        .err(400, "IllegalParam.Order");
    rule_req(&listener, 1, &sg)
        .p("RuleActions.1.Order", 50_001)
        .send(&server)
        .await
        .err(400, "IllegalParam.Order");
    rule_req(&listener, 1, &sg)
        .p("RuleActions.1.Order", 0)
        .send(&server)
        .await
        .err(400, "IllegalParam.Order");
    // A valid combination: header action first, forward last.
    let ok = rule_req(&listener, 1, &sg)
        .p("RuleActions.1.Order", 50_000)
        .p("RuleActions.2.Type", "InsertHeader")
        .p("RuleActions.2.Order", 5)
        .p("RuleActions.2.InsertHeaderConfig.Key", "x-b")
        .p("RuleActions.2.InsertHeaderConfig.Value", "v")
        .p("RuleActions.2.InsertHeaderConfig.ValueType", "UserDefined")
        .send(&server)
        .await
        .ok();
    settle(&server);
    let rules = Req::new("ListRules")
        .p("RuleIds.1", ok["RuleId"].as_str().expect("id"))
        .send(&server)
        .await
        .ok();
    let actions = &rules["Rules"][0]["RuleActions"];
    assert_eq!(actions[0]["Type"], "InsertHeader");
    assert_eq!(actions[1]["Order"], 50_000);
    assert_eq!(
        actions[1]["ForwardGroupConfig"]["ServerGroupTuples"][0]["ServerGroupId"],
        sg.as_str()
    );
}

#[tokio::test]
async fn rewrite_needs_a_forward_group() {
    let (server, sg, listener) = setup("Standard").await;
    Req::new("CreateRule")
        .p("ListenerId", &listener)
        .p("RuleName", "rewrite")
        .p("Priority", 1)
        .p("RuleConditions.1.Type", "Path")
        .p("RuleConditions.1.PathConfig.Values.1", "/a")
        .p("RuleActions.1.Type", "Rewrite")
        .p("RuleActions.1.Order", 1)
        .p("RuleActions.1.RewriteConfig.Path", "/b")
        .p("RuleActions.2.Type", "FixedResponse")
        .p("RuleActions.2.Order", 2)
        .p("RuleActions.2.FixedResponseConfig.HttpCode", "404")
        .send(&server)
        .await
        .err(400, "IllegalParam.RuleActions");
    rule_req(&listener, 1, &sg)
        .p("RuleActions.2.Type", "Rewrite")
        .p("RuleActions.2.Order", 1)
        .p("RuleActions.2.RewriteConfig.Path", "/b")
        .send(&server)
        .await
        .ok();
}

#[tokio::test]
async fn forward_groups_are_limited_and_weighted() {
    let (server, sg, listener) = setup("Standard").await;
    let mut groups = vec![sg.clone()];
    for _ in 0..5 {
        groups.push(create_sg(&server).await);
    }
    let forward = |n: usize, weight: &str| {
        let mut req = Req::new("CreateRule")
            .p("ListenerId", &listener)
            .p("RuleName", "fwd")
            .p("Priority", 1)
            .p("RuleConditions.1.Type", "Path")
            .p("RuleConditions.1.PathConfig.Values.1", "/a")
            .p("RuleActions.1.Type", "ForwardGroup")
            .p("RuleActions.1.Order", 1);
        for (i, g) in groups.iter().take(n).enumerate() {
            let prefix = format!(
                "RuleActions.1.ForwardGroupConfig.ServerGroupTuples.{}",
                i + 1
            );
            req = req
                .p(&format!("{prefix}.ServerGroupId"), g)
                .p(&format!("{prefix}.Weight"), weight);
        }
        req
    };
    forward(6, "10")
        .send(&server)
        .await
        .err(400, "IllegalParam.ServerGroupTuples");
    forward(2, "101")
        .send(&server)
        .await
        .err(400, "IllegalParam.Weight");
    forward(2, "-1")
        .send(&server)
        .await
        .err(400, "IllegalParam.Weight");
    rule_req(&listener, 1, "sgp-missing")
        .send(&server)
        .await
        .err(404, "ResourceNotFound.ServerGroup");
    forward(5, "20").send(&server).await.ok();
}

#[tokio::test]
async fn conditions_and_actions_per_rule_follow_the_edition() {
    for (edition, conditions, actions) in [("Basic", 5, 3), ("Standard", 10, 5)] {
        let (server, sg, listener) = setup(edition).await;
        let with_conditions = |n: usize| {
            let mut req = rule_req(&listener, 1, &sg);
            for i in 2..=n {
                req = req
                    .p(&format!("RuleConditions.{i}.Type"), "Header")
                    .p(
                        &format!("RuleConditions.{i}.HeaderConfig.Key"),
                        format!("x-h{i}"),
                    )
                    .p(&format!("RuleConditions.{i}.HeaderConfig.Values.1"), "v");
            }
            req
        };
        with_conditions(conditions + 1)
            .send(&server)
            .await
            .err(400, "QuotaExceeded.RuleConditionsNum");
        let with_actions = |n: usize| {
            let mut req = rule_req(&listener, 1, &sg).p("RuleActions.1.Order", 100);
            for i in 2..=n {
                req = req
                    .p(&format!("RuleActions.{i}.Type"), "RemoveHeader")
                    .p(&format!("RuleActions.{i}.Order"), i)
                    .p(
                        &format!("RuleActions.{i}.RemoveHeaderConfig.Key"),
                        format!("x-r{i}"),
                    );
            }
            req
        };
        with_actions(actions + 1)
            .send(&server)
            .await
            .err(400, "QuotaExceeded.RuleActionsNum");
        with_conditions(conditions).send(&server).await.ok();
        settle(&server);
        with_actions(actions)
            .p("Priority", 2)
            .send(&server)
            .await
            .ok();
    }
}

fn batch(listener: &str, sg: &str, priorities: std::ops::RangeInclusive<i64>) -> Req {
    let mut req = Req::new("CreateRules").p("ListenerId", listener);
    for (i, priority) in priorities.enumerate() {
        let n = i + 1;
        req = req
            .body(&format!("Rules.{n}.RuleName"), format!("r{priority}"))
            .body(&format!("Rules.{n}.Priority"), priority)
            .body(&format!("Rules.{n}.RuleConditions.1.Type"), "Path")
            .body(
                &format!("Rules.{n}.RuleConditions.1.PathConfig.Values.1"),
                format!("/p{priority}"),
            )
            .body(&format!("Rules.{n}.RuleActions.1.Type"), "ForwardGroup")
            .body(&format!("Rules.{n}.RuleActions.1.Order"), 1)
            .body(
                &format!(
                    "Rules.{n}.RuleActions.1.ForwardGroupConfig.ServerGroupTuples.1.ServerGroupId"
                ),
                sg,
            );
    }
    req
}

#[tokio::test]
async fn batch_limits_and_rule_quota() {
    let (server, sg, listener) = setup("Basic").await;
    batch(&listener, &sg, 1..=11)
        .send(&server)
        .await
        .err(400, "InvalidParameter");
    // Duplicate priority inside one batch.
    batch(&listener, &sg, 1..=2)
        .body("Rules.2.Priority", 1)
        .send(&server)
        .await
        .err(400, "IllegalParam.Priority");
    let mut ids = Vec::new();
    for start in [1, 11, 21, 31] {
        let body = batch(&listener, &sg, start..=start + 9)
            .send(&server)
            .await
            .ok();
        assert_eq!(body["RuleIds"].as_array().map(Vec::len), Some(10));
        assert_eq!(body["RuleIds"][0]["Priority"], start);
        ids.extend(
            body["RuleIds"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|r| r["RuleId"].as_str().map(str::to_string)),
        );
        settle(&server);
    }
    // Basic allows 40 rules per instance (default rules excluded).
    rule_req(&listener, 41, &sg)
        .send(&server)
        .await
        .err(400, "QuotaExceeded.RulesNum");
    let listed = Req::new("ListRules")
        .p("ListenerIds.1", &listener)
        .p("MaxResults", 100)
        .send(&server)
        .await
        .ok();
    assert_eq!(listed["TotalCount"], 40);

    let mut delete = Req::new("DeleteRules");
    for (i, id) in ids.iter().take(11).enumerate() {
        delete = delete.p(&format!("RuleIds.{}", i + 1), id);
    }
    delete.send(&server).await.err(400, "InvalidParameter");
    let mut delete = Req::new("DeleteRules");
    for (i, id) in ids.iter().take(10).enumerate() {
        delete = delete.p(&format!("RuleIds.{}", i + 1), id);
    }
    delete.send(&server).await.ok();
    settle(&server);
    create_rule(&server, &listener, 41, &sg).await;
}

#[tokio::test]
async fn update_rules_attribute_can_swap_priorities_and_is_limited() {
    let (server, sg, listener) = setup("Standard").await;
    let a = create_rule(&server, &listener, 1, &sg).await;
    let b = create_rule(&server, &listener, 2, &sg).await;
    Req::new("UpdateRuleAttribute")
        .p("RuleId", &a)
        .p("Priority", 2)
        .send(&server)
        .await
        .err(400, "IllegalParam.Priority");
    Req::new("UpdateRulesAttribute")
        .body("Rules.1.RuleId", &a)
        .body("Rules.1.Priority", 2)
        .body("Rules.2.RuleId", &b)
        .body("Rules.2.Priority", 1)
        .send(&server)
        .await
        .ok();
    settle(&server);
    let listed = Req::new("ListRules")
        .p("ListenerIds.1", &listener)
        .send(&server)
        .await
        .ok();
    assert_eq!(listed["Rules"][0]["RuleId"], b.as_str());
    assert_eq!(listed["Rules"][0]["Priority"], 1);
    let mut too_many = Req::new("UpdateRulesAttribute");
    for i in 1..=11 {
        too_many = too_many.body(&format!("Rules.{i}.RuleId"), &a);
    }
    too_many.send(&server).await.err(400, "InvalidParameter");
    // Replacing the actions re-validates them.
    Req::new("UpdateRuleAttribute")
        .p("RuleId", &a)
        .p("RuleActions.1.Type", "Rewrite")
        .p("RuleActions.1.Order", 1)
        .p("RuleActions.1.RewriteConfig.Path", "/x")
        .send(&server)
        .await
        .err(400, "IllegalParam.RuleActions");
}

#[tokio::test]
async fn referenced_server_group_cannot_be_deleted() {
    let (server, sg, listener) = setup("Standard").await;
    Req::new("DeleteServerGroup")
        .p("ServerGroupId", &sg)
        .send(&server)
        .await
        .err(400, "ResourceInUse.ServerGroup");
    let other = create_sg(&server).await;
    let rule = create_rule(&server, &listener, 3, &other).await;
    Req::new("DeleteServerGroup")
        .p("ServerGroupId", &other)
        .send(&server)
        .await
        .err(400, "ResourceInUse.ServerGroup");
    Req::new("DeleteRule")
        .p("RuleId", &rule)
        .send(&server)
        .await
        .ok();
    Req::new("DeleteServerGroup")
        .p("ServerGroupId", &other)
        .send(&server)
        .await
        .ok();
}

#[tokio::test]
async fn missing_and_malformed_rule_parameters() {
    let (server, sg, listener) = setup("Standard").await;
    Req::new("CreateRule")
        .p("ListenerId", &listener)
        .send(&server)
        .await
        .err(400, "MissingParameter");
    Req::new("CreateRule")
        .p("ListenerId", &listener)
        .p("RuleName", "nocond")
        .p("Priority", 1)
        .p("RuleActions.1.Type", "ForwardGroup")
        .p("RuleActions.1.Order", 1)
        .p(
            "RuleActions.1.ForwardGroupConfig.ServerGroupTuples.1.ServerGroupId",
            &sg,
        )
        .send(&server)
        .await
        .err(400, "MissingParameter");
    rule_req(&listener, 1, &sg)
        .p("RuleConditions.1.Type", "Nonsense")
        .send(&server)
        .await
        .err(400, "InvalidParameter");
    rule_req(&listener, 1, &sg)
        .p("RuleActions.1.Type", "FixedResponse")
        .p("RuleActions.1.FixedResponseConfig.HttpCode", "HTTP_2xx")
        .send(&server)
        .await
        .err(400, "InvalidParameter");
    rule_req("lsn-missing", 1, &sg)
        .send(&server)
        .await
        .err(404, "ResourceNotFound.Listener");
}
