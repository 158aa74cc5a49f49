//! The gov module: proposals that carry messages, decided by stake-weighted vote.
//!
//! **What it stores.** Params, proposals (with their messages as `Any`s, status,
//! deposit total, times, final tally and failure reason), each depositor's deposit,
//! each voter's vote, two queues keyed by end time (deposit periods and voting
//! periods) and the scheduled software upgrade plan. Every key is in [`state_key`].
//!
//! **Messages.** `MsgSubmitProposal`, `MsgDeposit`, `MsgVote`, `MsgVoteWeighted`, and
//! three that only the gov authority may sign: `MsgCommunityPoolSpend`,
//! `MsgSoftwareUpgrade` and `MsgUpdateParams`.
//!
//! **Money.** Deposits are escrowed in the `gov` module account (the gov authority).
//! They are refunded when a proposal passes, fails in execution or is rejected, and
//! burned when it is vetoed or when its deposit period ends below the minimum.
//!
//! **Per block.** End block processes at most `max_ended_per_block` entries of each
//! queue that are due by block time: expired deposit periods burn and remove the
//! proposal; ended voting periods tally (see [`tally`]) and, on pass, execute the
//! messages through the application's [`MessageRouter`](weave_kernel::expected::MessageRouter) with the gov authority as
//! signer, atomically and within `max_execution_gas`, after checking the proposal's
//! preconditions. A failure is recorded on the proposal and leaves no write behind.
//! An expedited proposal that does not pass (and is not vetoed) becomes a regular
//! one and votes on, with its votes kept, until the regular voting period ends.
//! The gas bound is checked after each message, not preemptively: the kernel's
//! [`Ctx`](weave_kernel::Ctx) does not yet offer a nested gas limit.
//!
//! **Bounds.** A proposal carries at most `max_messages` messages and 16
//! preconditions. The tally of one proposal reads every vote on it and each voter's
//! delegations, and its refund touches every depositor; both grow with the number of
//! voters and depositors (as in the Cosmos SDK).

mod deps;
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
pub mod state_key;
pub mod tally;

pub(crate) use deps::Deps;
pub use error::GovError;
pub use event::types as event_types;
pub use genesis::GenesisState;
pub use module::GovModule;
pub use msg::{
    check_options, GovMsg, MAX_METADATA, MAX_PRECONDITIONS, MAX_PRECONDITION_LEN, MAX_SUMMARY,
    MAX_TITLE, MESSAGE_TYPES, MSG_COMMUNITY_POOL_SPEND, MSG_DEPOSIT, MSG_SOFTWARE_UPGRADE,
    MSG_SUBMIT_PROPOSAL, MSG_UPDATE_PARAMS, MSG_VOTE, MSG_VOTE_WEIGHTED,
};
pub use names::MODULE_NAME;
pub use params::Params;
pub use weave_proto::weave::gov::v1::UpgradePlan;
