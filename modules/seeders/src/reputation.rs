//! Seeder reputation: one integer per seeder, updated once per epoch by
//! [`reputation_next`] from what the epoch brought.
//!
//! **Bandwidth points.** Each distinct payer `p` other than the seeder contributes
//! `h(fee_p)`, where `fee_p` is the protocol fee that `p`'s vouchers to the seeder left
//! in the community pool this epoch (money gone for good: the rest of a payment can
//! flow back to a payer who owns the content or the seeder):
//!
//! ```text
//! h(x) = x                        for x ≤ knee
//! h(x) = 2·isqrt(knee · x) − knee for x > knee
//! ```
//!
//! `h` is continuous at the knee (both sides give `knee`) with slope 1 there, concave
//! beyond (it grows as the square root of the fee), and never above the fee:
//! `x − h(x) ≥ (√x − √knee)² ≥ 0`. So one payer inflating its volume earns little, and
//! because `h(x) ≤ x` the points of any set of payers never exceed the fees they paid:
//! splitting one payer into many earns at most the fees spent. A payment from the
//! seeder to itself earns nothing. Payers are merged by address before `h` applies.
//!
//! (The knee form `knee + isqrt((x − knee) · knee)` is *not* used: it rises above `x`
//! just past the knee — knee 100, fee 101 gives 110 — and its slope jumps there, so it
//! is neither concave nor bounded by the fee.)
//!
//! **Probe points.** `pass_points × passes − fail_points × fails`.
//!
//! **Update.** `next = prev × (10000 − decay_bps) / 10000 + bandwidth + pass − fail`,
//! floored at 0; every step saturates, so no input overflows.

use std::collections::BTreeMap;

use weave_kernel::Address;

use crate::{
    math::{bps_of, isqrt_wide, mul_wide},
    Params,
};

/// What one epoch brought a seeder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EpochInputs {
    /// The seeder (payments from it to itself earn nothing).
    pub seeder: Address,
    /// uweave each payer paid the seeder this epoch; a payer listed twice counts once,
    /// with the sum.
    pub payer_fees: Vec<(Address, u128)>,
    /// Probe rounds passed.
    pub probe_passes: u64,
    /// Probe rounds failed.
    pub probe_fails: u64,
}

impl EpochInputs {
    /// Nothing yet: no payments, no probe verdicts.
    pub fn new(seeder: Address) -> Self {
        Self {
            seeder,
            payer_fees: Vec::new(),
            probe_passes: 0,
            probe_fails: 0,
        }
    }
}

/// `h(fee)`: the bandwidth points one payer's fees earn (see the module docs).
pub fn fee_points(fee: u128, knee: u128) -> u128 {
    if fee <= knee {
        return fee;
    }
    let (high, low) = mul_wide(knee, fee);
    let root = isqrt_wide(high, low);
    // fee > knee gives knee·fee ≥ knee², so root ≥ knee; and root + (root − knee) =
    // 2·root − knee ≤ fee, so the sum fits.
    root.saturating_add(root.saturating_sub(knee))
}

/// The bandwidth points of an epoch: `h` over each distinct payer but the seeder.
pub fn bandwidth_points(inputs: &EpochInputs, knee: u128) -> u128 {
    let mut by_payer: BTreeMap<Address, u128> = BTreeMap::new();
    for (payer, fee) in &inputs.payer_fees {
        if *payer == inputs.seeder {
            continue;
        }
        let total = by_payer.entry(*payer).or_insert(0);
        *total = total.saturating_add(*fee);
    }
    by_payer
        .values()
        .fold(0u128, |acc, fee| acc.saturating_add(fee_points(*fee, knee)))
}

