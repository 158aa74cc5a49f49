//! Starting a sidecar, and the handle that drives it.

use std::sync::Arc;
use std::time::Duration;

use libp2p::{Multiaddr, PeerId};
use tokio::sync::{mpsc, oneshot, Mutex};
use tokio::task::JoinHandle;
use weave_slices::{Bitfield, SliceStore};

use crate::config::SidecarConfig;
use crate::error::{RequestError, SidecarError};
use crate::evidence::{header_signed_by, BadSliceEvidence, MAX_EVIDENCE_KEPT};
use crate::node::{lock, Command, Node, SharedLedger};
use crate::payment::CreditLedger;
use crate::protocol::{Request, Response};
use crate::stats::SidecarStats;
use weave_proto::weave::channels::v1::SignedVoucher;
use weave_voucher::Voucher;

/// How many commands may queue for the swarm task.
const COMMAND_QUEUE: usize = 1024;

/// Starts sidecars.
#[derive(Debug)]
pub struct Sidecar;

impl Sidecar {
    /// Opens the store, builds the libp2p node, starts listening and dialing the
    /// bootstrap peers, and runs the swarm on a tokio task. Returns once every listen
    /// address is bound, so [`SidecarHandle::listen_addrs`] gives real ports.
    pub async fn start(config: SidecarConfig) -> Result<SidecarHandle, SidecarError> {
        let dir = config.store_dir.clone();
        let options = config.store_options;
        // Opening reconciles every content with its files: disk work, off the runtime.
        let store = tokio::task::spawn_blocking(move || SliceStore::open_with(dir, options))
            .await
            .map_err(|e| SidecarError::Build(format!("opening the store: {e}")))??;
        let (commands, rx) = mpsc::channel(COMMAND_QUEUE);
        let window = config.payments.as_ref().map_or(0, |p| p.credit_window);
        let ledger: SharedLedger = Arc::new(std::sync::Mutex::new(CreditLedger::new(window)));
        let stats = Arc::new(SidecarStats::default());
        let node = Node::new(&config, store.clone(), ledger.clone(), stats.clone(), rx)?;
        let peer_id = node.local_peer_id();
        let task = tokio::spawn(node.run());
        let handle = SidecarHandle {
            peer_id,
            store,
            ledger,
            stats,
            payee: config.payments.as_ref().map(|p| p.payee),
            evidence: Arc::new(std::sync::Mutex::new(std::collections::VecDeque::new())),
            commands,
            task: Arc::new(Mutex::new(Some(task))),
        };
        let (reply, rx) = oneshot::channel();
        handle.send(Command::WaitListening(reply)).await?;
        rx.await.map_err(|_| SidecarError::Stopped)??;
        if !config.bootstrap.is_empty() {
            tracing::debug!(peer = %peer_id, bootstrap = config.bootstrap.len(), "sidecar started");
        }
        Ok(handle)
    }
}

/// A running sidecar. Cheap to clone; the sidecar stops on [`SidecarHandle::shutdown`]
/// or when every clone is dropped.
#[derive(Clone)]
pub struct SidecarHandle {
    peer_id: PeerId,
    store: SliceStore,
    ledger: SharedLedger,
    stats: Arc<SidecarStats>,
    payee: Option<weave_kernel::Address>,
    /// Evidence of bad slices seen by downloads, newest last, at most
    /// [`MAX_EVIDENCE_KEPT`].
    evidence: Arc<std::sync::Mutex<std::collections::VecDeque<BadSliceEvidence>>>,
    commands: mpsc::Sender<Command>,
    task: Arc<Mutex<Option<JoinHandle<()>>>>,
}

/// The result of an availability probe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProbeOutcome {
    /// The seeder served the slice, signed, and it verified against the root.
    Passed,
    /// Why it did not: unreachable, timed out, refused, a bad signature, a slice that
    /// does not verify, another index.
    Failed(String),
}

impl std::fmt::Debug for SidecarHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SidecarHandle")
            .field("peer_id", &self.peer_id)
            .field("store", &self.store)
            .finish_non_exhaustive()
    }
}

impl SidecarHandle {
    pub(crate) async fn send(&self, cmd: Command) -> Result<(), SidecarError> {
        self.commands
            .send(cmd)
            .await
            .map_err(|_| SidecarError::Stopped)
    }

    async fn ask<T>(
        &self,
        cmd: impl FnOnce(oneshot::Sender<T>) -> Command,
    ) -> Result<T, SidecarError> {
        let (reply, rx) = oneshot::channel();
        self.send(cmd(reply)).await?;
        rx.await.map_err(|_| SidecarError::Stopped)
    }

