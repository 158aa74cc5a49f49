//! Verification and strikes: check each slice's header signature and the slice
//! against the root before it is stored; strike and ban peers that send bad slices
//! or malformed responses; keep evidence of signed bad slices for the chain.
//!
//! # Verification and penalties
//! Every slice arrives with the seeder's signature over its header
//! ([`weave_slices::header::sign_bytes`] of the root, the index, the ciphertext's leaf
//! hash and the proof as sent), made with the identity key its peer id embeds. The
//! signature is checked first, then the slice against the meta-hash
//! ([`MetaHash::verify_slice`](weave_slices::MetaHash::verify_slice), inside
//! [`SliceStore::put_slice`](weave_slices::SliceStore::put_slice)); only a slice that
//! passes both is written. A bad signature, a slice that does not verify, a response
//! for the wrong index, or a malformed, truncated or oversized response is a strike
//! against the peer; after [`DownloadOptions::max_strikes`](crate::DownloadOptions::max_strikes)
//! strikes the peer is banned for the rest of the download and nothing more it sends
//! is stored. The slice goes back in the pool and is fetched from another peer.
//!
//! # Evidence
//! A slice whose signature verifies but whose proof does not prove its leaf against
//! the root (the check `MsgReportBadSlice` makes on chain) is evidence against the
//! seeder: it is kept, once, in [`DownloadReport::bad_slices`](crate::DownloadReport::bad_slices)
//! and in the handle ([`SidecarHandle::bad_slice_evidence`](crate::SidecarHandle::bad_slice_evidence)).
//! A slice with a bad signature is only a strike: nothing ties it to the seeder.

use std::sync::Arc;

use futures::FutureExt;
use libp2p::PeerId;
use tokio::time::Instant;
use weave_slices::StoreError;

use super::state::{Download, Event, SignedHeader, Verdict};
use super::stream::{offer_to_stream, offer_verified};
use crate::error::{DownloadError, RequestError};
use crate::evidence::{header_signed_by, BadSliceEvidence};
use crate::node::plaintext_len;
use crate::protocol::Response;

impl Download {
    /// A strike against `peer`; at [`DownloadOptions::max_strikes`](crate::DownloadOptions::max_strikes)
    /// strikes it is banned for the rest of the download.
    pub(super) fn strike(&mut self, peer: &PeerId, why: &str) {
        let max = self.opts.max_strikes;
        if let Some(p) = self.peers.get_mut(peer) {
            p.strikes += 1;
            tracing::warn!(%peer, strikes = p.strikes, why, "peer struck");
            if p.strikes >= max && !p.banned {
                p.banned = true;
                tracing::warn!(%peer, "peer banned for this download");
            }
        }
        self.generation += 1;
    }

    /// A `Get` answered: a slice goes to be checked and stored, anything else is a
    /// refusal, a strike or a failure.
    pub(super) fn on_slice(
        &mut self,
        peer: PeerId,
        index: u64,
        sent: Instant,
        result: Result<Response, RequestError>,
        now: Instant,
    ) -> Result<(), DownloadError> {
        self.settle(&peer, index);
        let banned = self.peers.get(&peer).is_none_or(|p| p.banned);
        match result {
            Ok(Response::Slice {
                index: got,
                ciphertext,
                proof,
                signature,
            }) => {
                if got != index {
                    self.strike(&peer, "slice for another index");
                    return Ok(());
                }
                if banned || !self.missing.contains(&index) || self.storing.contains(&index) {
                    // A banned peer's slices are never stored; a duplicate from the
                    // end game is not needed.
                    return Ok(());
                }
                self.measure(&peer, ciphertext.len() as u64, sent, now);
                self.storing.insert(index);
                let store = self.store.clone();
                let meta = self.meta;
                let root = meta.root;
                let ciphertext = Arc::new(ciphertext);
                let stream = self
                    .stream_tx
                    .clone()
                    .map(|tx| (tx, self.stream_shared.clone()));
                self.pending.push(
                    async move {
                        let ct = ciphertext.clone();
                        let checked = tokio::task::spawn_blocking(move || {
                            // The header's signature first: a slice the seeder did not
                            // sign is not even looked at.
                            // Hashed once: the signature covers the leaf hash, and
                            // the store checks the same leaf against the root.
                            let slice = weave_slices::HashedSlice::new(&ct);
                            let header = SignedHeader {
                                ciphertext_hash: *slice.leaf(),
                                proof: proof.to_bytes(),
                                signature,
                            };
                            let signed = header_signed_by(
                                &peer,
                                &root,
                                index,
                                &header.ciphertext_hash,
                                &header.proof,
                                &header.signature,
                            );
                            if !signed {
                                return (header, Verdict::BadSignature, false);
                            }
                            // A streamed slice goes out as soon as it verifies, without
                            // waiting for its write and fsync (the first byte a player
                            // waits for included them).
                            let streamed = stream.as_ref().is_some_and(|(tx, shared)| {
                                meta.verify_hashed(index, &slice, &proof).is_ok()
                                    && offer_verified(tx, shared, index, &ct)
                            });
                            let stored = store.put_hashed(&root, index, &slice, &proof);
                            (header, Verdict::Store(stored), streamed)
                        })
                        .await;
                        let (header, verdict, streamed) = checked.unwrap_or_else(|e| {
                            let failed = StoreError::Io {
                                op: "store task",
                                path: std::path::PathBuf::new(),
                                source: std::io::Error::other(e.to_string()),
                            };
                            let header = SignedHeader {
                                ciphertext_hash: [0; 32],
                                proof: Vec::new(),
                                signature,
                            };
                            (header, Verdict::Store(Err(failed)), false)
                        });
                        Event::Stored {
                            peer,
                            index,
                            ciphertext,
                            header,
                            verdict,
                            streamed,
                        }
                    }
                    .boxed(),
                );
            }
            Ok(Response::Error { code, .. }) => self.on_get_refused(&peer, index, code, now),
            Ok(Response::Bitfield { .. } | Response::Paid { .. }) => {
                self.strike(&peer, "not a slice answering a slice request")
            }
            // Malformed, truncated or oversized responses.
            Err(RequestError::Io(e)) => self.strike(&peer, &e),
            Err(RequestError::Stopped) => return Err(DownloadError::Stopped),
            Err(_) => self.fail(&peer, now),
        }
        Ok(())
    }

