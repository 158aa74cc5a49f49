//! A crash-safe on-disk store of verified ciphertext slices, for seeders and
//! downloaders.
//!
//! # Layout
//! ```text
//! <dir>/<root hex>/meta.json              the MetaHash (JSON)
//! <dir>/<root hex>/bitfield               which slices are present and verified
//! <dir>/<root hex>/<index:020>.slice      "WSL1", proof length (u16 BE), the encoded
//!                                         MerkleProof, then the ciphertext
//! <dir>/<root hex>/<name>.<pid>-<n>.tmp   a write in progress
//! ```
//!
//! # Guarantees
//! - A slice is verified against the content's [`MetaHash`] *before* anything is
//!   written; a slice that does not verify is refused ([`StoreError::Rejected`]).
//! - Slice files and the meta-hash are written atomically: a temporary file in the
//!   same directory is written and fsynced, renamed into place, then the directory is
//!   fsynced. Only then is the slice's bit set, in memory and then in the bitfield file
//!   (one byte rewritten in place). A bit is never set for a slice that is not durably
//!   on disk.
//! - The bitfield file is a cache of what the slice files say. [`SliceStore::open`]
//!   reconciles the two: a slice file whose bit was never written (a crash between the
//!   rename and the bitfield write) is verified and recovered, a bit whose file is gone
//!   is cleared, a file of the wrong size or one that does not verify is deleted, and
//!   leftover temporary files are removed. An interrupted download therefore resumes
//!   from exactly the slices that are durably stored.
//! - [`SliceStore::get_slice`] re-verifies a slice on every read, so bit rot on disk is
//!   never served: a slice that no longer verifies is dropped and reported.
//! - IO failures (a full disk, a vanished directory) are returned as
//!   [`StoreError::Io`]; nothing panics.
//!
//! One process owns a store directory at a time. Within that process a [`SliceStore`]
//! is cheap to clone and safe to share between threads; file IO happens outside its
//! lock, so readers and writers of different slices do not wait for each other.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::{Bitfield, HashedSlice, MerkleProof, MerkleTree, MetaHash, SliceError, TAG_LEN};

/// The most slices a stored content may have (2^27: 128 TiB at the default 1 MiB slice
/// size, 512 GiB at the smallest). Bounds the memory a bitfield takes.
pub const MAX_SLICES: u64 = 1 << 27;

/// The magic bytes that open every slice file.
const SLICE_MAGIC: &[u8; 4] = b"WSL1";
/// Magic plus the proof length.
const SLICE_HEADER_LEN: usize = 6;
const META_FILE: &str = "meta.json";
const BITFIELD_FILE: &str = "bitfield";
const SLICE_SUFFIX: &str = ".slice";
const TMP_SUFFIX: &str = ".tmp";

/// What can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// An IO operation failed (disk full, permissions, a vanished directory, ...).
    #[error("{op} {path}: {source}")]
    Io {
        /// What the store was doing.
        op: &'static str,
        /// The file or directory involved.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// The store holds no content with this root.
    #[error("unknown content {}", hex::encode(root))]
    UnknownContent {
        /// The root asked for.
        root: [u8; 32],
    },
    /// Content with this root is already stored under a different meta-hash.
    #[error(
        "content {} is already stored with a different meta-hash",
        hex::encode(root)
    )]
    MetaConflict {
        /// The root.
        root: [u8; 32],
    },
    /// The meta-hash is invalid or too large for the store.
    #[error("invalid meta-hash for {}: {reason}", hex::encode(root))]
    InvalidMeta {
        /// The root.
        root: [u8; 32],
        /// Why it was refused.
        reason: String,
    },
    /// A slice did not verify against the meta-hash and was not stored.
    #[error("slice {index} of {} refused: {source}", hex::encode(root))]
    Rejected {
        /// The content root.
        root: [u8; 32],
        /// The slice index.
        index: u64,
        /// Why verification failed.
        #[source]
        source: SliceError,
    },
    /// A file in the store is damaged. Damaged slice files are deleted and their bits
    /// cleared when this is reported.
    #[error("corrupt store file {path}: {reason}")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// Sealed slices handed to [`SliceStore::import_sealed`] do not match the
    /// meta-hash.
    #[error("sealed content does not match its meta-hash: {reason}")]
    SealedMismatch {
        /// What disagrees.
        reason: String,
    },
}

