//! State access: the read-only view of committed state ([`StateRead`]) and the
//! copy-on-write [`Overlay`] that every block and every transaction executes on.
//!
//! The overlay keeps a stack of change layers. A transaction runs inside a
//! [`Overlay::checkpoint`]; on success the layer folds into the one below
//! ([`Overlay::commit_checkpoint`]), on failure it is dropped
//! ([`Overlay::discard_checkpoint`]) and leaves no write behind.
//!
//! There are two key spaces. *Verifiable* keys go into the Merkle tree and so into the
//! app hash. *Non-verifiable* keys hold indexes that only serve queries; they are
//! committed in the same write batch but are not part of the app hash.

use std::{collections::BTreeMap, ops::Bound, sync::Arc};

/// Key/value entries returned by a range scan, in key order.
pub type Entries = Vec<(Vec<u8>, Vec<u8>)>;

/// A failure of the storage underneath the state machine. This is never the fault of
/// a transaction, so the application treats it as fatal.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("storage error: {0}")]
pub struct StateError(pub String);

/// Read access to a consistent view of state.
pub trait StateRead: Send + Sync {
    /// The value of a verifiable key.
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StateError>;

    /// Up to `limit` verifiable entries with `start <= key < end` (no end: to the end of
    /// the key space), in key order.
    fn range(&self, start: &[u8], end: Option<&[u8]>, limit: usize) -> Result<Entries, StateError>;

    /// The value of a non-verifiable key.
    fn nv_get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StateError>;

    /// Up to `limit` non-verifiable entries with `start <= key < end`, in key order.
    fn nv_range(
        &self,
        start: &[u8],
        end: Option<&[u8]>,
        limit: usize,
    ) -> Result<Entries, StateError>;
}

/// The end key of a prefix scan: the prefix with its last non-0xff byte incremented.
pub fn prefix_end(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < 0xff {
            end.push(last + 1);
            return Some(end);
        }
    }
    None
}

/// Writes to both key spaces: `None` deletes a key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangeSet {
    /// Writes to keys in the Merkle tree.
    pub verifiable: BTreeMap<Vec<u8>, Option<Vec<u8>>>,
    /// Writes to query-only index keys.
    pub nonverifiable: BTreeMap<Vec<u8>, Option<Vec<u8>>>,
}

impl ChangeSet {
    /// True if nothing was written.
    pub fn is_empty(&self) -> bool {
        self.verifiable.is_empty() && self.nonverifiable.is_empty()
    }

    fn absorb(&mut self, upper: ChangeSet) {
        self.verifiable.extend(upper.verifiable);
        self.nonverifiable.extend(upper.nonverifiable);
    }
}

/// An empty state, for tests and for a chain before genesis.
#[derive(Debug, Default, Clone, Copy)]
pub struct EmptyState;

impl StateRead for EmptyState {
    fn get(&self, _key: &[u8]) -> Result<Option<Vec<u8>>, StateError> {
        Ok(None)
    }
    fn range(
        &self,
        _start: &[u8],
        _end: Option<&[u8]>,
        _limit: usize,
    ) -> Result<Entries, StateError> {
        Ok(Vec::new())
    }
    fn nv_get(&self, _key: &[u8]) -> Result<Option<Vec<u8>>, StateError> {
        Ok(None)
    }
    fn nv_range(
        &self,
        _start: &[u8],
        _end: Option<&[u8]>,
        _limit: usize,
    ) -> Result<Entries, StateError> {
        Ok(Vec::new())
    }
}

/// A copy-on-write view over a base state, with nested checkpoints.
pub struct Overlay {
    base: Arc<dyn StateRead>,
    /// Never empty: layer 0 holds the writes of the whole block.
    layers: Vec<ChangeSet>,
}

impl std::fmt::Debug for Overlay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Overlay")
            .field("layers", &self.layers.len())
            .finish_non_exhaustive()
    }
}

#[derive(Clone, Copy)]
enum Space {
    Verifiable,
    NonVerifiable,
}

impl ChangeSet {
    fn space(&self, space: Space) -> &BTreeMap<Vec<u8>, Option<Vec<u8>>> {
        match space {
            Space::Verifiable => &self.verifiable,
            Space::NonVerifiable => &self.nonverifiable,
        }
    }
    fn space_mut(&mut self, space: Space) -> &mut BTreeMap<Vec<u8>, Option<Vec<u8>>> {
        match space {
            Space::Verifiable => &mut self.verifiable,
            Space::NonVerifiable => &mut self.nonverifiable,
        }
    }
}

