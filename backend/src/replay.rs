//! Where the API remembers the DPoP proofs it accepted, so that none is accepted twice (RFC 9449
//! §11.1): in this process (`memory`, the default), or in Redis, shared by every replica behind a
//! load balancer (`redis://…`), so a proof accepted by one replica is refused by all the others.
//!
//! A proof is recorded only once everything else about it and its token has been checked, and for
//! as long as it could be accepted again: until `max(iat, now) + max age + leeway`. The memory store
//! bounds what each proof key may hold, so one user cannot fill it for the others. The Redis store
//! fails closed: when Redis does not answer within its timeout (down, slow, or refusing writes
//! because it is full), no proof is accepted, and the connection comes back by itself.

use std::collections::hash_map::RandomState;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::BuildHasher;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use sha2::{Digest, Sha256};

/// Why a proof could not be recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ReplayError {
    /// This proof was recorded before: a replay.
    #[error("the DPoP proof was already used")]
    Replay,
    /// The memory store is full, or this proof's key holds its whole share of it.
    #[error("too many recent DPoP proofs")]
    Busy,
    /// The shared store did not answer in time, or refused the write: nothing can be checked now.
    #[error("the DPoP replay check is unavailable")]
    Unavailable,
}

/// What identifies a proof: the proof key's RFC 7638 thumbprint, the URL it names and its `jti`,
/// hashed together. A `jti` is unique per key, not across keys or resources.
pub fn proof_id(thumbprint: &str, htu: &str, jti: &str) -> [u8; 32] {
    let mut hash = Sha256::new();
    for part in [thumbprint, htu, jti] {
        hash.update((part.len() as u64).to_be_bytes());
        hash.update(part.as_bytes());
    }
    hash.finalize().into()
}

/// Where proofs are remembered.
pub enum ReplayStore {
    /// This process only.
    Memory(MemoryStore),
    /// Redis, shared by the replicas.
    Redis(RedisStore),
}

impl ReplayStore {
    /// Records proof `id` of key `thumbprint` at `now` (seconds), remembered until `until` inclusive.
    pub async fn record(&self, id: &[u8; 32], thumbprint: &str, now: u64, until: u64) -> Result<(), ReplayError> {
        match self {
            Self::Memory(store) => store.record(id, thumbprint, now, until),
            Self::Redis(store) => store.record(id, now, until).await,
        }
    }

    /// Whether the store answers now (`/readyz`).
    pub async fn ready(&self) -> bool {
        match self {
            Self::Memory(_) => true,
            Self::Redis(store) => store.ready().await,
        }
    }
}

/// Proofs remembered in this process: at most `capacity` in all, and at most `per_key` for any one
/// proof key. Each proof is 16 bytes of its id plus the maps' overhead, ~60 bytes in all.
pub struct MemoryStore {
    capacity: usize,
    per_key: usize,
    keys: RandomState,
    entries: Mutex<Entries>,
}

#[derive(Default)]
struct Entries {
    /// The proofs remembered.
    seen: HashSet<u128>,
    /// How many of them each key (by a hash of its thumbprint) holds.
    by_key: HashMap<u64, usize>,
    /// When each is forgotten: the last second it could be accepted, and what it was.
    until: BTreeMap<u64, Vec<(u128, u64)>>,
}

impl MemoryStore {
    /// A store for `capacity` proofs, `per_key` of them at most for one key.
    pub fn new(capacity: usize, per_key: usize) -> Self {
        Self { capacity, per_key, keys: RandomState::new(), entries: Mutex::default() }
    }

    fn record(&self, id: &[u8; 32], thumbprint: &str, now: u64, until: u64) -> Result<(), ReplayError> {
        let mut prefix = [0u8; 16];
        prefix.copy_from_slice(&id[..16]);
        let id = u128::from_le_bytes(prefix);
        let key = self.keys.hash_one(thumbprint);
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        let Entries { seen, by_key, until: expiring } = &mut *entries;
        while let Some(entry) = expiring.first_entry().filter(|e| *e.key() < now) {
            for (gone, owner) in entry.remove() {
                seen.remove(&gone);
                if let Some(count) = by_key.get_mut(&owner) {
                    *count -= 1;
                    if *count == 0 {
                        by_key.remove(&owner);
                    }
                }
            }
        }
        if seen.contains(&id) {
            return Err(ReplayError::Replay);
        }
        let held = by_key.get(&key).copied().unwrap_or(0);
        if seen.len() >= self.capacity || held >= self.per_key {
            return Err(ReplayError::Busy);
        }
        seen.insert(id);
        *by_key.entry(key).or_default() += 1;
        expiring.entry(until).or_default().push((id, key));
        Ok(())
    }
}

