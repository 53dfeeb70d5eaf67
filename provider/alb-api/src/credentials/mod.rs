//! The Alibaba Cloud credential chain: where the provider (and anything that must read
//! credentials the same way, such as `alb-member-sync`) gets its access keys, and the cache that
//! refreshes temporary credentials before they expire.
//!
//! One order, first match wins ([`chain::select`]):
//!
//! 1. `access_key` + `secret_key` (+ `security_token`) given in the settings;
//! 2. the environment: `ALIBABA_CLOUD_ACCESS_KEY_ID` / `ALIBABA_CLOUD_ACCESS_KEY_SECRET` /
//!    `ALIBABA_CLOUD_SECURITY_TOKEN` (aliases `ALICLOUD_ACCESS_KEY` / `ALICLOUD_SECRET_KEY` /
//!    `ALICLOUD_SECURITY_TOKEN`);
//! 3. `profile` and `shared_credentials_file`: a profile of the `aliyun` CLI's
//!    `~/.aliyun/config.json`, mode `AK`, `StsToken`, `RamRoleArn`, `EcsRamRole` or `OIDC`;
//! 4. `assume_role_with_oidc` (or the RRSA variables `ALIBABA_CLOUD_ROLE_ARN`,
//!    `ALIBABA_CLOUD_OIDC_PROVIDER_ARN`, `ALIBABA_CLOUD_OIDC_TOKEN_FILE`): STS
//!    AssumeRoleWithOIDC;
//! 5. `ecs_role_name` (or `ALIBABA_CLOUD_ECS_METADATA`): the ECS RAM role from the instance
//!    metadata service;
//! 6. `credentials_uri` (or `ALIBABA_CLOUD_CREDENTIALS_URI`).
//!
//! When `assume_role` is set, the credentials found above sign an STS AssumeRole and the role's
//! temporary credentials are used instead.
//!
//! ```no_run
//! # async fn demo() -> Result<(), alb_api::credentials::CredentialError> {
//! use alb_api::credentials::{CredentialSettings, CredentialsProvider};
//!
//! let env = |name: &str| std::env::var(name).ok();
//! let provider = CredentialsProvider::from_settings(&CredentialSettings::default(), &env)?;
//! let credentials = provider.current().await?; // cached; refreshed before expiry
//! # let _ = credentials;
//! # Ok(())
//! # }
//! ```

mod chain;
mod fetch;
mod profile;
mod provider;

pub use chain::{
    env, profile_region, select, AssumeRole, CredentialSettings, Endpoints, OidcRole, Origin,
    Source, DEFAULT_ECS_METADATA_ENDPOINT, DEFAULT_SESSION_NAME, DEFAULT_STS_ENDPOINT,
};
pub use fetch::STS_API_VERSION;
pub use provider::{CredentialError, CredentialsProvider};
