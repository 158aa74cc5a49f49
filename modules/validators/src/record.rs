//! Validators, delegations and entries as the module works with them, and their wire
//! forms.

use weave_kernel::{parse_amount, Address, ConsensusAddress};
use weave_proto::weave::validators::v1 as pb;

use crate::math::{mul_div, mul_div_ceil};

/// Tokens per unit of CometBFT voting power.
pub const POWER_REDUCTION: u128 = 1_000_000;

/// The most voting power one validator gets, so that the whole set stays far below
/// CometBFT's limit on total power (`i64::MAX / 8`) even at the largest set.
pub const MAX_POWER: i64 = 1_000_000_000_000_000;

/// The voting power of an amount of tokens.
pub fn power_of(tokens: u128) -> i64 {
    i64::try_from(tokens / POWER_REDUCTION)
        .unwrap_or(MAX_POWER)
        .min(MAX_POWER)
}

/// Where a validator stands towards CometBFT's set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BondStatus {
    /// In the active set; tokens in the bonded pool.
    Bonded,
    /// Left the active set less than the unbonding time ago.
    Unbonding,
    /// Not in the active set.
    Unbonded,
}

/// What a validator charges, in basis points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Commission {
    /// The rate in force.
    pub rate_bps: u32,
    /// The highest rate ever allowed.
    pub max_rate_bps: u32,
    /// The largest change in one edit.
    pub max_change_rate_bps: u32,
    /// Block time of the last change.
    pub updated_at: i64,
}

/// How a validator presents itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Description {
    /// Its name.
    pub moniker: String,
    /// A keybase-style identity.
    pub identity: String,
    /// A web site.
    pub website: String,
    /// Anything else.
    pub details: String,
}

impl Description {
    /// The wire form.
    pub fn to_wire(&self) -> pb::Description {
        pb::Description {
            moniker: self.moniker.clone(),
            identity: self.identity.clone(),
            website: self.website.clone(),
            details: self.details.clone(),
        }
    }
}

/// A validator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidatorRecord {
    /// The operator's account.
    pub operator: Address,
    /// The ed25519 consensus key.
    pub consensus_pubkey: [u8; 32],
    /// Its consensus address.
    pub consensus_address: ConsensusAddress,
    /// Bonded tokens, after slashing.
    pub tokens: u128,
    /// Shares issued to delegators.
    pub shares: u128,
    /// Bonded, unbonding or unbonded.
    pub status: BondStatus,
    /// Out of the active set until unjailed.
    pub jailed: bool,
    /// Earliest time of an unjail.
    pub jailed_until: i64,
    /// Double-signed; jailed for ever.
    pub tombstoned: bool,
    /// Its commission.
    pub commission: Commission,
    /// Its description.
    pub description: Description,
    /// The least the operator's own delegation may hold.
    pub min_self_delegation: u128,
    /// When unbonding: the time it becomes unbonded.
    pub unbonding_completion: i64,
    /// The height it was created at.
    pub created_height: u64,
}

impl ValidatorRecord {
    /// Its voting power, were it in the active set.
    pub fn power(&self) -> i64 {
        power_of(self.tokens)
    }

    /// Whether it is a candidate for the active set (listed in the power index).
    pub fn is_candidate(&self) -> bool {
        !self.jailed && self.tokens > 0
    }

    /// The tokens `shares` of it are worth now (rounded down).
    pub fn tokens_of(&self, shares: u128) -> u128 {
        if shares >= self.shares {
            return self.tokens;
        }
        mul_div(shares, self.tokens, self.shares).unwrap_or(0)
    }

    /// The shares needed to take out at least `tokens` (rounded up), at most all.
    pub fn shares_for_at_least(&self, tokens: u128) -> u128 {
        if self.tokens == 0 {
            return self.shares;
        }
        mul_div_ceil(tokens, self.shares, self.tokens)
            .unwrap_or(self.shares)
            .min(self.shares)
    }

