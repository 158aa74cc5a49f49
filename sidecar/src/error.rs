//! The sidecar's errors.

use libp2p::Multiaddr;
use weave_slices::{SliceError, StoreError};

use crate::protocol::ErrorCode;

/// What can go wrong running a sidecar or talking to a peer.
#[derive(Debug, thiserror::Error)]
pub enum SidecarError {
    /// The transport or a behaviour could not be built.
    #[error("building the libp2p node: {0}")]
    Build(String),
    /// Listening on an address failed.
    #[error("listening on {addr}: {reason}")]
    Listen {
        /// The address.
        addr: Multiaddr,
        /// Why.
        reason: String,
    },
    /// Dialing an address failed.
    #[error("dialing {addr}: {reason}")]
    Dial {
        /// The address.
        addr: Multiaddr,
        /// Why.
        reason: String,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The content is not in this node's store.
    #[error("content {} is not in the store", hex::encode(root))]
    UnknownContent {
        /// The root.
        root: [u8; 32],
    },
    /// A request to a peer failed in transport.
    #[error(transparent)]
    Request(#[from] RequestError),
    /// A peer answered with an error.
    #[error("peer refused: {code}: {message}")]
    Remote {
        /// The error code.
        code: ErrorCode,
        /// The peer's explanation.
        message: String,
    },
    /// A peer answered with something that does not answer the request.
    #[error("unexpected answer from peer: {0}")]
    Unexpected(String),
    /// The sidecar has stopped.
    #[error("the sidecar has stopped")]
    Stopped,
}

/// Why an outbound request got no response.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    /// No connection to the peer could be made.
    #[error("could not reach the peer")]
    DialFailure,
    /// No response in time.
    #[error("the request timed out")]
    Timeout,
    /// The connection closed before the response arrived.
    #[error("the connection closed")]
    ConnectionClosed,
    /// The peer does not speak `/weave/slice/1`.
    #[error("the peer does not speak /weave/slice/1")]
    UnsupportedProtocol,
    /// Reading or writing the stream failed, including a response that is malformed,
    /// truncated or over the size bound.
    #[error("stream error: {0}")]
    Io(String),
    /// The sidecar stopped before the response arrived.
    #[error("the sidecar has stopped")]
    Stopped,
}

/// Why a download did not complete.
#[derive(Debug, thiserror::Error)]
pub enum DownloadError {
    /// The store refused the content or failed to write it.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// No peer could serve the missing slices before the stall timeout.
    #[error("download of {} stalled: {missing} slices missing, no peer served one in time ({peers} peers known)", hex::encode(root))]
    Stalled {
        /// The content root.
        root: [u8; 32],
        /// Slices still missing.
        missing: u64,
        /// Peers that were asked.
        peers: usize,
        /// The last error code peers answered with, if any (an unknown content shows
        /// here as [`ErrorCode::UnknownContent`]).
        last_refusal: Option<ErrorCode>,
    },
    /// Only seeders that want payment hold the content, and the download has no
    /// payment channel to pay them with.
    #[error(
        "the seeders of {} want payment ({seeders} asked): download with a payment channel",
        hex::encode(root)
    )]
    PaymentRequired {
        /// The content root.
        root: [u8; 32],
        /// Seeders that asked for payment.
        seeders: usize,
    },
    /// The content is not complete in the store (decrypting from it needs every
    /// slice).
    #[error(
        "content {} is incomplete: {missing} slices missing",
        hex::encode(root)
    )]
    Incomplete {
        /// The content root.
        root: [u8; 32],
        /// Slices missing.
        missing: u64,
    },
    /// A verified slice did not decrypt while streaming: the content key is wrong.
    #[error("streaming: {0}")]
    Decrypt(#[from] SliceError),
    /// Writing plaintext to the stream's writer failed.
    #[error("streaming: writing plaintext: {0}")]
    Write(std::io::Error),
    /// The sidecar stopped during the download.
    #[error("the sidecar has stopped")]
    Stopped,
}