fn io_err<'a>(op: &'static str, path: &'a Path) -> impl FnOnce(io::Error) -> StoreError + 'a {
    move |source| StoreError::Io {
        op,
        path: path.to_path_buf(),
        source,
    }
}

/// How hard the store works to make writes durable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreOptions {
    /// Fsync each slice file and its directory before setting the slice's bit. Turn
    /// this off only for throwaway stores (benchmarks of the network path): without it
    /// a power loss can lose slices whose bits were set (the next open still notices,
    /// since it reconciles with the files present).
    pub fsync: bool,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions { fsync: true }
    }
}

/// The status of one stored content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentStatus {
    /// The content's meta-hash (its `root` names it).
    pub meta: MetaHash,
    /// Slices present and verified.
    pub present: u64,
    /// Slices in the content.
    pub total: u64,
    /// Ciphertext bytes present.
    pub bytes_present: u64,
    /// Ciphertext bytes of the whole content.
    pub bytes_total: u64,
}

impl ContentStatus {
    /// True if every slice is present.
    pub fn is_complete(&self) -> bool {
        self.present == self.total
    }
}

/// The ciphertext length of slice `index` of `meta`.
pub fn ciphertext_len(meta: &MetaHash, index: u64) -> Result<u64, SliceError> {
    Ok(meta.plaintext_len_of(index)? + TAG_LEN as u64)
}

/// The ciphertext bytes of the slices in `bits`.
fn ciphertext_bytes(meta: &MetaHash, bits: &Bitfield) -> u64 {
    let full = u64::from(meta.slice_size) + TAG_LEN as u64;
    let mut bytes = bits.count_ones().saturating_mul(full);
    let last = meta.slice_count.saturating_sub(1);
    if meta.slice_count > 0 && bits.get(last) {
        let last_len = ciphertext_len(meta, last).unwrap_or(full);
        bytes = bytes.saturating_sub(full - last_len);
    }
    bytes
}

struct Content {
    meta: MetaHash,
    dir: PathBuf,
    present: Bitfield,
}

struct Inner {
    dir: PathBuf,
    options: StoreOptions,
    contents: Mutex<BTreeMap<[u8; 32], Content>>,
    tmp_counter: AtomicU64,
}

/// The slice store. Cheap to clone; clones share the same state.
#[derive(Clone)]
pub struct SliceStore {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for SliceStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SliceStore")
            .field("dir", &self.inner.dir)
            .field("options", &self.inner.options)
            .finish_non_exhaustive()
    }
}

impl SliceStore {
    /// Opens (creating if needed) the store in `dir` with default options (fsync on).
    pub fn open(dir: impl AsRef<Path>) -> Result<SliceStore, StoreError> {
        SliceStore::open_with(dir, StoreOptions::default())
    }

    /// Opens (creating if needed) the store in `dir`, reconciling each content's
    /// bitfield with the slice files actually present (see the module docs).
    pub fn open_with(
        dir: impl AsRef<Path>,
        options: StoreOptions,
    ) -> Result<SliceStore, StoreError> {
        let dir = dir.as_ref().to_path_buf();
        fs::create_dir_all(&dir).map_err(io_err("create directory", &dir))?;
        let store = SliceStore {
            inner: Arc::new(Inner {
                dir: dir.clone(),
                options,
                contents: Mutex::new(BTreeMap::new()),
                tmp_counter: AtomicU64::new(0),
            }),
        };
        let mut contents = BTreeMap::new();
        for entry in fs::read_dir(&dir).map_err(io_err("read directory", &dir))? {
            let entry = entry.map_err(io_err("read directory", &dir))?;
            let path = entry.path();
            let Some(root) = entry.file_name().to_str().and_then(parse_root) else {
                continue;
            };
            if !path.is_dir() {
                continue;
            }
            if let Some(content) = store.reconcile(root, &path)? {
                contents.insert(root, content);
            }
        }
        *store.lock() = contents;
        Ok(store)
    }

