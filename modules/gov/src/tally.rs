//! Counting votes by bonded stake, and deciding a proposal from the count.
//!
//! A voter's power is its delegations' share of each bonded validator's tokens.
//! A validator's vote also carries the power of every delegator who did not vote
//! itself: a delegator who votes has its shares subtracted from its validator's.

use std::collections::BTreeMap;

use weave_kernel::Address;
use weave_proto::weave::gov::v1 as pb;

use crate::{GovError, Params};

/// The sums of a tally, in uweave of bonded stake.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Yes.
    pub yes: u128,
    /// Abstain.
    pub abstain: u128,
    /// No.
    pub no: u128,
    /// No with veto.
    pub no_with_veto: u128,
}

impl Tally {
    /// Every vote counted.
    pub fn total(&self) -> u128 {
        self.yes
            .saturating_add(self.abstain)
            .saturating_add(self.no)
            .saturating_add(self.no_with_veto)
    }

    fn add(&mut self, power: u128, options: &[pb::WeightedVoteOption]) -> Result<(), GovError> {
        for o in options {
            let part = mul_div(power, u128::from(o.weight_bps), 10_000)?;
            let slot = match pb::VoteOption::try_from(o.option) {
                Ok(pb::VoteOption::Yes) => &mut self.yes,
                Ok(pb::VoteOption::Abstain) => &mut self.abstain,
                Ok(pb::VoteOption::No) => &mut self.no,
                Ok(pb::VoteOption::NoWithVeto) => &mut self.no_with_veto,
                _ => return Err(GovError::CorruptState("stored vote option".into())),
            };
            *slot = slot
                .checked_add(part)
                .ok_or_else(|| GovError::Overflow("tally".into()))?;
        }
        Ok(())
    }

    /// The wire form.
    pub fn to_proto(self) -> pb::TallyResult {
        pb::TallyResult {
            yes: self.yes.to_string(),
            abstain: self.abstain.to_string(),
            no: self.no.to_string(),
            no_with_veto: self.no_with_veto.to_string(),
        }
    }
}

/// `a * b / c`, rounding down, without overflowing when the result fits.
pub fn mul_div(a: u128, b: u128, c: u128) -> Result<u128, GovError> {
    if c == 0 {
        return Ok(0);
    }
    if let Some(p) = a.checked_mul(b) {
        return Ok(p / c);
    }
    let overflow = || GovError::Overflow(format!("{a} * {b} / {c}"));
    let whole = (a / c).checked_mul(b).ok_or_else(overflow)?;
    let rest = (a % c).checked_mul(b).ok_or_else(overflow)? / c;
    whole.checked_add(rest).ok_or_else(overflow)
}

/// One voter's ballot: its options and its delegations (validator, shares).
#[derive(Debug, Clone)]
pub struct Ballot {
    /// The voter.
    pub voter: Address,
    /// The options, weights summing to 10000.
    pub options: Vec<pb::WeightedVoteOption>,
    /// The voter's delegations: (validator operator, shares).
    pub delegations: Vec<(Address, u128)>,
}

/// Counts ballots against the bonded validators (operator, tokens, delegator shares).
pub fn count(validators: &[(Address, u128, u128)], ballots: &[Ballot]) -> Result<Tally, GovError> {
    struct Val {
        tokens: u128,
        shares: u128,
        deducted: u128,
        vote: Option<Vec<pb::WeightedVoteOption>>,
    }
    let mut vals: BTreeMap<Address, Val> = validators
        .iter()
        .map(|(op, tokens, shares)| {
            (
                *op,
                Val {
                    tokens: *tokens,
                    shares: *shares,
                    deducted: 0,
                    vote: None,
                },
            )
        })
        .collect();
    let mut tally = Tally::default();
    for b in ballots {
        if let Some(v) = vals.get_mut(&b.voter) {
            v.vote = Some(b.options.clone());
        }
        for (validator, shares) in &b.delegations {
            let Some(v) = vals.get_mut(validator) else {
                continue; // not bonded: no power
            };
            v.deducted = v.deducted.saturating_add(*shares);
            let power = mul_div(*shares, v.tokens, v.shares)?;
            tally.add(power, &b.options)?;
        }
    }
    for v in vals.values() {
        let Some(options) = &v.vote else { continue };
        let remaining = v.shares.saturating_sub(v.deducted);
        let power = mul_div(remaining, v.tokens, v.shares)?;
        tally.add(power, options)?;
    }
    Ok(tally)
}

/// How a tally ends a proposal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Quorum, threshold met, not vetoed.
    Passed,
    /// Quorum not met, or threshold not met.
    Rejected,
    /// Too much no-with-veto: the deposit burns.
    Vetoed,
}

/// Decides a proposal (Cosmos rules): no quorum or nothing but abstain rejects;
/// veto above its threshold vetoes; yes above the threshold of non-abstaining votes
/// passes; anything else rejects.
pub fn decide(params: &Params, expedited: bool, t: &Tally, total_bonded: u128) -> Outcome {
    let total = t.total();
    if total_bonded == 0
        || total.saturating_mul(10_000) < total_bonded.saturating_mul(u128::from(params.quorum_bps))
    {
        return Outcome::Rejected;
    }
    let non_abstain = total.saturating_sub(t.abstain);
    if non_abstain == 0 {
        return Outcome::Rejected;
    }
    if t.no_with_veto.saturating_mul(10_000)
        > total.saturating_mul(u128::from(params.veto_threshold_bps))
    {
        return Outcome::Vetoed;
    }
    let threshold = if expedited {
        params.expedited_threshold_bps
    } else {
        params.threshold_bps
    };
    if t.yes.saturating_mul(10_000) > non_abstain.saturating_mul(u128::from(threshold)) {
        Outcome::Passed
    } else {
        Outcome::Rejected
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opt(o: pb::VoteOption) -> Vec<pb::WeightedVoteOption> {
        vec![pb::WeightedVoteOption {
            option: o as i32,
            weight_bps: 10_000,
        }]
    }

    #[test]
    fn delegator_overrides_validator() {
        let v = Address::new([1; 20]);
        let d = Address::new([2; 20]);
        let vals = [(v, 1_000, 1_000)];
        let ballots = [
            Ballot {
                voter: v,
                options: opt(pb::VoteOption::Yes),
                delegations: vec![(v, 600)],
            },
            Ballot {
                voter: d,
                options: opt(pb::VoteOption::No),
                delegations: vec![(v, 400)],
            },
        ];
        let t = count(&vals, &ballots).expect("counts");
        assert_eq!((t.yes, t.no), (1_000 - 400, 400));
    }

    #[test]
    fn mul_div_survives_large_operands() {
        assert_eq!(mul_div(u128::MAX, 2, 4).expect("fits"), u128::MAX / 2);
        assert!(mul_div(u128::MAX, u128::MAX, 1).is_err());
    }
}
