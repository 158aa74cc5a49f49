//! Serves [`App`] to CometBFT over the ABCI socket protocol: one thread per CometBFT
//! connection (CometBFT opens four: consensus, mempool, query, snapshot), each reading
//! length-prefixed requests and answering them in order. [`AbciApp`] implements
//! `tendermint-abci`'s `Application` trait; [`serve`] is the socket server.
//!
//! The server is ours rather than `tendermint-abci`'s because that one writes and
//! flushes every response with its own system call, and panics on a request with no
//! value. Like CometBFT's own Go server, [`serve`] buffers responses and flushes them
//! when CometBFT sends `Flush` — or when no further request is already waiting, so a
//! client that never flushes is still answered. Under load this batches the mempool
//! connection's CheckTx answers instead of waking CometBFT once per transaction.
//!
//! A fatal application error (storage failure, unusable genesis, calls out of order)
//! stops the process with a clear message instead of answering: answering would let
//! this node diverge from the others. CometBFT then stops too, and a restart resumes
//! from the last committed block through the handshake. A halt at a software upgrade
//! first lingers for [`UPGRADE_HALT_LINGER`] so that lagging peers can still fetch the
//! block at the upgrade height from this node.

use std::{
    io::{self, BufReader, BufWriter, Read, Write},
    net::{TcpListener, TcpStream},
    sync::Arc,
};

use prost::Message;
use tendermint_abci::Application;
use tendermint_proto::v0_38::abci::{
    request::Value as Req, response::Value as Resp, Request, RequestApplySnapshotChunk,
    RequestCheckTx, RequestExtendVote, RequestFinalizeBlock, RequestInfo, RequestInitChain,
    RequestLoadSnapshotChunk, RequestOfferSnapshot, RequestPrepareProposal, RequestProcessProposal,
    RequestQuery, RequestVerifyVoteExtension, Response, ResponseApplySnapshotChunk,
    ResponseCheckTx, ResponseCommit, ResponseException, ResponseExtendVote, ResponseFinalizeBlock,
    ResponseInfo, ResponseInitChain, ResponseListSnapshots, ResponseLoadSnapshotChunk,
    ResponseOfferSnapshot, ResponsePrepareProposal, ResponseProcessProposal, ResponseQuery,
    ResponseVerifyVoteExtension,
};

use crate::{App, AppError};

/// The ABCI face of the application. Cloned once per CometBFT connection; all clones
/// share one [`App`].
#[derive(Clone, Debug)]
pub struct AbciApp {
    app: Arc<App>,
}

impl AbciApp {
    /// Wraps the application.
    pub fn new(app: Arc<App>) -> Self {
        Self { app }
    }
}

/// The exit status of a node that halted at a software upgrade it cannot apply.
pub const UPGRADE_NEEDED_EXIT_CODE: i32 = 3;

/// How long a node that halted at a software upgrade stays up before it exits.
///
/// The block at the plan's height is already in CometBFT's block store when the app
/// refuses to execute it. While this process lives, CometBFT's reactors keep serving
/// that block and its commit to peers that lag behind, so they reach the height and
/// halt there too. Exiting at once let the first nodes to halt take the block with
/// them and leave a lagging node a block short of the upgrade height, for good.
pub const UPGRADE_HALT_LINGER: std::time::Duration = std::time::Duration::from_secs(20);

fn fatal<T>(call: &str, r: Result<T, AppError>) -> T {
    match r {
        Ok(v) => v,
        Err(e @ AppError::UpgradeNeeded { .. }) => {
            tracing::error!(call, "{e}");
            eprintln!("weaved: {e}");
            eprintln!(
                "weaved: serving the block to lagging peers for {}s before exiting",
                UPGRADE_HALT_LINGER.as_secs()
            );
            // Only this connection's thread waits: CometBFT's other connections and
            // its p2p reactors go on, without this block ever being executed.
            std::thread::sleep(UPGRADE_HALT_LINGER);
            std::process::exit(UPGRADE_NEEDED_EXIT_CODE);
        }
        Err(e) => {
            tracing::error!(call, error = %e, "fatal application error; stopping");
            eprintln!("weaved: fatal error in {call}: {e}");
            std::process::exit(70);
        }
    }
}

impl Application for AbciApp {
    fn info(&self, request: RequestInfo) -> ResponseInfo {
        fatal("Info", self.app.info(request))
    }

