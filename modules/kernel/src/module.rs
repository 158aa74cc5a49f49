//! The trait every module implements ([`TypedModule`]), the object-safe [`Module`] the
//! application holds it as, and the helpers that decode a module's messages and genesis.

use crate::{
    Address, Any, ConsensusAddress, Ctx, DecodedMsg, ExtendedVote, KernelError, ModuleMsg,
    StateRead, TxError, ValidatorUpdate,
};

/// A state-machine module as the application sees it: object-safe, so that the
/// registry can hold every module as `dyn Module`. Modules do not implement it: they
/// implement [`TypedModule`], which this trait adapts once, here in the kernel, so a
/// message is decoded once into the module's typed message ([`DecodedMsg`]) and handed
/// back to the same module for execution.
pub trait Module: Send + Sync {
    /// The module's name, which is also its key prefix and error codespace.
    fn name(&self) -> &'static str;

    /// The `Any` type URLs of the messages this module handles.
    fn message_types(&self) -> &'static [&'static str];

    /// The subset of [`Module::message_types`] a passed governance proposal may
    /// execute: messages whose only signer is the gov authority (params updates and
    /// the like). Anything else in a proposal is refused at submission.
    fn governance_message_types(&self) -> &'static [&'static str];

    /// Writes the module's genesis state. `genesis` is the module's section of the
    /// genesis `app_state`, or `null` when absent.
    fn init_genesis(&self, ctx: &mut Ctx<'_>, genesis: &serde_json::Value) -> Result<(), TxError>;

    /// Parses and validates the module's genesis section (`null` when absent) without
    /// touching state: what a genesis document is checked with before a node starts.
    fn validate_genesis(&self, genesis: &serde_json::Value) -> Result<(), TxError>;

    /// The module's default genesis section.
    fn default_genesis(&self) -> serde_json::Value;

    /// Decodes a message and checks its shape without touching state, once: the
    /// result names the addresses that must sign and goes to [`Module::handle_message`].
    fn decode_message(&self, msg: &Any) -> Result<DecodedMsg, TxError>;

    /// Executes a message this module decoded.
    fn handle_message(&self, ctx: &mut Ctx<'_>, msg: DecodedMsg) -> Result<(), TxError>;

    /// Decodes a message only for its signers (tests and one-off callers; the
    /// application keeps the [`DecodedMsg`]).
    fn check_message(&self, msg: &Any) -> Result<Vec<Address>, TxError> {
        Ok(self.decode_message(msg)?.signers().to_vec())
    }

    /// Decodes and executes a message (tests and one-off callers; the application
    /// decodes once and calls [`Module::handle_message`]).
    fn handle(&self, ctx: &mut Ctx<'_>, msg: &Any) -> Result<(), TxError> {
        let decoded = self.decode_message(msg)?;
        self.handle_message(ctx, decoded)
    }

    /// The gRPC query paths this module answers, such as `/weave.bank.v1.Query/Params`.
    fn query_paths(&self) -> &'static [&'static str];

    /// Answers a query: `path` is a gRPC method path and `request` its protobuf request.
    fn query(&self, state: &dyn StateRead, path: &str, request: &[u8]) -> Result<Vec<u8>, TxError>;

    /// Answers a query over a shared snapshot, for queries that run module logic in a
    /// [`Ctx`] over an [`crate::Overlay`] of it (a tally, say). The application calls
    /// this one.
    fn query_snapshot(
        &self,
        state: std::sync::Arc<dyn StateRead>,
        path: &str,
        request: &[u8],
    ) -> Result<Vec<u8>, TxError>;

    /// The optional hooks the module implements, each behind its own small trait.
    fn hooks(&self) -> Hooks<'_>;
}

/// A state-machine module: it owns a key prefix, a set of message types (decoded into
/// its [`TypedModule::Msg`]) and a set of query paths. Every method returns `Result`;
/// nothing a transaction carries may panic. Per-block work sits behind the optional
/// traits of [`Hooks`]. Every `TypedModule` is a [`Module`].
pub trait TypedModule: Send + Sync {
    /// The module's messages, decoded once from their `Any`s.
    type Msg: ModuleMsg;

    /// The module's section of the genesis `app_state`.
    type Genesis: GenesisSection;

    /// The module's name, which is also its key prefix and error codespace.
    fn name(&self) -> &'static str;

