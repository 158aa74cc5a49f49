//! `weave.sidecar.v1.Sidecar`: the node-local control API of the slice sidecar.
//! Served to loopback callers only, because `AddFile` and `Fetch` carry content keys
//! and voucher keys (used for the one call, never stored), and only to callers that
//! send the node's token (`<home>/config/sidecar-token`, mode 0600) in the
//! `x-weave-sidecar-token` header: a local process that cannot read the node's home,
//! or a proxy on the same host, is refused. `AddFile` refuses any file inside the
//! node's home (its validator key, key ring, sidecar identity), however the path
//! reaches it (`..`, symlinks).
//!
//! A fetch with a payment channel pays seeders that want payment through a
//! [`ChannelPayer`] kept per channel for as long as the node runs, so that a second
//! fetch on the same channel carries its lanes on; a payer made for a channel starts
//! its lanes where the chain's lanes stand.

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
    pin::Pin,
    sync::{Arc, Mutex},
    time::Duration,
};

use tokio::{
    io::AsyncReadExt,
    sync::{mpsc, watch},
};
use tokio_stream::{wrappers::ReceiverStream, Stream};
use tonic::{Request, Response, Status};
use weave_content::record::{meta_from_wire, meta_to_wire};
use weave_proto::weave::{
    base::v1::PageRequest,
    channels::v1::{
        ChannelStatus, QueryChannelRequest, QueryChannelResponse, QueryLanesRequest,
        QueryLanesResponse,
    },
    content::v1::{QueryContentRequest, QueryContentResponse},
    sidecar::v1::{
        fetch_event::Event, sidecar_server::Sidecar, AddFileRequest, AddFileResponse, FetchEvent,
        FetchProgress, FetchRequest, FetchStarted, FocusRequest, FocusResponse,
        ForgetChannelRequest, ForgetChannelResponse, SeedRequest, SeedResponse, SlicePlaintext,
        StatusRequest, StatusResponse, StoredContent, VouchersRequest, VouchersResponse,
    },
};
use weave_sidecar::payment::{ChannelPayer, PayerLane};
use weave_sidecar::{DownloadOptions, PlaintextStream, Progress, SidecarHandle};
use weave_slices::ContentKey;

use super::common::Node;

/// Plaintext travels in messages of at most this many bytes.
const CHUNK: usize = 256 * 1024;
/// Progress is reported at most this often.
const PROGRESS_EVERY: Duration = Duration::from_millis(250);

/// `weave.sidecar.v1.Sidecar`.
#[derive(Clone)]
pub(super) struct SidecarService {
    node: Node,
    sidecar: Option<SidecarHandle>,
    guard: SidecarGuard,
    payers: Arc<Mutex<BTreeMap<u64, SharedPayer>>>,
    /// The focus of each running `any_order` fetch, by its id.
    focuses: Arc<Mutex<BTreeMap<u64, watch::Sender<u64>>>>,
    next_fetch: Arc<std::sync::atomic::AtomicU64>,
}

/// What guards the sidecar API: the node's token, and its home, which `AddFile`
/// never reads from.
#[derive(Clone)]
pub(crate) struct SidecarGuard {
    token: Arc<str>,
    home: PathBuf,
}

impl std::fmt::Debug for SidecarGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SidecarGuard")
            .field("home", &self.home)
            .finish_non_exhaustive()
    }
}

/// Places no added file may come from, wherever the node's home is: the kernel's
/// views of processes (`/proc/self/environ`, another process's files), devices.
const REFUSED_ROOTS: &[&str] = &["/proc", "/sys", "/dev"];

impl SidecarGuard {
    /// Guards with `token`, refusing files inside `home` (which must exist).
    pub(crate) fn new(home: &Path, token: &str) -> anyhow::Result<Self> {
        use anyhow::Context as _;
        anyhow::ensure!(!token.is_empty(), "the sidecar token is empty");
        let home = std::fs::canonicalize(home)
            .with_context(|| format!("resolving the node's home {}", home.display()))?;
        Ok(Self {
            token: token.into(),
            home,
        })
    }

