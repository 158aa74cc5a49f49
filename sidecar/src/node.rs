//! The task that owns the libp2p swarm: it serves `/weave/slice/1` from the store,
//! keeps Kademlia and gossipsub going, and carries out the handle's commands.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use futures::StreamExt;
use libp2p::{
    core::{transport::ListenerId, ConnectedPoint},
    gossipsub, identify,
    kad::{self, store::MemoryStore, GetProvidersOk, QueryId, QueryResult, RecordKey},
    request_response::{
        self, InboundRequestId, OutboundRequestId, ProtocolSupport, ResponseChannel,
    },
    swarm::{dial_opts::DialOpts, ConnectionId, NetworkBehaviour, SwarmEvent},
    Multiaddr, PeerId, StreamProtocol, Swarm,
};
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;
use weave_proto::weave::channels::v1::SignedVoucher;
use weave_slices::{MetaHash, SliceStore, StoreError, TAG_LEN};
use weave_voucher::Voucher;

use crate::config::{Fault, SidecarConfig};
use crate::error::{RequestError, SidecarError};
use crate::limiter::{Limiter, Refusal};
use crate::payment::{CreditLedger, SeederPayments};
use crate::protocol::{ErrorCode, Payee, Request, Response, SliceCodec, PROTOCOL};
use crate::stats::SidecarStats;

/// A seeder's ledger of who paid for what, shared by the swarm task and the handle.
pub(crate) type SharedLedger = Arc<Mutex<CreditLedger<PeerId>>>;

/// Locks the ledger; a panic elsewhere while holding it leaves it usable.
pub(crate) fn lock(ledger: &SharedLedger) -> std::sync::MutexGuard<'_, CreditLedger<PeerId>> {
    ledger
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Vouchers one peer may have being checked against the chain at once. A check can
/// wait for the seeder's node to see a new channel, so this bounds what one peer can
/// keep the node busy with.
const MAX_CHECKS_PER_PEER: u32 = 64;
/// The gossipsub topic on which seeders announce content.
pub const ANNOUNCE_TOPIC: &str = "weave/announce/1";
/// The identify protocol version string.
const IDENTIFY_VERSION: &str = "/weave/id/1";
/// The Kademlia protocol name (a private DHT, not the public IPFS one).
const KAD_PROTOCOL: StreamProtocol = StreamProtocol::new("/weave/kad/1");
/// The longest announcement accepted on gossipsub.
const MAX_ANNOUNCE_LEN: usize = 256;
/// Announcement version byte.
const ANNOUNCE_V1: u8 = 1;
/// How many announced roots are remembered, and how many announcers per root.
const MAX_ANNOUNCED_ROOTS: usize = 4096;
const MAX_ANNOUNCERS_PER_ROOT: usize = 64;

/// The behaviours the sidecar runs.
#[derive(NetworkBehaviour)]
pub(crate) struct Behaviour {
    identify: identify::Behaviour,
    kad: kad::Behaviour<MemoryStore>,
    gossipsub: gossipsub::Behaviour,
    slices: request_response::Behaviour<SliceCodec>,
}

/// What the handle asks of the swarm task.
pub(crate) enum Command {
    /// Reply once every listener has an address (or one failed).
    WaitListening(oneshot::Sender<Result<Vec<Multiaddr>, SidecarError>>),
    ListenAddrs(oneshot::Sender<Vec<Multiaddr>>),
    Dial {
        addr: Multiaddr,
        reply: oneshot::Sender<Result<PeerId, SidecarError>>,
    },
    ConnectedPeers(oneshot::Sender<Vec<PeerId>>),
    /// Start providing `root` in the DHT and announce it on gossipsub.
    Provide {
        root: [u8; 32],
        reply: oneshot::Sender<Result<(), SidecarError>>,
    },
    /// Look `root`'s providers up in the DHT; each is sent on `found` as it arrives,
    /// and `found` is dropped when the query ends.
    FindProviders {
        root: [u8; 32],
        found: mpsc::Sender<PeerId>,
    },
    /// Peers that announced `root` on gossipsub.
    Announced {
        root: [u8; 32],
        reply: oneshot::Sender<Vec<PeerId>>,
    },
    Request {
        peer: PeerId,
        request: Request,
        reply: oneshot::Sender<Result<Response, RequestError>>,
    },
    Shutdown,
}

/// A response prepared off the event loop (a slice read from disk).
struct Served {
    request: InboundRequestId,
    channel: ResponseChannel<Response>,
    response: Response,
    /// Bytes charged to a peer's credit for this slice: refunded if no slice is sent.
    charged: Option<(PeerId, [u8; 32], u64)>,
}