    /// The `Any` type URLs of the messages this module handles.
    fn message_types(&self) -> &'static [&'static str];

    /// The subset of [`TypedModule::message_types`] a passed governance proposal may
    /// execute: messages whose only signer is the gov authority (params updates and
    /// the like). Anything else in a proposal is refused at submission.
    fn governance_message_types(&self) -> &'static [&'static str] {
        &[]
    }

    /// Writes the module's genesis state. `genesis` is the module's section of the
    /// genesis `app_state`, or `null` when absent.
    fn init_genesis(&self, ctx: &mut Ctx<'_>, genesis: &serde_json::Value) -> Result<(), TxError>;

    /// Executes a message, decoded once when its transaction was.
    fn handle(&self, ctx: &mut Ctx<'_>, msg: Self::Msg) -> Result<(), TxError>;

    /// The gRPC query paths this module answers, such as `/weave.bank.v1.Query/Params`.
    fn query_paths(&self) -> &'static [&'static str] {
        &[]
    }

    /// Answers a query: `path` is a gRPC method path and `request` its protobuf request.
    fn query(&self, state: &dyn StateRead, path: &str, request: &[u8]) -> Result<Vec<u8>, TxError> {
        let _ = (state, request);
        Err(KernelError::UnknownMessage(path.to_string()).into())
    }

    /// Answers a query over a shared snapshot, for queries that run module logic in a
    /// [`Ctx`] over an [`crate::Overlay`] of it (a tally, say). The application calls
    /// this one; by default it is [`TypedModule::query`].
    fn query_snapshot(
        &self,
        state: std::sync::Arc<dyn StateRead>,
        path: &str,
        request: &[u8],
    ) -> Result<Vec<u8>, TxError> {
        self.query(state.as_ref(), path, request)
    }

    /// The optional hooks the module implements, each behind its own small trait. The
    /// default is none: a module with no per-block work implements none of them.
    fn hooks(&self) -> Hooks<'_> {
        Hooks::default()
    }
}

impl<T: TypedModule> Module for T {
    fn name(&self) -> &'static str {
        TypedModule::name(self)
    }

    fn message_types(&self) -> &'static [&'static str] {
        TypedModule::message_types(self)
    }

    fn governance_message_types(&self) -> &'static [&'static str] {
        TypedModule::governance_message_types(self)
    }

    fn init_genesis(&self, ctx: &mut Ctx<'_>, genesis: &serde_json::Value) -> Result<(), TxError> {
        TypedModule::init_genesis(self, ctx, genesis)
    }

    fn validate_genesis(&self, genesis: &serde_json::Value) -> Result<(), TxError> {
        T::Genesis::from_section(genesis).map(|_| ())
    }

    fn default_genesis(&self) -> serde_json::Value {
        serde_json::to_value(T::Genesis::default()).unwrap_or(serde_json::Value::Null)
    }

    fn decode_message(&self, msg: &Any) -> Result<DecodedMsg, TxError> {
        DecodedMsg::decode::<T::Msg>(msg)
    }

    fn handle_message(&self, ctx: &mut Ctx<'_>, msg: DecodedMsg) -> Result<(), TxError> {
        TypedModule::handle(self, ctx, msg.into_typed::<T::Msg>()?)
    }

    fn query_paths(&self) -> &'static [&'static str] {
        TypedModule::query_paths(self)
    }

    fn query(&self, state: &dyn StateRead, path: &str, request: &[u8]) -> Result<Vec<u8>, TxError> {
        TypedModule::query(self, state, path, request)
    }

    fn query_snapshot(
        &self,
        state: std::sync::Arc<dyn StateRead>,
        path: &str,
        request: &[u8],
    ) -> Result<Vec<u8>, TxError> {
        TypedModule::query_snapshot(self, state, path, request)
    }

    fn hooks(&self) -> Hooks<'_> {
        TypedModule::hooks(self)
    }
}

/// A module's optional hooks: each is `None` unless the module implements it.
#[derive(Clone, Copy, Default)]
pub struct Hooks<'a> {
    /// Work at the start and the end of every block.
    pub block: Option<&'a dyn BlockHooks>,
    /// Changes to CometBFT's validator set.
    pub validator_set: Option<&'a dyn ValidatorSetHooks>,
    /// Signed transactions carried in the module's genesis section.
    pub genesis_txs: Option<&'a dyn GenesisTxs>,
    /// A look at every message of a block before any executes.
    pub prepare_block: Option<&'a dyn PrepareBlock>,
    /// Vote extensions: checking them and applying them.
    pub vote_extensions: Option<&'a dyn VoteExtensions>,
}

