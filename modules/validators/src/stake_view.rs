//! Bonded stake as other modules read it (governance tallies with it).

use weave_kernel::{
    expected::Staking, Address, ConsensusAddress, Ctx, StateRead, StateView, Store, TxError,
};

use crate::{keeper, record::BondStatus, state_key};

/// Most delegations of one delegator a tally reads. A delegator with more has the
/// rest ignored by governance; the validators module itself never limits them.
pub const MAX_DELEGATIONS_COUNTED: usize = 1_024;

/// The validators module's bonded stake, behind the kernel's [`Staking`] trait.
#[derive(Debug, Default, Clone, Copy)]
pub struct StakeView;

impl Staking for StakeView {
    /// The active set CometBFT last received, bonded and not jailed, by operator.
    fn bonded_validators(&self, ctx: &mut Ctx<'_>) -> Result<Vec<(Address, u128, u128)>, TxError> {
        let mut out = Vec::new();
        for operator in keeper::last_set(ctx)?.into_keys() {
            let Some(v) = keeper::validator(ctx, &operator)? else {
                continue;
            };
            if v.status == BondStatus::Bonded && !v.jailed && v.tokens > 0 {
                out.push((operator, v.tokens, v.shares));
            }
        }
        Ok(out)
    }

    fn delegations_of(
        &self,
        ctx: &mut Ctx<'_>,
        delegator: &Address,
    ) -> Result<Vec<(Address, u128)>, TxError> {
        let prefix = state_key::delegations_of(delegator);
        ctx.scan_prefix(&prefix, MAX_DELEGATIONS_COUNTED)?
            .into_iter()
            .map(|(k, v)| {
                let d = keeper::decode_delegation(&k, &v)?;
                Ok((d.validator, d.shares))
            })
            .collect()
    }

    fn total_bonded(&self, ctx: &mut Ctx<'_>) -> Result<u128, TxError> {
        Ok(self
            .bonded_validators(ctx)?
            .iter()
            .fold(0u128, |acc, (_, tokens, _)| acc.saturating_add(*tokens)))
    }
}

/// The ed25519 consensus key of the validator with this consensus address, in
/// committed state: what vote extension signatures are checked against. A validator's
/// consensus address is the hash of its key, so the answer never changes.
pub fn consensus_pubkey(
    state: &dyn StateRead,
    cons: &ConsensusAddress,
) -> Result<Option<[u8; 32]>, TxError> {
    Ok(keeper::validator_by_consensus(&mut StateView(state), cons)?.map(|v| v.consensus_pubkey))
}
