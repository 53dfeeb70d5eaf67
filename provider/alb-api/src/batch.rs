//! Batching at the documented per-call limits, idempotent deletes, and bounded concurrency
//! for independent objects.
//!
//! Batches on one parent (rules of a listener, servers of a group) run one after another,
//! each waiting for its job: the parent is `Configuring` while a job runs, so parallel calls
//! would only collect `IncorrectStatus.*` retries. Each batch gets its own client token derived
//! from the logical call's token ([`crate::token::sub_token`]), so re-running an interrupted
//! batched call replays the same tokens.

use std::future::Future;

use futures::stream::{self, StreamExt};

use crate::acl::{
    AclEntryInput, AclIdRequest, AddEntriesToAclRequest, RemoveEntriesFromAclRequest,
};
use crate::common::JobResponse;
use crate::error::{Error, NotFoundExt};
use crate::listener::ListenerIdRequest;
use crate::load_balancer::LoadBalancerIdRequest;
use crate::rule::{
    CreateRulesRequest, DeleteRuleRequest, DeleteRulesRequest, NewRule, RuleIdPriority, RuleUpdate,
    UpdateRulesAttributeRequest,
};
use crate::server_group::{BackendServer, DeleteServerGroupRequest, ServersRequest};
use crate::token::{new_client_token, sub_token};
use crate::wait::WaitOptions;
use crate::Client;

/// Rules per `CreateRules` / `UpdateRulesAttribute` call.
pub const MAX_RULES_PER_CALL: usize = 10;
/// Rule ids per `DeleteRules` call (the old SDK doc says 100; Alibaba's controller uses 10).
pub const MAX_RULE_IDS_PER_DELETE: usize = 10;
/// Servers per `AddServersToServerGroup` / `RemoveServersFromServerGroup` call.
pub const MAX_SERVERS_PER_CALL: usize = 200;
/// Servers per `UpdateServerGroupServersAttribute` call.
pub const MAX_SERVERS_PER_ATTRIBUTE_UPDATE: usize = 40;
/// Entries per `AddEntriesToAcl` / `RemoveEntriesFromAcl` call.
pub const MAX_ACL_ENTRIES_PER_CALL: usize = 20;
/// Default number of independent objects worked on at once.
pub const DEFAULT_CONCURRENCY: usize = 4;

/// Splits `items` into consecutive batches of at most `size` (a `size` of 0 is taken as 1).
pub fn split_batches<T: Clone>(items: &[T], size: usize) -> Vec<Vec<T>> {
    items.chunks(size.max(1)).map(<[T]>::to_vec).collect()
}

/// Runs `f` on every item with at most `concurrency` in flight; results come back in input
/// order. For independent objects (different server groups, different listeners).
pub async fn run_bounded<I, T, F, Fut>(items: I, concurrency: usize, f: F) -> Vec<Result<T, Error>>
where
    I: IntoIterator,
    F: Fn(I::Item) -> Fut,
    Fut: Future<Output = Result<T, Error>>,
{
    let mut indexed: Vec<(usize, Result<T, Error>)> = stream::iter(items.into_iter().enumerate())
        .map(|(i, item)| {
            let fut = f(item);
            async move { (i, fut.await) }
        })
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await;
    indexed.sort_by_key(|(i, _)| *i);
    indexed.into_iter().map(|(_, r)| r).collect()
}

impl Client {
    /// Creates rules on one listener in batches of ≤10 (`CreateRules`), waiting for each
    /// batch's job, and returns the created ids with their priorities in request order.
    pub async fn create_rules_batched(
        &self,
        listener_id: &str,
        rules: &[NewRule],
        client_token: Option<&str>,
        wait: &WaitOptions,
    ) -> Result<Vec<RuleIdPriority>, Error> {
        self.run_batches(
            rules,
            MAX_RULES_PER_CALL,
            client_token,
            wait,
            |batch, token| async move {
                let request = CreateRulesRequest {
                    listener_id: listener_id.to_string(),
                    rules: batch,
                    dry_run: None,
                };
                let response = self.create_rules(&request, Some(&token)).await?;
                Ok((response.job_id, response.rule_ids))
            },
        )
        .await
    }

