//! [`LatestState`]: the latest committed state, as the state machine reads it.

use std::sync::Arc;

use rocksdb::{Direction, IteratorMode, ReadOptions, DB};
use weave_kernel::{Entries, StateError, StateRead};

use super::{
    encoding::{cf, CF_NONVERIFIABLE, CF_STATE},
    error::StoreError,
};

/// What holds the RocksDB handle of the committed state (the store itself).
pub(super) trait FlatDb: Send + Sync {
    /// The database whose flat column families are read.
    fn db(&self) -> &DB;
}

/// What reads a verifiable key at a committed version (the store itself, from its tree).
pub(super) trait VersionedGet: Send + Sync {
    /// The value of `key` at `version`.
    fn get_at(&self, key: &[u8], version: u64) -> Result<Option<Vec<u8>>, StoreError>;
}

/// Reads the flat `state` and `nonverifiable` column families. It always sees the latest
/// committed version: each read is consistent on its own, but a view held across a commit
/// sees the new state from then on.
pub(super) struct LatestState<S> {
    storage: Arc<S>,
}

impl<S> LatestState<S> {
    pub(super) fn new(storage: Arc<S>) -> Self {
        Self { storage }
    }
}

/// The value of `key` in the flat column family `name`.
pub(super) fn flat_get(
    db: &DB,
    name: &'static str,
    key: &[u8],
) -> Result<Option<Vec<u8>>, StoreError> {
    Ok(db.get_cf(cf(db, name)?, key)?)
}

/// Up to `limit` entries of the flat column family `name` with `start <= key < end`, in key
/// order. One RocksDB iterator serves the whole scan, so it reads one consistent snapshot.
pub(super) fn flat_range(
    db: &DB,
    name: &'static str,
    start: &[u8],
    end: Option<&[u8]>,
    limit: usize,
) -> Result<Entries, StoreError> {
    if limit == 0 || end.is_some_and(|end| end <= start) {
        return Ok(Vec::new());
    }
    let mut opts = ReadOptions::default();
    if let Some(end) = end {
        opts.set_iterate_upper_bound(end.to_vec());
    }
    let iter = db.iterator_cf_opt(
        cf(db, name)?,
        opts,
        IteratorMode::From(start, Direction::Forward),
    );
    let mut out = Vec::new();
    for item in iter {
        let (key, value) = item?;
        out.push((key.into_vec(), value.into_vec()));
        if out.len() >= limit {
            break;
        }
    }
    Ok(out)
}

impl<S: FlatDb> StateRead for LatestState<S> {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StateError> {
        Ok(flat_get(self.storage.db(), CF_STATE, key)?)
    }

    fn range(&self, start: &[u8], end: Option<&[u8]>, limit: usize) -> Result<Entries, StateError> {
        Ok(flat_range(self.storage.db(), CF_STATE, start, end, limit)?)
    }

    fn nv_get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StateError> {
        Ok(flat_get(self.storage.db(), CF_NONVERIFIABLE, key)?)
    }

    fn nv_range(
        &self,
        start: &[u8],
        end: Option<&[u8]>,
        limit: usize,
    ) -> Result<Entries, StateError> {
        Ok(flat_range(
            self.storage.db(),
            CF_NONVERIFIABLE,
            start,
            end,
            limit,
        )?)
    }
}

/// A committed version other than the latest, read key by key from the Merkle tree. It
/// answers single-key reads only: the tree is ordered by key hash, so it has no range
/// scans, and the non-verifiable indexes keep only the latest state.
pub(super) struct PastState {
    storage: Arc<dyn VersionedGet>,
    version: u64,
}

impl PastState {
    pub(super) fn new(storage: Arc<dyn VersionedGet>, version: u64) -> Self {
        Self { storage, version }
    }

    fn no_scan(&self) -> StateError {
        StateError(format!(
            "height {} is read key by key only: range scans and indexes serve the latest height",
            self.version
        ))
    }
}

impl StateRead for PastState {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StateError> {
        Ok(self.storage.get_at(key, self.version)?)
    }

    fn range(&self, _: &[u8], _: Option<&[u8]>, _: usize) -> Result<Entries, StateError> {
        Err(self.no_scan())
    }

    fn nv_get(&self, _: &[u8]) -> Result<Option<Vec<u8>>, StateError> {
        Err(self.no_scan())
    }

    fn nv_range(&self, _: &[u8], _: Option<&[u8]>, _: usize) -> Result<Entries, StateError> {
        Err(self.no_scan())
    }
}
