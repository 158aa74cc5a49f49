//! The downloader: find peers, learn what each holds, fetch the missing slices across
//! them, verify and store each one, and optionally stream plaintext out in order.
//!
//! # Scheduling
//! Candidates are the connected peers, the content's DHT providers and the peers that
//! announced it on gossipsub. Each is asked `Have`; its bitfield is re-asked when it
//! has nothing left that is needed (it may be downloading too). Missing slices go out
//! lowest index first, so a stream can start early. Peers are served in order of their
//! measured throughput (an average of bytes per second over their responses; peers
//! not yet measured come after), each up to its own window of outstanding requests
//! and a cap on bytes in flight. A window grows by one on every good slice up to the
//! maximum, and halves on a timeout, a transport error or a `Busy` answer (which also
//! backs the peer off briefly). When every missing slice is already requested, an idle
//! peer may request a slice a second time (end game), so one slow peer cannot hold up
//! the tail.
//!
//! # Verification and penalties
//! Every slice arrives with the seeder's signature over its header
//! ([`weave_slices::header::sign_bytes`] of the root, the index, the ciphertext's leaf
//! hash and the proof as sent), made with the identity key its peer id embeds. The
//! signature is checked first, then the slice against the meta-hash
//! ([`MetaHash::verify_slice`], inside [`SliceStore::put_slice`]); only a slice that
//! passes both is written. A bad signature, a slice that does not verify, a response
//! for the wrong index, or a malformed, truncated or oversized response is a strike
//! against the peer; after [`DownloadOptions::max_strikes`] strikes the peer is banned
//! for the rest of the download and nothing more it sends is stored. The slice goes
//! back in the pool and is fetched from another peer.
//!
//! # Evidence
//! A slice whose signature verifies but whose proof does not prove its leaf against
//! the root (the check `MsgReportBadSlice` makes on chain) is evidence against the
//! seeder: it is kept, once, in [`DownloadReport::bad_slices`] and in the handle
//! ([`SidecarHandle::bad_slice_evidence`]). A slice with a bad signature is only a
//! strike: nothing ties it to the seeder.
//!
//! # Paying
//! A seeder that wants to be paid says so with its bitfield (its payout address and
//! credit window). With a [`ChannelPayer`] in [`DownloadOptions::payer`], each slice
//! from such a seeder is paid for once it has verified and been stored: the seeder is
//! sent a new cumulative voucher for the slice's plaintext bytes. A slice that failed
//! verification, or a duplicate from the end game, is never paid for. Without a payer
//! such seeders are not asked for slices; if they are the only ones, the download
//! fails with [`DownloadError::PaymentRequired`].

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use futures::stream::FuturesUnordered;
use futures::{FutureExt, StreamExt};
use libp2p::PeerId;
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;
use weave_slices::{
    decrypt_slice, decrypt_slice_in_place, store::ciphertext_len, Bitfield, ContentKey, MetaHash,
    SliceStore, StoreError,
};

use crate::error::{DownloadError, RequestError, SidecarError};
use crate::evidence::{header_signed_by, BadSliceEvidence};
use crate::handle::SidecarHandle;
use crate::node::{plaintext_len, Command};
use crate::payment::ChannelPayer;
use crate::protocol::{ErrorCode, Payee, Request, Response, SIGNATURE_LEN};
use weave_kernel::Address;
use weave_proto::weave::channels::v1::SignedVoucher;

/// How long a download without a payer waits for a free seeder when only seeders that
/// want payment have answered.
const FREE_SEEDER_WAIT: Duration = Duration::from_secs(5);
/// How often a refused voucher's lane is paid again, and after how long.
const MAX_VOUCHER_RESENDS: u32 = 20;
const VOUCHER_RESEND_AFTER: Duration = Duration::from_secs(1);
/// How long a finished download waits for its last vouchers to be answered.
const PAYMENT_DRAIN: Duration = Duration::from_secs(10);

/// Knobs for one download.
pub struct DownloadOptions {
    /// Outstanding requests a peer starts with (its window grows from here).
    pub initial_window: usize,
    /// The most outstanding requests to one peer.
    pub max_window: usize,
    /// The most response bytes outstanding from one peer (kept under the seeders'
    /// default limit so they do not answer `Busy`).
    pub max_bytes_in_flight_per_peer: u64,
    /// Strikes (bad slices, malformed responses) before a peer is banned.
    pub max_strikes: u32,
    /// Transport failures in a row before a peer is set aside for a while.
    pub max_failures: u32,
    /// Give up when no slice has been stored for this long.
    pub stall_timeout: Duration,
    /// How often to look for new peers and re-ask idle peers what they hold.
    pub refresh_interval: Duration,
    /// Seed the content (DHT provider record and announcement) once the first slice
    /// is stored.
    pub announce: bool,
    /// Where to report progress; the latest [`Progress`] is always there to read.
    pub progress: Option<watch::Sender<Progress>>,
    /// Write decrypted plaintext here strictly in slice order, as soon as each next
    /// slice is stored.
    pub stream: Option<PlaintextStream>,
    /// Pays seeders that want payment, slice by slice; shared so that lanes carry on
    /// across downloads on the same channel.
    pub payer: Option<Arc<std::sync::Mutex<ChannelPayer>>>,
    /// How much to prefer each peer before its speed is measured, and between peers
    /// equally fast: the chain's seeder reputation, higher first. Peers not listed
    /// come last.
    pub preference: std::collections::BTreeMap<PeerId, u128>,
}