impl std::fmt::Debug for Hooks<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hooks")
            .field("block", &self.block.is_some())
            .field("validator_set", &self.validator_set.is_some())
            .field("genesis_txs", &self.genesis_txs.is_some())
            .field("prepare_block", &self.prepare_block.is_some())
            .field("vote_extensions", &self.vote_extensions.is_some())
            .finish()
    }
}

/// Work at the start and the end of every block.
pub trait BlockHooks: Send + Sync {
    /// Work at the start of every block.
    fn begin_block(&self, _ctx: &mut Ctx<'_>) -> Result<(), TxError> {
        Ok(())
    }

    /// Work at the end of every block. It must be bounded.
    fn end_block(&self, _ctx: &mut Ctx<'_>) -> Result<(), TxError> {
        Ok(())
    }
}

/// A module that manages CometBFT's validator set.
pub trait ValidatorSetHooks: Send + Sync {
    /// Changes to the validator set, asked for after every module's `end_block` (and
    /// once at InitChain, after the genesis transactions): only what changed since the
    /// module last answered. It must be bounded.
    fn validator_updates(&self, ctx: &mut Ctx<'_>) -> Result<Vec<ValidatorUpdate>, TxError>;
}

/// A module whose genesis section carries signed transactions (such as gentxs).
pub trait GenesisTxs: Send + Sync {
    /// The transactions, which the application delivers after every module's
    /// `init_genesis`, checking their signatures but asking no fee. Each may carry only
    /// this module's messages. `genesis` is the module's section, or `null`.
    fn genesis_txs(&self, genesis: &serde_json::Value) -> Result<Vec<Vec<u8>>, TxError>;
}

/// A module that looks at every message of a proposed or decided block before any
/// executes, with the state the block starts from, to do whole-block work such as
/// batch-verifying the signatures the messages carry.
pub trait PrepareBlock: Send + Sync {
    /// It changes no state and cannot fail the block: what it learns is a cache that
    /// execution may use, never a verdict it must trust.
    /// `msgs` are the block's messages, each decoded once by its module: a module
    /// picks its own with [`DecodedMsg::downcast_ref`].
    fn prepare_block(&self, state: &dyn StateRead, msgs: &[&DecodedMsg]);
}

/// A module that reads vote extensions.
pub trait VoteExtensions: Send + Sync {
    /// Checks another validator's vote extension for `vote_height` (ABCI
    /// VerifyVoteExtension, and again before an injected extension is used): format,
    /// size bounds and that it is what that validator should have sent. An empty
    /// extension is always acceptable.
    fn verify_vote_extension(
        &self,
        state: &dyn StateRead,
        vote_height: u64,
        validator: &ConsensusAddress,
        extension: &[u8],
    ) -> Result<(), TxError>;

    /// Applies the verified vote extensions of the previous height (`vote_height`),
    /// injected into this block by its proposer, before any transaction runs.
    fn apply_vote_extensions(
        &self,
        ctx: &mut Ctx<'_>,
        vote_height: u64,
        votes: &[ExtendedVote],
    ) -> Result<(), TxError>;
}

/// A module's section of the genesis `app_state`, as the module parses, validates and
/// defaults it.
pub trait GenesisSection:
    serde::Serialize + serde::de::DeserializeOwned + Default + Send + Sync + 'static
{
    /// Parses and validates a section without touching state: the default when it is
    /// absent (`null`), the module's invalid-genesis error when it does not parse or
    /// validate.
    fn from_section(section: &serde_json::Value) -> Result<Self, TxError>;
}

/// Parses a module's genesis section: its default when the section is absent (`null`),
/// `E`'s invalid-genesis error when it does not parse.
pub fn parse_genesis<E: crate::ModuleError, G: serde::de::DeserializeOwned + Default>(
    genesis: &serde_json::Value,
) -> Result<G, TxError> {
    if genesis.is_null() {
        Ok(G::default())
    } else {
        G::deserialize(genesis).map_err(|e| E::invalid_genesis(e.to_string()))
    }
}

/// Decodes an `Any` into a message type, failing with `sdk:2` on bad bytes.
pub fn decode_any<M: prost::Message + Default>(msg: &Any) -> Result<M, KernelError> {
    M::decode(msg.value.as_slice())
        .map_err(|e| KernelError::TxDecode(format!("{}: {e}", msg.type_url)))
}
