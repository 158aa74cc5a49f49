//! [`Metered`]: the ABCI application as CometBFT sees it, with metrics taken around
//! each call. It passes every request to the application unchanged and every answer
//! back unchanged; it only times FinalizeBlock and Commit, reads the answers (result
//! codes, gas, voucher events) and notes when a block was committed for the health
//! check. Nothing it records flows back into the application.

use std::{
    sync::{
        atomic::{AtomicI64, Ordering},
        Arc,
    },
    time::Instant,
};

use tendermint_abci::Application;
use tendermint_proto::v0_38::abci::{
    Event, ExecTxResult, RequestApplySnapshotChunk, RequestCheckTx, RequestEcho, RequestExtendVote,
    RequestFinalizeBlock, RequestInfo, RequestInitChain, RequestLoadSnapshotChunk,
    RequestOfferSnapshot, RequestPrepareProposal, RequestProcessProposal, RequestQuery,
    RequestVerifyVoteExtension, ResponseApplySnapshotChunk, ResponseCheckTx, ResponseCommit,
    ResponseEcho, ResponseExtendVote, ResponseFinalizeBlock, ResponseFlush, ResponseInfo,
    ResponseInitChain, ResponseListSnapshots, ResponseLoadSnapshotChunk, ResponseOfferSnapshot,
    ResponsePrepareProposal, ResponseProcessProposal, ResponseQuery, ResponseVerifyVoteExtension,
};
use weave_channels::event_types::{LANE_PAID, VOUCHER_REJECTED};

use crate::{
    health::BlockHealth,
    metrics::{Metrics, TxLabels},
};

/// An ABCI application with metrics around it.
#[derive(Clone, Debug)]
pub(crate) struct Metered<A> {
    inner: A,
    metrics: Metrics,
    health: BlockHealth,
    /// The height of the block FinalizeBlock executed, which the next Commit commits.
    finalized: Arc<AtomicI64>,
}

impl<A> Metered<A> {
    /// Wraps `inner`.
    pub(crate) fn new(inner: A, metrics: Metrics, health: BlockHealth) -> Self {
        Self {
            inner,
            metrics,
            health,
            finalized: Arc::new(AtomicI64::new(0)),
        }
    }
}

/// The module a transaction went to: the `module` attribute of its first `message`
/// event when it succeeded, else its error's codespace.
fn tx_module(result: &ExecTxResult) -> String {
    let from_events = result
        .events
        .iter()
        .filter(|e| e.r#type == "message")
        .flat_map(|e| e.attributes.iter())
        .find(|a| a.key == "module")
        .map(|a| a.value.clone());
    match from_events {
        Some(module) if result.code == 0 => module,
        _ if !result.codespace.is_empty() => result.codespace.clone(),
        _ => "unknown".into(),
    }
}

/// Vouchers paid (each lane event counts its own) and rejected in a block's events.
fn vouchers(events: &[Event]) -> (u64, u64) {
    events.iter().fold((0, 0), |(paid, rejected), e| {
        if e.r#type == LANE_PAID {
            let n = e
                .attributes
                .iter()
                .find(|a| a.key == "vouchers")
                .and_then(|a| a.value.parse::<u64>().ok())
                .unwrap_or(0);
            (paid + n, rejected)
        } else if e.r#type == VOUCHER_REJECTED {
            (paid, rejected + 1)
        } else {
            (paid, rejected)
        }
    })
}

impl<A> Metered<A> {
    /// Records what an executed block did.
    fn record_block(&self, response: &ResponseFinalizeBlock) {
        let mut block_gas: u64 = 0;
        let (mut paid, mut rejected) = vouchers(&response.events);
        for result in &response.tx_results {
            let gas = u64::try_from(result.gas_used).unwrap_or(0);
            block_gas = block_gas.saturating_add(gas);
            self.metrics.tx(
                TxLabels {
                    module: tx_module(result),
                    codespace: result.codespace.clone(),
                    code: result.code,
                },
                gas,
            );
            let (p, r) = vouchers(&result.events);
            paid += p;
            rejected += r;
        }
        self.metrics.block_gas(block_gas);
        self.metrics.chain_vouchers(paid, rejected);
    }
}

impl<A: Application> Application for Metered<A> {
    fn echo(&self, request: RequestEcho) -> ResponseEcho {
        self.inner.echo(request)
    }

    fn info(&self, request: RequestInfo) -> ResponseInfo {
        self.inner.info(request)
    }

    fn init_chain(&self, request: RequestInitChain) -> ResponseInitChain {
        self.inner.init_chain(request)
    }

    fn query(&self, request: RequestQuery) -> ResponseQuery {
        self.inner.query(request)
    }

    fn check_tx(&self, request: RequestCheckTx) -> ResponseCheckTx {
        let response = self.inner.check_tx(request);
        self.metrics.check_tx(&response.codespace, response.code);
        response
    }

    fn flush(&self) -> ResponseFlush {
        self.inner.flush()
    }

    fn commit(&self) -> ResponseCommit {
        let start = Instant::now();
        let response = self.inner.commit();
        let height = self.finalized.load(Ordering::Relaxed);
        self.metrics
            .block_committed(height, start.elapsed().as_secs_f64());
        self.health.committed(height);
        response
    }

    fn list_snapshots(&self) -> ResponseListSnapshots {
        self.inner.list_snapshots()
    }

