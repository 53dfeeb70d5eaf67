//! [`CredentialsProvider`]: the credentials of one [`Source`], cached, and fetched again before
//! temporary ones expire, so that a long apply keeps signing with valid keys.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio::sync::Mutex;

use super::chain::{select, CredentialSettings, Endpoints, Origin, Source};
use super::fetch::{self, Fetched, STS_API_VERSION};
use crate::client::{Client, ClientConfig, Credentials};

/// The longest time before expiry at which temporary credentials are renewed.
const MAX_REFRESH_MARGIN: Duration = Duration::from_secs(180);
/// Connect timeout of calls to credential sources.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Timeout of one call to a credential source.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

/// Why no credentials could be had. Messages name the source and never contain a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CredentialError {
    /// No source is configured.
    #[error(
        "no Alibaba Cloud credentials: set `access_key` and `secret_key` (or \
         ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET), `profile`, \
         `assume_role_with_oidc` (or ALIBABA_CLOUD_ROLE_ARN, ALIBABA_CLOUD_OIDC_PROVIDER_ARN and \
         ALIBABA_CLOUD_OIDC_TOKEN_FILE), `ecs_role_name` or `credentials_uri`"
    )]
    Missing,
    /// A source is configured wrongly (a missing profile, half a key pair, ...).
    #[error("{origin}: {message}")]
    Config {
        /// The provider attribute of the source.
        attribute: &'static str,
        /// The source, for people.
        origin: String,
        /// What is wrong.
        message: String,
    },
    /// The source did not give credentials.
    #[error("cannot get credentials from {origin}: {message}")]
    Fetch {
        /// The provider attribute of the source.
        attribute: &'static str,
        /// The source, for people.
        origin: String,
        /// What failed.
        message: String,
    },
}

impl CredentialError {
    pub(super) fn config(origin: &Origin, message: &str) -> Self {
        CredentialError::Config {
            attribute: origin.attribute,
            origin: origin.description.clone(),
            message: message.to_string(),
        }
    }

    fn fetch(origin: &Origin, message: String) -> Self {
        CredentialError::Fetch {
            attribute: origin.attribute,
            origin: origin.description.clone(),
            message,
        }
    }

    /// The provider attribute a diagnostic about this error points at.
    pub fn attribute(&self) -> &'static str {
        match self {
            CredentialError::Missing => "access_key",
            CredentialError::Config { attribute, .. }
            | CredentialError::Fetch { attribute, .. } => attribute,
        }
    }
}

/// How a source's credentials are obtained.
enum Fetcher {
    Keys(Credentials),
    AssumeRole {
        sts: Client,
        role: super::chain::AssumeRole,
    },
    Oidc {
        http: reqwest::Client,
        sts_endpoint: String,
        role: super::chain::OidcRole,
    },
    EcsRamRole {
        http: reqwest::Client,
        endpoint: String,
        role_name: String,
    },
    Uri {
        http: reqwest::Client,
        uri: String,
    },
}

#[derive(Debug, Clone)]
struct Cached {
    credentials: Credentials,
    expiration: Option<SystemTime>,
    refresh_at: Option<SystemTime>,
}

struct Inner {
    source: Source,
    endpoints: Endpoints,
    fetcher: Fetcher,
    cache: Mutex<Option<Cached>>,
}

/// The credentials of one source: [`CredentialsProvider::current`] returns them, fetching
/// temporary ones again shortly before they expire. Cheap to clone (clones share the cache).
#[derive(Clone)]
pub struct CredentialsProvider {
    inner: Arc<Inner>,
}

impl fmt::Debug for CredentialsProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CredentialsProvider")
            .field("source", &self.inner.source.origin().description)
            .finish_non_exhaustive()
    }
}

impl PartialEq for CredentialsProvider {
    fn eq(&self, other: &Self) -> bool {
        self.inner.source == other.inner.source && self.inner.endpoints == other.inner.endpoints
    }
}

impl From<Credentials> for CredentialsProvider {
    fn from(credentials: Credentials) -> Self {
        let source = Source::Keys {
            credentials: credentials.clone(),
            origin: Origin::new("access_key", "the given access key"),
        };
        CredentialsProvider::with_fetcher(
            source,
            Endpoints::resolve(&CredentialSettings::default(), &|_| None),
            Fetcher::Keys(credentials),
        )
    }
}

