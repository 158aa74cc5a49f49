//! The committed state of the chain: RocksDB plus a Jellyfish Merkle Tree (JMT) whose root
//! is the app hash.
//!
//! Each block's [`ChangeSet`] becomes one *version* of the tree. [`Storage::prepare`]
//! computes the new root without writing anything; [`Storage::commit`] then writes the whole
//! block in one atomic RocksDB write batch: the JMT nodes and values, the key preimages
//! (for ICS23 proofs), the flat latest state the state machine reads, the non-verifiable
//! indexes, application metadata and the new latest version. The same batch prunes the
//! versions that fell out of the [`StorageConfig::keep_recent`] window.
//!
//! Column families (integers in keys are u64 big-endian):
//!
//! | family          | key                                   | value                          |
//! |-----------------|---------------------------------------|--------------------------------|
//! | `jmt_nodes`     | version ‖ borsh(nibble path)          | borsh(`jmt::storage::Node`)    |
//! | `jmt_values`    | sha256(key) ‖ version                 | `0x00` deleted / `0x01` ‖ value |
//! | `preimages`     | sha256(key)                           | key                            |
//! | `state`         | key                                   | value (latest, verifiable)     |
//! | `nonverifiable` | key                                   | value (latest, query indexes)  |
//! | `meta`          | `store/…` or `app/<name>`             | bytes                          |
//! | `stale_nodes`   | stale-since version ‖ `jmt_nodes` key | empty                          |
//! | `stale_values`  | stale-since version ‖ `jmt_values` key| empty                          |
//!
//! Every committed version has a root node, even when its change set is empty: jmt then
//! copies the previous root under the new version. Versions are consecutive from the first
//! one committed (which may be any number).
//!
//! Pruning: an entry in a stale index says that its node or value is not needed by any
//! version at or above its stale-since version. When the oldest kept version moves up to
//! `E`, every indexed entry with stale-since `<= E` is deleted. The latest version never
//! depends on a stale entry, so pruning cannot change it.

mod encoding;
mod error;
mod export;
mod tree;
mod view;

pub use error::StoreError;
pub use export::{Export, Restored, Section};

use std::{
    collections::{BTreeMap, BTreeSet},
    path::Path,
    sync::{Arc, Mutex, RwLock},
};

use jmt::{storage::TreeUpdateBatch, KeyHash, Sha256Jmt};
use rocksdb::{
    ColumnFamilyDescriptor, DBCompressionType, Direction, IteratorMode, Options, ReadOptions,
    WriteBatch, WriteOptions, DB,
};
use sha2::Sha256;
use weave_kernel::{ChangeSet, StateRead};

use self::{
    encoding::{
        app_meta_key, cf, decode_u64, encode_value, node_key, root_node_key, stale_key, value_key,
        ALL_CFS, CF_JMT_NODES, CF_JMT_VALUES, CF_META, CF_NONVERIFIABLE, CF_PREIMAGES,
        CF_STALE_NODES, CF_STALE_VALUES, CF_STATE, META_EARLIEST, META_LATEST,
    },
    tree::{newest_value_entry, TreeStore},
    view::{FlatDb, LatestState, PastState, VersionedGet},
};

/// What one RocksDB column family of the store occupies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FamilySize {
    /// The column family (`jmt_nodes`, `state`, ...).
    pub family: &'static str,
    /// Bytes of its live SST files on disk.
    pub sst_bytes: u64,
    /// Bytes in its memtables, not yet flushed.
    pub memtable_bytes: u64,
    /// RocksDB's estimate of its keys.
    pub estimated_keys: u64,
}

/// How many versions [`StorageConfig::default`] keeps.
pub const DEFAULT_KEEP_RECENT: u64 = 100;

/// At most this many versions are pruned by one commit, so that shrinking `keep_recent` on
/// a node with a long history spreads the deletions over many blocks.
const MAX_PRUNED_VERSIONS_PER_COMMIT: u64 = 1_000;

/// How the store keeps history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StorageConfig {
    /// How many versions (the latest included) stay readable for historical queries and
    /// proofs; `0` keeps every version.
    pub keep_recent: u64,
}

impl Default for StorageConfig {
    fn default() -> Self {
        Self {
            keep_recent: DEFAULT_KEEP_RECENT,
        }
    }
}

/// The committed versions: both set, or both unset before the first commit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Versions {
    latest: Option<u64>,
    earliest: Option<u64>,
}

/// The chain's committed state. It is `Send + Sync` and meant to be shared as
/// `Arc<Storage>`: reads may run concurrently with a commit, commits are serialised.
pub struct Storage {
    db: DB,
    config: StorageConfig,
    versions: RwLock<Versions>,
    commit_lock: Mutex<()>,
}

impl FlatDb for Storage {
    fn db(&self) -> &DB {
        &self.db
    }
}

impl VersionedGet for Storage {
    fn get_at(&self, key: &[u8], version: u64) -> Result<Option<Vec<u8>>, StoreError> {
        Storage::get_at(self, key, version)
    }
}

impl std::fmt::Debug for Storage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Storage")
            .field("path", &self.db.path())
            .field("config", &self.config)
            .field("versions", &self.versions())
            .finish_non_exhaustive()
    }
}

/// A block's writes with the JMT root they produce, ready for [`Storage::commit`].
pub struct PreparedCommit {
    version: u64,
    root: [u8; 32],
    /// The latest committed version this was computed on.
    parent: Option<u64>,
    tree: TreeUpdateBatch,
    /// JMT value entries (key hash, value version) that become stale at `version`.
    stale_values: Vec<(KeyHash, u64)>,
    changes: ChangeSet,
    meta: BTreeMap<String, Vec<u8>>,
}

