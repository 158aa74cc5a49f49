//! The content module itself: its wiring and its `TypedModule` implementation,
//! which the application registers.

use crate::{
    handler, keeper, msg, query, state_key, ContentError, ContentMsg, GenesisState, MODULE_NAME,
};
use std::sync::Arc;
use weave_kernel::{
    expected::{PaidViews, Splits},
    parse_genesis, BlockHooks, Ctx, Hooks, StateRead, TxError, TypedModule,
};

/// The content module.
#[derive(Clone)]
pub struct ContentModule {
    keeper: keeper::Keeper,
    splits: Arc<dyn Splits>,
    views: Option<Arc<dyn PaidViews>>,
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
            views: None,
        }
    }

    /// The same module, reporting every paid purchase to `views` (the social
    /// module's verified views; by default nothing is reported).
    pub fn with_paid_views(mut self, views: Arc<dyn PaidViews>) -> Self {
        self.views = Some(views);
        self
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

impl weave_kernel::expected::ContentDirectory for Registry {
    fn content_facts(
        &self,
        ctx: &mut Ctx<'_>,
        content_id: u64,
    ) -> Result<Option<weave_kernel::expected::ContentFacts>, TxError> {
        let keeper = keeper::Keeper;
        match keeper.content(ctx, content_id) {
            Ok(c) => Ok(Some(weave_kernel::expected::ContentFacts {
                content_id,
                creator: c.creator,
                length: c.meta.plaintext_len,
            })),
            Err(e) if e == ContentError::NotFound(content_id).into() => Ok(None),
            Err(e) => Err(e),
        }
    }
}

impl TypedModule for ContentModule {
    type Msg = ContentMsg;
    type Genesis = GenesisState;

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
        handler::handle(
            &self.keeper,
            self.splits.as_ref(),
            self.views.as_deref(),
            ctx,
            msg,
        )
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