    /// Checks the caller's token, in constant time.
    fn check<T>(&self, request: &Request<T>) -> Result<(), Status> {
        use subtle::ConstantTimeEq as _;
        let header = weave_client::sidecar_auth::SIDECAR_TOKEN_HEADER;
        let Some(sent) = request.metadata().get(header) else {
            return Err(Status::unauthenticated(format!(
                "the sidecar API needs the node's token: send the contents of \
                 <home>/config/sidecar-token in the {header} header"
            )));
        };
        if bool::from(sent.as_bytes().ct_eq(self.token.as_bytes())) {
            Ok(())
        } else {
            Err(Status::permission_denied(format!(
                "wrong {header}: it must be the contents of the node's <home>/config/sidecar-token"
            )))
        }
    }

    /// Opens the file at `path` for sealing, unless what it really names (after
    /// `..`, symlinks and the opened file's own path) lies in the node's home or
    /// under [`REFUSED_ROOTS`], or is not a regular file.
    fn open_outside_home(&self, path: &Path) -> Result<std::fs::File, Status> {
        let refused = |real: &Path| {
            if real.starts_with(&self.home) {
                Some(Status::permission_denied(format!(
                    "{} is inside the node's home {}: files there (validator key, key \
                     ring, node identity) are never added",
                    path.display(),
                    self.home.display()
                )))
            } else if REFUSED_ROOTS.iter().any(|r| real.starts_with(r)) {
                Some(Status::permission_denied(format!(
                    "{} is under {}: only regular files can be added",
                    path.display(),
                    real.display()
                )))
            } else {
                None
            }
        };
        let real = std::fs::canonicalize(path).map_err(|e| {
            Status::invalid_argument(format!("cannot read {}: {e}", path.display()))
        })?;
        if let Some(status) = refused(&real) {
            return Err(status);
        }
        let file = std::fs::File::open(&real).map_err(|e| {
            Status::invalid_argument(format!("cannot read {}: {e}", path.display()))
        })?;
        // The path may have changed between the check and the open: look again at
        // what was opened.
        if let Ok(opened) = std::fs::read_link(format!(
            "/proc/self/fd/{}",
            std::os::fd::AsRawFd::as_raw_fd(&file)
        )) {
            if let Some(status) = refused(&opened) {
                return Err(status);
            }
        }
        let meta = file.metadata().map_err(|e| {
            Status::invalid_argument(format!("cannot read {}: {e}", path.display()))
        })?;
        if !meta.is_file() {
            return Err(Status::invalid_argument(format!(
                "{} is not a regular file",
                path.display()
            )));
        }
        Ok(file)
    }
}

type SharedPayer = Arc<Mutex<ChannelPayer>>;

/// The most lanes read from the chain when a channel's payer is made.
const MAX_RESUMED_LANES: u32 = 1000;

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Total bytes and amount over a payer's lanes.
fn payer_totals(payer: &SharedPayer) -> (u64, u128) {
    lock(payer)
        .lanes()
        .iter()
        .fold((0, 0), |(b, a), (_, _, l)| (b + l.bytes, a + l.amount))
}

impl std::fmt::Debug for SidecarService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SidecarService")
            .field("enabled", &self.sidecar.is_some())
            .finish_non_exhaustive()
    }
}

impl SidecarService {
    /// The bonded, unjailed seeders' reputations by sidecar peer id, from the chain:
    /// the downloader prefers them in this order until it has measured their speed.
    /// Empty if the query fails (a download does not need it).
    async fn seeder_reputations(&self) -> std::collections::BTreeMap<weave_sidecar::PeerId, u128> {
        use weave_proto::weave::seeders::v1 as spb;
        let request = Request::new(spb::QuerySeedersRequest {
            page: Some(weave_proto::weave::base::v1::PageRequest {
                key: Vec::new(),
                limit: 100,
            }),
            order: spb::SeedersOrder::Reputation as i32,
            active_only: true,
        });
        let seeders: spb::QuerySeedersResponse = match self
            .node
            .query("/weave.seeders.v1.Query/Seeders", request)
            .await
        {
            Ok(r) => r.into_inner(),
            Err(e) => {
                tracing::debug!(error = %e, "no seeder reputations for the download");
                return Default::default();
            }
        };
        seeders
            .seeders
            .into_iter()
            .filter_map(|s| {
                let peer = weave_sidecar::PeerId::from_bytes(&s.peer_id).ok()?;
                Some((peer, s.reputation.parse().unwrap_or(0)))
            })
            .collect()
    }