    /// A received slice checked: stored (counted, paid for, streamed unless it already
    /// was), or refused (a strike, and evidence if it was signed).
    // Each argument is one part of the `Stored` event.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn on_stored(
        &mut self,
        peer: PeerId,
        index: u64,
        ciphertext: Arc<Vec<u8>>,
        header: SignedHeader,
        verdict: Verdict,
        streamed: bool,
        now: Instant,
    ) -> Result<(), DownloadError> {
        self.storing.remove(&index);
        let bytes = ciphertext.len() as u64;
        let result = match verdict {
            Verdict::Store(result) => result,
            Verdict::BadSignature => {
                self.handle.stats().failed();
                self.rejected += 1;
                self.generation += 1;
                self.strike(&peer, "slice header not signed by the seeder");
                return Ok(());
            }
        };
        match result {
            Ok(_) => {
                self.handle.stats().verified(bytes);
                self.missing.remove(&index);
                self.fetched += 1;
                self.bytes_fetched += bytes;
                self.last_progress = now;
                let window = self.opts.max_window;
                if let Some(p) = self.peers.get_mut(&peer) {
                    p.slices += 1;
                    p.bytes += bytes;
                    p.window = (p.window + 1).min(window);
                }
                self.pay(peer, plaintext_len(&self.meta, index));
                if let Some(tx) = self.stream_tx.as_ref().filter(|_| !streamed) {
                    offer_to_stream(tx, &self.stream_shared, index, ciphertext);
                }
                if let Some(tx) = &self.opts.present {
                    let _ = tx.send(index);
                }
                if self.opts.announce && !self.announced {
                    self.announced = true;
                    let handle = self.handle.clone();
                    let root = self.meta.root;
                    self.pending.push(
                        async move {
                            if let Err(e) = handle.seed(root).await {
                                tracing::debug!(error = %e, "announcing a download");
                            }
                            Event::Ignored
                        }
                        .boxed(),
                    );
                }
                Ok(())
            }
            Err(StoreError::Rejected { source, .. }) => {
                self.handle.stats().failed();
                self.rejected += 1;
                self.generation += 1;
                self.strike(&peer, &source.to_string());
                self.keep_evidence(peer, index, header);
                Ok(())
            }
            Err(e) => Err(DownloadError::Store(e)),
        }
    }

    /// A signed slice that the store refused: evidence for the chain if its proof does
    /// not prove its leaf at `index` of this content against the root, the check the
    /// chain makes (anything else the store refuses for is only the strike).
    fn keep_evidence(&mut self, peer: PeerId, index: u64, header: SignedHeader) {
        let root = self.meta.root;
        let proves = weave_slices::MerkleProof::from_bytes(&header.proof).is_ok_and(|p| {
            p.index == index
                && p.leaf_count == self.meta.slice_count
                && p.verify(&root, &header.ciphertext_hash)
        });
        if proves {
            return;
        }
        let evidence = BadSliceEvidence {
            seeder: peer,
            content_root: root,
            slice_index: index,
            ciphertext_hash: header.ciphertext_hash,
            proof: header.proof,
            signature: header.signature,
        };
        tracing::warn!(%peer, index, "evidence of a bad slice kept");
        self.handle.record_evidence(evidence.clone());
        if !self.bad_slices.contains(&evidence) {
            self.bad_slices.push(evidence);
        }
    }
}