/// The reputation after an epoch, from the reputation before it (see the module docs).
pub fn reputation_next(prev: u128, inputs: &EpochInputs, params: &Params) -> u128 {
    let kept = bps_of(prev, 10_000u32.saturating_sub(params.decay_bps));
    let pass = u128::from(params.probe_pass_points).saturating_mul(u128::from(inputs.probe_passes));
    let fail = u128::from(params.probe_fail_points).saturating_mul(u128::from(inputs.probe_fails));
    kept.saturating_add(bandwidth_points(inputs, params.bandwidth_knee))
        .saturating_add(pass)
        .saturating_sub(fail)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn payer(n: u8) -> Address {
        Address::new([n; 20])
    }

    fn inputs(fees: &[(u8, u128)]) -> EpochInputs {
        EpochInputs {
            seeder: payer(0),
            payer_fees: fees.iter().map(|(p, f)| (payer(*p), *f)).collect(),
            probe_passes: 0,
            probe_fails: 0,
        }
    }

    #[test]
    fn the_curve_at_and_past_the_knee() {
        let k = 1_000_000;
        assert_eq!(fee_points(0, k), 0);
        assert_eq!(fee_points(k, k), k);
        // Just past the knee: 2·isqrt(10^6 · 1_000_001) − 10^6 = 2·1_000_000 − 10^6.
        assert_eq!(fee_points(k + 1, k), k);
        // 4× the knee earns 3× (2·2k − k), 100× earns 19×.
        assert_eq!(fee_points(4 * k, k), 3 * k);
        assert_eq!(fee_points(100 * k, k), 19 * k);
        // Never above the fee, even at the edges.
        assert_eq!(fee_points(u128::MAX, u128::MAX - 1), u128::MAX - 1);
        assert_eq!(fee_points(u128::MAX, 1), (1u128 << 65) - 3);
        assert_eq!(fee_points(u128::MAX, u128::MAX), u128::MAX);
    }

    #[test]
    fn the_formula_in_one_epoch() {
        let p = Params {
            decay_bps: 1_000,
            bandwidth_knee: 100,
            probe_pass_points: 10,
            probe_fail_points: 50,
            ..Params::default()
        };
        // 1000 × 0.9 = 900; payers 50 + h(400) = 50 + 300; self-payment 0; a payer
        // listed twice merges (30 + 20 = 50); 3 passes = 30; 1 fail = −50.
        let mut i = inputs(&[(1, 50), (2, 400), (0, 1_000_000), (3, 30), (3, 20)]);
        i.probe_passes = 3;
        i.probe_fails = 1;
        assert_eq!(bandwidth_points(&i, 100), 400);
        assert_eq!(reputation_next(1_000, &i, &p), 900 + 400 + 30 - 50);
        // Failures floor at zero.
        let mut bad = inputs(&[]);
        bad.probe_fails = 100;
        assert_eq!(reputation_next(1_000, &bad, &p), 0);
    }

    fn params_strategy() -> impl Strategy<Value = Params> {
        (0u32..=10_000, 1u128..=u128::MAX, any::<u64>(), any::<u64>()).prop_map(
            |(decay_bps, bandwidth_knee, probe_pass_points, probe_fail_points)| Params {
                decay_bps,
                bandwidth_knee,
                probe_pass_points,
                probe_fail_points,
                ..Params::default()
            },
        )
    }

    /// A split of `total` into `1..=k` positive-or-zero parts.
    fn split(total: u128, cuts: &[u128]) -> Vec<u128> {
        let mut points: Vec<u128> = cuts.iter().map(|c| c % total.saturating_add(1)).collect();
        points.sort_unstable();
        let mut parts = Vec::with_capacity(points.len() + 1);
        let mut last = 0;
        for p in points {
            parts.push(p - last);
            last = p;
        }
        parts.push(total - last);
        parts
    }

    proptest! {
        /// Anti-Sybil: however one payer's fee is split across payers, the points never
        /// exceed the fee, and splitting gains at most F − h(F) over one payer.
        #[test]
        fn splitting_a_fee_never_earns_more_than_it_costs(
            total in prop_oneof![0u128..10_000_000_000, any::<u128>()],
            cuts in proptest::collection::vec(any::<u128>(), 0..40),
            knee in prop_oneof![1u128..10_000_000, 1u128..=u128::MAX],
        ) {
            let parts = split(total, &cuts);
            prop_assert_eq!(parts.iter().sum::<u128>(), total);
            let many = EpochInputs {
                seeder: payer(0),
                payer_fees: parts
                    .iter()
                    .enumerate()
                    .map(|(i, f)| (Address::new([(i + 1) as u8; 20]), *f))
                    .collect(),
                ..EpochInputs::new(payer(0))
            };
            let split_points = bandwidth_points(&many, knee);
            let one_points = bandwidth_points(&inputs(&[(1, total)]), knee);
            prop_assert!(split_points <= total);
            prop_assert!(one_points <= total);
            let gain = split_points.saturating_sub(one_points);
            prop_assert!(gain <= total - fee_points(total, knee));
            // Concavity: splitting never earns less than one payer.
            prop_assert!(split_points >= one_points);
        }

        /// The seeder paying itself adds nothing, whatever else it was paid.
        #[test]
        fn self_payment_adds_nothing(
            own in any::<u128>(),
            others in proptest::collection::vec((1u8..50, 0u128..1u128 << 100), 0..10),
            prev in any::<u128>(),
            params in params_strategy(),
        ) {
            let base = EpochInputs {
                seeder: payer(0),
                payer_fees: others.iter().map(|(p, f)| (payer(*p), *f)).collect(),
                ..EpochInputs::new(payer(0))
            };
            let mut with_self = base.clone();
            with_self.payer_fees.push((payer(0), own));
            prop_assert_eq!(
                reputation_next(prev, &with_self, &params),
                reputation_next(prev, &base, &params)
            );
        }

        /// More fees or more passes never lower the next reputation; with nothing new it
        /// decays; nothing overflows or panics at the extremes.
        #[test]
        fn monotone_decaying_and_total(
            prev in any::<u128>(),
            fee in any::<u128>(),
            more_fee in any::<u128>(),
            passes in any::<u64>(),
            more_passes in any::<u64>(),
            fails in any::<u64>(),
            params in params_strategy(),
        ) {
            let at = |fee: u128, passes: u64| {
                let mut i = inputs(&[(1, fee)]);
                i.probe_passes = passes;
                i.probe_fails = fails;
                reputation_next(prev, &i, &params)
            };
            prop_assert!(at(fee.saturating_add(more_fee), passes) >= at(fee, passes));
            prop_assert!(at(fee, passes.saturating_add(more_passes)) >= at(fee, passes));
            let idle = reputation_next(prev, &EpochInputs::new(payer(0)), &params);
            prop_assert!(idle <= prev);
            if params.decay_bps > 0 && prev >= 10_000 {
                prop_assert!(idle < prev);
            }
            let _ = reputation_next(u128::MAX, &EpochInputs {
                seeder: payer(0),
                payer_fees: vec![(payer(1), u128::MAX), (payer(2), u128::MAX)],
                probe_passes: u64::MAX,
                probe_fails: 0,
            }, &params);
        }
    }
}