    pub(super) fn new(node: Node, sidecar: Option<SidecarHandle>, guard: SidecarGuard) -> Self {
        Self {
            node,
            sidecar,
            guard,
            payers: Arc::default(),
            focuses: Arc::default(),
            next_fetch: Arc::default(),
        }
    }

    /// The payer of `channel_id` for a fetch of content priced `price_per_gib`,
    /// checking that `seed` is the channel's voucher key and the channel is open.
    async fn payer(
        &self,
        channel_id: u64,
        seed: &[u8],
        price_per_gib: u128,
    ) -> Result<SharedPayer, Status> {
        let seed: [u8; 32] = seed
            .try_into()
            .map_err(|_| Status::invalid_argument("the voucher key must be a 32-byte seed"))?;
        let key = ed25519_consensus::SigningKey::from(seed);
        let channel: Response<QueryChannelResponse> = self
            .node
            .query(
                "/weave.channels.v1.Query/Channel",
                Request::new(QueryChannelRequest { channel_id }),
            )
            .await?;
        let channel = channel
            .into_inner()
            .channel
            .ok_or_else(|| Status::not_found(format!("no channel {channel_id}")))?;
        if channel.status != ChannelStatus::Open as i32 {
            return Err(Status::failed_precondition(format!(
                "channel {channel_id} is not open"
            )));
        }
        if channel.voucher_key != key.verification_key().to_bytes() {
            return Err(Status::permission_denied(format!(
                "the voucher key does not match channel {channel_id}'s"
            )));
        }
        let existing = lock(&self.payers).get(&channel_id).cloned();
        let payer = match existing {
            Some(p) => p,
            None => {
                let mut payer =
                    ChannelPayer::new(self.node.app.chain_id(), channel_id, key, price_per_gib);
                let lanes: Response<QueryLanesResponse> = self
                    .node
                    .query(
                        "/weave.channels.v1.Query/Lanes",
                        Request::new(QueryLanesRequest {
                            channel_id,
                            page: Some(PageRequest {
                                limit: MAX_RESUMED_LANES,
                                ..Default::default()
                            }),
                        }),
                    )
                    .await?;
                for lane in lanes.into_inner().lanes {
                    let (Ok(seeder), Ok(root), Ok(amount)) = (
                        lane.seeder.parse(),
                        <[u8; 32]>::try_from(lane.content_root.as_slice()),
                        lane.claimed_amount.parse::<u128>(),
                    ) else {
                        continue;
                    };
                    payer.resume(
                        seeder,
                        root,
                        PayerLane {
                            bytes: lane.claimed_bytes,
                            amount,
                            nonce: lane.last_nonce,
                        },
                    );
                }
                let payer = Arc::new(Mutex::new(payer));
                lock(&self.payers)
                    .entry(channel_id)
                    .or_insert(payer)
                    .clone()
            }
        };
        lock(&payer).set_price(price_per_gib);
        Ok(payer)
    }