/// A voucher checked against the chain off the event loop.
struct Checked {
    peer: PeerId,
    channel: ResponseChannel<Response>,
    voucher: Voucher,
    signed: SignedVoucher,
    result: Result<(), String>,
}

pub(crate) struct Node {
    swarm: Swarm<Behaviour>,
    store: SliceStore,
    fault: Option<Fault>,
    /// The identity key: it signs every slice header served.
    keypair: libp2p::identity::Keypair,
    limiter: Limiter<InboundRequestId>,
    /// Probes answered in the current minute, per peer and in all.
    probes: ProbeQuota,
    commands: mpsc::Receiver<Command>,
    served_tx: mpsc::UnboundedSender<Served>,
    served_rx: mpsc::UnboundedReceiver<Served>,
    payments: Option<SeederPayments>,
    ledger: SharedLedger,
    /// What was served and which vouchers were accepted, for the node's metrics.
    stats: Arc<SidecarStats>,
    checked_tx: mpsc::UnboundedSender<Checked>,
    /// Vouchers each peer has being checked against the chain (at most
    /// [`MAX_CHECKS_PER_PEER`]; beyond it the peer is answered `Busy`).
    checks: HashMap<PeerId, u32>,
    checked_rx: mpsc::UnboundedReceiver<Checked>,
    topic: gossipsub::IdentTopic,
    /// Each listener's requested address and the addresses it bound.
    listeners: HashMap<ListenerId, (Multiaddr, Vec<Multiaddr>)>,
    /// A listener that closed before binding: its address and why.
    listen_failure: Option<(Multiaddr, String)>,
    listen_waiters: Vec<oneshot::Sender<Result<Vec<Multiaddr>, SidecarError>>>,
    dials: HashMap<ConnectionId, (Multiaddr, oneshot::Sender<Result<PeerId, SidecarError>>)>,
    requests: HashMap<OutboundRequestId, oneshot::Sender<Result<Response, RequestError>>>,
    provider_queries: HashMap<QueryId, mpsc::Sender<PeerId>>,
    announced: BTreeMap<[u8; 32], BTreeSet<PeerId>>,
    /// The bootstrap peers, dialed again while no peer is connected.
    bootstrap: Vec<Multiaddr>,
}

/// How often a sidecar with no connected peer dials its bootstrap peers again.
const BOOTSTRAP_REDIAL: std::time::Duration = std::time::Duration::from_secs(2);

fn build_err(e: impl std::fmt::Display) -> SidecarError {
    SidecarError::Build(e.to_string())
}

