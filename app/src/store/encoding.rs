//! Column family names and the byte layout of every key and value the store writes.
//!
//! Integers in keys are big-endian so that RocksDB's byte order is numeric order.

use jmt::{
    storage::{NibblePath, NodeKey},
    KeyHash,
};
use rocksdb::{ColumnFamily, DB};

use super::error::StoreError;

/// JMT nodes: [`node_key`] -> borsh-encoded `jmt::storage::Node`.
pub(super) const CF_JMT_NODES: &str = "jmt_nodes";
/// JMT values: [`value_key`] (key hash ‖ version) -> [`encode_value`].
pub(super) const CF_JMT_VALUES: &str = "jmt_values";
/// Key preimages: key hash (32 bytes) -> key.
pub(super) const CF_PREIMAGES: &str = "preimages";
/// Flat latest verifiable state: key -> value.
pub(super) const CF_STATE: &str = "state";
/// Flat latest non-verifiable state: key -> value.
pub(super) const CF_NONVERIFIABLE: &str = "nonverifiable";
/// Store and application metadata: [`META_LATEST`], [`META_EARLIEST`], [`app_meta_key`].
pub(super) const CF_META: &str = "meta";
/// Pruning index of JMT nodes: [`stale_key`] (stale-since version ‖ node key) -> empty.
pub(super) const CF_STALE_NODES: &str = "stale_nodes";
/// Pruning index of JMT values: [`stale_key`] (stale-since version ‖ value key) -> empty.
pub(super) const CF_STALE_VALUES: &str = "stale_values";

/// Every column family, in the order they are opened.
pub(super) const ALL_CFS: [&str; 8] = [
    CF_JMT_NODES,
    CF_JMT_VALUES,
    CF_PREIMAGES,
    CF_STATE,
    CF_NONVERIFIABLE,
    CF_META,
    CF_STALE_NODES,
    CF_STALE_VALUES,
];

/// Meta key of the last committed version (u64 big-endian).
pub(super) const META_LATEST: &[u8] = b"store/latest_version";
/// Meta key of the oldest version that is still readable (u64 big-endian).
pub(super) const META_EARLIEST: &[u8] = b"store/earliest_version";
/// Prefix of application metadata keys, kept apart from the store's own keys.
const META_APP_PREFIX: &[u8] = b"app/";

/// Length of a [`value_key`].
const VALUE_KEY_LEN: usize = 32 + 8;

/// The handle of a column family that [`super::Storage::open`] created.
pub(super) fn cf<'a>(db: &'a DB, name: &'static str) -> Result<&'a ColumnFamily, StoreError> {
    db.cf_handle(name)
        .ok_or(StoreError::MissingColumnFamily(name))
}

/// The meta key under which application metadata `key` is stored.
pub(super) fn app_meta_key(key: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(META_APP_PREFIX.len() + key.len());
    out.extend_from_slice(META_APP_PREFIX);
    out.extend_from_slice(key.as_bytes());
    out
}

/// Decodes a big-endian u64.
pub(super) fn decode_u64(bytes: &[u8], what: &str) -> Result<u64, StoreError> {
    let array: [u8; 8] = bytes.try_into().map_err(|_| {
        StoreError::Corrupt(format!("{what}: expected 8 bytes, got {}", bytes.len()))
    })?;
    Ok(u64::from_be_bytes(array))
}

/// `version (u64 BE) ‖ borsh(nibble path)`: nodes of one version sit together.
pub(super) fn node_key(key: &NodeKey) -> Result<Vec<u8>, StoreError> {
    let path = borsh::to_vec(key.nibble_path())
        .map_err(|e| StoreError::Corrupt(format!("cannot encode a JMT nibble path: {e}")))?;
    let mut out = Vec::with_capacity(8 + path.len());
    out.extend_from_slice(&key.version().to_be_bytes());
    out.extend_from_slice(&path);
    Ok(out)
}

