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
//! (a [`PaidBandwidth`](weave_kernel::expected::PaidBandwidth) sink): per epoch, per seeder and per payer, bytes and the
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
//! ([`VoteExtensions::verify_vote_extension`](weave_kernel::VoteExtensions::verify_vote_extension) runs [`verify_report`]), and the next block
//! applies them ([`VoteExtensions::apply_vote_extensions`](weave_kernel::VoteExtensions::apply_vote_extensions), or
//! [`SeedersModule::apply_probe_reports`] directly): a seeder that more than a third of
//! the whole validator set's power, from at least `min_probe_failers` validators, saw
//! fail fails the round, whatever the passes; one that did not fail passes only if more
//! than a third of the whole set's power saw it serve; any other round is inconclusive
//! for it and changes nothing, so validators below a third of the power, lazy or
//! colluding, can neither save a seeder that does not serve nor fail one that does;
//! `probe_fail_jail_threshold` failures in a row (a pass resets the count, an
//! inconclusive round does not) jail it and burn `probe_fail_slash_bps` of its bond.
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
mod module;
mod msg;
mod names;
mod params;
pub mod peer_id;
pub mod probe;
mod query;
mod record;
pub mod reputation;
pub mod state_key;

pub use error::SeedersError;
pub use event::types as event_types;
pub use genesis::GenesisState;
pub use handler::REPORT_GAS;
pub use keeper::MAX_PAYERS_PER_EPOCH;
pub use module::{read_seeder, BandwidthLedger, ParamsView, SeedersModule};
pub use msg::{
    check_addrs, check_contents, BadSliceReport, SeedersMsg, MAX_ADDRS, MAX_ADDR_LEN,
    MESSAGE_TYPES, MSG_BOND_SEEDER, MSG_REPORT_BAD_SLICE, MSG_UNBOND_SEEDER, MSG_UNJAIL_SEEDER,
    MSG_UPDATE_PARAMS, MSG_UPDATE_SEEDER,
};
pub use names::{bond_account, BOND_ACCOUNT, MODULE_NAME};
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