/// Proofs remembered in Redis: one key per proof, `SET <prefix><id> 1 NX PX <ttl>`, atomic, so two
/// replicas given the same proof at the same moment accept it once.
pub struct RedisStore {
    connection: ConnectionManager,
    prefix: String,
    timeout: Duration,
}

impl RedisStore {
    /// A store on `url` (`redis://host:port/db`), its keys under `prefix`, each command given
    /// `timeout` to answer. It connects on first use and reconnects by itself after an outage.
    pub fn new(url: &str, prefix: &str, timeout: Duration) -> redis::RedisResult<Self> {
        let client = redis::Client::open(url)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(1)))
            .set_min_delay(Duration::from_millis(50))
            .set_max_delay(Duration::from_secs(1))
            .set_number_of_retries(3);
        let connection = ConnectionManager::new_lazy_with_config(client, config)?;
        Ok(Self { connection, prefix: prefix.to_owned(), timeout })
    }

    /// The Redis key of proof `id`.
    pub fn key(&self, id: &[u8; 32]) -> String {
        let hex: String = id.iter().map(|b| format!("{b:02x}")).collect();
        format!("{}{hex}", self.prefix)
    }

    async fn record(&self, id: &[u8; 32], now: u64, until: u64) -> Result<(), ReplayError> {
        // Whole seconds: the key lives past the end of the last second the proof can be accepted in.
        let ttl_ms = until.saturating_sub(now).saturating_add(1).saturating_mul(1000);
        let mut command = redis::cmd("SET");
        command.arg(self.key(id)).arg(1).arg("NX").arg("PX").arg(ttl_ms);
        let mut connection = self.connection.clone();
        match tokio::time::timeout(self.timeout, command.query_async::<Option<String>>(&mut connection)).await {
            Ok(Ok(Some(_))) => Ok(()),
            Ok(Ok(None)) => Err(ReplayError::Replay),
            Ok(Err(error)) => {
                tracing::warn!(kind = ?error.kind(), "the DPoP replay store refused a write: {error}");
                Err(ReplayError::Unavailable)
            }
            Err(_) => {
                tracing::warn!(timeout_ms = self.timeout.as_millis() as u64, "the DPoP replay store did not answer");
                Err(ReplayError::Unavailable)
            }
        }
    }

    async fn ready(&self) -> bool {
        let mut connection = self.connection.clone();
        let ping = redis::cmd("PING");
        matches!(tokio::time::timeout(self.timeout, ping.query_async::<String>(&mut connection)).await, Ok(Ok(_)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u8) -> [u8; 32] {
        proof_id("key", "http://a/", &n.to_string())
    }

    #[test]
    fn a_proof_is_remembered_until_its_last_acceptable_second() {
        let store = MemoryStore::new(100, 100);
        assert_eq!(store.record(&id(1), "k", 100, 165), Ok(()));
        assert_eq!(store.record(&id(1), "k", 165, 170), Err(ReplayError::Replay), "its last second");
        assert_eq!(store.record(&id(1), "k", 166, 170), Ok(()), "forgotten after it: too old to be accepted anyway");
    }

    #[test]
    fn the_store_and_each_key_are_bounded() {
        let store = MemoryStore::new(3, 2);
        assert_eq!(store.record(&id(1), "a", 100, 160), Ok(()));
        assert_eq!(store.record(&id(2), "a", 100, 160), Ok(()));
        assert_eq!(store.record(&id(3), "a", 100, 160), Err(ReplayError::Busy), "key a holds its share");
        assert_eq!(store.record(&id(4), "b", 100, 160), Ok(()), "key b is not blocked by a");
        assert_eq!(store.record(&id(5), "c", 100, 160), Err(ReplayError::Busy), "the store is full");
        assert_eq!(store.record(&id(5), "c", 161, 220), Ok(()), "room again once the others aged out");
    }

    #[test]
    fn a_proof_id_names_its_key_its_url_and_its_jti() {
        let base = proof_id("k", "http://a/", "j");
        assert_ne!(base, proof_id("k2", "http://a/", "j"));
        assert_ne!(base, proof_id("k", "http://b/", "j"));
        assert_ne!(base, proof_id("k", "http://a/", "j2"));
        assert_ne!(proof_id("ab", "c", "d"), proof_id("a", "bc", "d"), "the parts cannot run into each other");
    }
}
