//! Apply, read and import until the ALB API is wired in: plain errors, isolated here so they are
//! easy to replace.

use tfplugin::diag::{Diagnostic, Diagnostics};
use tfplugin::provider::{ApplyRequest, ApplyResponse, ImportResponse, ReadRequest, ReadResponse};

use crate::config::SharedSettings;

fn not_implemented(type_name: &str, operation: &str) -> Diagnostics {
    Diagnostic::error(
        "Not implemented yet",
        format!(
            "{operation} {type_name} is not implemented yet in this build of terraform-provider-alb: \
             it can validate and plan, but not change or read real load balancers."
        ),
    )
    .into()
}

/// Apply: the provider configuration error if there is one, else "not implemented".
pub(crate) fn apply(
    type_name: &str,
    settings: &SharedSettings,
    req: ApplyRequest,
) -> ApplyResponse {
    let diagnostics = match settings.get() {
        Ok(_) => not_implemented(type_name, "Applying"),
        Err(error) => error.into(),
    };
    ApplyResponse {
        new_state: req.prior_state,
        private: req.planned_private,
        diagnostics,
    }
}

/// Read: an absent state stays absent; anything else is "not implemented".
pub(crate) fn read(type_name: &str, req: ReadRequest) -> ReadResponse {
    let diagnostics = if req.current_state.is_null() {
        Diagnostics::default()
    } else {
        not_implemented(type_name, "Reading")
    };
    ReadResponse {
        new_state: req.current_state,
        private: req.private,
        diagnostics,
    }
}

/// Import: "not implemented".
pub(crate) fn import(type_name: &str) -> ImportResponse {
    ImportResponse {
        diagnostics: not_implemented(type_name, "Importing"),
        ..ImportResponse::default()
    }
}