    /// What this sidecar served and fetched so far, for metrics.
    pub fn stats(&self) -> &SidecarStats {
        &self.stats
    }

    /// This node's peer id.
    pub fn peer_id(&self) -> PeerId {
        self.peer_id
    }

    /// The slice store this node serves from and downloads into.
    pub fn store(&self) -> &SliceStore {
        &self.store
    }

    /// The account this node is paid at, if it wants payment for what it serves.
    pub fn payee(&self) -> Option<weave_kernel::Address> {
        self.payee
    }

    /// The best voucher this seeder holds for each lane (channel, content) it was paid
    /// on, for claiming on chain. Empty for a node that serves for free.
    pub fn best_vouchers(&self) -> Vec<SignedVoucher> {
        lock(&self.ledger).best_vouchers()
    }

    /// Puts back vouchers kept from an earlier run (each kept only if it is its lane's
    /// best). Vouchers that do not decode are skipped.
    pub fn restore_vouchers(&self, vouchers: impl IntoIterator<Item = SignedVoucher>) {
        let mut ledger = lock(&self.ledger);
        for signed in vouchers {
            if let Ok(v) = Voucher::decode(&signed.voucher) {
                ledger.restore(v, signed);
            }
        }
    }

    /// Forgets the vouchers of a settled channel.
    pub fn forget_channel(&self, channel_id: u64) {
        lock(&self.ledger).forget_channel(channel_id);
    }

    /// The addresses this node listens on.
    pub async fn listen_addrs(&self) -> Result<Vec<Multiaddr>, SidecarError> {
        self.ask(Command::ListenAddrs).await
    }

    /// Dials `addr` and waits until the connection is up; returns the peer's id.
    pub async fn dial(&self, addr: Multiaddr) -> Result<PeerId, SidecarError> {
        self.ask(|reply| Command::Dial { addr, reply }).await?
    }

    /// The peers this node is connected to.
    pub async fn connected_peers(&self) -> Result<Vec<PeerId>, SidecarError> {
        self.ask(Command::ConnectedPeers).await
    }

    /// Starts seeding stored content: a Kademlia provider record keyed by the root,
    /// and an announcement on the `weave/announce/1` gossipsub topic. (Every stored
    /// content, even a partial one, is served to whoever asks; seeding makes it
    /// findable.) Fails if the content is not in the store.
    pub async fn seed(&self, root: [u8; 32]) -> Result<(), SidecarError> {
        self.ask(|reply| Command::Provide { root, reply }).await?
    }

    /// Looks up the providers of `root` in the DHT, waiting at most `timeout`.
    pub async fn find_providers(
        &self,
        root: [u8; 32],
        timeout: Duration,
    ) -> Result<Vec<PeerId>, SidecarError> {
        let (found, mut rx) = mpsc::channel(256);
        self.send(Command::FindProviders { root, found }).await?;
        let mut peers = Vec::new();
        let _ = tokio::time::timeout(timeout, async {
            while let Some(p) = rx.recv().await {
                if !peers.contains(&p) {
                    peers.push(p);
                }
            }
        })
        .await;
        Ok(peers)
    }

    /// Peers that announced `root` on gossipsub.
    pub async fn announced(&self, root: [u8; 32]) -> Result<Vec<PeerId>, SidecarError> {
        self.ask(|reply| Command::Announced { root, reply }).await
    }

    /// Sends one `/weave/slice/1` request and waits for the answer. A slice in the
    /// answer is *not* verified here; [`SidecarHandle::download`] verifies everything.
    pub async fn request(&self, peer: PeerId, request: Request) -> Result<Response, SidecarError> {
        let r: Result<Response, RequestError> = self
            .ask(|reply| Command::Request {
                peer,
                request,
                reply,
            })
            .await?;
        Ok(r?)
    }

    /// Evidence of bad slices this sidecar's downloads received (at most the last
    /// [`MAX_EVIDENCE_KEPT`]), for the node to report on chain.
    pub fn bad_slice_evidence(&self) -> Vec<BadSliceEvidence> {
        self.evidence
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
            .cloned()
            .collect()
    }

    /// Keeps a piece of evidence (once).
    pub(crate) fn record_evidence(&self, e: BadSliceEvidence) {
        let mut kept = self
            .evidence
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if kept.contains(&e) {
            return;
        }
        if kept.len() >= MAX_EVIDENCE_KEPT {
            kept.pop_front();
        }
        kept.push_back(e);
    }