impl std::fmt::Debug for PreparedCommit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PreparedCommit")
            .field("version", &self.version)
            .field("root", &hex::encode(self.root))
            .field("parent", &self.parent)
            .field("verifiable_writes", &self.changes.verifiable.len())
            .field("nonverifiable_writes", &self.changes.nonverifiable.len())
            .field("meta", &self.meta.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl PreparedCommit {
    /// The version this commit creates.
    pub fn version(&self) -> u64 {
        self.version
    }

    /// The JMT root (app hash) of the version this commit creates.
    pub fn root_hash(&self) -> [u8; 32] {
        self.root
    }

    /// Stores application metadata `key` = `value` in the same write batch as the block.
    pub fn set_meta(&mut self, key: &str, value: Vec<u8>) {
        self.meta.insert(key.to_owned(), value);
    }
}

impl Storage {
    /// Opens (or creates) the store at `path`.
    pub fn open(path: &Path, config: StorageConfig) -> Result<Self, StoreError> {
        let mut opts = Options::default();
        opts.create_if_missing(true);
        opts.create_missing_column_families(true);
        opts.set_compression_type(DBCompressionType::Lz4);
        let families = ALL_CFS.iter().map(|name| {
            let mut cf_opts = Options::default();
            cf_opts.set_compression_type(DBCompressionType::Lz4);
            ColumnFamilyDescriptor::new(*name, cf_opts)
        });
        let db = DB::open_cf_descriptors(&opts, path, families)?;

        let read_meta = |key: &[u8], what: &str| -> Result<Option<u64>, StoreError> {
            db.get_cf(cf(&db, CF_META)?, key)?
                .map(|bytes| decode_u64(&bytes, what))
                .transpose()
        };
        let latest = read_meta(META_LATEST, "latest version")?;
        let earliest = read_meta(META_EARLIEST, "earliest version")?;
        match (latest, earliest) {
            (None, None) => {}
            (Some(l), Some(e)) if e <= l => {}
            _ => {
                return Err(StoreError::Corrupt(format!(
                    "inconsistent versions: latest {latest:?}, earliest {earliest:?}"
                )))
            }
        }
        let storage = Self {
            db,
            config,
            versions: RwLock::new(Versions { latest, earliest }),
            commit_lock: Mutex::new(()),
        };
        if let Some(latest) = latest {
            // The app hash of the last block must be there, or nothing else can be trusted.
            storage.root_hash(latest)?;
        }
        Ok(storage)
    }

    /// The configuration the store was opened with.
    pub fn config(&self) -> StorageConfig {
        self.config
    }

    fn versions(&self) -> Versions {
        // `Versions` is replaced whole, so a poisoned lock still holds a consistent value.
        *self
            .versions
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The last committed version; `None` when nothing was ever committed.
    pub fn latest_version(&self) -> Option<u64> {
        self.versions().latest
    }

    /// The oldest version that historical reads and proofs can still use; `None` when
    /// nothing was ever committed.
    pub fn earliest_version(&self) -> Option<u64> {
        self.versions().earliest
    }

    /// Fails unless `version` is committed and not pruned.
    fn check_readable(&self, version: u64) -> Result<(), StoreError> {
        let v = self.versions();
        match (v.latest, v.earliest) {
            (Some(latest), Some(earliest)) if version <= latest => {
                if version < earliest {
                    Err(StoreError::VersionPruned { version, earliest })
                } else {
                    Ok(())
                }
            }
            (latest, _) => Err(StoreError::VersionNotFound { version, latest }),
        }
    }

    /// A tree failure on `version`, reported as [`StoreError::VersionPruned`] if a commit
    /// pruned the version while it was being read.
    fn tree_error(&self, version: u64, err: anyhow::Error) -> StoreError {
        match self.check_readable(version) {
            Ok(()) => StoreError::Tree(err),
            Err(readable) => readable,
        }
    }

    /// The JMT root (app hash) of a committed version.
    pub fn root_hash(&self, version: u64) -> Result<[u8; 32], StoreError> {
        self.check_readable(version)?;
        let reader = TreeStore::new(&self.db);
        match Sha256Jmt::new(&reader).get_root_hash_option(version) {
            Ok(Some(root)) => Ok(root.0),
            Ok(None) => Err(self.check_readable(version).err().unwrap_or_else(|| {
                StoreError::Corrupt(format!("no root node for version {version}"))
            })),
            Err(err) => Err(self.tree_error(version, err)),
        }
    }

    /// A view of the latest committed state (the flat column families), for execution.
    pub fn state(self: &Arc<Self>) -> Arc<dyn StateRead> {
        Arc::new(LatestState::new(Arc::clone(self)))
    }

    /// A view of a committed version that is still kept, read key by key from the JMT
    /// (for queries at a past height; range scans are refused).
    pub fn state_at(self: &Arc<Self>, version: u64) -> Result<Arc<dyn StateRead>, StoreError> {
        self.check_readable(version)?;
        let storage: Arc<dyn VersionedGet> = Arc::clone(self) as Arc<dyn VersionedGet>;
        Ok(Arc::new(PastState::new(storage, version)))
    }

    /// The size of each column family (the JMT's nodes and values, the flat state, the
    /// indexes, ...), from RocksDB's own properties: for operators' metrics.
    pub fn sizes(&self) -> Result<Vec<FamilySize>, StoreError> {
        let prop = |handle, name: &str| -> Result<u64, StoreError> {
            Ok(self.db.property_int_value_cf(handle, name)?.unwrap_or(0))
        };
        ALL_CFS
            .iter()
            .map(|family| {
                let handle = cf(&self.db, family)?;
                Ok(FamilySize {
                    family,
                    sst_bytes: prop(handle, "rocksdb.total-sst-files-size")?,
                    memtable_bytes: prop(handle, "rocksdb.cur-size-all-mem-tables")?,
                    estimated_keys: prop(handle, "rocksdb.estimate-num-keys")?,
                })
            })
            .collect()
    }

    /// The value of a verifiable key at a committed version, read from the JMT.
    pub fn get_at(&self, key: &[u8], version: u64) -> Result<Option<Vec<u8>>, StoreError> {
        self.check_readable(version)?;
        let reader = TreeStore::new(&self.db);
        Sha256Jmt::new(&reader)
            .get(KeyHash::with::<Sha256>(key), version)
            .map_err(|err| self.tree_error(version, err))
    }

    /// The value of a verifiable key at a committed version, with an ICS23 proof of its
    /// existence or non-existence against [`Storage::root_hash`] of that version (spec:
    /// `jmt::ics23_spec()`). A non-existence proof needs at least one key in the tree.
    pub fn get_with_proof(
        &self,
        key: &[u8],
        version: u64,
    ) -> Result<(Option<Vec<u8>>, ics23::CommitmentProof), StoreError> {
        if key.is_empty() {
            return Err(StoreError::EmptyKey);
        }
        self.check_readable(version)?;
        let reader = TreeStore::new(&self.db);
        Sha256Jmt::new(&reader)
            .get_with_ics23_proof(key.to_vec(), version)
            .map_err(|err| self.tree_error(version, err))
    }

    /// Small application metadata written with [`PreparedCommit::set_meta`].
    pub fn meta_get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.db.get_cf(cf(&self.db, CF_META)?, app_meta_key(key))?)
    }

    /// Computes the JMT root of `version` after applying `changes`, without writing
    /// anything. `version` must be the latest committed version plus one; before the first
    /// commit any version may start the chain.
    pub fn prepare(&self, version: u64, changes: ChangeSet) -> Result<PreparedCommit, StoreError> {
        let parent = self.versions().latest;
        let reader = match parent {
            Some(latest) => {
                let expected = latest
                    .checked_add(1)
                    .ok_or(StoreError::VersionsExhausted { latest })?;
                if version != expected {
                    return Err(StoreError::UnexpectedVersion { version, expected });
                }
                TreeStore::new(&self.db)
            }
            None => TreeStore::for_first_version(&self.db, version),
        };
        if changes.verifiable.keys().any(|key| key.is_empty()) {
            return Err(StoreError::EmptyKey);
        }

        let mut value_set = Vec::with_capacity(changes.verifiable.len());
        let mut stale_values = Vec::new();
        for (key, value) in &changes.verifiable {
            let key_hash = KeyHash::with::<Sha256>(key);
            // The entry this write supersedes is needed only by versions below `version`.
            if let Some(previous) = newest_value_entry(&self.db, &key_hash, u64::MAX)? {
                stale_values.push((key_hash, previous.version));
            }
            // A deletion answers like no entry at all once everything before it is pruned.
            if value.is_none() {
                stale_values.push((key_hash, version));
            }
            value_set.push((key_hash, value.clone()));
        }

        let (root, tree) = Sha256Jmt::new(&reader)
            .put_value_set(value_set, version)
            .map_err(StoreError::Tree)?;
        Ok(PreparedCommit {
            version,
            root: root.0,
            parent,
            tree,
            stale_values,
            changes,
            meta: BTreeMap::new(),
        })
    }

    /// Writes a prepared block in one atomic RocksDB write batch and prunes the versions
    /// that fall out of the `keep_recent` window.
    pub fn commit(&self, prepared: PreparedCommit) -> Result<(), StoreError> {
        let _serialised = self
            .commit_lock
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let before = self.versions();
        let version = prepared.version;
        if before.latest != prepared.parent {
            return Err(StoreError::StalePrepared {
                version,
                parent: prepared.parent,
                latest: before.latest,
            });
        }
        let earliest_before = before.earliest.unwrap_or(version);
        let earliest = self.next_earliest(earliest_before, version);

        let db = &self.db;
        let mut batch = WriteBatch::default();

        // The tree: new nodes and values.
        let nodes_cf = cf(db, CF_JMT_NODES)?;
        for (key, node) in prepared.tree.node_batch.nodes() {
            let bytes = borsh::to_vec(node)
                .map_err(|e| StoreError::Corrupt(format!("cannot encode a JMT node: {e}")))?;
            batch.put_cf(nodes_cf, node_key(key)?, bytes);
        }
        let values_cf = cf(db, CF_JMT_VALUES)?;
        for ((value_version, key_hash), value) in prepared.tree.node_batch.values() {
            batch.put_cf(
                values_cf,
                value_key(key_hash, *value_version),
                encode_value(value.as_deref()),
            );
        }

        // Preimages and the flat latest state.
        let preimages_cf = cf(db, CF_PREIMAGES)?;
        let state_cf = cf(db, CF_STATE)?;
        for (key, value) in &prepared.changes.verifiable {
            match value {
                Some(value) => {
                    batch.put_cf(preimages_cf, KeyHash::with::<Sha256>(key).0, key);
                    batch.put_cf(state_cf, key, value);
                }
                None => batch.delete_cf(state_cf, key),
            }
        }
        let nonverifiable_cf = cf(db, CF_NONVERIFIABLE)?;
        for (key, value) in &prepared.changes.nonverifiable {
            match value {
                Some(value) => batch.put_cf(nonverifiable_cf, key, value),
                None => batch.delete_cf(nonverifiable_cf, key),
            }
        }

        // The pruning indexes of what this version made stale. The previous root is only
        // ever the root of its own version; jmt does not index it when it copies it.
        let mut stale_nodes = BTreeSet::new();
        for index in &prepared.tree.stale_node_index_batch {
            stale_nodes.insert((index.stale_since_version, node_key(&index.node_key)?));
        }
        if let Some(parent) = prepared.parent {
            stale_nodes.insert((version, root_node_key(parent)?));
        }
        let stale_values: BTreeSet<(u64, Vec<u8>)> = prepared
            .stale_values
            .iter()
            .map(|(key_hash, value_version)| (version, value_key(key_hash, *value_version)))
            .collect();
        let stale_nodes_cf = cf(db, CF_STALE_NODES)?;
        let stale_values_cf = cf(db, CF_STALE_VALUES)?;
        for (family, index_family, entries) in [
            (nodes_cf, stale_nodes_cf, &stale_nodes),
            (values_cf, stale_values_cf, &stale_values),
        ] {
            for (stale_since, target) in entries {
                if *stale_since <= earliest {
                    // Already out of the window (keep_recent = 1): delete it right away.
                    batch.delete_cf(family, target);
                } else {
                    batch.put_cf(index_family, stale_key(*stale_since, target), []);
                }
            }
        }

        // Prune what earlier versions made stale.
        let mut pruned = 0usize;
        if let Some(from) = earliest_before
            .checked_add(1)
            .filter(|from| *from <= earliest)
        {
            pruned += self.prune_index(&mut batch, CF_STALE_NODES, CF_JMT_NODES, from, earliest)?;
            pruned +=
                self.prune_index(&mut batch, CF_STALE_VALUES, CF_JMT_VALUES, from, earliest)?;
        }

        // Metadata last; the batch is atomic anyway.
        let meta_cf = cf(db, CF_META)?;
        for (key, value) in &prepared.meta {
            batch.put_cf(meta_cf, app_meta_key(key), value);
        }
        batch.put_cf(meta_cf, META_LATEST, version.to_be_bytes());
        batch.put_cf(meta_cf, META_EARLIEST, earliest.to_be_bytes());

        let mut write_opts = WriteOptions::default();
        write_opts.set_sync(true);
        db.write_opt(batch, &write_opts)?;

        *self
            .versions
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Versions {
            latest: Some(version),
            earliest: Some(earliest),
        };
        tracing::debug!(
            version,
            root = %hex::encode(prepared.root),
            earliest,
            pruned,
            "committed state version"
        );
        Ok(())
    }

    /// The oldest version to keep once `version` is committed.
    fn next_earliest(&self, earliest_before: u64, version: u64) -> u64 {
        let keep = self.config.keep_recent;
        if keep == 0 {
            return earliest_before;
        }
        let target = version.saturating_sub(keep - 1).max(earliest_before);
        target.min(earliest_before.saturating_add(MAX_PRUNED_VERSIONS_PER_COMMIT))
    }

    /// Adds to `batch` the deletion of every entry of the stale index `index` whose
    /// stale-since version is in `from..=through`, and of the entry of `target` it names.
    /// Returns how many entries it deletes.
    fn prune_index(
        &self,
        batch: &mut WriteBatch,
        index: &'static str,
        target: &'static str,
        from: u64,
        through: u64,
    ) -> Result<usize, StoreError> {
        let index_cf = cf(&self.db, index)?;
        let target_cf = cf(&self.db, target)?;
        let start = from.to_be_bytes();
        let mut opts = ReadOptions::default();
        if let Some(end) = through.checked_add(1) {
            opts.set_iterate_upper_bound(end.to_be_bytes().to_vec());
        }
        let mut count = 0usize;
        for item in self.db.iterator_cf_opt(
            index_cf,
            opts,
            IteratorMode::From(&start, Direction::Forward),
        ) {
            let (key, _) = item?;
            let Some(target_key) = key.get(8..) else {
                return Err(StoreError::Corrupt(format!(
                    "short entry in {index}: {}",
                    hex::encode(&key)
                )));
            };
            batch.delete_cf(target_cf, target_key);
            batch.delete_cf(index_cf, &key);
            count += 1;
        }
        Ok(count)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use weave_kernel::{prefix_end, Overlay};

    fn changes(writes: &[(&str, Option<&str>)]) -> ChangeSet {
        let mut out = ChangeSet::default();
        for (key, value) in writes {
            out.verifiable.insert(
                key.as_bytes().to_vec(),
                value.map(|v| v.as_bytes().to_vec()),
            );
        }
        out
    }

    fn commit(storage: &Storage, version: u64, changes: ChangeSet) -> [u8; 32] {
        let prepared = storage.prepare(version, changes).unwrap();
        let root = prepared.root_hash();
        storage.commit(prepared).unwrap();
        root
    }

    fn open(dir: &tempfile::TempDir, keep_recent: u64) -> Arc<Storage> {
        Arc::new(Storage::open(dir.path(), StorageConfig { keep_recent }).unwrap())
    }

    fn count(storage: &Storage, family: &'static str) -> usize {
        storage
            .db
            .iterator_cf(cf(&storage.db, family).unwrap(), IteratorMode::Start)
            .count()
    }

    /// The `jmt_nodes` keys of every node reachable from the root of `version`.
    fn reachable_nodes(storage: &Storage, version: u64, out: &mut BTreeSet<Vec<u8>>) {
        use jmt::storage::{NibblePath, Node, NodeKey, TreeReader};
        let reader = TreeStore::new(&storage.db);
        let root_path: NibblePath = std::iter::empty().collect();
        let mut stack = vec![NodeKey::new(version, root_path)];
        while let Some(key) = stack.pop() {
            let node = reader.get_node(&key).unwrap();
            out.insert(node_key(&key).unwrap());
            if let Node::Internal(internal) = node {
                for (nibble, child) in internal.children_sorted() {
                    let path: NibblePath = key
                        .nibble_path()
                        .nibbles()
                        .chain(std::iter::once(nibble))
                        .collect();
                    stack.push(NodeKey::new(child.version, path));
                }
            }
        }
    }

    /// Fails unless the stored JMT nodes are exactly those of the kept versions.
    fn assert_only_kept_nodes(storage: &Storage) {
        let mut live = BTreeSet::new();
        for version in storage.earliest_version().unwrap()..=storage.latest_version().unwrap() {
            reachable_nodes(storage, version, &mut live);
        }
        let stored: BTreeSet<Vec<u8>> = storage
            .db
            .iterator_cf(cf(&storage.db, CF_JMT_NODES).unwrap(), IteratorMode::Start)
            .map(|item| item.unwrap().0.into_vec())
            .collect();
        assert_eq!(stored, live);
    }

    fn verify_exists(storage: &Storage, key: &[u8], version: u64, expected: &[u8]) {
        let (value, proof) = storage.get_with_proof(key, version).unwrap();
        assert_eq!(value.as_deref(), Some(expected));
        let root = storage.root_hash(version).unwrap().to_vec();
        assert!(ics23::verify_membership::<ics23::HostFunctionsManager>(
            &proof,
            &jmt::ics23_spec(),
            &root,
            key,
            expected
        ));
    }

    fn verify_absent(storage: &Storage, key: &[u8], version: u64) {
        let (value, proof) = storage.get_with_proof(key, version).unwrap();
        assert_eq!(value, None);
        let root = storage.root_hash(version).unwrap().to_vec();
        assert!(ics23::verify_non_membership::<ics23::HostFunctionsManager>(
            &proof,
            &jmt::ics23_spec(),
            &root,
            key
        ));
    }

    fn blocks() -> Vec<ChangeSet> {
        vec![
            changes(&[
                ("bank/balance/alice", Some("100")),
                ("bank/balance/bob", Some("5")),
            ]),
            changes(&[("bank/balance/carol", Some("7"))]),
            changes(&[
                ("bank/balance/alice", Some("90")),
                ("bank/balance/bob", None),
            ]),
            ChangeSet::default(),
            changes(&[
                ("auth/account/1", Some("x")),
                ("bank/balance/dave", Some("1")),
            ]),
        ]
    }

    #[test]
    fn roots_change_and_are_reproducible() {
        let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let (a, b) = (open(&dir_a, 0), open(&dir_b, 0));
        let mut roots = Vec::new();
        for (version, block) in blocks().into_iter().enumerate() {
            let version = version as u64;
            let root_a = commit(&a, version, block.clone());
            let root_b = commit(&b, version, block);
            assert_eq!(root_a, root_b);
            assert_eq!(a.root_hash(version).unwrap(), root_a);
            roots.push(root_a);
        }
        assert_ne!(roots[0], roots[1]);
        assert_ne!(roots[1], roots[2]);
        assert_eq!(roots[2], roots[3], "an empty block keeps the root");
        assert_ne!(roots[3], roots[4]);
        // Historical roots stay readable.
        for (version, root) in roots.iter().enumerate() {
            assert_eq!(&a.root_hash(version as u64).unwrap(), root);
        }
    }

    #[test]
    fn root_depends_on_content_only() {
        // Same content reached by different paths, at different versions, gives one root.
        let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let (a, b) = (open(&dir_a, 0), open(&dir_b, 0));
        commit(&a, 0, changes(&[("k1", Some("v1")), ("k2", Some("v2"))]));
        let root_a = commit(&a, 1, changes(&[("k3", Some("v3")), ("k2", None)]));
        let root_b = commit(&b, 41, changes(&[("k3", Some("v3")), ("k1", Some("v1"))]));
        assert_eq!(root_a, root_b);
    }

    #[test]
    fn reopen_preserves_versions_roots_and_state() {
        let dir = tempfile::tempdir().unwrap();
        let root;
        {
            let storage = open(&dir, 0);
            assert_eq!(storage.latest_version(), None);
            commit(&storage, 1, changes(&[("a", Some("1"))]));
            let mut prepared = storage.prepare(2, changes(&[("b", Some("2"))])).unwrap();
            prepared.set_meta("genesis_hash", b"gh".to_vec());
            root = prepared.root_hash();
            let mut block = changes(&[]);
            block
                .nonverifiable
                .insert(b"idx".to_vec(), Some(b"i".to_vec()));
            storage.commit(prepared).unwrap();
            commit(&storage, 3, block);
        }
        let storage = open(&dir, 0);
        assert_eq!(storage.latest_version(), Some(3));
        assert_eq!(storage.earliest_version(), Some(1));
        assert_eq!(storage.root_hash(2).unwrap(), root);
        assert_eq!(storage.root_hash(3).unwrap(), root);
        let state = storage.state();
        assert_eq!(state.get(b"a").unwrap(), Some(b"1".to_vec()));
        assert_eq!(state.get(b"b").unwrap(), Some(b"2".to_vec()));
        assert_eq!(state.nv_get(b"idx").unwrap(), Some(b"i".to_vec()));
        assert_eq!(state.get(b"idx").unwrap(), None);
        assert_eq!(
            storage.meta_get("genesis_hash").unwrap(),
            Some(b"gh".to_vec())
        );
        assert_eq!(storage.meta_get("other").unwrap(), None);
        // And the chain continues where it stopped.
        assert!(matches!(
            storage.prepare(5, ChangeSet::default()),
            Err(StoreError::UnexpectedVersion {
                version: 5,
                expected: 4
            })
        ));
        commit(&storage, 4, changes(&[("c", Some("3"))]));
        assert_eq!(storage.get_at(b"a", 4).unwrap(), Some(b"1".to_vec()));
    }

    #[test]
    fn deletes_remove_keys_and_restore_roots() {
        let dir = tempfile::tempdir().unwrap();
        let storage = open(&dir, 0);
        let only_a = commit(&storage, 0, changes(&[("a", Some("1"))]));
        commit(&storage, 1, changes(&[("b", Some("2"))]));
        let root = commit(&storage, 2, changes(&[("b", None), ("never", None)]));
        assert_eq!(root, only_a);
        assert_eq!(storage.state().get(b"b").unwrap(), None);
        assert_eq!(storage.get_at(b"b", 2).unwrap(), None);
        assert_eq!(storage.get_at(b"b", 1).unwrap(), Some(b"2".to_vec()));

        // Deleting everything gives the empty tree, which later versions can build on.
        let empty = commit(&storage, 3, changes(&[("a", None)]));
        assert_ne!(empty, only_a);
        assert_eq!(storage.root_hash(4).ok(), None);
        assert_eq!(commit(&storage, 4, ChangeSet::default()), empty);
        assert_eq!(commit(&storage, 5, changes(&[("a", Some("1"))])), only_a);
        assert_eq!(storage.get_at(b"a", 4).unwrap(), None);
        assert_eq!(storage.get_at(b"a", 5).unwrap(), Some(b"1".to_vec()));
    }

    #[test]
    fn range_scans_are_ordered_and_bounded() {
        let dir = tempfile::tempdir().unwrap();
        let storage = open(&dir, 0);
        let mut block = changes(&[
            ("p/1", Some("a")),
            ("p/2", Some("b")),
            ("p/3", Some("c")),
            ("q/1", Some("z")),
            ("o/9", Some("y")),
        ]);
        block
            .nonverifiable
            .insert(b"p/x".to_vec(), Some(b"nv".to_vec()));
        commit(&storage, 0, block);
        commit(&storage, 1, changes(&[("p/2", None)]));
        let state = storage.state();
        let end = prefix_end(b"p/");
        let keys = |entries: weave_kernel::Entries| {
            entries
                .into_iter()
                .map(|(k, _)| String::from_utf8(k).unwrap())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            keys(state.range(b"p/", end.as_deref(), 10).unwrap()),
            ["p/1", "p/3"]
        );
        assert_eq!(
            keys(state.range(b"p/", end.as_deref(), 1).unwrap()),
            ["p/1"]
        );
        assert_eq!(
            keys(state.range(b"p/", None, 10).unwrap()),
            ["p/1", "p/3", "q/1"]
        );
        assert_eq!(keys(state.range(b"", None, 2).unwrap()), ["o/9", "p/1"]);
        assert!(state.range(b"p/", end.as_deref(), 0).unwrap().is_empty());
        assert!(state.range(b"q", Some(b"p"), 10).unwrap().is_empty());
        assert_eq!(
            keys(state.nv_range(b"p/", end.as_deref(), 10).unwrap()),
            ["p/x"]
        );
        assert_eq!(
            state.range(b"p/1", Some(b"p/2"), 10).unwrap()[0].1,
            b"a".to_vec()
        );
    }

    #[test]
    fn sizes_name_every_family_and_count_the_keys_written() {
        let dir = tempfile::tempdir().unwrap();
        let storage = open(&dir, 0);
        for (version, block) in blocks().into_iter().enumerate() {
            commit(&storage, version as u64, block);
        }
        let sizes = storage.sizes().unwrap();
        assert_eq!(sizes.len(), ALL_CFS.len());
        let state = sizes.iter().find(|s| s.family == CF_STATE).unwrap();
        assert!(
            state.estimated_keys > 0 && state.memtable_bytes + state.sst_bytes > 0,
            "{state:?}"
        );
        let nodes = sizes.iter().find(|s| s.family == CF_JMT_NODES).unwrap();
        assert!(nodes.estimated_keys > 0, "{nodes:?}");
    }

    #[test]
    fn get_at_reads_old_versions() {
        let dir = tempfile::tempdir().unwrap();
        let storage = open(&dir, 0);
        for (version, block) in blocks().into_iter().enumerate() {
            commit(&storage, version as u64, block);
        }
        let at = |key: &str, version| storage.get_at(key.as_bytes(), version).unwrap();
        assert_eq!(at("bank/balance/alice", 0), Some(b"100".to_vec()));
        assert_eq!(at("bank/balance/alice", 1), Some(b"100".to_vec()));
        assert_eq!(at("bank/balance/alice", 2), Some(b"90".to_vec()));
        assert_eq!(at("bank/balance/alice", 4), Some(b"90".to_vec()));
        assert_eq!(at("bank/balance/bob", 1), Some(b"5".to_vec()));
        assert_eq!(at("bank/balance/bob", 2), None);
        assert_eq!(at("bank/balance/carol", 0), None);
        assert_eq!(at("bank/balance/carol", 3), Some(b"7".to_vec()));
        assert!(matches!(
            storage.get_at(b"bank/balance/alice", 5),
            Err(StoreError::VersionNotFound {
                version: 5,
                latest: Some(4)
            })
        ));
    }

    #[test]
    fn ics23_proofs_verify_against_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let storage = open(&dir, 0);
        for (version, block) in blocks().into_iter().enumerate() {
            commit(&storage, version as u64, block);
        }
        verify_exists(&storage, b"bank/balance/alice", 4, b"90");
        verify_exists(&storage, b"bank/balance/alice", 1, b"100");
        verify_exists(&storage, b"bank/balance/bob", 1, b"5");
        verify_absent(&storage, b"bank/balance/bob", 4);
        verify_absent(&storage, b"no/such/key", 4);
        verify_absent(&storage, b"bank/balance/carol", 0);

        // A proof does not verify against another version's root or for another value.
        let (_, proof) = storage.get_with_proof(b"bank/balance/alice", 4).unwrap();
        let old_root = storage.root_hash(1).unwrap().to_vec();
        let spec = jmt::ics23_spec();
        assert!(!ics23::verify_membership::<ics23::HostFunctionsManager>(
            &proof,
            &spec,
            &old_root,
            b"bank/balance/alice",
            b"90"
        ));
        let root = storage.root_hash(4).unwrap().to_vec();
        assert!(!ics23::verify_membership::<ics23::HostFunctionsManager>(
            &proof,
            &spec,
            &root,
            b"bank/balance/alice",
            b"100"
        ));
        assert!(matches!(
            storage.get_with_proof(b"", 4),
            Err(StoreError::EmptyKey)
        ));
    }

    #[test]
    fn pruning_keeps_recent_versions_and_the_latest_root() {
        let (dir, dir_all) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let (storage, unpruned) = (open(&dir, 3), open(&dir_all, 0));
        for version in 0..20u64 {
            let mut block = changes(&[
                ("counter", Some(&version.to_string())),
                (&format!("item/{version:03}"), Some("x")),
            ]);
            if version % 4 == 3 {
                block = ChangeSet::default();
            }
            if version == 10 {
                block.verifiable.insert(b"item/000".to_vec(), None);
            }
            assert_eq!(
                commit(&storage, version, block.clone()),
                commit(&unpruned, version, block)
            );
        }
        assert_eq!(storage.latest_version(), Some(19));
        assert_eq!(storage.earliest_version(), Some(17));
        for version in 17..20 {
            assert_eq!(
                storage.root_hash(version).unwrap(),
                unpruned.root_hash(version).unwrap()
            );
            verify_exists(&storage, b"item/001", version, b"x");
            verify_absent(&storage, b"item/000", version);
            assert_eq!(
                storage.get_at(b"counter", version).unwrap(),
                unpruned.get_at(b"counter", version).unwrap()
            );
        }
        assert!(matches!(
            storage.get_at(b"counter", 16),
            Err(StoreError::VersionPruned {
                version: 16,
                earliest: 17
            })
        ));
        assert!(matches!(
            storage.root_hash(0),
            Err(StoreError::VersionPruned {
                version: 0,
                earliest: 17
            })
        ));
        assert!(matches!(
            storage.get_with_proof(b"counter", 3),
            Err(StoreError::VersionPruned { .. })
        ));
        // Old nodes and values are really gone, and pruned ones leave no index behind.
        assert_only_kept_nodes(&storage);
        assert!(count(&storage, CF_JMT_NODES) < count(&unpruned, CF_JMT_NODES) / 2);
        assert!(count(&storage, CF_JMT_VALUES) < count(&unpruned, CF_JMT_VALUES));
        let min_stale = |family| {
            storage
                .db
                .iterator_cf(cf(&storage.db, family).unwrap(), IteratorMode::Start)
                .map(|item| decode_u64(&item.unwrap().0[..8], "test").unwrap())
                .min()
        };
        assert!(min_stale(CF_STALE_NODES).is_some_and(|v| v > 17));
        assert!(min_stale(CF_STALE_VALUES).is_some_and(|v| v > 17));
        // A deleted key's entries are gone once its deletion is out of the window.
        let hash = KeyHash::with::<Sha256>(b"item/000");
        assert_eq!(
            newest_value_entry(&storage.db, &hash, u64::MAX).unwrap(),
            None
        );

        // Reopened with the same window, the latest state is intact and pruning continues.
        drop(storage);
        let storage = open(&dir, 3);
        assert_eq!(
            storage.root_hash(19).unwrap(),
            unpruned.root_hash(19).unwrap()
        );
        commit(&storage, 20, changes(&[("counter", Some("20"))]));
        assert_eq!(storage.earliest_version(), Some(18));
        assert_only_kept_nodes(&storage);
        assert_eq!(
            storage.state().get(b"counter").unwrap(),
            Some(b"20".to_vec())
        );
    }

    #[test]
    fn keep_recent_one_keeps_only_the_latest() {
        let (dir, dir_all) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let (storage, unpruned) = (open(&dir, 1), open(&dir_all, 0));
        for (version, block) in blocks().into_iter().enumerate() {
            let version = version as u64;
            assert_eq!(
                commit(&storage, version, block.clone()),
                commit(&unpruned, version, block)
            );
            assert_eq!(storage.earliest_version(), Some(version));
            assert!(matches!(
                storage.root_hash(version.wrapping_sub(1)),
                Err(StoreError::VersionPruned { .. } | StoreError::VersionNotFound { .. })
            ));
        }
        verify_exists(&storage, b"bank/balance/alice", 4, b"90");
        verify_absent(&storage, b"bank/balance/bob", 4);
        assert_eq!(count(&storage, CF_STALE_NODES), 0);
        assert_eq!(count(&storage, CF_STALE_VALUES), 0);
        // Exactly the nodes and values of the latest tree remain: as many as a store that
        // wrote the same content in one version holds.
        let dir_fresh = tempfile::tempdir().unwrap();
        let fresh = open(&dir_fresh, 0);
        let latest: ChangeSet = ChangeSet {
            verifiable: storage
                .state()
                .range(b"", None, usize::MAX)
                .unwrap()
                .into_iter()
                .map(|(k, v)| (k, Some(v)))
                .collect(),
            nonverifiable: BTreeMap::new(),
        };
        assert_eq!(latest.verifiable.len(), 4);
        assert_eq!(commit(&fresh, 0, latest), storage.root_hash(4).unwrap());
        assert_eq!(count(&storage, CF_JMT_NODES), count(&fresh, CF_JMT_NODES));
        assert_only_kept_nodes(&storage);
        assert_eq!(count(&storage, CF_JMT_VALUES), 4);
        assert!(count(&storage, CF_JMT_NODES) < count(&unpruned, CF_JMT_NODES));
    }

    #[test]
    fn shrinking_the_window_prunes_gradually() {
        let dir = tempfile::tempdir().unwrap();
        {
            let storage = open(&dir, 0);
            for version in 0..5 {
                commit(
                    &storage,
                    version,
                    changes(&[("k", Some(&version.to_string()))]),
                );
            }
        }
        let storage = open(&dir, 2);
        assert_eq!(storage.earliest_version(), Some(0));
        commit(&storage, 5, ChangeSet::default());
        assert_eq!(storage.earliest_version(), Some(4));
        assert_eq!(storage.get_at(b"k", 4).unwrap(), Some(b"4".to_vec()));
        assert_eq!(storage.get_at(b"k", 5).unwrap(), Some(b"4".to_vec()));
        assert!(matches!(
            storage.get_at(b"k", 3),
            Err(StoreError::VersionPruned { .. })
        ));
        assert_only_kept_nodes(&storage);
    }

    #[test]
    fn empty_change_sets_commit() {
        for first in [0u64, 1, 1000] {
            let dir = tempfile::tempdir().unwrap();
            let storage = open(&dir, 0);
            let empty = commit(&storage, first, ChangeSet::default());
            assert_eq!(storage.latest_version(), Some(first));
            assert_eq!(storage.root_hash(first).unwrap(), empty);
            assert_eq!(commit(&storage, first + 1, ChangeSet::default()), empty);
            // A block that only deletes absent keys or writes indexes is empty for the tree.
            let mut block = changes(&[("absent", None)]);
            block
                .nonverifiable
                .insert(b"i".to_vec(), Some(b"1".to_vec()));
            assert_eq!(commit(&storage, first + 2, block), empty);
            let full = commit(&storage, first + 3, changes(&[("k", Some("v"))]));
            assert_ne!(full, empty);
            assert_eq!(commit(&storage, first + 4, ChangeSet::default()), full);
            for version in first..=first + 4 {
                storage.root_hash(version).unwrap();
            }
            verify_exists(&storage, b"k", first + 4, b"v");
        }
        // The first version may also start with deletions only.
        let dir = tempfile::tempdir().unwrap();
        let storage = open(&dir, 0);
        let empty = commit(&storage, 7, changes(&[("x", None)]));
        assert_eq!(commit(&storage, 8, ChangeSet::default()), empty);
    }

    #[test]
    fn only_committed_work_is_visible() {
        let dir = tempfile::tempdir().unwrap();
        let storage = open(&dir, 0);
        let root0 = commit(&storage, 0, changes(&[("a", Some("1"))]));
        let prepared = storage.prepare(1, changes(&[("a", Some("2"))])).unwrap();
        assert_ne!(prepared.root_hash(), root0);
        assert_eq!(prepared.version(), 1);
        assert_eq!(storage.latest_version(), Some(0));
        assert_eq!(storage.state().get(b"a").unwrap(), Some(b"1".to_vec()));
        assert!(matches!(
            storage.root_hash(1),
            Err(StoreError::VersionNotFound { .. })
        ));
        drop(prepared);

        // Two candidates for the same version: only the first commit wins.
        let first = storage.prepare(1, changes(&[("a", Some("3"))])).unwrap();
        let second = storage.prepare(1, changes(&[("a", Some("4"))])).unwrap();
        let root1 = first.root_hash();
        storage.commit(first).unwrap();
        assert!(matches!(
            storage.commit(second),
            Err(StoreError::StalePrepared {
                version: 1,
                parent: Some(0),
                latest: Some(1)
            })
        ));
        assert_eq!(storage.root_hash(1).unwrap(), root1);
        assert_eq!(storage.state().get(b"a").unwrap(), Some(b"3".to_vec()));
        assert!(matches!(
            storage.prepare(1, ChangeSet::default()),
            Err(StoreError::UnexpectedVersion {
                version: 1,
                expected: 2
            })
        ));
        assert!(matches!(
            storage.prepare(2, changes(&[("", Some("x"))])),
            Err(StoreError::EmptyKey)
        ));
    }

    #[test]
    fn executes_blocks_through_an_overlay() {
        let dir = tempfile::tempdir().unwrap();
        let storage = open(&dir, 10);
        let mut overlay = Overlay::new(storage.state());
        overlay.put(b"acct/1".to_vec(), b"10".to_vec());
        overlay.nv_put(b"tx/1".to_vec(), b"h".to_vec());
        commit(&storage, 1, overlay.into_changes());

        let mut overlay = Overlay::new(storage.state());
        let balance = overlay.get(b"acct/1").unwrap().unwrap();
        assert_eq!(balance, b"10".to_vec());
        overlay.put(b"acct/1".to_vec(), b"9".to_vec());
        overlay.put(b"acct/2".to_vec(), b"1".to_vec());
        overlay.nv_delete(b"tx/1".to_vec());
        let got = overlay
            .range(b"acct/", prefix_end(b"acct/").as_deref(), 10)
            .unwrap();
        assert_eq!(got.len(), 2);
        commit(&storage, 2, overlay.into_changes());

        let state = storage.state();
        assert_eq!(state.get(b"acct/1").unwrap(), Some(b"9".to_vec()));
        assert_eq!(state.nv_get(b"tx/1").unwrap(), None);
        assert_eq!(storage.get_at(b"acct/1", 1).unwrap(), Some(b"10".to_vec()));
    }

    #[test]
    fn storage_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Storage>();
        assert_send_sync::<PreparedCommit>();
    }
}
