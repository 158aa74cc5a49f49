//! [`SidecarStats`]: counters of what this sidecar did (slices served and fetched,
//! vouchers accepted and refused), for the node's metrics. Nothing reads them back to
//! decide anything.

use std::sync::atomic::{AtomicU64, Ordering};

/// Running totals since the sidecar started; shared by the swarm task, the downloads
/// and the handle ([`crate::SidecarHandle::stats`]).
#[derive(Debug, Default)]
pub struct SidecarStats {
    slices_served: AtomicU64,
    bytes_served: AtomicU64,
    slices_verified: AtomicU64,
    slices_failed: AtomicU64,
    bytes_fetched: AtomicU64,
    vouchers_accepted: AtomicU64,
    vouchers_refused: AtomicU64,
}

/// The counters at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StatsSnapshot {
    /// Slices sent to peers (downloads and availability probes).
    pub slices_served: u64,
    /// Ciphertext bytes of those slices.
    pub bytes_served: u64,
    /// Downloaded slices that verified against their root and were stored.
    pub slices_verified: u64,
    /// Downloaded slices refused: a bad header signature or a bad Merkle proof.
    pub slices_failed: u64,
    /// Ciphertext bytes of the verified downloaded slices.
    pub bytes_fetched: u64,
    /// Vouchers from payers that verified and advanced a lane.
    pub vouchers_accepted: u64,
    /// Vouchers refused: bad signature, channel or price, or stale.
    pub vouchers_refused: u64,
}

fn add(counter: &AtomicU64, n: u64) {
    counter.fetch_add(n, Ordering::Relaxed);
}

impl SidecarStats {
    /// A slice of `bytes` ciphertext bytes went out.
    pub(crate) fn served(&self, bytes: u64) {
        add(&self.slices_served, 1);
        add(&self.bytes_served, bytes);
    }

    /// A downloaded slice of `bytes` bytes verified and was stored.
    pub(crate) fn verified(&self, bytes: u64) {
        add(&self.slices_verified, 1);
        add(&self.bytes_fetched, bytes);
    }

    /// A downloaded slice was refused.
    pub(crate) fn failed(&self) {
        add(&self.slices_failed, 1);
    }

    /// A payer's voucher was accepted (`true`) or refused.
    pub(crate) fn voucher(&self, accepted: bool) {
        add(
            if accepted {
                &self.vouchers_accepted
            } else {
                &self.vouchers_refused
            },
            1,
        );
    }

    /// The counters now.
    pub fn snapshot(&self) -> StatsSnapshot {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        StatsSnapshot {
            slices_served: get(&self.slices_served),
            bytes_served: get(&self.bytes_served),
            slices_verified: get(&self.slices_verified),
            slices_failed: get(&self.slices_failed),
            bytes_fetched: get(&self.bytes_fetched),
            vouchers_accepted: get(&self.vouchers_accepted),
            vouchers_refused: get(&self.vouchers_refused),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_add_up() {
        let s = SidecarStats::default();
        s.served(100);
        s.served(50);
        s.verified(70);
        s.failed();
        s.voucher(true);
        s.voucher(false);
        s.voucher(false);
        assert_eq!(
            s.snapshot(),
            StatsSnapshot {
                slices_served: 2,
                bytes_served: 150,
                slices_verified: 1,
                slices_failed: 1,
                bytes_fetched: 70,
                vouchers_accepted: 1,
                vouchers_refused: 2,
            }
        );
    }
}
