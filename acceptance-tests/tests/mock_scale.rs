//! The mock's cost per call does not grow with state the call does not touch: a rule write on a
//! load balancer with 20 rules costs about the same whether 20 or 2,000 rules exist in the
//! region (the mock indexes listeners by load balancer, rules by listener and forwards by server
//! group, and settles only removals under way). Timings are compared as a ratio of medians of
//! interleaved calls with a generous bound, never as absolute times.

mod mock_support;

use std::time::{Duration, Instant};

use acceptance_tests::mock::MockServer;
use mock_support::{create_sg, settle, stack, start, Req};

/// Rules on the measured listener.
const MEASURED_RULES: usize = 20;
/// Rules on each other load balancer (the Standard edition's quota).
const RULES_PER_OTHER: usize = 100;
/// Server groups the rules of each other load balancer forward to.
const GROUPS_PER_OTHER: usize = 10;
/// Interleaved writes per mock.
const SAMPLES: usize = 25;

/// Creates `count` rules (priorities from 1, hosts `h<n>.example`) on `listener` in
/// CreateRules calls of 10, forwarding round-robin to `groups`; returns their ids.
async fn create_rules(
    server: &MockServer,
    listener: &str,
    count: usize,
    groups: &[String],
) -> Vec<String> {
    let mut ids = Vec::new();
    for batch in (0..count).collect::<Vec<_>>().chunks(10) {
        let mut req = Req::new("CreateRules").p("ListenerId", listener);
        for (i, n) in batch.iter().enumerate() {
            let r = format!("Rules.{}", i + 1);
            req = req
                .p(&format!("{r}.RuleName"), format!("rule{n}"))
                .p(&format!("{r}.Priority"), n + 1)
                .p(&format!("{r}.RuleConditions.1.Type"), "Host")
                .p(
                    &format!("{r}.RuleConditions.1.HostConfig.Values.1"),
                    format!("h{n}.example"),
                )
                .p(&format!("{r}.RuleActions.1.Type"), "ForwardGroup")
                .p(&format!("{r}.RuleActions.1.Order"), 10)
                .p(
                    &format!(
                        "{r}.RuleActions.1.ForwardGroupConfig.ServerGroupTuples.1.ServerGroupId"
                    ),
                    &groups[n % groups.len()],
                );
        }
        let body = req.send(server).await.ok();
        settle(server);
        ids.extend(
            body["RuleIds"]
                .as_array()
                .expect("RuleIds")
                .iter()
                .map(|r| r["RuleId"].as_str().expect("RuleId").to_string()),
        );
    }
    ids
}

/// A mock with the measured load balancer (20 rules) and `others` more with 100 rules each;
/// returns the mock, a rule of the measured listener and its server group.
async fn region(others: usize) -> (MockServer, String, String) {
    let server = start();
    let (_, sg, listener) = stack(&server, "Standard").await;
    let rules = create_rules(
        &server,
        &listener,
        MEASURED_RULES,
        std::slice::from_ref(&sg),
    )
    .await;
    for _ in 0..others {
        let (_, first, other_listener) = stack(&server, "Standard").await;
        let mut groups = vec![first];
        while groups.len() < GROUPS_PER_OTHER {
            groups.push(create_sg(&server).await);
        }
        create_rules(&server, &other_listener, RULES_PER_OTHER, &groups).await;
    }
    let state = server.state();
    let total = state["Rules"].as_array().map_or(0, Vec::len);
    assert_eq!(total, MEASURED_RULES + others * RULES_PER_OTHER);
    (server, rules[0].clone(), sg)
}

/// One UpdateRuleAttribute of `rule` (its name and actions, so the instance-servers check
/// runs), timed; the clock then moves past the listener's Configuring.
async fn timed_write(server: &MockServer, rule: &str, sg: &str, n: usize) -> Duration {
    let req = Req::new("UpdateRuleAttribute")
        .p("RuleId", rule)
        .p("RuleName", format!("renamed{n}"))
        .p("RuleActions.1.Type", "ForwardGroup")
        .p("RuleActions.1.Order", 10)
        .p(
            "RuleActions.1.ForwardGroupConfig.ServerGroupTuples.1.ServerGroupId",
            sg,
        );
    let started = Instant::now();
    req.send(server).await.ok();
    let elapsed = started.elapsed();
    settle(server);
    elapsed
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

#[tokio::test]
async fn a_rule_write_costs_the_same_with_two_thousand_unrelated_rules() {
    let (small, small_rule, small_sg) = region(0).await;
    let (large, large_rule, large_sg) = region(20).await;
    let (mut small_times, mut large_times) = (Vec::new(), Vec::new());
    for n in 0..SAMPLES {
        small_times.push(timed_write(&small, &small_rule, &small_sg, n).await);
        large_times.push(timed_write(&large, &large_rule, &large_sg, n).await);
    }
    let (small_median, large_median) = (median(small_times), median(large_times));
    eprintln!(
        "UpdateRuleAttribute median: {small_median:?} with 20 rules, {large_median:?} with 2,020"
    );
    assert!(
        large_median <= small_median * 3 + Duration::from_millis(2),
        "a write with 2,020 rules in the region took {large_median:?}, with 20 {small_median:?}"
    );
}
