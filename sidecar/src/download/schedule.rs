//! Scheduling: which peers to ask, which slice next, and how much to ask each.
//!
//! Candidates are the connected peers, the content's DHT providers and the peers that
//! announced it on gossipsub. Each is asked `Have`; its bitfield is re-asked when it
//! has nothing left that is needed (it may be downloading too). Missing slices go out
//! lowest index first, so a stream can start early. Peers are served in order of their
//! measured throughput (an average of bytes per second over their responses; peers
//! not yet measured come after), each up to its own window of outstanding requests
//! and a cap on bytes in flight. A window grows by one on every good slice up to the
//! maximum, and halves on a timeout, a transport error or a `Busy` answer (which also
//! backs the peer off briefly). When every missing slice is already requested, an idle
//! peer may request a slice a second time (end game), so one slow peer cannot hold up
//! the tail. When the reader moves the focus (a seek), peers backed off for answering
//! `Busy` are asked again at once, from the new focus: a seek does not wait out a
//! back-off of up to 1.6 s.

use std::time::Duration;

use futures::FutureExt;
use libp2p::PeerId;
use tokio::time::Instant;
use weave_slices::store::ciphertext_len;

use super::state::{Download, Event, Peer};
use crate::error::{DownloadError, RequestError};
use crate::protocol::{ErrorCode, Request, Response};

/// The order in which peers are given requests: fastest measured first, unmeasured
/// after; ties, and the unmeasured, by preference (reputation, highest first), then
/// peer id.
fn sort_peers(
    order: &mut [(PeerId, Option<f64>)],
    preference: &std::collections::BTreeMap<PeerId, u128>,
) {
    let pref = |p: &PeerId| preference.get(p).copied().unwrap_or(0);
    order.sort_by(|a, b| {
        let by_rate = match (a.1, b.1) {
            (Some(x), Some(y)) => y.total_cmp(&x),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        };
        by_rate
            .then_with(|| pref(&b.0).cmp(&pref(&a.0)))
            .then_with(|| a.0.cmp(&b.0))
    });
}

impl Download {
    /// Adds `peer` as a candidate (not this node, and not twice).
    pub(super) fn add_peer(&mut self, peer: PeerId) {
        if peer != self.handle.peer_id() && !self.peers.contains_key(&peer) {
            self.peers.insert(peer, Peer::new(self.opts.initial_window));
        }
    }

    /// Peers not banned that hold some of the content.
    pub(super) fn usable_peers(&self) -> usize {
        self.peers
            .values()
            .filter(|p| !p.banned && p.have.as_ref().is_some_and(|h| h.count_ones() > 0))
            .count()
    }

    /// Asks for bitfields where needed, then fills every peer's window.
    pub(super) fn schedule(&mut self) {
        let now = Instant::now();
        if std::mem::take(&mut self.focus_moved) {
            self.lift_busy_backoff(now);
        }
        let refresh = self.opts.refresh_interval;
        let root = self.meta.root;
        let mut have_requests = Vec::new();
        for (id, p) in &mut self.peers {
            if p.banned || p.have_pending || p.backed_off(now) {
                continue;
            }
            let stale = p.have_at.is_none_or(|t| now.duration_since(t) >= refresh);
            // Re-ask only peers with nothing useful left (they may be downloading).
            let idle = p.idle_at_generation.is_some() && p.in_flight == 0;
            if p.have_at.is_none() || (stale && (p.have.is_none() || idle)) {
                p.have_pending = true;
                have_requests.push(*id);
            }
        }
        for peer in have_requests {
            let fut = self.request(peer, Request::Have { root });
            self.pending
                .push(fut.map(move |result| Event::Have { peer, result }).boxed());
        }

        let mut order: Vec<(PeerId, Option<f64>)> = self
            .peers
            .iter()
            .filter(|(_, p)| {
                !p.banned
                    && !p.backed_off(now)
                    && p.have.is_some()
                    && p.idle_at_generation != Some(self.generation)
            })
            .map(|(id, p)| (*id, p.rate))
            .collect();
        sort_peers(&mut order, &self.opts.preference);
        // A stream asks for its first slice alone: the player waits for that one, and
        // sharing the link with the rest of a window delayed it by their transfer.
        let first_alone = self.stream_tx.is_some() && self.fetched == 0;
        for (peer, _) in order {
            while let Some(p) = self.peers.get(&peer) {
                if first_alone && !self.in_flight.is_empty() {
                    return;
                }
                let slice_bytes = u64::from(self.meta.slice_size) + weave_slices::TAG_LEN as u64;
                if (self.storing.len() as u64 + 1) * slice_bytes
                    > self.opts.max_storing_bytes.max(slice_bytes)
                {
                    return;
                }
                if p.in_flight >= p.window
                    || (p.in_flight > 0
                        && p.bytes_in_flight + slice_bytes > self.opts.max_bytes_in_flight_per_peer)
                {
                    break;
                }
                let Some(index) = self.pick(&peer) else {
                    let generation = self.generation;
                    if let Some(p) = self.peers.get_mut(&peer) {
                        p.idle_at_generation = Some(generation);
                    }
                    break;
                };
                self.send_get(peer, index, now);
            }
        }
    }