    /// An `any_order` fetch: `started`, then each slice's plaintext as soon as it is
    /// present (what the store held first, then each slice the download stores), the
    /// slices at and after the focus first; progress now and then; `done` at the end.
    #[allow(clippy::too_many_arguments)]
    fn fetch_any_order(
        &self,
        sidecar: SidecarHandle,
        meta: weave_slices::MetaHash,
        key: ContentKey,
        payer: Option<SharedPayer>,
        before: (u64, u128),
        focus_slice: u64,
        preference: BTreeMap<weave_sidecar::PeerId, u128>,
    ) -> Response<FetchStream> {
        use std::sync::atomic::Ordering;
        let fetch_id = self.next_fetch.fetch_add(1, Ordering::Relaxed) + 1;
        let (focus_tx, mut focus) = watch::channel(focus_slice);
        let registration = FocusRegistration(self.focuses.clone(), fetch_id);
        lock(&self.focuses).insert(fetch_id, focus_tx);
        let (present_tx, mut present) = mpsc::unbounded_channel();
        let (progress_tx, mut progress_rx) = watch::channel(Progress::default());
        let store = sidecar.store().clone();
        let options = DownloadOptions {
            progress: Some(progress_tx),
            payer: payer.clone(),
            preference,
            focus: Some(focus.clone()),
            present: Some(present_tx),
            ..DownloadOptions::default()
        };
        let mut download = tokio::spawn(async move { sidecar.download(meta, options).await });
        let (events, rx) = mpsc::channel::<Result<FetchEvent, Status>>(16);
        tokio::spawn(async move {
            let _registration = registration;
            let send = |e: Event| events.send(Ok(FetchEvent { event: Some(e) }));
            if send(Event::Started(FetchStarted { fetch_id }))
                .await
                .is_err()
            {
                download.abort();
                return;
            }
            let mut ready = std::collections::BTreeSet::new();
            let (mut present_open, mut progress_open) = (true, true);
            let mut finished = None;
            let mut last_progress = tokio::time::Instant::now();
            loop {
                let at = *focus.borrow_and_update();
                let next = ready
                    .range(at..)
                    .next()
                    .or_else(|| ready.iter().next())
                    .copied();
                if let Some(index) = next {
                    ready.remove(&index);
                    let (store, key) = (store.clone(), key.clone());
                    let plaintext = tokio::task::spawn_blocking(move || {
                        slice_plaintext(&store, &meta, &key, index)
                    })
                    .await
                    .unwrap_or_else(|e| Err(Status::internal(format!("decrypting: {e}"))));
                    let plaintext = match plaintext {
                        Ok(p) => p,
                        Err(e) => {
                            let _ = events.send(Err(e)).await;
                            break;
                        }
                    };
                    let start = index.saturating_mul(u64::from(meta.slice_size));
                    let mut gone = false;
                    for (k, part) in plaintext.chunks(CHUNK).enumerate() {
                        let slice = SlicePlaintext {
                            slice_index: index,
                            offset: start + (k * CHUNK) as u64,
                            plaintext: part.to_vec(),
                        };
                        if send(Event::Slice(slice)).await.is_err() {
                            gone = true;
                            break;
                        }
                    }
                    if gone {
                        break; // the caller went away: stop downloading
                    }
                    if progress_open && last_progress.elapsed() >= PROGRESS_EVERY {
                        last_progress = tokio::time::Instant::now();
                        let p =
                            paid_progress(&progress_rx.borrow_and_update(), payer.as_ref(), before);
                        if send(Event::Progress(p)).await.is_err() {
                            break;
                        }
                    }
                    continue;
                }
                if !present_open {
                    if let Some(result) = finished.take() {
                        let last = match result {
                            Ok(Ok(_)) => Ok(FetchEvent {
                                event: Some(Event::Done(paid_progress(
                                    &progress_rx.borrow(),
                                    payer.as_ref(),
                                    before,
                                ))),
                            }),
                            Ok(Err(e)) => Err(Status::unavailable(format!("download failed: {e}"))),
                            Err(e) => Err(Status::internal(format!("download task failed: {e}"))),
                        };
                        let _ = events.send(last).await;
                        return;
                    }
                }
                tokio::select! {
                    index = present.recv(), if present_open => match index {
                        Some(i) => { ready.insert(i); }
                        None => present_open = false,
                    },
                    moved = focus.changed() => {
                        if moved.is_err() {
                            break; // cannot happen while the registration holds the sender
                        }
                    },
                    changed = progress_rx.changed(), if progress_open => {
                        if changed.is_err() {
                            progress_open = false;
                        } else if last_progress.elapsed() >= PROGRESS_EVERY {
                            last_progress = tokio::time::Instant::now();
                            let p = paid_progress(&progress_rx.borrow_and_update(), payer.as_ref(), before);
                            if send(Event::Progress(p)).await.is_err() {
                                break;
                            }
                        }
                    },
                    result = &mut download, if finished.is_none() => {
                        match result {
                            Ok(Ok(r)) => finished = Some(Ok(Ok(r))),
                            other => {
                                // A failed download: say so at once.
                                finished = Some(other);
                                present_open = false;
                                ready.clear();
                            }
                        }
                    },
                    _ = events.closed() => break,
                }
            }
            download.abort();
        });
        Response::new(Box::pin(ReceiverStream::new(rx)))
    }

