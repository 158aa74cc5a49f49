//! `weaved content serve-keys`: the creator's key daemon.
//!
//! Each pass reads the creator's pending keys (holders with access but no delivered
//! key) and delivers what it can:
//! - an entry for one content: that content's key, if this home has its key file
//!   (otherwise a warning, once per content);
//! - an entry for content 0 (a subscription to everything the creator sells): the key
//!   of every active content of the creator that the holder has no sealed key for yet
//!   and whose key file is here.
//!
//! Holders without a registered buyer key are left for a later pass. Deliveries go
//! out in transactions of at most [`MAX_DELIVERIES_PER_TX`] messages, each waited for
//! until it is in a block before the next is signed, so sequences never collide. A
//! failed batch is retried one message at a time so one bad delivery does not hold up
//! the rest; errors are logged and the daemon keeps going.

use std::{
    collections::{btree_map::Entry, BTreeMap, BTreeSet},
    time::Duration,
};

use anyhow::Context;
use cosmos_sdk_proto::Any;
use serde_json::json;
use tokio::signal::unix::{signal, SignalKind};
use tonic::transport::Channel;
use weave_kernel::Address;
use weave_proto::weave::content::v1 as pb;
use weave_slices::ContentKey;

use super::{
    keys::{key_path, load_key, root_of},
    msg::msg_deliver_key,
    query::{all_content_of, all_pending_keys, fetch_content, fetch_sealed_key},
};
use crate::{
    chain::connect,
    chain::runtime,
    keys::{Keyring, SigningKey},
    opts::GlobalOpts,
    render,
    tx::{from_key, sign_and_submit, TxOpts, TxPlan},
};

/// The most key deliveries one transaction carries.
pub const MAX_DELIVERIES_PER_TX: usize = 32;

/// `weaved content serve-keys` flags.
#[derive(Debug, clap::Args)]
pub struct ServeKeysArgs {
    /// Seconds between passes.
    #[arg(long, value_name = "SECS", default_value_t = 2, value_parser = clap::value_parser!(u64).range(1..))]
    interval: u64,
    /// Run one pass, print what it did and exit.
    #[arg(long)]
    once: bool,
    /// The transaction flags (--from names the creator's key; every transaction is
    /// waited for, whatever --wait says).
    #[command(flatten)]
    opts: TxOpts,
}

/// A key to deliver: to whom, for which content, sealed to which buyer key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// The content.
    pub content_id: u64,
    /// The holder.
    pub holder: Address,
    /// The holder's registered X25519 key.
    pub buyer_key: [u8; 32],
    /// Whether the holder's access comes from a subscription (then a sealed key may
    /// already exist, and is checked first).
    pub via_subscription: bool,
}

/// What a pass found before any query of keys: the candidates, and the problems with
/// pending entries (unparseable holder, malformed buyer key).
#[derive(Debug, Default)]
pub struct Expansion {
    /// What to deliver, by (content, holder), each once.
    pub candidates: Vec<Candidate>,
    /// Holders waiting for a buyer key of their own.
    pub waiting: usize,
    /// Entries that cannot be served.
    pub problems: Vec<String>,
}

/// Turns pending entries into deliveries: an entry for one content is that content;
/// an entry for content 0 (a subscription) is every content in `active`. Holders
/// without a buyer key are counted as waiting; each (content, holder) appears once,
/// as a direct entry if there is one.
pub fn expand_pending(pending: &[pb::PendingKey], active: &[u64]) -> Expansion {
    let mut out = Expansion::default();
    let mut chosen: BTreeMap<(u64, Address), Candidate> = BTreeMap::new();
    for entry in pending {
        if entry.buyer_key.is_empty() {
            out.waiting += 1;
            continue;
        }
        let holder = match entry.holder.parse::<Address>() {
            Ok(h) => h,
            Err(e) => {
                out.problems
                    .push(format!("pending holder {:?}: {e}", entry.holder));
                continue;
            }
        };
        let Ok(buyer_key) = <[u8; 32]>::try_from(entry.buyer_key.as_slice()) else {
            out.problems.push(format!(
                "the buyer key of {holder} is {} bytes, not 32",
                entry.buyer_key.len()
            ));
            continue;
        };
        let (ids, via_subscription) = if entry.content_id == 0 {
            (active.to_vec(), true)
        } else {
            (vec![entry.content_id], false)
        };
        for content_id in ids {
            let candidate = Candidate {
                content_id,
                holder,
                buyer_key,
                via_subscription,
            };
            chosen
                .entry((content_id, holder))
                .and_modify(|c| c.via_subscription &= via_subscription)
                .or_insert(candidate);
        }
    }
    out.candidates = chosen.into_values().collect();
    out
}

