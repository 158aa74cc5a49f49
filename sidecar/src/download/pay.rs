//! Payment: a voucher for each verified slice from a seeder that wants payment,
//! refused vouchers sent again, and the last vouchers awaited at the end.
//!
//! A seeder that wants to be paid says so with its bitfield (its payout address and
//! credit window). With a [`ChannelPayer`](crate::payment::ChannelPayer) in
//! [`DownloadOptions::payer`](crate::DownloadOptions::payer), each slice from such a
//! seeder is paid for once it has verified and been stored: the seeder is sent a new
//! cumulative voucher for the slice's plaintext bytes. A slice that failed
//! verification, or a duplicate from the end game, is never paid for. Without a payer
//! such seeders are not asked for slices; if they are the only ones, the download
//! fails with [`DownloadError::PaymentRequired`].

use std::time::Duration;

use futures::{FutureExt, StreamExt};
use libp2p::PeerId;
use tokio::time::Instant;
use weave_kernel::Address;
use weave_proto::weave::channels::v1::SignedVoucher;

use super::state::{Download, Event};
use crate::error::{DownloadError, RequestError};
use crate::protocol::{ErrorCode, Request, Response};

/// How long a download without a payer waits for a free seeder when only seeders that
/// want payment have answered.
const FREE_SEEDER_WAIT: Duration = Duration::from_secs(5);
/// How often a refused voucher's lane is paid again, and after how long.
const MAX_VOUCHER_RESENDS: u32 = 20;
const VOUCHER_RESEND_AFTER: Duration = Duration::from_secs(1);
/// How long a finished download waits for its last vouchers to be answered.
const PAYMENT_DRAIN: Duration = Duration::from_secs(10);

impl Download {
    /// Waits (briefly) for the vouchers still on their way, so that the seeders of
    /// the last slices are paid for them too.
    pub(super) async fn finish_payments(&mut self) {
        let payments = std::mem::take(&mut self.payments);
        if payments.is_empty() {
            return;
        }
        let all = payments.collect::<Vec<Event>>();
        match tokio::time::timeout(PAYMENT_DRAIN, all).await {
            Ok(events) => {
                for event in events {
                    if let Event::Paid {
                        peer,
                        result,
                        resent,
                    } = event
                    {
                        self.on_paid(peer, result, resent);
                    }
                }
            }
            Err(_) => tracing::warn!("vouchers still unanswered when the download ended"),
        }
    }

    /// The error of a download that only seeders wanting payment could serve.
    pub(super) fn payment_required(&self) -> DownloadError {
        DownloadError::PaymentRequired {
            root: self.meta.root,
            seeders: self.unpaid_refusals.len(),
        }
    }

    /// Without a payer, fails once only seeders that want payment hold the content.
    pub(super) fn check_free_seeders(&self, now: Instant) -> Result<(), DownloadError> {
        if self.opts.payer.is_some()
            || self.unpaid_refusals.is_empty()
            || now.duration_since(self.started) < FREE_SEEDER_WAIT
            || self.usable_peers() > 0
            || self.peers.values().any(|p| p.have_pending)
        {
            return Ok(());
        }
        Err(self.payment_required())
    }

    /// A voucher answered: accepted, or refused (and then perhaps sent again).
    pub(super) fn on_paid(
        &mut self,
        peer: PeerId,
        result: Result<Response, RequestError>,
        resent: bool,
    ) {
        if resent {
            if let Some(p) = self.peers.get_mut(&peer) {
                p.resend_pending = false;
            }
        }
        match result {
            Ok(Response::Paid { .. }) => {
                if let Some(p) = self.peers.get_mut(&peer) {
                    p.resends = 0;
                }
            }
            Ok(Response::Error { code, message }) => {
                self.vouchers_refused += 1;
                tracing::warn!(%peer, %code, message, "seeder refused a voucher");
                // The seeder may not have seen the channel yet (its node behind the
                // chain) or be busy checking: the lane's latest voucher goes again a
                // little later — one at a time, a bounded number of times in a row.
                let resend = matches!(code, ErrorCode::BadVoucher | ErrorCode::Busy)
                    && self
                        .peers
                        .get(&peer)
                        .is_some_and(|p| !p.resend_pending && p.resends < MAX_VOUCHER_RESENDS);
                if resend && self.resend_latest(peer) {
                    if let Some(p) = self.peers.get_mut(&peer) {
                        p.resends += 1;
                        p.resend_pending = true;
                    }
                }
            }
            Ok(_) => self.strike(&peer, "answered a voucher with neither Paid nor an error"),
            Err(e) => tracing::debug!(%peer, error = %e, "sending a voucher"),
        }
    }

    /// Sends `peer`'s lane's latest voucher again, after [`VOUCHER_RESEND_AFTER`].
    fn resend_latest(&mut self, peer: PeerId) -> bool {
        let (Some(payee), Some(payer)) = (
            self.peers.get(&peer).and_then(|p| p.payee),
            self.opts.payer.as_ref(),
        ) else {
            return false;
        };
        let signed = payer
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .latest(Address::new(payee.address), self.meta.root);
        match signed {
            Some(signed) => self.send_voucher(peer, signed, Some(VOUCHER_RESEND_AFTER)),
            None => false,
        }
    }

    /// Pays `peer` for a stored slice of `bytes` plaintext bytes, if it wants payment.
    pub(super) fn pay(&mut self, peer: PeerId, bytes: u64) {
        let (Some(payee), Some(payer)) = (
            self.peers.get(&peer).and_then(|p| p.payee),
            self.opts.payer.as_ref(),
        ) else {
            return;
        };
        let signed = {
            let mut payer = payer
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            payer.pay(Address::new(payee.address), self.meta.root, bytes)
        };
        let Some(signed) = signed else {
            tracing::warn!(%peer, "voucher amounts overflow; not paying");
            return;
        };
        self.send_voucher(peer, signed, None);
    }

    /// Sends a voucher to `peer`, now or after `delay`; false if it cannot be sent.
    fn send_voucher(
        &mut self,
        peer: PeerId,
        signed: SignedVoucher,
        delay: Option<Duration>,
    ) -> bool {
        let mut signature = [0u8; crate::protocol::SIGNATURE_LEN];
        if signed.signature.len() != signature.len() {
            return false;
        }
        signature.copy_from_slice(&signed.signature);
        let fut = self.request(
            peer,
            Request::Pay {
                voucher: signed.voucher,
                signature,
            },
        );
        self.payments.push(
            async move {
                if let Some(d) = delay {
                    tokio::time::sleep(d).await;
                }
                Event::Paid {
                    peer,
                    result: fut.await,
                    resent: delay.is_some(),
                }
            }
            .boxed(),
        );
        true
    }
}
