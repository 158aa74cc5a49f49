//! The application: the block lifecycle over committed storage.
//!
//! Two states are kept apart, each behind its own lock, because CometBFT calls the
//! mempool and consensus connections from different threads:
//! - the *deliver* state: the overlay of the block being finalized, and the prepared
//!   commit that `Commit` writes atomically;
//! - the *check* state: an overlay over the last committed state on which CheckTx
//!   admits transactions in order, reset after every commit.
//!
//! Both run transactions down the same [`Executor::run_tx`] path.

use std::sync::{Arc, Mutex, MutexGuard};

use prost::Message;
use tendermint_proto::v0_38::abci::{
    self as abci, ExecTxResult, RequestCheckTx, RequestExtendVote, RequestFinalizeBlock,
    RequestInfo, RequestInitChain, RequestPrepareProposal, RequestProcessProposal, RequestQuery,
    RequestVerifyVoteExtension, ResponseCheckTx, ResponseCommit, ResponseExtendVote,
    ResponseFinalizeBlock, ResponseInfo, ResponseInitChain, ResponsePrepareProposal,
    ResponseProcessProposal, ResponseQuery, ResponseVerifyVoteExtension,
};
use tendermint_proto::v0_38::crypto::{public_key, ProofOp, ProofOps, PublicKey};
use weave_bank::Keeper as BankKeeper;
use weave_kernel::{
    BlockInfo, Ctx, Event, GasMeter, KernelError, Misbehavior, MisbehaviorKind, Module, Overlay,
    TxError, ValidatorUpdate, VoteInfo,
};

use crate::{
    auth::{AuthParams, ParamsCache},
    exec::{Executor, Mode, TxOutcome},
    gov_exec::GovExecutor,
    router::Router,
    sigcache::SigCache,
    snapshot::{Applied, Restore, SnapshotConfig},
    store::{PreparedCommit, Storage, StorageConfig, StoreError},
    tx::{decode_tx, Predecoded},
    vote_ext::{self, VoteExtender},
};

/// The application's name, reported in ABCI Info.
pub const APP_NAME: &str = "weave";
/// The state machine's version, reported in ABCI Info and block headers.
pub const APP_VERSION: u64 = 1;

const META_CHAIN_ID: &str = "chain_id";
const META_GENESIS_HASH: &str = "genesis_hash";
const META_LAST_BLOCK_TIME: &str = "last_block_time";
/// The validator set InitChain returned, when the modules (gentxs) chose it, so that
/// a repeated InitChain returns it again.
const META_GENESIS_VALIDATORS: &str = "genesis_validators";
/// CometBFT's `vote_extensions_enable_height` from InitChain's consensus params (8
/// bytes big-endian; absent or 0: extensions are off). It decides only whether
/// ProcessProposal demands an injected extended commit, never a state transition.
const META_VOTE_EXTENSIONS_HEIGHT: &str = "vote_extensions_enable_height";

/// The ABCI query path that simulates a transaction, as CosmJS's `simulate` (and so
/// `fee: "auto"`) sends it: a `cosmos.tx.v1beta1.SimulateRequest` in, a
/// `SimulateResponse` out.
pub const SIMULATE_QUERY_PATH: &str = "/cosmos.tx.v1beta1.Service/Simulate";

/// The ICS23 proof op type of a JMT proof in an ABCI query response.
pub const PROOF_OP_TYPE: &str = "ics23:jmt";

/// A failure the node cannot continue past: the storage failed, or the chain's own
/// inputs (genesis) are invalid. Transactions never cause one.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The genesis document is unusable.
    #[error("invalid genesis: {0}")]
    Genesis(String),
    /// A call arrived out of the order ABCI defines.
    #[error("ABCI call out of order: {0}")]
    Sequence(String),
    /// A module's configuration is inconsistent.
    #[error("{0}")]
    Setup(String),
    /// Governance scheduled a software upgrade at this height that this binary does
    /// not know: the node must stop here and restart with the binary that does.
    #[error(
        "UPGRADE {name:?} NEEDED at height {height}: stop this binary and start one that \
         applies it{info}"
    )]
    UpgradeNeeded {
        /// The plan's name.
        name: String,
        /// The height at which it applies.
        height: u64,
        /// The plan's info, prefixed with ": " when present.
        info: String,
    },
}

