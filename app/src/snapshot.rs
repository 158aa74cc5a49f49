//! State sync: the snapshots a node serves, and the restore of one received from peers.
//!
//! **Taking.** Every `interval` blocks, [`crate::App`]'s Commit pins the version it just
//! wrote ([`Storage::export`]) and a background thread writes it out with
//! [`write_snapshot`]; the node goes on committing meanwhile. A snapshot is a directory
//! `<dir>/<height, 20 digits>/` holding `metadata` and `chunk-000000`, `chunk-000001`, …;
//! it is written under a temporary name and renamed when complete, and only the newest
//! `keep_recent` are kept.
//!
//! **Format [`FORMAT`] (1).** A chunk is a protobuf [`ChunkBody`]: entries (section, key,
//! value) in section order, then key order, with at most `chunk_bytes` bytes per chunk
//! (a single larger entry gets a chunk of its own). The ABCI snapshot's `metadata` is a
//! protobuf [`SnapshotMetadata`]: the SHA-256 of every chunk, in order, and the app hash
//! of the version; its `hash` is the SHA-256 of the metadata.
//!
//! **Restoring.** [`Restore::offer`] refuses a snapshot of another format, or whose
//! metadata does not hold together or names another app hash than the one CometBFT's
//! light client trusted. [`Restore::apply`] checks each chunk against its hash: a chunk
//! that does not match is refused with `RETRY`, refetched and its sender rejected, so
//! CometBFT asks another peer. When the last chunk is in, [`Restore::finish`] rebuilds
//! the tree and writes it only if its root is the trusted app hash; otherwise the
//! snapshot is rejected and nothing is written. The node serves nothing from the
//! snapshot before that check.
//!
//! The slice store and other node-local data are not part of a snapshot.

use std::{
    collections::BTreeSet,
    io::Write,
    path::{Path, PathBuf},
};

use prost::Message;
use sha2::{Digest, Sha256};
use tendermint_proto::v0_38::abci::{
    response_apply_snapshot_chunk::Result as ApplyResult,
    response_offer_snapshot::Result as OfferResult, RequestApplySnapshotChunk,
    RequestOfferSnapshot, ResponseApplySnapshotChunk, Snapshot,
};

use crate::store::{Export, Restored, Section, Storage, StoreError};

/// The snapshot format this binary writes and restores.
pub const FORMAT: u32 = 1;
/// The default largest chunk: 10 MiB (CometBFT takes chunks of up to 16 MiB).
pub const DEFAULT_CHUNK_BYTES: usize = 10 * 1024 * 1024;
/// The most chunks a snapshot offered to this node may have (a 1 TiB state at 10 MiB).
pub const MAX_CHUNKS: u32 = 100_000;

/// When and where a node takes snapshots.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotConfig {
    /// The directory of the snapshots.
    pub dir: PathBuf,
    /// A snapshot every this many blocks; 0: none.
    pub interval: u64,
    /// How many snapshots to keep (at least 1).
    pub keep_recent: usize,
    /// The largest chunk, in bytes.
    pub chunk_bytes: usize,
}

/// A failure to write, read or apply a snapshot.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Reading or writing a snapshot file failed.
    #[error("snapshot file {path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What failed.
        source: std::io::Error,
    },
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> SnapshotError + '_ {
    move |source| SnapshotError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The ABCI snapshot's `metadata`.
#[derive(Clone, PartialEq, Message)]
pub struct SnapshotMetadata {
    /// SHA-256 of each chunk, in order.
    #[prost(bytes = "vec", repeated, tag = "1")]
    pub chunk_hashes: Vec<Vec<u8>>,
    /// The app hash (JMT root) of the snapshot's version.
    #[prost(bytes = "vec", tag = "2")]
    pub app_hash: Vec<u8>,
}

/// One chunk: a run of entries.
#[derive(Clone, PartialEq, Message)]
pub struct ChunkBody {
    /// The entries, in section then key order.
    #[prost(message, repeated, tag = "1")]
    pub entries: Vec<ChunkEntry>,
}

