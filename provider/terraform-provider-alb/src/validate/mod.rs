//! Validation of configuration values: pure functions from a [`tfplugin::value::Value`] to
//! [`tfplugin::diag::Diagnostics`] located by attribute path.
//!
//! A check only judges values that are known: unknown values (known only after apply) never cause
//! an error, so the same functions serve ValidateResourceConfig and plan time.

pub mod alb_config;
pub mod alb_config_lookup;
pub mod alb_ingress;
pub mod check;
pub mod formats;
mod listeners;
pub mod provider_config;
mod timeouts;