/// What a new binary runs, once, at the height of the upgrade plan it is built for:
/// the state migration, on the block's overlay, before any module's begin block.
pub type UpgradeHandler =
    Arc<dyn Fn(&mut Ctx<'_>) -> Result<(), weave_kernel::TxError> + Send + Sync>;

/// Where a node's own consumers (its search index) receive each committed block's
/// events in-process, instead of reading them back from CometBFT's RPC as JSON.
pub trait CommittedEvents: Send + Sync {
    /// Whether events of type `kind` are wanted; only those are kept and delivered.
    fn wants(&self, kind: &str) -> bool;
    /// The wanted events of the block just committed at `height`, in order: those of
    /// its successful transactions (as `block_results` lists them), then the block's own.
    fn committed(&self, height: u64, events: Vec<abci::Event>);
}

/// The outcome of simulating a transaction.
#[derive(Debug)]
pub struct Simulation {
    /// Gas the transaction would use.
    pub gas_used: u64,
    /// The result, with events.
    pub outcome: TxOutcome,
}

struct DeliverState {
    chain_id: String,
    last_block_time: (i64, u32),
    pending: Option<PreparedCommit>,
    /// The finalized block's events the [`CommittedEvents`] sink wants, until Commit.
    pending_events: Option<(u64, Vec<abci::Event>)>,
}

struct CheckState {
    block: BlockInfo,
    overlay: Overlay,
}

/// The last proposal ProcessProposal accepted, decoded: FinalizeBlock of the same
/// transactions on the same state takes its decoding instead of decoding again, and
/// skips the block's preparation hooks, which already ran for it (they only fill
/// caches that execution checks, so nothing executes differently either way).
struct Processed {
    height: i64,
    /// The committed version the transactions were decoded against.
    version: Option<u64>,
    txs: Vec<prost::bytes::Bytes>,
    predecoded: Vec<Option<Predecoded>>,
}

type ConsensusAddressBytes = weave_kernel::ConsensusAddress;

/// The Weave application.
pub struct App {
    storage: Arc<Storage>,
    router: Router,
    bank: BankKeeper,
    sig_cache: SigCache,
    auth_params: ParamsCache,
    upgrades: std::collections::BTreeMap<String, UpgradeHandler>,
    vote_extender: std::sync::OnceLock<VoteExtender>,
    /// This node's consensus address, to check its own extensions with.
    own_address: std::sync::OnceLock<ConsensusAddressBytes>,
    /// A deliberate misbehaviour, for end-to-end tests only (see [`crate::fault`]).
    fault: std::sync::OnceLock<crate::fault::ConsensusFault>,
    deliver: Mutex<DeliverState>,
    check: Mutex<CheckState>,
    processed: Mutex<Option<Processed>>,
    /// Where and how often this node takes state-sync snapshots; none if unset.
    snapshots: std::sync::OnceLock<SnapshotConfig>,
    /// Who gets each committed block's events in-process; none if unset.
    committed_events: std::sync::OnceLock<Arc<dyn CommittedEvents>>,
    /// Set while a snapshot is being written, so that they never pile up.
    snapshot_running: Arc<std::sync::atomic::AtomicBool>,
    /// The state-sync restore in progress, between OfferSnapshot and its last chunk.
    restore: Mutex<Option<Restore>>,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("router", &self.router)
            .field("latest_version", &self.storage.latest_version())
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A poisoned lock means a thread panicked mid-update; the data is still the
    // last consistent state we wrote, because every update is a single assignment.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// A kernel event as the ABCI event CometBFT indexes.
pub fn to_abci_event(e: &Event) -> abci::Event {
    abci::Event {
        r#type: e.kind.clone(),
        attributes: e
            .attributes
            .iter()
            .map(|a| abci::EventAttribute {
                key: a.key.clone(),
                value: a.value.clone(),
                index: a.index,
            })
            .collect(),
    }
}

fn decode_time(bytes: &[u8]) -> (i64, u32) {
    if bytes.len() == 12 {
        let mut s = [0u8; 8];
        let mut n = [0u8; 4];
        s.copy_from_slice(&bytes[..8]);
        n.copy_from_slice(&bytes[8..]);
        (i64::from_be_bytes(s), u32::from_be_bytes(n))
    } else {
        (0, 0)
    }
}

fn encode_time(t: (i64, u32)) -> Vec<u8> {
    let mut v = t.0.to_be_bytes().to_vec();
    v.extend_from_slice(&t.1.to_be_bytes());
    v
}

/// The events of a finalized block that `sink` wants: those of its successful
/// transactions in order, then the block's own (`block_events`).
fn wanted_events(
    sink: &dyn CommittedEvents,
    tx_results: &[ExecTxResult],
    block_events: &[abci::Event],
) -> Vec<abci::Event> {
    tx_results
        .iter()
        .filter(|r| r.code == 0)
        .flat_map(|r| r.events.iter())
        .chain(block_events)
        .filter(|e| sink.wants(&e.r#type))
        .cloned()
        .collect()
}

/// A module's changes to the validator set: none unless it manages validators.
fn module_validator_updates(
    module: &dyn Module,
    ctx: &mut Ctx<'_>,
) -> Result<Vec<ValidatorUpdate>, TxError> {
    module
        .hooks()
        .validator_set
        .map_or(Ok(Vec::new()), |h| h.validator_updates(ctx))
}

/// A module's validator update as CometBFT takes it.
pub fn to_abci_validator_update(u: &ValidatorUpdate) -> abci::ValidatorUpdate {
    abci::ValidatorUpdate {
        pub_key: Some(PublicKey {
            sum: Some(public_key::Sum::Ed25519(u.pub_key_ed25519.to_vec())),
        }),
        power: u.power,
    }
}

/// The votes of the previous block's commit. A vote counts as signed only with
/// `BlockIdFlag::Commit`; votes whose address is not 20 bytes are dropped.
fn vote_infos(commit: Option<&abci::CommitInfo>) -> Vec<VoteInfo> {
    use tendermint_proto::v0_38::types::BlockIdFlag;
    commit.map_or_else(Vec::new, |c| {
        c.votes
            .iter()
            .filter_map(|v| {
                let validator = v.validator.as_ref()?;
                Some(VoteInfo {
                    validator_address: validator.address.as_ref().try_into().ok()?,
                    power: validator.power,
                    signed: v.block_id_flag == BlockIdFlag::Commit as i32,
                })
            })
            .collect()
    })
}

/// CometBFT's misbehaviour reports, as modules read them.
fn misbehaviors(list: &[abci::Misbehavior]) -> Vec<Misbehavior> {
    list.iter()
        .filter_map(|m| {
            let validator = m.validator.as_ref()?;
            Some(Misbehavior {
                kind: match abci::MisbehaviorType::try_from(m.r#type) {
                    Ok(abci::MisbehaviorType::DuplicateVote) => MisbehaviorKind::DuplicateVote,
                    Ok(abci::MisbehaviorType::LightClientAttack) => {
                        MisbehaviorKind::LightClientAttack
                    }
                    _ => MisbehaviorKind::Unknown,
                },
                validator_address: validator.address.as_ref().try_into().ok()?,
                power: validator.power,
                height: u64::try_from(m.height).ok()?,
                time_seconds: m.time.as_ref().map_or(0, |t| t.seconds),
                total_voting_power: m.total_voting_power,
            })
        })
        .collect()
}

impl App {
    /// Opens the application over a data directory.
    pub fn open(path: &std::path::Path, storage: StorageConfig) -> Result<Self, AppError> {
        let storage = Arc::new(Storage::open(path, storage)?);
        Self::with_storage(storage)
    }

    /// Builds the application over an opened store.
    pub fn with_storage(storage: Arc<Storage>) -> Result<Self, AppError> {
        let gov_exec = Arc::new(GovExecutor::default());
        let weave_registry::Registry {
            modules,
            bank: keeper,
        } = weave_registry::registry(gov_exec.clone());
        let router = Router::new(modules).map_err(|e| AppError::Setup(e.to_string()))?;
        gov_exec.bind(&router);
        let chain_id = storage
            .meta_get(META_CHAIN_ID)?
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default();
        let last_block_time = storage
            .meta_get(META_LAST_BLOCK_TIME)?
            .map(|b| decode_time(&b))
            .unwrap_or((0, 0));
        let check = CheckState {
            block: BlockInfo::default(),
            overlay: Overlay::new(storage.state()),
        };
        let app = Self {
            storage,
            router,
            bank: keeper,
            sig_cache: SigCache::default(),
            auth_params: ParamsCache::default(),
            upgrades: Default::default(),
            vote_extender: std::sync::OnceLock::new(),
            own_address: std::sync::OnceLock::new(),
            fault: std::sync::OnceLock::new(),
            deliver: Mutex::new(DeliverState {
                chain_id,
                last_block_time,
                pending: None,
                pending_events: None,
            }),
            check: Mutex::new(check),
            processed: Mutex::new(None),
            snapshots: std::sync::OnceLock::new(),
            committed_events: std::sync::OnceLock::new(),
            snapshot_running: Arc::new(std::sync::atomic::AtomicBool::new(false)),
            restore: Mutex::new(None),
        };
        app.reset_check_state();
        Ok(app)
    }

    /// Registers the state migration of a software upgrade this binary applies. At the
    /// height of a governance plan with this name, the handler runs and the plan is
    /// cleared; at the height of a plan no handler is registered for, FinalizeBlock
    /// fails with [`AppError::UpgradeNeeded`] and the node halts.
    pub fn with_upgrade(mut self, name: impl Into<String>, handler: UpgradeHandler) -> Self {
        self.upgrades.insert(name.into(), handler);
        self
    }

    /// Sets where this node's vote extensions come from (its availability prober).
    /// Without one, the node extends its votes with nothing. Set once.
    pub fn set_vote_extender(&self, extender: VoteExtender) {
        let _ = self.vote_extender.set(extender);
    }

    /// Sets who receives each committed block's events in-process (the node's search
    /// index). Set once, before CometBFT connects.
    pub fn set_committed_events(&self, sink: Arc<dyn CommittedEvents>) {
        let _ = self.committed_events.set(sink);
    }

    /// Sets this node's consensus address, so that ExtendVote checks the node's own
    /// extension as the other validators will (and sends an empty one rather than one
    /// they would reject). Set once.
    pub fn set_consensus_address(&self, address: ConsensusAddressBytes) {
        let _ = self.own_address.set(address);
    }

    /// Makes this node misbehave as `fault` says: for end-to-end tests of Byzantine
    /// validators only. Set once.
    pub fn set_fault(&self, fault: crate::fault::ConsensusFault) {
        tracing::warn!(?fault, "this node misbehaves on purpose (testing only)");
        let _ = self.fault.set(fault);
    }

    /// The store underneath.
    pub fn storage(&self) -> &Arc<Storage> {
        &self.storage
    }

    /// The module router.
    pub fn router(&self) -> &Router {
        &self.router
    }

    /// The chain id, once InitChain has run.
    pub fn chain_id(&self) -> String {
        lock(&self.deliver).chain_id.clone()
    }

    fn executor(&self) -> Executor<'_> {
        Executor {
            router: &self.router,
            bank: &self.bank,
            sig_cache: &self.sig_cache,
            params: &self.auth_params,
        }
    }

    fn reset_check_state(&self) {
        let (chain_id, time) = {
            let d = lock(&self.deliver);
            (d.chain_id.clone(), d.last_block_time)
        };
        let height = self
            .storage
            .latest_version()
            .map_or(1, |v| v.saturating_add(1));
        let mut c = lock(&self.check);
        c.block = BlockInfo {
            chain_id,
            height,
            time_seconds: time.0,
            time_nanos: time.1,
            ..BlockInfo::default()
        };
        c.overlay = Overlay::new(self.storage.state());
    }

    /// ABCI Info: the last committed height and app hash, so that CometBFT's
    /// handshake replays whatever blocks the application is missing.
    pub fn info(&self, _req: RequestInfo) -> Result<ResponseInfo, AppError> {
        let (height, hash) = match self.storage.latest_version() {
            Some(v) => (v, self.storage.root_hash(v)?.to_vec()),
            None => (0, Vec::new()),
        };
        Ok(ResponseInfo {
            data: APP_NAME.into(),
            version: env!("CARGO_PKG_VERSION").into(),
            app_version: APP_VERSION,
            last_block_height: i64::try_from(height).unwrap_or(i64::MAX),
            last_block_app_hash: hash.into(),
        })
    }

    /// ABCI InitChain: writes genesis and commits it as the version before the first
    /// block. Calling it again with the same genesis (CometBFT does, if it crashed
    /// before block 1) returns the same app hash and writes nothing.
    pub fn init_chain(&self, req: RequestInitChain) -> Result<ResponseInitChain, AppError> {
        use sha2::{Digest, Sha256};
        let genesis_hash = Sha256::digest(&req.app_state_bytes).to_vec();
        let genesis_version = u64::try_from(req.initial_height.max(1) - 1).unwrap_or(0);

        if let Some(latest) = self.storage.latest_version() {
            let stored = self.storage.meta_get(META_GENESIS_HASH)?;
            if stored.as_deref() != Some(genesis_hash.as_slice()) {
                return Err(AppError::Genesis(
                    "the data directory holds another chain's state; remove it or use its genesis"
                        .into(),
                ));
            }
            let root = self.storage.root_hash(latest)?;
            let validators = match self.storage.meta_get(META_GENESIS_VALIDATORS)? {
                Some(bytes) => {
                    ResponseInitChain::decode(bytes.as_slice())
                        .map_err(|e| AppError::Genesis(format!("stored genesis validators: {e}")))?
                        .validators
                }
                None => req.validators,
            };
            return Ok(ResponseInitChain {
                consensus_params: None,
                validators,
                app_hash: root.to_vec().into(),
            });
        }

        let app_state: std::collections::BTreeMap<String, serde_json::Value> =
            if req.app_state_bytes.is_empty() {
                Default::default()
            } else {
                serde_json::from_slice(&req.app_state_bytes).map_err(|e| {
                    AppError::Genesis(format!("app_state is not a JSON object: {e}"))
                })?
            };
        let known: Vec<&str> = self.router.modules().iter().map(|m| m.name()).collect();
        if let Some(unknown) = app_state.keys().find(|k| !known.contains(&k.as_str())) {
            return Err(AppError::Genesis(format!(
                "app_state has a section {unknown:?} that no module owns (modules: {known:?})"
            )));
        }

        let (time_seconds, time_nanos) = req
            .time
            .as_ref()
            .map_or((0, 0), |t| (t.seconds, t.nanos.max(0) as u32));
        let block = BlockInfo {
            chain_id: req.chain_id.clone(),
            height: genesis_version,
            time_seconds,
            time_nanos,
            ..BlockInfo::default()
        };
        let mut overlay = Overlay::new(self.storage.state());
        let mut gas = GasMeter::infinite();
        let mut events = Vec::new();
        for module in self.router.modules() {
            let section = app_state
                .get(module.name())
                .cloned()
                .unwrap_or(serde_json::Value::Null);
            let mut ctx = Ctx::new(&block, &mut overlay, &mut gas, &mut events);
            module
                .init_genesis(&mut ctx, &section)
                .map_err(|e| AppError::Genesis(format!("module {}: {}", module.name(), e.log)))?;
        }
        self.deliver_genesis_txs(&block, &mut overlay, &app_state)?;
        let mut updates = Vec::new();
        for module in self.router.modules() {
            let mut ctx = Ctx::new(&block, &mut overlay, &mut gas, &mut events);
            updates.extend(
                module_validator_updates(module.as_ref(), &mut ctx).map_err(|e| {
                    AppError::Genesis(format!("module {} validator set: {}", module.name(), e.log))
                })?,
            );
        }
        // The modules choose the genesis set when they have one (from gentxs);
        // otherwise CometBFT's genesis validators stand.
        let chosen: Vec<abci::ValidatorUpdate> = updates
            .iter()
            .filter(|u| u.power > 0)
            .map(to_abci_validator_update)
            .collect();
        let mut prepared = self
            .storage
            .prepare(genesis_version, overlay.into_changes())?;
        prepared.set_meta(META_CHAIN_ID, req.chain_id.clone().into_bytes());
        prepared.set_meta(META_GENESIS_HASH, genesis_hash);
        let enable_height = req
            .consensus_params
            .as_ref()
            .and_then(|p| p.abci.as_ref())
            .map_or(0, |a| {
                u64::try_from(a.vote_extensions_enable_height).unwrap_or(0)
            });
        prepared.set_meta(
            META_VOTE_EXTENSIONS_HEIGHT,
            enable_height.to_be_bytes().to_vec(),
        );
        prepared.set_meta(
            META_LAST_BLOCK_TIME,
            encode_time((time_seconds, time_nanos)),
        );
        let validators = if chosen.is_empty() {
            req.validators
        } else {
            let stored = ResponseInitChain {
                validators: chosen.clone(),
                ..Default::default()
            };
            prepared.set_meta(META_GENESIS_VALIDATORS, stored.encode_to_vec());
            chosen
        };
        let root = prepared.root_hash();
        self.storage.commit(prepared)?;
        {
            let mut d = lock(&self.deliver);
            d.chain_id = req.chain_id.clone();
            d.last_block_time = (time_seconds, time_nanos);
        }
        self.reset_check_state();
        Ok(ResponseInitChain {
            consensus_params: None,
            validators,
            app_hash: root.to_vec().into(),
        })
    }

    /// Delivers every module's genesis transactions (gentxs), in module order, after
    /// all of genesis is written: signatures checked, no minimum fee, and only the
    /// supplying module's messages. Any failure makes the genesis unusable.
    fn deliver_genesis_txs(
        &self,
        block: &BlockInfo,
        overlay: &mut Overlay,
        app_state: &std::collections::BTreeMap<String, serde_json::Value>,
    ) -> Result<(), AppError> {
        let max_memo = AuthParams::load(&*overlay)
            .map_err(|e| AppError::Genesis(format!("auth params: {}", e.log)))?
            .max_memo_chars as usize;
        for module in self.router.modules() {
            let section = app_state
                .get(module.name())
                .cloned()
                .unwrap_or(serde_json::Value::Null);
            let txs = module
                .hooks()
                .genesis_txs
                .map_or(Ok(Vec::new()), |h| h.genesis_txs(&section))
                .map_err(|e| AppError::Genesis(format!("module {}: {}", module.name(), e.log)))?;
            for (i, tx) in txs.iter().enumerate() {
                let what = format!("{} gen_txs[{i}]", module.name());
                let decoded = decode_tx(tx, &self.router, max_memo)
                    .map_err(|e| AppError::Genesis(format!("{what}: {}", e.log)))?;
                if let Some(foreign) = decoded
                    .messages
                    .iter()
                    .find(|m| !module.message_types().contains(&m.type_url.as_str()))
                {
                    return Err(AppError::Genesis(format!(
                        "{what} carries {}, which module {} does not handle",
                        foreign.type_url,
                        module.name()
                    )));
                }
                let predecoded = Predecoded {
                    max_memo,
                    tx: Ok(decoded),
                };
                let outcome = self.executor().run_decoded(
                    block,
                    overlay,
                    tx,
                    Some(predecoded),
                    Mode::Genesis,
                );
                if let Err(e) = outcome.result {
                    return Err(AppError::Genesis(format!(
                        "{what} failed: {}:{}: {}",
                        e.codespace, e.code, e.log
                    )));
                }
            }
        }
        Ok(())
    }

    /// ABCI CheckTx: runs the transaction on the check state, keeping its writes only
    /// if it passes, so later transactions from the same account see its sequence.
    pub fn check_tx(&self, req: RequestCheckTx) -> ResponseCheckTx {
        let mode = if req.r#type == abci::CheckTxType::Recheck as i32 {
            Mode::Recheck
        } else {
            Mode::Check
        };
        let outcome = {
            let mut c = lock(&self.check);
            let CheckState { block, overlay } = &mut *c;
            // A new transaction is decoded once, and its messages shown to the block
            // preparation hooks first, so that a claim's vouchers are batch-verified
            // here as in a block (the hooks only fill caches execution checks).
            let predecoded = (mode == Mode::Check)
                .then(|| self.auth_params.load(&*overlay).ok())
                .flatten()
                .map(|p| {
                    let max_memo = p.max_memo_chars as usize;
                    Predecoded {
                        max_memo,
                        tx: decode_tx(&req.tx, &self.router, max_memo),
                    }
                });
            if let Some(p) = &predecoded {
                self.prepare_tx_on(&*overlay, p);
            }
            self.executor()
                .run_decoded(block, overlay, &req.tx, predecoded, mode)
        };
        let (code, codespace, log) = result_parts(&outcome.result);
        ResponseCheckTx {
            code,
            data: Default::default(),
            log,
            info: String::new(),
            gas_wanted: outcome.gas_wanted as i64,
            gas_used: outcome.gas_used as i64,
            events: Vec::new(),
            codespace,
        }
    }

    /// CometBFT's `vote_extensions_enable_height`, as InitChain gave it (0: off).
    fn vote_extensions_height(&self) -> u64 {
        match self.storage.meta_get(META_VOTE_EXTENSIONS_HEIGHT) {
            Ok(Some(b)) => <[u8; 8]>::try_from(b.as_slice()).map_or(0, u64::from_be_bytes),
            _ => 0,
        }
    }

    /// Whether the block at `height` must carry the extended commit of `height - 1`.
    fn injection_due(&self, height: i64) -> bool {
        let vote_height = u64::try_from(height).unwrap_or(0).saturating_sub(1);
        vote_height > 0 && vote_ext::extensions_enabled(self.vote_extensions_height(), vote_height)
    }

    /// ABCI PrepareProposal: keeps, in order, the transactions that still pass against
    /// the current state and fit in `max_tx_bytes`.
    pub fn prepare_proposal(&self, req: RequestPrepareProposal) -> ResponsePrepareProposal {
        let mut predecoded = self.predecode(&req.txs);
        self.prepare_block(&predecoded);
        let block = self.block_info(req.height, req.time.as_ref(), &req.proposer_address);
        let mut overlay = Overlay::new(self.storage.state());
        let max = usize::try_from(req.max_tx_bytes).unwrap_or(0);
        let mut total = 0usize;
        let mut txs = Vec::new();
        // The previous height's extended commit goes first, whenever extensions are on
        // (or any vote carries one), when it verifies here as it will everywhere.
        let due = self.injection_due(req.height);
        let fault = self.fault.get().copied();
        if fault == Some(crate::fault::ConsensusFault::BlankInjection) {
            let blanked = req.local_last_commit.as_ref().map(|c| {
                let mut c = c.clone();
                for v in &mut c.votes {
                    v.vote_extension = Default::default();
                    v.extension_signature = Default::default();
                }
                c
            });
            if let Some(tx) = blanked.and_then(|c| vote_ext::injection(&c, due)) {
                total += tx.len() + 1 + prost::encoding::encoded_len_varint(tx.len() as u64);
                txs.push(tx.into());
            }
        } else if let Some(tx) = req
            .local_last_commit
            .as_ref()
            .filter(|_| fault != Some(crate::fault::ConsensusFault::OmitInjection))
            .and_then(|c| vote_ext::injection(c, due))
        {
            let size = tx.len() + 1 + prost::encoding::encoded_len_varint(tx.len() as u64);
            let last = req.local_last_commit.as_ref().map(|c| abci::CommitInfo {
                round: c.round,
                votes: c
                    .votes
                    .iter()
                    .map(|v| abci::VoteInfo {
                        validator: v.validator.clone(),
                        block_id_flag: v.block_id_flag,
                    })
                    .collect(),
            });
            let state = self.storage.state();
            match vote_ext::verify_injection(
                &self.router,
                state.as_ref(),
                &block.chain_id,
                block.height,
                &tx,
                last.as_ref(),
            ) {
                Ok(_) if size <= max => {
                    total += size;
                    txs.push(tx.into());
                }
                Ok(_) => tracing::warn!(size, max, "extended commit too large to inject"),
                Err(e) => tracing::warn!(error = %e, "not injecting the extended commit"),
            }
        }
        for (tx, predecoded) in req.txs.into_iter().zip(predecoded.iter_mut()) {
            if vote_ext::is_injected(&tx) {
                continue;
            }
            // CometBFT measures each transaction as it is framed in the block's `Data`
            // (`ComputeProtoSizeForTxs`): a tag byte and a length varint besides the bytes.
            let size = tx.len() + 1 + prost::encoding::encoded_len_varint(tx.len() as u64);
            if total.saturating_add(size) > max {
                continue;
            }
            let outcome = self.executor().run_decoded(
                &block,
                &mut overlay,
                &tx,
                predecoded.take(),
                Mode::Check,
            );
            if outcome.result.is_ok() {
                total += size;
                txs.push(tx);
            }
        }
        ResponsePrepareProposal { txs }
    }

    /// ABCI ProcessProposal: rejects a block carrying bytes that are not a well-formed
    /// Weave transaction, an injected extended commit that does not verify, or none
    /// when one is due (extensions are on and the block has a last commit). Stateful
    /// failures are left to FinalizeBlock, where they cost their sender the fee.
    pub fn process_proposal(&self, req: RequestProcessProposal) -> ResponseProcessProposal {
        use abci::response_process_proposal::ProposalStatus;
        let reject = |why: String| {
            tracing::warn!(height = req.height, "rejecting proposal: {why}");
            ResponseProcessProposal {
                status: ProposalStatus::Reject as i32,
            }
        };
        let state = self.storage.state();
        if let Err(e) = self.auth_params.load(state.as_ref()) {
            return reject(format!("auth params: {}", e.log));
        }
        let predecoded = self.predecode(&req.txs);
        for (i, (tx, decoded)) in req.txs.iter().zip(&predecoded).enumerate() {
            if vote_ext::is_injected(tx) {
                if i != 0 {
                    return reject(format!("injected extended commit at position {i}"));
                }
                let height = u64::try_from(req.height).unwrap_or(0);
                if let Err(e) = vote_ext::verify_injection(
                    &self.router,
                    state.as_ref(),
                    &self.chain_id(),
                    height,
                    tx,
                    req.proposed_last_commit.as_ref(),
                ) {
                    return reject(e);
                }
            } else if let Some(Predecoded { tx: Err(e), .. }) = decoded {
                return reject(format!("transaction {i}: {}", e.log));
            }
        }
        let injected = req.txs.first().is_some_and(|tx| vote_ext::is_injected(tx));
        let has_votes = req
            .proposed_last_commit
            .as_ref()
            .is_some_and(|c| !c.votes.is_empty());
        if !injected && has_votes && self.injection_due(req.height) {
            return reject("the extended commit of the previous height is not injected".into());
        }
        self.prepare_block(&predecoded);
        *lock(&self.processed) = Some(Processed {
            height: req.height,
            version: self.storage.latest_version(),
            txs: req.txs,
            predecoded,
        });
        ResponseProcessProposal {
            status: ProposalStatus::Accept as i32,
        }
    }

    /// ABCI ExtendVote: this node's extension for the height, from its
    /// [`VoteExtender`] (nothing without one, when it is oversized, or when the
    /// modules would reject it from this node's consensus address).
    pub fn extend_vote(&self, req: RequestExtendVote) -> ResponseExtendVote {
        if let Some(bad) = self.fault.get().and_then(|f| f.extension()) {
            return ResponseExtendVote {
                vote_extension: bad.into(),
            };
        }
        let height = u64::try_from(req.height).unwrap_or(0);
        let extension = self
            .vote_extender
            .get()
            .map(|f| f(height))
            .unwrap_or_default();
        if extension.len() > vote_ext::MAX_EXTENSION_BYTES {
            tracing::warn!(
                height,
                len = extension.len(),
                "vote extension too large; extending with nothing"
            );
            return ResponseExtendVote::default();
        }
        if let Some(address) = self.own_address.get() {
            let state = self.storage.state();
            if let Err(e) = vote_ext::verify_extension(
                &self.router,
                state.as_ref(),
                height,
                address,
                &extension,
            ) {
                tracing::warn!(
                    height,
                    "own vote extension would be rejected ({e}); extending with nothing"
                );
                return ResponseExtendVote::default();
            }
        }
        ResponseExtendVote {
            vote_extension: extension.into(),
        }
    }

    /// ABCI VerifyVoteExtension: accepts an empty extension, or one every module
    /// accepts for that validator and height. A rejection never halts the chain: the
    /// vote simply does not count.
    pub fn verify_vote_extension(
        &self,
        req: RequestVerifyVoteExtension,
    ) -> ResponseVerifyVoteExtension {
        use abci::response_verify_vote_extension::VerifyStatus;
        let height = u64::try_from(req.height).unwrap_or(0);
        let verdict = match <ConsensusAddressBytes>::try_from(req.validator_address.as_ref()) {
            Ok(address) => vote_ext::verify_extension(
                &self.router,
                self.storage.state().as_ref(),
                height,
                &address,
                &req.vote_extension,
            ),
            Err(_) => Err("validator address is not 20 bytes".into()),
        };
        let status = match verdict {
            Ok(()) => VerifyStatus::Accept,
            Err(e) => {
                tracing::warn!(
                    height,
                    validator = %hex::encode(&req.validator_address),
                    "rejecting vote extension: {e}"
                );
                VerifyStatus::Reject
            }
        };
        ResponseVerifyVoteExtension {
            status: status as i32,
        }
    }

    /// Decodes a block's transactions once, against the state it starts from, for
    /// [`App::prepare_block`] and then execution. Nothing is decoded when the auth
    /// params do not load (execution reports that).
    fn predecode<T: AsRef<[u8]>>(&self, txs: &[T]) -> Vec<Option<Predecoded>> {
        let state = self.storage.state();
        let Ok(params) = self.auth_params.load(state.as_ref()) else {
            return txs.iter().map(|_| None).collect();
        };
        let max_memo = params.max_memo_chars as usize;
        txs.iter()
            .map(|tx| {
                Some(Predecoded {
                    max_memo,
                    tx: decode_tx(tx.as_ref(), &self.router, max_memo),
                })
            })
            .collect()
    }

    /// Shows every module all the messages of a block before any executes (batch
    /// signature verification of vouchers, for one), as [`App::predecode`] decoded
    /// them. Transactions that do not decode are skipped here; execution rejects them.
    fn prepare_block(&self, txs: &[Option<Predecoded>]) {
        let msgs: Vec<&weave_kernel::DecodedMsg> = txs
            .iter()
            .flatten()
            .filter_map(|p| p.tx.as_ref().ok())
            .flat_map(|tx| tx.decoded.iter())
            .collect();
        if !msgs.is_empty() {
            self.run_prepare_hooks(self.storage.state().as_ref(), &msgs);
        }
    }

    /// [`App::prepare_block`] for one transaction about to run on `state` (CheckTx's).
    fn prepare_tx_on(&self, state: &dyn weave_kernel::StateRead, tx: &Predecoded) {
        if let Ok(tx) = &tx.tx {
            if !tx.decoded.is_empty() {
                self.run_prepare_hooks(state, &tx.decoded.iter().collect::<Vec<_>>());
            }
        }
    }

    fn run_prepare_hooks(
        &self,
        state: &dyn weave_kernel::StateRead,
        msgs: &[&weave_kernel::DecodedMsg],
    ) {
        for module in self.router.modules() {
            if let Some(h) = module.hooks().prepare_block {
                h.prepare_block(state, msgs);
            }
        }
    }

    fn block_info(
        &self,
        height: i64,
        time: Option<&tendermint_proto::google::protobuf::Timestamp>,
        proposer: &[u8],
    ) -> BlockInfo {
        BlockInfo {
            chain_id: self.chain_id(),
            height: u64::try_from(height).unwrap_or(0),
            time_seconds: time.map_or(0, |t| t.seconds),
            time_nanos: time.map_or(0, |t| t.nanos.max(0) as u32),
            proposer: proposer.to_vec(),
            ..BlockInfo::default()
        }
    }

    /// Applies the extended commit the proposer injected: verified again against the
    /// decided last commit (this node may never have seen the proposal), then handed
    /// to every module, all or nothing. A failure is the transaction's result; the
    /// block goes on.
    fn apply_injection(
        &self,
        block: &BlockInfo,
        overlay: &mut Overlay,
        tx: &[u8],
        req: &RequestFinalizeBlock,
    ) -> ExecTxResult {
        let state = self.storage.state();
        let votes = match vote_ext::verify_injection(
            &self.router,
            state.as_ref(),
            &block.chain_id,
            block.height,
            tx,
            req.decided_last_commit.as_ref(),
        ) {
            Ok(v) => v,
            Err(e) => {
                tracing::warn!(
                    height = block.height,
                    "injected extended commit skipped: {e}"
                );
                return ExecTxResult {
                    code: 1,
                    codespace: "vote_extensions".into(),
                    log: e,
                    ..Default::default()
                };
            }
        };
        let vote_height = block.height.saturating_sub(1);
        let mut gas = GasMeter::infinite();
        let mut events = Vec::new();
        let mut ctx = Ctx::new(block, overlay, &mut gas, &mut events);
        let result = ctx.atomically(|ctx| {
            for module in self.router.modules() {
                if let Some(h) = module.hooks().vote_extensions {
                    h.apply_vote_extensions(ctx, vote_height, &votes)?;
                }
            }
            Ok(())
        });
        let (code, codespace, log) = result_parts(&result);
        ExecTxResult {
            code,
            log,
            codespace,
            events: events.iter().map(to_abci_event).collect(),
            ..Default::default()
        }
    }

    /// At the height of a scheduled upgrade: runs its handler and clears the plan, or
    /// refuses the block when this binary has no handler (the old binary halts there,
    /// before executing anything of it, and does so again on every restart).
    fn apply_upgrade(
        &self,
        block: &BlockInfo,
        overlay: &mut Overlay,
        events: &mut Vec<Event>,
    ) -> Result<(), AppError> {
        let plan = weave_gov::GovModule::upgrade_plan(self.storage.state().as_ref())
            .map_err(|e| AppError::Setup(format!("reading the upgrade plan: {}", e.log)))?;
        let Some(plan) = plan.filter(|p| p.height <= block.height) else {
            return Ok(());
        };
        let Some(handler) = self.upgrades.get(&plan.name) else {
            return Err(AppError::UpgradeNeeded {
                name: plan.name,
                height: plan.height,
                info: if plan.info.is_empty() {
                    String::new()
                } else {
                    format!(": {}", plan.info)
                },
            });
        };
        let mut gas = GasMeter::infinite();
        let mut ctx = Ctx::new(block, overlay, &mut gas, events);
        handler(&mut ctx)
            .and_then(|()| weave_gov::GovModule::clear_upgrade_plan(&mut ctx))
            .map_err(|e| AppError::Setup(format!("upgrade {:?} failed: {}", plan.name, e.log)))?;
        ctx.emit(
            Event::new("upgrade_applied")
                .attr("name", &plan.name)
                .attr("height", plan.height.to_string()),
        );
        tracing::info!(name = %plan.name, height = plan.height, "software upgrade applied");
        Ok(())
    }

    /// ABCI FinalizeBlock: executes the block on a fresh overlay and prepares (but does
    /// not write) its commit, returning the new app hash.
    pub fn finalize_block(
        &self,
        req: RequestFinalizeBlock,
    ) -> Result<ResponseFinalizeBlock, AppError> {
        let mut block = self.block_info(req.height, req.time.as_ref(), &req.proposer_address);
        block.last_commit = vote_infos(req.decided_last_commit.as_ref());
        block.misbehavior = misbehaviors(&req.misbehavior);
        block.hash = req.hash.to_vec();
        let expected = self
            .storage
            .latest_version()
            .map_or(block.height, |v| v.saturating_add(1));
        if block.height != expected {
            return Err(AppError::Sequence(format!(
                "FinalizeBlock for height {} but the next height is {expected}",
                block.height
            )));
        }
        let processed = lock(&self.processed).take().filter(|p| {
            p.height == req.height && p.version == self.storage.latest_version() && p.txs == req.txs
        });
        let predecoded = match processed {
            Some(p) => p.predecoded,
            None => {
                let predecoded = self.predecode(&req.txs);
                self.prepare_block(&predecoded);
                predecoded
            }
        };
        let mut overlay = Overlay::new(self.storage.state());
        let mut block_events = Vec::new();
        self.apply_upgrade(&block, &mut overlay, &mut block_events)?;

        for module in self.router.modules() {
            run_hook(
                &block,
                &mut overlay,
                &mut block_events,
                module.name(),
                |ctx| module.hooks().block.map_or(Ok(()), |h| h.begin_block(ctx)),
            );
        }

        let exec = self.executor();
        let tx_results: Vec<ExecTxResult> = req
            .txs
            .iter()
            .zip(predecoded)
            .enumerate()
            .map(|(i, (tx, predecoded))| {
                if i == 0 && vote_ext::is_injected(tx) {
                    return self.apply_injection(&block, &mut overlay, tx, &req);
                }
                let outcome = exec.run_decoded(&block, &mut overlay, tx, predecoded, Mode::Deliver);
                let (code, codespace, log) = result_parts(&outcome.result);
                ExecTxResult {
                    code,
                    data: Default::default(),
                    log,
                    info: String::new(),
                    gas_wanted: outcome.gas_wanted as i64,
                    gas_used: outcome.gas_used as i64,
                    events: outcome.events.iter().map(to_abci_event).collect(),
                    codespace,
                }
            })
            .collect();

        for module in self.router.modules() {
            run_hook(
                &block,
                &mut overlay,
                &mut block_events,
                module.name(),
                |ctx| module.hooks().block.map_or(Ok(()), |h| h.end_block(ctx)),
            );
        }
        let mut validator_updates = Vec::new();
        for module in self.router.modules() {
            let updates = run_hook(
                &block,
                &mut overlay,
                &mut block_events,
                module.name(),
                |ctx| module_validator_updates(module.as_ref(), ctx),
            );
            validator_updates.extend(updates.unwrap_or_default());
        }

        let mut prepared = self.storage.prepare(block.height, overlay.into_changes())?;
        let time = (block.time_seconds, block.time_nanos);
        prepared.set_meta(META_LAST_BLOCK_TIME, encode_time(time));
        let app_hash = prepared.root_hash();
        let events: Vec<abci::Event> = block_events.iter().map(to_abci_event).collect();
        let wanted = self.committed_events.get().map(|sink| {
            (
                block.height,
                wanted_events(sink.as_ref(), &tx_results, &events),
            )
        });
        {
            let mut d = lock(&self.deliver);
            d.pending = Some(prepared);
            d.pending_events = wanted;
            d.last_block_time = time;
        }
        Ok(ResponseFinalizeBlock {
            events,
            tx_results,
            validator_updates: validator_updates
                .iter()
                .map(to_abci_validator_update)
                .collect(),
            consensus_param_updates: None,
            app_hash: app_hash.to_vec().into(),
        })
    }

    /// ABCI Commit: writes the finalized block in one atomic batch and resets the
    /// check state on top of it.
    pub fn commit(&self) -> Result<ResponseCommit, AppError> {
        let (pending, events) = {
            let mut d = lock(&self.deliver);
            (d.pending.take(), d.pending_events.take())
        };
        let prepared =
            pending.ok_or_else(|| AppError::Sequence("Commit without FinalizeBlock".into()))?;
        let version = prepared.version();
        self.storage.commit(prepared)?;
        if let (Some(sink), Some((height, events))) = (self.committed_events.get(), events) {
            sink.committed(height, events);
        }
        self.reset_check_state();
        self.maybe_snapshot(version);
        Ok(ResponseCommit { retain_height: 0 })
    }

    /// Takes state-sync snapshots every `config.interval` blocks, into `config.dir`.
    /// Set once, before CometBFT connects.
    pub fn set_snapshots(&self, config: SnapshotConfig) {
        let _ = self.snapshots.set(config);
    }

    /// After the commit of `version`: when a snapshot is due, pins the version and
    /// writes it out on a background thread. Commit waits only for the pin.
    fn maybe_snapshot(&self, version: u64) {
        use std::sync::atomic::Ordering;
        let Some(config) = self.snapshots.get() else {
            return;
        };
        if config.interval == 0 || version == 0 || !version.is_multiple_of(config.interval) {
            return;
        }
        if self.snapshot_running.swap(true, Ordering::SeqCst) {
            tracing::warn!(
                version,
                "the previous snapshot is still being written; skipping this one"
            );
            return;
        }
        let (storage, config) = (Arc::clone(&self.storage), config.clone());
        let running = Arc::clone(&self.snapshot_running);
        let (pinned_tx, pinned_rx) = std::sync::mpsc::sync_channel::<()>(1);
        let spawned = std::thread::Builder::new()
            .name("snapshot".into())
            .spawn(move || {
                let result = storage.export().map_err(Into::into).and_then(|export| {
                    let _ = pinned_tx.send(());
                    crate::snapshot::write_snapshot(
                        &export,
                        &config.dir,
                        config.chunk_bytes,
                        config.keep_recent,
                    )
                });
                drop(pinned_tx);
                match result {
                    Ok(s) => tracing::info!(
                        height = s.height,
                        chunks = s.chunks,
                        entries = s.entries,
                        bytes = s.bytes,
                        "state-sync snapshot written"
                    ),
                    Err(e) => tracing::error!(version, error = %e, "state-sync snapshot failed"),
                }
                running.store(false, Ordering::SeqCst);
            });
        match spawned {
            // Returns once the version is pinned (or the export failed).
            Ok(_) => {
                let _ = pinned_rx.recv();
            }
            Err(e) => {
                tracing::error!(version, error = %e, "cannot start the snapshot thread");
                self.snapshot_running.store(false, Ordering::SeqCst);
            }
        }
    }

    /// ABCI ListSnapshots: the snapshots this node serves, newest first.
    pub fn list_snapshots(&self) -> abci::ResponseListSnapshots {
        let snapshots = match self.snapshots.get() {
            Some(config) => crate::snapshot::list_snapshots(&config.dir).unwrap_or_else(|e| {
                tracing::warn!(error = %e, "cannot list snapshots");
                Vec::new()
            }),
            None => Vec::new(),
        };
        abci::ResponseListSnapshots { snapshots }
    }

    /// ABCI LoadSnapshotChunk: a chunk of a snapshot this node serves (empty if none).
    pub fn load_snapshot_chunk(
        &self,
        req: abci::RequestLoadSnapshotChunk,
    ) -> abci::ResponseLoadSnapshotChunk {
        let chunk = self.snapshots.get().and_then(|config| {
            crate::snapshot::load_chunk(&config.dir, req.height, req.format, req.chunk)
                .unwrap_or_else(|e| {
                    tracing::warn!(error = %e, "cannot load a snapshot chunk");
                    None
                })
        });
        abci::ResponseLoadSnapshotChunk {
            chunk: chunk.unwrap_or_default().into(),
        }
    }

    /// ABCI OfferSnapshot: starts restoring a snapshot into this (empty) node, when its
    /// format is known and its metadata names the app hash the light client trusted.
    pub fn offer_snapshot(&self, req: abci::RequestOfferSnapshot) -> abci::ResponseOfferSnapshot {
        use abci::response_offer_snapshot::Result as OfferResult;
        let answer = |result: OfferResult| abci::ResponseOfferSnapshot {
            result: result as i32,
        };
        if let Some(latest) = self.storage.latest_version() {
            tracing::error!(
                latest,
                "offered a snapshot, but this node already holds state; not restoring"
            );
            return answer(OfferResult::Abort);
        }
        let height = req.snapshot.as_ref().map_or(0, |s| s.height);
        match Restore::offer(&req) {
            Ok(restore) => {
                tracing::info!(height, "restoring state-sync snapshot");
                *lock(&self.restore) = Some(restore);
                answer(OfferResult::Accept)
            }
            Err(result) => {
                tracing::warn!(height, ?result, "refusing offered snapshot");
                answer(result)
            }
        }
    }

    /// ABCI ApplySnapshotChunk: checks the chunk against its hash (a bad one is
    /// refetched from another peer); after the last chunk, writes the restored state if
    /// its root is the trusted app hash, or rejects the snapshot and its senders.
    pub fn apply_snapshot_chunk(
        &self,
        req: abci::RequestApplySnapshotChunk,
    ) -> abci::ResponseApplySnapshotChunk {
        use abci::response_apply_snapshot_chunk::Result as ApplyResult;
        let answer =
            |result: ApplyResult, reject_senders: Vec<String>| abci::ResponseApplySnapshotChunk {
                result: result as i32,
                refetch_chunks: Vec::new(),
                reject_senders,
            };
        let mut slot = lock(&self.restore);
        let Some(restore) = slot.as_mut() else {
            return answer(ApplyResult::Abort, Vec::new());
        };
        match restore.apply(&req) {
            Applied::Accepted => answer(ApplyResult::Accept, Vec::new()),
            Applied::Refused(response) => {
                if response.result != ApplyResult::Retry as i32 {
                    *slot = None;
                }
                response
            }
            Applied::Complete => {
                let Some(restore) = slot.take() else {
                    return answer(ApplyResult::Abort, Vec::new());
                };
                let (height, senders) = (restore.height(), restore.senders());
                match restore.finish(&self.storage) {
                    Ok(()) => {
                        self.reload_after_restore();
                        let app_hash = self
                            .storage
                            .root_hash(height)
                            .map_or_else(|e| e.to_string(), hex::encode_upper);
                        tracing::info!(height, %app_hash, "state-sync snapshot restored");
                        answer(ApplyResult::Accept, Vec::new())
                    }
                    Err(e @ StoreError::RootMismatch { .. }) => {
                        tracing::warn!(height, error = %e, "rejecting snapshot");
                        answer(ApplyResult::RejectSnapshot, senders)
                    }
                    Err(e) => {
                        tracing::error!(height, error = %e, "cannot write the restored state");
                        answer(ApplyResult::Abort, Vec::new())
                    }
                }
            }
        }
    }

    /// Reads back what InitChain and the blocks would have set in memory.
    fn reload_after_restore(&self) {
        let chain_id = self.storage.meta_get(META_CHAIN_ID);
        let time = self.storage.meta_get(META_LAST_BLOCK_TIME);
        {
            let mut d = lock(&self.deliver);
            if let Ok(Some(id)) = chain_id {
                d.chain_id = String::from_utf8_lossy(&id).into_owned();
            }
            if let Ok(Some(t)) = time {
                d.last_block_time = decode_time(&t);
            }
        }
        self.reset_check_state();
    }

    /// Runs a transaction against the latest committed state without keeping any
    /// write, and reports the gas it used. Signatures are charged but not checked.
    pub fn simulate(&self, tx: &[u8]) -> Simulation {
        let block = {
            let c = lock(&self.check);
            c.block.clone()
        };
        let mut overlay = Overlay::new(self.storage.state());
        let outcome = self
            .executor()
            .run_tx(&block, &mut overlay, tx, Mode::Simulate);
        Simulation {
            gas_used: outcome.gas_used,
            outcome,
        }
    }

    /// The answer to a simulation as `cosmos.tx.v1beta1.Service/Simulate` gives it:
    /// the gas used and the events, or the error with its code, the gas wanted and the
    /// gas used in its log.
    pub fn simulate_response(
        &self,
        tx_bytes: &[u8],
    ) -> Result<cosmos_sdk_proto::cosmos::tx::v1beta1::SimulateResponse, TxError> {
        use cosmos_sdk_proto::cosmos::base::abci::v1beta1::{GasInfo, Result as ExecResult};
        let sim = self.simulate(tx_bytes);
        let outcome = sim.outcome;
        match outcome.result {
            Ok(()) => Ok(cosmos_sdk_proto::cosmos::tx::v1beta1::SimulateResponse {
                gas_info: Some(GasInfo {
                    gas_wanted: outcome.gas_wanted,
                    gas_used: sim.gas_used,
                }),
                result: Some(ExecResult {
                    events: outcome.events.iter().map(to_abci_event).collect(),
                    ..Default::default()
                }),
            }),
            Err(e) => Err(TxError {
                log: format!(
                    "{}; gas wanted: {}, gas used: {}",
                    e.log, outcome.gas_wanted, sim.gas_used
                ),
                ..e
            }),
        }
    }

    /// ABCI Query. Paths:
    /// - a gRPC method path of a module query (`/weave.bank.v1.Query/Balance`,
    ///   `/cosmos.bank.v1beta1.Query/AllBalances`, ...) with the protobuf request as
    ///   data, answered from the latest state, or, for the queries that read single
    ///   keys (`weave_bank::POINT_QUERY_PATHS`: balances, accounts, supply of a denom,
    ///   params), at any kept height, read from the Merkle tree;
    /// - [`SIMULATE_QUERY_PATH`], a simulation against the latest state;
    /// - `/store/key` with a raw state key as data, at any kept height, with an ICS23
    ///   proof when `prove` is set.
    pub fn query(&self, req: RequestQuery) -> ResponseQuery {
        let latest = self.storage.latest_version().unwrap_or(0);
        let height = if req.height <= 0 {
            latest
        } else {
            req.height as u64
        };
        let result: Result<(Vec<u8>, Option<ProofOps>), TxError> = (|| {
            if req.path == "/store/key" {
                if req.data.is_empty() {
                    return Err(KernelError::InvalidRequest("empty key".into()).into());
                }
                if req.prove {
                    let (value, proof) = self
                        .storage
                        .get_with_proof(&req.data, height)
                        .map_err(|e| KernelError::InvalidRequest(e.to_string()))?;
                    let ops = ProofOps {
                        ops: vec![ProofOp {
                            r#type: PROOF_OP_TYPE.into(),
                            key: req.data.to_vec(),
                            data: proof.encode_to_vec(),
                        }],
                    };
                    Ok((value.unwrap_or_default(), Some(ops)))
                } else {
                    let value = self
                        .storage
                        .get_at(&req.data, height)
                        .map_err(|e| KernelError::InvalidRequest(e.to_string()))?;
                    Ok((value.unwrap_or_default(), None))
                }
            } else if req.path == SIMULATE_QUERY_PATH {
                if height != latest {
                    return Err(KernelError::InvalidRequest(format!(
                        "simulations run at the latest height {latest}"
                    ))
                    .into());
                }
                let r = cosmos_sdk_proto::cosmos::tx::v1beta1::SimulateRequest::decode(
                    req.data.as_ref(),
                )
                .map_err(|e| KernelError::TxDecode(format!("SimulateRequest: {e}")))?;
                if r.tx_bytes.is_empty() {
                    return Err(KernelError::InvalidRequest(
                        "empty tx_bytes is not allowed".into(),
                    )
                    .into());
                }
                Ok((self.simulate_response(&r.tx_bytes)?.encode_to_vec(), None))
            } else {
                if req.prove {
                    return Err(KernelError::InvalidRequest(
                        "proofs are served for /store/key queries".into(),
                    )
                    .into());
                }
                let module = self.router.module_for_query(&req.path).ok_or_else(|| {
                    KernelError::UnknownMessage(format!("unknown query path {}", req.path))
                })?;
                let state = if height == latest {
                    self.storage.state()
                } else if weave_bank::POINT_QUERY_PATHS.contains(&req.path.as_str()) {
                    self.storage
                        .state_at(height)
                        .map_err(|e| KernelError::InvalidRequest(e.to_string()))?
                } else {
                    return Err(KernelError::InvalidRequest(format!(
                        "{} is answered at the latest height {latest} only; use /store/key for height {height}",
                        req.path
                    ))
                    .into());
                };
                Ok((module.query_snapshot(state, &req.path, &req.data)?, None))
            }
        })();
        match result {
            Ok((value, proof_ops)) => ResponseQuery {
                code: 0,
                log: String::new(),
                info: String::new(),
                index: 0,
                key: req.data,
                value: value.into(),
                proof_ops,
                height: height as i64,
                codespace: String::new(),
            },
            Err(e) => ResponseQuery {
                code: e.code,
                log: e.log,
                info: String::new(),
                index: 0,
                key: req.data,
                value: Default::default(),
                proof_ops: None,
                height: height as i64,
                codespace: e.codespace.into(),
            },
        }
    }
}

fn result_parts(r: &Result<(), TxError>) -> (u32, String, String) {
    match r {
        Ok(()) => (0, String::new(), String::new()),
        Err(e) => (e.code, e.codespace.to_string(), e.log.clone()),
    }
}

/// Runs a module's begin/end-block hook atomically. A failing hook is a bug in the
/// module, not something a transaction can cause; its writes are dropped and an event
/// records it, so the chain goes on deterministically.
fn run_hook<T>(
    block: &BlockInfo,
    overlay: &mut Overlay,
    events: &mut Vec<Event>,
    module: &str,
    hook: impl FnOnce(&mut Ctx<'_>) -> Result<T, TxError>,
) -> Option<T> {
    let mut gas = GasMeter::infinite();
    let mut ctx = Ctx::new(block, overlay, &mut gas, events);
    match ctx.atomically(hook) {
        Ok(v) => Some(v),
        Err(e) => {
            tracing::error!(module, error = %e, "block hook failed; its writes were dropped");
            events.push(
                Event::new("hook_failed")
                    .attr("module", module)
                    .attr("error", e),
            );
            None
        }
    }
}