/// One delivery made.
#[derive(Debug, Clone)]
struct Delivered {
    content_id: u64,
    holder: Address,
    txhash: String,
}

/// What one pass did.
#[derive(Debug, Default)]
struct PassReport {
    delivered: Vec<Delivered>,
    waiting: usize,
    skipped: Vec<String>,
    errors: Vec<String>,
}

impl PassReport {
    fn json(&self) -> serde_json::Value {
        json!({
            "delivered": self.delivered.iter().map(|d| json!({
                "content_id": d.content_id,
                "holder": d.holder.to_string(),
                "txhash": d.txhash,
            })).collect::<Vec<_>>(),
            "waiting_for_buyer_key": self.waiting,
            "skipped": self.skipped,
            "errors": self.errors,
        })
    }

    fn text(&self) -> String {
        let mut lines: Vec<String> = self
            .delivered
            .iter()
            .map(|d| {
                format!(
                    "delivered content {} to {} in tx {}",
                    d.content_id, d.holder, d.txhash
                )
            })
            .collect();
        lines.extend(self.skipped.iter().map(|s| format!("skipped: {s}")));
        lines.extend(self.errors.iter().map(|e| format!("error: {e}")));
        lines.push(format!(
            "{} delivered, {} waiting for a buyer key, {} skipped, {} errors",
            self.delivered.len(),
            self.waiting,
            self.skipped.len(),
            self.errors.len()
        ));
        lines.join("\n")
    }
}

/// A delivery ready to sign.
struct Prepared {
    content_id: u64,
    holder: Address,
    msg: Any,
}

/// The daemon's state across passes.
struct KeyServer {
    channel: Channel,
    plan: TxPlan,
    key: SigningKey,
    creator: Address,
    home: std::path::PathBuf,
    /// Contents whose missing key file was already reported.
    warned_missing: BTreeSet<u64>,
    /// (content, holder) pairs known to have a sealed key: never asked about again.
    delivered: BTreeSet<(u64, Address)>,
}

impl KeyServer {
    /// One pass: find what is pending, deliver it.
    async fn pass(&mut self) -> PassReport {
        let mut report = PassReport::default();
        let pending = match all_pending_keys(&self.channel, &self.creator).await {
            Ok(p) => p,
            Err(e) => {
                tracing::error!(error = %format!("{e:#}"), "reading the pending keys failed");
                report
                    .errors
                    .push(format!("reading the pending keys: {e:#}"));
                return report;
            }
        };
        let mut contents: BTreeMap<u64, pb::Content> = BTreeMap::new();
        let wants_all = pending
            .iter()
            .any(|p| p.content_id == 0 && !p.buyer_key.is_empty());
        let mut active = Vec::new();
        if wants_all {
            match all_content_of(&self.channel, &self.creator).await {
                Ok(list) => {
                    for c in list {
                        if c.status == pb::ContentStatus::Active as i32 {
                            active.push(c.id);
                        }
                        contents.insert(c.id, c);
                    }
                }
                Err(e) => {
                    tracing::error!(error = %format!("{e:#}"), "reading the creator's content failed");
                    report
                        .errors
                        .push(format!("reading the creator's content: {e:#}"));
                }
            }
        }
        let expansion = expand_pending(&pending, &active);
        report.waiting = expansion.waiting;
        for problem in expansion.problems {
            tracing::warn!("{problem}");
            report.skipped.push(problem);
        }

        let mut keys: BTreeMap<u64, Option<([u8; 32], ContentKey)>> = BTreeMap::new();
        let mut prepared = Vec::new();
        for candidate in expansion.candidates {
            match self.prepare(&candidate, &mut contents, &mut keys).await {
                Ok(Some(p)) => prepared.push(p),
                Ok(None) => {}
                Err(e) => {
                    let e = format!(
                        "content {} for {}: {e:#}",
                        candidate.content_id, candidate.holder
                    );
                    tracing::error!("{e}");
                    report.errors.push(e);
                }
            }
        }
        for (content_id, key) in &keys {
            if key.is_none() {
                report.skipped.push(format!(
                    "content {content_id}: no key file in {}",
                    super::keys::key_dir(&self.home).display()
                ));
            }
        }

        let mut batches: Vec<Vec<Prepared>> = Vec::new();
        for p in prepared {
            match batches.last_mut() {
                Some(b) if b.len() < MAX_DELIVERIES_PER_TX => b.push(p),
                _ => batches.push(vec![p]),
            }
        }
        for batch in batches {
            match self.send(&batch).await {
                Ok(hash) => self.record(&batch, &hash, &mut report),
                Err(e) if batch.len() > 1 => {
                    tracing::warn!(error = %format!("{e:#}"), deliveries = batch.len(), "a batch of deliveries failed; retrying them one by one");
                    for one in batch {
                        let single = [one];
                        match self.send(&single).await {
                            Ok(hash) => self.record(&single, &hash, &mut report),
                            Err(e) => self.failed(&single[0], &e, &mut report),
                        }
                    }
                }
                Err(e) => self.failed(&batch[0], &e, &mut report),
            }
        }
        report
    }