impl Default for DownloadOptions {
    fn default() -> Self {
        DownloadOptions {
            initial_window: 4,
            max_window: 16,
            max_bytes_in_flight_per_peer: 32 << 20,
            max_strikes: 3,
            max_failures: 3,
            stall_timeout: Duration::from_secs(60),
            refresh_interval: Duration::from_millis(500),
            announce: true,
            progress: None,
            stream: None,
            payer: None,
            preference: std::collections::BTreeMap::new(),
        }
    }
}

impl std::fmt::Debug for DownloadOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DownloadOptions")
            .field("initial_window", &self.initial_window)
            .field("max_window", &self.max_window)
            .field(
                "max_bytes_in_flight_per_peer",
                &self.max_bytes_in_flight_per_peer,
            )
            .field("max_strikes", &self.max_strikes)
            .field("max_failures", &self.max_failures)
            .field("stall_timeout", &self.stall_timeout)
            .field("refresh_interval", &self.refresh_interval)
            .field("announce", &self.announce)
            .field("progress", &self.progress.is_some())
            .field("stream", &self.stream.is_some())
            .field("payer", &self.payer.is_some())
            .field("preference", &self.preference.len())
            .finish()
    }
}

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

/// Where a download stands.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Progress {
    /// Slices present (including those present before the download started).
    pub slices_done: u64,
    /// Slices in the content.
    pub slices_total: u64,
    /// Ciphertext bytes fetched by this download.
    pub bytes_fetched: u64,
    /// Average fetch rate of this download, bytes per second.
    pub bytes_per_sec: u64,
    /// Peers currently usable.
    pub peers_active: usize,
    /// Peers banned for bad slices.
    pub peers_banned: usize,
    /// Slices refused because they did not verify (or their header signature did not).
    pub slices_rejected: u64,
    /// Plaintext bytes written to the stream, if streaming.
    pub plaintext_written: u64,
}

/// What one peer contributed to a download.
#[derive(Debug, Clone, PartialEq)]
pub struct PeerReport {
    /// The peer.
    pub peer: PeerId,
    /// Verified slices stored from it.
    pub slices: u64,
    /// Ciphertext bytes of those slices.
    pub bytes: u64,
    /// Strikes against it (bad slices or malformed responses).
    pub strikes: u32,
    /// Whether it was banned.
    pub banned: bool,
    /// Its measured throughput, bytes per second (0 if never measured).
    pub bytes_per_sec: u64,
}

/// How a download went.
#[derive(Debug, Clone, PartialEq)]
pub struct DownloadReport {
    /// The content root.
    pub root: [u8; 32],
    /// Slices in the content.
    pub slices_total: u64,
    /// Slices already in the store when the download started.
    pub already_present: u64,
    /// Slices fetched by this download.
    pub slices_fetched: u64,
    /// Ciphertext bytes fetched by this download.
    pub bytes_fetched: u64,
    /// Slices refused because they did not verify (or their header signature did not).
    pub slices_rejected: u64,
    /// The refused slices whose seeder signed them: evidence to report on chain.
    pub bad_slices: Vec<BadSliceEvidence>,
    /// Plaintext bytes written to the stream (0 without one).
    pub plaintext_written: u64,
    /// How long the download took.
    pub elapsed: Duration,
    /// Every peer that was asked, by peer id.
    pub peers: Vec<PeerReport>,
}

impl DownloadReport {
    /// The peers banned during the download.
    pub fn banned(&self) -> Vec<PeerId> {
        self.peers
            .iter()
            .filter(|p| p.banned)
            .map(|p| p.peer)
            .collect()
    }

