//! Waiting for asynchronous jobs and resource statuses, with deadlines and backoff.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::error::Error;
use crate::group_polls::{available, Wanted};
use crate::job::{AsyncJob, ListAsynJobsRequest};
use crate::listener::{Listener, ListenerIdRequest};
use crate::load_balancer::{LoadBalancer, LoadBalancerIdRequest};
use crate::rule::{ListRulesRequest, Rule};
use crate::server_group::ServerGroup;
use crate::Client;

/// Most job ids queried by one `ListAsynJobs` call while waiting.
const JOB_IDS_PER_POLL: usize = 20;

/// How long and how often to poll.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WaitOptions {
    /// Give up after this long.
    pub timeout: Duration,
    /// First poll interval; grows by half on each poll up to `max_interval`
    /// (see [`WaitOptions::next_interval`]).
    pub initial_interval: Duration,
    /// Longest poll interval.
    pub max_interval: Duration,
    /// Log progress at `info` level at most this often.
    pub progress_every: Duration,
    /// Consecutive polls on which a resource may be missing before that is an error
    /// (eventual consistency right after a create).
    pub missing_grace: u32,
}

impl Default for WaitOptions {
    /// 5 minutes (Terraform's default resource timeout), polling from 100 ms up to 5 s.
    ///
    /// Short first polls: most jobs of rule, listener and member writes finish within a few
    /// hundred milliseconds (the mock's default job takes 200 ms), and a job is always awaited
    /// before the next write to the same parent, so the first poll interval is paid on every
    /// step of an apply. Polls at 100, 250, 475, 812 ms … after the call find a 200 ms job done
    /// at 250 ms (a 500 ms first poll doubling made it 500 ms) for at most 2 polls; a job of a few
    /// seconds costs about 7 polls instead of 3, cheap reads against the minutes a throttled
    /// write path loses.
    fn default() -> Self {
        WaitOptions {
            timeout: Duration::from_secs(300),
            initial_interval: Duration::from_millis(100),
            max_interval: Duration::from_secs(5),
            progress_every: Duration::from_secs(15),
            missing_grace: 3,
        }
    }
}

impl WaitOptions {
    /// The poll interval after `interval`: half as long again, at most `max_interval`.
    pub fn next_interval(&self, interval: Duration) -> Duration {
        (interval + interval / 2).min(self.max_interval)
    }
}

/// What one poll found.
enum Poll<T> {
    /// Finished.
    Done(T),
    /// Not yet; the text describes the state seen.
    Pending(String),
    /// The resource was not found (tolerated for `missing_grace` polls).
    Missing(String),
}

/// Polls `probe` with backoff until it reports `Done`, fails, or the deadline passes.
async fn poll<T, F, Fut>(what: &str, options: &WaitOptions, mut probe: F) -> Result<T, Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Poll<T>, Error>>,
{
    let started = Instant::now();
    let mut interval = options.initial_interval;
    let mut last_progress = Instant::now();
    let mut missing = 0u32;
    loop {
        let last_seen = match probe().await? {
            Poll::Done(v) => {
                tracing::debug!(
                    what,
                    waited_ms = started.elapsed().as_millis() as u64,
                    "wait finished"
                );
                return Ok(v);
            }
            Poll::Pending(state) => {
                missing = 0;
                state
            }
            Poll::Missing(state) => {
                missing += 1;
                if missing > options.missing_grace {
                    return Err(Error::UnexpectedState {
                        resource: "waited-for resource",
                        id: what.to_string(),
                        status: state,
                    });
                }
                state
            }
        };
        let waited = started.elapsed();
        if waited + interval > options.timeout {
            return Err(Error::WaitTimeout {
                what: what.to_string(),
                waited,
                last_seen,
            });
        }
        if last_progress.elapsed() >= options.progress_every {
            tracing::info!(what, waited_s = waited.as_secs(), state = %last_seen, "still waiting");
            last_progress = Instant::now();
        }
        tokio::time::sleep(interval).await;
        interval = options.next_interval(interval);
    }
}

