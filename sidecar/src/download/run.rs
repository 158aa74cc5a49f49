//! The download's event loop: set up, find peers, then schedule, wait for whatever
//! finishes next and hand it to its handler, until nothing is missing.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use futures::stream::FuturesUnordered;
use futures::StreamExt;
use libp2p::PeerId;
use tokio::sync::mpsc;
use tokio::time::Instant;
use weave_slices::MetaHash;

use super::options::DownloadOptions;
use super::report::DownloadReport;
use super::state::{Download, Event};
use super::stream::{spawn_streamer, AbortOnDrop, StreamShared};
use crate::error::{DownloadError, SidecarError};
use crate::handle::SidecarHandle;
use crate::node::Command;
use crate::protocol::ErrorCode;

impl SidecarHandle {
    /// Downloads the content `meta` names into the store, from every peer that has
    /// it, verifying every slice before storing it. Resumes from whatever the store
    /// already holds. Dropping the returned future cancels the download; slices
    /// already stored stay stored. See [`DownloadOptions`] for streaming plaintext
    /// out as it arrives, and progress reports.
    pub async fn download(
        &self,
        meta: MetaHash,
        options: DownloadOptions,
    ) -> Result<DownloadReport, DownloadError> {
        run_download(self.clone(), meta, options).await
    }
}

/// Runs one download to the end (see [`SidecarHandle::download`]).
async fn run_download(
    handle: SidecarHandle,
    meta: MetaHash,
    mut opts: DownloadOptions,
) -> Result<DownloadReport, DownloadError> {
    let store = handle.store().clone();
    let present = {
        let store = store.clone();
        tokio::task::spawn_blocking(move || {
            store.create(&meta)?;
            store.bitfield(&meta.root)
        })
        .await
        .map_err(|_| DownloadError::Stopped)??
    };
    let now = Instant::now();
    let stream_shared = Arc::new(StreamShared::default());
    let mut streamer = None;
    let mut stream_tx = None;
    if let Some(out) = opts.stream.take() {
        let (task, tx) = spawn_streamer(
            store.clone(),
            meta,
            out,
            present.clone(),
            stream_shared.clone(),
        );
        stream_tx = Some(tx);
        streamer = Some(task);
    }
    if let Some(tx) = &opts.present {
        for index in present.ones() {
            // A reader gone away is not the download's concern.
            let _ = tx.send(index);
        }
    }
    opts.initial_window = opts.initial_window.max(1);
    opts.max_window = opts.max_window.max(opts.initial_window);
    let mut d = Download {
        handle,
        store,
        meta,
        opts,
        missing: present.zeros().collect(),
        in_flight: BTreeMap::new(),
        storing: BTreeSet::new(),
        peers: BTreeMap::new(),
        pending: FuturesUnordered::new(),
        payments: FuturesUnordered::new(),
        generation: 0,
        started: now,
        last_progress: now,
        already_present: present.count_ones(),
        fetched: 0,
        bytes_fetched: 0,
        rejected: 0,
        bad_slices: Vec::new(),
        announced: present.count_ones() > 0,
        last_refusal: None,
        focus_moved: false,
        unpaid_refusals: BTreeSet::new(),
        vouchers_refused: 0,
        stream_tx,
        stream_shared,
    };
    d.fetch_all(&mut streamer).await?;
    // Complete: let the streamer drain, then report.
    d.stream_tx = None;
    if let Some(mut s) = streamer {
        (&mut s.0).await.map_err(|_| DownloadError::Stopped)??;
    }
    d.publish_progress();
    Ok(d.report())
}

