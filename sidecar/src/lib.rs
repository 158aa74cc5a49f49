//! Weave's slice sidecar (DESIGN.md sections 5 and 8): a libp2p node that seeds
//! encrypted, Merkle-verified slices from a [`SliceStore`] and downloads them from
//! other seeders.
//!
//! - **Transport:** TCP + noise + yamux, and QUIC; identify; a private Kademlia DHT
//!   (`/weave/kad/1`) whose provider records, keyed by the content root, say who seeds
//!   what; gossipsub announcements on `weave/announce/1`.
//! - **Protocol:** `/weave/slice/1` over request-response with a hand-written,
//!   length-prefixed, size-bounded codec ([`protocol`]): `Have{root}` → `Bitfield`,
//!   `Get{root, index}` → `Slice{index, ciphertext, proof}`, or `Error{code, message}`.
//!   Each peer is held to a request rate (token bucket) and a cap on response bytes in
//!   flight; over either it is answered `Busy`, never queued without bound.
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
//! WEAVE_BENCH_BYTES=268435456 cargo bench -p weave-sidecar --bench transfer
//! ```
//! measures, on loopback: a transfer between two sidecars (default 1 GiB, set with
//! `WEAVE_BENCH_BYTES`), a plain tokio TCP echo of the same size, the single-core
//! crypto ceiling (`decrypt_slice` and leaf hashing with proof verification), and the
//! time to the first plaintext byte when streaming. It prints MiB/s figures.

// This crate is networking, not the state machine: libp2p hands out `HashMap`s and
// `HashSet`s, and rate limiting and throughput measurement need the wall clock. The
// workspace bans on those exist to keep consensus deterministic and do not apply here.
#![allow(clippy::disallowed_types, clippy::disallowed_methods)]

mod config;
mod download;
mod error;
mod handle;
mod limiter;
mod node;
pub mod payment;
pub mod protocol;

pub use config::{keypair_from_seed, loopback_tcp, Fault, Limits, SidecarConfig};
pub use download::{
    decrypt_to, DownloadOptions, DownloadReport, PeerReport, PlaintextStream, Progress,
};
pub use error::{DownloadError, RequestError, SidecarError};
pub use handle::{Sidecar, SidecarHandle};
pub use node::ANNOUNCE_TOPIC;

pub use libp2p::{identity::Keypair, Multiaddr, PeerId};
pub use weave_slices::{MetaHash, SliceStore, StoreOptions};
