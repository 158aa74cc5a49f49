//! The channels module itself: its wiring and its `TypedModule` implementation,
//! which the application registers.

use crate::{
    handler, keeper, msg, query, state_key, ChannelsError, ChannelsMsg, GenesisState,
    SignatureItem, VerifiedCache, MODULE_NAME,
};
use std::sync::Arc;
use weave_kernel::{
    expected::{
        Bank, ChannelsParams, ContentRegistry, PaidBandwidth, PaidViews, SeedersParams, Splits,
    },
    parse_genesis, BlockHooks, Ctx, DecodedMsg, Hooks, PrepareBlock, StateRead, StateView, TxError,
    TypedModule,
};

/// The channels module.
#[derive(Clone)]
pub struct ChannelsModule {
    bank: Arc<dyn Bank>,
    splits: Arc<dyn Splits>,
    content: Arc<dyn ContentRegistry>,
    cache: Arc<VerifiedCache>,
    bandwidth: Option<Arc<dyn PaidBandwidth>>,
    seeders: Option<Arc<dyn SeedersParams>>,
    views: Option<Arc<dyn PaidViews>>,
}

impl std::fmt::Debug for ChannelsModule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChannelsModule").finish_non_exhaustive()
    }
}

impl ChannelsModule {
    /// A channels module that moves money through `bank`, pays splits through
    /// `splits` and prices vouchers by `content`.
    pub fn new(
        bank: Arc<dyn Bank>,
        splits: Arc<dyn Splits>,
        content: Arc<dyn ContentRegistry>,
    ) -> Self {
        Self {
            bank,
            splits,
            content,
            cache: Arc::new(VerifiedCache::default()),
            bandwidth: None,
            seeders: None,
            views: None,
        }
    }

    /// The same module, refusing a params update whose challenge period is not below
    /// the seeders' unbonding period read from `seeders` (so a seeder cannot leave
    /// with its bond before the vouchers it served can be disputed).
    pub fn with_seeders_params(mut self, seeders: Arc<dyn SeedersParams>) -> Self {
        self.seeders = Some(seeders);
        self
    }

    /// The same module, reporting every accepted voucher's payer, bytes and amount to
    /// `sink` (by default nothing is reported).
    pub fn with_paid_bandwidth(mut self, sink: Arc<dyn PaidBandwidth>) -> Self {
        self.bandwidth = Some(sink);
        self
    }

    /// The same module, reporting the bytes each accepted voucher drew payment for,
    /// by payer and content, to `views` (the social module's verified views; by
    /// default nothing is reported).
    pub fn with_paid_views(mut self, views: Arc<dyn PaidViews>) -> Self {
        self.views = Some(views);
        self
    }

    fn deps(&self) -> handler::Deps<'_> {
        handler::Deps {
            keeper: keeper::Keeper,
            bank: self.bank.as_ref(),
            splits: self.splits.as_ref(),
            content: self.content.as_ref(),
            cache: self.cache.as_ref(),
            bandwidth: self.bandwidth.as_deref(),
            seeders: self.seeders.as_deref(),
            views: self.views.as_deref(),
        }
    }
}

/// The channels parameters as other modules read them (the seeders module checks its
/// unbonding period against the challenge period).
#[derive(Debug, Default, Clone, Copy)]
pub struct ParamsView;

impl ChannelsParams for ParamsView {
    fn challenge_period_blocks(&self, ctx: &mut Ctx<'_>) -> Result<Option<u64>, TxError> {
        if ctx.get(&state_key::params())?.is_none() {
            return Ok(None);
        }
        Ok(Some(keeper::Keeper.params(ctx)?.challenge_period_blocks))
    }
}

/// The signatures a claim carries, keyed by the voucher keys of the channels in
/// `state`. Vouchers that do not parse or name an unknown channel are skipped (their
/// claim rejects them in execution anyway).
pub fn claim_signatures(state: &dyn StateRead, msg: &ChannelsMsg) -> Vec<SignatureItem> {
    let ChannelsMsg::Claim { vouchers, .. } = msg else {
        return Vec::new();
    };
    // A claim's vouchers mostly share a few channels: each channel's key is read once.
    let mut keys: std::collections::BTreeMap<u64, Option<[u8; 32]>> =
        std::collections::BTreeMap::new();
    vouchers
        .iter()
        .filter_map(|claimed| {
            let v = claimed.voucher.as_ref().ok()?;
            let key = *keys.entry(v.channel_id).or_insert_with(|| {
                keeper::Keeper
                    .channel(&mut StateView(state), v.channel_id)
                    .ok()
                    .map(|c| c.voucher_key)
            });
            SignatureItem::new(key?, &claimed.signed)
        })
        .collect()
}

impl TypedModule for ChannelsModule {
    type Msg = ChannelsMsg;
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
        let state: GenesisState = parse_genesis::<ChannelsError, _>(genesis)?;
        state.validate()?;
        keeper::Keeper.set_params(ctx, &state.params)
    }

    fn handle(&self, ctx: &mut Ctx<'_>, msg: ChannelsMsg) -> Result<(), TxError> {
        handler::handle(&self.deps(), ctx, msg)
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
            prepare_block: Some(self),
            ..Hooks::default()
        }
    }
}

impl BlockHooks for ChannelsModule {
    fn end_block(&self, ctx: &mut Ctx<'_>) -> Result<(), TxError> {
        handler::end_block(&self.deps(), ctx)
    }
}

impl PrepareBlock for ChannelsModule {
    fn prepare_block(&self, state: &dyn StateRead, msgs: &[&DecodedMsg]) {
        let items: Vec<SignatureItem> = msgs
            .iter()
            .filter_map(|m| m.downcast_ref::<ChannelsMsg>())
            .flat_map(|m| claim_signatures(state, m))
            .collect();
        self.cache.verify_and_remember(&items);
    }
}