    /// An availability probe: dials `seeder` at `addrs` unless already connected,
    /// asks for slice `index` of `root` (a `Probe`, which seeders serve free), and
    /// checks the answer: that slice, signed by the seeder, verifying against `root`.
    /// Everything happens within `timeout`.
    pub async fn probe(
        &self,
        seeder: PeerId,
        addrs: Vec<Multiaddr>,
        root: [u8; 32],
        index: u64,
        timeout: Duration,
    ) -> ProbeOutcome {
        match tokio::time::timeout(timeout, self.probe_inner(seeder, addrs, root, index)).await {
            Ok(outcome) => outcome,
            Err(_) => ProbeOutcome::Failed(format!("no answer within {timeout:?}")),
        }
    }

    async fn probe_inner(
        &self,
        seeder: PeerId,
        addrs: Vec<Multiaddr>,
        root: [u8; 32],
        index: u64,
    ) -> ProbeOutcome {
        let fail = |why: String| ProbeOutcome::Failed(why);
        if seeder == self.peer_id {
            // A validator whose own sidecar is the seeder cannot dial itself: it checks
            // its own store, which is what it would serve.
            let store = self.store.clone();
            let read = tokio::task::spawn_blocking(move || store.get_slice(&root, index)).await;
            return match read {
                Ok(Ok(Some((ciphertext, proof)))) => {
                    let leaf = weave_slices::leaf_hash(&ciphertext);
                    if proof.index == index && proof.verify(&root, &leaf) {
                        ProbeOutcome::Passed
                    } else {
                        fail("own slice does not verify against the root".into())
                    }
                }
                Ok(Ok(None)) => fail(format!("own store lacks slice {index}")),
                Ok(Err(e)) => fail(e.to_string()),
                Err(e) => fail(e.to_string()),
            };
        }
        let connected = self.connected_peers().await.unwrap_or_default();
        if !connected.contains(&seeder) {
            let mut reached = false;
            for addr in addrs {
                let addr = if addr
                    .iter()
                    .any(|p| matches!(p, libp2p::multiaddr::Protocol::P2p(_)))
                {
                    addr
                } else {
                    addr.with(libp2p::multiaddr::Protocol::P2p(seeder))
                };
                if matches!(self.dial(addr).await, Ok(p) if p == seeder) {
                    reached = true;
                    break;
                }
            }
            if !reached {
                return fail("unreachable at its bonded addresses".into());
            }
        }
        let response = match self.request(seeder, Request::Probe { root, index }).await {
            Ok(r) => r,
            Err(e) => return fail(e.to_string()),
        };
        match response {
            Response::Slice {
                index: got,
                ciphertext,
                proof,
                signature,
            } => {
                if got != index {
                    return fail(format!("served slice {got} for {index}"));
                }
                let leaf = weave_slices::leaf_hash(&ciphertext);
                if !header_signed_by(&seeder, &root, index, &leaf, &proof.to_bytes(), &signature) {
                    return fail("slice header not signed by the seeder".into());
                }
                if proof.index != index || !proof.verify(&root, &leaf) {
                    return fail("proof does not verify against the root".into());
                }
                ProbeOutcome::Passed
            }
            Response::Error { code, message } => fail(format!("{code}: {message}")),
            other => fail(format!(
                "unexpected answer {}",
                format!("{other:?}").chars().take(60).collect::<String>()
            )),
        }
    }

    /// Asks `peer` which slices of `root` it holds. A refusal (such as an unknown
    /// content) is [`SidecarError::Remote`] with its code.
    pub async fn have(&self, peer: PeerId, root: [u8; 32]) -> Result<Bitfield, SidecarError> {
        match self.request(peer, Request::Have { root }).await? {
            Response::Bitfield { root: r, bits, .. } if r == root => Ok(bits),
            Response::Error { code, message } => Err(SidecarError::Remote { code, message }),
            other => Err(SidecarError::Unexpected(
                format!("{other:?}").chars().take(120).collect(),
            )),
        }
    }

    /// Stops the sidecar and waits for its task to end. Other clones of the handle
    /// then fail with [`SidecarError::Stopped`].
    pub async fn shutdown(&self) -> Result<(), SidecarError> {
        // Already stopped is fine.
        let _ = self.commands.send(Command::Shutdown).await;
        if let Some(task) = self.task.lock().await.take() {
            task.await
                .map_err(|e| SidecarError::Build(format!("sidecar task failed: {e}")))?;
        }
        Ok(())
    }
}