    /// The directory the store lives in.
    pub fn dir(&self) -> &Path {
        &self.inner.dir
    }

    fn lock(&self) -> MutexGuard<'_, BTreeMap<[u8; 32], Content>> {
        // Nothing panics while holding the lock with the map half-updated, so a
        // poisoned lock still guards consistent state.
        self.inner
            .contents
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Rebuilds one content's state from its directory; `None` if it has no meta-hash
    /// yet (a crash during [`SliceStore::create`]).
    fn reconcile(&self, root: [u8; 32], dir: &Path) -> Result<Option<Content>, StoreError> {
        let mut slice_files = BTreeMap::new();
        for entry in fs::read_dir(dir).map_err(io_err("read directory", dir))? {
            let entry = entry.map_err(io_err("read directory", dir))?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            if name.ends_with(TMP_SUFFIX) {
                let path = entry.path();
                fs::remove_file(&path).map_err(io_err("remove temporary file", &path))?;
            } else if let Some(index) = name
                .strip_suffix(SLICE_SUFFIX)
                .filter(|n| n.len() == 20 && n.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|n| n.parse::<u64>().ok())
            {
                slice_files.insert(index, entry.path());
            }
        }
        let meta_path = dir.join(META_FILE);
        let meta_json = match fs::read(&meta_path) {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io_err("read", &meta_path)(e)),
        };
        let meta: MetaHash =
            serde_json::from_slice(&meta_json).map_err(|e| StoreError::Corrupt {
                path: meta_path.clone(),
                reason: e.to_string(),
            })?;
        if meta.root != root {
            return Err(StoreError::Corrupt {
                path: meta_path,
                reason: format!(
                    "meta-hash root {} in the directory of another",
                    hex::encode(meta.root)
                ),
            });
        }
        check_meta(&meta)?;
        let bitfield_path = dir.join(BITFIELD_FILE);
        let recorded = match fs::read(&bitfield_path) {
            // A damaged bitfield is only a cache: rebuild it from the files.
            Ok(b) => Bitfield::from_bytes(meta.slice_count, &b)
                .unwrap_or_else(|_| Bitfield::new(meta.slice_count)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Bitfield::new(meta.slice_count),
            Err(e) => return Err(io_err("read", &bitfield_path)(e)),
        };
        let mut present = Bitfield::new(meta.slice_count);
        for (index, path) in slice_files {
            let keep = if index >= meta.slice_count {
                false
            } else if recorded.get(index) {
                // Recorded as verified: a size check is enough here, reads re-verify.
                let len = fs::metadata(&path).map_err(io_err("stat", &path))?.len();
                len == expected_file_len(&meta, index)?
            } else {
                // Written but never recorded (a crash before the bitfield write):
                // verify it in full before trusting it.
                read_slice_file(&path, &meta, index).is_ok()
            };
            if keep {
                present.set(index);
            } else {
                fs::remove_file(&path).map_err(io_err("remove damaged slice", &path))?;
            }
        }
        if present != recorded {
            self.write_file(dir, BITFIELD_FILE, &[present.as_bytes()], false)?;
        }
        Ok(Some(Content {
            meta,
            dir: dir.to_path_buf(),
            present,
        }))
    }