/// One key and its value.
#[derive(Clone, PartialEq, Message)]
pub struct ChunkEntry {
    /// [`SECTION_VERIFIABLE`], [`SECTION_NONVERIFIABLE`] or [`SECTION_META`].
    #[prost(uint32, tag = "1")]
    pub section: u32,
    /// The key.
    #[prost(bytes = "vec", tag = "2")]
    pub key: Vec<u8>,
    /// The value.
    #[prost(bytes = "vec", tag = "3")]
    pub value: Vec<u8>,
}

/// [`ChunkEntry::section`] of the verifiable state.
pub const SECTION_VERIFIABLE: u32 = 1;
/// [`ChunkEntry::section`] of the query indexes.
pub const SECTION_NONVERIFIABLE: u32 = 2;
/// [`ChunkEntry::section`] of the application metadata.
pub const SECTION_META: u32 = 3;

fn section_code(section: Section) -> u32 {
    match section {
        Section::Verifiable => SECTION_VERIFIABLE,
        Section::NonVerifiable => SECTION_NONVERIFIABLE,
        Section::Meta => SECTION_META,
    }
}

fn sha256(bytes: &[u8]) -> Vec<u8> {
    Sha256::digest(bytes).to_vec()
}

fn snapshot_dir(dir: &Path, height: u64) -> PathBuf {
    dir.join(format!("{height:020}"))
}

fn chunk_file(dir: &Path, index: u32) -> PathBuf {
    dir.join(format!("chunk-{index:06}"))
}

const METADATA_FILE: &str = "metadata";

/// What [`write_snapshot`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotSummary {
    /// The height (version) of the snapshot.
    pub height: u64,
    /// How many chunks.
    pub chunks: u32,
    /// How many entries, all sections.
    pub entries: u64,
    /// The chunks' total size in bytes.
    pub bytes: u64,
}

/// Cuts a stream of entries into chunks of at most `chunk_bytes` encoded bytes (an entry
/// larger than that alone in its chunk), handing each encoded chunk to `emit`.
struct Chunker<F> {
    chunk_bytes: usize,
    body: ChunkBody,
    size: usize,
    emit: F,
}

impl<F: FnMut(Vec<u8>) -> Result<(), SnapshotError>> Chunker<F> {
    fn push(&mut self, entry: ChunkEntry) -> Result<(), SnapshotError> {
        let len = entry.encoded_len();
        let framed = 1 + prost::encoding::encoded_len_varint(len as u64) + len;
        if !self.body.entries.is_empty() && self.size.saturating_add(framed) > self.chunk_bytes {
            self.flush()?;
        }
        self.size = self.size.saturating_add(framed);
        self.body.entries.push(entry);
        Ok(())
    }

    fn flush(&mut self) -> Result<(), SnapshotError> {
        let body = std::mem::take(&mut self.body);
        self.size = 0;
        (self.emit)(body.encode_to_vec())
    }
}

/// Writes the exported version as snapshot `<dir>/<height>/` (replacing a partial one),
/// then deletes all but the newest `keep_recent` snapshots.
pub fn write_snapshot(
    export: &Export<'_>,
    dir: &Path,
    chunk_bytes: usize,
    keep_recent: usize,
) -> Result<SnapshotSummary, SnapshotError> {
    let height = export.version();
    let tmp = dir.join(format!("tmp-{height:020}"));
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp).map_err(io_error(&tmp))?;
    }
    std::fs::create_dir_all(&tmp).map_err(io_error(&tmp))?;

    let mut hashes = Vec::new();
    let mut bytes = 0u64;
    let mut entries = 0u64;
    {
        let mut chunker = Chunker {
            chunk_bytes: chunk_bytes.max(1),
            body: ChunkBody::default(),
            size: 0,
            emit: |chunk: Vec<u8>| {
                let index = u32::try_from(hashes.len()).unwrap_or(u32::MAX);
                let path = chunk_file(&tmp, index);
                write_file(&path, &chunk)?;
                hashes.push(sha256(&chunk));
                bytes = bytes.saturating_add(chunk.len() as u64);
                Ok(())
            },
        };
        for section in Section::ALL {
            export.for_each::<SnapshotError>(section, |key, value| {
                entries += 1;
                chunker.push(ChunkEntry {
                    section: section_code(section),
                    key: key.to_vec(),
                    value: value.to_vec(),
                })
            })?;
        }
        // The last chunk, and at least one.
        chunker.flush()?;
    }
    let chunks = u32::try_from(hashes.len()).unwrap_or(u32::MAX);
    let metadata = SnapshotMetadata {
        chunk_hashes: hashes,
        app_hash: export.root_hash().to_vec(),
    };
    write_file(&tmp.join(METADATA_FILE), &metadata.encode_to_vec())?;
    let done = snapshot_dir(dir, height);
    if done.exists() {
        std::fs::remove_dir_all(&done).map_err(io_error(&done))?;
    }
    std::fs::rename(&tmp, &done).map_err(io_error(&done))?;
    prune_snapshots(dir, keep_recent.max(1))?;
    Ok(SnapshotSummary {
        height,
        chunks,
        entries,
        bytes,
    })
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<(), SnapshotError> {
    let mut f = std::fs::File::create(path).map_err(io_error(path))?;
    f.write_all(bytes).map_err(io_error(path))?;
    f.sync_all().map_err(io_error(path))
}