    /// The wire form.
    pub fn to_wire(&self) -> pb::Validator {
        pb::Validator {
            operator: self.operator.to_string(),
            consensus_pubkey: self.consensus_pubkey.to_vec(),
            consensus_address: self.consensus_address.to_vec(),
            tokens: self.tokens.to_string(),
            delegator_shares: self.shares.to_string(),
            status: match self.status {
                BondStatus::Bonded => pb::ValidatorStatus::Bonded,
                BondStatus::Unbonding => pb::ValidatorStatus::Unbonding,
                BondStatus::Unbonded => pb::ValidatorStatus::Unbonded,
            } as i32,
            jailed: self.jailed,
            jailed_until_seconds: self.jailed_until,
            tombstoned: self.tombstoned,
            commission: Some(pb::Commission {
                rate_bps: self.commission.rate_bps,
                max_rate_bps: self.commission.max_rate_bps,
                max_change_rate_bps: self.commission.max_change_rate_bps,
                updated_at_seconds: self.commission.updated_at,
            }),
            description: Some(self.description.to_wire()),
            min_self_delegation: self.min_self_delegation.to_string(),
            unbonding_completion_seconds: self.unbonding_completion,
            created_height: self.created_height,
        }
    }

    /// Rebuilds a stored validator; `None` if it does not parse.
    pub(crate) fn from_stored(v: pb::Validator) -> Option<Self> {
        let c = v.commission?;
        let d = v.description.unwrap_or_default();
        Some(Self {
            operator: v.operator.parse().ok()?,
            consensus_pubkey: v.consensus_pubkey.as_slice().try_into().ok()?,
            consensus_address: v.consensus_address.as_slice().try_into().ok()?,
            tokens: parse_amount(&v.tokens).ok()?,
            shares: parse_amount(&v.delegator_shares).ok()?,
            status: match pb::ValidatorStatus::try_from(v.status).ok()? {
                pb::ValidatorStatus::Bonded => BondStatus::Bonded,
                pb::ValidatorStatus::Unbonding => BondStatus::Unbonding,
                pb::ValidatorStatus::Unbonded => BondStatus::Unbonded,
                pb::ValidatorStatus::Unspecified => return None,
            },
            jailed: v.jailed,
            jailed_until: v.jailed_until_seconds,
            tombstoned: v.tombstoned,
            commission: Commission {
                rate_bps: c.rate_bps,
                max_rate_bps: c.max_rate_bps,
                max_change_rate_bps: c.max_change_rate_bps,
                updated_at: c.updated_at_seconds,
            },
            description: Description {
                moniker: d.moniker,
                identity: d.identity,
                website: d.website,
                details: d.details,
            },
            min_self_delegation: parse_amount(&v.min_self_delegation).ok()?,
            unbonding_completion: v.unbonding_completion_seconds,
            created_height: v.created_height,
        })
    }
}

/// A delegator's stake in one validator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DelegationRecord {
    /// The delegator.
    pub delegator: Address,
    /// The validator's operator.
    pub validator: Address,
    /// Its shares.
    pub shares: u128,
    /// The validator's reward per share when it last settled.
    pub reward_index: u128,
}

impl DelegationRecord {
    /// The wire form.
    pub fn to_wire(&self) -> pb::Delegation {
        pb::Delegation {
            delegator: self.delegator.to_string(),
            validator: self.validator.to_string(),
            shares: self.shares.to_string(),
            reward_index: self.reward_index.to_string(),
        }
    }

    pub(crate) fn from_stored(d: pb::Delegation) -> Option<Self> {
        Some(Self {
            delegator: d.delegator.parse().ok()?,
            validator: d.validator.parse().ok()?,
            shares: parse_amount(&d.shares).ok()?,
            reward_index: parse_amount(&d.reward_index).ok()?,
        })
    }
}

