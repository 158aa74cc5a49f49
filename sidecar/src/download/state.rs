//! What a download knows: the slices still missing or on their way, each peer as the
//! download sees it, and the background work in flight; and what it reports from that.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::Ordering;
use std::sync::Arc;

use futures::future::BoxFuture;
use futures::stream::FuturesUnordered;
use futures::FutureExt;
use libp2p::PeerId;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;
use weave_slices::{Bitfield, MetaHash, SliceStore, StoreError};

use super::options::DownloadOptions;
use super::report::{DownloadReport, PeerReport, Progress};
use super::stream::{StoredSlice, StreamShared};
use crate::error::RequestError;
use crate::evidence::BadSliceEvidence;
use crate::handle::SidecarHandle;
use crate::node::Command;
use crate::protocol::{ErrorCode, Payee, Request, Response, SIGNATURE_LEN};

/// One peer, as this download sees it.
#[derive(Debug)]
pub(super) struct Peer {
    pub(super) have: Option<Bitfield>,
    pub(super) have_pending: bool,
    /// When the last `Have` was answered (or refused).
    pub(super) have_at: Option<Instant>,
    pub(super) in_flight: usize,
    pub(super) bytes_in_flight: u64,
    /// Indices requested from this peer and not yet answered.
    pub(super) requested: BTreeSet<u64>,
    pub(super) window: usize,
    pub(super) strikes: u32,
    pub(super) banned: bool,
    pub(super) failures: u32,
    pub(super) backoff_until: Option<Instant>,
    pub(super) busy_streak: u32,
    pub(super) slices: u64,
    pub(super) bytes: u64,
    /// Bytes per second, averaged over responses.
    pub(super) rate: Option<f64>,
    /// The scheduler's generation when this peer last had nothing to fetch.
    pub(super) idle_at_generation: Option<u64>,
    /// Where this peer wants to be paid, if it does.
    pub(super) payee: Option<Payee>,
    /// Vouchers sent again since the last one accepted.
    pub(super) resends: u32,
    /// A voucher is waiting to be sent again.
    pub(super) resend_pending: bool,
}

impl Peer {
    pub(super) fn new(window: usize) -> Peer {
        Peer {
            have: None,
            have_pending: false,
            have_at: None,
            in_flight: 0,
            bytes_in_flight: 0,
            requested: BTreeSet::new(),
            window,
            strikes: 0,
            banned: false,
            failures: 0,
            backoff_until: None,
            busy_streak: 0,
            slices: 0,
            bytes: 0,
            rate: None,
            idle_at_generation: None,
            payee: None,
            resends: 0,
            resend_pending: false,
        }
    }

    pub(super) fn backed_off(&self, now: Instant) -> bool {
        self.backoff_until.is_some_and(|t| t > now)
    }
}

/// What finished in the background.
pub(super) enum Event {
    Have {
        peer: PeerId,
        result: Result<Response, RequestError>,
    },
    Slice {
        peer: PeerId,
        index: u64,
        sent: Instant,
        result: Result<Response, RequestError>,
    },
    Stored {
        peer: PeerId,
        index: u64,
        ciphertext: Arc<Vec<u8>>,
        header: SignedHeader,
        verdict: Verdict,
        /// Handed to the streamer once verified, before it was written.
        streamed: bool,
    },
    Paid {
        peer: PeerId,
        result: Result<Response, RequestError>,
        /// A voucher sent again after a refusal.
        resent: bool,
    },
    Ignored,
}

/// A slice's header as served: evidence, should its signature verify and the slice
/// not.
pub(super) struct SignedHeader {
    /// `leaf_hash` of the ciphertext received.
    pub(super) ciphertext_hash: [u8; 32],
    /// The proof as served (`MerkleProof::to_bytes`).
    pub(super) proof: Vec<u8>,
    /// The seeder's signature over `sign_bytes`.
    pub(super) signature: [u8; SIGNATURE_LEN],
}

/// What became of a slice received.
pub(super) enum Verdict {
    /// Its header is not signed by the peer that served it: not stored.
    BadSignature,
    /// Signed: handed to the store, which verified it against the meta-hash and
    /// stored it (`Ok(true)`), found it already there (`Ok(false)`), or refused it.
    Store(Result<bool, StoreError>),
}

