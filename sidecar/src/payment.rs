//! Paying seeders as slices arrive, and holding peers to what they paid.
//!
//! A downloader with a payment channel keeps a [`ChannelPayer`]: after every slice that
//! verified, it adds the slice's bytes to that seeder's lane and signs a new
//! cumulative voucher priced at the content's per-GiB streaming price (rounded up, so
//! the chain's price check always passes). A slice that failed verification is never
//! counted, so it is never paid for.
//!
//! A seeder keeps a [`CreditLedger`]: bytes served to each peer per content, and the
//! bytes that peer's latest valid voucher covers. Past a bounded credit window of
//! unpaid bytes, the seeder stops serving that peer until a voucher catches up. The
//! ledger also keeps, per lane, the best voucher received, for the seeder's node to
//! claim on chain.

use std::collections::BTreeMap;

use ed25519_consensus::SigningKey;
use weave_channels::{Voucher, GIB};
use weave_proto::weave::channels::v1::SignedVoucher;

/// One lane as the payer sees it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct PayerLane {
    bytes: u64,
    amount: u128,
    nonce: u64,
}

/// What a downloader signs vouchers with.
pub struct ChannelPayer {
    chain_id: String,
    channel_id: u64,
    key: SigningKey,
    price_per_gib: u128,
    lanes: BTreeMap<(String, [u8; 32]), PayerLane>,
}

impl std::fmt::Debug for ChannelPayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChannelPayer")
            .field("chain_id", &self.chain_id)
            .field("channel_id", &self.channel_id)
            .field("price_per_gib", &self.price_per_gib)
            .finish_non_exhaustive()
    }
}

/// What `bytes` cost at `price_per_gib`, rounded up.
pub fn price_of(bytes: u64, price_per_gib: u128) -> Option<u128> {
    Some(u128::from(bytes).checked_mul(price_per_gib)?.div_ceil(GIB))
}

impl ChannelPayer {
    /// A payer for channel `channel_id` on `chain_id`, signing with the channel's
    /// voucher key, at the content's streaming price.
    pub fn new(chain_id: String, channel_id: u64, key: SigningKey, price_per_gib: u128) -> Self {
        Self {
            chain_id,
            channel_id,
            key,
            price_per_gib,
            lanes: BTreeMap::new(),
        }
    }

    /// Adds `bytes` served by `seeder` (its bech32 payout address) for `root` and
    /// returns the new cumulative voucher, signed. `None` if the amounts overflow.
    pub fn pay(&mut self, seeder: &str, root: [u8; 32], bytes: u64) -> Option<SignedVoucher> {
        let seeder_address = seeder.parse().ok()?;
        let lane = self.lanes.entry((seeder.to_string(), root)).or_default();
        let total = lane.bytes.checked_add(bytes)?;
        let amount = price_of(total, self.price_per_gib)?;
        let next = PayerLane {
            bytes: total,
            // The chain needs a strictly larger amount for each voucher.
            amount: amount.max(lane.amount.checked_add(1)?),
            nonce: lane.nonce.checked_add(1)?,
        };
        *lane = next;
        let voucher = Voucher {
            chain_id: self.chain_id.clone(),
            channel_id: self.channel_id,
            seeder: seeder_address,
            content_root: root,
            cumulative_bytes: next.bytes,
            cumulative_amount: next.amount,
            nonce: next.nonce,
        };
        Some(voucher.sign(&self.key))
    }

    /// What this payer has promised in total, over every lane.
    pub fn total_promised(&self) -> u128 {
        self.lanes.values().map(|l| l.amount).sum()
    }
}

/// Bytes served to and paid by one peer for one content.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct PeerCredit {
    served: u64,
    paid: u64,
}

/// The best voucher of one lane.
#[derive(Debug, Clone, PartialEq)]
struct Best {
    voucher: Voucher,
    signed: SignedVoucher,
    claimed: bool,
}

/// A seeder's view of who paid for what. Generic over the peer identifier.
#[derive(Debug, Clone)]
pub struct CreditLedger<P: Ord + Clone> {
    window: u64,
    credit: BTreeMap<(P, [u8; 32]), PeerCredit>,
    best: BTreeMap<(u64, [u8; 32]), Best>,
}

impl<P: Ord + Clone> CreditLedger<P> {
    /// A ledger that lets each peer run `window` bytes ahead of its vouchers.
    pub fn new(window: u64) -> Self {
        Self {
            window,
            credit: BTreeMap::new(),
            best: BTreeMap::new(),
        }
    }

    /// Whether `peer` may be sent `bytes` more of `root`.
    pub fn may_serve(&self, peer: &P, root: &[u8; 32], bytes: u64) -> bool {
        let c = self
            .credit
            .get(&(peer.clone(), *root))
            .copied()
            .unwrap_or_default();
        c.served.saturating_add(bytes).saturating_sub(c.paid) <= self.window
    }