/// Tokens on their way back to a delegator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnbondingRecord {
    /// The entry id.
    pub id: u64,
    /// Who gets the tokens.
    pub delegator: Address,
    /// The validator they left.
    pub validator: Address,
    /// The height of the undelegation.
    pub creation_height: u64,
    /// When the balance is paid.
    pub completion: i64,
    /// Tokens unbonded.
    pub initial_balance: u128,
    /// Tokens left after slashing.
    pub balance: u128,
}

impl UnbondingRecord {
    /// The wire form.
    pub fn to_wire(&self) -> pb::UnbondingEntry {
        pb::UnbondingEntry {
            id: self.id,
            delegator: self.delegator.to_string(),
            validator: self.validator.to_string(),
            creation_height: self.creation_height,
            completion_seconds: self.completion,
            initial_balance: self.initial_balance.to_string(),
            balance: self.balance.to_string(),
        }
    }

    pub(crate) fn from_stored(e: pb::UnbondingEntry) -> Option<Self> {
        Some(Self {
            id: e.id,
            delegator: e.delegator.parse().ok()?,
            validator: e.validator.parse().ok()?,
            creation_height: e.creation_height,
            completion: e.completion_seconds,
            initial_balance: parse_amount(&e.initial_balance).ok()?,
            balance: parse_amount(&e.balance).ok()?,
        })
    }
}

/// A redelegation inside its unbonding time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedelegationRecord {
    /// The entry id.
    pub id: u64,
    /// The delegator.
    pub delegator: Address,
    /// Where the tokens came from.
    pub src: Address,
    /// Where they went.
    pub dst: Address,
    /// The height of the redelegation.
    pub creation_height: u64,
    /// When the entry matures.
    pub completion: i64,
    /// Tokens moved.
    pub initial_balance: u128,
    /// Shares received at the destination.
    pub shares_dst: u128,
}

impl RedelegationRecord {
    /// The wire form.
    pub fn to_wire(&self) -> pb::RedelegationEntry {
        pb::RedelegationEntry {
            id: self.id,
            delegator: self.delegator.to_string(),
            src_validator: self.src.to_string(),
            dst_validator: self.dst.to_string(),
            creation_height: self.creation_height,
            completion_seconds: self.completion,
            initial_balance: self.initial_balance.to_string(),
            shares_dst: self.shares_dst.to_string(),
        }
    }

    pub(crate) fn from_stored(e: pb::RedelegationEntry) -> Option<Self> {
        Some(Self {
            id: e.id,
            delegator: e.delegator.parse().ok()?,
            src: e.src_validator.parse().ok()?,
            dst: e.dst_validator.parse().ok()?,
            creation_height: e.creation_height,
            completion: e.completion_seconds,
            initial_balance: parse_amount(&e.initial_balance).ok()?,
            shares_dst: parse_amount(&e.shares_dst).ok()?,
        })
    }
}

/// A validator's reward accounting.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RewardsRecord {
    /// Cumulative reward per share, scaled by [`crate::REWARD_SCALE`].
    pub reward_per_share: u128,
    /// Credited to delegators and not yet paid.
    pub outstanding: u128,
    /// Commission not yet withdrawn.
    pub commission: u128,
}

/// Liveness tracking of one consensus address.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SigningRecord {
    /// The height from which blocks count.
    pub start_height: u64,
    /// Blocks counted since the window (re)started.
    pub index_offset: u64,
    /// Missed blocks in the window.
    pub missed_blocks: u64,
    /// The window length the bitmap was kept with.
    pub window: u64,
}

/// What the module minted, burned and sent to the community pool as dust.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    /// Block rewards minted.
    pub minted: u128,
    /// Slashed tokens burned.
    pub burned: u128,
    /// Rounding dust sent to the community pool.
    pub dust: u128,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn power_is_tokens_over_the_reduction_and_capped() {
        assert_eq!(power_of(999_999), 0);
        assert_eq!(power_of(5_000_000), 5);
        assert_eq!(power_of(u128::MAX), MAX_POWER);
    }
}