/// The heights of the complete snapshots in `dir`, oldest first.
fn heights(dir: &Path) -> Result<Vec<u64>, SnapshotError> {
    let listing = match std::fs::read_dir(dir) {
        Ok(l) => l,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io_error(dir)(e)),
    };
    let mut out = Vec::new();
    for entry in listing {
        let entry = entry.map_err(io_error(dir))?;
        let name = entry.file_name();
        if let Some(h) = name.to_str().and_then(|n| {
            (n.len() == 20 && n.bytes().all(|b| b.is_ascii_digit()))
                .then(|| n.parse::<u64>().ok())
                .flatten()
        }) {
            out.push(h);
        }
    }
    out.sort_unstable();
    Ok(out)
}

fn prune_snapshots(dir: &Path, keep: usize) -> Result<(), SnapshotError> {
    let all = heights(dir)?;
    let drop = all.len().saturating_sub(keep);
    for height in &all[..drop] {
        let path = snapshot_dir(dir, *height);
        std::fs::remove_dir_all(&path).map_err(io_error(&path))?;
    }
    Ok(())
}

/// The snapshots in `dir`, as ListSnapshots answers, newest first.
pub fn list_snapshots(dir: &Path) -> Result<Vec<Snapshot>, SnapshotError> {
    let mut out = Vec::new();
    for height in heights(dir)?.into_iter().rev() {
        let path = snapshot_dir(dir, height).join(METADATA_FILE);
        let metadata = std::fs::read(&path).map_err(io_error(&path))?;
        let decoded = SnapshotMetadata::decode(metadata.as_slice()).map_err(|e| {
            io_error(&path)(std::io::Error::new(std::io::ErrorKind::InvalidData, e))
        })?;
        out.push(Snapshot {
            height,
            format: FORMAT,
            chunks: u32::try_from(decoded.chunk_hashes.len()).unwrap_or(u32::MAX),
            hash: sha256(&metadata).into(),
            metadata: metadata.into(),
        });
    }
    Ok(out)
}

/// Chunk `index` of snapshot `height` in `dir`; `None` if there is no such chunk.
pub fn load_chunk(
    dir: &Path,
    height: u64,
    format: u32,
    index: u32,
) -> Result<Option<Vec<u8>>, SnapshotError> {
    if format != FORMAT {
        return Ok(None);
    }
    let path = chunk_file(&snapshot_dir(dir, height), index);
    match std::fs::read(&path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_error(&path)(e)),
    }
}

/// A restore in progress: the snapshot CometBFT offered and accepted, and the chunks
/// applied so far.
#[derive(Debug)]
pub struct Restore {
    height: u64,
    app_hash: Vec<u8>,
    chunk_hashes: Vec<Vec<u8>>,
    applied: Vec<bool>,
    senders: BTreeSet<String>,
    state: Restored,
}