    fn init_chain(&self, request: RequestInitChain) -> ResponseInitChain {
        fatal("InitChain", self.app.init_chain(request))
    }

    fn query(&self, request: RequestQuery) -> ResponseQuery {
        self.app.query(request)
    }

    fn check_tx(&self, request: RequestCheckTx) -> ResponseCheckTx {
        self.app.check_tx(request)
    }

    fn commit(&self) -> ResponseCommit {
        fatal("Commit", self.app.commit())
    }

    fn prepare_proposal(&self, request: RequestPrepareProposal) -> ResponsePrepareProposal {
        self.app.prepare_proposal(request)
    }

    fn process_proposal(&self, request: RequestProcessProposal) -> ResponseProcessProposal {
        self.app.process_proposal(request)
    }

    fn extend_vote(&self, request: RequestExtendVote) -> ResponseExtendVote {
        self.app.extend_vote(request)
    }

    fn verify_vote_extension(
        &self,
        request: RequestVerifyVoteExtension,
    ) -> ResponseVerifyVoteExtension {
        self.app.verify_vote_extension(request)
    }

    fn finalize_block(&self, request: RequestFinalizeBlock) -> ResponseFinalizeBlock {
        fatal("FinalizeBlock", self.app.finalize_block(request))
    }

    fn list_snapshots(&self) -> ResponseListSnapshots {
        self.app.list_snapshots()
    }

    fn offer_snapshot(&self, request: RequestOfferSnapshot) -> ResponseOfferSnapshot {
        self.app.offer_snapshot(request)
    }

    fn load_snapshot_chunk(&self, request: RequestLoadSnapshotChunk) -> ResponseLoadSnapshotChunk {
        self.app.load_snapshot_chunk(request)
    }

    fn apply_snapshot_chunk(
        &self,
        request: RequestApplySnapshotChunk,
    ) -> ResponseApplySnapshotChunk {
        self.app.apply_snapshot_chunk(request)
    }
}

/// The largest request accepted: a FinalizeBlock carrying a maximal block, with room.
pub const MAX_REQUEST_BYTES: usize = 256 * 1024 * 1024;

/// Accepts CometBFT's connections on `listener` and serves each on its own thread.
/// Returns only if accepting fails. `app` is usually an [`AbciApp`], or a wrapper of
/// one (the node's metrics).
pub fn serve<A: Application>(listener: TcpListener, app: A) -> io::Result<()> {
    for stream in listener.incoming() {
        let stream = stream?;
        let peer = stream
            .peer_addr()
            .map(|a| a.to_string())
            .unwrap_or_default();
        let app = app.clone();
        std::thread::Builder::new().name("abci-conn".into()).spawn(
            move || match serve_connection(stream, &app) {
                Ok(()) => tracing::info!(%peer, "ABCI connection closed"),
                Err(e) => tracing::warn!(%peer, error = %e, "ABCI connection failed"),
            },
        )?;
    }
    Ok(())
}

/// Reads a protobuf unsigned varint; `None` at a clean end of stream.
fn read_length(reader: &mut impl Read) -> io::Result<Option<usize>> {
    let mut value: u64 = 0;
    for i in 0..10 {
        let mut byte = [0u8; 1];
        if reader.read(&mut byte)? == 0 {
            return if i == 0 {
                Ok(None)
            } else {
                Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "stream ended inside a length prefix",
                ))
            };
        }
        value |= u64::from(byte[0] & 0x7f) << (7 * i);
        if byte[0] & 0x80 == 0 {
            return usize::try_from(value).map(Some).map_err(|_| {
                io::Error::new(io::ErrorKind::InvalidData, "length prefix too large")
            });
        }
    }
    Err(io::Error::new(
        io::ErrorKind::InvalidData,
        "length prefix longer than 10 bytes",
    ))
}

fn serve_connection<A: Application>(stream: TcpStream, app: &A) -> io::Result<()> {
    stream.set_nodelay(true)?;
    let reader = stream.try_clone()?;
    serve_stream(reader, stream, app)
}