impl CredentialsProvider {
    /// The provider of the chain's source for `settings` and `env` (see [`select`] and
    /// [`Endpoints::resolve`]): how the provider and its companions read credentials.
    pub fn from_settings(
        settings: &CredentialSettings,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Self, CredentialError> {
        let source = select(settings, env)?;
        CredentialsProvider::new(source, Endpoints::resolve(settings, env))
    }

    /// The provider of `source`, calling STS and the metadata service at `endpoints`.
    pub fn new(source: Source, endpoints: Endpoints) -> Result<Self, CredentialError> {
        let origin = source.origin().clone();
        let http = || {
            reqwest::Client::builder()
                .connect_timeout(CONNECT_TIMEOUT)
                .timeout(REQUEST_TIMEOUT)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .map_err(|e| {
                    CredentialError::config(&origin, &format!("cannot build an HTTP client: {e}"))
                })
        };
        let fetcher = match &source {
            Source::Keys { credentials, .. } => Fetcher::Keys(credentials.clone()),
            Source::AssumeRole { base, role, .. } => {
                let base = CredentialsProvider::new((**base).clone(), endpoints.clone())?;
                let config = ClientConfig::new("sts", base)
                    .with_endpoint(&endpoints.sts)
                    .with_api_version(STS_API_VERSION)
                    .with_request_timeout(REQUEST_TIMEOUT)
                    .with_connect_timeout(CONNECT_TIMEOUT);
                let sts = Client::new(config)
                    .map_err(|e| CredentialError::config(&origin, &e.to_string()))?;
                Fetcher::AssumeRole {
                    sts,
                    role: role.clone(),
                }
            }
            Source::Oidc { role, .. } => Fetcher::Oidc {
                http: http()?,
                sts_endpoint: endpoints.sts.clone(),
                role: role.clone(),
            },
            Source::EcsRamRole { role_name, .. } => Fetcher::EcsRamRole {
                http: http()?,
                endpoint: endpoints.ecs_metadata.clone(),
                role_name: role_name.clone(),
            },
            Source::Uri { uri, .. } => Fetcher::Uri {
                http: http()?,
                uri: uri.clone(),
            },
        };
        Ok(CredentialsProvider::with_fetcher(
            source, endpoints, fetcher,
        ))
    }

    fn with_fetcher(source: Source, endpoints: Endpoints, fetcher: Fetcher) -> Self {
        CredentialsProvider {
            inner: Arc::new(Inner {
                source,
                endpoints,
                fetcher,
                cache: Mutex::new(None),
            }),
        }
    }

    /// The source these credentials come from.
    pub fn source(&self) -> &Source {
        &self.inner.source
    }

    /// The keys, when the source is fixed keys (nothing to fetch).
    pub fn fixed_keys(&self) -> Option<&Credentials> {
        match &self.inner.fetcher {
            Fetcher::Keys(credentials) => Some(credentials),
            _ => None,
        }
    }

    /// Credentials valid now: the cached ones, or fresh ones when none are cached yet or the
    /// cached ones are close to their expiry. When fetching fails but the cached credentials
    /// have not expired yet, those are returned.
    pub async fn current(&self) -> Result<Credentials, CredentialError> {
        if let Some(keys) = self.fixed_keys() {
            return Ok(keys.clone());
        }
        let mut cache = self.inner.cache.lock().await;
        let now = SystemTime::now();
        if let Some(cached) = cache.as_ref() {
            if cached.refresh_at.is_none_or(|at| now < at) {
                return Ok(cached.credentials.clone());
            }
        }
        let origin = self.inner.source.origin();
        match self.fetch().await {
            Ok(fetched) => {
                let refresh_at = fetched.expiration.map(|at| refresh_time(now, at));
                tracing::debug!(
                    source = %origin.description,
                    expires_in_s = fetched
                        .expiration
                        .and_then(|at| at.duration_since(now).ok())
                        .map(|d| d.as_secs()),
                    "obtained credentials"
                );
                let credentials = fetched.credentials.clone();
                *cache = Some(Cached {
                    credentials: fetched.credentials,
                    expiration: fetched.expiration,
                    refresh_at,
                });
                Ok(credentials)
            }
            Err(message) => {
                let still_valid = cache
                    .as_ref()
                    .filter(|c| c.expiration.is_none_or(|at| now < at));
                if let Some(cached) = still_valid {
                    tracing::warn!(source = %origin.description, error = %message,
                        "cannot renew credentials; using the current ones until they expire");
                    return Ok(cached.credentials.clone());
                }
                Err(CredentialError::fetch(origin, message))
            }
        }
    }

    async fn fetch(&self) -> Result<Fetched, String> {
        match &self.inner.fetcher {
            Fetcher::Keys(credentials) => Ok(Fetched {
                credentials: credentials.clone(),
                expiration: None,
            }),
            Fetcher::AssumeRole { sts, role } => fetch::assume_role(sts, role).await,
            Fetcher::Oidc {
                http,
                sts_endpoint,
                role,
            } => fetch::assume_role_with_oidc(http, sts_endpoint, role).await,
            Fetcher::EcsRamRole {
                http,
                endpoint,
                role_name,
            } => fetch::ecs_ram_role(http, endpoint, role_name).await,
            Fetcher::Uri { http, uri } => fetch::from_uri(http, uri).await,
        }
    }
}

/// When credentials fetched at `now` and expiring at `expiration` are renewed: a quarter of
/// their lifetime before expiry, at most [`MAX_REFRESH_MARGIN`] before.
fn refresh_time(now: SystemTime, expiration: SystemTime) -> SystemTime {
    let lifetime = expiration.duration_since(now).unwrap_or_default();
    expiration - (lifetime / 4).min(MAX_REFRESH_MARGIN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renewal_comes_before_expiry() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let hour = now + Duration::from_secs(3600);
        assert_eq!(refresh_time(now, hour), hour - MAX_REFRESH_MARGIN);
        let short = now + Duration::from_secs(8);
        assert_eq!(refresh_time(now, short), now + Duration::from_secs(6));
        assert_eq!(refresh_time(now, now), now);
    }

    #[tokio::test]
    async fn fixed_keys_need_no_fetching() {
        let provider = CredentialsProvider::from(Credentials::new("id", "secret"));
        assert_eq!(
            provider.current().await.map(|c| c.access_key_id),
            Ok("id".into())
        );
        assert!(provider.fixed_keys().is_some());
    }

    /// A credentials URI answering keys that live 2 seconds: the second call within their
    /// renewal margin fetches new ones; a failing URI with valid cached keys keeps them.
    #[tokio::test]
    async fn temporary_credentials_are_renewed_before_they_expire() {
        use std::sync::atomic::{AtomicU32, Ordering};
        let issued = Arc::new(AtomicU32::new(0));
        let counter = Arc::clone(&issued);
        let app = axum::Router::new().route(
            "/creds",
            axum::routing::get(move || {
                let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
                let expiration = time::OffsetDateTime::now_utc() + Duration::from_secs(2);
                let expiration = crate::signing::format_timestamp(expiration);
                async move {
                    axum::Json(serde_json::json!({
                        "Code": "Success", "AccessKeyId": format!("STS.{n}"),
                        "AccessKeySecret": "s", "SecurityToken": "t", "Expiration": expiration
                    }))
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move { axum::serve(listener, app).await });
        let settings = CredentialSettings {
            credentials_uri: Some(format!("http://{addr}/creds")),
            ..Default::default()
        };
        let provider = CredentialsProvider::from_settings(&settings, &|_| None).expect("provider");
        let first = provider.current().await.expect("first");
        let again = provider.current().await.expect("cached");
        assert_eq!(first.access_key_id, again.access_key_id);
        assert_eq!(issued.load(Ordering::SeqCst), 1);
        tokio::time::sleep(Duration::from_millis(2100)).await;
        let renewed = provider.current().await.expect("renewed");
        assert_ne!(renewed.access_key_id, first.access_key_id);
        assert_eq!(issued.load(Ordering::SeqCst), 2);
    }
}
