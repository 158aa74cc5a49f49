//! The seeders module itself: its wiring and its `TypedModule` implementation,
//! which the application registers.

use crate::{
    block, handler, keeper, query, state_key, verify_report, GenesisState, ProbeReport,
    SeederRecord, SeedersError, SeedersMsg, MESSAGE_TYPES, MODULE_NAME, MSG_UPDATE_PARAMS,
};
use std::sync::Arc;
use weave_kernel::{
    expected::{Bank, ChannelsParams, ContentRegistry, PaidBandwidth},
    Address, BlockHooks, ConsensusAddress, Ctx, ExtendedVote, Hooks, StateRead, StateView, TxError,
    TypedModule, VoteExtensions,
};

/// The seeders module.
#[derive(Clone)]
pub struct SeedersModule {
    bank: Arc<dyn Bank>,
    content: Arc<dyn ContentRegistry>,
    channels: Arc<dyn ChannelsParams>,
}

impl std::fmt::Debug for SeedersModule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SeedersModule").finish_non_exhaustive()
    }
}

impl SeedersModule {
    /// A seeders module that moves bonds and rewards through `bank`, checks committed
    /// contents and reported slices against `content`, and keeps its unbonding period
    /// above the challenge period `channels` reports.
    pub fn new(
        bank: Arc<dyn Bank>,
        content: Arc<dyn ContentRegistry>,
        channels: Arc<dyn ChannelsParams>,
    ) -> Self {
        Self {
            bank,
            content,
            channels,
        }
    }

    fn deps(&self) -> handler::Deps<'_> {
        handler::Deps {
            bank: self.bank.as_ref(),
            content: self.content.as_ref(),
            channels: self.channels.as_ref(),
        }
    }

    /// Applies a round's probe reports, `(validator consensus address, power,
    /// report)`, each already verified with [`verify_report`], against `total_power`,
    /// the whole validator set's power at the vote height: per seeder, failing needs
    /// more than a third of that power from at least `min_probe_failers` validators,
    /// whatever the passes, and passing needs more than a third of that power to have
    /// seen it serve; anything else is inconclusive (see [`probe`](crate::probe)). A round is applied once; the result is false (and nothing
    /// changes) when the round is unknown or already applied. Atomic: on error
    /// nothing is written.
    pub fn apply_probe_reports(
        &self,
        ctx: &mut Ctx<'_>,
        round_height: u64,
        reports: &[([u8; 20], i64, ProbeReport)],
        total_power: u128,
    ) -> Result<bool, TxError> {
        block::apply_probe_reports(self.bank.as_ref(), ctx, round_height, reports, total_power)
    }
}

/// The seeders parameters as other modules read them (the channels module checks its
/// challenge period against the unbonding period).
#[derive(Debug, Default, Clone, Copy)]
pub struct ParamsView;

impl weave_kernel::expected::SeedersParams for ParamsView {
    fn unbonding_period_blocks(&self, ctx: &mut Ctx<'_>) -> Result<Option<u64>, TxError> {
        if ctx.get(&state_key::params())?.is_none() {
            return Ok(None);
        }
        Ok(Some(keeper::params(ctx)?.unbonding_period_blocks))
    }
}

/// A seeder as committed state holds it (for the node's prober, which dials its
/// `peer_id` at its `addrs`).
pub fn read_seeder(
    state: &dyn StateRead,
    address: &Address,
) -> Result<Option<SeederRecord>, TxError> {
    keeper::seeder(&mut StateView(state), address)
}

/// The seeders module's [`PaidBandwidth`] sink, for the channels module: each accepted
/// voucher adds its amount and bytes to the seeder's inputs for the epoch under way,
/// per payer. Only bonded seeders (jailed or not) accumulate; a seeder paying itself
/// adds nothing; the first [`MAX_PAYERS_PER_EPOCH`](crate::MAX_PAYERS_PER_EPOCH) distinct payers of a seeder in an
/// epoch are tracked and the fees of later ones are tallied but earn no points.
#[derive(Debug, Default, Clone, Copy)]
pub struct BandwidthLedger;

impl PaidBandwidth for BandwidthLedger {
    fn record(
        &self,
        ctx: &mut Ctx<'_>,
        seeder: &Address,
        payer: &Address,
        bytes: u64,
        amount: u128,
    ) -> Result<(), TxError> {
        block::record_paid_bandwidth(ctx, seeder, payer, bytes, amount)
    }
}

impl TypedModule for SeedersModule {
    type Msg = SeedersMsg;
    type Genesis = GenesisState;

    fn name(&self) -> &'static str {
        MODULE_NAME
    }

    fn message_types(&self) -> &'static [&'static str] {
        MESSAGE_TYPES
    }

    fn governance_message_types(&self) -> &'static [&'static str] {
        &[MSG_UPDATE_PARAMS]
    }

    fn init_genesis(&self, ctx: &mut Ctx<'_>, genesis: &serde_json::Value) -> Result<(), TxError> {
        let g = GenesisState::from_json(genesis)?;
        g.params
            .check_challenge_period(self.channels.challenge_period_blocks(ctx)?)
            .map_err(|e| SeedersError::InvalidGenesis(e.to_string()))?;
        keeper::set_params(ctx, &g.params)
    }

    fn handle(&self, ctx: &mut Ctx<'_>, msg: SeedersMsg) -> Result<(), TxError> {
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
            vote_extensions: Some(self),
            ..Hooks::default()
        }
    }
}

impl BlockHooks for SeedersModule {
    fn end_block(&self, ctx: &mut Ctx<'_>) -> Result<(), TxError> {
        block::end_block(&self.deps(), ctx)
    }
}

impl VoteExtensions for SeedersModule {
    fn verify_vote_extension(
        &self,
        state: &dyn StateRead,
        vote_height: u64,
        validator: &ConsensusAddress,
        extension: &[u8],
    ) -> Result<(), TxError> {
        verify_report(state, vote_height, validator, extension)?;
        Ok(())
    }

    fn apply_vote_extensions(
        &self,
        ctx: &mut Ctx<'_>,
        vote_height: u64,
        votes: &[ExtendedVote],
    ) -> Result<(), TxError> {
        block::apply_vote_extensions(self.bank.as_ref(), ctx, vote_height, votes)
    }
}
