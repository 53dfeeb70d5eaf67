//! Leader election on a `coordination.k8s.io/v1` Lease, as client-go's `leaderelection` does it:
//! read the Lease, take it when it is free or its holder stopped renewing, write it back with the
//! `resourceVersion` read (a concurrent writer gets `409 Conflict` and loses), renew every
//! retry period, step down when renewals fail for the renew deadline, release on shutdown.
//!
//! Expiry is judged by this replica's clock from when it last saw the Lease change (holder or
//! renew time), never by comparing its clock with the holder's, so clock skew between nodes
//! does not matter. (`kube-lease-manager` fits kube 5 but relies on server-side-apply field
//! ownership conflicts to exclude a second holder; optimistic concurrency on `resourceVersion`
//! needs nothing beyond get and replace.)

use std::time::Duration;

use k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::MicroTime;
use kube::api::{ObjectMeta, PostParams};
use kube::{Api, Client};
use tokio::sync::watch;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// Timing of the election.
#[derive(Clone, Copy, Debug)]
pub struct Timing {
    /// How long a Lease stays held without renewal.
    pub lease_duration: Duration,
    /// How long a leader keeps leading while renewals fail.
    pub renew_deadline: Duration,
    /// Pause between attempts.
    pub retry_period: Duration,
}

/// One candidate for one Lease.
pub struct Elector {
    api: Api<Lease>,
    name: String,
    identity: String,
    timing: Timing,
    /// The Lease record last seen and when it was first seen so.
    observed: Option<(Record, Instant)>,
}

/// What a holder changes on every renewal: holder identity and renew time.
type Record = (Option<String>, Option<MicroTime>);

/// Whether an attempt left this candidate holding the Lease.
type Held = bool;

impl Elector {
    /// A candidate `identity` for the Lease `namespace/name`.
    pub fn new(
        client: Client,
        namespace: &str,
        name: &str,
        identity: &str,
        timing: Timing,
    ) -> Self {
        Self {
            api: Api::namespaced(client, namespace),
            name: name.to_owned(),
            identity: identity.to_owned(),
            timing,
            observed: None,
        }
    }

    /// Campaigns until `stop` fires, publishing leadership on `leading`; then releases the
    /// Lease if held. Whoever stops this must first stop every writer that follows `leading`.
    pub async fn run(mut self, leading: watch::Sender<bool>, stop: CancellationToken) {
        let mut last_renewal: Option<Instant> = None;
        loop {
            let attempt =
                tokio::time::timeout(self.timing.retry_period, self.try_acquire_or_renew());
            let held = tokio::select! {
                _ = stop.cancelled() => break,
                result = attempt => match result {
                    Ok(Ok(held)) => held,
                    Ok(Err(error)) => {
                        tracing::warn!(%error, lease = %self.name, "lease attempt failed");
                        false
                    }
                    Err(_) => {
                        tracing::warn!(lease = %self.name, "lease attempt timed out");
                        false
                    }
                },
            };
            let now = Instant::now();
            if held {
                last_renewal = Some(now);
            }
            let was_leading = *leading.borrow();
            let is_leading = held
                || (was_leading
                    && last_renewal
                        .is_some_and(|t| now.duration_since(t) < self.timing.renew_deadline));
            if is_leading != was_leading {
                tracing::info!(identity = %self.identity, lease = %self.name, leading = is_leading, "leadership changed");
                leading.send_replace(is_leading);
            }
            tokio::select! {
                _ = stop.cancelled() => break,
                _ = tokio::time::sleep(self.timing.retry_period) => {}
            }
        }
        let was_leading = leading.send_replace(false);
        if was_leading {
            match self.release().await {
                Ok(()) => {
                    tracing::info!(identity = %self.identity, lease = %self.name, "lease released")
                }
                Err(error) => tracing::warn!(%error, lease = %self.name, "lease not released"),
            }
        }
    }

    /// One attempt: create the Lease, renew it, or take it over once expired.
    pub async fn try_acquire_or_renew(&mut self) -> Result<Held, kube::Error> {
        let now = MicroTime(k8s_openapi::jiff::Timestamp::now());
        let Some(mut lease) = self.api.get_opt(&self.name).await? else {
            let lease = Lease {
                metadata: ObjectMeta {
                    name: Some(self.name.clone()),
                    ..ObjectMeta::default()
                },
                spec: Some(self.spec(now.clone(), now, 0)),
            };
            return match self.api.create(&PostParams::default(), &lease).await {
                Ok(_) => Ok(true),
                Err(e) if is_conflict(&e) => Ok(false),
                Err(e) => Err(e),
            };
        };
        let spec = lease.spec.clone().unwrap_or_default();
        let holder = spec.holder_identity.clone().filter(|h| !h.is_empty());
        let record = (holder.clone(), spec.renew_time.clone());
        let seen_since = match &self.observed {
            Some((seen, since)) if *seen == record => *since,
            _ => {
                self.observed = Some((record, Instant::now()));
                Instant::now()
            }
        };
        let mine = holder.as_deref() == Some(self.identity.as_str());
        let duration = spec
            .lease_duration_seconds
            .and_then(|s| u64::try_from(s).ok())
            .map_or(self.timing.lease_duration, Duration::from_secs);
        let expired = holder.is_none() || seen_since.elapsed() >= duration;
        if !mine && !expired {
            return Ok(false);
        }
        let transitions = spec.lease_transitions.unwrap_or(0) + i32::from(!mine);
        let acquired = match (mine, spec.acquire_time) {
            (true, Some(t)) => t,
            _ => now.clone(),
        };
        lease.spec = Some(self.spec(acquired, now, transitions));
        match self
            .api
            .replace(&self.name, &PostParams::default(), &lease)
            .await
        {
            Ok(_) => Ok(true),
            Err(e) if is_conflict(&e) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Gives the Lease up if this candidate holds it (holder cleared, as client-go does).
    pub async fn release(&self) -> Result<(), kube::Error> {
        let Some(mut lease) = self.api.get_opt(&self.name).await? else {
            return Ok(());
        };
        let spec = lease.spec.get_or_insert_with(LeaseSpec::default);
        if spec.holder_identity.as_deref() != Some(self.identity.as_str()) {
            return Ok(());
        }
        spec.holder_identity = None;
        spec.acquire_time = None;
        spec.renew_time = None;
        spec.lease_duration_seconds = Some(1);
        self.api
            .replace(&self.name, &PostParams::default(), &lease)
            .await?;
        Ok(())
    }

    fn spec(&self, acquired: MicroTime, renewed: MicroTime, transitions: i32) -> LeaseSpec {
        LeaseSpec {
            holder_identity: Some(self.identity.clone()),
            lease_duration_seconds: Some(
                i32::try_from(self.timing.lease_duration.as_secs().max(1)).unwrap_or(i32::MAX),
            ),
            acquire_time: Some(acquired),
            renew_time: Some(renewed),
            lease_transitions: Some(transitions),
            ..LeaseSpec::default()
        }
    }
}

fn is_conflict(error: &kube::Error) -> bool {
    matches!(error, kube::Error::Api(status) if status.code == 409)
}
