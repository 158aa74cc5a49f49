//! `weaved`'s own Prometheus metrics (`prometheus-client`), served on `/metrics` by
//! [`crate::ops`].
//!
//! Everything here is a side effect for operators: the state machine never reads a
//! metric, and the metrics are filled from outside it (the ABCI wrapper
//! [`crate::abci_metrics`], the prober, the sidecar's counters), so they cannot change
//! what the chain computes. Every label takes its values from a bounded set (module
//! names, error codespaces and codes, fixed outcomes), never from what a transaction
//! carries.

use std::sync::{Arc, Mutex, PoisonError};

use prometheus_client::{
    collector::Collector,
    encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric},
    metrics::{
        counter::{ConstCounter, Counter},
        family::Family,
        gauge::{ConstGauge, Gauge},
        histogram::{exponential_buckets, Histogram},
        MetricType,
    },
    registry::Registry,
};
use weave_sidecar::SidecarHandle;

use crate::health::BlockHealth;

/// The prefix of every metric name.
pub(crate) const PREFIX: &str = "weave";

/// A transaction's result: the module it went to, and its error codespace and code
/// (empty and 0 on success).
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct TxLabels {
    /// The module of its first message when it succeeded, else the codespace of its
    /// error (`sdk` for the ante checks).
    pub(crate) module: String,
    /// The error's codespace; empty on success.
    pub(crate) codespace: String,
    /// The error's code; 0 on success.
    pub(crate) code: u32,
}

/// A CheckTx answer.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct CheckTxLabels {
    /// `accepted` or `rejected`.
    pub(crate) result: &'static str,
    /// The error's codespace; empty when accepted.
    pub(crate) codespace: String,
    /// The error's code; 0 when accepted.
    pub(crate) code: u32,
}

/// A fixed outcome.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct ResultLabel {
    /// One of a handful of fixed words.
    pub(crate) result: &'static str,
}

/// The node's metrics. Cloning shares them.
#[derive(Clone)]
pub(crate) struct Metrics(Arc<Inner>);