    /// Updates rules in batches of ≤10 (`UpdateRulesAttribute`), waiting for each job.
    pub async fn update_rules_batched(
        &self,
        rules: &[RuleUpdate],
        client_token: Option<&str>,
        wait: &WaitOptions,
    ) -> Result<(), Error> {
        self.run_batches(
            rules,
            MAX_RULES_PER_CALL,
            client_token,
            wait,
            |batch, token| async move {
                let request = UpdateRulesAttributeRequest {
                    rules: batch,
                    dry_run: None,
                };
                let response = self.update_rules_attribute(&request, Some(&token)).await?;
                Ok((response.job_id, Vec::<()>::new()))
            },
        )
        .await?;
        Ok(())
    }

    /// Deletes rules in batches of ≤10 (`DeleteRules`), waiting for each job. Rules that are
    /// already gone count as deleted: if a batch fails with not-found, its rules are deleted
    /// one by one with `DeleteRule`, ignoring not-found.
    pub async fn delete_rules_batched(
        &self,
        rule_ids: &[String],
        client_token: Option<&str>,
        wait: &WaitOptions,
    ) -> Result<(), Error> {
        let delete_batch = |batch: Vec<String>, token: String| async move {
            let request = DeleteRulesRequest {
                rule_ids: batch.clone(),
                dry_run: None,
            };
            match self.delete_rules(&request, Some(&token)).await {
                Ok(response) => Ok((response.job_id, Vec::<()>::new())),
                Err(e) if e.is_not_found() => {
                    for (j, rule_id) in batch.into_iter().enumerate() {
                        self.delete_rule_and_wait(&rule_id, Some(&sub_token(&token, j)), wait)
                            .await?;
                    }
                    Ok((None, Vec::new()))
                }
                Err(e) => Err(e),
            }
        };
        self.run_batches(
            rule_ids,
            MAX_RULE_IDS_PER_DELETE,
            client_token,
            wait,
            delete_batch,
        )
        .await?;
        Ok(())
    }

    /// Deletes one rule and waits for its job; `Ok(false)` if it was already gone.
    pub async fn delete_rule_and_wait(
        &self,
        rule_id: &str,
        client_token: Option<&str>,
        wait: &WaitOptions,
    ) -> Result<bool, Error> {
        let request = DeleteRuleRequest {
            rule_id: rule_id.to_string(),
            dry_run: None,
        };
        let response = self.delete_rule(&request, client_token).await;
        self.finish_delete(response, wait).await
    }

    /// Deletes a load balancer and waits for its job; `Ok(false)` if it was already gone.
    pub async fn delete_load_balancer_and_wait(
        &self,
        load_balancer_id: &str,
        client_token: Option<&str>,
        wait: &WaitOptions,
    ) -> Result<bool, Error> {
        let request = LoadBalancerIdRequest::new(load_balancer_id);
        let response = self.delete_load_balancer(&request, client_token).await;
        self.finish_delete(response, wait).await
    }

    /// Deletes a listener (and its rules) and waits for its job; `Ok(false)` if it was already
    /// gone.
    pub async fn delete_listener_and_wait(
        &self,
        listener_id: &str,
        client_token: Option<&str>,
        wait: &WaitOptions,
    ) -> Result<bool, Error> {
        let request = ListenerIdRequest::new(listener_id);
        let response = self.delete_listener(&request, client_token).await;
        self.finish_delete(response, wait).await
    }

    /// Deletes a server group and waits for its job; `Ok(false)` if it was already gone.
    pub async fn delete_server_group_and_wait(
        &self,
        server_group_id: &str,
        client_token: Option<&str>,
        wait: &WaitOptions,
    ) -> Result<bool, Error> {
        let request = DeleteServerGroupRequest {
            server_group_id: server_group_id.to_string(),
            dry_run: None,
        };
        let response = self.delete_server_group(&request, client_token).await;
        self.finish_delete(response, wait).await
    }

    /// Deletes an ACL and waits for its job; `Ok(false)` if it was already gone. Fails with
    /// `ResourceInUse.Acl` while a listener still uses it.
    pub async fn delete_acl_and_wait(
        &self,
        acl_id: &str,
        client_token: Option<&str>,
        wait: &WaitOptions,
    ) -> Result<bool, Error> {
        let response = self
            .delete_acl(&AclIdRequest::new(acl_id), client_token)
            .await;
        self.finish_delete(response, wait).await
    }

