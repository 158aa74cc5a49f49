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
//!
//! What the chain knows — whether the channel exists and is still claimable, its
//! voucher key, the content's price — a seeder learns through a [`VoucherCheck`]
//! that its node provides ([`SeederPayments`]).

use std::{collections::BTreeMap, sync::Arc};

use ed25519_consensus::SigningKey;
use futures::future::BoxFuture;
use weave_kernel::Address;
use weave_proto::weave::channels::v1::SignedVoucher;
use weave_voucher::{Voucher, GIB};

/// One lane as the payer sees it: what its latest voucher says.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PayerLane {
    /// Cumulative bytes.
    pub bytes: u64,
    /// Cumulative amount, uweave.
    pub amount: u128,
    /// The latest nonce.
    pub nonce: u64,
}

/// Checks a voucher against the chain, for a seeder: the channel exists and can still
/// be claimed, the voucher is signed by the channel's voucher key, its chain is this
/// chain, and its amount meets the content's streaming price for its bytes. An error
/// says why, for the payer.
pub trait VoucherCheck: Send + Sync + 'static {
    /// Checks `voucher`, which `signed` carries.
    fn check(
        &self,
        voucher: Voucher,
        signed: SignedVoucher,
    ) -> BoxFuture<'static, Result<(), String>>;
}

/// A seeder's payment terms: who is paid, how far a peer may run ahead of its
/// vouchers, and how vouchers are checked.
#[derive(Clone)]
pub struct SeederPayments {
    /// The account vouchers must name as the seeder.
    pub payee: Address,
    /// Bytes served to a peer, per content, beyond what its vouchers cover.
    pub credit_window: u64,
    /// The chain-side check of each voucher.
    pub check: Arc<dyn VoucherCheck>,
}

impl std::fmt::Debug for SeederPayments {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SeederPayments")
            .field("payee", &self.payee)
            .field("credit_window", &self.credit_window)
            .finish_non_exhaustive()
    }
}

/// What a downloader signs vouchers with.
pub struct ChannelPayer {
    chain_id: String,
    channel_id: u64,
    key: SigningKey,
    price_per_gib: u128,
    lanes: BTreeMap<(Address, [u8; 32]), PayerLane>,
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

    /// The channel this payer signs for.
    pub fn channel_id(&self) -> u64 {
        self.channel_id
    }

    /// Sets the price (a content's streaming price) for the vouchers signed next.
    pub fn set_price(&mut self, price_per_gib: u128) {
        self.price_per_gib = price_per_gib;
    }

    /// Starts `seeder`'s lane for `root` from `lane` (what the chain or an earlier
    /// session recorded), unless this payer is already further along it.
    pub fn resume(&mut self, seeder: Address, root: [u8; 32], lane: PayerLane) {
        let mine = self.lanes.entry((seeder, root)).or_default();
        if lane.nonce > mine.nonce || lane.amount > mine.amount {
            *mine = PayerLane {
                bytes: mine.bytes.max(lane.bytes),
                amount: mine.amount.max(lane.amount),
                nonce: mine.nonce.max(lane.nonce),
            };
        }
    }

    /// Every lane this payer has signed for: seeder, content root, latest state.
    pub fn lanes(&self) -> Vec<(Address, [u8; 32], PayerLane)> {
        self.lanes.iter().map(|((s, r), l)| (*s, *r, *l)).collect()
    }