    /// The delivery of `candidate`, or `None` if there is nothing to do (a sealed key
    /// exists) or nothing that can be done (no local key file).
    async fn prepare(
        &mut self,
        candidate: &Candidate,
        contents: &mut BTreeMap<u64, pb::Content>,
        keys: &mut BTreeMap<u64, Option<([u8; 32], ContentKey)>>,
    ) -> anyhow::Result<Option<Prepared>> {
        let id = candidate.content_id;
        let pair = (id, candidate.holder);
        if self.delivered.contains(&pair) {
            return Ok(None);
        }
        if let Entry::Vacant(slot) = keys.entry(id) {
            let content = match contents.get(&id) {
                Some(c) => c.clone(),
                None => {
                    let c = fetch_content(&self.channel, id).await?;
                    contents.insert(id, c.clone());
                    c
                }
            };
            let root = root_of(&content)?;
            let key = load_key(&self.home, &root)?;
            if key.is_none() && self.warned_missing.insert(id) {
                tracing::warn!(
                    content_id = id,
                    file = %key_path(&self.home, &root).display(),
                    "no local key for this content; its holders are skipped"
                );
            }
            slot.insert(key.map(|k| (root, k)));
        }
        let Some(Some((root, key))) = keys.get(&id) else {
            return Ok(None);
        };
        if candidate.via_subscription
            && fetch_sealed_key(&self.channel, id, &candidate.holder)
                .await?
                .is_some()
        {
            self.delivered.insert(pair);
            return Ok(None);
        }
        let msg = msg_deliver_key(
            &self.creator,
            id,
            &candidate.holder,
            root,
            key,
            &candidate.buyer_key,
        )?;
        Ok(Some(Prepared {
            content_id: id,
            holder: candidate.holder,
            msg,
        }))
    }

    /// Signs and broadcasts `batch` in one transaction and waits for its block; the
    /// transaction's hash if it succeeded.
    async fn send(&self, batch: &[Prepared]) -> anyhow::Result<String> {
        let messages = batch.iter().map(|p| p.msg.clone()).collect();
        let submitted = sign_and_submit(&self.channel, &self.plan, &self.key, messages).await?;
        submitted.outcome()?;
        Ok(submitted.hash)
    }

    fn record(&mut self, batch: &[Prepared], hash: &str, report: &mut PassReport) {
        for p in batch {
            tracing::info!(holder = %p.holder, content_id = p.content_id, txhash = %hash, "key delivered");
            self.delivered.insert((p.content_id, p.holder));
            report.delivered.push(Delivered {
                content_id: p.content_id,
                holder: p.holder,
                txhash: hash.to_string(),
            });
        }
    }

    fn failed(&self, p: &Prepared, e: &anyhow::Error, report: &mut PassReport) {
        let e = format!("delivering content {} to {}: {e:#}", p.content_id, p.holder);
        tracing::error!("{e}");
        report.errors.push(e);
    }
}

/// The key daemon as a library, for a long-running program (the web application) that
/// serves the keys of the contents it published: each [`KeyDaemon::pass`] is one pass
/// of `weaved content serve-keys`.
pub struct KeyDaemon(KeyServer);

impl KeyDaemon {
    /// A daemon delivering the keys of `key`'s contents whose key files are under
    /// `home`; `plan` should wait for each block ([`TxPlan::waiting`]).
    pub fn new(channel: Channel, plan: TxPlan, key: SigningKey, home: &std::path::Path) -> Self {
        let creator = key.address();
        Self(KeyServer {
            channel,
            plan,
            key,
            creator,
            home: home.to_path_buf(),
            warned_missing: BTreeSet::new(),
            delivered: BTreeSet::new(),
        })
    }

