//! The trait every module implements, and the helper that decodes its messages.

use crate::{
    Address, Any, ConsensusAddress, Ctx, ExtendedVote, KernelError, StateRead, TxError,
    ValidatorUpdate,
};

/// A state-machine module: it owns a key prefix, a set of message types and a set of
/// query paths. Every method returns `Result`; nothing a transaction carries may panic.
pub trait Module: Send + Sync {
    /// The module's name, which is also its key prefix and error codespace.
    fn name(&self) -> &'static str;

    /// The `Any` type URLs of the messages this module handles.
    fn message_types(&self) -> &'static [&'static str];

    /// The subset of [`Module::message_types`] a passed governance proposal may
    /// execute: messages whose only signer is the gov authority (params updates and
    /// the like). Anything else in a proposal is refused at submission.
    fn governance_message_types(&self) -> &'static [&'static str] {
        &[]
    }

    /// Writes the module's genesis state. `genesis` is the module's section of the
    /// genesis `app_state`, or `null` when absent.
    fn init_genesis(&self, ctx: &mut Ctx<'_>, genesis: &serde_json::Value) -> Result<(), TxError>;

    /// Work at the start of every block.
    fn begin_block(&self, _ctx: &mut Ctx<'_>) -> Result<(), TxError> {
        Ok(())
    }

    /// Work at the end of every block. It must be bounded.
    fn end_block(&self, _ctx: &mut Ctx<'_>) -> Result<(), TxError> {
        Ok(())
    }

    /// Changes to CometBFT's validator set, asked for after every module's `end_block`
    /// (and once at InitChain, after the genesis transactions). A module that manages
    /// validators returns only what changed since it last answered; every other module
    /// keeps the default, which changes nothing. It must be bounded.
    fn validator_updates(&self, _ctx: &mut Ctx<'_>) -> Result<Vec<ValidatorUpdate>, TxError> {
        Ok(Vec::new())
    }

    /// Signed transactions carried in this module's genesis section (such as gentxs),
    /// which the application delivers after every module's `init_genesis`, checking
    /// their signatures but asking no fee. Each may carry only this module's messages.
    /// `genesis` is the module's section, or `null`.
    fn genesis_txs(&self, _genesis: &serde_json::Value) -> Result<Vec<Vec<u8>>, TxError> {
        Ok(Vec::new())
    }

    /// Sees every message of a proposed or decided block before any executes, with
    /// the state the block starts from, to do whole-block work such as batch-verifying
    /// the signatures the messages carry. It changes no state and cannot fail the
    /// block: what it learns is a cache that execution may use, never a verdict it
    /// must trust.
    fn prepare_block(&self, _state: &dyn StateRead, _msgs: &[&Any]) {}

    /// Checks another validator's vote extension for `vote_height` (ABCI
    /// VerifyVoteExtension, and again before an injected extension is used): format,
    /// size bounds and that it is what that validator should have sent. An empty
    /// extension is always acceptable. The default accepts anything: only a module
    /// that reads extensions checks them.
    fn verify_vote_extension(
        &self,
        _state: &dyn StateRead,
        _vote_height: u64,
        _validator: &ConsensusAddress,
        _extension: &[u8],
    ) -> Result<(), TxError> {
        Ok(())
    }

    /// Applies the verified vote extensions of the previous height (`vote_height`),
    /// injected into this block by its proposer, before any transaction runs.
    fn apply_vote_extensions(
        &self,
        _ctx: &mut Ctx<'_>,
        _vote_height: u64,
        _votes: &[ExtendedVote],
    ) -> Result<(), TxError> {
        Ok(())
    }

    /// Decodes a message and checks its shape without touching state. Returns the
    /// addresses that must sign the transaction carrying it.
    fn check_message(&self, msg: &Any) -> Result<Vec<Address>, TxError>;

    /// Executes a message whose shape `check_message` accepted.
    fn handle(&self, ctx: &mut Ctx<'_>, msg: &Any) -> Result<(), TxError>;

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
    /// this one; by default it is [`Module::query`].
    fn query_snapshot(
        &self,
        state: std::sync::Arc<dyn StateRead>,
        path: &str,
        request: &[u8],
    ) -> Result<Vec<u8>, TxError> {
        self.query(state.as_ref(), path, request)
    }
}

/// Decodes an `Any` into a message type, failing with `sdk:2` on bad bytes.
pub fn decode_any<M: prost::Message + Default>(msg: &Any) -> Result<M, KernelError> {
    M::decode(msg.value.as_slice())
        .map_err(|e| KernelError::TxDecode(format!("{}: {e}", msg.type_url)))
}
