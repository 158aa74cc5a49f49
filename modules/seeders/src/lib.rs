//! The seeders module: seeder bonds, reputation, availability probes and slashing.
//!
//! **What it stores.** Params; one record per seeder (bond, libp2p peer id and the
//! ed25519 key inside it, multiaddrs, the contents it commits to serve with their
//! slice counts, status, jail, reputation, failed probe rounds in a row); an index of
//! peer ids; a queue of unbondings by completion height; each seeder's inputs for the
//! epoch under way (a tally, and what each of at most 64 payers paid it); every bad
//! slice already reported; the latest probe rounds. Every key is in [`state_key`].
//!
//! **Messages.** `MsgBondSeeder` (at least `min_bond`, into the `seeders` module
//! account; one bond per seeder and per peer id), `MsgUpdateSeeder` (replace the peer
//! id, addresses or contents, or add to the bond), `MsgUnbondSeeder`,
//! `MsgUnjailSeeder`, `MsgReportBadSlice` (anyone but the seeder itself proves that a
//! slice header the seeder signed does not verify against the registered root: the
//! seeder loses `bad_slice_slash_bps` of its bond, the reporter earns
//! `reporter_reward_bps` of that and the rest is burned, and the seeder is jailed) and
//! `MsgUpdateParams` (gov authority only).
//!
//! **Reputation.** Channels report every accepted voucher to the [`BandwidthLedger`]
//! (a [`PaidBandwidth`] sink): per epoch, per seeder and per payer, bytes and the
//! *protocol fee* the payment left in the community pool (never the amount, most of
//! which can flow back to a payer that owns the content or the seeder). Validators'
//! probe verdicts add passes and fails. At every multiple of `epoch_blocks`, end block
//! moves each seeder's reputation by [`reputation_next`] (documented in
//! [`reputation`]) and pays `min(epoch_reward, community pool)` to the bonded,
//! unjailed seeders pro rata to reputation weighted by the share of the epoch's probe
//! verdicts they passed, each share capped at `max_reward_fee_bps` (< 100 %) of the
//! fees its payers paid that epoch and `max_reward_bond_bps` of its bond, so paying
//! oneself never earns back what it cost; truncation and caps leave the remainder in
//! the pool. Rewards are not revenue and do not go through a split.
//!
//! **Probes.** See [`probe`]: rounds open at FinalizeBlock every
//! `probe_interval_blocks`, validators report in their vote extensions
//! ([`Module::verify_vote_extension`] runs [`verify_report`]), and the next block
//! applies them ([`Module::apply_vote_extensions`], or
//! [`SeedersModule::apply_probe_reports`] directly): a seeder that more than a third of
//! the whole validator set's power, from at least `min_probe_failers` validators, saw
//! fail fails the round; `probe_fail_jail_threshold` failures in a row jail it and
//! burn `probe_fail_slash_bps` of its bond.
//!
//! **Unbonding.** An unbonding seeder is not probed and earns nothing, but can still be
//! slashed; after `unbonding_period_blocks` (which must exceed the channels challenge
//! period) end block returns its bond, at most `max_unbondings_per_block` per block,
//! and removes it.
//!
//! **Bounds.** Every end-block loop is bounded: unbondings by their per-block limit,
//! seeders by `max_seeders` ≤ 1000 (unbonding seeders hold their slot until they
//! leave), payer entries by 64 per seeder, probe rounds by the 4 kept, reports by the
//! validator set.

mod block;
mod error;
mod event;
mod genesis;
mod handler;
mod keeper;
pub mod math;
mod msg;
mod params;
pub mod peer_id;
pub mod probe;
mod query;
mod record;
pub mod reputation;
pub mod state_key;

use std::sync::Arc;

pub use error::SeedersError;
pub use event::types as event_types;
pub use genesis::GenesisState;
pub use handler::REPORT_GAS;
pub use keeper::MAX_PAYERS_PER_EPOCH;
pub use msg::{
    check_addrs, check_contents, BadSliceReport, SeedersMsg, MAX_ADDRS, MAX_ADDR_LEN,
    MESSAGE_TYPES, MSG_BOND_SEEDER, MSG_REPORT_BAD_SLICE, MSG_UNBOND_SEEDER, MSG_UNJAIL_SEEDER,
    MSG_UPDATE_PARAMS, MSG_UPDATE_SEEDER,
};
pub use params::{
    Params, HARD_MAX_CONTENTS, HARD_MAX_SEEDERS, MAX_CHALLENGES_PER_VALIDATOR,
    MAX_MIN_PROBE_FAILERS, MAX_REWARD_FEE_BPS, PROBE_ROUNDS_KEPT,
};
pub use probe::{
    challenges, challenges_digest, expected_round, verify_report, Challenge, ProbeOutcome,
    ProbeReport, ProbeRound, ProbeTarget, MAX_REPORT_LEN,
};
pub use record::{CommittedContent, SeederRecord, Status};
pub use reputation::{reputation_next, EpochInputs};
/// What a seeder signs for every slice it serves (the sidecar uses the same function):
/// `"weave/slice-header/v1" || root || index (u64 BE) || ciphertext_hash ||
/// BLAKE3(proof bytes)`.
pub use weave_slices::header::sign_bytes as slice_header_sign_bytes;

use weave_kernel::{
    expected::{Bank, ChannelsParams, ContentRegistry, PaidBandwidth},
    Address, BlockHooks, ConsensusAddress, Ctx, ExtendedVote, Hooks, StateRead, StateView, TxError,
    TypedModule, VoteExtensions,
};

/// The module's name: its key prefix and error codespace.
pub const MODULE_NAME: &str = "seeders";

/// The name of the module account that holds every bond.
pub const BOND_ACCOUNT: &str = "seeders";

/// The module account that holds every bond.
pub fn bond_account() -> Address {
    Address::module(BOND_ACCOUNT)
}

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
    /// more than a third of that power from at least `min_probe_failers` validators
    /// (see [`probe`]). A round is applied once; the result is false (and nothing
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
/// adds nothing; the first [`MAX_PAYERS_PER_EPOCH`] distinct payers of a seeder in an
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