/// Serves one ABCI connection's byte stream: reads length-prefixed requests from
/// `reader` until it ends, and writes each answer to `writer`, flushed when CometBFT
/// asks (`Flush`) or when no further request is already buffered. A request that
/// does not decode is answered with an exception; a length prefix that is malformed
/// or over [`MAX_REQUEST_BYTES`] ends the connection with an error. The socket server
/// runs it per connection; the fuzz target `abci_framing` runs it over arbitrary
/// bytes.
pub fn serve_stream<A: Application>(
    reader: impl Read,
    writer: impl Write,
    app: &A,
) -> io::Result<()> {
    let mut reader = BufReader::with_capacity(1 << 20, reader);
    let mut writer = BufWriter::with_capacity(1 << 20, writer);
    let mut body = Vec::new();
    loop {
        let Some(len) = read_length(&mut reader)? else {
            writer.flush()?;
            return Ok(());
        };
        if len > MAX_REQUEST_BYTES {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("ABCI request of {len} bytes exceeds the {MAX_REQUEST_BYTES}-byte limit"),
            ));
        }
        // Grows with the bytes that arrive, not with what the prefix claims.
        body.clear();
        let read = (&mut reader).take(len as u64).read_to_end(&mut body)?;
        if read < len {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("stream ended inside a {len}-byte request after {read} bytes"),
            ));
        }
        let (response, flush) = match Request::decode(body.as_slice()) {
            Ok(request) => {
                let flush = matches!(request.value, Some(Req::Flush(_)));
                (dispatch(app, request), flush)
            }
            Err(e) => (exception(format!("undecodable ABCI request: {e}")), true),
        };
        writer.write_all(&response.encode_length_delimited_to_vec())?;
        if flush || reader.buffer().is_empty() {
            writer.flush()?;
        }
    }
}

fn exception(error: String) -> Response {
    Response {
        value: Some(Resp::Exception(ResponseException { error })),
    }
}

/// Calls the application method that answers `request`.
fn dispatch<A: Application>(app: &A, request: Request) -> Response {
    let value = match request.value {
        Some(Req::Echo(r)) => Resp::Echo(app.echo(r)),
        Some(Req::Flush(_)) => Resp::Flush(app.flush()),
        Some(Req::Info(r)) => Resp::Info(app.info(r)),
        Some(Req::InitChain(r)) => Resp::InitChain(app.init_chain(r)),
        Some(Req::Query(r)) => Resp::Query(app.query(r)),
        Some(Req::CheckTx(r)) => Resp::CheckTx(app.check_tx(r)),
        Some(Req::Commit(_)) => Resp::Commit(app.commit()),
        Some(Req::ListSnapshots(_)) => Resp::ListSnapshots(app.list_snapshots()),
        Some(Req::OfferSnapshot(r)) => Resp::OfferSnapshot(app.offer_snapshot(r)),
        Some(Req::LoadSnapshotChunk(r)) => Resp::LoadSnapshotChunk(app.load_snapshot_chunk(r)),
        Some(Req::ApplySnapshotChunk(r)) => Resp::ApplySnapshotChunk(app.apply_snapshot_chunk(r)),
        Some(Req::PrepareProposal(r)) => Resp::PrepareProposal(app.prepare_proposal(r)),
        Some(Req::ProcessProposal(r)) => Resp::ProcessProposal(app.process_proposal(r)),
        Some(Req::ExtendVote(r)) => Resp::ExtendVote(app.extend_vote(r)),
        Some(Req::VerifyVoteExtension(r)) => {
            Resp::VerifyVoteExtension(app.verify_vote_extension(r))
        }
        Some(Req::FinalizeBlock(r)) => Resp::FinalizeBlock(app.finalize_block(r)),
        None => return exception("ABCI request carries no value".into()),
    };
    Response { value: Some(value) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_prefix_round_trips_and_rejects_garbage() {
        let mut buf = Vec::new();
        prost::encoding::encode_varint(300, &mut buf);
        assert_eq!(read_length(&mut buf.as_slice()).unwrap(), Some(300));
        assert_eq!(read_length(&mut [].as_slice()).unwrap(), None);
        assert!(read_length(&mut [0x80u8].as_slice()).is_err());
        assert!(read_length(&mut [0xffu8; 11].as_slice()).is_err());
    }

    #[test]
    fn empty_request_is_an_exception_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let app = AbciApp::new(Arc::new(App::open(dir.path(), Default::default()).unwrap()));
        let r = dispatch(&app, Request { value: None });
        assert!(matches!(r.value, Some(Resp::Exception(_))));
        let r = dispatch(
            &app,
            Request {
                value: Some(Req::Echo(Default::default())),
            },
        );
        assert!(matches!(r.value, Some(Resp::Echo(_))));
    }
}
