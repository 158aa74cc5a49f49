//! The content module.
//!
//! It stores the registry of content: each entry's meta-hash (the BLAKE3 Merkle root
//! over its ciphertext slices with slice size, slice count and plaintext length),
//! bounded metadata, access price, streaming price per GiB, revenue split and rights
//! tiers, plus a price history. Access rights are fungible tokens per content
//! (like ERC-1155): bought at the current price with `MsgPurchaseAccess`, moved with
//! `MsgTransferAccess`; quantity thresholds (tiers) unlock wider rights. Creators also
//! earn through `MsgTip` and time-limited subscriptions to all their content
//! (`MsgSetSubscriptionTerms`, `MsgSubscribe`). Every payment goes through the splits
//! module's single payout function.
//!
//! Content keys reach buyers without a trusted server: a buyer registers an X25519 key
//! (`MsgRegisterBuyerKey`), and the creator posts the content key sealed to it
//! (`MsgDeliverKey`), which the chain accepts only for an account with access.
//!
//! Per block, end block expires the subscriptions due at that height from a
//! height-indexed queue, at most `max_expiries_per_block` of them.

mod error;
mod event;
mod genesis;
mod handler;
mod keeper;
mod msg;
mod params;
mod query;
pub mod record;
pub mod state_key;

pub use error::ContentError;
pub use event::types as event_types;
pub use genesis::GenesisState;
pub use msg::{
    ContentMsg, SplitChoice, TipTarget, MSG_DELIVER_KEY, MSG_PURCHASE_ACCESS,
    MSG_REGISTER_BUYER_KEY, MSG_REGISTER_CONTENT, MSG_RETIRE_CONTENT, MSG_SET_SUBSCRIPTION_TERMS,
    MSG_SUBSCRIBE, MSG_TIP, MSG_TRANSFER_ACCESS, MSG_UPDATE_CONTENT, MSG_UPDATE_PARAMS,
};
pub use params::{Params, MAX_EXPIRIES_PER_BLOCK};
pub use record::{ContentRecord, Status};

use std::sync::Arc;

use weave_kernel::{
    expected::Splits, parse_genesis, BlockHooks, Ctx, Hooks, StateRead, TxError, TypedModule,
};

/// The module's name: its key prefix and error codespace.
pub const MODULE_NAME: &str = "content";

/// The content module.
#[derive(Clone)]
pub struct ContentModule {
    keeper: keeper::Keeper,
    splits: Arc<dyn Splits>,
}

impl std::fmt::Debug for ContentModule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ContentModule").finish_non_exhaustive()
    }
}

impl ContentModule {
    /// A content module that pays through `splits`.
    pub fn new(splits: Arc<dyn Splits>) -> Self {
        Self {
            keeper: keeper::Keeper,
            splits,
        }
    }
}

/// The registry view other modules use (channels look up streaming prices, seeders
/// the slice count of the content they commit to serve).
#[derive(Debug, Default, Clone, Copy)]
pub struct Registry;

impl weave_kernel::expected::ContentRegistry for Registry {
    fn streaming_terms(
        &self,
        ctx: &mut Ctx<'_>,
        root: &[u8; 32],
    ) -> Result<Option<weave_kernel::expected::StreamingTerms>, TxError> {
        let keeper = keeper::Keeper;
        let Some(id) = keeper.id_by_root(ctx, root)? else {
            return Ok(None);
        };
        let c = keeper.content(ctx, id)?;
        Ok(Some(weave_kernel::expected::StreamingTerms {
            content_id: id,
            price_per_gib: c.price_per_gib,
            split_id: c.split_id,
        }))
    }

    fn slice_count(&self, ctx: &mut Ctx<'_>, root: &[u8; 32]) -> Result<Option<u64>, TxError> {
        let keeper = keeper::Keeper;
        let Some(id) = keeper.id_by_root(ctx, root)? else {
            return Ok(None);
        };
        Ok(Some(keeper.content(ctx, id)?.meta.slice_count))
    }

    fn lowest_price_per_gib_since(
        &self,
        ctx: &mut Ctx<'_>,
        root: &[u8; 32],
        since_height: u64,
    ) -> Result<Option<u128>, TxError> {
        let keeper = keeper::Keeper;
        let Some(id) = keeper.id_by_root(ctx, root)? else {
            return Ok(None);
        };
        let c = keeper.content(ctx, id)?;
        keeper::lowest_price_per_gib_since(ctx, &c, since_height).map(Some)
    }
}

impl TypedModule for ContentModule {
    type Msg = ContentMsg;

    fn name(&self) -> &'static str {
        MODULE_NAME
    }

    fn message_types(&self) -> &'static [&'static str] {
        msg::MESSAGE_TYPES
    }

    fn governance_message_types(&self) -> &'static [&'static str] {
        &[msg::MSG_UPDATE_PARAMS]
    }

    fn init_genesis(&self, ctx: &mut Ctx<'_>, genesis: &serde_json::Value) -> Result<(), TxError> {
        let state: GenesisState = parse_genesis::<ContentError, _>(genesis)?;
        state.validate()?;
        self.keeper.set_params(ctx, &state.params)
    }

    fn handle(&self, ctx: &mut Ctx<'_>, msg: ContentMsg) -> Result<(), TxError> {
        handler::handle(&self.keeper, self.splits.as_ref(), ctx, msg)
    }

    fn query_paths(&self) -> &'static [&'static str] {
        query::PATHS
    }

    fn query(&self, state: &dyn StateRead, path: &str, request: &[u8]) -> Result<Vec<u8>, TxError> {
        query::query(state, path, request)
    }

    fn hooks(&self) -> Hooks<'_> {
        Hooks {
            block: Some(self),
            ..Hooks::default()
        }
    }
}

impl BlockHooks for ContentModule {
    fn end_block(&self, ctx: &mut Ctx<'_>) -> Result<(), TxError> {
        handler::expire_subscriptions(&self.keeper, ctx)?;
        ctx.nv_put(
            state_key::last_height(),
            ctx.block.height.to_be_bytes().to_vec(),
        )
    }
}
