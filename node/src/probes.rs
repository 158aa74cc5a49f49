//! The availability prober of a validator's node.
//!
//! After each commit it looks for the probe round whose report is due in one of the
//! next votes (`weave_seeders::expected_round`). For a new round it derives this
//! validator's challenges (`weave_seeders::challenges`: from the round's block hash and
//! this node's consensus address), asks the sidecar to fetch each challenged slice from
//! its seeder and verify it against the registered root
//! ([`SidecarHandle::probe`](weave_sidecar::SidecarHandle::probe)), all at once and
//! each within [`PROBE_TIMEOUT`], and keeps the resulting report for the vote height
//! that carries it (a node whose key is no validator's does not probe). The
//! application's [`VoteExtender`] reads it from there in
//! ExtendVote; a report not ready in time is simply not sent (the validator then did
//! not probe that round), so a slow seeder can never delay consensus.

use std::{
    collections::{BTreeMap, BTreeSet},
    sync::{Arc, Mutex},
    time::Duration,
};

use weave_app::{vote_ext::VoteExtender, App};
use weave_kernel::ConsensusAddress;
use weave_seeders::{
    challenges, expected_round, read_seeder, Challenge, ProbeOutcome, ProbeReport,
};
use weave_sidecar::{Multiaddr, PeerId, SidecarHandle};

/// How long one probe may take: well under two block intervals, the default delay
/// between a round and the vote that reports it.
pub(crate) const PROBE_TIMEOUT: Duration = Duration::from_millis(1_500);

/// How often the prober looks for a new committed height.
const POLL: Duration = Duration::from_millis(100);

/// How many vote heights ahead of the last commit a round is looked for.
const LOOKAHEAD: u64 = 8;

/// Reports ready to be sent, by the vote height that carries them.
#[derive(Debug, Clone, Default)]
pub(crate) struct Reports(Arc<Mutex<BTreeMap<u64, Vec<u8>>>>);

impl Reports {
    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<u64, Vec<u8>>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The application's source of vote extensions: the report due at a height.
    pub(crate) fn extender(&self) -> VoteExtender {
        let reports = self.clone();
        Arc::new(move |height| reports.lock().get(&height).cloned().unwrap_or_default())
    }

    fn insert(&self, vote_height: u64, report: Vec<u8>) {
        let mut r = self.lock();
        r.insert(vote_height, report);
        // Keep only what a vote may still need.
        while r.len() > 16 {
            r.pop_first();
        }
    }
}

/// Probes every round due to this validator until `stop` fires.
pub(crate) async fn run(
    app: Arc<App>,
    sidecar: SidecarHandle,
    validator: ConsensusAddress,
    reports: Reports,
    mut stop: tokio::sync::watch::Receiver<bool>,
    metrics: crate::metrics::Metrics,
) {
    let mut started: BTreeSet<u64> = BTreeSet::new();
    let mut last_seen = None;
    loop {
        tokio::select! {
            _ = tokio::time::sleep(POLL) => {}
            _ = stop.changed() => return,
        }
        let Some(committed) = app.storage().latest_version() else {
            continue;
        };
        if last_seen == Some(committed) {
            continue;
        }
        last_seen = Some(committed);
        let state = app.storage().state();
        for vote_height in committed + 1..=committed + LOOKAHEAD {
            let round = match expected_round(state.as_ref(), vote_height) {
                Ok(Some(round)) => round,
                Ok(None) => continue,
                Err(e) => {
                    tracing::warn!(vote_height, error = %e, "reading the probe round");
                    continue;
                }
            };
            if !started.insert(round.height) {
                continue;
            }
            // Only a validator's report is ever carried; a full node does not probe.
            if !matches!(
                weave_validators::consensus_pubkey(state.as_ref(), &validator),
                Ok(Some(_))
            ) {
                continue;
            }
            while started.len() > 64 {
                started.pop_first();
            }
            let cs = challenges(&round, &validator, round.challenges_per_validator);
            let targets: Vec<Option<(PeerId, Vec<Multiaddr>)>> =
                cs.iter().map(|c| target(&app, c)).collect();
            let sidecar = sidecar.clone();
            let reports = reports.clone();
            let metrics = metrics.clone();
            tokio::spawn(async move {
                let outcomes = probe_all(&sidecar, &cs, targets).await;
                for outcome in &outcomes {
                    metrics.probe(*outcome == ProbeOutcome::Passed);
                }
                let passed = outcomes
                    .iter()
                    .filter(|o| **o == ProbeOutcome::Passed)
                    .count();
                tracing::info!(
                    round = round.height,
                    vote_height = round.report_height,
                    challenges = cs.len(),
                    passed,
                    "probe round done"
                );
                let report = ProbeReport::new(round.height, &cs, &outcomes).to_bytes();
                reports.insert(round.report_height, report);
            });
        }
    }
}

/// The seeder's sidecar peer and addresses, as it bonded them.
fn target(app: &App, c: &Challenge) -> Option<(PeerId, Vec<Multiaddr>)> {
    let state = app.storage().state();
    let seeder = read_seeder(state.as_ref(), &c.seeder).ok().flatten()?;
    let peer = PeerId::from_bytes(&seeder.peer_id).ok()?;
    let addrs = seeder
        .addrs
        .iter()
        .filter_map(|a| a.parse::<Multiaddr>().ok())
        .collect();
    Some((peer, addrs))
}

/// Probes every challenge at once. A seeder whose record cannot be read or whose
/// peer id does not parse fails its challenge: it bonded something unreachable.
async fn probe_all(
    sidecar: &SidecarHandle,
    cs: &[Challenge],
    targets: Vec<Option<(PeerId, Vec<Multiaddr>)>>,
) -> Vec<ProbeOutcome> {
    let probes = cs.iter().zip(targets).map(|(c, t)| {
        let sidecar = sidecar.clone();
        let (root, index) = (c.root, c.slice_index);
        async move {
            let Some((peer, addrs)) = t else {
                return ProbeOutcome::Failed;
            };
            match sidecar.probe(peer, addrs, root, index, PROBE_TIMEOUT).await {
                weave_sidecar::ProbeOutcome::Passed => ProbeOutcome::Passed,
                weave_sidecar::ProbeOutcome::Failed(why) => {
                    tracing::info!(%peer, root = %hex::encode(root), index, %why, "probe failed");
                    ProbeOutcome::Failed
                }
            }
        }
    });
    futures::future::join_all(probes).await
}