    /// What `peer` contributed, if it was asked at all.
    pub fn peer(&self, peer: &PeerId) -> Option<&PeerReport> {
        self.peers.iter().find(|p| p.peer == *peer)
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
struct AbortOnDrop<T>(JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// At most this many bytes of received slices may wait to be verified and written;
/// beyond it no new request goes out (a slow disk holds the network back rather than
/// filling memory).
const MAX_STORING_BYTES: u64 = 256 << 20;

/// At most this much verified ciphertext is handed to the streamer in memory; beyond
/// it the streamer reads slices back from the store.
const STREAM_BUFFER_BYTES: u64 = 64 << 20;

/// A slice now present, for the streamer: its verified ciphertext when the in-memory
/// budget allowed, else just the index.
struct StoredSlice {
    index: u64,
    ciphertext: Option<Arc<Vec<u8>>>,
}

/// Counters shared between a download and its streamer.
#[derive(Default)]
struct StreamShared {
    /// Plaintext bytes written.
    written: AtomicU64,
    /// Ciphertext bytes handed over in memory and not yet written out.
    buffered: AtomicU64,
}

/// Writes plaintext in slice order as slices are stored. `stored` carries each newly
/// stored slice; it closing means the download is over (complete or not).
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

/// One peer, as this download sees it.
#[derive(Debug)]
struct Peer {
    have: Option<Bitfield>,
    have_pending: bool,
    /// When the last `Have` was answered (or refused).
    have_at: Option<Instant>,
    in_flight: usize,
    bytes_in_flight: u64,
    /// Indices requested from this peer and not yet answered.
    requested: BTreeSet<u64>,
    window: usize,
    strikes: u32,
    banned: bool,
    failures: u32,
    backoff_until: Option<Instant>,
    busy_streak: u32,
    slices: u64,
    bytes: u64,
    /// Bytes per second, averaged over responses.
    rate: Option<f64>,
    /// The scheduler's generation when this peer last had nothing to fetch.
    idle_at_generation: Option<u64>,
    /// Where this peer wants to be paid, if it does.
    payee: Option<Payee>,
    /// Vouchers sent again since the last one accepted.
    resends: u32,
    /// A voucher is waiting to be sent again.
    resend_pending: bool,
}

impl Peer {
    fn new(window: usize) -> Peer {
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

    fn backed_off(&self, now: Instant) -> bool {
        self.backoff_until.is_some_and(|t| t > now)
    }
}

/// The order in which peers are given requests: fastest measured first, unmeasured
/// after; ties, and the unmeasured, by preference (reputation, highest first), then
/// peer id.
fn sort_peers(
    order: &mut [(PeerId, Option<f64>)],
    preference: &std::collections::BTreeMap<PeerId, u128>,
) {
    let pref = |p: &PeerId| preference.get(p).copied().unwrap_or(0);
    order.sort_by(|a, b| {
        let by_rate = match (a.1, b.1) {
            (Some(x), Some(y)) => y.total_cmp(&x),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        };
        by_rate
            .then_with(|| pref(&b.0).cmp(&pref(&a.0)))
            .then_with(|| a.0.cmp(&b.0))
    });
}

/// What finished in the background.
enum Event {
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
struct SignedHeader {
    /// `leaf_hash` of the ciphertext received.
    ciphertext_hash: [u8; 32],
    /// The proof as served (`MerkleProof::to_bytes`).
    proof: Vec<u8>,
    /// The seeder's signature over `sign_bytes`.
    signature: [u8; SIGNATURE_LEN],
}

/// What became of a slice received.
enum Verdict {
    /// Its header is not signed by the peer that served it: not stored.
    BadSignature,
    /// Signed: handed to the store, which verified it against the meta-hash and
    /// stored it (`Ok(true)`), found it already there (`Ok(false)`), or refused it.
    Store(Result<bool, StoreError>),
}

struct Download {
    handle: SidecarHandle,
    store: SliceStore,
    meta: MetaHash,
    opts: DownloadOptions,
    /// Slices not yet stored.
    missing: BTreeSet<u64>,
    /// Outstanding requests per index.
    in_flight: BTreeMap<u64, u32>,
    /// Slices received and being verified and written.
    storing: BTreeSet<u64>,
    peers: BTreeMap<PeerId, Peer>,
    pending: FuturesUnordered<BoxFuture<'static, Event>>,
    /// Vouchers on their way to seeders.
    payments: FuturesUnordered<BoxFuture<'static, Event>>,
    /// Bumped whenever a slice returns to the pool or a peer's bitfield changes, so
    /// that idle peers are looked at again.
    generation: u64,
    started: Instant,
    last_progress: Instant,
    already_present: u64,
    fetched: u64,
    bytes_fetched: u64,
    rejected: u64,
    /// Evidence of bad slices, in the order seen.
    bad_slices: Vec<BadSliceEvidence>,
    announced: bool,
    last_refusal: Option<ErrorCode>,
    /// Peers that want payment when this download has no payer.
    unpaid_refusals: BTreeSet<PeerId>,
    /// Vouchers sent and refused.
    vouchers_refused: u64,
    stream_tx: Option<mpsc::UnboundedSender<StoredSlice>>,
    stream_shared: Arc<StreamShared>,
}

pub(crate) async fn run_download(
    handle: SidecarHandle,
    meta: MetaHash,
    mut opts: DownloadOptions,
) -> Result<DownloadReport, DownloadError> {
    let store = handle.store().clone();
    let present = {
        let store = store.clone();
        tokio::task::spawn_blocking(move || {
            store.create(&meta)?;
            store.bitfield(&meta.root)
        })
        .await
        .map_err(|_| DownloadError::Stopped)??
    };
    let now = Instant::now();
    let stream_shared = Arc::new(StreamShared::default());
    let mut streamer = None;
    let mut stream_tx = None;
    if let Some(out) = opts.stream.take() {
        let (tx, rx) = mpsc::unbounded_channel();
        stream_tx = Some(tx);
        streamer = Some(AbortOnDrop(tokio::spawn(stream_plaintext(
            store.clone(),
            meta,
            out,
            present.clone(),
            rx,
            stream_shared.clone(),
        ))));
    }
    opts.initial_window = opts.initial_window.max(1);
    opts.max_window = opts.max_window.max(opts.initial_window);
    let mut d = Download {
        handle,
        store,
        meta,
        opts,
        missing: present.zeros().collect(),
        in_flight: BTreeMap::new(),
        storing: BTreeSet::new(),
        peers: BTreeMap::new(),
        pending: FuturesUnordered::new(),
        payments: FuturesUnordered::new(),
        generation: 0,
        started: now,
        last_progress: now,
        already_present: present.count_ones(),
        fetched: 0,
        bytes_fetched: 0,
        rejected: 0,
        bad_slices: Vec::new(),
        announced: present.count_ones() > 0,
        last_refusal: None,
        unpaid_refusals: BTreeSet::new(),
        vouchers_refused: 0,
        stream_tx,
        stream_shared,
    };
    d.fetch_all(&mut streamer).await?;
    // Complete: let the streamer drain, then report.
    d.stream_tx = None;
    if let Some(mut s) = streamer {
        (&mut s.0).await.map_err(|_| DownloadError::Stopped)??;
    }
    d.publish_progress();
    Ok(d.report())
}

impl Download {
    /// Fetches until nothing is missing. `streamer` is taken (set to `None`) if it
    /// ends while fetching.
    async fn fetch_all(
        &mut self,
        streamer: &mut Option<AbortOnDrop<Result<u64, DownloadError>>>,
    ) -> Result<(), DownloadError> {
        if self.missing.is_empty() {
            return Ok(());
        }
        let mut providers = Self::find_providers(self.handle.clone(), self.meta.root).await?;
        self.discover().await?;
        let mut tick = tokio::time::interval(self.opts.refresh_interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut ticks = 0u64;
        while !self.missing.is_empty() {
            self.schedule();
            self.publish_progress();
            if self.last_progress.elapsed() > self.opts.stall_timeout {
                if self.last_refusal == Some(ErrorCode::PaymentRequired) {
                    return Err(self.payment_required());
                }
                return Err(DownloadError::Stalled {
                    root: self.meta.root,
                    missing: self.missing.len() as u64,
                    peers: self.peers.len(),
                    last_refusal: self.last_refusal,
                });
            }
            tokio::select! {
                Some(event) = self.pending.next(), if !self.pending.is_empty() => {
                    self.on_event(event)?;
                }
                Some(event) = self.payments.next(), if !self.payments.is_empty() => {
                    self.on_event(event)?;
                }
                found = async {
                    match providers.as_mut() {
                        Some(rx) => rx.recv().await,
                        None => std::future::pending().await,
                    }
                } => match found {
                    Some(peer) => self.add_peer(peer),
                    None => providers = None,
                },
                _ = tick.tick() => {
                    ticks += 1;
                    self.check_free_seeders(Instant::now())?;
                    self.discover().await?;
                    // Look the providers up again now and then while peers are scarce.
                    if providers.is_none() && ticks.is_multiple_of(20) && self.usable_peers() == 0 {
                        providers = Self::find_providers(self.handle.clone(), self.meta.root).await?;
                    }
                }
                done = async {
                    match streamer.as_mut() {
                        Some(s) => (&mut s.0).await,
                        None => std::future::pending().await,
                    }
                } => {
                    // The streamer ends early only on an error.
                    *streamer = None;
                    done.map_err(|_| DownloadError::Stopped)??;
                }
            }
        }
        self.finish_payments().await;
        Ok(())
    }

    /// Waits (briefly) for the vouchers still on their way, so that the seeders of
    /// the last slices are paid for them too.
    async fn finish_payments(&mut self) {
        let payments = std::mem::take(&mut self.payments);
        if payments.is_empty() {
            return;
        }
        let all = payments.collect::<Vec<Event>>();
        match tokio::time::timeout(PAYMENT_DRAIN, all).await {
            Ok(events) => {
                for event in events {
                    if let Event::Paid {
                        peer,
                        result,
                        resent,
                    } = event
                    {
                        self.on_paid(peer, result, resent);
                    }
                }
            }
            Err(_) => tracing::warn!("vouchers still unanswered when the download ended"),
        }
    }

    /// Starts a DHT provider lookup; providers arrive on the returned channel. (Takes
    /// the handle rather than `&self` so that no borrow of the download, which is not
    /// `Sync`, is held across the await.)
    async fn find_providers(
        handle: SidecarHandle,
        root: [u8; 32],
    ) -> Result<Option<mpsc::Receiver<PeerId>>, DownloadError> {
        let (found, rx) = mpsc::channel(64);
        handle
            .send(Command::FindProviders { root, found })
            .await
            .map_err(|_| DownloadError::Stopped)?;
        Ok(Some(rx))
    }

    /// Adds connected peers and gossip announcers.
    async fn discover(&mut self) -> Result<(), DownloadError> {
        let stopped = |_: SidecarError| DownloadError::Stopped;
        for peer in self.handle.connected_peers().await.map_err(stopped)? {
            self.add_peer(peer);
        }
        for peer in self
            .handle
            .announced(self.meta.root)
            .await
            .map_err(stopped)?
        {
            self.add_peer(peer);
        }
        Ok(())
    }

    fn add_peer(&mut self, peer: PeerId) {
        if peer != self.handle.peer_id() && !self.peers.contains_key(&peer) {
            self.peers.insert(peer, Peer::new(self.opts.initial_window));
        }
    }

    fn usable_peers(&self) -> usize {
        self.peers
            .values()
            .filter(|p| !p.banned && p.have.as_ref().is_some_and(|h| h.count_ones() > 0))
            .count()
    }

    fn request(
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

    /// Asks for bitfields where needed, then fills every peer's window.
    fn schedule(&mut self) {
        let now = Instant::now();
        let refresh = self.opts.refresh_interval;
        let root = self.meta.root;
        let mut have_requests = Vec::new();
        for (id, p) in &mut self.peers {
            if p.banned || p.have_pending || p.backed_off(now) {
                continue;
            }
            let stale = p.have_at.is_none_or(|t| now.duration_since(t) >= refresh);
            // Re-ask only peers with nothing useful left (they may be downloading).
            let idle = p.idle_at_generation.is_some() && p.in_flight == 0;
            if p.have_at.is_none() || (stale && (p.have.is_none() || idle)) {
                p.have_pending = true;
                have_requests.push(*id);
            }
        }
        for peer in have_requests {
            let fut = self.request(peer, Request::Have { root });
            self.pending
                .push(fut.map(move |result| Event::Have { peer, result }).boxed());
        }

        let mut order: Vec<(PeerId, Option<f64>)> = self
            .peers
            .iter()
            .filter(|(_, p)| {
                !p.banned
                    && !p.backed_off(now)
                    && p.have.is_some()
                    && p.idle_at_generation != Some(self.generation)
            })
            .map(|(id, p)| (*id, p.rate))
            .collect();
        sort_peers(&mut order, &self.opts.preference);
        for (peer, _) in order {
            while let Some(p) = self.peers.get(&peer) {
                let slice_bytes = u64::from(self.meta.slice_size) + weave_slices::TAG_LEN as u64;
                if (self.storing.len() as u64 + 1) * slice_bytes
                    > MAX_STORING_BYTES.max(slice_bytes)
                {
                    return;
                }
                if p.in_flight >= p.window
                    || (p.in_flight > 0
                        && p.bytes_in_flight + slice_bytes > self.opts.max_bytes_in_flight_per_peer)
                {
                    break;
                }
                let Some(index) = self.pick(&peer) else {
                    let generation = self.generation;
                    if let Some(p) = self.peers.get_mut(&peer) {
                        p.idle_at_generation = Some(generation);
                    }
                    break;
                };
                self.send_get(peer, index, now);
            }
        }
    }

    /// The lowest missing slice `peer` holds that nobody has been asked for; failing
    /// that (end game), one asked of exactly one other peer.
    fn pick(&self, peer: &PeerId) -> Option<u64> {
        let p = self.peers.get(peer)?;
        let have = p.have.as_ref()?;
        let free =
            self.missing.iter().copied().find(|i| {
                !self.in_flight.contains_key(i) && !self.storing.contains(i) && have.get(*i)
            });
        if free.is_some() {
            return free;
        }
        let all_requested = self
            .missing
            .iter()
            .all(|i| self.in_flight.contains_key(i) || self.storing.contains(i));
        if !all_requested {
            return None;
        }
        self.missing.iter().copied().find(|i| {
            self.in_flight.get(i) == Some(&1)
                && !self.storing.contains(i)
                && !p.requested.contains(i)
                && have.get(*i)
        })
    }

    fn send_get(&mut self, peer: PeerId, index: u64, now: Instant) {
        let bytes = ciphertext_len(&self.meta, index).unwrap_or(0);
        if let Some(p) = self.peers.get_mut(&peer) {
            p.idle_at_generation = None;
            p.in_flight += 1;
            p.bytes_in_flight += bytes;
            p.requested.insert(index);
        }
        *self.in_flight.entry(index).or_insert(0) += 1;
        let fut = self.request(
            peer,
            Request::Get {
                root: self.meta.root,
                index,
            },
        );
        self.pending.push(
            fut.map(move |result| Event::Slice {
                peer,
                index,
                sent: now,
                result,
            })
            .boxed(),
        );
    }

    /// A request for `index` is no longer outstanding.
    fn settle(&mut self, peer: &PeerId, index: u64) {
        let bytes = ciphertext_len(&self.meta, index).unwrap_or(0);
        if let Some(p) = self.peers.get_mut(peer) {
            p.in_flight = p.in_flight.saturating_sub(1);
            p.bytes_in_flight = p.bytes_in_flight.saturating_sub(bytes);
            p.requested.remove(&index);
        }
        if let Some(n) = self.in_flight.get_mut(&index) {
            *n -= 1;
            if *n == 0 {
                self.in_flight.remove(&index);
                self.generation += 1;
            }
        }
    }

    fn strike(&mut self, peer: &PeerId, why: &str) {
        let max = self.opts.max_strikes;
        if let Some(p) = self.peers.get_mut(peer) {
            p.strikes += 1;
            tracing::warn!(%peer, strikes = p.strikes, why, "peer struck");
            if p.strikes >= max && !p.banned {
                p.banned = true;
                tracing::warn!(%peer, "peer banned for this download");
            }
        }
        self.generation += 1;
    }

    fn fail(&mut self, peer: &PeerId, now: Instant) {
        let (min, max) = (1, self.opts.max_failures);
        if let Some(p) = self.peers.get_mut(peer) {
            p.window = (p.window / 2).max(min);
            p.failures += 1;
            if p.failures >= max {
                // Set aside for a while and forget what it holds; it is asked again.
                p.backoff_until = Some(now + Duration::from_secs(2));
                p.have = None;
                p.have_at = None;
                p.failures = 0;
            }
        }
        self.generation += 1;
    }

    fn on_event(&mut self, event: Event) -> Result<(), DownloadError> {
        let now = Instant::now();
        match event {
            Event::Ignored => {}
            Event::Have { peer, result } => self.on_have(peer, result, now)?,
            Event::Slice {
                peer,
                index,
                sent,
                result,
            } => self.on_slice(peer, index, sent, result, now)?,
            Event::Stored {
                peer,
                index,
                ciphertext,
                header,
                verdict,
            } => self.on_stored(peer, index, ciphertext, header, verdict, now)?,
            Event::Paid {
                peer,
                result,
                resent,
            } => self.on_paid(peer, result, resent),
        }
        self.check_free_seeders(now)
    }

    fn payment_required(&self) -> DownloadError {
        DownloadError::PaymentRequired {
            root: self.meta.root,
            seeders: self.unpaid_refusals.len(),
        }
    }

    /// Without a payer, fails once only seeders that want payment hold the content.
    fn check_free_seeders(&self, now: Instant) -> Result<(), DownloadError> {
        if self.opts.payer.is_some()
            || self.unpaid_refusals.is_empty()
            || now.duration_since(self.started) < FREE_SEEDER_WAIT
            || self.usable_peers() > 0
            || self.peers.values().any(|p| p.have_pending)
        {
            return Ok(());
        }
        Err(self.payment_required())
    }

    fn on_paid(&mut self, peer: PeerId, result: Result<Response, RequestError>, resent: bool) {
        if resent {
            if let Some(p) = self.peers.get_mut(&peer) {
                p.resend_pending = false;
            }
        }
        match result {
            Ok(Response::Paid { .. }) => {
                if let Some(p) = self.peers.get_mut(&peer) {
                    p.resends = 0;
                }
            }
            Ok(Response::Error { code, message }) => {
                self.vouchers_refused += 1;
                tracing::warn!(%peer, %code, message, "seeder refused a voucher");
                // The seeder may not have seen the channel yet (its node behind the
                // chain) or be busy checking: the lane's latest voucher goes again a
                // little later — one at a time, a bounded number of times in a row.
                let resend = matches!(code, ErrorCode::BadVoucher | ErrorCode::Busy)
                    && self
                        .peers
                        .get(&peer)
                        .is_some_and(|p| !p.resend_pending && p.resends < MAX_VOUCHER_RESENDS);
                if resend && self.resend_latest(peer) {
                    if let Some(p) = self.peers.get_mut(&peer) {
                        p.resends += 1;
                        p.resend_pending = true;
                    }
                }
            }
            Ok(_) => self.strike(&peer, "answered a voucher with neither Paid nor an error"),
            Err(e) => tracing::debug!(%peer, error = %e, "sending a voucher"),
        }
    }

    /// Sends `peer`'s lane's latest voucher again, after [`VOUCHER_RESEND_AFTER`].
    fn resend_latest(&mut self, peer: PeerId) -> bool {
        let (Some(payee), Some(payer)) = (
            self.peers.get(&peer).and_then(|p| p.payee),
            self.opts.payer.as_ref(),
        ) else {
            return false;
        };
        let signed = payer
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .latest(Address::new(payee.address), self.meta.root);
        match signed {
            Some(signed) => self.send_voucher(peer, signed, Some(VOUCHER_RESEND_AFTER)),
            None => false,
        }
    }

    /// Pays `peer` for a stored slice of `bytes` plaintext bytes, if it wants payment.
    fn pay(&mut self, peer: PeerId, bytes: u64) {
        let (Some(payee), Some(payer)) = (
            self.peers.get(&peer).and_then(|p| p.payee),
            self.opts.payer.as_ref(),
        ) else {
            return;
        };
        let signed = {
            let mut payer = payer
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            payer.pay(Address::new(payee.address), self.meta.root, bytes)
        };
        let Some(signed) = signed else {
            tracing::warn!(%peer, "voucher amounts overflow; not paying");
            return;
        };
        self.send_voucher(peer, signed, None);
    }

    /// Sends a voucher to `peer`, now or after `delay`; false if it cannot be sent.
    fn send_voucher(
        &mut self,
        peer: PeerId,
        signed: SignedVoucher,
        delay: Option<Duration>,
    ) -> bool {
        let mut signature = [0u8; crate::protocol::SIGNATURE_LEN];
        if signed.signature.len() != signature.len() {
            return false;
        }
        signature.copy_from_slice(&signed.signature);
        let fut = self.request(
            peer,
            Request::Pay {
                voucher: signed.voucher,
                signature,
            },
        );
        self.payments.push(
            async move {
                if let Some(d) = delay {
                    tokio::time::sleep(d).await;
                }
                Event::Paid {
                    peer,
                    result: fut.await,
                    resent: delay.is_some(),
                }
            }
            .boxed(),
        );
        true
    }

    fn on_have(
        &mut self,
        peer: PeerId,
        result: Result<Response, RequestError>,
        now: Instant,
    ) -> Result<(), DownloadError> {
        let root = self.meta.root;
        let count = self.meta.slice_count;
        let mut strike = false;
        let mut failed = false;
        let can_pay = self.opts.payer.is_some();
        if let Some(p) = self.peers.get_mut(&peer) {
            p.have_pending = false;
            p.have_at = Some(now);
            match result {
                Ok(Response::Bitfield {
                    root: r,
                    payee: Some(_),
                    ..
                }) if r == root && !can_pay => {
                    // It wants payment and this download cannot pay.
                    self.unpaid_refusals.insert(peer);
                    self.last_refusal = Some(ErrorCode::PaymentRequired);
                    p.have = None;
                    p.backoff_until = Some(now + Duration::from_secs(3600));
                }
                Ok(Response::Bitfield {
                    root: r,
                    payee,
                    bits,
                }) if r == root && bits.len() == count => {
                    p.have = Some(bits);
                    p.payee = payee;
                    p.idle_at_generation = None;
                    p.failures = 0;
                }
                Ok(Response::Error { code, .. }) => {
                    // Unknown content or busy: nothing to fetch now; asked again later.
                    self.last_refusal = Some(code);
                    p.have = None;
                    if code == ErrorCode::Busy {
                        p.backoff_until = Some(now + Duration::from_millis(200));
                    }
                }
                Ok(_) | Err(RequestError::Io(_)) => strike = true,
                Err(RequestError::Stopped) => return Err(DownloadError::Stopped),
                Err(RequestError::UnsupportedProtocol) => {
                    p.have = None;
                    p.backoff_until = Some(now + Duration::from_secs(3600));
                }
                Err(_) => failed = true,
            }
        }
        if strike {
            self.strike(&peer, "malformed bitfield");
        }
        if failed {
            self.fail(&peer, now);
        }
        self.generation += 1;
        Ok(())
    }

    fn on_slice(
        &mut self,
        peer: PeerId,
        index: u64,
        sent: Instant,
        result: Result<Response, RequestError>,
        now: Instant,
    ) -> Result<(), DownloadError> {
        self.settle(&peer, index);
        let banned = self.peers.get(&peer).is_none_or(|p| p.banned);
        match result {
            Ok(Response::Slice {
                index: got,
                ciphertext,
                proof,
                signature,
            }) => {
                if got != index {
                    self.strike(&peer, "slice for another index");
                    return Ok(());
                }
                if banned || !self.missing.contains(&index) || self.storing.contains(&index) {
                    // A banned peer's slices are never stored; a duplicate from the
                    // end game is not needed.
                    return Ok(());
                }
                let bytes = ciphertext.len() as u64;
                if let Some(p) = self.peers.get_mut(&peer) {
                    let secs = now.duration_since(sent).as_secs_f64().max(1e-6);
                    let sample = bytes as f64 / secs;
                    p.rate = Some(p.rate.map_or(sample, |r| 0.7 * r + 0.3 * sample));
                    p.failures = 0;
                    p.busy_streak = 0;
                }
                self.storing.insert(index);
                let store = self.store.clone();
                let root = self.meta.root;
                let ciphertext = Arc::new(ciphertext);
                self.pending.push(
                    async move {
                        let ct = ciphertext.clone();
                        let checked = tokio::task::spawn_blocking(move || {
                            // The header's signature first: a slice the seeder did not
                            // sign is not even looked at.
                            let header = SignedHeader {
                                ciphertext_hash: weave_slices::leaf_hash(&ct),
                                proof: proof.to_bytes(),
                                signature,
                            };
                            let signed = header_signed_by(
                                &peer,
                                &root,
                                index,
                                &header.ciphertext_hash,
                                &header.proof,
                                &header.signature,
                            );
                            let verdict = if signed {
                                Verdict::Store(store.put_slice(&root, index, &ct, &proof))
                            } else {
                                Verdict::BadSignature
                            };
                            (header, verdict)
                        })
                        .await;
                        let (header, verdict) = checked.unwrap_or_else(|e| {
                            let failed = StoreError::Io {
                                op: "store task",
                                path: std::path::PathBuf::new(),
                                source: std::io::Error::other(e.to_string()),
                            };
                            let header = SignedHeader {
                                ciphertext_hash: [0; 32],
                                proof: Vec::new(),
                                signature,
                            };
                            (header, Verdict::Store(Err(failed)))
                        });
                        Event::Stored {
                            peer,
                            index,
                            ciphertext,
                            header,
                            verdict,
                        }
                    }
                    .boxed(),
                );
            }
            Ok(Response::Error { code, .. }) => {
                self.last_refusal = Some(code);
                match code {
                    ErrorCode::Busy => {
                        if let Some(p) = self.peers.get_mut(&peer) {
                            p.busy_streak = (p.busy_streak + 1).min(6);
                            p.window = (p.window / 2).max(1);
                            let wait = Duration::from_millis(25 << p.busy_streak);
                            p.backoff_until = Some(now + wait);
                        }
                    }
                    ErrorCode::SliceMissing | ErrorCode::OutOfRange => {
                        if let Some(h) = self.peers.get_mut(&peer).and_then(|p| p.have.as_mut()) {
                            h.clear(index);
                        }
                    }
                    ErrorCode::UnknownContent => {
                        if let Some(p) = self.peers.get_mut(&peer) {
                            p.have = None;
                            p.have_at = Some(now);
                        }
                    }
                    ErrorCode::PaymentRequired => {
                        // Our vouchers are behind (in flight, or refused): wait for them.
                        if let Some(p) = self.peers.get_mut(&peer) {
                            p.busy_streak = (p.busy_streak + 1).min(6);
                            p.window = (p.window / 2).max(1);
                            p.backoff_until =
                                Some(now + Duration::from_millis(25 << p.busy_streak));
                        }
                    }
                    ErrorCode::Internal | ErrorCode::BadVoucher | ErrorCode::Other(_) => {
                        self.fail(&peer, now)
                    }
                }
                self.generation += 1;
            }
            Ok(Response::Bitfield { .. } | Response::Paid { .. }) => {
                self.strike(&peer, "not a slice answering a slice request")
            }
            // Malformed, truncated or oversized responses.
            Err(RequestError::Io(e)) => self.strike(&peer, &e),
            Err(RequestError::Stopped) => return Err(DownloadError::Stopped),
            Err(_) => self.fail(&peer, now),
        }
        Ok(())
    }

    fn on_stored(
        &mut self,
        peer: PeerId,
        index: u64,
        ciphertext: Arc<Vec<u8>>,
        header: SignedHeader,
        verdict: Verdict,
        now: Instant,
    ) -> Result<(), DownloadError> {
        self.storing.remove(&index);
        let bytes = ciphertext.len() as u64;
        let result = match verdict {
            Verdict::Store(result) => result,
            Verdict::BadSignature => {
                self.rejected += 1;
                self.generation += 1;
                self.strike(&peer, "slice header not signed by the seeder");
                return Ok(());
            }
        };
        match result {
            Ok(_) => {
                self.missing.remove(&index);
                self.fetched += 1;
                self.bytes_fetched += bytes;
                self.last_progress = now;
                let window = self.opts.max_window;
                if let Some(p) = self.peers.get_mut(&peer) {
                    p.slices += 1;
                    p.bytes += bytes;
                    p.window = (p.window + 1).min(window);
                }
                self.pay(peer, plaintext_len(&self.meta, index));
                if let Some(tx) = &self.stream_tx {
                    let buffered = &self.stream_shared.buffered;
                    let ciphertext =
                        if buffered.load(Ordering::Relaxed) + bytes <= STREAM_BUFFER_BYTES {
                            buffered.fetch_add(bytes, Ordering::Relaxed);
                            Some(ciphertext)
                        } else {
                            None
                        };
                    // The streamer having ended (an error) is seen by the main loop.
                    let _ = tx.send(StoredSlice { index, ciphertext });
                }
                if self.opts.announce && !self.announced {
                    self.announced = true;
                    let handle = self.handle.clone();
                    let root = self.meta.root;
                    self.pending.push(
                        async move {
                            if let Err(e) = handle.seed(root).await {
                                tracing::debug!(error = %e, "announcing a download");
                            }
                            Event::Ignored
                        }
                        .boxed(),
                    );
                }
                Ok(())
            }
            Err(StoreError::Rejected { source, .. }) => {
                self.rejected += 1;
                self.generation += 1;
                self.strike(&peer, &source.to_string());
                self.keep_evidence(peer, index, header);
                Ok(())
            }
            Err(e) => Err(DownloadError::Store(e)),
        }
    }

    /// A signed slice that the store refused: evidence for the chain if its proof does
    /// not prove its leaf at `index` of this content against the root, the check the
    /// chain makes (anything else the store refuses for is only the strike).
    fn keep_evidence(&mut self, peer: PeerId, index: u64, header: SignedHeader) {
        let root = self.meta.root;
        let proves = weave_slices::MerkleProof::from_bytes(&header.proof).is_ok_and(|p| {
            p.index == index
                && p.leaf_count == self.meta.slice_count
                && p.verify(&root, &header.ciphertext_hash)
        });
        if proves {
            return;
        }
        let evidence = BadSliceEvidence {
            seeder: peer,
            content_root: root,
            slice_index: index,
            ciphertext_hash: header.ciphertext_hash,
            proof: header.proof,
            signature: header.signature,
        };
        tracing::warn!(%peer, index, "evidence of a bad slice kept");
        self.handle.record_evidence(evidence.clone());
        if !self.bad_slices.contains(&evidence) {
            self.bad_slices.push(evidence);
        }
    }

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

    fn publish_progress(&self) {
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

    fn report(&self) -> DownloadReport {
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

#[cfg(test)]
mod order_tests {
    use super::*;

    #[test]
    fn measured_speed_first_then_reputation_then_peer_id() {
        let peers: Vec<PeerId> = (0..5).map(|_| PeerId::random()).collect();
        let preference = [(peers[0], 10u128), (peers[1], 500), (peers[2], 500)]
            .into_iter()
            .collect();
        let mut order = vec![
            (peers[0], None),
            (peers[1], None),
            (peers[2], Some(1.0e6)),
            (peers[3], Some(5.0e6)),
            (peers[4], None),
        ];
        sort_peers(&mut order, &preference);
        let got: Vec<PeerId> = order.iter().map(|(p, _)| *p).collect();
        // Measured: 3 (faster) then 2; unmeasured: 1 (reputation 500), 0 (10), 4 (none).
        assert_eq!(got, vec![peers[3], peers[2], peers[1], peers[0], peers[4]]);

        // Equally fast: the higher reputation first.
        let mut tie = vec![(peers[0], Some(2.0e6)), (peers[1], Some(2.0e6))];
        sort_peers(&mut tie, &preference);
        assert_eq!(tie[0].0, peers[1]);
    }
}