    /// Adds `bytes` served by `seeder` for `root` and returns the new cumulative
    /// voucher, signed. `None` if the amounts overflow.
    pub fn pay(&mut self, seeder: Address, root: [u8; 32], bytes: u64) -> Option<SignedVoucher> {
        let seeder_address = seeder;
        let lane = self.lanes.entry((seeder, root)).or_default();
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

    /// The latest voucher of `seeder`'s lane for `root`, signed again (to resend one
    /// a seeder could not check yet). `None` for a lane never paid.
    pub fn latest(&self, seeder: Address, root: [u8; 32]) -> Option<SignedVoucher> {
        let lane = self.lanes.get(&(seeder, root))?;
        let voucher = Voucher {
            chain_id: self.chain_id.clone(),
            channel_id: self.channel_id,
            seeder,
            content_root: root,
            cumulative_bytes: lane.bytes,
            cumulative_amount: lane.amount,
            nonce: lane.nonce,
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

    /// The credit window, in bytes.
    pub fn window(&self) -> u64 {
        self.window
    }

    /// Whether `voucher` would advance its lane (a larger nonce and amount than the
    /// lane's best so far).
    pub fn advances(&self, voucher: &Voucher) -> bool {
        self.best
            .get(&(voucher.channel_id, voucher.content_root))
            .is_none_or(|b| {
                voucher.nonce > b.voucher.nonce
                    && voucher.cumulative_amount > b.voucher.cumulative_amount
            })
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

    /// Takes back bytes charged to `peer` for a slice that was not sent after all.
    pub fn refund(&mut self, peer: &P, root: &[u8; 32], bytes: u64) {
        if let Some(c) = self.credit.get_mut(&(peer.clone(), *root)) {
            c.served = c.served.saturating_sub(bytes);
        }
    }

    /// Records bytes sent to `peer`.
    pub fn served(&mut self, peer: &P, root: &[u8; 32], bytes: u64) {
        let c = self.credit.entry((peer.clone(), *root)).or_default();
        c.served = c.served.saturating_add(bytes);
    }

    /// Records a voucher that verified (signature, channel, price) from `peer`; keeps
    /// it if it is its lane's best. Returns the bytes of `root` that `peer` has paid
    /// for, or `None` if the voucher did not advance its lane (stale or replayed).
    pub fn accept(&mut self, peer: &P, voucher: Voucher, signed: SignedVoucher) -> Option<u64> {
        if !self.advances(&voucher) {
            return None;
        }
        let root = voucher.content_root;
        let c = self.credit.entry((peer.clone(), root)).or_default();
        c.paid = c.paid.max(voucher.cumulative_bytes);
        let paid = c.paid;
        self.best
            .insert((voucher.channel_id, root), Best { voucher, signed });
        Some(paid)
    }

    /// Keeps `voucher` as its lane's best if it advances the lane, with no peer's
    /// credit touched (vouchers restored after a restart).
    pub fn restore(&mut self, voucher: Voucher, signed: SignedVoucher) {
        if self.advances(&voucher) {
            self.best.insert(
                (voucher.channel_id, voucher.content_root),
                Best { voucher, signed },
            );
        }
    }

    /// The best voucher of every lane, for claiming.
    pub fn best_vouchers(&self) -> Vec<SignedVoucher> {
        self.best.values().map(|b| b.signed.clone()).collect()
    }

    /// Forgets the lanes of `channel_id` (settled: nothing more can be claimed).
    pub fn forget_channel(&mut self, channel_id: u64) {
        self.best.retain(|(c, _), _| *c != channel_id);
    }

    /// The sum of the lanes' best voucher amounts, in uweave.
    pub fn vouched_amount(&self) -> u128 {
        self.best
            .values()
            .map(|b| b.voucher.cumulative_amount)
            .fold(0u128, u128::saturating_add)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROOT: [u8; 32] = [5; 32];

    fn seeder() -> Address {
        Address::new([7; 20])
    }

    #[test]
    fn vouchers_grow_with_each_slice_and_price_rounds_up() {
        let mut payer = ChannelPayer::new("c".into(), 1, SigningKey::from([1; 32]), 1_000_000);
        let s = seeder();
        let v1 = Voucher::decode(&payer.pay(s, ROOT, 1 << 20).unwrap().voucher).unwrap();
        assert_eq!(
            (v1.cumulative_bytes, v1.cumulative_amount, v1.nonce),
            (1 << 20, 977, 1)
        );
        let v2 = Voucher::decode(&payer.pay(s, ROOT, 1 << 20).unwrap().voucher).unwrap();
        assert_eq!(
            (v2.cumulative_bytes, v2.cumulative_amount, v2.nonce),
            (2 << 20, 1954, 2)
        );
        // Tiny slices still raise the amount by at least one unit.
        let mut cheap = ChannelPayer::new("c".into(), 1, SigningKey::from([1; 32]), 1);
        let a = Voucher::decode(&cheap.pay(s, ROOT, 10).unwrap().voucher).unwrap();
        let b = Voucher::decode(&cheap.pay(s, ROOT, 10).unwrap().voucher).unwrap();
        assert!(b.cumulative_amount > a.cumulative_amount);
        // Overflowing amounts sign nothing.
        let mut dear = ChannelPayer::new("c".into(), 1, SigningKey::from([1; 32]), u128::MAX);
        assert!(dear.pay(s, ROOT, 2).is_none());
        // A payer resumes a lane from a recorded state, never going backwards.
        let mut resumed = ChannelPayer::new("c".into(), 1, SigningKey::from([1; 32]), 1_000_000);
        let at = PayerLane {
            bytes: 2 << 20,
            amount: 1954,
            nonce: 2,
        };
        resumed.resume(s, ROOT, at);
        resumed.resume(s, ROOT, PayerLane::default());
        let v3 = Voucher::decode(&resumed.pay(s, ROOT, 1 << 20).unwrap().voucher).unwrap();
        assert_eq!(
            (v3.cumulative_bytes, v3.cumulative_amount, v3.nonce),
            (3 << 20, 2930, 3)
        );
        assert_eq!(
            resumed.lanes(),
            vec![(
                s,
                ROOT,
                PayerLane {
                    bytes: 3 << 20,
                    amount: 2930,
                    nonce: 3
                }
            )]
        );
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
        payer.pay(s, ROOT, 1 << 20).unwrap();
        let signed = payer.pay(s, ROOT, 1 << 20).unwrap();
        let v = Voucher::decode(&signed.voucher).unwrap();
        assert_eq!(ledger.accept(&1, v.clone(), signed.clone()), Some(2 << 20));
        assert!(ledger.may_serve(&1, &ROOT, 1 << 20));
        // A replay does not advance the lane.
        assert!(!ledger.advances(&v));
        assert_eq!(ledger.accept(&1, v.clone(), signed.clone()), None);
        assert_eq!(ledger.best_vouchers(), vec![signed.clone()]);
        assert_eq!(ledger.vouched_amount(), v.cumulative_amount);
        // Restored vouchers keep the best; settled channels are forgotten.
        let mut restored = CreditLedger::<u8>::new(1);
        restored.restore(v.clone(), signed.clone());
        restored.restore(v, signed);
        assert_eq!(restored.best_vouchers().len(), 1);
        restored.forget_channel(1);
        assert!(restored.best_vouchers().is_empty());
    }
}
