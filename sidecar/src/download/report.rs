//! What a download tells its caller: progress while it runs, a report at the end.

use std::time::Duration;

use libp2p::PeerId;

use crate::evidence::BadSliceEvidence;

/// Where a download stands.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Progress {
    /// Slices present (including those present before the download started).
    pub slices_done: u64,
    /// Slices in the content.
    pub slices_total: u64,
    /// Ciphertext bytes fetched by this download.
    pub bytes_fetched: u64,
    /// Average fetch rate of this download, bytes per second.
    pub bytes_per_sec: u64,
    /// Peers currently usable.
    pub peers_active: usize,
    /// Peers banned for bad slices.
    pub peers_banned: usize,
    /// Slices refused because they did not verify (or their header signature did not).
    pub slices_rejected: u64,
    /// Plaintext bytes written to the stream, if streaming.
    pub plaintext_written: u64,
}

/// What one peer contributed to a download.
#[derive(Debug, Clone, PartialEq)]
pub struct PeerReport {
    /// The peer.
    pub peer: PeerId,
    /// Verified slices stored from it.
    pub slices: u64,
    /// Ciphertext bytes of those slices.
    pub bytes: u64,
    /// Strikes against it (bad slices or malformed responses).
    pub strikes: u32,
    /// Whether it was banned.
    pub banned: bool,
    /// Its measured throughput, bytes per second (0 if never measured).
    pub bytes_per_sec: u64,
}

/// How a download went.
#[derive(Debug, Clone, PartialEq)]
pub struct DownloadReport {
    /// The content root.
    pub root: [u8; 32],
    /// Slices in the content.
    pub slices_total: u64,
    /// Slices already in the store when the download started.
    pub already_present: u64,
    /// Slices fetched by this download.
    pub slices_fetched: u64,
    /// Ciphertext bytes fetched by this download.
    pub bytes_fetched: u64,
    /// Slices refused because they did not verify (or their header signature did not).
    pub slices_rejected: u64,
    /// The refused slices whose seeder signed them: evidence to report on chain.
    pub bad_slices: Vec<BadSliceEvidence>,
    /// Plaintext bytes written to the stream (0 without one).
    pub plaintext_written: u64,
    /// How long the download took.
    pub elapsed: Duration,
    /// Every peer that was asked, by peer id.
    pub peers: Vec<PeerReport>,
}

impl DownloadReport {
    /// The peers banned during the download.
    pub fn banned(&self) -> Vec<PeerId> {
        self.peers
            .iter()
            .filter(|p| p.banned)
            .map(|p| p.peer)
            .collect()
    }

    /// What `peer` contributed, if it was asked at all.
    pub fn peer(&self, peer: &PeerId) -> Option<&PeerReport> {
        self.peers.iter().find(|p| p.peer == *peer)
    }
}