impl Download {
    /// Fetches until nothing is missing. `streamer` is taken (set to `None`) if it
    /// ends while fetching.
    async fn fetch_all(
        &mut self,
        streamer: &mut Option<AbortOnDrop<Result<u64, DownloadError>>>,
    ) -> Result<(), DownloadError> {
        if self.missing.is_empty() {
            return Ok(());
        }
        let mut providers = Self::find_providers(self.handle.clone(), self.meta.root).await?;
        self.discover().await?;
        let mut tick = tokio::time::interval(self.opts.refresh_interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut ticks = 0u64;
        // A moved focus is scheduled at once (its own clone: the loop borrows `self`).
        let mut focus = self.opts.focus.clone();
        while !self.missing.is_empty() {
            self.schedule();
            self.publish_progress();
            if self.last_progress.elapsed() > self.opts.stall_timeout {
                if self.last_refusal == Some(ErrorCode::PaymentRequired) {
                    return Err(self.payment_required());
                }
                return Err(DownloadError::Stalled {
                    root: self.meta.root,
                    missing: self.missing.len() as u64,
                    peers: self.peers.len(),
                    last_refusal: self.last_refusal,
                });
            }
            tokio::select! {
                Some(event) = self.pending.next(), if !self.pending.is_empty() => {
                    self.on_event(event)?;
                }
                Some(event) = self.payments.next(), if !self.payments.is_empty() => {
                    self.on_event(event)?;
                }
                found = async {
                    match providers.as_mut() {
                        Some(rx) => rx.recv().await,
                        None => std::future::pending().await,
                    }
                } => match found {
                    Some(peer) => self.add_peer(peer),
                    None => providers = None,
                },
                moved = async {
                    match focus.as_mut() {
                        Some(f) => f.changed().await,
                        None => std::future::pending().await,
                    }
                } => {
                    if moved.is_err() {
                        // The reader went away: the focus stays where it was.
                        focus = None;
                    } else {
                        self.focus_moved = true;
                    }
                }
                _ = tick.tick() => {
                    ticks += 1;
                    self.check_free_seeders(Instant::now())?;
                    self.discover().await?;
                    // Look the providers up again now and then while peers are scarce.
                    if providers.is_none() && ticks.is_multiple_of(20) && self.usable_peers() == 0 {
                        providers = Self::find_providers(self.handle.clone(), self.meta.root).await?;
                    }
                }
                done = async {
                    match streamer.as_mut() {
                        Some(s) => (&mut s.0).await,
                        None => std::future::pending().await,
                    }
                } => {
                    // The streamer ends early only on an error.
                    *streamer = None;
                    done.map_err(|_| DownloadError::Stopped)??;
                }
            }
        }
        self.finish_payments().await;
        Ok(())
    }

    /// Starts a DHT provider lookup; providers arrive on the returned channel. (Takes
    /// the handle rather than `&self` so that no borrow of the download, which is not
    /// `Sync`, is held across the await.)
    async fn find_providers(
        handle: SidecarHandle,
        root: [u8; 32],
    ) -> Result<Option<mpsc::Receiver<PeerId>>, DownloadError> {
        let (found, rx) = mpsc::channel(64);
        handle
            .send(Command::FindProviders { root, found })
            .await
            .map_err(|_| DownloadError::Stopped)?;
        Ok(Some(rx))
    }

    /// Adds connected peers and gossip announcers.
    async fn discover(&mut self) -> Result<(), DownloadError> {
        let stopped = |_: SidecarError| DownloadError::Stopped;
        for peer in self.handle.connected_peers().await.map_err(stopped)? {
            self.add_peer(peer);
        }
        for peer in self
            .handle
            .announced(self.meta.root)
            .await
            .map_err(stopped)?
        {
            self.add_peer(peer);
        }
        Ok(())
    }

    fn on_event(&mut self, event: Event) -> Result<(), DownloadError> {
        let now = Instant::now();
        match event {
            Event::Ignored => {}
            Event::Have { peer, result } => self.on_have(peer, result, now)?,
            Event::Slice {
                peer,
                index,
                sent,
                result,
            } => self.on_slice(peer, index, sent, result, now)?,
            Event::Stored {
                peer,
                index,
                ciphertext,
                header,
                verdict,
                streamed,
            } => self.on_stored(peer, index, ciphertext, header, verdict, streamed, now)?,
            Event::Paid {
                peer,
                result,
                resent,
            } => self.on_paid(peer, result, resent),
        }
        self.check_free_seeders(now)
    }
}
