//! The managed resources: `alb_config` and `alb_ingress`.

pub(crate) mod adoption;
pub mod alb_config;
pub mod alb_ingress;
pub mod api;
pub(crate) mod diagnostics;
pub mod run_plans;
pub(crate) mod timeouts;

use std::sync::Arc;

use tfplugin::provider::Resource;

use crate::config::SharedSettings;
use api::Session;
use run_plans::RunPlans;

/// Every resource of the provider, sharing the provider settings, the record of this run's
/// plans and the process's ALB API session.
pub fn all(settings: &SharedSettings, run: &RunPlans, api: &Session) -> Vec<Arc<dyn Resource>> {
    vec![
        Arc::new(alb_config::AlbConfig::new(
            settings.clone(),
            run.clone(),
            api.clone(),
        )),
        Arc::new(alb_ingress::AlbIngress::new(
            settings.clone(),
            run.clone(),
            api.clone(),
        )),
    ]
}
