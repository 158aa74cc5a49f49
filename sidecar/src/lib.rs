//! Weave's slice sidecar (DESIGN.md sections 5 and 8): a libp2p node that seeds
//! encrypted, Merkle-verified slices from a [`SliceStore`] and downloads them from
//! other seeders.
//!
//! - **Transport:** TCP + noise + yamux, and QUIC; identify; a private Kademlia DHT
//!   (`/weave/kad/1`) whose provider records, keyed by the content root, say who seeds
//!   what; gossipsub announcements on `weave/announce/1`.
//! - **Protocol:** `/weave/slice/1` over request-response with a hand-written,
//!   length-prefixed, size-bounded codec ([`protocol`]): `Have{root}` → `Bitfield`,
//!   `Get{root, index}` or `Probe{root, index}` →
//!   `Slice{index, ciphertext, proof, signature}`, or `Error{code, message}`.
//!   Each peer is held to a request rate (token bucket) and a cap on response bytes in
//!   flight; over either it is answered `Busy`, never queued without bound.
//! - **Signed slices:** every slice served carries the seeder's ed25519 signature, by
//!   its libp2p identity key, over [`weave_slices::header::sign_bytes`] of the root,
//!   the index, the leaf hash of the ciphertext sent and the proof sent. A downloader
//!   checks it with the key the seeder's peer id embeds ([`peer_public_key`]) before
//!   anything else: a slice with a bad signature is a strike against the peer and
//!   nothing more. A slice whose signature verifies but whose proof does not prove its
//!   leaf against the root is [`BadSliceEvidence`], which the chain slashes the seeder
//!   for: each download returns what it saw in [`DownloadReport::bad_slices`], and the
//!   handle keeps the last [`MAX_EVIDENCE_KEPT`] for the node
//!   ([`SidecarHandle::bad_slice_evidence`]).
//! - **Availability probes:** [`SidecarHandle::probe`] asks a seeder (dialing it at the
//!   given addresses if not connected) for one slice with a `Probe` request and checks
//!   the answer: that slice, signed by that seeder, proving against the root, all
//!   within a timeout ([`ProbeOutcome`]). Validators probe seeders, so a seeder answers
//!   a `Probe` like a `Get` but free: nothing is charged to the peer's payment credit
//!   and no voucher is needed, even from a seeder that wants payment. Free service is
//!   bounded: probes count against the peer's request rate and bytes in flight like any
//!   request, and on top a seeder answers at most
//!   [`Limits::probes_per_peer_per_minute`] probes per peer (default 64) and
//!   [`Limits::probes_per_minute`] in all (default 1024) per minute, answering `Busy`
//!   beyond, which the prober reports as a failure.
//! - **Paying:** a seeder configured with [`payment::SeederPayments`] names its payout
//!   address and credit window in its bitfield and serves a peer only up to that
//!   window beyond the peer's latest voucher (`Pay{voucher}` → `Paid`, checked by the
//!   node's [`payment::VoucherCheck`]); a download with a [`payment::ChannelPayer`]
//!   pays each verified slice with a cumulative voucher.
//! - **Seeding:** everything in the store is served, partial content included, so a
//!   node serves slices of a download while it is still downloading.
//!   [`SidecarHandle::seed`] makes content findable.
//! - **Downloading:** [`SidecarHandle::download`] fetches from every peer that has the
//!   content, verifies each slice before storing it, penalises and bans peers that
//!   send bad slices, resumes from the store, and can stream plaintext out in order
//!   ([`PlaintextStream`]). [`decrypt_to`] decrypts complete content from the store.
//!
//! ```no_run
//! # async fn demo(meta: weave_slices::MetaHash, seeder: libp2p::Multiaddr) -> anyhow::Result<()> {
//! use weave_sidecar::{DownloadOptions, Sidecar, SidecarConfig};
//! let node = Sidecar::start(SidecarConfig::new("/var/lib/weave/slices")).await?;
//! node.dial(seeder).await?;
//! let report = node.download(meta, DownloadOptions::default()).await?;
//! println!("{} slices in {:?}", report.slices_fetched, report.elapsed);
//! node.shutdown().await?;
//! # Ok(()) }
//! ```
//!
//! # Benchmark
//! ```text
//! cargo bench -p weave-sidecar --bench transfer
//! WEAVE_BENCH_BYTES=268435456 WEAVE_BENCH_FSYNC=0 cargo bench -p weave-sidecar --bench transfer
//! ```
//! measures, on loopback: the single-core crypto ceiling (`decrypt_slice`, the AEAD
//! open, plus leaf hashing and proof verification, the BLAKE3 check; best of three), a
//! plain tokio TCP echo, and then downloads of the whole content (default 1 GiB of
//! 1 MiB slices, `WEAVE_BENCH_BYTES`) by fresh sidecars from a seeder, over QUIC and
//! over TCP + noise + yamux: plain (every slice verified and stored, fsync per slice
//! unless `WEAVE_BENCH_FSYNC=0`) and streaming (every slice also decrypted and written
//! out in order; with the time to the first plaintext byte). Each figure comes with
//! the cores it kept busy and the CPU milliseconds it cost per MiB. Both sidecars run
//! in the bench's one process, on one tokio runtime (a worker per core), so the
//! seeder's and the downloader's work share the machine's cores; between two real
//! machines each side would have its own. The bench's own docs list its other knobs.
//!
//! Five full runs at the defaults on a 2-core KVM guest (Xeon with AES-NI, VAES and
//! AVX-512; the machine otherwise idle, as the printed machine-wide load showed):
//!
//! | figure (1 GiB, fsync on)          | range over 5 runs       | median        |
//! |-----------------------------------|-------------------------|---------------|
//! | crypto ceiling, 1 core            | 761 – 772 MiB/s         | 768 MiB/s     |
//! | download, TCP + noise + yamux     | 256 – 395 MiB/s (33–52%)| 324 MiB/s, 42%|
//! | streaming, TCP + noise + yamux    | 242 – 319 MiB/s (32–42%)| 294 MiB/s, 38%|
//! | download, QUIC                    | 196 – 225 MiB/s (26–30%)| 201 MiB/s, 26%|
//! | streaming, QUIC                   | 173 – 209 MiB/s (23–27%)| 200 MiB/s, 26%|
//! | first plaintext byte (TCP / QUIC) | 14 – 24 ms / 15 – 32 ms | 20 ms / 23 ms |
//!
//! (Percentages are of the ceiling. The code before this round of tuning, under the
//! same bench on an equally quiet machine, gave 240 – 312 MiB/s plain and
//! 214 – 267 MiB/s streaming over TCP, at 5.2 – 6.9 ms of CPU per MiB.)
//!
//! A download now costs 4.4 – 6.5 ms of CPU per MiB over TCP (streaming 5.3 – 7.1)
//! and 7.0 – 8.4 over QUIC, with 1.7 – 1.8 of the 2 cores busy. The spread between
//! runs is the guest's memory: every download writes a fresh GiB into the page cache,
//! and on this VM that costs from 0.5 to about 2.5 ms per MiB, depending on whether
//! the host has the pages backed. Where the time goes (perf, TCP, per MiB): noise's
//! ChaCha20-Poly1305 seal and open about 1.3 ms, kernel TCP on both ends about 1 ms,
//! writing and fsyncing the slice 0.5 – 2.5 ms, BLAKE3 0.2 ms on each side, and yamux
//! copies, per-request streams, timers and task wake-ups (about 26 context switches
//! per slice) about 1 ms; streaming adds `decrypt_slice`, 1.1 ms at its 920 MiB/s.
//!
//! Half the ceiling is about 384 MiB/s. Two fully busy cores then have 5.2 ms per MiB
//! for both ends together, 4.5 ms at the 1.75 cores the pipeline keeps busy. The plain
//! download fits only when page-cache writes are cheap (4.4 ms/MiB, 52%, in the best
//! run). Streaming does not fit on 2 shared cores: its crypto and kernel work alone
//! (noise both ways, TCP, BLAKE3, `decrypt_slice`) is about 4 ms per MiB, and with
//! the cheapest storing and libp2p's overhead it needs about 5.3 ms.
//!
//! QUIC is slower here because libp2p-tls offers ChaCha20-Poly1305 first, so QUIC
//! encrypts with the same cipher as noise and adds per-packet costs on top (the
//! AES-GCM suites, cheap with AES-NI, are never chosen between two libp2p nodes).
//! Dialing is therefore left as it is, with no preference for QUIC addresses.

