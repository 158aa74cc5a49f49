//! The one payout function of the chain.
//!
//! `distribute(amount, table, protocol_fee_bps)`:
//! 1. takes the protocol fee, `floor(amount × fee_bps / 10000)`;
//! 2. gives each recipient `floor(net × bps / 10000)` of the rest;
//! 3. gives what truncation left over to the **first recipient** of the table (the
//!    lowest address), so every unit is paid to someone.
//!
//! It is pure integer arithmetic and cannot overflow for any u128 amount.

use weave_kernel::Address;

use crate::{SplitTable, TOTAL_BPS};

/// How an amount divides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payout {
    /// What goes to the community pool.
    pub protocol_fee: u128,
    /// One share per recipient, in table order; the first includes the remainder.
    pub shares: Vec<(Address, u128)>,
}

impl Payout {
    /// Everything paid: the fee plus every share. Equals the amount distributed.
    pub fn total(&self) -> u128 {
        self.shares
            .iter()
            .fold(self.protocol_fee, |acc, (_, s)| acc.saturating_add(*s))
    }
}

/// `floor(amount × bps / 10000)` without overflow, for `bps <= 10000`.
pub fn share_of(amount: u128, bps: u32) -> u128 {
    let bps = u128::from(bps.min(TOTAL_BPS));
    let whole = amount / u128::from(TOTAL_BPS);
    let rest = amount % u128::from(TOTAL_BPS);
    // whole × bps <= amount, and rest × bps < 10^8: neither overflows.
    whole * bps + rest * bps / u128::from(TOTAL_BPS)
}

/// Divides `amount` by `table` after a protocol fee of `protocol_fee_bps`.
pub fn distribute(amount: u128, table: &SplitTable, protocol_fee_bps: u32) -> Payout {
    let protocol_fee = share_of(amount, protocol_fee_bps);
    let net = amount - protocol_fee;
    let mut shares: Vec<(Address, u128)> = table
        .recipients()
        .iter()
        .map(|(address, bps)| (*address, share_of(net, *bps)))
        .collect();
    let paid: u128 = shares.iter().map(|(_, s)| *s).sum();
    // Each share is at most its fraction of `net` and the fractions sum to one, so
    // `paid <= net` and the sum cannot overflow.
    if let Some(first) = shares.first_mut() {
        first.1 += net - paid;
    }
    Payout {
        protocol_fee,
        shares,
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn a(n: u8) -> Address {
        Address::new([n; 20])
    }

    #[test]
    fn three_way_split_with_fee() {
        let t = SplitTable::new(vec![(a(1), 5000), (a(2), 3000), (a(3), 2000)]).unwrap();
        let p = distribute(1_000_001, &t, 250);
        // fee = floor(1_000_001 × 0.025) = 25_000; net = 975_001.
        assert_eq!(p.protocol_fee, 25_000);
        assert_eq!(
            p.shares,
            vec![(a(1), 487_500 + 1), (a(2), 292_500), (a(3), 195_000)]
        );
        assert_eq!(p.total(), 1_000_001);
    }

    #[test]
    fn extremes() {
        let t = SplitTable::new(vec![(a(1), 1), (a(2), 9999)]).unwrap();
        let p = distribute(u128::MAX, &t, TOTAL_BPS);
        assert_eq!(p.protocol_fee, u128::MAX);
        assert_eq!(p.total(), u128::MAX);
        let p = distribute(u128::MAX, &t, 0);
        assert_eq!(p.total(), u128::MAX);
        let p = distribute(0, &t, 100);
        assert_eq!(p.total(), 0);
        assert_eq!(share_of(u128::MAX, TOTAL_BPS), u128::MAX);
        assert_eq!(share_of(9_999, 1), 0);
    }

    fn table() -> impl Strategy<Value = SplitTable> {
        (1usize..=32)
            .prop_flat_map(|n| {
                (
                    proptest::collection::btree_set(any::<[u8; 20]>(), n),
                    proptest::collection::vec(1u32..1000, n),
                )
            })
            .prop_map(|(addresses, weights)| {
                // Scale arbitrary weights to shares that sum to exactly 10000, each >= 1.
                let n = addresses.len() as u32;
                let total: u32 = weights.iter().take(addresses.len()).sum();
                let mut bps: Vec<u32> = weights
                    .iter()
                    .take(addresses.len())
                    .map(|w| 1 + w * (TOTAL_BPS - n) / total)
                    .collect();
                let sum: u32 = bps.iter().sum();
                bps[0] += TOTAL_BPS - sum;
                let recipients = addresses.into_iter().map(Address::new).zip(bps).collect();
                SplitTable::new(recipients).unwrap()
            })
    }

    proptest! {
        #[test]
        fn conserves_every_unit(
            t in table(),
            amount in prop_oneof![any::<u128>(), 0u128..1_000_000],
            fee in 0u32..=TOTAL_BPS,
        ) {
            let p = distribute(amount, &t, fee);
            prop_assert_eq!(p.total(), amount);
            prop_assert_eq!(p.shares.len(), t.recipients().len());
            // Nobody but the first recipient gets more than its exact fraction.
            let net = amount - p.protocol_fee;
            for ((_, got), (_, bps)) in p.shares.iter().zip(t.recipients()).skip(1) {
                prop_assert_eq!(*got, share_of(net, *bps));
            }
            // The remainder is smaller than one unit per recipient.
            let first_exact = share_of(net, t.recipients()[0].1);
            prop_assert!(p.shares[0].1 - first_exact < t.recipients().len() as u128);
        }
    }
}
