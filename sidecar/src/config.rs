//! How a sidecar is set up: addresses, identity, store and limits.

use std::path::PathBuf;
use std::time::Duration;

use libp2p::{identity::Keypair, Multiaddr};
use weave_slices::StoreOptions;

/// Everything [`crate::Sidecar::start`] needs.
#[derive(Debug, Clone)]
pub struct SidecarConfig {
    /// Addresses to listen on (`/ip4/127.0.0.1/tcp/0` picks a free port; read the
    /// result back with [`crate::SidecarHandle::listen_addrs`]).
    pub listen: Vec<Multiaddr>,
    /// Peers to dial at start; they also seed the Kademlia routing table.
    pub bootstrap: Vec<Multiaddr>,
    /// The node's identity. [`keypair_from_seed`] derives a stable one.
    pub keypair: Keypair,
    /// Where the slice store lives.
    pub store_dir: PathBuf,
    /// How the store makes writes durable.
    pub store_options: StoreOptions,
    /// Bounds on what peers may ask of this node.
    pub limits: Limits,
    /// Whether and how this node wants to be paid for what it serves; `None` serves
    /// for free.
    pub payments: Option<crate::payment::SeederPayments>,
    /// Test hook: misbehave on purpose. Not for production use.
    #[doc(hidden)]
    pub fault: Option<Fault>,
}

impl SidecarConfig {
    /// A configuration with a fresh random identity, listening on a free TCP port of
    /// 127.0.0.1, with the store in `store_dir` and default limits.
    pub fn new(store_dir: impl Into<PathBuf>) -> SidecarConfig {
        SidecarConfig {
            listen: vec![loopback_tcp()],
            bootstrap: Vec::new(),
            keypair: Keypair::generate_ed25519(),
            store_dir: store_dir.into(),
            store_options: StoreOptions::default(),
            limits: Limits::default(),
            payments: None,
            fault: None,
        }
    }
}

/// `/ip4/127.0.0.1/tcp/0`.
pub fn loopback_tcp() -> Multiaddr {
    Multiaddr::from(std::net::Ipv4Addr::LOCALHOST).with(libp2p::multiaddr::Protocol::Tcp(0))
}

/// An ed25519 identity whose secret key is the 32-byte `seed` (the same seed, the same
/// peer id).
pub fn keypair_from_seed(seed: [u8; 32]) -> Keypair {
    let mut secret = seed;
    // The buffer is zeroed by the call.
    match Keypair::ed25519_from_bytes(&mut secret) {
        Ok(k) => k,
        // Its only failure is a secret of a length other than 32, which the argument's
        // type rules out.
        Err(e) => unreachable!("a 32-byte ed25519 secret was refused: {e}"),
    }
}

/// Per-peer and per-node bounds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Requests a peer may make per second, on average (token bucket refill rate).
    pub requests_per_sec: u32,
    /// Requests a peer may make in a burst (token bucket size).
    pub request_burst: u32,
    /// Response bytes a peer may have in flight (being read from disk or sent) at
    /// once. Beyond it the peer is answered `Busy`.
    pub max_bytes_in_flight_per_peer: u64,
    /// Concurrent request-response streams per connection.
    pub max_concurrent_streams: usize,
    /// How long an outbound request may take before it fails.
    pub request_timeout: Duration,
    /// How long a connection with no open stream is kept.
    pub idle_connection_timeout: Duration,
    /// Availability probes one peer may make per minute (answered `Busy` beyond, which
    /// the prober counts as a failure). Probes are served free, so this bounds what a
    /// peer gets without paying; it must stay above what one validator asks of one
    /// seeder (`challenges_per_validator` per probe round, at worst all on it).
    pub probes_per_peer_per_minute: u32,
    /// Availability probes answered per minute from all peers together.
    pub probes_per_minute: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            requests_per_sec: 2_000,
            request_burst: 256,
            max_bytes_in_flight_per_peer: 64 << 20,
            max_concurrent_streams: 128,
            request_timeout: Duration::from_secs(30),
            idle_connection_timeout: Duration::from_secs(120),
            probes_per_peer_per_minute: 64,
            probes_per_minute: 1024,
        }
    }
}

/// Ways to make a sidecar misbehave, for tests.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Flip one byte of every slice served, and sign the header of what is sent: each
    /// such slice is evidence against this seeder.
    CorruptSlices,
    /// Serve every slice one byte short (signed, like `CorruptSlices`).
    TruncateSlices,
    /// Serve every slice intact, but with a signature that is not this seeder's.
    GarbageSignatures,
    /// Flip one byte of every slice served and send a signature that is not this
    /// seeder's: bad slices that are no evidence.
    CorruptSlicesGarbageSignatures,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seed_gives_a_stable_identity() {
        let a = keypair_from_seed([1; 32]);
        let b = keypair_from_seed([1; 32]);
        let c = keypair_from_seed([2; 32]);
        assert_eq!(a.public().to_peer_id(), b.public().to_peer_id());
        assert_ne!(a.public().to_peer_id(), c.public().to_peer_id());
    }
}