    /// The sidecar, for a loopback caller with the node's token.
    fn admit<T>(&self, request: &Request<T>) -> Result<SidecarHandle, Status> {
        match request.remote_addr() {
            Some(addr) if addr.ip().is_loopback() => {}
            _ => {
                return Err(Status::permission_denied(
                    "the sidecar API answers loopback callers only",
                ))
            }
        }
        self.guard.check(request)?;
        self.sidecar.clone().ok_or_else(|| {
            Status::unavailable("this node runs without its sidecar ([sidecar] enabled = false)")
        })
    }
}

fn content_key(bytes: &[u8]) -> Result<ContentKey, Status> {
    let key: [u8; 32] = bytes
        .try_into()
        .map_err(|_| Status::invalid_argument("the content key must be 32 bytes"))?;
    Ok(ContentKey::from_bytes(key))
}

fn root(bytes: &[u8]) -> Result<[u8; 32], Status> {
    bytes
        .try_into()
        .map_err(|_| Status::invalid_argument("a root is 32 bytes"))
}

/// The progress of a fetch, with what its payer paid since `before` (its totals when
/// the fetch started).
fn paid_progress(p: &Progress, payer: Option<&SharedPayer>, before: (u64, u128)) -> FetchProgress {
    let mut out = progress(p);
    if let Some(payer) = payer {
        let (bytes, amount) = payer_totals(payer);
        out.bytes_paid = bytes.saturating_sub(before.0);
        out.amount_promised = amount.saturating_sub(before.1).to_string();
    }
    out
}

/// Removes a fetch's focus when the fetch ends.
struct FocusRegistration(Arc<Mutex<BTreeMap<u64, watch::Sender<u64>>>>, u64);

impl Drop for FocusRegistration {
    fn drop(&mut self) {
        lock(&self.0).remove(&self.1);
    }
}

/// Reads slice `index` from the store and decrypts it.
fn slice_plaintext(
    store: &weave_slices::SliceStore,
    meta: &weave_slices::MetaHash,
    key: &ContentKey,
    index: u64,
) -> Result<Vec<u8>, Status> {
    let (mut ciphertext, _) = store
        .get_slice(&meta.root, index)
        .map_err(|e| Status::internal(format!("reading slice {index}: {e}")))?
        .ok_or_else(|| Status::internal(format!("slice {index} vanished from the store")))?;
    weave_slices::decrypt_slice_in_place(key, index, &mut ciphertext)
        .map_err(|e| Status::invalid_argument(format!("decrypting slice {index}: {e}")))?;
    Ok(ciphertext)
}

fn progress(p: &Progress) -> FetchProgress {
    FetchProgress {
        slices_done: p.slices_done,
        slices_total: p.slices_total,
        bytes_fetched: p.bytes_fetched,
        bytes_per_sec: p.bytes_per_sec,
        peers_active: p.peers_active as u32,
        peers_banned: p.peers_banned as u32,
        slices_rejected: p.slices_rejected,
        plaintext_written: p.plaintext_written,
        bytes_paid: 0,
        amount_promised: String::new(),
    }
}

type FetchStream = Pin<Box<dyn Stream<Item = Result<FetchEvent, Status>> + Send>>;

#[tonic::async_trait]
impl Sidecar for SidecarService {
    async fn status(
        &self,
        request: Request<StatusRequest>,
    ) -> Result<Response<StatusResponse>, Status> {
        let sidecar = self.admit(&request)?;
        let listen_addrs = sidecar
            .listen_addrs()
            .await
            .map_err(|e| Status::unavailable(e.to_string()))?;
        let peers = sidecar
            .connected_peers()
            .await
            .map_err(|e| Status::unavailable(e.to_string()))?;
        let mut contents: Vec<StoredContent> = sidecar
            .store()
            .list()
            .into_iter()
            .map(|c| StoredContent {
                root: c.meta.root.to_vec(),
                slices_present: c.present,
                slices_total: c.total,
                plaintext_len: c.meta.plaintext_len,
            })
            .collect();
        contents.sort_by(|a, b| a.root.cmp(&b.root));
        Ok(Response::new(StatusResponse {
            peer_id: sidecar.peer_id().to_string(),
            listen_addrs: listen_addrs.iter().map(ToString::to_string).collect(),
            connected_peers: peers.len() as u32,
            contents,
        }))
    }

