//! Provider settings shared between the provider and its resources.

use std::sync::{Arc, PoisonError, RwLock};

use tfplugin::diag::Diagnostic;

use super::settings::ProviderSettings;

/// What ConfigureProvider left for the resources.
#[derive(Clone, Debug, Default)]
enum SettingsState {
    /// ConfigureProvider has not run.
    #[default]
    Unconfigured,
    /// The configuration depended on unknown values (the attribute names).
    Deferred(String),
    /// Resolved settings.
    Ready(Arc<ProviderSettings>),
}

/// Handle to the provider settings; clones share the same state.
#[derive(Clone, Debug, Default)]
pub struct SharedSettings(Arc<RwLock<SettingsState>>);

impl SharedSettings {
    /// Stores resolved settings.
    pub fn set_ready(&self, settings: ProviderSettings) {
        self.replace(SettingsState::Ready(Arc::new(settings)));
    }

    /// Records that the configuration could not be resolved yet because `attributes` were unknown.
    pub fn set_deferred(&self, attributes: String) {
        self.replace(SettingsState::Deferred(attributes));
    }

    /// The settings, or an error diagnostic saying why there are none (for operations that call the API).
    pub fn get(&self) -> Result<Arc<ProviderSettings>, Diagnostic> {
        let state = self.0.read().unwrap_or_else(PoisonError::into_inner);
        match &*state {
            SettingsState::Ready(settings) => Ok(Arc::clone(settings)),
            SettingsState::Deferred(attributes) => Err(Diagnostic::error(
                "Provider configuration not yet known",
                format!(
                    "The alb provider configuration depends on values that are not known until apply \
                     ({attributes}), so the ALB API cannot be called yet. Apply the resources these \
                     values come from first (e.g. with -target), or set the values directly."
                ),
            )),
            SettingsState::Unconfigured => Err(Diagnostic::error(
                "Provider not configured",
                "The alb provider was used before Terraform configured it; this is a bug in Terraform \
                 or the provider.",
            )),
        }
    }

    fn replace(&self, new: SettingsState) {
        *self.0.write().unwrap_or_else(PoisonError::into_inner) = new;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::settings::ApiTimeouts;
    use crate::config::KubernetesSettings;

    #[test]
    fn deferred_settings_fail_with_the_unknown_attributes() {
        let shared = SharedSettings::default();
        assert_eq!(
            shared.get().map_err(|d| d.summary),
            Err("Provider not configured".to_string())
        );
        shared.set_deferred("region".to_string());
        let error = shared.get().err().map(|d| d.detail).unwrap_or_default();
        assert!(error.contains("(region)"), "{error}");
        let settings = ProviderSettings {
            region: "cn-hangzhou".into(),
            credentials: alb_api::Credentials::new("AK", "SK").into(),
            endpoint: None,
            cluster_id: "default".into(),
            kubernetes: KubernetesSettings::default(),
            api_timeouts: ApiTimeouts::default(),
        };
        shared.clone().set_ready(settings.clone());
        assert_eq!(shared.get().ok().as_deref(), Some(&settings));
    }
}
