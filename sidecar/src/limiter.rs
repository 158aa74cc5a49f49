//! Per-peer admission for inbound requests: a token bucket on the request rate and a
//! cap on response bytes in flight. A request over either is answered `Busy` at once,
//! so nothing queues without bound.

use std::collections::HashMap;
use std::hash::Hash;

use libp2p::PeerId;
use tokio::time::Instant;

use crate::config::Limits;

#[derive(Debug)]
struct Budget {
    tokens: f64,
    refilled: Instant,
    bytes_in_flight: u64,
}

/// Why a request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// Over the request rate.
    Rate,
    /// Over the bytes-in-flight cap.
    Bytes,
}

/// Admission state for every peer with requests in flight or a partly drained bucket.
/// Requests are keyed by `K` (libp2p's inbound request id in the sidecar).
#[derive(Debug)]
pub(crate) struct Limiter<K> {
    limits: Limits,
    peers: HashMap<PeerId, Budget>,
    in_flight: HashMap<K, (PeerId, u64)>,
}

impl<K: Hash + Eq> Limiter<K> {
    pub(crate) fn new(limits: Limits) -> Limiter<K> {
        Limiter {
            limits,
            peers: HashMap::new(),
            in_flight: HashMap::new(),
        }
    }

    /// Admits a request that will put up to `bytes` in flight, or says why not.
    pub(crate) fn admit(
        &mut self,
        peer: PeerId,
        request: K,
        bytes: u64,
        now: Instant,
    ) -> Result<(), Refusal> {
        let burst = f64::from(self.limits.request_burst.max(1));
        let rate = f64::from(self.limits.requests_per_sec);
        let budget = self.peers.entry(peer).or_insert(Budget {
            tokens: burst,
            refilled: now,
            bytes_in_flight: 0,
        });
        let elapsed = now.saturating_duration_since(budget.refilled).as_secs_f64();
        budget.tokens = (budget.tokens + elapsed * rate).min(burst);
        budget.refilled = now;
        if budget.tokens < 1.0 {
            return Err(Refusal::Rate);
        }
        // One request may always be in flight, however large, so a slice bigger than
        // the cap can still be fetched.
        if budget.bytes_in_flight > 0
            && budget.bytes_in_flight.saturating_add(bytes)
                > self.limits.max_bytes_in_flight_per_peer
        {
            // A refused request still costs a token: a peer hammering a busy node
            // drains its bucket.
            budget.tokens -= 1.0;
            return Err(Refusal::Bytes);
        }
        budget.tokens -= 1.0;
        budget.bytes_in_flight = budget.bytes_in_flight.saturating_add(bytes);
        if bytes > 0 {
            self.in_flight.insert(request, (peer, bytes));
        }
        Ok(())
    }

    /// The response to `request` was sent or failed: its bytes are no longer in
    /// flight. Releasing twice is harmless.
    pub(crate) fn release(&mut self, request: K) {
        if let Some((peer, bytes)) = self.in_flight.remove(&request) {
            if let Some(b) = self.peers.get_mut(&peer) {
                b.bytes_in_flight = b.bytes_in_flight.saturating_sub(bytes);
            }
        }
    }

    /// Forgets a disconnected peer's bucket once nothing of it is in flight, so the
    /// table does not grow with every peer ever seen.
    pub(crate) fn forget(&mut self, peer: &PeerId) {
        if self.peers.get(peer).is_some_and(|b| b.bytes_in_flight == 0) {
            self.peers.remove(peer);
        }
    }

    /// Bytes in flight to `peer`.
    #[cfg(test)]
    pub(crate) fn bytes_in_flight(&self, peer: &PeerId) -> u64 {
        self.peers.get(peer).map_or(0, |b| b.bytes_in_flight)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn limits() -> Limits {
        Limits {
            requests_per_sec: 10,
            request_burst: 3,
            max_bytes_in_flight_per_peer: 100,
            ..Limits::default()
        }
    }

    #[test]
    fn the_bucket_refills_at_the_rate() {
        let mut l = Limiter::new(limits());
        let peer = PeerId::random();
        let other = PeerId::random();
        let t0 = Instant::now();
        for n in 0..3 {
            assert_eq!(l.admit(peer, n, 0, t0), Ok(()));
        }
        assert_eq!(l.admit(peer, 3, 0, t0), Err(Refusal::Rate));
        // Another peer has its own bucket.
        assert_eq!(l.admit(other, 4, 0, t0), Ok(()));
        // 10 per second: one token after 100 ms.
        let t1 = t0 + Duration::from_millis(110);
        assert_eq!(l.admit(peer, 5, 0, t1), Ok(()));
        assert_eq!(l.admit(peer, 6, 0, t1), Err(Refusal::Rate));
    }

    #[test]
    fn bytes_in_flight_are_capped_and_released() {
        let mut l = Limiter::new(Limits {
            request_burst: 100,
            ..limits()
        });
        let peer = PeerId::random();
        let t = Instant::now();
        assert_eq!(l.admit(peer, 1u64, 60, t), Ok(()));
        assert_eq!(l.admit(peer, 2, 60, t), Err(Refusal::Bytes));
        assert_eq!(l.admit(peer, 3, 40, t), Ok(()));
        assert_eq!(l.bytes_in_flight(&peer), 100);
        l.release(1);
        l.release(1);
        assert_eq!(l.bytes_in_flight(&peer), 40);
        assert_eq!(l.admit(peer, 4, 60, t), Ok(()));
        l.release(3);
        l.release(4);
        assert_eq!(l.bytes_in_flight(&peer), 0);
        l.forget(&peer);
        // A single request larger than the cap is still admitted when nothing else is
        // in flight.
        assert_eq!(l.admit(peer, 5, 1_000, t), Ok(()));
    }
}
