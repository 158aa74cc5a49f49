//! State sync's view of the store: [`Export`] reads one committed version whole, from a
//! RocksDB snapshot, while the node goes on committing; [`Storage::restore`] writes a
//! version received from peers into an empty store, but only if its JMT root is the app
//! hash CometBFT trusted.
//!
//! What an export holds, by [`Section`]:
//! - the verifiable state (every key and value of the JMT at that version; its root is
//!   the app hash, so a restore checks all of it);
//! - the non-verifiable query indexes (not part of consensus: the state machine only
//!   writes them, queries read them);
//! - the application metadata (`meta` keys under `app/`: chain id, genesis hash, last
//!   block time, the vote-extension height, the genesis validator set).
//!
//! The JMT's history, the stale indexes and the store's own version keys are not
//! exported: a restored store starts its history at the restored version.

use std::collections::BTreeMap;

use rocksdb::{IteratorMode, Snapshot};
use weave_kernel::ChangeSet;

use super::{
    encoding::{cf, decode_u64, CF_META, CF_NONVERIFIABLE, CF_STATE, META_LATEST},
    error::StoreError,
    Storage,
};

/// The prefix of application metadata keys in `meta` (see `encoding::app_meta_key`).
const META_APP_PREFIX: &[u8] = b"app/";

/// A part of an exported version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Section {
    /// Verifiable state: the JMT's keys and values.
    Verifiable,
    /// Non-verifiable query indexes.
    NonVerifiable,
    /// Application metadata (keys without the `app/` prefix).
    Meta,
}

impl Section {
    /// Every section, in the order an export visits them.
    pub const ALL: [Section; 3] = [Section::Verifiable, Section::NonVerifiable, Section::Meta];
}

/// A consistent read of the latest committed version at the time it was taken. It pins
/// that version in RocksDB, so commits and pruning after it change nothing it reads.
pub struct Export<'a> {
    storage: &'a Storage,
    snapshot: Snapshot<'a>,
    version: u64,
    root: [u8; 32],
}

impl std::fmt::Debug for Export<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Export")
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

impl Export<'_> {
    /// The version exported.
    pub fn version(&self) -> u64 {
        self.version
    }

    /// The JMT root (app hash) of the version exported.
    pub fn root_hash(&self) -> [u8; 32] {
        self.root
    }

    /// Calls `visit` with every entry of `section`, in key order.
    pub fn for_each<E: From<StoreError>>(
        &self,
        section: Section,
        mut visit: impl FnMut(&[u8], &[u8]) -> Result<(), E>,
    ) -> Result<(), E> {
        let db = &self.storage.db;
        let (family, mode) = match section {
            Section::Verifiable => (CF_STATE, IteratorMode::Start),
            Section::NonVerifiable => (CF_NONVERIFIABLE, IteratorMode::Start),
            Section::Meta => (
                CF_META,
                IteratorMode::From(META_APP_PREFIX, rocksdb::Direction::Forward),
            ),
        };
        for item in self.snapshot.iterator_cf(cf(db, family)?, mode) {
            let (key, value) = item.map_err(StoreError::from)?;
            let key: &[u8] = match section {
                Section::Meta => match key.strip_prefix(META_APP_PREFIX) {
                    Some(rest) => rest,
                    None => break,
                },
                _ => &key,
            };
            visit(key, &value)?;
        }
        Ok(())
    }
}

/// A whole version received from peers, for [`Storage::restore`].
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Restored {
    /// The verifiable state.
    pub verifiable: BTreeMap<Vec<u8>, Vec<u8>>,
    /// The non-verifiable query indexes.
    pub nonverifiable: BTreeMap<Vec<u8>, Vec<u8>>,
    /// Application metadata.
    pub meta: BTreeMap<String, Vec<u8>>,
}