impl Client {
    /// Waits until every job in `job_ids` has `Succeeded`. A `Failed` job ends the wait with
    /// [`Error::JobFailed`] carrying its `ErrorCode`/`ErrorMessage`. Jobs not listed yet are
    /// treated as still processing.
    pub async fn wait_for_jobs(
        &self,
        job_ids: &[String],
        options: &WaitOptions,
    ) -> Result<Vec<AsyncJob>, Error> {
        // Shared between polls; the lock is never held across an await.
        let finished: Arc<Mutex<BTreeMap<String, AsyncJob>>> = Arc::default();
        let what = match job_ids {
            [one] => format!("job {one}"),
            _ => format!("{} jobs", job_ids.len()),
        };
        let pending_ids = |finished: &Mutex<BTreeMap<String, AsyncJob>>| -> Vec<String> {
            let done = finished.lock().unwrap_or_else(|p| p.into_inner());
            job_ids
                .iter()
                .filter(|id| !done.contains_key(*id))
                .cloned()
                .collect()
        };
        poll(&what, options, || {
            let finished = Arc::clone(&finished);
            let pending = pending_ids(&finished);
            async move {
                for chunk in pending.chunks(JOB_IDS_PER_POLL) {
                    let request = ListAsynJobsRequest {
                        job_ids: chunk.to_vec(),
                        max_results: Some(100),
                        ..Default::default()
                    };
                    for job in self.list_asyn_jobs(&request).await?.jobs {
                        match job.status.as_str() {
                            "Succeeded" => {
                                finished
                                    .lock()
                                    .unwrap_or_else(|p| p.into_inner())
                                    .insert(job.id.clone(), job);
                            }
                            "Failed" => {
                                return Err(Error::JobFailed {
                                    job_id: job.id,
                                    api_name: job.api_name.unwrap_or_default(),
                                    code: job.error_code.unwrap_or_default(),
                                    message: job.error_message.unwrap_or_default(),
                                });
                            }
                            _ => {}
                        }
                    }
                }
                let left = pending_ids(&finished).len();
                if left == 0 {
                    Ok(Poll::Done(()))
                } else {
                    Ok(Poll::Pending(format!("{left} job(s) processing")))
                }
            }
        })
        .await?;
        let mut done = finished.lock().unwrap_or_else(|p| p.into_inner());
        Ok(job_ids.iter().filter_map(|id| done.remove(id)).collect())
    }

    /// Waits for one job, if there is one (`None` returns immediately: synchronous action).
    pub async fn wait_for_job(
        &self,
        job_id: Option<&str>,
        options: &WaitOptions,
    ) -> Result<Option<AsyncJob>, Error> {
        match job_id {
            Some(id) if !id.is_empty() => Ok(self
                .wait_for_jobs(&[id.to_string()], options)
                .await?
                .into_iter()
                .next()),
            _ => Ok(None),
        }
    }

    /// Waits until the load balancer is `Active`; `CreateFailed` is an error.
    pub async fn wait_load_balancer_active(
        &self,
        load_balancer_id: &str,
        options: &WaitOptions,
    ) -> Result<LoadBalancer, Error> {
        let request = LoadBalancerIdRequest::new(load_balancer_id);
        poll(
            &format!("load balancer {load_balancer_id} to be Active"),
            options,
            || async {
                match self.get_load_balancer_attribute(&request).await {
                    Ok(r) => match r.load_balancer.load_balancer_status.as_str() {
                        "Active" => Ok(Poll::Done(r.load_balancer)),
                        "CreateFailed" => Err(Error::UnexpectedState {
                            resource: "load balancer",
                            id: load_balancer_id.to_string(),
                            status: "CreateFailed".into(),
                        }),
                        other => Ok(Poll::Pending(other.to_string())),
                    },
                    Err(e) if e.is_not_found() => Ok(Poll::Missing("not found".into())),
                    Err(e) => Err(e),
                }
            },
        )
        .await
    }

    /// Waits until the listener is `Running`.
    pub async fn wait_listener_running(
        &self,
        listener_id: &str,
        options: &WaitOptions,
    ) -> Result<Listener, Error> {
        let request = ListenerIdRequest::new(listener_id);
        poll(
            &format!("listener {listener_id} to be Running"),
            options,
            || async {
                match self.get_listener_attribute(&request).await {
                    Ok(r) if r.listener.listener_status == "Running" => Ok(Poll::Done(r.listener)),
                    Ok(r) => Ok(Poll::Pending(r.listener.listener_status)),
                    Err(e) if e.is_not_found() => Ok(Poll::Missing("not found".into())),
                    Err(e) => Err(e),
                }
            },
        )
        .await
    }