    /// One pass: the number of keys delivered, and the errors met (logged too).
    pub async fn pass(&mut self) -> (usize, Vec<String>) {
        let report = self.0.pass().await;
        (report.delivered.len(), report.errors)
    }
}

/// Logs to stderr: `RUST_LOG` if set, else this binary's info messages.
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("weaved=info"));
    // A second initialisation (in tests) is harmless; its error says only that.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}

/// Runs `weaved content serve-keys`.
pub fn run(args: ServeKeysArgs, g: &GlobalOpts) -> anyhow::Result<()> {
    init_logging();
    let keyring = Keyring::open(&g.home, g.keyring_backend)?;
    let key = from_key(&args.opts, &keyring)?;
    let plan = TxPlan::resolve(&args.opts, g)?.waiting();
    let url = args.opts.node.url(&g.home)?;
    let interval = Duration::from_secs(args.interval);
    runtime()?.block_on(async {
        let mut sigint =
            signal(SignalKind::interrupt()).context("installing the SIGINT handler")?;
        let mut sigterm =
            signal(SignalKind::terminate()).context("installing the SIGTERM handler")?;
        let channel = connect(&url).await?;
        let creator = key.address();
        let mut server = KeyServer {
            channel,
            plan,
            key,
            creator,
            home: g.home.clone(),
            warned_missing: BTreeSet::new(),
            delivered: BTreeSet::new(),
        };
        if !args.once {
            tracing::info!(%creator, interval_secs = args.interval, "serving content keys");
        }
        loop {
            let report = tokio::select! {
                report = server.pass() => report,
                _ = sigint.recv() => { tracing::info!("SIGINT: stopping"); return Ok(()) }
                _ = sigterm.recv() => { tracing::info!("SIGTERM: stopping"); return Ok(()) }
            };
            if args.once {
                return if g.json() {
                    render::print_json(&report.json())
                } else {
                    println!("{}", report.text());
                    Ok(())
                };
            }
            tokio::select! {
                _ = tokio::time::sleep(interval) => {}
                _ = sigint.recv() => { tracing::info!("SIGINT: stopping"); return Ok(()) }
                _ = sigterm.recv() => { tracing::info!("SIGTERM: stopping"); return Ok(()) }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(content_id: u64, holder: Address, key: &[u8]) -> pb::PendingKey {
        pb::PendingKey {
            content_id,
            holder: holder.to_string(),
            buyer_key: key.to_vec(),
        }
    }

    #[test]
    fn pending_entries_expand_to_deliveries() {
        let (a, b, c) = (
            Address::new([1; 20]),
            Address::new([2; 20]),
            Address::new([3; 20]),
        );
        let pending = vec![
            entry(5, a, &[0xa; 32]),
            // A subscriber: every active content.
            entry(0, b, &[0xb; 32]),
            // The same holder bought content 5 too: one delivery, direct.
            entry(5, b, &[0xb; 32]),
            // No buyer key yet.
            entry(5, c, &[]),
            // A malformed key.
            entry(6, c, &[1; 31]),
        ];
        let x = expand_pending(&pending, &[5, 7]);
        assert_eq!(x.waiting, 1);
        assert_eq!(x.problems.len(), 1, "{:?}", x.problems);
        let got: Vec<(u64, Address, bool)> = x
            .candidates
            .iter()
            .map(|c| (c.content_id, c.holder, c.via_subscription))
            .collect();
        assert_eq!(got, vec![(5, a, false), (5, b, false), (7, b, true)]);
        assert_eq!(x.candidates[0].buyer_key, [0xa; 32]);

        // A subscriber with no active content gets nothing.
        let x = expand_pending(&[entry(0, b, &[0xb; 32])], &[]);
        assert!(x.candidates.is_empty());
    }

    #[test]
    fn the_pass_report_prints() {
        let report = PassReport {
            delivered: vec![Delivered {
                content_id: 2,
                holder: Address::new([1; 20]),
                txhash: "AB".into(),
            }],
            waiting: 1,
            skipped: vec!["content 3: no key file".into()],
            errors: Vec::new(),
        };
        let text = report.text();
        assert!(text.contains("delivered content 2 to weave1"), "{text}");
        assert!(text.ends_with("1 delivered, 1 waiting for a buyer key, 1 skipped, 0 errors"));
        let v = report.json();
        assert_eq!(v["delivered"][0]["txhash"], "AB");
        assert_eq!(v["waiting_for_buyer_key"], 1);
    }
}