impl Overlay {
    /// A fresh overlay with no writes over `base`.
    pub fn new(base: Arc<dyn StateRead>) -> Self {
        Self {
            base,
            layers: vec![ChangeSet::default()],
        }
    }

    /// An overlay over an empty state.
    pub fn empty() -> Self {
        Self::new(Arc::new(EmptyState))
    }

    /// Opens a nested layer; later writes can be discarded together.
    pub fn checkpoint(&mut self) {
        self.layers.push(ChangeSet::default());
    }

    /// Folds the newest layer into the one below it.
    pub fn commit_checkpoint(&mut self) {
        if self.layers.len() > 1 {
            if let Some(top) = self.layers.pop() {
                if let Some(below) = self.layers.last_mut() {
                    below.absorb(top);
                }
            }
        }
    }

    /// Drops the newest layer and every write in it.
    pub fn discard_checkpoint(&mut self) {
        if self.layers.len() > 1 {
            self.layers.pop();
        } else if let Some(only) = self.layers.last_mut() {
            *only = ChangeSet::default();
        }
    }

    /// How many checkpoints are open.
    pub fn depth(&self) -> usize {
        self.layers.len() - 1
    }

    /// Folds every layer and returns all writes made on this overlay.
    pub fn into_changes(mut self) -> ChangeSet {
        while self.layers.len() > 1 {
            self.commit_checkpoint();
        }
        self.layers.pop().unwrap_or_default()
    }

    /// The writes made so far, folded, without consuming the overlay.
    pub fn changes(&self) -> ChangeSet {
        let mut out = ChangeSet::default();
        for layer in &self.layers {
            out.absorb(layer.clone());
        }
        out
    }

    fn lookup(&self, space: Space, key: &[u8]) -> Option<Option<Vec<u8>>> {
        self.layers
            .iter()
            .rev()
            .find_map(|l| l.space(space).get(key).cloned())
    }

    fn write(&mut self, space: Space, key: Vec<u8>, value: Option<Vec<u8>>) {
        if let Some(top) = self.layers.last_mut() {
            top.space_mut(space).insert(key, value);
        }
    }

    fn merged_range(
        &self,
        space: Space,
        start: &[u8],
        end: Option<&[u8]>,
        limit: usize,
    ) -> Result<Entries, StateError> {
        let upper = match end {
            Some(e) => Bound::Excluded(e.to_vec()),
            None => Bound::Unbounded,
        };
        let bounds = (Bound::Included(start.to_vec()), upper);
        // Overlay writes in range, newest layer wins.
        let mut writes: BTreeMap<Vec<u8>, Option<Vec<u8>>> = BTreeMap::new();
        for layer in &self.layers {
            for (k, v) in layer.space(space).range(bounds.clone()) {
                writes.insert(k.clone(), v.clone());
            }
        }
        let deletes = writes.values().filter(|v| v.is_none()).count();
        let base_limit = limit.saturating_add(deletes);
        let base = match space {
            Space::Verifiable => self.base.range(start, end, base_limit)?,
            Space::NonVerifiable => self.base.nv_range(start, end, base_limit)?,
        };
        let mut merged: BTreeMap<Vec<u8>, Vec<u8>> = base.into_iter().collect();
        // A base scan cut off at `base_limit` may miss keys beyond its last key; only
        // overlay keys up to that key can be trusted to interleave correctly.
        let base_complete_to = if merged.len() < base_limit {
            None
        } else {
            merged.keys().next_back().cloned()
        };
        for (k, v) in writes {
            if let Some(last) = &base_complete_to {
                if &k > last {
                    if let Some(v) = v {
                        merged.insert(k, v);
                    }
                    continue;
                }
            }
            match v {
                Some(v) => {
                    merged.insert(k, v);
                }
                None => {
                    merged.remove(&k);
                }
            }
        }
        Ok(merged.into_iter().take(limit).collect())
    }

    /// The value of a verifiable key.
    pub fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StateError> {
        match self.lookup(Space::Verifiable, key) {
            Some(v) => Ok(v),
            None => self.base.get(key),
        }
    }

    /// Writes a verifiable key.
    pub fn put(&mut self, key: Vec<u8>, value: Vec<u8>) {
        self.write(Space::Verifiable, key, Some(value));
    }

    /// Deletes a verifiable key.
    pub fn delete(&mut self, key: Vec<u8>) {
        self.write(Space::Verifiable, key, None);
    }