impl Node {
    /// Builds the swarm, starts listening and dials the bootstrap peers.
    pub(crate) fn new(
        config: &SidecarConfig,
        store: SliceStore,
        ledger: SharedLedger,
        stats: Arc<SidecarStats>,
        commands: mpsc::Receiver<Command>,
    ) -> Result<Node, SidecarError> {
        let limits = config.limits.clone();
        let rr_config = request_response::Config::default()
            .with_request_timeout(limits.request_timeout)
            .with_max_concurrent_streams(limits.max_concurrent_streams);
        let mut swarm = libp2p::SwarmBuilder::with_existing_identity(config.keypair.clone())
            .with_tokio()
            .with_tcp(
                libp2p::tcp::Config::default().nodelay(true),
                libp2p::noise::Config::new,
                libp2p::yamux::Config::default,
            )
            .map_err(build_err)?
            .with_quic()
            .with_behaviour(|key| {
                let peer = key.public().to_peer_id();
                let gossip_config = gossipsub::ConfigBuilder::default()
                    .max_transmit_size(MAX_ANNOUNCE_LEN * 4)
                    .validation_mode(gossipsub::ValidationMode::Strict)
                    .build()
                    .map_err(|e| e.to_string())?;
                let gossipsub = gossipsub::Behaviour::new(
                    gossipsub::MessageAuthenticity::Signed(key.clone()),
                    gossip_config,
                )?;
                let mut kad = kad::Behaviour::with_config(
                    peer,
                    MemoryStore::new(peer),
                    kad::Config::new(KAD_PROTOCOL),
                );
                // Serve DHT queries even before an external address is confirmed
                // (there never is one on a private network or on loopback).
                kad.set_mode(Some(kad::Mode::Server));
                Ok(Behaviour {
                    identify: identify::Behaviour::new(identify::Config::new(
                        IDENTIFY_VERSION.into(),
                        key.public(),
                    )),
                    kad,
                    gossipsub,
                    slices: request_response::Behaviour::new(
                        [(PROTOCOL, ProtocolSupport::Full)],
                        rr_config,
                    ),
                })
            })
            .map_err(build_err)?
            .with_swarm_config(|c| c.with_idle_connection_timeout(limits.idle_connection_timeout))
            .build();
        let topic = gossipsub::IdentTopic::new(ANNOUNCE_TOPIC);
        swarm
            .behaviour_mut()
            .gossipsub
            .subscribe(&topic)
            .map_err(build_err)?;
        let mut listeners = HashMap::new();
        for addr in &config.listen {
            let id = swarm
                .listen_on(addr.clone())
                .map_err(|e| SidecarError::Listen {
                    addr: addr.clone(),
                    reason: e.to_string(),
                })?;
            listeners.insert(id, (addr.clone(), Vec::new()));
        }
        for addr in &config.bootstrap {
            // A bootstrap peer that cannot be reached is not fatal: others may be.
            if let Err(e) = swarm.dial(addr.clone()) {
                tracing::warn!(%addr, error = %e, "bootstrap dial failed");
            }
        }
        let (served_tx, served_rx) = mpsc::unbounded_channel();
        let (checked_tx, checked_rx) = mpsc::unbounded_channel();
        Ok(Node {
            payments: config.payments.clone(),
            ledger,
            stats,
            checked_tx,
            checks: HashMap::new(),
            checked_rx,
            swarm,
            store,
            fault: config.fault,
            keypair: config.keypair.clone(),
            probes: ProbeQuota::new(
                config.limits.probes_per_peer_per_minute,
                config.limits.probes_per_minute,
            ),
            limiter: Limiter::new(limits),
            commands,
            served_tx,
            served_rx,
            topic,
            listeners,
            listen_failure: None,
            listen_waiters: Vec::new(),
            dials: HashMap::new(),
            requests: HashMap::new(),
            provider_queries: HashMap::new(),
            announced: BTreeMap::new(),
            bootstrap: config.bootstrap.clone(),
        })
    }

    pub(crate) fn local_peer_id(&self) -> PeerId {
        *self.swarm.local_peer_id()
    }

