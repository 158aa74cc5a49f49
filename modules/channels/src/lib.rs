//! The channels module: payment channels whose vouchers are bandwidth receipts.
//!
//! A payer opens a channel with a deposit (and optional collateral) held in escrow,
//! an ed25519 voucher key and an expiry height. One channel pays any number of
//! seeders; each (seeder, content) pair is a lane. Off chain, the payer signs
//! cumulative [`Voucher`]s; `MsgClaim` carries a batch of them, and each pays its lane
//! the increase over what the lane already claimed: the seeder's share (a parameter)
//! to the seeder, the rest through the content's revenue split, both paying the
//! protocol fee. The increase must cover its new bytes at the lowest `price_per_gib`
//! in force during the last challenge period, so a price rise binds claims only a
//! challenge period later and never voids vouchers signed under the old price. When
//! the deposit runs out, collateral covers the rest and any shortfall is recorded as
//! overspend. The verified bytes count toward the seeder's served-bandwidth record;
//! each accepted voucher's bytes are reported, with its payer, to an optional
//! [`PaidBandwidth`](weave_kernel::expected::PaidBandwidth) sink (the seeders module's reputation) inside the voucher's
//! atomic write, and the protocol fee each payer's vouchers paid once the claim pays
//! out.
//!
//! `MsgCloseChannel` (or reaching the expiry height) starts a challenge period during
//! which seeders can still claim; then end block returns the remainder to the payer.
//! Both queues are indexed by height and bounded per block.
//!
//! Validators verify vouchers in batches: [`PrepareBlock::prepare_block`](weave_kernel::PrepareBlock::prepare_block) batch-verifies
//! every voucher of a proposed or decided block with `ed25519-consensus` (falling back
//! to one-by-one when the batch fails) and remembers the good ones; execution checks
//! each voucher against that cache and verifies on a miss (CheckTx, or a channel opened
//! in the same block).

mod error;
mod event;
mod genesis;
mod handler;
mod keeper;
mod module;
mod msg;
mod names;
mod params;
mod query;
mod record;
pub mod state_key;
pub mod voucher;

pub use error::ChannelsError;
pub use event::types as event_types;
pub use genesis::GenesisState;
pub use handler::{bps_of, escrow, GIB, VOUCHER_GAS, VOUCHER_SIG_GAS};
pub use module::{claim_signatures, ChannelsModule, ParamsView};
pub use msg::{
    ChannelsMsg, ClaimedVoucher, HARD_MAX_VOUCHERS, MSG_CLAIM, MSG_CLOSE_CHANNEL, MSG_OPEN_CHANNEL,
    MSG_TOP_UP, MSG_UPDATE_PARAMS,
};
pub use names::{ESCROW_ACCOUNT, MODULE_NAME};
pub use params::Params;
pub use record::{ChannelRecord, LaneRecord, Status};
pub use voucher::{sign_bytes, verify_batch, SignatureItem, VerifiedCache, Voucher};
