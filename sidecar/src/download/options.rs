//! What a caller sets for one download.

use std::sync::Arc;
use std::time::Duration;

use libp2p::PeerId;
use tokio::sync::{mpsc, watch};

use super::report::Progress;
use super::stream::PlaintextStream;
use crate::payment::ChannelPayer;

/// Knobs for one download.
pub struct DownloadOptions {
    /// Outstanding requests a peer starts with (its window grows from here).
    pub initial_window: usize,
    /// The most outstanding requests to one peer.
    pub max_window: usize,
    /// The most response bytes outstanding from one peer (kept under the seeders'
    /// default limit so they do not answer `Busy`).
    pub max_bytes_in_flight_per_peer: u64,
    /// At most this many bytes of received slices may wait to be verified and written
    /// (at least one slice); beyond it no new request goes out, so a slow disk holds
    /// the network back rather than filling memory. One slice makes the download
    /// strictly "ask, store, ask the next".
    pub max_storing_bytes: u64,
    /// Strikes (bad slices, malformed responses) before a peer is banned.
    pub max_strikes: u32,
    /// Transport failures in a row before a peer is set aside for a while.
    pub max_failures: u32,
    /// Give up when no slice has been stored for this long.
    pub stall_timeout: Duration,
    /// How often to look for new peers and re-ask idle peers what they hold.
    pub refresh_interval: Duration,
    /// Seed the content (DHT provider record and announcement) once the first slice
    /// is stored.
    pub announce: bool,
    /// Where to report progress; the latest [`Progress`] is always there to read.
    pub progress: Option<watch::Sender<Progress>>,
    /// Write decrypted plaintext here strictly in slice order, as soon as each next
    /// slice is verified (before it is written, while the in-memory budget allows;
    /// else once stored). The first slice is asked for alone.
    pub stream: Option<PlaintextStream>,
    /// Pays seeders that want payment, slice by slice; shared so that lanes carry on
    /// across downloads on the same channel.
    pub payer: Option<Arc<std::sync::Mutex<ChannelPayer>>>,
    /// How much to prefer each peer before its speed is measured, and between peers
    /// equally fast: the chain's seeder reputation, higher first. Peers not listed
    /// come last.
    pub preference: std::collections::BTreeMap<PeerId, u128>,
    /// The slice a reader needs next (a player's position), followed as it moves:
    /// missing slices are asked for from there onwards first (what covers the
    /// position, then what lies ahead of it), and only then from the start.
    /// Without it, lowest index first.
    pub focus: Option<watch::Receiver<u64>>,
    /// Told the index of every slice present, in no set order: those the store held
    /// when the download started, then each one as it is verified and stored. For a
    /// reader that serves slices as they come rather than in order.
    pub present: Option<mpsc::UnboundedSender<u64>>,
}

impl Default for DownloadOptions {
    fn default() -> Self {
        DownloadOptions {
            initial_window: 4,
            max_window: 16,
            max_bytes_in_flight_per_peer: 32 << 20,
            max_storing_bytes: 256 << 20,
            max_strikes: 3,
            max_failures: 3,
            stall_timeout: Duration::from_secs(60),
            refresh_interval: Duration::from_millis(500),
            announce: true,
            progress: None,
            stream: None,
            payer: None,
            preference: std::collections::BTreeMap::new(),
            focus: None,
            present: None,
        }
    }
}

impl DownloadOptions {
    /// The slice the reader needs next (0 without a focus).
    pub(crate) fn focus_slice(&self) -> u64 {
        self.focus.as_ref().map_or(0, |f| *f.borrow())
    }
}

impl std::fmt::Debug for DownloadOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DownloadOptions")
            .field("initial_window", &self.initial_window)
            .field("max_window", &self.max_window)
            .field(
                "max_bytes_in_flight_per_peer",
                &self.max_bytes_in_flight_per_peer,
            )
            .field("max_storing_bytes", &self.max_storing_bytes)
            .field("max_strikes", &self.max_strikes)
            .field("max_failures", &self.max_failures)
            .field("stall_timeout", &self.stall_timeout)
            .field("refresh_interval", &self.refresh_interval)
            .field("announce", &self.announce)
            .field("progress", &self.progress.is_some())
            .field("stream", &self.stream.is_some())
            .field("payer", &self.payer.is_some())
            .field("preference", &self.preference.len())
            .field("focus", &self.focus_slice())
            .field("present", &self.present.is_some())
            .finish()
    }
}