    async fn add_file(
        &self,
        request: Request<AddFileRequest>,
    ) -> Result<Response<AddFileResponse>, Status> {
        let sidecar = self.admit(&request)?;
        let r = request.into_inner();
        let key = content_key(&r.key)?;
        let path = PathBuf::from(&r.path);
        if !path.is_absolute() {
            return Err(Status::invalid_argument("the path must be absolute"));
        }
        let guard = self.guard.clone();
        let meta = tokio::task::spawn_blocking(move || {
            let file = guard.open_outside_home(&path)?;
            crate::sidecar::seal_open_file(sidecar.store(), &file, &path, &key, r.slice_size)
                .map_err(|e| Status::invalid_argument(format!("{e:#}")))
        })
        .await
        .map_err(|e| Status::internal(format!("sealing failed: {e}")))??;
        Ok(Response::new(AddFileResponse {
            meta_hash: Some(meta_to_wire(&meta)),
        }))
    }

    async fn seed(&self, request: Request<SeedRequest>) -> Result<Response<SeedResponse>, Status> {
        let sidecar = self.admit(&request)?;
        let root = root(&request.into_inner().root)?;
        if !sidecar.store().contains(&root) {
            return Err(Status::not_found(format!(
                "content {} is not in this node's slice store",
                hex::encode(root)
            )));
        }
        sidecar
            .seed(root)
            .await
            .map_err(|e| Status::unavailable(e.to_string()))?;
        Ok(Response::new(SeedResponse {}))
    }

    async fn vouchers(
        &self,
        request: Request<VouchersRequest>,
    ) -> Result<Response<VouchersResponse>, Status> {
        let sidecar = self.admit(&request)?;
        Ok(Response::new(VouchersResponse {
            payout_address: sidecar.payee().map(|a| a.to_string()).unwrap_or_default(),
            vouchers: sidecar.best_vouchers(),
        }))
    }

    async fn forget_channel(
        &self,
        request: Request<ForgetChannelRequest>,
    ) -> Result<Response<ForgetChannelResponse>, Status> {
        let sidecar = self.admit(&request)?;
        let channel_id = request.into_inner().channel_id;
        let before = sidecar.best_vouchers().len();
        sidecar.forget_channel(channel_id);
        let forgotten = before.saturating_sub(sidecar.best_vouchers().len());
        Ok(Response::new(ForgetChannelResponse {
            forgotten: u32::try_from(forgotten).unwrap_or(u32::MAX),
        }))
    }

    async fn bad_slices(
        &self,
        request: Request<weave_proto::weave::sidecar::v1::BadSlicesRequest>,
    ) -> Result<Response<weave_proto::weave::sidecar::v1::BadSlicesResponse>, Status> {
        let sidecar = self.admit(&request)?;
        let bad_slices = sidecar
            .bad_slice_evidence()
            .into_iter()
            .map(|e| weave_proto::weave::sidecar::v1::BadSlice {
                seeder_peer_id: e.seeder.to_string(),
                content_root: e.content_root.to_vec(),
                slice_index: e.slice_index,
                ciphertext_hash: e.ciphertext_hash.to_vec(),
                proof: e.proof,
                signature: e.signature.to_vec(),
            })
            .collect();
        Ok(Response::new(
            weave_proto::weave::sidecar::v1::BadSlicesResponse { bad_slices },
        ))
    }

    async fn focus(
        &self,
        request: Request<FocusRequest>,
    ) -> Result<Response<FocusResponse>, Status> {
        self.admit(&request)?;
        let r = request.into_inner();
        let focus = lock(&self.focuses).get(&r.fetch_id).cloned();
        let focus = focus
            .ok_or_else(|| Status::not_found(format!("no fetch {} is running", r.fetch_id)))?;
        focus.send_replace(r.slice_index);
        Ok(Response::new(FocusResponse {}))
    }

    type FetchStream = FetchStream;