    /// Runs until [`Command::Shutdown`] or until every handle is dropped.
    pub(crate) async fn run(mut self) {
        let mut redial = tokio::time::interval(BOOTSTRAP_REDIAL);
        redial.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = redial.tick() => self.redial_bootstrap(),
                cmd = self.commands.recv() => match cmd {
                    None | Some(Command::Shutdown) => break,
                    Some(cmd) => self.on_command(cmd),
                },
                event = self.swarm.select_next_some() => self.on_event(event),
                Some(served) = self.served_rx.recv() => self.send_served(served),
                Some(checked) = self.checked_rx.recv() => self.on_checked(checked),
            }
        }
        tracing::debug!(peer = %self.local_peer_id(), "sidecar stopped");
    }

    /// Dials the bootstrap peers again while connected to no peer at all: a
    /// bootstrap peer that was not up yet when this sidecar started (every node of a
    /// localnet starts at once) is reached once it is.
    fn redial_bootstrap(&mut self) {
        if self.swarm.connected_peers().next().is_some() {
            return;
        }
        for addr in self.bootstrap.clone() {
            if let Err(e) = self.swarm.dial(addr.clone()) {
                tracing::debug!(%addr, error = %e, "bootstrap redial failed");
            }
        }
    }

    fn listen_addrs(&self) -> Vec<Multiaddr> {
        self.swarm.listeners().cloned().collect()
    }

    fn answer_listen_waiters(&mut self) {
        let ready = self.listeners.values().all(|(_, bound)| !bound.is_empty());
        if !(ready || self.listen_failure.is_some()) {
            return;
        }
        for w in self.listen_waiters.drain(..) {
            let r = match &self.listen_failure {
                Some((addr, reason)) => Err(SidecarError::Listen {
                    addr: addr.clone(),
                    reason: reason.clone(),
                }),
                None => Ok(self.swarm.listeners().cloned().collect()),
            };
            // The waiter may have given up; nothing to do then.
            let _ = w.send(r);
        }
    }

    fn on_command(&mut self, cmd: Command) {
        match cmd {
            Command::WaitListening(reply) => {
                self.listen_waiters.push(reply);
                self.answer_listen_waiters();
            }
            Command::ListenAddrs(reply) => {
                let _ = reply.send(self.listen_addrs());
            }
            Command::Dial { addr, reply } => {
                let opts = DialOpts::unknown_peer_id().address(addr.clone()).build();
                let id = opts.connection_id();
                match self.swarm.dial(opts) {
                    Ok(()) => {
                        self.dials.insert(id, (addr, reply));
                    }
                    Err(e) => {
                        let _ = reply.send(Err(SidecarError::Dial {
                            addr,
                            reason: e.to_string(),
                        }));
                    }
                }
            }
            Command::ConnectedPeers(reply) => {
                let _ = reply.send(self.swarm.connected_peers().copied().collect());
            }
            Command::Provide { root, reply } => {
                let _ = reply.send(self.provide(root));
            }
            Command::FindProviders { root, found } => {
                let id = self
                    .swarm
                    .behaviour_mut()
                    .kad
                    .get_providers(RecordKey::new(&root));
                self.provider_queries.insert(id, found);
            }
            Command::Announced { root, reply } => {
                let peers = self
                    .announced
                    .get(&root)
                    .map(|s| s.iter().copied().collect())
                    .unwrap_or_default();
                let _ = reply.send(peers);
            }
            Command::Request {
                peer,
                request,
                reply,
            } => {
                let id = self
                    .swarm
                    .behaviour_mut()
                    .slices
                    .send_request(&peer, request);
                self.requests.insert(id, reply);
            }
            // Handled by the run loop, which stops.
            Command::Shutdown => {}
        }
    }

    fn provide(&mut self, root: [u8; 32]) -> Result<(), SidecarError> {
        let status = self.store.status(&root).map_err(|e| match e {
            StoreError::UnknownContent { root } => SidecarError::UnknownContent { root },
            e => SidecarError::Store(e),
        })?;
        self.swarm
            .behaviour_mut()
            .kad
            .start_providing(RecordKey::new(&root))
            .map_err(build_err)?;
        let mut msg = Vec::with_capacity(49);
        msg.push(ANNOUNCE_V1);
        msg.extend_from_slice(&root);
        msg.extend_from_slice(&status.present.to_be_bytes());
        msg.extend_from_slice(&status.total.to_be_bytes());
        match self
            .swarm
            .behaviour_mut()
            .gossipsub
            .publish(self.topic.clone(), msg)
        {
            // Nobody listening yet is normal: the DHT record still finds us.
            Ok(_) | Err(gossipsub::PublishError::NoPeersSubscribedToTopic) => Ok(()),
            Err(e) => {
                tracing::debug!(error = %e, "announcement not published");
                Ok(())
            }
        }
    }

    fn on_event(&mut self, event: SwarmEvent<BehaviourEvent>) {
        match event {
            SwarmEvent::Behaviour(BehaviourEvent::Slices(e)) => self.on_slices(e),
            SwarmEvent::Behaviour(BehaviourEvent::Identify(identify::Event::Received {
                peer_id,
                info,
                ..
            })) => {
                for addr in info.listen_addrs {
                    self.swarm.behaviour_mut().kad.add_address(&peer_id, addr);
                }
            }
            SwarmEvent::Behaviour(BehaviourEvent::Kad(e)) => self.on_kad(e),
            SwarmEvent::Behaviour(BehaviourEvent::Gossipsub(gossipsub::Event::Message {
                propagation_source,
                message,
                ..
            })) => {
                let source = message.source.unwrap_or(propagation_source);
                self.on_announcement(source, &message.data);
            }
            SwarmEvent::NewListenAddr {
                listener_id,
                address,
            } => {
                tracing::debug!(%address, "listening");
                if let Some((_, bound)) = self.listeners.get_mut(&listener_id) {
                    bound.push(address);
                }
                self.answer_listen_waiters();
            }
            SwarmEvent::ListenerClosed {
                listener_id,
                reason,
                ..
            } => {
                if let Some((addr, bound)) = self.listeners.get(&listener_id) {
                    if bound.is_empty() {
                        let why = match reason {
                            Ok(()) => "listener closed".to_owned(),
                            Err(e) => e.to_string(),
                        };
                        self.listen_failure = Some((addr.clone(), why));
                        self.answer_listen_waiters();
                    }
                }
            }
            SwarmEvent::ConnectionEstablished {
                peer_id,
                connection_id,
                endpoint,
                ..
            } => {
                if let ConnectedPoint::Dialer { address, .. } = &endpoint {
                    self.swarm
                        .behaviour_mut()
                        .kad
                        .add_address(&peer_id, address.clone());
                }
                if let Some((_, reply)) = self.dials.remove(&connection_id) {
                    let _ = reply.send(Ok(peer_id));
                }
            }
            SwarmEvent::OutgoingConnectionError {
                connection_id,
                error,
                ..
            } => {
                if let Some((addr, reply)) = self.dials.remove(&connection_id) {
                    let _ = reply.send(Err(SidecarError::Dial {
                        addr,
                        reason: error.to_string(),
                    }));
                }
            }
            SwarmEvent::ConnectionClosed {
                peer_id,
                num_established: 0,
                ..
            } => self.limiter.forget(&peer_id),
            _ => {}
        }
    }

    fn on_kad(&mut self, event: kad::Event) {
        if let kad::Event::OutboundQueryProgressed {
            id, result, step, ..
        } = event
        {
            match result {
                QueryResult::GetProviders(Ok(GetProvidersOk::FoundProviders {
                    providers, ..
                })) => {
                    if let Some(found) = self.provider_queries.get(&id) {
                        for p in providers {
                            // A full channel means the downloader has plenty of peers.
                            let _ = found.try_send(p);
                        }
                    }
                    if step.last {
                        self.provider_queries.remove(&id);
                    }
                }
                QueryResult::GetProviders(_) => {
                    self.provider_queries.remove(&id);
                }
                QueryResult::StartProviding(Err(e)) => {
                    tracing::debug!(error = %e, "provider record not replicated");
                }
                _ => {}
            }
        }
    }

    fn on_announcement(&mut self, source: PeerId, data: &[u8]) {
        if data.len() != 49 || data[0] != ANNOUNCE_V1 || source == self.local_peer_id() {
            return;
        }
        let mut root = [0u8; 32];
        root.copy_from_slice(&data[1..33]);
        if !self.announced.contains_key(&root) && self.announced.len() >= MAX_ANNOUNCED_ROOTS {
            return;
        }
        let peers = self.announced.entry(root).or_default();
        if peers.len() < MAX_ANNOUNCERS_PER_ROOT {
            peers.insert(source);
        }
    }

    fn on_slices(&mut self, event: request_response::Event<Request, Response>) {
        use request_response::{Event, Message, OutboundFailure};
        match event {
            Event::Message {
                peer,
                message:
                    Message::Request {
                        request_id,
                        request,
                        channel,
                    },
                ..
            } => self.serve(peer, request_id, request, channel),
            Event::Message {
                message:
                    Message::Response {
                        request_id,
                        response,
                    },
                ..
            } => {
                if let Some(reply) = self.requests.remove(&request_id) {
                    let _ = reply.send(Ok(response));
                }
            }
            Event::OutboundFailure {
                request_id, error, ..
            } => {
                if let Some(reply) = self.requests.remove(&request_id) {
                    let e = match error {
                        OutboundFailure::DialFailure => RequestError::DialFailure,
                        OutboundFailure::Timeout => RequestError::Timeout,
                        OutboundFailure::ConnectionClosed => RequestError::ConnectionClosed,
                        OutboundFailure::UnsupportedProtocols => RequestError::UnsupportedProtocol,
                        OutboundFailure::Io(e) => RequestError::Io(e.to_string()),
                    };
                    let _ = reply.send(Err(e));
                }
            }
            Event::InboundFailure { request_id, .. } | Event::ResponseSent { request_id, .. } => {
                self.limiter.release(request_id);
            }
        }
    }

    /// Answers an inbound request: at once for `Have`, unknown content and refusals;
    /// from a blocking task for a slice read from disk.
    fn serve(
        &mut self,
        peer: PeerId,
        request_id: InboundRequestId,
        request: Request,
        channel: ResponseChannel<Response>,
    ) {
        let Some(root) = request.root().copied() else {
            if let Err(refusal) = self.limiter.admit(peer, request_id, 0, Instant::now()) {
                self.respond(
                    channel,
                    Response::error(ErrorCode::Busy, refusal_text(refusal)),
                );
                return;
            }
            if let Request::Pay { voucher, signature } = request {
                self.on_pay(peer, channel, voucher, signature);
            }
            return;
        };
        let meta = self.store.meta(&root).ok();
        let cost = match (&request, &meta) {
            (_, None) | (Request::Pay { .. }, _) => 0,
            (Request::Have { .. }, Some(m)) => m.slice_count.div_ceil(8),
            (Request::Get { .. } | Request::Probe { .. }, Some(m)) => {
                u64::from(m.slice_size) + TAG_LEN as u64
            }
        };
        if let Err(refusal) = self.limiter.admit(peer, request_id, cost, Instant::now()) {
            self.respond(
                channel,
                Response::error(ErrorCode::Busy, refusal_text(refusal)),
            );
            return;
        }
        let Some(meta) = meta else {
            self.respond(
                channel,
                Response::error(
                    ErrorCode::UnknownContent,
                    format!("no content {} here", hex::encode(root)),
                ),
            );
            return;
        };
        match request {
            Request::Have { root } => {
                let payee = self.payments.as_ref().map(|p| Payee {
                    address: *p.payee.as_bytes(),
                    credit_window: p.credit_window,
                });
                let response = match self.store.bitfield(&root) {
                    Ok(bits) => Response::Bitfield { root, payee, bits },
                    Err(e) => Response::error(ErrorCode::Internal, e.to_string()),
                };
                self.send_served(Served {
                    request: request_id,
                    channel,
                    response,
                    charged: None,
                });
            }
            Request::Get { root, index } => {
                let mut charged = None;
                if self.payments.is_some() {
                    let bytes = plaintext_len(&meta, index);
                    let mut ledger = lock(&self.ledger);
                    if !ledger.may_serve(&peer, &root, bytes) {
                        let window = ledger.window();
                        drop(ledger);
                        self.respond(
                            channel,
                            Response::error(
                                ErrorCode::PaymentRequired,
                                format!(
                                    "{window} bytes served beyond your last voucher: send a voucher to be served more"
                                ),
                            ),
                        );
                        return;
                    }
                    ledger.served(&peer, &root, bytes);
                    charged = Some((peer, root, bytes));
                }
                self.serve_slice(request_id, channel, root, index, charged);
            }
            Request::Probe { root, index } => {
                if !self.probes.admit(peer, Instant::now()) {
                    self.respond(
                        channel,
                        Response::error(ErrorCode::Busy, "too many probes this minute"),
                    );
                    return;
                }
                self.serve_slice(request_id, channel, root, index, None);
            }
            Request::Pay { .. } => {}
        }
    }

    /// Reads, signs and sends a slice from a blocking task.
    fn serve_slice(
        &mut self,
        request: InboundRequestId,
        channel: ResponseChannel<Response>,
        root: [u8; 32],
        index: u64,
        charged: Option<(PeerId, [u8; 32], u64)>,
    ) {
        let store = self.store.clone();
        let served = self.served_tx.clone();
        let fault = self.fault;
        let keypair = self.keypair.clone();
        tokio::task::spawn_blocking(move || {
            let response = read_slice(&store, &keypair, &root, index, fault);
            // The node is gone if this fails: nobody to answer.
            let _ = served.send(Served {
                request,
                channel,
                response,
                charged,
            });
        });
    }

    /// A voucher from `peer`: checked here for what the seeder knows (its own address,
    /// the lane's best so far), then against the chain off the event loop.
    fn on_pay(
        &mut self,
        peer: PeerId,
        channel: ResponseChannel<Response>,
        voucher: Vec<u8>,
        signature: [u8; crate::protocol::SIGNATURE_LEN],
    ) {
        let refuse = |why: String| Response::error(ErrorCode::BadVoucher, why);
        let Some(payments) = self.payments.clone() else {
            self.respond(
                channel,
                refuse("this seeder serves for free and takes no vouchers".into()),
            );
            return;
        };
        let parsed = match Voucher::decode(&voucher) {
            Ok(v) => v,
            Err(e) => {
                self.respond(channel, refuse(format!("malformed voucher: {e}")));
                return;
            }
        };
        if parsed.seeder != payments.payee {
            self.respond(
                channel,
                refuse(format!(
                    "the voucher pays {}, this seeder is paid at {}",
                    parsed.seeder, payments.payee
                )),
            );
            return;
        }
        if !lock(&self.ledger).advances(&parsed) {
            self.respond(
                channel,
                refuse(format!(
                    "stale voucher: nonce {} does not advance lane (channel {}, content {})",
                    parsed.nonce,
                    parsed.channel_id,
                    hex::encode(parsed.content_root)
                )),
            );
            return;
        }
        let in_check = self.checks.entry(peer).or_insert(0);
        if *in_check >= MAX_CHECKS_PER_PEER {
            self.respond(
                channel,
                Response::error(ErrorCode::Busy, "too many vouchers being checked"),
            );
            return;
        }
        *in_check += 1;
        let signed = SignedVoucher {
            voucher,
            signature: signature.to_vec(),
        };
        let checked = self.checked_tx.clone();
        tokio::spawn(async move {
            let result = payments.check.check(parsed.clone(), signed.clone()).await;
            let _ = checked.send(Checked {
                peer,
                channel,
                voucher: parsed,
                signed,
                result,
            });
        });
    }

    fn on_checked(&mut self, c: Checked) {
        if let Some(n) = self.checks.get_mut(&c.peer) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                self.checks.remove(&c.peer);
            }
        }
        let response = match c.result {
            Err(why) => Response::error(ErrorCode::BadVoucher, why),
            Ok(()) => match lock(&self.ledger).accept(&c.peer, c.voucher, c.signed) {
                Some(paid_bytes) => Response::Paid { paid_bytes },
                None => Response::error(
                    ErrorCode::BadVoucher,
                    "stale voucher: a later one for this lane arrived first",
                ),
            },
        };
        self.stats
            .voucher(matches!(response, Response::Paid { .. }));
        self.respond(c.channel, response);
    }

    fn respond(&mut self, channel: ResponseChannel<Response>, response: Response) {
        // Fails only if the peer's stream is already gone.
        let _ = self
            .swarm
            .behaviour_mut()
            .slices
            .send_response(channel, response);
    }

    fn send_served(&mut self, served: Served) {
        if let Some((peer, root, bytes)) = served.charged {
            if !matches!(served.response, Response::Slice { .. }) {
                lock(&self.ledger).refund(&peer, &root, bytes);
            }
        }
        let slice_bytes = match &served.response {
            Response::Slice { ciphertext, .. } => Some(ciphertext.len() as u64),
            _ => None,
        };
        if self
            .swarm
            .behaviour_mut()
            .slices
            .send_response(served.channel, served.response)
            .is_err()
        {
            self.limiter.release(served.request);
        } else if let Some(bytes) = slice_bytes {
            self.stats.served(bytes);
        }
    }
}

