//! The mutable state behind the API: the [`Store`], id generation, time keeping, jobs and
//! persistence to the optional state file.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::Context as _;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::error::ApiError;
use super::model::{Job, Millis, Store};

/// Current wall-clock time in milliseconds.
pub fn now_ms() -> Millis {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as Millis)
        .unwrap_or_default()
}

/// ISO-8601 UTC rendering of a time (`2022-07-02T02:49:05Z`).
pub fn iso(ms: Millis) -> String {
    let secs = (ms / 1000) as i64;
    time::OffsetDateTime::from_unix_timestamp(secs)
        .ok()
        .and_then(|t| {
            t.format(time::macros::format_description!(
                "[year]-[month]-[day]T[hour]:[minute]:[second]Z"
            ))
            .ok()
        })
        .unwrap_or_default()
}

/// The clock that drives transitional states and jobs: the wall clock, or a frozen one that
/// moves only when advanced (deterministic tests). Either can be fast-forwarded. Signature
/// timestamps are always checked against the wall clock.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    frozen_at: Option<Millis>,
    offset: Millis,
}

impl Clock {
    /// The wall clock, or a clock frozen at the current time.
    pub fn new(frozen: bool) -> Self {
        Self {
            frozen_at: frozen.then(now_ms),
            offset: 0,
        }
    }

    /// Current time of this clock.
    pub fn now(&self) -> Millis {
        self.frozen_at.unwrap_or_else(now_ms) + self.offset
    }

    /// Moves the clock forward.
    pub fn advance(&mut self, ms: Millis) {
        self.offset = self.offset.saturating_add(ms);
    }

    /// True when the clock only moves when advanced.
    pub fn is_frozen(&self) -> bool {
        self.frozen_at.is_some()
    }
}

const ID_ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";

/// The store plus everything needed to change it.
#[derive(Debug)]
pub struct State {
    /// The objects.
    pub store: Store,
    /// Region served (DNS names, RegionId).
    pub region: String,
    /// How long transitional states and jobs last.
    pub async_delay_ms: u64,
    rng: StdRng,
    path: Option<PathBuf>,
}

impl State {
    /// Creates the state, loading `path` when it exists.
    pub fn open(
        path: Option<&Path>,
        region: &str,
        async_delay_ms: u64,
        seed: Option<u64>,
    ) -> anyhow::Result<Self> {
        let store = match path {
            Some(p) if p.exists() => {
                let text = std::fs::read_to_string(p)
                    .with_context(|| format!("reading state file {}", p.display()))?;
                serde_json::from_str(&text)
                    .with_context(|| format!("parsing state file {}", p.display()))?
            }
            _ => Store::default(),
        };
        let store = Self::indexed(store);
        let rng = match seed {
            Some(seed) => StdRng::seed_from_u64(seed.wrapping_add(0x5eed)),
            None => StdRng::from_os_rng(),
        };
        Ok(Self {
            store,
            region: region.to_string(),
            async_delay_ms,
            rng,
            path: path.map(Path::to_path_buf),
        })
    }

    /// A loaded store with its index built. Orphans cannot normally exist (children are
    /// removed with their parents), but a hand-edited state file could contain them.
    fn indexed(mut store: Store) -> Store {
        let lbs = &store.load_balancers;
        store
            .listeners
            .retain(|_, l| lbs.contains_key(&l.load_balancer_id));
        let listeners = &store.listeners;
        store
            .rules
            .retain(|_, r| listeners.contains_key(&r.listener_id));
        store.reindex();
        store
    }

    /// Forgets every object (the state file is rewritten on the next mutation).
    pub fn reset(&mut self) -> Result<(), ApiError> {
        self.store = Store::default();
        self.persist()
    }

    /// Next creation sequence number.
    pub fn next_seq(&mut self) -> u64 {
        self.store.next_seq += 1;
        self.store.next_seq
    }

    /// A fresh id `<prefix>-<18 lowercase alphanumerics>` not used by any object.
    pub fn new_id(&mut self, prefix: &str) -> String {
        loop {
            let suffix: String = (0..18)
                .map(|_| ID_ALPHABET[self.rng.random_range(0..ID_ALPHABET.len())] as char)
                .collect();
            let id = format!("{prefix}-{suffix}");
            let s = &self.store;
            if !s.load_balancers.contains_key(&id)
                && !s.listeners.contains_key(&id)
                && !s.rules.contains_key(&id)
                && !s.server_groups.contains_key(&id)
                && !s.acls.contains_key(&id)
            {
                return id;
            }
        }
    }

    /// A fresh UUID-like id (lowercase 8-4-4-4-12 hex).
    pub fn new_uuid(&mut self) -> String {
        let bytes: [u8; 16] = self.rng.random();
        let hex = hex::encode(bytes);
        format!(
            "{}-{}-{}-{}-{}",
            &hex[0..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..32]
        )
    }

    /// A random byte, for made-up addresses.
    pub fn random_octet(&mut self) -> u8 {
        self.rng.random_range(1..=254)
    }

    /// Records a job that runs from `now` for the async delay and returns its id.
    pub fn record_job(
        &mut self,
        now: Millis,
        api_name: &str,
        resource_type: &str,
        resource_id: &str,
        operate_type: &str,
    ) -> String {
        let id = loop {
            let id = self.new_uuid();
            if !self.store.jobs.contains_key(&id) {
                break id;
            }
        };
        let seq = self.next_seq();
        self.store.jobs.insert(
            id.clone(),
            Job {
                id: id.clone(),
                api_name: api_name.to_string(),
                resource_type: resource_type.to_string(),
                resource_id: resource_id.to_string(),
                operate_type: operate_type.to_string(),
                create_ms: now,
                finish_ms: now + self.async_delay_ms,
                seq,
            },
        );
        id
    }

    /// Drops everything whose removal (Deleting, Removing, Dissociating) has completed.
    pub fn settle(&mut self, now: Millis) {
        self.store.settle(now);
    }

    /// Writes the store to the state file, when one is configured (atomic rename).
    pub fn persist(&self) -> Result<(), ApiError> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        let write = || -> anyhow::Result<()> {
            let text = serde_json::to_string_pretty(&self.store)?;
            let tmp = path.with_extension("tmp");
            std::fs::write(&tmp, text)?;
            std::fs::rename(&tmp, path)?;
            Ok(())
        };
        write().map_err(|e| {
            tracing::error!(error = %e, path = %path.display(), "cannot write state file");
            ApiError::new(
                500,
                "InternalError",
                "The mock could not write its state file.",
            )
        })
    }
}
