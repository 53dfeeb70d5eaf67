//! Deletions: listeners, server groups, and a whole `alb_config`.

use std::time::{Duration, Instant};

use model::diff::ActualLoadBalancer;
use model::ownership::{client_token, content_hash, owns_config_object, TAG_CONFIG};
use model::{Op, OpKind};
use tokio_util::sync::CancellationToken;

use super::run::Run;
use super::{describe, ExecFailure, ExecReport};
use crate::{ReconcileError, Reconciler};

/// The error code of deleting a server group that a listener or rule still references.
const IN_USE: &str = "ResourceInUse.ServerGroup";
/// How long a referenced server group is retried at most (bounded by the wait deadline).
const IN_USE_PATIENCE: Duration = Duration::from_secs(60);

impl Run<'_> {
    /// `DeleteListener`, job awaited; not found = done.
    pub(super) async fn delete_listener(
        &mut self,
        id: &str,
        token: &str,
    ) -> Result<(), ReconcileError> {
        self.client()
            .delete_listener_and_wait(id, Some(token), self.wait())
            .await?;
        Ok(())
    }

    /// `DeleteServerGroup`, job awaited; not found = done.
    ///
    /// `ResourceInUse.ServerGroup` is not a busy code for the client (a group referenced by a
    /// rule someone else owns stays referenced), so it is retried here, with backoff, for at
    /// most a minute (or the wait deadline if shorter): long enough for the rules and listeners
    /// deleted by the previous ops to let go of it, short enough to fail clearly otherwise.
    pub(super) async fn delete_server_group(
        &mut self,
        id: &str,
        token: &str,
    ) -> Result<(), ReconcileError> {
        let started = Instant::now();
        let patience = IN_USE_PATIENCE.min(self.wait().timeout);
        let mut delay = self.wait().initial_interval;
        loop {
            match self
                .client()
                .delete_server_group_and_wait(id, Some(token), self.wait())
                .await
            {
                Ok(_) => return Ok(()),
                Err(e) if e.code() == Some(IN_USE) && started.elapsed() + delay < patience => {
                    tracing::info!(
                        server_group_id = id,
                        retry_in_ms = delay.as_millis() as u64,
                        "server group still in use"
                    );
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(self.wait().max_interval);
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// `DeleteLoadBalancer`, job awaited; not found = done.
    async fn delete_load_balancer(&mut self, id: &str, token: &str) -> Result<(), ReconcileError> {
        self.client()
            .delete_load_balancer_and_wait(id, Some(token), self.wait())
            .await?;
        Ok(())
    }
}

impl Reconciler {
    /// Deletes a whole `alb_config`: its owned listeners, the load balancer, then its
    /// placeholder groups (the model plans no deletion of the config itself). Refuses when
    /// deletion protection is on. Every step treats "not found" as done, so a re-run after a
    /// failure finishes the job.
    pub async fn delete_config(
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
        let listeners: Vec<Op> = actual
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
        let groups: Vec<Op> = actual
            .placeholders
            .iter()
            .filter(|p| mine(&p.tags))
            .map(|p| {
                op(OpKind::DeleteServerGroup {
                    id: p.id.clone(),
                    key: p
                        .tags
                        .get(model::ownership::TAG_KEY)
                        .cloned()
                        .unwrap_or_default(),
                })
            })
            .collect();
        let mut run = Run::new(self, Some(&actual.id), &[]);
        let lb_step = format!("DeleteLoadBalancer {}", actual.id);
        if actual.deletion_protection {
            return Err(run.fail(
                lb_step,
                ReconcileError::DeletionProtected {
                    id: actual.id.clone(),
                },
            ));
        }
        for o in &listeners {
            if cancel.is_cancelled() {
                return Err(run.fail(describe(o), ReconcileError::Cancelled));
            }
            if let Err(e) = self.apply(&mut run, o).await {
                return Err(run.fail(describe(o), e));
            }
        }
        if cancel.is_cancelled() {
            return Err(run.fail(lb_step, ReconcileError::Cancelled));
        }
        let token = run.token_for(&client_token(&config, &actual.id, "DeleteLoadBalancer", ""));
        let started = Instant::now();
        tracing::info!(op = "DeleteLoadBalancer", lb_id = %actual.id, "op started");
        if let Err(e) = run.delete_load_balancer(&actual.id, &token).await {
            return Err(run.fail(lb_step, e));
        }
        run.done();
        tracing::info!(op = "DeleteLoadBalancer", lb_id = %actual.id, elapsed_ms = started.elapsed().as_millis() as u64, "op done");
        for o in &groups {
            if cancel.is_cancelled() {
                return Err(run.fail(describe(o), ReconcileError::Cancelled));
            }
            if let Err(e) = self.apply(&mut run, o).await {
                return Err(run.fail(describe(o), e));
            }
        }
        Ok(run.finish())
    }
}