fn refusal_text(refusal: Refusal) -> &'static str {
    match refusal {
        Refusal::Rate => "request rate over the limit",
        Refusal::Bytes => "too many bytes in flight",
    }
}

/// The plaintext bytes of slice `index` (0 past the end): what a voucher pays for.
pub(crate) fn plaintext_len(meta: &MetaHash, index: u64) -> u64 {
    let size = u64::from(meta.slice_size);
    meta.plaintext_len
        .saturating_sub(index.saturating_mul(size))
        .min(size)
}

/// Availability probes answered per minute, per peer and in all.
struct ProbeQuota {
    per_peer: u32,
    total: u32,
    minute_start: Option<Instant>,
    counts: HashMap<PeerId, u32>,
    answered: u32,
}

impl ProbeQuota {
    fn new(per_peer: u32, total: u32) -> Self {
        ProbeQuota {
            per_peer,
            total,
            minute_start: None,
            counts: HashMap::new(),
            answered: 0,
        }
    }

    /// Counts a probe from `peer` if both quotas allow it.
    fn admit(&mut self, peer: PeerId, now: Instant) -> bool {
        let fresh = self
            .minute_start
            .is_none_or(|s| now.duration_since(s) >= std::time::Duration::from_secs(60));
        if fresh {
            self.minute_start = Some(now);
            self.counts.clear();
            self.answered = 0;
        }
        let count = self.counts.entry(peer).or_insert(0);
        if *count >= self.per_peer || self.answered >= self.total {
            return false;
        }
        *count += 1;
        self.answered += 1;
        true
    }
}