// This crate is networking, not the state machine: libp2p hands out `HashMap`s and
// `HashSet`s, and rate limiting and throughput measurement need the wall clock. The
// workspace bans on those exist to keep consensus deterministic and do not apply here.
#![allow(clippy::disallowed_types, clippy::disallowed_methods)]

#[cfg(feature = "node")]
mod config;
#[cfg(feature = "node")]
mod download;
#[cfg(feature = "node")]
mod error;
#[cfg(feature = "node")]
mod evidence;
#[cfg(feature = "node")]
mod handle;
#[cfg(feature = "node")]
mod limiter;
#[cfg(feature = "node")]
mod node;
pub mod payment;
pub mod protocol;
#[cfg(feature = "node")]
mod stats;

#[cfg(feature = "node")]
pub use config::{keypair_from_seed, loopback_tcp, Fault, Limits, SidecarConfig};
#[cfg(feature = "node")]
pub use download::{
    decrypt_to, DownloadOptions, DownloadReport, PeerReport, PlaintextStream, Progress,
};
#[cfg(feature = "node")]
pub use error::{DownloadError, RequestError, SidecarError};
#[cfg(feature = "node")]
pub use evidence::{header_signed_by, peer_public_key, BadSliceEvidence, MAX_EVIDENCE_KEPT};
#[cfg(feature = "node")]
pub use handle::{ProbeOutcome, Sidecar, SidecarHandle};
#[cfg(feature = "node")]
pub use node::ANNOUNCE_TOPIC;
#[cfg(feature = "node")]
pub use stats::{SidecarStats, StatsSnapshot};

#[cfg(feature = "node")]
pub use libp2p::{identity::Keypair, Multiaddr, PeerId};
pub use weave_slices::{MetaHash, SliceStore, StoreOptions};