    /// Not-found means already deleted; otherwise wait for the delete job.
    async fn finish_delete(
        &self,
        response: Result<JobResponse, Error>,
        wait: &WaitOptions,
    ) -> Result<bool, Error> {
        match response.ok_if_not_found()? {
            Some(r) => {
                self.wait_for_job(r.job_id.as_deref(), wait).await?;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// Adds servers in batches of ≤200 (`AddServersToServerGroup`), waiting for each job.
    pub async fn add_servers_batched(
        &self,
        server_group_id: &str,
        servers: &[BackendServer],
        client_token: Option<&str>,
        wait: &WaitOptions,
    ) -> Result<(), Error> {
        self.servers_batched(
            ServersAction::Add,
            server_group_id,
            servers,
            client_token,
            wait,
        )
        .await
    }

    /// Removes servers in batches of ≤200 (`RemoveServersFromServerGroup`), waiting for each
    /// job.
    pub async fn remove_servers_batched(
        &self,
        server_group_id: &str,
        servers: &[BackendServer],
        client_token: Option<&str>,
        wait: &WaitOptions,
    ) -> Result<(), Error> {
        self.servers_batched(
            ServersAction::Remove,
            server_group_id,
            servers,
            client_token,
            wait,
        )
        .await
    }

    /// Updates server weights/descriptions in batches of ≤40
    /// (`UpdateServerGroupServersAttribute`), waiting for each job.
    pub async fn update_servers_attribute_batched(
        &self,
        server_group_id: &str,
        servers: &[BackendServer],
        client_token: Option<&str>,
        wait: &WaitOptions,
    ) -> Result<(), Error> {
        self.servers_batched(
            ServersAction::UpdateAttribute,
            server_group_id,
            servers,
            client_token,
            wait,
        )
        .await
    }

    /// Adds entries to an ACL in batches of ≤20 (`AddEntriesToAcl`), waiting for each job.
    pub async fn add_acl_entries_batched(
        &self,
        acl_id: &str,
        entries: &[AclEntryInput],
        client_token: Option<&str>,
        wait: &WaitOptions,
    ) -> Result<(), Error> {
        let call = |batch, token: String| async move {
            let request = AddEntriesToAclRequest {
                acl_id: acl_id.to_string(),
                acl_entries: batch,
            };
            let response = self.add_entries_to_acl(&request, Some(&token)).await?;
            Ok((response.job_id, Vec::<()>::new()))
        };
        self.run_batches(entries, MAX_ACL_ENTRIES_PER_CALL, client_token, wait, call)
            .await?;
        Ok(())
    }

    /// Removes entries from an ACL in batches of ≤20 (`RemoveEntriesFromAcl`), waiting for
    /// each job.
    pub async fn remove_acl_entries_batched(
        &self,
        acl_id: &str,
        entries: &[String],
        client_token: Option<&str>,
        wait: &WaitOptions,
    ) -> Result<(), Error> {
        let call = |batch, token: String| async move {
            let request = RemoveEntriesFromAclRequest {
                acl_id: acl_id.to_string(),
                entries: batch,
            };
            let response = self.remove_entries_from_acl(&request, Some(&token)).await?;
            Ok((response.job_id, Vec::<()>::new()))
        };
        self.run_batches(entries, MAX_ACL_ENTRIES_PER_CALL, client_token, wait, call)
            .await?;
        Ok(())
    }

    async fn servers_batched(
        &self,
        action: ServersAction,
        server_group_id: &str,
        servers: &[BackendServer],
        client_token: Option<&str>,
        wait: &WaitOptions,
    ) -> Result<(), Error> {
        let call = |batch, token: String| async move {
            let request = ServersRequest {
                server_group_id: server_group_id.to_string(),
                servers: batch,
                dry_run: None,
            };
            let response = match action {
                ServersAction::Add => {
                    self.add_servers_to_server_group(&request, Some(&token))
                        .await?
                }
                ServersAction::Remove => {
                    self.remove_servers_from_server_group(&request, Some(&token))
                        .await?
                }
                ServersAction::UpdateAttribute => {
                    self.update_server_group_servers_attribute(&request, Some(&token))
                        .await?
                }
            };
            Ok((response.job_id, Vec::<()>::new()))
        };
        self.run_batches(servers, action.limit(), client_token, wait, call)
            .await?;
        Ok(())
    }

    /// Runs `call` on consecutive batches of at most `size` items, one after another, each with
    /// its sub-token of `client_token` (a fresh base token when `None`), and waits for the job
    /// each call returns; collects the other results of the calls in order.
    async fn run_batches<T, R, F, Fut>(
        &self,
        items: &[T],
        size: usize,
        client_token: Option<&str>,
        wait: &WaitOptions,
        call: F,
    ) -> Result<Vec<R>, Error>
    where
        T: Clone,
        F: Fn(Vec<T>, String) -> Fut,
        Fut: Future<Output = Result<(Option<String>, Vec<R>), Error>>,
    {
        let base = client_token.map_or_else(new_client_token, str::to_string);
        let mut results = Vec::new();
        for (i, batch) in split_batches(items, size).into_iter().enumerate() {
            let (job_id, batch_results) = call(batch, sub_token(&base, i)).await?;
            self.wait_for_job(job_id.as_deref(), wait).await?;
            results.extend(batch_results);
        }
        Ok(results)
    }
}

/// The batched server-membership actions.
#[derive(Debug, Clone, Copy)]
enum ServersAction {
    Add,
    Remove,
    UpdateAttribute,
}

impl ServersAction {
    fn limit(self) -> usize {
        match self {
            ServersAction::Add | ServersAction::Remove => MAX_SERVERS_PER_CALL,
            ServersAction::UpdateAttribute => MAX_SERVERS_PER_ATTRIBUTE_UPDATE,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sizes<T: Clone>(items: &[T], size: usize) -> Vec<usize> {
        split_batches(items, size).iter().map(Vec::len).collect()
    }

    #[test]
    fn rules_split_into_tens() {
        let rules: Vec<u32> = (0..25).collect();
        assert_eq!(sizes(&rules, MAX_RULES_PER_CALL), [10, 10, 5]);
        let batches = split_batches(&rules, MAX_RULES_PER_CALL);
        assert_eq!(batches.concat(), rules, "order preserved");
        assert_eq!(sizes(&rules[..10], MAX_RULES_PER_CALL), [10]);
        assert!(split_batches::<u32>(&[], MAX_RULES_PER_CALL).is_empty());
    }

    #[test]
    fn servers_split_at_their_limits() {
        let servers: Vec<u32> = (0..450).collect();
        assert_eq!(sizes(&servers, MAX_SERVERS_PER_CALL), [200, 200, 50]);
        assert_eq!(
            sizes(&servers[..100], MAX_SERVERS_PER_ATTRIBUTE_UPDATE),
            [40, 40, 20]
        );
        assert_eq!(ServersAction::Add.limit(), 200);
        assert_eq!(ServersAction::Remove.limit(), 200);
        assert_eq!(ServersAction::UpdateAttribute.limit(), 40);
        assert_eq!(sizes(&servers[..3], 0), [1, 1, 1]);
    }

    #[test]
    fn acl_entries_split_into_twenties() {
        let entries: Vec<u32> = (0..45).collect();
        assert_eq!(sizes(&entries, MAX_ACL_ENTRIES_PER_CALL), [20, 20, 5]);
        assert_eq!(sizes(&entries[..20], MAX_ACL_ENTRIES_PER_CALL), [20]);
    }

    #[tokio::test]
    async fn bounded_concurrency_keeps_order_and_limit() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let in_flight = AtomicUsize::new(0);
        let peak = AtomicUsize::new(0);
        let results = run_bounded(0..12u64, 4, |i| {
            let in_flight = &in_flight;
            let peak = &peak;
            async move {
                let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(std::time::Duration::from_millis(12 - i)).await;
                in_flight.fetch_sub(1, Ordering::SeqCst);
                if i == 5 {
                    Err(Error::InvalidRequest("five".into()))
                } else {
                    Ok(i * 2)
                }
            }
        })
        .await;
        assert_eq!(results.len(), 12);
        assert_eq!(results[3].as_ref().ok(), Some(&6));
        assert!(results[5].is_err());
        assert!(peak.load(Ordering::SeqCst) <= 4);
    }
}
