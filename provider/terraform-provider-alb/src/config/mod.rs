//! Provider configuration: the `provider "alb"` schema, its resolution into [`ProviderSettings`]
//! and the state shared with the resources.

mod schema;
pub mod settings;
mod state;

pub use cluster::KubernetesSettings;
pub use schema::schema;
pub use settings::{
    credential_diagnostic, env, resolve, ApiTimeouts, ProviderSettings, Resolution,
    DEFAULT_CLUSTER_ID,
};
pub use state::SharedSettings;