struct Inner {
    registry: Registry,
    block_execute_seconds: Histogram,
    block_commit_seconds: Histogram,
    block_height: Gauge,
    block_gas_used: Histogram,
    gas_used: Counter,
    txs: Family<TxLabels, Counter>,
    check_txs: Family<CheckTxLabels, Counter>,
    chain_vouchers: Family<ResultLabel, Counter>,
    probes: Family<ResultLabel, Counter>,
    sidecar_peers: Gauge,
    /// The sidecar whose counters are reported, once it runs.
    sidecar: Arc<Mutex<Option<SidecarHandle>>>,
    /// The store whose sizes are reported, once it is open.
    store: Arc<Mutex<Option<Arc<weave_app::store::Storage>>>>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Metrics {
    /// A fresh registry with every metric at zero; `health` gives the age of the last
    /// committed block.
    pub(crate) fn new(health: BlockHealth) -> Self {
        let mut registry = Registry::with_prefix(PREFIX);
        // 1 ms to ~65 s.
        let seconds = || Histogram::new(exponential_buckets(0.001, 2.0, 17));
        let block_execute_seconds = seconds();
        registry.register(
            "block_execute_seconds",
            "Time to execute a block (ABCI FinalizeBlock)",
            block_execute_seconds.clone(),
        );
        let block_commit_seconds = seconds();
        registry.register(
            "block_commit_seconds",
            "Time to commit a block to the store (ABCI Commit)",
            block_commit_seconds.clone(),
        );
        let block_height = Gauge::default();
        registry.register(
            "block_height",
            "Height of the last block committed",
            block_height.clone(),
        );
        // 1,000 to ~1.6e10 gas.
        let block_gas_used = Histogram::new(exponential_buckets(1_000.0, 4.0, 13));
        registry.register(
            "block_gas_used",
            "Gas used by the transactions of a block",
            block_gas_used.clone(),
        );
        let gas_used = Counter::default();
        registry.register(
            "gas_used",
            "Gas used by the transactions in committed blocks",
            gas_used.clone(),
        );
        let txs = Family::<TxLabels, Counter>::default();
        registry.register(
            "txs",
            "Transactions in executed blocks, by module and result code",
            txs.clone(),
        );
        let check_txs = Family::<CheckTxLabels, Counter>::default();
        registry.register(
            "check_txs",
            "Mempool checks (ABCI CheckTx, rechecks included), by result",
            check_txs.clone(),
        );
        let chain_vouchers = Family::<ResultLabel, Counter>::default();
        registry.register(
            "chain_vouchers",
            "Vouchers verified in executed blocks: paid or rejected",
            chain_vouchers.clone(),
        );
        let probes = Family::<ResultLabel, Counter>::default();
        registry.register(
            "probes",
            "Availability probes this validator made of seeders: passed or failed",
            probes.clone(),
        );
        let sidecar_peers = Gauge::default();
        registry.register(
            "sidecar_peers",
            "Peers the slice sidecar is connected to",
            sidecar_peers.clone(),
        );
        let sidecar = Arc::new(Mutex::new(None));
        let store = Arc::new(Mutex::new(None));
        registry.register_collector(Box::new(ScrapeTime {
            sidecar: Arc::clone(&sidecar),
            store: Arc::clone(&store),
            health,
        }));
        Self(Arc::new(Inner {
            registry,
            block_execute_seconds,
            block_commit_seconds,
            block_height,
            block_gas_used,
            gas_used,
            txs,
            check_txs,
            chain_vouchers,
            probes,
            sidecar_peers,
            sidecar,
            store,
        }))
    }

    /// The metrics in the Prometheus text format.
    pub(crate) fn encode(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail; a collector's error would only cut the text.
        if let Err(e) = prometheus_client::encoding::text::encode(&mut out, &self.0.registry) {
            tracing::warn!(error = %e, "encoding the metrics");
        }
        out
    }

    /// A block executed in `seconds`.
    pub(crate) fn block_executed(&self, seconds: f64) {
        self.0.block_execute_seconds.observe(seconds);
    }

    /// A block at `height` committed in `seconds`.
    pub(crate) fn block_committed(&self, height: i64, seconds: f64) {
        self.0.block_commit_seconds.observe(seconds);
        self.0.block_height.set(height);
    }

    /// One transaction of an executed block.
    pub(crate) fn tx(&self, labels: TxLabels, gas_used: u64) {
        self.0.txs.get_or_create(&labels).inc();
        self.0.gas_used.inc_by(gas_used);
    }

    /// The gas of a whole executed block.
    pub(crate) fn block_gas(&self, gas_used: u64) {
        // Gas fits an f64 closely enough for a histogram bucket.
        self.0.block_gas_used.observe(gas_used as f64);
    }

    /// One CheckTx answer.
    pub(crate) fn check_tx(&self, codespace: &str, code: u32) {
        let labels = CheckTxLabels {
            result: if code == 0 { "accepted" } else { "rejected" },
            codespace: codespace.to_string(),
            code,
        };
        self.0.check_txs.get_or_create(&labels).inc();
    }

    /// Vouchers verified in a block.
    pub(crate) fn chain_vouchers(&self, paid: u64, rejected: u64) {
        for (result, n) in [("paid", paid), ("rejected", rejected)] {
            if n > 0 {
                self.0
                    .chain_vouchers
                    .get_or_create(&ResultLabel { result })
                    .inc_by(n);
            }
        }
    }

    /// One availability probe of a seeder.
    pub(crate) fn probe(&self, passed: bool) {
        let result = if passed { "passed" } else { "failed" };
        self.0.probes.get_or_create(&ResultLabel { result }).inc();
    }

    /// The sidecar's connected peers.
    pub(crate) fn set_sidecar_peers(&self, peers: usize) {
        self.0
            .sidecar_peers
            .set(i64::try_from(peers).unwrap_or(i64::MAX));
    }

    /// Reports this store's sizes (per column family) from now on.
    pub(crate) fn watch_store(&self, store: Arc<weave_app::store::Storage>) {
        *self.0.store.lock().unwrap_or_else(PoisonError::into_inner) = Some(store);
    }

    /// Reports this sidecar's counters from now on.
    pub(crate) fn watch_sidecar(&self, sidecar: SidecarHandle) {
        *self
            .0
            .sidecar
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(sidecar);
    }
}

/// What is read when scraped: the sidecar's counters and the age of the last block.
#[derive(Debug)]
struct ScrapeTime {
    sidecar: Arc<Mutex<Option<SidecarHandle>>>,
    store: Arc<Mutex<Option<Arc<weave_app::store::Storage>>>>,
    health: BlockHealth,
}

/// A column family of the store, as a metric label.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct FamilyLabel {
    family: &'static str,
}

impl ScrapeTime {
    /// The store's sizes per column family: the JMT's nodes and values, the flat
    /// state, the indexes (RocksDB's own properties, read at scrape time).
    fn encode_store(&self, encoder: &mut DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let store = self
            .store
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let Some(sizes) = store.and_then(|s| s.sizes().ok()) else {
            return Ok(());
        };
        for (name, help, value) in [
            (
                "store_sst_bytes",
                "Bytes of live RocksDB SST files, per column family of the store",
                (|s: &weave_app::store::FamilySize| s.sst_bytes) as fn(&_) -> u64,
            ),
            (
                "store_memtable_bytes",
                "Bytes in RocksDB memtables not yet flushed, per column family",
                |s| s.memtable_bytes,
            ),
            (
                "store_estimated_keys",
                "RocksDB's estimate of the keys, per column family (jmt_nodes: the tree's nodes)",
                |s| s.estimated_keys,
            ),
        ] {
            let mut metric = encoder.encode_descriptor(name, help, None, MetricType::Gauge)?;
            for size in &sizes {
                let label = FamilyLabel {
                    family: size.family,
                };
                let gauge = ConstGauge::new(i64::try_from(value(size)).unwrap_or(i64::MAX));
                gauge.encode(metric.encode_family(&label)?)?;
            }
        }
        Ok(())
    }
}

