//! In-order plaintext: a streamer task that decrypts and writes each next slice as
//! soon as it is verified (from memory while a budget allows, before it is even
//! written; else read back from the store once stored), and [`decrypt_to`] for
//! content already complete.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use weave_slices::{
    decrypt_slice, decrypt_slice_in_place, Bitfield, ContentKey, MetaHash, SliceStore,
};

use crate::error::DownloadError;

/// Plaintext output for a download: the content key and where to write.
pub struct PlaintextStream {
    /// The content key.
    pub key: ContentKey,
    /// The writer; it receives the plaintext in order and is flushed at the end.
    pub writer: Box<dyn AsyncWrite + Send + Unpin>,
}

impl PlaintextStream {
    /// Streams to `writer` with `key`.
    pub fn new(key: ContentKey, writer: impl AsyncWrite + Send + Unpin + 'static) -> Self {
        PlaintextStream {
            key,
            writer: Box::new(writer),
        }
    }
}

/// Decrypts complete content from the store to `writer`, slice by slice (each slice is
/// re-verified as it is read). Returns the plaintext bytes written.
pub fn decrypt_to(
    store: &SliceStore,
    root: &[u8; 32],
    key: &ContentKey,
    writer: &mut impl std::io::Write,
) -> Result<u64, DownloadError> {
    let meta = store.meta(root)?;
    let mut written = 0u64;
    for index in 0..meta.slice_count {
        let Some((mut plaintext, _)) = store.get_slice(root, index)? else {
            return Err(DownloadError::Incomplete {
                root: *root,
                missing: store.missing(root)?.len() as u64,
            });
        };
        decrypt_slice_in_place(key, index, &mut plaintext)?;
        writer.write_all(&plaintext).map_err(DownloadError::Write)?;
        written += plaintext.len() as u64;
    }
    writer.flush().map_err(DownloadError::Write)?;
    Ok(written)
}

/// Aborts a spawned task when dropped (a cancelled download stops its streamer).
pub(super) struct AbortOnDrop<T>(pub(super) JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// At most this much verified ciphertext is handed to the streamer in memory; beyond
/// it the streamer reads slices back from the store.
const STREAM_BUFFER_BYTES: u64 = 64 << 20;

/// A slice now present, for the streamer: its verified ciphertext when the in-memory
/// budget allowed, else just the index.
pub(super) struct StoredSlice {
    index: u64,
    ciphertext: Option<Arc<Vec<u8>>>,
}

/// Counters shared between a download and its streamer.
#[derive(Default)]
pub(super) struct StreamShared {
    /// Plaintext bytes written.
    pub(super) written: AtomicU64,
    /// Ciphertext bytes handed over in memory and not yet written out.
    buffered: AtomicU64,
}

/// A running streamer: the task writing plaintext in order, and the sender the
/// download hands each newly stored slice to.
pub(super) type Streamer = (
    AbortOnDrop<Result<u64, DownloadError>>,
    mpsc::UnboundedSender<StoredSlice>,
);

/// Starts the streamer for `out`, given the slices already `present`.
pub(super) fn spawn_streamer(
    store: SliceStore,
    meta: MetaHash,
    out: PlaintextStream,
    present: Bitfield,
    shared: Arc<StreamShared>,
) -> Streamer {
    let (tx, rx) = mpsc::unbounded_channel();
    let task = AbortOnDrop(tokio::spawn(stream_plaintext(
        store, meta, out, present, rx, shared,
    )));
    (task, tx)
}

/// Takes `bytes` of the in-memory budget, if they fit.
fn reserve(shared: &StreamShared, bytes: u64) -> bool {
    shared
        .buffered
        .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |held| {
            (held + bytes <= STREAM_BUFFER_BYTES).then_some(held + bytes)
        })
        .is_ok()
}

/// Hands a newly stored slice to the streamer: its verified ciphertext while the
/// in-memory budget allows, else only its index (the streamer reads it back).
pub(super) fn offer_to_stream(
    tx: &mpsc::UnboundedSender<StoredSlice>,
    shared: &StreamShared,
    index: u64,
    ciphertext: Arc<Vec<u8>>,
) {
    let ciphertext = reserve(shared, ciphertext.len() as u64).then_some(ciphertext);
    // The streamer having ended (an error) is seen by the main loop.
    let _ = tx.send(StoredSlice { index, ciphertext });
}

/// Hands a slice verified against the root but not yet written to the streamer, if
/// the in-memory budget allows (the streamer could not read it back from the store
/// yet). True if it was handed over: the player need not wait for the write and
/// its fsync, and the download must not offer it again once stored.
pub(super) fn offer_verified(
    tx: &mpsc::UnboundedSender<StoredSlice>,
    shared: &StreamShared,
    index: u64,
    ciphertext: &Arc<Vec<u8>>,
) -> bool {
    if !reserve(shared, ciphertext.len() as u64) {
        return false;
    }
    let _ = tx.send(StoredSlice {
        index,
        ciphertext: Some(ciphertext.clone()),
    });
    true
}

/// Writes plaintext in slice order as slices are verified or stored. `stored` carries
/// each slice verified (with its ciphertext) or newly stored; it closing means the
/// download is over (complete or not).
async fn stream_plaintext(
    store: SliceStore,
    meta: MetaHash,
    mut out: PlaintextStream,
    mut present: Bitfield,
    mut stored: mpsc::UnboundedReceiver<StoredSlice>,
    shared: Arc<StreamShared>,
) -> Result<u64, DownloadError> {
    let mut next = 0u64;
    let mut held: BTreeMap<u64, Arc<Vec<u8>>> = BTreeMap::new();
    loop {
        while next < meta.slice_count && present.get(next) {
            let (store, key, root, index) = (store.clone(), out.key.clone(), meta.root, next);
            let in_memory = held.remove(&index);
            if let Some(ct) = &in_memory {
                shared
                    .buffered
                    .fetch_sub(ct.len() as u64, Ordering::Relaxed);
            }
            let plaintext = tokio::task::spawn_blocking(move || {
                // Verified before it was stored; decrypted in the buffer it arrived in
                // when nothing else holds it (the usual case).
                let mut ciphertext = match in_memory.map(Arc::try_unwrap) {
                    Some(Ok(owned)) => owned,
                    Some(Err(shared)) => return Ok(decrypt_slice(&key, index, &shared)?),
                    None => match store.get_slice(&root, index)? {
                        Some((ciphertext, _)) => ciphertext,
                        None => return Err(DownloadError::Incomplete { root, missing: 1 }),
                    },
                };
                decrypt_slice_in_place(&key, index, &mut ciphertext)?;
                Ok(ciphertext)
            })
            .await
            .map_err(|_| DownloadError::Stopped)??;
            out.writer
                .write_all(&plaintext)
                .await
                .map_err(DownloadError::Write)?;
            shared
                .written
                .fetch_add(plaintext.len() as u64, Ordering::Relaxed);
            next += 1;
        }
        if next == meta.slice_count {
            out.writer.flush().await.map_err(DownloadError::Write)?;
            return Ok(shared.written.load(Ordering::Relaxed));
        }
        match stored.recv().await {
            Some(slice) => {
                present.set(slice.index);
                if let Some(ct) = slice.ciphertext {
                    if let Some(old) = held.insert(slice.index, ct) {
                        shared
                            .buffered
                            .fetch_sub(old.len() as u64, Ordering::Relaxed);
                    }
                }
            }
            None => {
                out.writer.flush().await.map_err(DownloadError::Write)?;
                return Ok(shared.written.load(Ordering::Relaxed));
            }
        }
    }
}