    /// Writes `parts` to `dir/name` atomically: a temporary file in the same
    /// directory, written, fsynced (if `sync`), renamed into place, then the directory
    /// fsynced (if `sync`).
    fn write_file(
        &self,
        dir: &Path,
        name: &str,
        parts: &[&[u8]],
        sync: bool,
    ) -> Result<(), StoreError> {
        let n = self.inner.tmp_counter.fetch_add(1, Ordering::Relaxed);
        let tmp = dir.join(format!("{name}.{}-{n}{TMP_SUFFIX}", std::process::id()));
        let target = dir.join(name);
        let result = (|| {
            let mut f = OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&tmp)
                .map_err(io_err("create", &tmp))?;
            for part in parts {
                f.write_all(part).map_err(io_err("write", &tmp))?;
            }
            if sync {
                f.sync_all().map_err(io_err("fsync", &tmp))?;
            }
            drop(f);
            fs::rename(&tmp, &target).map_err(io_err("rename into place", &target))?;
            if sync {
                sync_dir(dir)?;
            }
            Ok(())
        })();
        if result.is_err() {
            // Best effort: the write already failed and that error is what the caller
            // needs; a temporary file left behind is removed by the next open.
            let _ = fs::remove_file(&tmp);
        }
        result
    }

    /// Records bit `index` of `present` in the bitfield file by rewriting, in place,
    /// the one byte that holds it (a whole new file per slice, renamed over the old
    /// one, cost an inode created and one freed per slice: several percent of a
    /// download's CPU went to that filesystem metadata work). A one-byte
    /// write cannot be torn; lost, it only leaves a durable slice unrecorded, which the
    /// next open verifies and recovers. A bitfield file that is missing or of the
    /// wrong length is rewritten whole, atomically. Called with the store's lock held,
    /// so that writes of the same byte are ordered.
    fn record_bit(&self, dir: &Path, present: &Bitfield, index: u64) -> Result<(), StoreError> {
        let bytes = present.as_bytes();
        let offset = index / 8;
        let Some(&byte) = usize::try_from(offset).ok().and_then(|i| bytes.get(i)) else {
            return Ok(());
        };
        let path = dir.join(BITFIELD_FILE);
        let in_place = OpenOptions::new()
            .write(true)
            .open(&path)
            .and_then(|mut f| {
                if f.metadata()?.len() != bytes.len() as u64 {
                    return Err(io::Error::other("bitfield file of the wrong length"));
                }
                f.seek(SeekFrom::Start(offset))?;
                f.write_all(&[byte])
            });
        match in_place {
            Ok(()) => Ok(()),
            Err(_) => self.write_file(dir, BITFIELD_FILE, &[bytes], false),
        }
    }

    /// Registers content by its meta-hash, creating its directory. Returns true if it
    /// was new, false if the same meta-hash was already stored.
    pub fn create(&self, meta: &MetaHash) -> Result<bool, StoreError> {
        check_meta(meta)?;
        let mut contents = self.lock();
        if let Some(existing) = contents.get(&meta.root) {
            return if existing.meta == *meta {
                Ok(false)
            } else {
                Err(StoreError::MetaConflict { root: meta.root })
            };
        }
        let dir = self.inner.dir.join(hex::encode(meta.root));
        fs::create_dir_all(&dir).map_err(io_err("create directory", &dir))?;
        let present = Bitfield::new(meta.slice_count);
        let json = serde_json::to_vec_pretty(meta).map_err(|e| StoreError::InvalidMeta {
            root: meta.root,
            reason: e.to_string(),
        })?;
        self.write_file(&dir, BITFIELD_FILE, &[present.as_bytes()], false)?;
        // The meta-hash is written last and always synced: a directory with a
        // meta-hash is a content the store knows.
        self.write_file(&dir, META_FILE, &[&json], true)?;
        sync_dir(&self.inner.dir)?;
        contents.insert(
            meta.root,
            Content {
                meta: *meta,
                dir,
                present,
            },
        );
        Ok(true)
    }

    fn content_dir(&self, root: &[u8; 32]) -> Result<(MetaHash, PathBuf), StoreError> {
        self.lock()
            .get(root)
            .map(|c| (c.meta, c.dir.clone()))
            .ok_or(StoreError::UnknownContent { root: *root })
    }

    /// Verifies a slice against the content's meta-hash and, if it verifies, stores it
    /// durably and sets its bit. Returns true if the slice was new, false if it was
    /// already present. A slice that does not verify is refused and nothing is written.
    pub fn put_slice(
        &self,
        root: &[u8; 32],
        index: u64,
        ciphertext: &[u8],
        proof: &MerkleProof,
    ) -> Result<bool, StoreError> {
        self.put_hashed(root, index, &HashedSlice::new(ciphertext), proof)
    }

    /// [`SliceStore::put_slice`] of a slice already hashed (by a caller that needed
    /// its leaf hash too).
    pub fn put_hashed(
        &self,
        root: &[u8; 32],
        index: u64,
        slice: &HashedSlice<'_>,
        proof: &MerkleProof,
    ) -> Result<bool, StoreError> {
        let ciphertext = slice.ciphertext();
        let (meta, dir) = self.content_dir(root)?;
        meta.verify_hashed(index, slice, proof)
            .map_err(|source| StoreError::Rejected {
                root: *root,
                index,
                source,
            })?;
        if self.lock().get(root).is_some_and(|c| c.present.get(index)) {
            return Ok(false);
        }
        let proof_bytes = proof.to_bytes();
        let proof_len = u16::try_from(proof_bytes.len()).map_err(|_| StoreError::Rejected {
            root: *root,
            index,
            source: SliceError::MalformedProof {
                reason: "proof too long".into(),
            },
        })?;
        let mut header = Vec::with_capacity(SLICE_HEADER_LEN + proof_bytes.len());
        header.extend_from_slice(SLICE_MAGIC);
        header.extend_from_slice(&proof_len.to_be_bytes());
        header.extend_from_slice(&proof_bytes);
        self.write_file(
            &dir,
            &slice_file_name(index),
            &[&header, ciphertext],
            self.inner.options.fsync,
        )?;
        let mut contents = self.lock();
        let Some(content) = contents.get_mut(root) else {
            // Removed while we wrote: the file went with the directory, or will be
            // ignored as the directory has no meta-hash.
            return Err(StoreError::UnknownContent { root: *root });
        };
        if !content.present.set(index) {
            return Ok(false);
        }
        // The slice is durable now, so the in-memory bit is true whatever happens to
        // the bitfield file (which the next open reconciles anyway).
        self.record_bit(&dir, &content.present, index)?;
        Ok(true)
    }

    /// Reads slice `index` with its proof, re-verifying it against the meta-hash.
    /// `Ok(None)` if the slice is not (yet) present. A stored slice that no longer
    /// verifies is deleted, its bit cleared, and [`StoreError::Corrupt`] returned.
    pub fn get_slice(
        &self,
        root: &[u8; 32],
        index: u64,
    ) -> Result<Option<(Vec<u8>, MerkleProof)>, StoreError> {
        Ok(self
            .get_hashed(root, index)?
            .map(|(ciphertext, proof, _)| (ciphertext, proof)))
    }

    /// [`SliceStore::get_slice`], with the leaf hash its verification computed (what
    /// a seeder signs).
    pub fn get_hashed(
        &self,
        root: &[u8; 32],
        index: u64,
    ) -> Result<Option<HashedRead>, StoreError> {
        let (meta, dir, present) = {
            let contents = self.lock();
            let c = contents
                .get(root)
                .ok_or(StoreError::UnknownContent { root: *root })?;
            (c.meta, c.dir.clone(), c.present.get(index))
        };
        if index >= meta.slice_count {
            return Err(StoreError::Rejected {
                root: *root,
                index,
                source: SliceError::OutOfRange {
                    index,
                    count: meta.slice_count,
                },
            });
        }
        if !present {
            return Ok(None);
        }
        let path = dir.join(slice_file_name(index));
        match read_slice_file(&path, &meta, index) {
            Ok(slice) => Ok(Some(slice)),
            Err(e @ StoreError::Corrupt { .. }) => {
                let mut contents = self.lock();
                if let Some(c) = contents.get_mut(root) {
                    c.present.clear(index);
                    fs::remove_file(&path).map_err(io_err("remove damaged slice", &path))?;
                    self.write_file(&dir, BITFIELD_FILE, &[c.present.as_bytes()], false)?;
                }
                Err(e)
            }
            Err(e) => Err(e),
        }
    }

    /// The content's meta-hash.
    pub fn meta(&self, root: &[u8; 32]) -> Result<MetaHash, StoreError> {
        Ok(self.content_dir(root)?.0)
    }

    /// True if the store knows this content (even with no slices yet).
    pub fn contains(&self, root: &[u8; 32]) -> bool {
        self.lock().contains_key(root)
    }

    /// Which slices are present and verified.
    pub fn bitfield(&self, root: &[u8; 32]) -> Result<Bitfield, StoreError> {
        self.lock()
            .get(root)
            .map(|c| c.present.clone())
            .ok_or(StoreError::UnknownContent { root: *root })
    }

    /// The indices of the slices still missing, in increasing order.
    pub fn missing(&self, root: &[u8; 32]) -> Result<Vec<u64>, StoreError> {
        Ok(self.bitfield(root)?.zeros().collect())
    }

    /// True if every slice is present.
    pub fn is_complete(&self, root: &[u8; 32]) -> Result<bool, StoreError> {
        Ok(self.bitfield(root)?.is_full())
    }

    /// The status of one content.
    pub fn status(&self, root: &[u8; 32]) -> Result<ContentStatus, StoreError> {
        self.lock()
            .get(root)
            .map(status_of)
            .ok_or(StoreError::UnknownContent { root: *root })
    }

    /// The status of every stored content, by root.
    pub fn list(&self) -> Vec<ContentStatus> {
        self.lock().values().map(status_of).collect()
    }

    /// Stores content a seeder has just sealed: every slice with its proof from
    /// `tree`. Each slice is verified like any other; the content is created first if
    /// needed.
    pub fn import_sealed(
        &self,
        meta: &MetaHash,
        slices: &[Vec<u8>],
        tree: &MerkleTree,
    ) -> Result<(), StoreError> {
        if tree.root() != meta.root {
            return Err(StoreError::SealedMismatch {
                reason: "the tree's root is not the meta-hash's".into(),
            });
        }
        if slices.len() as u64 != meta.slice_count || tree.leaf_count() != meta.slice_count {
            return Err(StoreError::SealedMismatch {
                reason: format!(
                    "{} slices and {} leaves for a meta-hash of {}",
                    slices.len(),
                    tree.leaf_count(),
                    meta.slice_count
                ),
            });
        }
        self.create(meta)?;
        for (i, slice) in slices.iter().enumerate() {
            let index = i as u64;
            let proof = tree
                .proof(index)
                .ok_or_else(|| StoreError::SealedMismatch {
                    reason: format!("no proof for slice {index}"),
                })?;
            self.put_slice(&meta.root, index, slice, &proof)?;
        }
        Ok(())
    }

    /// Deletes a content and all its slices. Returns false if it was not stored.
    pub fn remove(&self, root: &[u8; 32]) -> Result<bool, StoreError> {
        let mut contents = self.lock();
        let Some(content) = contents.remove(root) else {
            return Ok(false);
        };
        // Remove the meta-hash first so that a crash half-way leaves a directory the
        // next open ignores.
        let meta_path = content.dir.join(META_FILE);
        fs::remove_file(&meta_path).map_err(io_err("remove", &meta_path))?;
        fs::remove_dir_all(&content.dir).map_err(io_err("remove directory", &content.dir))?;
        Ok(true)
    }
}