    /// Up to `limit` verifiable entries in `[start, end)`, in key order.
    pub fn range(
        &self,
        start: &[u8],
        end: Option<&[u8]>,
        limit: usize,
    ) -> Result<Entries, StateError> {
        self.merged_range(Space::Verifiable, start, end, limit)
    }

    /// The value of a non-verifiable key.
    pub fn nv_get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StateError> {
        match self.lookup(Space::NonVerifiable, key) {
            Some(v) => Ok(v),
            None => self.base.nv_get(key),
        }
    }

    /// Writes a non-verifiable key.
    pub fn nv_put(&mut self, key: Vec<u8>, value: Vec<u8>) {
        self.write(Space::NonVerifiable, key, Some(value));
    }

    /// Deletes a non-verifiable key.
    pub fn nv_delete(&mut self, key: Vec<u8>) {
        self.write(Space::NonVerifiable, key, None);
    }

    /// Up to `limit` non-verifiable entries in `[start, end)`, in key order.
    pub fn nv_range(
        &self,
        start: &[u8],
        end: Option<&[u8]>,
        limit: usize,
    ) -> Result<Entries, StateError> {
        self.merged_range(Space::NonVerifiable, start, end, limit)
    }
}

impl StateRead for Overlay {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StateError> {
        Overlay::get(self, key)
    }
    fn range(&self, start: &[u8], end: Option<&[u8]>, limit: usize) -> Result<Entries, StateError> {
        Overlay::range(self, start, end, limit)
    }
    fn nv_get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StateError> {
        Overlay::nv_get(self, key)
    }
    fn nv_range(
        &self,
        start: &[u8],
        end: Option<&[u8]>,
        limit: usize,
    ) -> Result<Entries, StateError> {
        Overlay::nv_range(self, start, end, limit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base_with(entries: &[(&str, &str)]) -> Arc<dyn StateRead> {
        let mut o = Overlay::empty();
        for (k, v) in entries {
            o.put(k.as_bytes().to_vec(), v.as_bytes().to_vec());
        }
        Arc::new(o)
    }

    #[test]
    fn discarded_checkpoint_leaves_no_write() {
        let mut o = Overlay::new(base_with(&[("a", "1")]));
        o.checkpoint();
        o.put(b"b".to_vec(), b"2".to_vec());
        o.delete(b"a".to_vec());
        assert_eq!(o.get(b"a").unwrap(), None);
        o.discard_checkpoint();
        assert_eq!(o.get(b"a").unwrap(), Some(b"1".to_vec()));
        assert_eq!(o.get(b"b").unwrap(), None);
        assert!(o.into_changes().is_empty());
    }

    #[test]
    fn committed_checkpoint_folds_down() {
        let mut o = Overlay::empty();
        o.checkpoint();
        o.put(b"k".to_vec(), b"v".to_vec());
        o.checkpoint();
        o.put(b"k".to_vec(), b"w".to_vec());
        o.commit_checkpoint();
        o.commit_checkpoint();
        let c = o.into_changes();
        assert_eq!(
            c.verifiable.get(b"k".as_slice()),
            Some(&Some(b"w".to_vec()))
        );
    }

    #[test]
    fn range_merges_base_and_writes() {
        let mut o = Overlay::new(base_with(&[
            ("p/1", "a"),
            ("p/2", "b"),
            ("p/3", "c"),
            ("q/1", "z"),
        ]));
        o.delete(b"p/2".to_vec());
        o.put(b"p/4".to_vec(), b"d".to_vec());
        let end = prefix_end(b"p/");
        let got = o.range(b"p/", end.as_deref(), 10).unwrap();
        let keys: Vec<_> = got
            .iter()
            .map(|(k, _)| String::from_utf8(k.clone()).unwrap())
            .collect();
        assert_eq!(keys, vec!["p/1", "p/3", "p/4"]);
        let limited = o.range(b"p/", end.as_deref(), 2).unwrap();
        assert_eq!(limited.len(), 2);
        assert_eq!(limited[1].0, b"p/3".to_vec());
    }

    #[test]
    fn nonverifiable_space_is_separate() {
        let mut o = Overlay::empty();
        o.nv_put(b"k".to_vec(), b"v".to_vec());
        assert_eq!(o.get(b"k").unwrap(), None);
        assert_eq!(o.nv_get(b"k").unwrap(), Some(b"v".to_vec()));
    }

    #[test]
    fn prefix_end_handles_ff() {
        assert_eq!(prefix_end(b"a"), Some(b"b".to_vec()));
        assert_eq!(prefix_end(&[0x61, 0xff]), Some(vec![0x62]));
        assert_eq!(prefix_end(&[0xff, 0xff]), None);
    }
}
