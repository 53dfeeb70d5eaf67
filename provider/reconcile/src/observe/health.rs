//! Member health for `alb-member-sync`'s readiness gate: what `GetListenerHealthStatus` reports
//! for a server group through every listener (and its rules) of the load balancers that use the
//! group. Read afresh, never from a snapshot.

use std::collections::BTreeSet;

use alb_api::health::{GetListenerHealthStatusRequest, ServerGroupHealth};
use alb_api::listener::ListListenersRequest;
use alb_api::server_group::ListServerGroupsRequest;

use crate::{ReconcileError, Reconciler};

/// Load balancer ids per `ListListeners` call (the filter's limit).
const LOAD_BALANCERS_PER_LIST: usize = 20;

/// What the API says about the health of a group's members.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MemberHealth {
    /// Nothing to wait for: the group's health checks are off, or no listener uses the group,
    /// or the API reports no health for it.
    NotReported,
    /// Health checks are on: the members `(server id, port)` that are not healthy yet
    /// (`Initial`, `Unhealthy`; `None` port: every port of that server).
    Checked(BTreeSet<(String, Option<u16>)>),
}

impl MemberHealth {
    /// Whether the member `server_id` on `port` may serve as far as its health goes.
    pub fn healthy(&self, server_id: &str, port: u16) -> bool {
        match self {
            Self::NotReported => true,
            Self::Checked(not_healthy) => !not_healthy
                .iter()
                .any(|(id, p)| id == server_id && p.is_none_or(|p| p == port)),
        }
    }

    /// The health `reports` (the entries of group `group_id` among them) say.
    fn of(group_id: &str, reports: &[ServerGroupHealth]) -> Self {
        let checked: Vec<&ServerGroupHealth> = reports
            .iter()
            .filter(|r| r.server_group_id == group_id && r.checked())
            .collect();
        if checked.is_empty() {
            return Self::NotReported;
        }
        Self::Checked(
            checked
                .iter()
                .flat_map(|r| &r.non_normal_servers)
                .filter(|s| !s.may_serve())
                .map(|s| {
                    let port = s.port.and_then(|p| u16::try_from(p).ok());
                    (s.server_id.clone(), port)
                })
                .collect(),
        )
    }
}

impl Reconciler {
    /// The health of the members of group `group_id`: from `GetListenerHealthStatus` (with
    /// rules) of every listener of the load balancers the group is related to. A group the API
    /// does not list, or that no load balancer uses, reports nothing.
    pub async fn member_health(&self, group_id: &str) -> Result<MemberHealth, ReconcileError> {
        let groups = self
            .client
            .list_all(ListServerGroupsRequest {
                server_group_ids: vec![group_id.to_owned()],
                ..Default::default()
            })
            .await?;
        let Some(group) = groups.into_iter().find(|g| g.server_group_id == group_id) else {
            return Ok(MemberHealth::NotReported);
        };
        let mut reports = Vec::new();
        for load_balancers in group
            .related_load_balancer_ids
            .chunks(LOAD_BALANCERS_PER_LIST)
        {
            let listeners = self
                .client
                .list_all(ListListenersRequest {
                    load_balancer_ids: load_balancers.to_vec(),
                    ..Default::default()
                })
                .await?;
            for listener in listeners {
                reports.extend(
                    self.client
                        .list_all(GetListenerHealthStatusRequest {
                            listener_id: listener.listener_id,
                            include_rule: Some(true),
                            ..Default::default()
                        })
                        .await?,
                );
            }
        }
        Ok(MemberHealth::of(group_id, &reports))
    }
}

#[cfg(test)]
mod tests {
    use alb_api::health::ServerHealth;

    use super::*;

    fn report(
        group: &str,
        enabled: &str,
        servers: &[(&str, Option<i64>, &str)],
    ) -> ServerGroupHealth {
        ServerGroupHealth {
            server_group_id: group.into(),
            health_check_enabled: Some(enabled.into()),
            non_normal_servers: servers
                .iter()
                .map(|(id, port, status)| ServerHealth {
                    server_id: (*id).into(),
                    port: *port,
                    status: Some((*status).into()),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        }
    }

    #[test]
    fn only_checked_reports_of_the_group_count() {
        let reports = [
            report(
                "sgp-1",
                "on",
                &[
                    ("10.0.0.1", Some(8080), "Initial"),
                    ("10.0.0.2", None, "Unhealthy"),
                ],
            ),
            report("sgp-1", "on", &[("10.0.0.3", Some(8080), "Unused")]),
            report("sgp-2", "on", &[("10.0.0.4", Some(8080), "Unhealthy")]),
        ];
        let health = MemberHealth::of("sgp-1", &reports);
        assert!(!health.healthy("10.0.0.1", 8080));
        assert!(health.healthy("10.0.0.1", 9090), "another port");
        assert!(!health.healthy("10.0.0.2", 9090), "no port: every port");
        assert!(
            health.healthy("10.0.0.3", 8080),
            "weight 0 is not waited for"
        );
        assert!(health.healthy("10.0.0.4", 8080), "another group's server");
        assert_eq!(
            MemberHealth::of(
                "sgp-2",
                &[report("sgp-2", "off", &[("10.0.0.4", None, "Unavailable")])]
            ),
            MemberHealth::NotReported
        );
        assert_eq!(
            MemberHealth::of("sgp-3", &reports),
            MemberHealth::NotReported
        );
    }
}