fn status_of(c: &Content) -> ContentStatus {
    let all = Bitfield::full(c.meta.slice_count);
    ContentStatus {
        meta: c.meta,
        present: c.present.count_ones(),
        total: c.meta.slice_count,
        bytes_present: ciphertext_bytes(&c.meta, &c.present),
        bytes_total: ciphertext_bytes(&c.meta, &all),
    }
}

fn check_meta(meta: &MetaHash) -> Result<(), StoreError> {
    let invalid = |reason: String| StoreError::InvalidMeta {
        root: meta.root,
        reason,
    };
    meta.validate().map_err(|e| invalid(e.to_string()))?;
    if meta.slice_count > MAX_SLICES {
        return Err(invalid(format!(
            "{} slices, the store takes at most {MAX_SLICES}",
            meta.slice_count
        )));
    }
    Ok(())
}

fn parse_root(name: &str) -> Option<[u8; 32]> {
    if name.len() != 64 {
        return None;
    }
    hex::decode(name).ok()?.try_into().ok()
}

fn slice_file_name(index: u64) -> String {
    format!("{index:020}{SLICE_SUFFIX}")
}

fn expected_file_len(meta: &MetaHash, index: u64) -> Result<u64, StoreError> {
    let proof = MerkleProof::sibling_count(index, meta.slice_count).unwrap_or(0);
    let proof_len = (MerkleProof::HEADER_LEN + 32 * proof) as u64;
    let ct = ciphertext_len(meta, index).map_err(|source| StoreError::Rejected {
        root: meta.root,
        index,
        source,
    })?;
    Ok(SLICE_HEADER_LEN as u64 + proof_len + ct)
}