    fn offer_snapshot(&self, request: RequestOfferSnapshot) -> ResponseOfferSnapshot {
        self.inner.offer_snapshot(request)
    }

    fn load_snapshot_chunk(&self, request: RequestLoadSnapshotChunk) -> ResponseLoadSnapshotChunk {
        self.inner.load_snapshot_chunk(request)
    }

    fn apply_snapshot_chunk(
        &self,
        request: RequestApplySnapshotChunk,
    ) -> ResponseApplySnapshotChunk {
        self.inner.apply_snapshot_chunk(request)
    }

    fn prepare_proposal(&self, request: RequestPrepareProposal) -> ResponsePrepareProposal {
        self.inner.prepare_proposal(request)
    }

    fn process_proposal(&self, request: RequestProcessProposal) -> ResponseProcessProposal {
        self.inner.process_proposal(request)
    }

    fn extend_vote(&self, request: RequestExtendVote) -> ResponseExtendVote {
        self.inner.extend_vote(request)
    }

    fn verify_vote_extension(
        &self,
        request: RequestVerifyVoteExtension,
    ) -> ResponseVerifyVoteExtension {
        self.inner.verify_vote_extension(request)
    }

    fn finalize_block(&self, request: RequestFinalizeBlock) -> ResponseFinalizeBlock {
        let height = request.height;
        let start = Instant::now();
        let response = self.inner.finalize_block(request);
        self.metrics.block_executed(start.elapsed().as_secs_f64());
        self.finalized.store(height, Ordering::Relaxed);
        self.record_block(&response);
        response
    }
}

#[cfg(test)]
mod tests {
    use tendermint_proto::v0_38::abci::EventAttribute;

    use super::*;

    /// An application that answers with fixed results.
    #[derive(Clone, Debug)]
    struct Fixed;

    fn event(kind: &str, attrs: &[(&str, &str)]) -> Event {
        Event {
            r#type: kind.into(),
            attributes: attrs
                .iter()
                .map(|(k, v)| EventAttribute {
                    key: (*k).into(),
                    value: (*v).into(),
                    index: true,
                })
                .collect(),
        }
    }

    impl Application for Fixed {
        fn check_tx(&self, request: RequestCheckTx) -> ResponseCheckTx {
            if request.tx.is_empty() {
                ResponseCheckTx {
                    code: 2,
                    codespace: "sdk".into(),
                    ..Default::default()
                }
            } else {
                ResponseCheckTx::default()
            }
        }

        fn finalize_block(&self, _request: RequestFinalizeBlock) -> ResponseFinalizeBlock {
            ResponseFinalizeBlock {
                tx_results: vec![
                    ExecTxResult {
                        gas_used: 100,
                        events: vec![
                            event("message", &[("action", "x"), ("module", "channels")]),
                            event(LANE_PAID, &[("vouchers", "2")]),
                            event(LANE_PAID, &[("vouchers", "1")]),
                            event(VOUCHER_REJECTED, &[]),
                        ],
                        ..Default::default()
                    },
                    ExecTxResult {
                        code: 5,
                        codespace: "sdk".into(),
                        gas_used: 40,
                        ..Default::default()
                    },
                ],
                app_hash: vec![1; 32].into(),
                ..Default::default()
            }
        }
    }

    #[test]
    fn passes_answers_through_and_counts_them() {
        let health = BlockHealth::default();
        let metrics = Metrics::new(health.clone());
        let app = Metered::new(Fixed, metrics.clone(), health.clone());

        assert_eq!(
            app.check_tx(RequestCheckTx::default()).code,
            2,
            "the answer is passed on"
        );
        app.check_tx(RequestCheckTx {
            tx: vec![1].into(),
            ..Default::default()
        });
        let response = app.finalize_block(RequestFinalizeBlock {
            height: 9,
            ..Default::default()
        });
        assert_eq!(response.app_hash.as_ref(), &[1; 32]);
        assert!(health.last_block().is_none(), "not committed yet");
        app.commit();
        assert_eq!(health.last_block().map(|(h, _)| h), Some(9));

        let text = metrics.encode();
        let sample = crate::metrics::tests::sample;
        assert_eq!(
            sample(
                &text,
                "weave_check_txs_total{result=\"rejected\",codespace=\"sdk\",code=\"2\"}"
            ),
            Some(1.0)
        );
        assert_eq!(
            sample(
                &text,
                "weave_check_txs_total{result=\"accepted\",codespace=\"\",code=\"0\"}"
            ),
            Some(1.0)
        );
        assert_eq!(
            sample(
                &text,
                "weave_txs_total{module=\"channels\",codespace=\"\",code=\"0\"}"
            ),
            Some(1.0),
            "{text}"
        );
        assert_eq!(
            sample(
                &text,
                "weave_txs_total{module=\"sdk\",codespace=\"sdk\",code=\"5\"}"
            ),
            Some(1.0)
        );
        assert_eq!(sample(&text, "weave_gas_used_total"), Some(140.0));
        assert_eq!(
            sample(&text, "weave_chain_vouchers_total{result=\"paid\"}"),
            Some(3.0)
        );
        assert_eq!(
            sample(&text, "weave_chain_vouchers_total{result=\"rejected\"}"),
            Some(1.0)
        );
        assert_eq!(sample(&text, "weave_block_height"), Some(9.0));
        assert_eq!(sample(&text, "weave_block_commit_seconds_count"), Some(1.0));
    }
}