    /// Records bytes sent to `peer`.
    pub fn served(&mut self, peer: &P, root: &[u8; 32], bytes: u64) {
        let c = self.credit.entry((peer.clone(), *root)).or_default();
        c.served = c.served.saturating_add(bytes);
    }

    /// Records a voucher that verified (signature, channel, price) from `peer`; keeps
    /// it if it is its lane's best. Returns whether it advanced the lane.
    pub fn accept(&mut self, peer: &P, voucher: Voucher, signed: SignedVoucher) -> bool {
        let root = voucher.content_root;
        let c = self.credit.entry((peer.clone(), root)).or_default();
        c.paid = c.paid.max(voucher.cumulative_bytes);
        let key = (voucher.channel_id, root);
        let better = self.best.get(&key).is_none_or(|b| {
            voucher.nonce > b.voucher.nonce
                && voucher.cumulative_amount > b.voucher.cumulative_amount
        });
        if better {
            self.best.insert(
                key,
                Best {
                    voucher,
                    signed,
                    claimed: false,
                },
            );
        }
        better
    }

    /// The best voucher of every lane not yet handed out for claiming, marking them
    /// handed out.
    pub fn take_unclaimed(&mut self) -> Vec<SignedVoucher> {
        self.best
            .values_mut()
            .filter(|b| !b.claimed)
            .map(|b| {
                b.claimed = true;
                b.signed.clone()
            })
            .collect()
    }

    /// The value of the lanes' best vouchers not yet handed out, in uweave.
    pub fn unclaimed_amount(&self) -> u128 {
        self.best
            .values()
            .filter(|b| !b.claimed)
            .map(|b| b.voucher.cumulative_amount)
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROOT: [u8; 32] = [5; 32];

    fn seeder() -> String {
        weave_kernel::Address::new([7; 20]).to_string()
    }

    #[test]
    fn vouchers_grow_with_each_slice_and_price_rounds_up() {
        let mut payer = ChannelPayer::new("c".into(), 1, SigningKey::from([1; 32]), 1_000_000);
        let s = seeder();
        let v1 = Voucher::decode(&payer.pay(&s, ROOT, 1 << 20).unwrap().voucher).unwrap();
        assert_eq!(
            (v1.cumulative_bytes, v1.cumulative_amount, v1.nonce),
            (1 << 20, 977, 1)
        );
        let v2 = Voucher::decode(&payer.pay(&s, ROOT, 1 << 20).unwrap().voucher).unwrap();
        assert_eq!(
            (v2.cumulative_bytes, v2.cumulative_amount, v2.nonce),
            (2 << 20, 1954, 2)
        );
        // Tiny slices still raise the amount by at least one unit.
        let mut cheap = ChannelPayer::new("c".into(), 1, SigningKey::from([1; 32]), 1);
        let a = Voucher::decode(&cheap.pay(&s, ROOT, 10).unwrap().voucher).unwrap();
        let b = Voucher::decode(&cheap.pay(&s, ROOT, 10).unwrap().voucher).unwrap();
        assert!(b.cumulative_amount > a.cumulative_amount);
        assert!(payer.pay("not an address", ROOT, 1).is_none());
    }

    #[test]
    fn the_credit_window_stops_a_peer_that_does_not_pay() {
        let mut ledger = CreditLedger::<u8>::new(3 << 20);
        let mut payer = ChannelPayer::new("c".into(), 1, SigningKey::from([1; 32]), 1_000);
        let s = seeder();
        for _ in 0..3 {
            assert!(ledger.may_serve(&1, &ROOT, 1 << 20));
            ledger.served(&1, &ROOT, 1 << 20);
        }
        assert!(!ledger.may_serve(&1, &ROOT, 1 << 20));
        // Another peer has its own window.
        assert!(ledger.may_serve(&2, &ROOT, 1 << 20));
        // A voucher for 2 MiB reopens it.
        payer.pay(&s, ROOT, 1 << 20).unwrap();
        let signed = payer.pay(&s, ROOT, 1 << 20).unwrap();
        let v = Voucher::decode(&signed.voucher).unwrap();
        assert!(ledger.accept(&1, v.clone(), signed.clone()));
        assert!(ledger.may_serve(&1, &ROOT, 1 << 20));
        // A replay does not advance the lane.
        assert!(!ledger.accept(&1, v, signed));
        assert_eq!(ledger.take_unclaimed().len(), 1);
        assert!(ledger.take_unclaimed().is_empty());
        assert_eq!(ledger.unclaimed_amount(), 0);
    }
}