/// Reads and fully verifies one slice file. The ciphertext is read straight into the
/// buffer that is returned (no copy out of a whole-file buffer, no zeroing first).
/// A slice read back and verified: its ciphertext, its proof and its leaf hash.
pub type HashedRead = (Vec<u8>, MerkleProof, [u8; 32]);

fn read_slice_file(path: &Path, meta: &MetaHash, index: u64) -> Result<HashedRead, StoreError> {
    let corrupt = |reason: String| StoreError::Corrupt {
        path: path.to_path_buf(),
        reason,
    };
    let expected = expected_file_len(meta, index)?;
    let mut f = File::open(path).map_err(io_err("open", path))?;
    let len = f.metadata().map_err(io_err("stat", path))?.len();
    if len != expected {
        return Err(corrupt(format!("{len} bytes, expected {expected}")));
    }
    let mut header = [0u8; SLICE_HEADER_LEN];
    read_exactly(&mut f, &mut header, path)?;
    if !header.starts_with(SLICE_MAGIC) {
        return Err(corrupt("bad header".into()));
    }
    let proof_len = usize::from(u16::from_be_bytes([header[4], header[5]]));
    let Some(ct_len) = len.checked_sub((SLICE_HEADER_LEN + proof_len) as u64) else {
        return Err(corrupt("proof runs past the end".into()));
    };
    let mut proof_bytes = vec![0u8; proof_len];
    read_exactly(&mut f, &mut proof_bytes, path)?;
    let proof = MerkleProof::from_bytes(&proof_bytes).map_err(|e| corrupt(e.to_string()))?;
    let mut ciphertext = Vec::with_capacity(usize::try_from(ct_len).unwrap_or(0));
    (&mut f)
        .take(ct_len)
        .read_to_end(&mut ciphertext)
        .map_err(io_err("read", path))?;
    if ciphertext.len() as u64 != ct_len {
        return Err(corrupt("shorter than its length".into()));
    }
    let slice = HashedSlice::new(&ciphertext);
    meta.verify_hashed(index, &slice, &proof)
        .map_err(|e| corrupt(e.to_string()))?;
    let leaf = *slice.leaf();
    Ok((ciphertext, proof, leaf))
}

/// `read_exact`, with a file that ends early reported as corrupt.
fn read_exactly(f: &mut File, buf: &mut [u8], path: &Path) -> Result<(), StoreError> {
    f.read_exact(buf).map_err(|e| match e.kind() {
        io::ErrorKind::UnexpectedEof => StoreError::Corrupt {
            path: path.to_path_buf(),
            reason: "shorter than its length".into(),
        },
        _ => io_err("read", path)(e),
    })
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io_err("fsync directory", dir))
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> Result<(), StoreError> {
    // Directories cannot be opened for fsync here; renames are durable on their own.
    Ok(())
}

#[cfg(test)]
mod tests;