impl Storage {
    /// Pins the latest committed version for export. Fails before the first commit.
    pub fn export(&self) -> Result<Export<'_>, StoreError> {
        let snapshot = self.db.snapshot();
        let version = snapshot
            .get_cf(cf(&self.db, CF_META)?, META_LATEST)?
            .map(|bytes| decode_u64(&bytes, "latest version"))
            .transpose()?
            .ok_or(StoreError::VersionNotFound {
                version: 0,
                latest: None,
            })?;
        // Read at once: only a later commit could prune it.
        let root = self.root_hash(version)?;
        Ok(Export {
            storage: self,
            snapshot,
            version,
            root,
        })
    }

    /// Writes `state` as `version`, the first version of this empty store, if and only if
    /// the JMT root it gives is `expected_root`; otherwise writes nothing and fails with
    /// [`StoreError::RootMismatch`].
    pub fn restore(
        &self,
        version: u64,
        expected_root: &[u8],
        state: Restored,
    ) -> Result<(), StoreError> {
        if let Some(latest) = self.latest_version() {
            return Err(StoreError::NotEmpty { latest });
        }
        let changes = ChangeSet {
            verifiable: state
                .verifiable
                .into_iter()
                .map(|(k, v)| (k, Some(v)))
                .collect(),
            nonverifiable: state
                .nonverifiable
                .into_iter()
                .map(|(k, v)| (k, Some(v)))
                .collect(),
        };
        let mut prepared = self.prepare(version, changes)?;
        if prepared.root_hash().as_slice() != expected_root {
            return Err(StoreError::RootMismatch {
                expected: hex::encode(expected_root),
                got: hex::encode(prepared.root_hash()),
            });
        }
        for (key, value) in state.meta {
            prepared.set_meta(&key, value);
        }
        self.commit(prepared)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::store::StorageConfig;
    use std::sync::Arc;

    fn read_all(export: &Export<'_>, section: Section) -> Vec<(Vec<u8>, Vec<u8>)> {
        let mut out = Vec::new();
        export
            .for_each::<StoreError>(section, |k, v| {
                out.push((k.to_vec(), v.to_vec()));
                Ok(())
            })
            .unwrap();
        out
    }

    fn block(writes: &[(&str, &str)], index: Option<&str>) -> ChangeSet {
        let mut c = ChangeSet::default();
        for (k, v) in writes {
            c.verifiable
                .insert(k.as_bytes().to_vec(), Some(v.as_bytes().to_vec()));
        }
        if let Some(i) = index {
            c.nonverifiable
                .insert(i.as_bytes().to_vec(), Some(b"".to_vec()));
        }
        c
    }

    #[test]
    fn an_export_is_pinned_and_restores_to_the_same_root() {
        let (dir, dir2) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let storage = Storage::open(dir.path(), StorageConfig { keep_recent: 1 }).unwrap();
        assert!(storage.export().is_err(), "nothing committed yet");
        let mut p = storage
            .prepare(5, block(&[("a", "1"), ("b", "2")], Some("idx/a")))
            .unwrap();
        p.set_meta("chain_id", b"c".to_vec());
        storage.commit(p).unwrap();
        let root5 = storage.root_hash(5).unwrap();
        let export = storage.export().unwrap();
        // Later commits (and pruning of version 5) do not change what the export reads.
        let mut next = block(&[("a", "9"), ("c", "3")], Some("idx/c"));
        next.verifiable.insert(b"b".to_vec(), None);
        storage.commit(storage.prepare(6, next).unwrap()).unwrap();
        assert_eq!(storage.earliest_version(), Some(6));
        assert_eq!(export.version(), 5);
        let verifiable = read_all(&export, Section::Verifiable);
        assert_eq!(
            verifiable,
            vec![
                (b"a".to_vec(), b"1".to_vec()),
                (b"b".to_vec(), b"2".to_vec())
            ]
        );
        assert_eq!(
            read_all(&export, Section::NonVerifiable),
            vec![(b"idx/a".to_vec(), Vec::new())]
        );
        assert_eq!(
            read_all(&export, Section::Meta),
            vec![(b"chain_id".to_vec(), b"c".to_vec())]
        );

        let restored = Restored {
            verifiable: verifiable.into_iter().collect(),
            nonverifiable: read_all(&export, Section::NonVerifiable)
                .into_iter()
                .collect(),
            meta: [("chain_id".to_string(), b"c".to_vec())].into(),
        };
        let target = Storage::open(dir2.path(), StorageConfig::default()).unwrap();
        // A wrong root writes nothing.
        let err = target.restore(5, &[0; 32], restored.clone()).unwrap_err();
        assert!(matches!(err, StoreError::RootMismatch { .. }), "{err}");
        assert_eq!(target.latest_version(), None);
        target.restore(5, &root5, restored.clone()).unwrap();
        assert_eq!(target.latest_version(), Some(5));
        assert_eq!(target.root_hash(5).unwrap(), root5);
        assert_eq!(target.meta_get("chain_id").unwrap(), Some(b"c".to_vec()));
        assert_eq!(
            weave_kernel::StateRead::nv_get(&*Arc::new(target).state(), b"idx/a").unwrap(),
            Some(Vec::new())
        );
        // A store that holds a version refuses a restore.
        assert!(matches!(
            storage.restore(5, &root5, restored),
            Err(StoreError::NotEmpty { latest: 6 })
        ));
    }
}