/// What [`Restore::apply`] decided.
#[derive(Debug, PartialEq)]
pub enum Applied {
    /// The chunk is in; more are needed.
    Accepted,
    /// The chunk is in and was the last one: call [`Restore::finish`].
    Complete,
    /// Refused; answer CometBFT with this.
    Refused(ResponseApplySnapshotChunk),
}

fn refuse(result: ApplyResult, refetch: Vec<u32>, senders: Vec<String>) -> Applied {
    Applied::Refused(ResponseApplySnapshotChunk {
        result: result as i32,
        refetch_chunks: refetch,
        reject_senders: senders,
    })
}

impl Restore {
    /// Accepts the offered snapshot, or says why not.
    pub fn offer(req: &RequestOfferSnapshot) -> Result<Self, OfferResult> {
        let Some(snapshot) = &req.snapshot else {
            return Err(OfferResult::Reject);
        };
        if snapshot.format != FORMAT {
            return Err(OfferResult::RejectFormat);
        }
        if snapshot.height == 0
            || snapshot.chunks == 0
            || snapshot.chunks > MAX_CHUNKS
            || snapshot.hash.as_ref() != sha256(&snapshot.metadata).as_slice()
        {
            return Err(OfferResult::Reject);
        }
        let metadata = SnapshotMetadata::decode(snapshot.metadata.as_ref())
            .map_err(|_| OfferResult::Reject)?;
        let consistent = metadata.chunk_hashes.len() == snapshot.chunks as usize
            && metadata.chunk_hashes.iter().all(|h| h.len() == 32);
        // The light client's trusted app hash is what the tree must come to; a snapshot
        // that says otherwise is not worth fetching.
        if !consistent || metadata.app_hash.as_slice() != req.app_hash.as_ref() {
            return Err(OfferResult::Reject);
        }
        Ok(Self {
            height: snapshot.height,
            app_hash: req.app_hash.to_vec(),
            applied: vec![false; metadata.chunk_hashes.len()],
            chunk_hashes: metadata.chunk_hashes,
            senders: BTreeSet::new(),
            state: Restored::default(),
        })
    }

    /// The height being restored.
    pub fn height(&self) -> u64 {
        self.height
    }

    /// Every peer that sent an accepted chunk.
    pub fn senders(&self) -> Vec<String> {
        self.senders.iter().cloned().collect()
    }

    /// Checks chunk `req.index` against its hash and takes in its entries.
    pub fn apply(&mut self, req: &RequestApplySnapshotChunk) -> Applied {
        let index = req.index as usize;
        let Some(expected) = self.chunk_hashes.get(index) else {
            return refuse(ApplyResult::RejectSnapshot, Vec::new(), Vec::new());
        };
        if sha256(&req.chunk) != *expected {
            tracing::warn!(
                height = self.height,
                index,
                sender = %req.sender,
                "snapshot chunk does not match its hash; refetching from another peer"
            );
            let senders = if req.sender.is_empty() {
                Vec::new()
            } else {
                vec![req.sender.clone()]
            };
            return refuse(ApplyResult::Retry, vec![req.index], senders);
        }
        if !self.applied[index] {
            // The hash matched, so the snapshot's own author wrote whatever is here: a
            // chunk that is not a valid body condemns the snapshot.
            let Ok(body) = ChunkBody::decode(req.chunk.as_ref()) else {
                return refuse(
                    ApplyResult::RejectSnapshot,
                    Vec::new(),
                    self.all_senders(req),
                );
            };
            for entry in body.entries {
                let fresh = match entry.section {
                    SECTION_VERIFIABLE if !entry.key.is_empty() => self
                        .state
                        .verifiable
                        .insert(entry.key, entry.value)
                        .is_none(),
                    SECTION_NONVERIFIABLE => self
                        .state
                        .nonverifiable
                        .insert(entry.key, entry.value)
                        .is_none(),
                    SECTION_META => match String::from_utf8(entry.key) {
                        Ok(key) => self.state.meta.insert(key, entry.value).is_none(),
                        Err(_) => false,
                    },
                    _ => false,
                };
                if !fresh {
                    return refuse(
                        ApplyResult::RejectSnapshot,
                        Vec::new(),
                        self.all_senders(req),
                    );
                }
            }
            self.applied[index] = true;
            if !req.sender.is_empty() {
                self.senders.insert(req.sender.clone());
            }
        }
        if self.applied.iter().all(|a| *a) {
            Applied::Complete
        } else {
            Applied::Accepted
        }
    }