    /// Waits until every rule in `rule_ids` is `Available`; `CreateFailed` is an error.
    pub async fn wait_rules_available(
        &self,
        rule_ids: &[String],
        options: &WaitOptions,
    ) -> Result<Vec<Rule>, Error> {
        if rule_ids.is_empty() {
            return Ok(Vec::new());
        }
        let request = ListRulesRequest {
            rule_ids: rule_ids.to_vec(),
            ..Default::default()
        };
        poll(
            &format!("{} rule(s) to be Available", rule_ids.len()),
            options,
            || async {
                let rules = self.list_all(request.clone()).await?;
                if let Some(failed) = rules.iter().find(|r| r.rule_status == "CreateFailed") {
                    return Err(Error::UnexpectedState {
                        resource: "rule",
                        id: failed.rule_id.clone(),
                        status: failed.rule_status.clone(),
                    });
                }
                let missing = rule_ids
                    .iter()
                    .filter(|id| !rules.iter().any(|r| &r.rule_id == *id))
                    .count();
                if missing > 0 {
                    return Ok(Poll::Missing(format!("{missing} rule(s) not listed")));
                }
                match rules.iter().find(|r| r.rule_status != "Available") {
                    Some(r) => Ok(Poll::Pending(format!("{} is {}", r.rule_id, r.rule_status))),
                    None => Ok(Poll::Done(rules)),
                }
            },
        )
        .await
    }

    /// Waits until the server group is `Available`. Its polls are shared with the client's
    /// other waits for server groups (see `group_polls`): a poll asks for every group being
    /// waited for, and a wait takes an answer another wait's poll got when it is fresh enough
    /// instead of asking again.
    pub async fn wait_server_group_available(
        &self,
        server_group_id: &str,
        options: &WaitOptions,
    ) -> Result<ServerGroup, Error> {
        let polls = self.group_polls();
        let registration = &polls.register(server_group_id);
        let mut previous = Instant::now();
        poll(
            &format!("server group {server_group_id} to be Available"),
            options,
            || {
                let now = Instant::now();
                let wanted = Wanted {
                    since: previous,
                    fresh_after: previous + (now - previous) / 2,
                };
                previous = now;
                async move {
                    match polls.status(self, registration, wanted).await? {
                        Some(g) if available(&g) => Ok(Poll::Done(g)),
                        Some(g) => Ok(Poll::Pending(g.server_group_status)),
                        None => Ok(Poll::Missing("not listed".into())),
                    }
                }
            },
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fast() -> WaitOptions {
        WaitOptions {
            timeout: Duration::from_millis(200),
            initial_interval: Duration::from_millis(1),
            max_interval: Duration::from_millis(5),
            progress_every: Duration::from_millis(1),
            missing_grace: 2,
        }
    }

    #[test]
    fn intervals_grow_by_half_up_to_the_maximum() {
        let options = WaitOptions::default();
        let mut at = Duration::ZERO;
        let mut interval = options.initial_interval;
        let mut polls = Vec::new();
        for _ in 0..4 {
            at += interval;
            polls.push(at.as_millis());
            interval = options.next_interval(interval);
        }
        assert_eq!(polls, [100, 250, 475, 812]);
        assert_eq!(
            options.next_interval(Duration::from_secs(4)),
            options.max_interval
        );
    }

    #[tokio::test]
    async fn poll_finishes_after_pending_states() {
        let mut n = 0;
        let r = poll("x", &fast(), || {
            n += 1;
            let k = n;
            async move {
                Ok(if k < 3 {
                    Poll::Pending(format!("step {k}"))
                } else {
                    Poll::Done(k)
                })
            }
        })
        .await;
        assert_eq!(r.ok(), Some(3));
    }

    #[tokio::test]
    async fn poll_times_out_with_last_state() {
        let r: Result<(), Error> = poll("x", &fast(), || async {
            Ok(Poll::Pending("Configuring".into()))
        })
        .await;
        match r {
            Err(Error::WaitTimeout { last_seen, .. }) => assert_eq!(last_seen, "Configuring"),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[tokio::test]
    async fn poll_tolerates_missing_only_for_the_grace() {
        let r: Result<(), Error> =
            poll("x", &fast(), || async { Ok(Poll::Missing("gone".into())) }).await;
        assert!(matches!(r, Err(Error::UnexpectedState { .. })));
        let mut n = 0;
        let r = poll("x", &fast(), || {
            n += 1;
            let k = n;
            async move {
                Ok(if k <= 2 {
                    Poll::Missing("not yet".into())
                } else {
                    Poll::Done(())
                })
            }
        })
        .await;
        assert!(r.is_ok());
    }
}
