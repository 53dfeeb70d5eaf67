//! Deletions: listeners, server groups, ACLs, and a whole `alb_config`.

use std::future::Future;
use std::time::{Duration, Instant};

use alb_api::token::derive_client_token;
use model::diff::ActualLoadBalancer;
use model::ownership::{client_token, content_hash, owns_config_object, TAG_CONFIG, TAG_KEY};
use model::{Op, OpKind};
use tokio_util::sync::CancellationToken;

use super::marks::CreationMarks;
use super::run::Run;
use super::{describe, ExecFailure, ExecReport};
use crate::{ReconcileError, Reconciler};

/// The error code of deleting a server group that a listener or rule still references.
const GROUP_IN_USE: &str = "ResourceInUse.ServerGroup";
/// The error code of deleting an ACL that a listener still uses.
const ACL_IN_USE: &str = "ResourceInUse.Acl";
/// How long a referenced server group or ACL is retried at most (bounded by the wait deadline).
const IN_USE_PATIENCE: Duration = Duration::from_secs(60);

impl Run<'_> {
    /// `DeleteListener`, job awaited; not found = done.
    pub(super) async fn delete_listener(
        &self,
        id: &str,
        token: &str,
    ) -> Result<(), ReconcileError> {
        self.client()
            .delete_listener_and_wait(id, Some(token), self.wait())
            .await?;
        Ok(())
    }

    /// `DeleteServerGroup`, job awaited; not found = done; `ResourceInUse.ServerGroup` retried
    /// (see [`Self::while_in_use`]).
    pub(super) async fn delete_server_group(
        &self,
        id: &str,
        token: &str,
    ) -> Result<(), ReconcileError> {
        let client = self.client();
        let wait = self.wait();
        self.while_in_use(GROUP_IN_USE, id, || {
            client.delete_server_group_and_wait(id, Some(token), wait)
        })
        .await
    }

    /// `DeleteAcl`, job awaited; not found = done; `ResourceInUse.Acl` retried (see
    /// [`Self::while_in_use`]).
    pub(super) async fn delete_acl(&self, id: &str, token: &str) -> Result<(), ReconcileError> {
        let client = self.client();
        let wait = self.wait();
        self.while_in_use(ACL_IN_USE, id, || {
            client.delete_acl_and_wait(id, Some(token), wait)
        })
        .await
    }

    /// Runs the deletion `delete` of object `id`, again with backoff while it fails with
    /// `in_use`, for at most a minute (or the wait deadline if shorter).
    ///
    /// `ResourceInUse.*` is not a busy code for the client (an object referenced by something
    /// someone else owns stays referenced), so it is retried here: long enough for the rules,
    /// listeners and bindings removed by the previous ops to let go of the object, short enough
    /// to fail clearly otherwise.
    async fn while_in_use<F, Fut>(
        &self,
        in_use: &str,
        id: &str,
        mut delete: F,
    ) -> Result<(), ReconcileError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<bool, alb_api::Error>>,
    {
        let started = Instant::now();
        let patience = IN_USE_PATIENCE.min(self.wait().timeout);
        let mut delay = self.wait().initial_interval;
        loop {
            match delete().await {
                Ok(_) => return Ok(()),
                Err(e) if e.code() == Some(in_use) && started.elapsed() + delay < patience => {
                    tracing::info!(id, retry_in_ms = delay.as_millis() as u64, "still in use");
                    tokio::time::sleep(delay).await;
                    delay = self.wait().next_interval(delay);
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// `DeleteLoadBalancer`, job awaited; not found = done.
    async fn delete_load_balancer(&self, id: &str, token: &str) -> Result<(), ReconcileError> {
        self.client()
            .delete_load_balancer_and_wait(id, Some(token), self.wait())
            .await?;
        Ok(())
    }
}

impl Reconciler {
    /// Deletes a whole `alb_config`: the load balancer (its listeners and their rules go with
    /// it), then its placeholder groups and managed ACLs at once (the model plans no deletion
    /// of the config itself); ACLs it merely binds (`acl_ids`) are left alone. Refuses when
    /// deletion protection is on. Every step treats "not found" as done, so a re-run after a
    /// failure finishes the job. The load balancer's snapshot is invalidated when the deletion
    /// starts and when it ends.
    ///
    /// \[INF\] No `DeleteListener` first: the research documents a listener's rules going with
    /// it and the load balancer going `Deleting → not found`, not explicitly its listeners; the
    /// provider reads that as the listeners going with it (the mock implements the strict
    /// reading). Should the service refuse the deletion because of its listeners
    /// ([`listeners_block`]), the owned listeners are deleted and the deletion is tried once
    /// more.
    pub async fn delete_config(
        &self,
        actual: &ActualLoadBalancer,
        cancel: &CancellationToken,
    ) -> Result<ExecReport, ExecFailure> {
        self.invalidate_snapshot(Some(&actual.id));
        let result = self.delete_config_objects(actual, cancel).await;
        self.invalidate_snapshot(Some(&actual.id));
        result
    }

    /// The deletion of [`Self::delete_config`].
    async fn delete_config_objects(
        &self,
        actual: &ActualLoadBalancer,
        cancel: &CancellationToken,
    ) -> Result<ExecReport, ExecFailure> {
        let config = actual
            .tags
            .get(TAG_CONFIG)
            .cloned()
            .unwrap_or_else(|| actual.name.clone());
        let op = |kind: OpKind| Op {
            client_token: client_token(&config, &kind.object(), kind.name(), &content_hash(&kind)),
            kind,
        };
        let mine = |tags| owns_config_object(tags, &self.cluster_id, &config);
        let leftovers: Vec<Op> = actual
            .placeholders
            .iter()
            .filter(|p| mine(&p.tags))
            .map(|p| {
                op(OpKind::DeleteServerGroup {
                    id: p.id.clone(),
                    key: p.tags.get(TAG_KEY).cloned().unwrap_or_default(),
                })
            })
            .chain(actual.acls.iter().filter(|a| mine(&a.tags)).map(|a| {
                op(OpKind::DeleteAcl {
                    id: a.id.clone(),
                    key: a.tags.get(TAG_KEY).cloned().unwrap_or_default(),
                })
            }))
            .collect();
        let no_marks = CreationMarks::default();
        let run = Run::new(self, Some(&actual.id), &[], &no_marks);
        let lb_step = format!("DeleteLoadBalancer {}", actual.id);
        if actual.deletion_protection {
            return Err(run.fail(
                lb_step,
                ReconcileError::DeletionProtected {
                    id: actual.id.clone(),
                },
            ));
        }
        if cancel.is_cancelled() {
            return Err(run.fail(lb_step, ReconcileError::Cancelled));
        }
        let token = run.token_for(&client_token(&config, &actual.id, "DeleteLoadBalancer", ""));
        let started = Instant::now();
        tracing::info!(op = "DeleteLoadBalancer", lb_id = %actual.id, "op started");
        let deleted = match run.delete_load_balancer(&actual.id, &token).await {
            Err(ReconcileError::Api(e)) if listeners_block(&e) => {
                tracing::warn!(lb_id = %actual.id, error = %e, "deleting the listeners first");
                let owned: Vec<Op> = actual
                    .listeners
                    .iter()
                    .filter(|l| mine(&l.tags))
                    .map(|l| {
                        op(OpKind::DeleteListener {
                            id: l.id.clone(),
                            listener: l.key,
                        })
                    })
                    .collect();
                let lanes: Vec<Vec<&Op>> = owned.iter().map(|o| vec![o]).collect();
                if let Err((o, e)) = self.run_stage(&run, &lanes, cancel).await {
                    return Err(run.fail(describe(o), e));
                }
                let again = derive_client_token(&format!("{token}\nafter listeners"));
                run.delete_load_balancer(&actual.id, &again).await
            }
            other => other,
        };
        if let Err(e) = deleted {
            return Err(run.fail(lb_step, e));
        }
        run.done();
        tracing::info!(op = "DeleteLoadBalancer", lb_id = %actual.id, elapsed_ms = started.elapsed().as_millis() as u64, "op done");
        let lanes: Vec<Vec<&Op>> = leftovers.iter().map(|o| vec![o]).collect();
        if let Err((o, e)) = self.run_stage(&run, &lanes, cancel).await {
            return Err(run.fail(describe(o), e));
        }
        Ok(run.finish())
    }
}

/// Whether the service refused to delete a load balancer because of its listeners (a code
/// naming a listener, or a resource in use, that retrying did not clear) — the case the
/// provider does not expect (see [`Reconciler::delete_config`]) but tolerates.
fn listeners_block(error: &alb_api::Error) -> bool {
    !error.is_not_found()
        && error
            .code()
            .is_some_and(|c| c.contains("Listener") || c.starts_with("ResourceInUse"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api_error(code: &str) -> alb_api::Error {
        alb_api::Error::from_response(400, code.into(), "refused".into(), "req".into())
    }

    #[test]
    fn only_listener_refusals_delete_the_listeners_first() {
        assert!(listeners_block(&api_error("ResourceInUse.Listener")));
        assert!(listeners_block(&api_error("IncorrectStatus.Listener")));
        assert!(listeners_block(&api_error("ResourceInUse.LoadBalancer")));
        assert!(!listeners_block(&api_error(
            "OperationDenied.DeletionProtection"
        )));
        assert!(!listeners_block(&api_error("Throttling.User")));
    }
}