    /// After a seek: peers backed off because they answered `Busy` (or wanted our
    /// vouchers) are asked again at once, from the new focus, within their windows; the
    /// back-off (up to 1.6 s) would otherwise hold the seek up. Peers set aside after
    /// failures stay aside.
    fn lift_busy_backoff(&mut self, now: Instant) {
        for p in self.peers.values_mut() {
            if p.busy_streak > 0 && p.backed_off(now) {
                p.backoff_until = None;
            }
        }
    }

    /// The missing slices in the order they are wanted: from the focus (the slice a
    /// reader needs next) to the end, then from the start.
    fn wanted(&self) -> impl Iterator<Item = u64> + '_ {
        let focus = self.opts.focus_slice();
        self.missing
            .range(focus..)
            .chain(self.missing.range(..focus))
            .copied()
    }

    /// The first wanted slice `peer` holds that nobody has been asked for; failing
    /// that (end game), one asked of exactly one other peer.
    fn pick(&self, peer: &PeerId) -> Option<u64> {
        let p = self.peers.get(peer)?;
        let have = p.have.as_ref()?;
        let free = self
            .wanted()
            .find(|i| !self.in_flight.contains_key(i) && !self.storing.contains(i) && have.get(*i));
        if free.is_some() {
            return free;
        }
        let all_requested = self
            .missing
            .iter()
            .all(|i| self.in_flight.contains_key(i) || self.storing.contains(i));
        if !all_requested {
            return None;
        }
        self.wanted().find(|i| {
            self.in_flight.get(i) == Some(&1)
                && !self.storing.contains(i)
                && !p.requested.contains(i)
                && have.get(*i)
        })
    }

    /// Asks `peer` for slice `index`.
    fn send_get(&mut self, peer: PeerId, index: u64, now: Instant) {
        let bytes = ciphertext_len(&self.meta, index).unwrap_or(0);
        if let Some(p) = self.peers.get_mut(&peer) {
            p.idle_at_generation = None;
            p.in_flight += 1;
            p.bytes_in_flight += bytes;
            p.requested.insert(index);
        }
        *self.in_flight.entry(index).or_insert(0) += 1;
        let fut = self.request(
            peer,
            Request::Get {
                root: self.meta.root,
                index,
            },
        );
        self.pending.push(
            fut.map(move |result| Event::Slice {
                peer,
                index,
                sent: now,
                result,
            })
            .boxed(),
        );
    }

    /// A request for `index` is no longer outstanding.
    pub(super) fn settle(&mut self, peer: &PeerId, index: u64) {
        let bytes = ciphertext_len(&self.meta, index).unwrap_or(0);
        if let Some(p) = self.peers.get_mut(peer) {
            p.in_flight = p.in_flight.saturating_sub(1);
            p.bytes_in_flight = p.bytes_in_flight.saturating_sub(bytes);
            p.requested.remove(&index);
        }
        if let Some(n) = self.in_flight.get_mut(&index) {
            *n -= 1;
            if *n == 0 {
                self.in_flight.remove(&index);
                self.generation += 1;
            }
        }
    }

    /// A transport failure of `peer`: its window halves, and after
    /// [`DownloadOptions::max_failures`](crate::DownloadOptions::max_failures) in a row it is set aside for a while.
    pub(super) fn fail(&mut self, peer: &PeerId, now: Instant) {
        let (min, max) = (1, self.opts.max_failures);
        if let Some(p) = self.peers.get_mut(peer) {
            p.window = (p.window / 2).max(min);
            p.failures += 1;
            if p.failures >= max {
                // Set aside for a while and forget what it holds; it is asked again.
                p.backoff_until = Some(now + Duration::from_secs(2));
                p.have = None;
                p.have_at = None;
                p.failures = 0;
            }
        }
        self.generation += 1;
    }

    /// A `Have` answered: the peer's bitfield and payee, or why it has none.
    pub(super) fn on_have(
        &mut self,
        peer: PeerId,
        result: Result<Response, RequestError>,
        now: Instant,
    ) -> Result<(), DownloadError> {
        let root = self.meta.root;
        let count = self.meta.slice_count;
        let mut strike = false;
        let mut failed = false;
        let can_pay = self.opts.payer.is_some();
        if let Some(p) = self.peers.get_mut(&peer) {
            p.have_pending = false;
            p.have_at = Some(now);
            match result {
                Ok(Response::Bitfield {
                    root: r,
                    payee: Some(_),
                    ..
                }) if r == root && !can_pay => {
                    // It wants payment and this download cannot pay.
                    self.unpaid_refusals.insert(peer);
                    self.last_refusal = Some(ErrorCode::PaymentRequired);
                    p.have = None;
                    p.backoff_until = Some(now + Duration::from_secs(3600));
                }
                Ok(Response::Bitfield {
                    root: r,
                    payee,
                    bits,
                }) if r == root && bits.len() == count => {
                    p.have = Some(bits);
                    p.payee = payee;
                    p.idle_at_generation = None;
                    p.failures = 0;
                }
                Ok(Response::Error { code, .. }) => {
                    // Unknown content or busy: nothing to fetch now; asked again later.
                    self.last_refusal = Some(code);
                    p.have = None;
                    if code == ErrorCode::Busy {
                        p.backoff_until = Some(now + Duration::from_millis(200));
                    }
                }
                Ok(_) | Err(RequestError::Io(_)) => strike = true,
                Err(RequestError::Stopped) => return Err(DownloadError::Stopped),
                Err(RequestError::UnsupportedProtocol) => {
                    p.have = None;
                    p.backoff_until = Some(now + Duration::from_secs(3600));
                }
                Err(_) => failed = true,
            }
        }
        if strike {
            self.strike(&peer, "malformed bitfield");
        }
        if failed {
            self.fail(&peer, now);
        }
        self.generation += 1;
        Ok(())
    }

    /// A `Get` refused with `code`: back off a busy peer (or one waiting for our
    /// vouchers), forget what it does not hold, set it aside on other errors.
    pub(super) fn on_get_refused(
        &mut self,
        peer: &PeerId,
        index: u64,
        code: ErrorCode,
        now: Instant,
    ) {
        self.last_refusal = Some(code);
        match code {
            ErrorCode::Busy => {
                if let Some(p) = self.peers.get_mut(peer) {
                    p.busy_streak = (p.busy_streak + 1).min(6);
                    p.window = (p.window / 2).max(1);
                    let wait = Duration::from_millis(25 << p.busy_streak);
                    p.backoff_until = Some(now + wait);
                }
            }
            ErrorCode::SliceMissing | ErrorCode::OutOfRange => {
                if let Some(h) = self.peers.get_mut(peer).and_then(|p| p.have.as_mut()) {
                    h.clear(index);
                }
            }
            ErrorCode::UnknownContent => {
                if let Some(p) = self.peers.get_mut(peer) {
                    p.have = None;
                    p.have_at = Some(now);
                }
            }
            ErrorCode::PaymentRequired => {
                // Our vouchers are behind (in flight, or refused): wait for them.
                if let Some(p) = self.peers.get_mut(peer) {
                    p.busy_streak = (p.busy_streak + 1).min(6);
                    p.window = (p.window / 2).max(1);
                    p.backoff_until = Some(now + Duration::from_millis(25 << p.busy_streak));
                }
            }
            ErrorCode::Internal | ErrorCode::BadVoucher | ErrorCode::Other(_) => {
                self.fail(peer, now)
            }
        }
        self.generation += 1;
    }

    /// A slice arrived from `peer`, `bytes` long, `sent` when it was asked for: its
    /// measured throughput (an average of bytes per second) is updated.
    pub(super) fn measure(&mut self, peer: &PeerId, bytes: u64, sent: Instant, now: Instant) {
        if let Some(p) = self.peers.get_mut(peer) {
            let secs = now.duration_since(sent).as_secs_f64().max(1e-6);
            let sample = bytes as f64 / secs;
            p.rate = Some(p.rate.map_or(sample, |r| 0.7 * r + 0.3 * sample));
            p.failures = 0;
            p.busy_streak = 0;
        }
    }
}

#[cfg(test)]
mod order_tests {
    use super::*;

    #[test]
    fn measured_speed_first_then_reputation_then_peer_id() {
        let peers: Vec<PeerId> = (0..5).map(|_| PeerId::random()).collect();
        let preference = [(peers[0], 10u128), (peers[1], 500), (peers[2], 500)]
            .into_iter()
            .collect();
        let mut order = vec![
            (peers[0], None),
            (peers[1], None),
            (peers[2], Some(1.0e6)),
            (peers[3], Some(5.0e6)),
            (peers[4], None),
        ];
        sort_peers(&mut order, &preference);
        let got: Vec<PeerId> = order.iter().map(|(p, _)| *p).collect();
        // Measured: 3 (faster) then 2; unmeasured: 1 (reputation 500), 0 (10), 4 (none).
        assert_eq!(got, vec![peers[3], peers[2], peers[1], peers[0], peers[4]]);

        // Equally fast: the higher reputation first.
        let mut tie = vec![(peers[0], Some(2.0e6)), (peers[1], Some(2.0e6))];
        sort_peers(&mut tie, &preference);
        assert_eq!(tie[0].0, peers[1]);
    }
}