    fn all_senders(&self, req: &RequestApplySnapshotChunk) -> Vec<String> {
        let mut all = self.senders.clone();
        if !req.sender.is_empty() {
            all.insert(req.sender.clone());
        }
        all.into_iter().collect()
    }

    /// Writes the restored version into `storage` if its root is the trusted app hash
    /// (else [`StoreError::RootMismatch`], and nothing is written).
    pub fn finish(self, storage: &Storage) -> Result<(), StoreError> {
        storage.restore(self.height, &self.app_hash, self.state)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::store::StorageConfig;
    use weave_kernel::ChangeSet;

    /// A store with `n` keys of `value_len` bytes at version 7, some indexes and meta.
    fn source(dir: &tempfile::TempDir, n: usize, value_len: usize) -> Storage {
        let storage = Storage::open(dir.path(), StorageConfig::default()).unwrap();
        let mut c = ChangeSet::default();
        for i in 0..n {
            c.verifiable.insert(
                format!("k/{i:05}").into_bytes(),
                Some(vec![i as u8; value_len]),
            );
        }
        c.nonverifiable
            .insert(b"idx/1".to_vec(), Some(b"x".to_vec()));
        let mut p = storage.prepare(7, c).unwrap();
        p.set_meta("chain_id", b"weave-test".to_vec());
        storage.commit(p).unwrap();
        storage
    }

    fn offer_of(dir: &Path, app_hash: &[u8]) -> RequestOfferSnapshot {
        let snapshot = list_snapshots(dir).unwrap().remove(0);
        RequestOfferSnapshot {
            snapshot: Some(snapshot),
            app_hash: app_hash.to_vec().into(),
        }
    }

    fn chunk_req(dir: &Path, height: u64, index: u32, sender: &str) -> RequestApplySnapshotChunk {
        RequestApplySnapshotChunk {
            index,
            chunk: load_chunk(dir, height, FORMAT, index)
                .unwrap()
                .unwrap()
                .into(),
            sender: sender.into(),
        }
    }

    #[test]
    fn chunks_are_bounded_hashed_and_listed() {
        let (db, snaps) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let storage = source(&db, 200, 100);
        let export = storage.export().unwrap();
        let summary = write_snapshot(&export, snaps.path(), 4096, 2).unwrap();
        assert_eq!(summary.height, 7);
        assert_eq!(summary.entries, 202);
        assert!(summary.chunks >= 5, "{summary:?}");
        let list = list_snapshots(snaps.path()).unwrap();
        assert_eq!(list.len(), 1);
        let s = &list[0];
        assert_eq!((s.height, s.format, s.chunks), (7, FORMAT, summary.chunks));
        let metadata = SnapshotMetadata::decode(s.metadata.as_ref()).unwrap();
        assert_eq!(metadata.app_hash, storage.root_hash(7).unwrap().to_vec());
        let mut total = 0;
        for index in 0..s.chunks {
            let chunk = load_chunk(snaps.path(), 7, FORMAT, index).unwrap().unwrap();
            assert!(chunk.len() <= 4096, "chunk {index}: {} bytes", chunk.len());
            assert_eq!(sha256(&chunk), metadata.chunk_hashes[index as usize]);
            total += ChunkBody::decode(chunk.as_slice()).unwrap().entries.len();
        }
        assert_eq!(total, 202);
        assert_eq!(load_chunk(snaps.path(), 7, FORMAT, s.chunks).unwrap(), None);
        assert_eq!(load_chunk(snaps.path(), 7, FORMAT + 1, 0).unwrap(), None);
        assert_eq!(load_chunk(snaps.path(), 8, FORMAT, 0).unwrap(), None);

        // An entry larger than the limit gets a chunk of its own.
        let (db2, snaps2) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let big = source(&db2, 3, 10_000);
        let summary = write_snapshot(&big.export().unwrap(), snaps2.path(), 4096, 2).unwrap();
        assert_eq!(summary.chunks, 4, "three big values, then index and meta");
    }

    #[test]
    fn only_the_newest_snapshots_are_kept() {
        let (db, snaps) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let storage = source(&db, 3, 1);
        for v in 8..12u64 {
            write_snapshot(&storage.export().unwrap(), snaps.path(), 1 << 20, 2).unwrap();
            storage
                .commit(storage.prepare(v, ChangeSet::default()).unwrap())
                .unwrap();
        }
        let heights: Vec<u64> = list_snapshots(snaps.path())
            .unwrap()
            .iter()
            .map(|s| s.height)
            .collect();
        assert_eq!(heights, vec![10, 9]);
    }

    #[test]
    fn a_snapshot_restores_to_the_same_state() {
        let (db, snaps, target) = (
            tempfile::tempdir().unwrap(),
            tempfile::tempdir().unwrap(),
            tempfile::tempdir().unwrap(),
        );
        let storage = source(&db, 300, 50);
        let root = storage.root_hash(7).unwrap();
        let summary = write_snapshot(&storage.export().unwrap(), snaps.path(), 2048, 2).unwrap();
        let mut restore = Restore::offer(&offer_of(snaps.path(), &root)).unwrap();
        assert_eq!(restore.height(), 7);
        for index in 0..summary.chunks {
            let applied = restore.apply(&chunk_req(snaps.path(), 7, index, "peer-a"));
            let expected = if index + 1 == summary.chunks {
                Applied::Complete
            } else {
                Applied::Accepted
            };
            assert_eq!(applied, expected, "chunk {index}");
        }
        let restored = Storage::open(target.path(), StorageConfig::default()).unwrap();
        restore.finish(&restored).unwrap();
        assert_eq!(restored.latest_version(), Some(7));
        assert_eq!(restored.root_hash(7).unwrap(), root);
        assert_eq!(
            restored.get_at(b"k/00123", 7).unwrap(),
            Some(vec![123u8; 50])
        );
        assert_eq!(
            restored.meta_get("chain_id").unwrap(),
            Some(b"weave-test".to_vec())
        );
    }

    #[test]
    fn unknown_formats_and_inconsistent_offers_are_refused() {
        let (db, snaps) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let storage = source(&db, 10, 1);
        let root = storage.root_hash(7).unwrap();
        write_snapshot(&storage.export().unwrap(), snaps.path(), 1 << 20, 2).unwrap();
        let good = offer_of(snaps.path(), &root);
        assert!(Restore::offer(&good).is_ok());

        let mut other_format = good.clone();
        other_format.snapshot.as_mut().unwrap().format = FORMAT + 1;
        assert_eq!(
            Restore::offer(&other_format).unwrap_err(),
            OfferResult::RejectFormat
        );
        let mut other_hash = good.clone();
        other_hash.app_hash = vec![0u8; 32].into();
        assert_eq!(
            Restore::offer(&other_hash).unwrap_err(),
            OfferResult::Reject
        );
        let mut wrong_count = good.clone();
        wrong_count.snapshot.as_mut().unwrap().chunks += 1;
        assert_eq!(
            Restore::offer(&wrong_count).unwrap_err(),
            OfferResult::Reject
        );
        let mut forged = good.clone();
        forged.snapshot.as_mut().unwrap().hash = vec![1u8; 32].into();
        assert_eq!(Restore::offer(&forged).unwrap_err(), OfferResult::Reject);
        let mut none = good;
        none.snapshot = None;
        assert_eq!(Restore::offer(&none).unwrap_err(), OfferResult::Reject);
    }

    #[test]
    fn a_bad_chunk_is_refetched_from_another_peer() {
        let (db, snaps, target) = (
            tempfile::tempdir().unwrap(),
            tempfile::tempdir().unwrap(),
            tempfile::tempdir().unwrap(),
        );
        let storage = source(&db, 100, 50);
        let root = storage.root_hash(7).unwrap();
        let summary = write_snapshot(&storage.export().unwrap(), snaps.path(), 2048, 2).unwrap();
        let mut restore = Restore::offer(&offer_of(snaps.path(), &root)).unwrap();
        assert_eq!(
            restore.apply(&chunk_req(snaps.path(), 7, 0, "good")),
            Applied::Accepted
        );
        // A lying peer's chunk 1: one byte changed.
        let mut lie = chunk_req(snaps.path(), 7, 1, "liar");
        let mut bytes = lie.chunk.to_vec();
        bytes[3] ^= 1;
        lie.chunk = bytes.into();
        assert_eq!(
            restore.apply(&lie),
            Applied::Refused(ResponseApplySnapshotChunk {
                result: ApplyResult::Retry as i32,
                refetch_chunks: vec![1],
                reject_senders: vec!["liar".into()],
            })
        );
        // A chunk index beyond the snapshot condemns it.
        let mut beyond = chunk_req(snaps.path(), 7, 0, "good");
        beyond.index = summary.chunks;
        assert!(matches!(
            restore.apply(&beyond),
            Applied::Refused(r) if r.result == ApplyResult::RejectSnapshot as i32
        ));
        // The honest chunk from another peer goes through, and the restore completes.
        for index in 1..summary.chunks {
            restore.apply(&chunk_req(snaps.path(), 7, index, "good"));
        }
        assert_eq!(restore.senders(), vec!["good".to_string()]);
        let restored = Storage::open(target.path(), StorageConfig::default()).unwrap();
        restore.finish(&restored).unwrap();
        assert_eq!(restored.root_hash(7).unwrap(), root);
    }

    #[test]
    fn a_snapshot_whose_tree_is_not_the_trusted_root_is_refused() {
        // A snapshot whose metadata claims the trusted app hash but whose content is
        // another state: every chunk matches its hash, the root does not.
        let (db, other_db, snaps, target) = (
            tempfile::tempdir().unwrap(),
            tempfile::tempdir().unwrap(),
            tempfile::tempdir().unwrap(),
            tempfile::tempdir().unwrap(),
        );
        let trusted = source(&db, 20, 4).root_hash(7).unwrap();
        let other = source(&other_db, 21, 4);
        write_snapshot(&other.export().unwrap(), snaps.path(), 1 << 20, 2).unwrap();
        let mut offer = offer_of(snaps.path(), &other.root_hash(7).unwrap());
        let snapshot = offer.snapshot.as_mut().unwrap();
        let mut metadata = SnapshotMetadata::decode(snapshot.metadata.as_ref()).unwrap();
        metadata.app_hash = trusted.to_vec();
        snapshot.metadata = metadata.encode_to_vec().into();
        snapshot.hash = sha256(&snapshot.metadata).into();
        offer.app_hash = trusted.to_vec().into();
        let mut restore = Restore::offer(&offer).unwrap();
        assert_eq!(
            restore.apply(&chunk_req(snaps.path(), 7, 0, "liar")),
            Applied::Complete
        );
        let restored = Storage::open(target.path(), StorageConfig::default()).unwrap();
        let err = restore.finish(&restored).unwrap_err();
        assert!(matches!(err, StoreError::RootMismatch { .. }), "{err}");
        assert_eq!(restored.latest_version(), None, "nothing written");
    }

    #[test]
    fn garbage_behind_a_matching_hash_rejects_the_snapshot() {
        let garbage = b"\xff\xff\xff not a chunk".to_vec();
        let metadata = SnapshotMetadata {
            chunk_hashes: vec![sha256(&garbage)],
            app_hash: vec![9; 32],
        }
        .encode_to_vec();
        let offer = RequestOfferSnapshot {
            snapshot: Some(Snapshot {
                height: 3,
                format: FORMAT,
                chunks: 1,
                hash: sha256(&metadata).into(),
                metadata: metadata.into(),
            }),
            app_hash: vec![9; 32].into(),
        };
        let mut restore = Restore::offer(&offer).unwrap();
        let applied = restore.apply(&RequestApplySnapshotChunk {
            index: 0,
            chunk: garbage.into(),
            sender: "author".into(),
        });
        assert_eq!(
            applied,
            Applied::Refused(ResponseApplySnapshotChunk {
                result: ApplyResult::RejectSnapshot as i32,
                refetch_chunks: Vec::new(),
                reject_senders: vec!["author".into()],
            })
        );
    }

    #[test]
    fn an_app_joins_from_another_apps_snapshot_and_follows_its_blocks() {
        use tendermint_proto::google::protobuf::Timestamp;
        use tendermint_proto::v0_38::abci::{
            RequestFinalizeBlock, RequestInfo, RequestInitChain, RequestLoadSnapshotChunk,
        };
        let (a_dir, snaps, b_dir) = (
            tempfile::tempdir().unwrap(),
            tempfile::tempdir().unwrap(),
            tempfile::tempdir().unwrap(),
        );
        let a = crate::App::open(a_dir.path(), StorageConfig::default()).unwrap();
        a.set_snapshots(SnapshotConfig {
            dir: snaps.path().to_path_buf(),
            interval: 2,
            keep_recent: 2,
            chunk_bytes: 512,
        });
        a.init_chain(RequestInitChain {
            chain_id: "snap-test".into(),
            initial_height: 1,
            time: Some(Timestamp {
                seconds: 1_000,
                nanos: 0,
            }),
            ..Default::default()
        })
        .unwrap();
        let block = |height: i64| RequestFinalizeBlock {
            height,
            time: Some(Timestamp {
                seconds: 1_000 + height,
                nanos: 0,
            }),
            proposer_address: vec![7u8; 20].into(),
            ..Default::default()
        };
        for height in 1..=2 {
            a.finalize_block(block(height)).unwrap();
            a.commit().unwrap();
        }
        // Written in the background: wait for it.
        let mut tries = 0;
        while a.list_snapshots().snapshots.is_empty() {
            tries += 1;
            assert!(tries < 500, "no snapshot written");
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        let snapshot = a.list_snapshots().snapshots.remove(0);
        assert_eq!((snapshot.height, snapshot.format), (2, FORMAT));
        assert!(snapshot.chunks > 1, "{snapshot:?}");
        let info_a = a.info(RequestInfo::default()).unwrap();

        let b = crate::App::open(b_dir.path(), StorageConfig::default()).unwrap();
        let offer = |app_hash: Vec<u8>| RequestOfferSnapshot {
            snapshot: Some(snapshot.clone()),
            app_hash: app_hash.into(),
        };
        // Offered with another trusted app hash, it is refused.
        assert_eq!(
            b.offer_snapshot(offer(vec![1; 32])).result,
            OfferResult::Reject as i32
        );
        assert_eq!(
            b.offer_snapshot(offer(info_a.last_block_app_hash.to_vec()))
                .result,
            OfferResult::Accept as i32
        );
        for index in 0..snapshot.chunks {
            let chunk = a
                .load_snapshot_chunk(RequestLoadSnapshotChunk {
                    height: 2,
                    format: FORMAT,
                    chunk: index,
                })
                .chunk;
            let applied = b.apply_snapshot_chunk(RequestApplySnapshotChunk {
                index,
                chunk,
                sender: "a".into(),
            });
            assert_eq!(applied.result, ApplyResult::Accept as i32, "chunk {index}");
        }
        let info_b = b.info(RequestInfo::default()).unwrap();
        assert_eq!(info_b.last_block_height, 2);
        assert_eq!(info_b.last_block_app_hash, info_a.last_block_app_hash);
        assert_eq!(b.chain_id(), "snap-test");
        // A store that holds state takes no snapshot.
        assert_eq!(
            b.offer_snapshot(offer(info_a.last_block_app_hash.to_vec()))
                .result,
            OfferResult::Abort as i32
        );
        // Both execute the next block to the same app hash.
        let next_a = a.finalize_block(block(3)).unwrap();
        let next_b = b.finalize_block(block(3)).unwrap();
        assert_eq!(next_a.app_hash, next_b.app_hash);
        b.commit().unwrap();
    }
}