    async fn fetch(
        &self,
        request: Request<FetchRequest>,
    ) -> Result<Response<Self::FetchStream>, Status> {
        let sidecar = self.admit(&request)?;
        let r = request.into_inner();
        // Without a key the node fetches, verifies and seeds the ciphertext only (a
        // seeder replicating what it cannot read); no plaintext is streamed back.
        let key = if r.key.is_empty() {
            None
        } else {
            Some(content_key(&r.key)?)
        };
        let content: Response<QueryContentResponse> = self
            .node
            .query(
                "/weave.content.v1.Query/Content",
                Request::new(QueryContentRequest {
                    content_id: r.content_id,
                }),
            )
            .await?;
        let content = content
            .into_inner()
            .content
            .ok_or_else(|| Status::not_found(format!("no content {}", r.content_id)))?;
        let price_per_gib: u128 = content.price_per_gib.parse().unwrap_or(0);
        let wire = content
            .meta_hash
            .ok_or_else(|| Status::internal("content without a meta-hash"))?;
        let meta = meta_from_wire(&wire)
            .map_err(|e| Status::internal(format!("stored meta-hash: {e}")))?;
        let payer = match r.channel_id {
            0 => None,
            id => Some(self.payer(id, &r.voucher_key, price_per_gib).await?),
        };
        let before = payer.as_ref().map(payer_totals).unwrap_or_default();
        let payer_after = payer.clone();
        if r.any_order {
            let key =
                key.ok_or_else(|| Status::invalid_argument("an any_order fetch needs the key"))?;
            let preference = self.seeder_reputations().await;
            return Ok(self.fetch_any_order(
                sidecar,
                meta,
                key,
                payer,
                before,
                r.focus_slice,
                preference,
            ));
        }

        let (events, rx) = mpsc::channel::<Result<FetchEvent, Status>>(16);
        let (writer, mut reader) = tokio::io::duplex(CHUNK);
        let (progress_tx, mut progress_rx) = watch::channel(Progress::default());
        let options = DownloadOptions {
            progress: Some(progress_tx),
            stream: key.map(|key| PlaintextStream::new(key, writer)),
            payer,
            preference: self.seeder_reputations().await,
            ..DownloadOptions::default()
        };
        let mut download = tokio::spawn(async move { sidecar.download(meta, options).await });

        tokio::spawn(async move {
            let mut buf = vec![0u8; CHUNK];
            let mut last_progress = tokio::time::Instant::now();
            let mut plaintext_open = true;
            loop {
                tokio::select! {
                    read = reader.read(&mut buf), if plaintext_open => match read {
                        Ok(0) => plaintext_open = false,
                        Ok(n) => {
                            let event = FetchEvent { event: Some(Event::Plaintext(buf[..n].to_vec())) };
                            if events.send(Ok(event)).await.is_err() {
                                break; // the caller went away: stop downloading
                            }
                        }
                        Err(e) => {
                            let _ = events.send(Err(Status::internal(format!("plaintext stream: {e}")))).await;
                            break;
                        }
                    },
                    changed = progress_rx.changed() => {
                        if changed.is_err() { continue; }
                        if last_progress.elapsed() >= PROGRESS_EVERY {
                            last_progress = tokio::time::Instant::now();
                            let p = paid_progress(&progress_rx.borrow_and_update(), payer_after.as_ref(), before);
                            let event = FetchEvent { event: Some(Event::Progress(p)) };
                            if events.send(Ok(event)).await.is_err() {
                                break;
                            }
                        }
                    },
                    result = &mut download => {
                        // Drain what the download wrote before it finished.
                        while plaintext_open {
                            match reader.read(&mut buf).await {
                                Ok(0) | Err(_) => plaintext_open = false,
                                Ok(n) => {
                                    let event = FetchEvent { event: Some(Event::Plaintext(buf[..n].to_vec())) };
                                    if events.send(Ok(event)).await.is_err() { return; }
                                }
                            }
                        }
                        let last = match result {
                            Ok(Ok(_)) => {
                                let done = paid_progress(&progress_rx.borrow(), payer_after.as_ref(), before);
                                Ok(FetchEvent { event: Some(Event::Done(done)) })
                            }
                            Ok(Err(e)) => Err(Status::unavailable(format!("download failed: {e}"))),
                            Err(e) => Err(Status::internal(format!("download task failed: {e}"))),
                        };
                        let _ = events.send(last).await;
                        return;
                    },
                }
            }
            // The caller went away or the stream broke: dropping the download stops
            // it; every slice stored so far stays for the next fetch.
            download.abort();
        });
        Ok(Response::new(Box::pin(ReceiverStream::new(rx))))
    }
}