/// The [`node_key`] of the root node of `version` (the node at the empty nibble path).
pub(super) fn root_node_key(version: u64) -> Result<Vec<u8>, StoreError> {
    let empty: NibblePath = std::iter::empty().collect();
    node_key(&NodeKey::new(version, empty))
}

/// `key hash (32 bytes) ‖ version (u64 BE)`: the versions of one key sit together, oldest
/// first, so the newest value at or below a version is one `seek_for_prev` away.
pub(super) fn value_key(key_hash: &KeyHash, version: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(VALUE_KEY_LEN);
    out.extend_from_slice(&key_hash.0);
    out.extend_from_slice(&version.to_be_bytes());
    out
}

/// Splits a [`value_key`] back into the version, if it belongs to `key_hash`.
pub(super) fn value_key_version(key: &[u8], key_hash: &KeyHash) -> Result<Option<u64>, StoreError> {
    if key.len() != VALUE_KEY_LEN || key[..32] != key_hash.0 {
        return Ok(None);
    }
    decode_u64(&key[32..], "jmt value version").map(Some)
}

/// A JMT value: `0x00` for a deletion (tombstone), `0x01 ‖ bytes` for a value.
pub(super) fn encode_value(value: Option<&[u8]>) -> Vec<u8> {
    match value {
        None => vec![0],
        Some(v) => {
            let mut out = Vec::with_capacity(1 + v.len());
            out.push(1);
            out.extend_from_slice(v);
            out
        }
    }
}

/// The inverse of [`encode_value`].
pub(super) fn decode_value(bytes: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
    match bytes.split_first() {
        Some((0, [])) => Ok(None),
        Some((1, rest)) => Ok(Some(rest.to_vec())),
        _ => Err(StoreError::Corrupt(format!(
            "jmt value with an unknown tag ({} bytes)",
            bytes.len()
        ))),
    }
}

/// `stale-since version (u64 BE) ‖ target key`: an entry of a pruning index. The target
/// (a [`node_key`] or a [`value_key`]) may be deleted once every version below
/// `stale_since` has been pruned.
pub(super) fn stale_key(stale_since: u64, target: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + target.len());
    out.extend_from_slice(&stale_since.to_be_bytes());
    out.extend_from_slice(target);
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn value_keys_order_by_hash_then_version() {
        let a = KeyHash([1; 32]);
        let b = KeyHash([2; 32]);
        let mut keys = vec![
            value_key(&b, 0),
            value_key(&a, 256),
            value_key(&a, 1),
            value_key(&a, u64::MAX),
        ];
        keys.sort();
        assert_eq!(
            keys,
            vec![
                value_key(&a, 1),
                value_key(&a, 256),
                value_key(&a, u64::MAX),
                value_key(&b, 0),
            ]
        );
        assert_eq!(value_key_version(&keys[1], &a).unwrap(), Some(256));
        assert_eq!(value_key_version(&keys[3], &a).unwrap(), None);
    }

    #[test]
    fn stale_keys_order_by_version() {
        let mut keys = vec![stale_key(256, b"a"), stale_key(2, b"z"), stale_key(2, b"b")];
        keys.sort();
        assert_eq!(
            keys,
            vec![stale_key(2, b"b"), stale_key(2, b"z"), stale_key(256, b"a")]
        );
    }

    #[test]
    fn values_round_trip() {
        for v in [None, Some(&b""[..]), Some(&b"\x00"[..]), Some(&b"abc"[..])] {
            assert_eq!(decode_value(&encode_value(v)).unwrap().as_deref(), v);
        }
        assert!(decode_value(&[]).is_err());
        assert!(decode_value(&[0, 1]).is_err());
        assert!(decode_value(&[2]).is_err());
    }

    #[test]
    fn root_node_key_is_version_then_empty_path() {
        let key = root_node_key(7).unwrap();
        assert_eq!(&key[..8], &7u64.to_be_bytes());
        // borsh: num_nibbles as u64, then a u32-length-prefixed empty byte vector.
        assert_eq!(&key[8..], &[0u8; 12]);
    }
}