impl Collector for ScrapeTime {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        self.encode_store(&mut encoder)?;
        if let Some(age) = self.health.last_block_age() {
            let gauge = ConstGauge::new(age.as_secs_f64());
            gauge.encode(encoder.encode_descriptor(
                "last_block_age_seconds",
                "Seconds since this node committed its last block",
                None,
                MetricType::Gauge,
            )?)?;
        }
        let sidecar = self
            .sidecar
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let Some(sidecar) = sidecar else {
            return Ok(());
        };
        let s = sidecar.stats().snapshot();
        for (name, help, value) in [
            (
                "sidecar_slices_served",
                "Slices the sidecar sent to peers (downloads and probes)",
                s.slices_served,
            ),
            (
                "sidecar_served_bytes",
                "Ciphertext bytes of the slices the sidecar sent",
                s.bytes_served,
            ),
            (
                "sidecar_slices_verified",
                "Downloaded slices that verified against their root",
                s.slices_verified,
            ),
            (
                "sidecar_slices_failed",
                "Downloaded slices refused: bad header signature or Merkle proof",
                s.slices_failed,
            ),
            (
                "sidecar_fetched_bytes",
                "Ciphertext bytes of the downloaded slices that verified",
                s.bytes_fetched,
            ),
            (
                "sidecar_vouchers_accepted",
                "Payers' vouchers the sidecar verified and accepted",
                s.vouchers_accepted,
            ),
            (
                "sidecar_vouchers_refused",
                "Payers' vouchers the sidecar refused",
                s.vouchers_refused,
            ),
        ] {
            let counter = ConstCounter::new(value);
            counter.encode(encoder.encode_descriptor(name, help, None, MetricType::Counter)?)?;
        }
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The value of the sample `line_start` (name and labels) in `text`.
    pub(crate) fn sample(text: &str, line_start: &str) -> Option<f64> {
        text.lines()
            .find(|l| l.starts_with(line_start) && l[line_start.len()..].starts_with(' '))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse().ok())
    }

    #[test]
    fn counters_and_histograms_show_in_the_text() {
        let health = BlockHealth::default();
        let m = Metrics::new(health.clone());
        let text = m.encode();
        assert!(
            text.contains("# TYPE weave_block_execute_seconds histogram"),
            "{text}"
        );
        assert_eq!(sample(&text, "weave_gas_used_total"), Some(0.0), "{text}");
        assert!(!text.contains("weave_last_block_age_seconds "), "{text}");

        m.block_executed(0.02);
        m.block_committed(7, 0.003);
        health.committed(7);
        m.tx(
            TxLabels {
                module: "bank".into(),
                codespace: String::new(),
                code: 0,
            },
            1_000,
        );
        m.tx(
            TxLabels {
                module: "sdk".into(),
                codespace: "sdk".into(),
                code: 32,
            },
            500,
        );
        m.block_gas(1_500);
        m.check_tx("", 0);
        m.check_tx("sdk", 13);
        m.check_tx("sdk", 13);
        m.chain_vouchers(3, 0);
        m.probe(true);
        m.set_sidecar_peers(4);
        let text = m.encode();
        assert_eq!(
            sample(&text, "weave_block_execute_seconds_count"),
            Some(1.0)
        );
        assert_eq!(sample(&text, "weave_block_height"), Some(7.0));
        assert_eq!(sample(&text, "weave_gas_used_total"), Some(1_500.0));
        assert_eq!(
            sample(
                &text,
                "weave_txs_total{module=\"bank\",codespace=\"\",code=\"0\"}"
            ),
            Some(1.0),
            "{text}"
        );
        assert_eq!(
            sample(
                &text,
                "weave_txs_total{module=\"sdk\",codespace=\"sdk\",code=\"32\"}"
            ),
            Some(1.0)
        );
        assert_eq!(
            sample(
                &text,
                "weave_check_txs_total{result=\"rejected\",codespace=\"sdk\",code=\"13\"}"
            ),
            Some(2.0)
        );
        assert_eq!(
            sample(&text, "weave_chain_vouchers_total{result=\"paid\"}"),
            Some(3.0)
        );
        assert_eq!(
            sample(&text, "weave_chain_vouchers_total{result=\"rejected\"}"),
            None
        );
        assert_eq!(
            sample(&text, "weave_probes_total{result=\"passed\"}"),
            Some(1.0)
        );
        assert_eq!(sample(&text, "weave_sidecar_peers"), Some(4.0));
        assert!(
            sample(&text, "weave_last_block_age_seconds").is_some(),
            "{text}"
        );
    }
}
