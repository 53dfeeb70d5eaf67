//! The data sources: `alb_config` (look up a load balancer this provider manages) and `alb_zones`
//! (the zones of the region).

pub mod alb_config;
pub mod alb_zones;

use std::sync::Arc;

use tfplugin::data_source::DataSource;

use crate::config::SharedSettings;
use crate::resources::api::Session;

/// Every data source of the provider, sharing the provider settings and the process's ALB API
/// session (so a data source and the resources of one plan read each load balancer once).
pub fn all(settings: &SharedSettings, api: &Session) -> Vec<Arc<dyn DataSource>> {
    vec![
        Arc::new(alb_config::AlbConfigLookup::new(
            settings.clone(),
            api.clone(),
        )),
        Arc::new(alb_zones::AlbZones::new(settings.clone(), api.clone())),
    ]
}
