//! Refresh and import of an `alb_config`.

use tfplugin::diag::Diagnostic;
use tfplugin::plan::conform;
use tfplugin::provider::{ImportResponse, ReadRequest, ReadResponse};
use tfplugin::value::Value;

use super::adopting::{Adopting, SETTLED};
use super::observe::observe;
use super::schema;
use super::state::refreshed;
use crate::config::SharedSettings;
use crate::resources::api::{self, Session};

/// Reads the load balancer of `req.current_state` into state; a load balancer that no longer
/// exists gives a null state (Terraform then plans to create it).
pub(crate) async fn read(
    settings: &SharedSettings,
    session: &Session,
    req: ReadRequest,
) -> ReadResponse {
    let ReadRequest {
        current_state,
        private,
    } = req;
    let Some(id) = current_state.get("id").as_str() else {
        return ReadResponse {
            new_state: current_state,
            private,
            diagnostics: Default::default(),
        };
    };
    let what = format!("reading alb_config {id}");
    let adopting = Adopting::from_private(&private);
    let result = match settings
        .get()
        .and_then(|s| Ok((session.reconciler(&s, api::DEFAULT_TIME_LIMIT)?, s)))
    {
        Err(d) => Err(d),
        Ok((reconciler, s)) => match observe(&reconciler, id).await {
            Ok(Some(o)) => {
                let adopting = adopting.and_then(|_| Adopting::found(&o.actual));
                let state = refreshed(&current_state, &o, &s.cluster_id, adopting.as_ref());
                let private = match (adopting, Adopting::from_private(&private)) {
                    (Some(a), _) => a.to_private(),
                    (None, Some(_)) => SETTLED.to_vec(),
                    (None, None) => private.clone(),
                };
                Ok((state, private))
            }
            Ok(None) => {
                tracing::info!(lb_id = id, "load balancer is gone");
                Ok((Value::Null, private.clone()))
            }
            Err(e) => Err(api::diagnostic_from(&e, &what)),
        },
    };
    match result {
        Ok((new_state, private)) => ReadResponse {
            new_state,
            private,
            diagnostics: Default::default(),
        },
        Err(d) => ReadResponse {
            new_state: current_state,
            private,
            diagnostics: d.into(),
        },
    }
}

/// `terraform import alb_config.x <load balancer id>`: a state holding only the id, marked
/// [`Adopting`] (the load balancer and listeners may be another tool's); the read that follows
/// fills in everything else.
pub(crate) fn import(id: &str) -> ImportResponse {
    let id = id.trim();
    if id.is_empty() {
        return ImportResponse {
            diagnostics: Diagnostic::error(
                "Missing load balancer id",
                "Import an alb_config by its load balancer id: terraform import alb_config.NAME alb-…",
            )
            .into(),
            ..ImportResponse::default()
        };
    }
    ImportResponse {
        state: conform(
            &schema::schema().block,
            Value::object([("id", Value::from(id))]),
        ),
        private: Adopting::default().to_private(),
        ..ImportResponse::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn import_gives_a_sparse_state_with_the_id() {
        let response = import(" alb-123 ");
        assert!(response.diagnostics.is_empty());
        assert_eq!(response.state.get("id").as_str(), Some("alb-123"));
        assert!(response.state.get("name").is_null());
        assert_eq!(
            response.state.get("listener"),
            &Value::Map(Default::default())
        );
        assert_eq!(
            Adopting::from_private(&response.private),
            Some(Adopting::default())
        );
        assert!(import("").diagnostics.has_errors());
    }
}
