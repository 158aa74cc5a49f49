//! Serves [`App`] to CometBFT over the ABCI socket protocol, through
//! `tendermint-abci`'s synchronous server (one thread per CometBFT connection).
//!
//! A fatal application error (storage failure, unusable genesis, calls out of order)
//! stops the process with a clear message instead of answering: answering would let
//! this node diverge from the others. CometBFT then stops too, and a restart resumes
//! from the last committed block through the handshake.

use std::sync::Arc;

use tendermint_abci::Application;
use tendermint_proto::v0_38::abci::{
    RequestCheckTx, RequestFinalizeBlock, RequestInfo, RequestInitChain, RequestPrepareProposal,
    RequestProcessProposal, RequestQuery, ResponseCheckTx, ResponseCommit, ResponseFinalizeBlock,
    ResponseInfo, ResponseInitChain, ResponsePrepareProposal, ResponseProcessProposal,
    ResponseQuery,
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

fn fatal<T>(call: &str, r: Result<T, AppError>) -> T {
    match r {
        Ok(v) => v,
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

    fn finalize_block(&self, request: RequestFinalizeBlock) -> ResponseFinalizeBlock {
        fatal("FinalizeBlock", self.app.finalize_block(request))
    }
}
