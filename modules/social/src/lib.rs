//! The social module.
//!
//! It stores, per account, one **profile** with a unique handle (3–30 characters of
//! `[a-z0-9_]` by default, case-folded; a handle given up stays reserved for its last
//! owner for `handle_cooldown_blocks`, so it cannot be squatted by churn), a display
//! name, a bounded bio, an avatar (a registered content id) and links; **follows**
//! between accounts (at most `max_following` per account) with their counts;
//! **reactions**, one per account per content, of a small set of kinds, with their
//! counts per content per kind; and **comments** on contents, with replies one level
//! deep, which the content's creator may hide, each costing `comment_fee` uweave paid
//! to the community pool on top of gas.
//!
//! **Verified views** are counted only when paid. The content module reports every
//! purchase and the channels module the bytes of every claimed voucher through the
//! [`PaidViews`](weave_kernel::expected::PaidViews) hook, which [`ViewLedger`]
//! implements: a purchase counts as a view at once; streamed bytes count once the
//! payer's claimed bytes reach `view_threshold_bps` of the content's length. Each
//! paying account counts once per content; the distinct paying accounts (whether or
//! not their payment reached a view) are kept beside the views.
//!
//! Every count is kept in state next to the rows it counts, and
//! [`invariants::check`] proves they agree. The module has no per-block work.

mod error;
mod event;
mod genesis;
mod handler;
pub mod invariants;
mod keeper;
mod module;
mod msg;
mod names;
mod params;
mod query;
pub mod state_key;
mod views;

pub use error::SocialError;
pub use event::types as event_types;
pub use genesis::GenesisState;
pub use module::SocialModule;
pub use msg::{
    fold_handle, reaction_kind, SocialMsg, MSG_COMMENT, MSG_FOLLOW, MSG_HIDE_COMMENT, MSG_REACT,
    MSG_REMOVE_REACTION, MSG_SET_PROFILE, MSG_UNFOLLOW, MSG_UPDATE_PARAMS,
};
pub use names::MODULE_NAME;
pub use params::Params;
pub use views::ViewLedger;
