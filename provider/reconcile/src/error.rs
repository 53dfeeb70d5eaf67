//! Errors of observation and execution.

use std::time::Duration;

/// Everything that can go wrong observing or changing the load balancer.
#[derive(Debug, thiserror::Error)]
pub enum ReconcileError {
    /// The ALB API refused a call (after the client's retries) or could not be reached.
    #[error(transparent)]
    Api(alb_api::Error),
    /// The cancellation token fired; nothing after the last finished operation was started.
    #[error("cancelled")]
    Cancelled,
    /// An asynchronous job reported `Failed`.
    #[error("async job {job_id} ({api_name}) failed: {code}: {message}")]
    JobFailed {
        /// Job id.
        job_id: String,
        /// The action that started the job.
        api_name: String,
        /// The job's error code.
        code: String,
        /// The job's error message.
        message: String,
    },
    /// A job or status wait exceeded its deadline.
    #[error("timed out after {waited:?} waiting for {what} (last seen: {last_seen})")]
    Timeout {
        /// What was being waited for.
        what: String,
        /// How long the wait lasted.
        waited: Duration,
        /// The last state seen.
        last_seen: String,
    },
    /// The API returned data the model cannot represent, or the operations refer to objects
    /// that cannot be found.
    #[error("inconsistent state: {0}")]
    Inconsistent(String),
    /// The load balancer has deletion protection on; it is never deleted.
    #[error(
        "load balancer {id} has deletion protection enabled; set deletion_protection = false \
         and apply before destroying it"
    )]
    DeletionProtected {
        /// Load balancer id.
        id: String,
    },
}

impl From<alb_api::Error> for ReconcileError {
    /// Failed jobs and wait deadlines get their own variants; everything else is [`Self::Api`].
    fn from(e: alb_api::Error) -> Self {
        match e {
            alb_api::Error::JobFailed {
                job_id,
                api_name,
                code,
                message,
            } => Self::JobFailed {
                job_id,
                api_name,
                code,
                message,
            },
            alb_api::Error::WaitTimeout {
                what,
                waited,
                last_seen,
            } => Self::Timeout {
                what,
                waited,
                last_seen,
            },
            other => Self::Api(other),
        }
    }
}

/// A value from the API that does not fit the model.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ConvertError(pub String);

impl From<ConvertError> for ReconcileError {
    fn from(e: ConvertError) -> Self {
        Self::Inconsistent(e.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_failures_and_wait_timeouts_get_their_own_variants() {
        let e: ReconcileError = alb_api::Error::JobFailed {
            job_id: "j".into(),
            api_name: "CreateRules".into(),
            code: "X".into(),
            message: "m".into(),
        }
        .into();
        assert!(matches!(e, ReconcileError::JobFailed { .. }));
        let e: ReconcileError = alb_api::Error::WaitTimeout {
            what: "job j".into(),
            waited: Duration::from_secs(1),
            last_seen: "Processing".into(),
        }
        .into();
        assert!(matches!(e, ReconcileError::Timeout { .. }));
        let e: ReconcileError = alb_api::Error::InvalidRequest("x".into()).into();
        assert!(matches!(e, ReconcileError::Api(_)));
    }
}
