//! The Jellyfish Merkle Tree's view of RocksDB: [`TreeReader`] and [`HasPreimage`].

use jmt::{
    storage::{HasPreimage, LeafNode, Node, NodeKey, TreeReader},
    KeyHash, OwnedValue, Version,
};
use rocksdb::{ReadOptions, DB};

use super::{
    encoding::{
        cf, decode_value, node_key, value_key, value_key_version, CF_JMT_NODES, CF_JMT_VALUES,
        CF_PREIMAGES,
    },
    error::StoreError,
};

/// Reads JMT nodes, values and key preimages from the committed column families.
pub(super) struct TreeStore<'a> {
    db: &'a DB,
    /// When the store is empty and the first version `v` is above 0, jmt looks for the root
    /// of `v - 1`. It is reported as the empty (`Null`) node, which is what it stands for.
    empty_parent_root: Option<Version>,
}

impl<'a> TreeStore<'a> {
    /// A reader of committed data only.
    pub(super) fn new(db: &'a DB) -> Self {
        Self {
            db,
            empty_parent_root: None,
        }
    }

    /// A reader for building the first version, `first_version`, of an empty store.
    pub(super) fn for_first_version(db: &'a DB, first_version: Version) -> Self {
        Self {
            db,
            empty_parent_root: first_version.checked_sub(1),
        }
    }
}

/// One entry of a key in the JMT values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ValueEntry {
    /// The version that wrote it.
    pub(super) version: Version,
    /// The value written; `None` for a deletion.
    pub(super) value: Option<Vec<u8>>,
}

/// The newest entry of `key_hash` in the JMT values at or below `max_version`.
pub(super) fn newest_value_entry(
    db: &DB,
    key_hash: &KeyHash,
    max_version: Version,
) -> Result<Option<ValueEntry>, StoreError> {
    let mut opts = ReadOptions::default();
    opts.set_iterate_lower_bound(key_hash.0.to_vec());
    let mut iter = db.raw_iterator_cf_opt(cf(db, CF_JMT_VALUES)?, opts);
    iter.seek_for_prev(value_key(key_hash, max_version));
    if !iter.valid() {
        iter.status()?;
        return Ok(None);
    }
    let (Some(key), Some(value)) = (iter.key(), iter.value()) else {
        return Ok(None);
    };
    match value_key_version(key, key_hash)? {
        Some(version) => Ok(Some(ValueEntry {
            version,
            value: decode_value(value)?,
        })),
        None => Ok(None),
    }
}

impl TreeReader for TreeStore<'_> {
    fn get_node_option(&self, key: &NodeKey) -> anyhow::Result<Option<Node>> {
        let encoded = node_key(key)?;
        match self
            .db
            .get_pinned_cf(cf(self.db, CF_JMT_NODES)?, &encoded)?
        {
            Some(bytes) => {
                let node: Node = borsh::from_slice(&bytes).map_err(|e| {
                    StoreError::Corrupt(format!("undecodable JMT node at {key:?}: {e}"))
                })?;
                Ok(Some(node))
            }
            None if self.empty_parent_root == Some(key.version())
                && key.nibble_path().is_empty() =>
            {
                Ok(Some(Node::Null))
            }
            None => Ok(None),
        }
    }

    fn get_value_option(
        &self,
        max_version: Version,
        key_hash: KeyHash,
    ) -> anyhow::Result<Option<OwnedValue>> {
        Ok(newest_value_entry(self.db, &key_hash, max_version)?.and_then(|entry| entry.value))
    }

    /// Only jmt's chunked restore (and its `migration` feature) asks for the rightmost leaf,
    /// and this store supports neither.
    fn get_rightmost_leaf(&self) -> anyhow::Result<Option<(NodeKey, LeafNode)>> {
        anyhow::bail!("the weave store does not support restoring a JMT from chunks")
    }
}

impl HasPreimage for TreeStore<'_> {
    fn preimage(&self, key_hash: KeyHash) -> anyhow::Result<Option<Vec<u8>>> {
        Ok(self.db.get_cf(cf(self.db, CF_PREIMAGES)?, key_hash.0)?)
    }
}