/// The seeder's signature over a slice header: root, index, the leaf hash of the
/// ciphertext sent and the proof sent.
pub(crate) fn sign_header(
    keypair: &libp2p::identity::Keypair,
    root: &[u8; 32],
    index: u64,
    leaf: &[u8; 32],
    proof: &weave_slices::MerkleProof,
) -> [u8; crate::protocol::SIGNATURE_LEN] {
    let message = weave_slices::header::sign_bytes(root, index, leaf, &proof.to_bytes());
    let mut signature = [0u8; crate::protocol::SIGNATURE_LEN];
    // An ed25519 identity (the only kind the sidecar makes) signs infallibly into 64
    // bytes; anything else leaves a zero signature, which no one accepts.
    if let Ok(sig) = keypair.sign(&message) {
        if sig.len() == signature.len() {
            signature.copy_from_slice(&sig);
        }
    }
    signature
}

/// Reads one slice for a peer and signs its header, turning store errors into wire
/// errors. A faulty sidecar (tests) signs what it actually sends.
fn read_slice(
    store: &SliceStore,
    keypair: &libp2p::identity::Keypair,
    root: &[u8; 32],
    index: u64,
    fault: Option<Fault>,
) -> Response {
    // The leaf hash the store's check computed is the one signed (not hashed again).
    match store.get_hashed(root, index) {
        Ok(Some((mut ciphertext, proof, mut leaf))) => {
            let corrupt = matches!(
                fault,
                Some(Fault::CorruptSlices | Fault::CorruptSlicesGarbageSignatures)
            );
            if corrupt {
                if let Some(b) = ciphertext.get_mut(0) {
                    *b ^= 0xff;
                }
            }
            if fault == Some(Fault::TruncateSlices) {
                ciphertext.pop();
            }
            if fault.is_some() {
                leaf = weave_slices::leaf_hash(&ciphertext);
            }
            let mut signature = sign_header(keypair, root, index, &leaf, &proof);
            if matches!(
                fault,
                Some(Fault::GarbageSignatures | Fault::CorruptSlicesGarbageSignatures)
            ) {
                // One bit of R flipped: not a signature of this header by this key.
                signature[0] ^= 0x01;
            }
            Response::Slice {
                index,
                ciphertext,
                proof,
                signature,
            }
        }
        Ok(None) => Response::error(ErrorCode::SliceMissing, format!("slice {index} not held")),
        Err(StoreError::UnknownContent { root }) => Response::error(
            ErrorCode::UnknownContent,
            format!("no content {} here", hex::encode(root)),
        ),
        Err(StoreError::Rejected { .. }) => {
            Response::error(ErrorCode::OutOfRange, format!("no slice {index}"))
        }
        // A slice that rotted on disk has been dropped from the store.
        Err(StoreError::Corrupt { .. }) => {
            Response::error(ErrorCode::SliceMissing, format!("slice {index} not held"))
        }
        Err(e) => {
            tracing::warn!(error = %e, "reading a slice to serve");
            Response::error(ErrorCode::Internal, "store read failed")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn probe_quotas_hold_per_peer_and_in_all_and_renew_each_minute() {
        let mut q = ProbeQuota::new(2, 3);
        let (a, b, c) = (PeerId::random(), PeerId::random(), PeerId::random());
        let t0 = Instant::now();
        assert!(q.admit(a, t0));
        assert!(q.admit(a, t0));
        // A's own quota is spent; B has its own.
        assert!(!q.admit(a, t0));
        assert!(q.admit(b, t0));
        // Three answered in all: C, with its quota untouched, is refused too.
        assert!(!q.admit(c, t0 + Duration::from_secs(59)));
        assert!(!q.admit(b, t0 + Duration::from_secs(59)));
        // A new minute: everyone starts over.
        let t1 = t0 + Duration::from_secs(60);
        assert!(q.admit(c, t1));
        assert!(q.admit(a, t1));
        assert!(q.admit(a, t1));
        assert!(!q.admit(a, t1));
    }

    #[test]
    fn a_signed_header_verifies_with_the_key_in_the_peer_id_and_nothing_else() {
        let key = crate::keypair_from_seed([4; 32]);
        let peer = key.public().to_peer_id();
        let tree = weave_slices::MerkleTree::new(vec![
            weave_slices::leaf_hash(b"zero"),
            weave_slices::leaf_hash(b"one"),
        ]);
        let proof = tree.proof(1).expect("proof");
        let root = tree.root();
        let sig = sign_header(&key, &root, 1, &weave_slices::leaf_hash(b"one"), &proof);
        let leaf = weave_slices::leaf_hash(b"one");
        let p = proof.to_bytes();
        assert!(crate::header_signed_by(&peer, &root, 1, &leaf, &p, &sig));
        // Another seeder, index, ciphertext or signature: no.
        let other = crate::keypair_from_seed([5; 32]).public().to_peer_id();
        assert!(!crate::header_signed_by(&other, &root, 1, &leaf, &p, &sig));
        assert!(!crate::header_signed_by(&peer, &root, 0, &leaf, &p, &sig));
        let zero = weave_slices::leaf_hash(b"zero");
        assert!(!crate::header_signed_by(&peer, &root, 1, &zero, &p, &sig));
        let mut bad = sig;
        bad[0] ^= 1;
        assert!(!crate::header_signed_by(&peer, &root, 1, &leaf, &p, &bad));
        // A peer id whose digest is no encoded key has no key to verify with.
        assert!(crate::peer_public_key(&PeerId::random()).is_none());
    }
}