/// One download in progress.
pub(super) struct Download {
    pub(super) handle: SidecarHandle,
    pub(super) store: SliceStore,
    pub(super) meta: MetaHash,
    pub(super) opts: DownloadOptions,
    /// Slices not yet stored.
    pub(super) missing: BTreeSet<u64>,
    /// Outstanding requests per index.
    pub(super) in_flight: BTreeMap<u64, u32>,
    /// Slices received and being verified and written.
    pub(super) storing: BTreeSet<u64>,
    pub(super) peers: BTreeMap<PeerId, Peer>,
    pub(super) pending: FuturesUnordered<BoxFuture<'static, Event>>,
    /// Vouchers on their way to seeders.
    pub(super) payments: FuturesUnordered<BoxFuture<'static, Event>>,
    /// Bumped whenever a slice returns to the pool or a peer's bitfield changes, so
    /// that idle peers are looked at again.
    pub(super) generation: u64,
    pub(super) started: Instant,
    pub(super) last_progress: Instant,
    pub(super) already_present: u64,
    pub(super) fetched: u64,
    pub(super) bytes_fetched: u64,
    pub(super) rejected: u64,
    /// Evidence of bad slices, in the order seen.
    pub(super) bad_slices: Vec<BadSliceEvidence>,
    pub(super) announced: bool,
    pub(super) last_refusal: Option<ErrorCode>,
    /// The reader moved the focus since the last schedule: busy peers' back-offs are
    /// lifted (see `schedule::lift_busy_backoff`).
    pub(super) focus_moved: bool,
    /// Peers that want payment when this download has no payer.
    pub(super) unpaid_refusals: BTreeSet<PeerId>,
    /// Vouchers sent and refused.
    pub(super) vouchers_refused: u64,
    pub(super) stream_tx: Option<mpsc::UnboundedSender<StoredSlice>>,
    pub(super) stream_shared: Arc<StreamShared>,
}

impl Download {
    /// Sends `request` to `peer` through the node; the answer, when it comes.
    pub(super) fn request(
        &self,
        peer: PeerId,
        request: Request,
    ) -> BoxFuture<'static, Result<Response, RequestError>> {
        let commands = self.handle.clone();
        async move {
            let (reply, rx) = oneshot::channel();
            commands
                .send(Command::Request {
                    peer,
                    request,
                    reply,
                })
                .await
                .map_err(|_| RequestError::Stopped)?;
            rx.await.map_err(|_| RequestError::Stopped)?
        }
        .boxed()
    }

    /// Where the download stands now.
    fn progress(&self) -> Progress {
        let total = self.meta.slice_count;
        let secs = self.started.elapsed().as_secs_f64();
        Progress {
            slices_done: total - self.missing.len() as u64,
            slices_total: total,
            bytes_fetched: self.bytes_fetched,
            bytes_per_sec: if secs > 0.0 {
                (self.bytes_fetched as f64 / secs) as u64
            } else {
                0
            },
            peers_active: self
                .peers
                .values()
                .filter(|p| !p.banned && p.have.is_some())
                .count(),
            peers_banned: self.peers.values().filter(|p| p.banned).count(),
            slices_rejected: self.rejected,
            plaintext_written: self.stream_shared.written.load(Ordering::Relaxed),
        }
    }

    /// Publishes the progress, if it changed and a caller is watching.
    pub(super) fn publish_progress(&self) {
        if let Some(tx) = &self.opts.progress {
            let p = self.progress();
            tx.send_if_modified(|old| {
                if *old == p {
                    false
                } else {
                    *old = p;
                    true
                }
            });
        }
    }

    /// How the download went.
    pub(super) fn report(&self) -> DownloadReport {
        DownloadReport {
            root: self.meta.root,
            slices_total: self.meta.slice_count,
            already_present: self.already_present,
            slices_fetched: self.fetched,
            bytes_fetched: self.bytes_fetched,
            slices_rejected: self.rejected,
            bad_slices: self.bad_slices.clone(),
            plaintext_written: self.stream_shared.written.load(Ordering::Relaxed),
            elapsed: self.started.elapsed(),
            peers: self
                .peers
                .iter()
                .map(|(id, p)| PeerReport {
                    peer: *id,
                    slices: p.slices,
                    bytes: p.bytes,
                    strikes: p.strikes,
                    banned: p.banned,
                    bytes_per_sec: p.rate.map_or(0, |r| r as u64),
                })
                .collect(),
        }
    }
}
