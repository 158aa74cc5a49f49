//! `weaved channels claim-daemon`: a paid seeder's node claims its vouchers on its own.
//!
//! The node's sidecar keeps the best voucher of each lane it was paid on (see the
//! `Vouchers` call of `weave.sidecar.v1.Sidecar`). Each pass, the daemon reads them,
//! reads each lane's claimed amount and each channel's state from the chain, and
//! claims the lanes with something unclaimed when
//! - their unclaimed value together reaches `--threshold`, or
//! - `--claim-every` seconds have passed since its last claim (periodically), or
//! - a lane's channel is closing and settles within `--closing-margin` blocks: such a
//!   lane is always claimed before its challenge period ends.
//!
//! Vouchers of a channel that settled are dropped from the node (`ForgetChannel`).
//!
//! The daemon keeps no state of its own: what is unclaimed is always the node's
//! vouchers against the chain's lanes, so it can stop and start at any time.

use std::{collections::BTreeMap, time::Duration};

use anyhow::{anyhow, Context};
use serde_json::{json, Value};
use tokio::signal::unix::{signal, SignalKind};
use tokio::time::Instant;
use tonic::transport::Channel;
use weave_channels::Voucher;
use weave_kernel::Address;
use weave_proto::weave::{
    channels::v1::{
        self as pb, query_client::QueryClient, ChannelStatus, QueryChannelRequest,
        QueryLaneRequest, QueryParamsRequest,
    },
    sidecar::v1::{ForgetChannelRequest, VouchersRequest},
};

use crate::{
    builder::to_any,
    chain::connect,
    chain::runtime,
    chain::status_error,
    render,
    tx::{from_key, sign_and_submit, TxOpts, TxPlan},
};
use crate::{
    keys::{Keyring, SigningKey},
    opts::GlobalOpts,
};

/// `weaved channels claim-daemon` flags.
#[derive(Debug, clap::Args)]
pub struct ClaimDaemonArgs {
    /// Seconds between passes (each reads the node's vouchers and the chain).
    #[arg(long, value_name = "SECS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..))]
    interval: u64,
    /// Claim once the unclaimed value of all lanes reaches this many uweave.
    #[arg(long, value_name = "UWEAVE", default_value_t = 1_000_000)]
    threshold: u128,
    /// Claim whatever is unclaimed at least this often, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 3600)]
    claim_every: u64,
    /// Claim a closing channel's lanes once it settles within this many blocks.
    #[arg(long, value_name = "BLOCKS", default_value_t = 20)]
    closing_margin: u64,
    /// Run one pass that claims everything unclaimed now, print what it did and exit.
    #[arg(long)]
    once: bool,
    /// The transaction flags (--from names the seeder's key: the node's payout
    /// address; every transaction is waited for, whatever --wait says).
    #[command(flatten)]
    opts: TxOpts,
}

/// A lane with something to claim.
#[derive(Debug, Clone)]
struct Claimable {
    signed: pb::SignedVoucher,
    voucher: Voucher,
    unclaimed: u128,
    /// The channel is closing and settles within the margin.
    urgent: bool,
}

/// What a pass did.
#[derive(Debug, Default)]
struct PassReport {
    /// Lanes with something unclaimed, and their value.
    lanes: usize,
    unclaimed: u128,
    /// Why it claimed (empty: it did not).
    reason: Option<&'static str>,
    /// Each claim transaction: its hash, vouchers, uweave paid, vouchers refused.
    claims: Vec<(String, usize, u128, usize)>,
    errors: Vec<String>,
}

impl PassReport {
    fn json(&self) -> Value {
        json!({
            "lanes_unclaimed": self.lanes,
            "unclaimed": self.unclaimed.to_string(),
            "reason": self.reason,
            "claims": self.claims.iter().map(|(hash, n, paid, refused)| json!({
                "txhash": hash, "vouchers": n, "paid": paid.to_string(), "refused": refused,
            })).collect::<Vec<_>>(),
            "errors": self.errors,
        })
    }

    fn text(&self) -> String {
        let mut out = format!(
            "{} lanes with {}uweave unclaimed",
            self.lanes, self.unclaimed
        );
        if let Some(r) = self.reason {
            out.push_str(&format!("; claimed ({r})"));
        }
        for (hash, n, paid, refused) in &self.claims {
            out.push_str(&format!(
                "\nclaim {hash}: {n} vouchers, {paid}uweave paid, {refused} refused"
            ));
        }
        for e in &self.errors {
            out.push_str(&format!("\nerror: {e}"));
        }
        out
    }
}

struct Claimer {
    channel: Channel,
    /// The node's sidecar API, with its token.
    sidecar: crate::sidecar_auth::LocalSidecar,
    plan: TxPlan,
    key: SigningKey,
    seeder: Address,
    args_threshold: u128,
    claim_every: Duration,
    closing_margin: u64,
    last_claim: Instant,
    warned_payout: bool,
}

impl Claimer {
    /// The lanes of the node's vouchers with something unclaimed on chain.
    async fn claimable(&mut self) -> anyhow::Result<Vec<Claimable>> {
        let held = self
            .sidecar
            .clone()
            .vouchers(VouchersRequest {})
            .await
            .map_err(status_error)?
            .into_inner();
        if held.payout_address != self.seeder.to_string() && !self.warned_payout {
            self.warned_payout = true;
            tracing::warn!(
                payout = %held.payout_address,
                seeder = %self.seeder,
                "the node's [sidecar] payout_address is not --from: only vouchers naming --from are claimed"
            );
        }
        let height = crate::chain::latest_height(&self.channel).await?;
        let mut query = QueryClient::new(self.channel.clone());
        let mut channels: BTreeMap<u64, Option<pb::Channel>> = BTreeMap::new();
        let mut out = Vec::new();
        let mut settled = std::collections::BTreeSet::new();
        for signed in held.vouchers {
            let Ok(voucher) = Voucher::decode(&signed.voucher) else {
                continue;
            };
            if voucher.seeder != self.seeder {
                continue;
            }
            if let std::collections::btree_map::Entry::Vacant(slot) =
                channels.entry(voucher.channel_id)
            {
                let c = query
                    .channel(QueryChannelRequest {
                        channel_id: voucher.channel_id,
                    })
                    .await
                    .map_err(status_error)
                    .with_context(|| format!("reading channel {}", voucher.channel_id))?
                    .into_inner()
                    .channel;
                slot.insert(c);
            }
            let Some(Some(c)) = channels.get(&voucher.channel_id) else {
                continue;
            };
            if c.status == ChannelStatus::Settled as i32 {
                settled.insert(voucher.channel_id);
                continue;
            }
            let claimed = match query
                .lane(QueryLaneRequest {
                    channel_id: voucher.channel_id,
                    seeder: self.seeder.to_string(),
                    content_root: voucher.content_root.to_vec(),
                })
                .await
            {
                Ok(r) => r
                    .into_inner()
                    .lane
                    .map(|l| l.claimed_amount.parse::<u128>().unwrap_or(0))
                    .unwrap_or(0),
                Err(s) if s.code() == tonic::Code::NotFound => 0,
                Err(s) => return Err(status_error(s)).context("reading a lane"),
            };
            if voucher.cumulative_amount <= claimed {
                continue;
            }
            let urgent = c.status == ChannelStatus::Closing as i32
                && c.settle_height <= height.saturating_add(self.closing_margin);
            out.push(Claimable {
                unclaimed: voucher.cumulative_amount - claimed,
                signed,
                voucher,
                urgent,
            });
        }
        // Nothing more can be claimed on a settled channel: the node drops its vouchers.
        for channel_id in settled {
            match self
                .sidecar
                .clone()
                .forget_channel(ForgetChannelRequest { channel_id })
                .await
            {
                Ok(r) => tracing::info!(
                    channel = channel_id,
                    forgotten = r.into_inner().forgotten,
                    "settled channel: its vouchers dropped"
                ),
                Err(e) => {
                    tracing::warn!(channel = channel_id, error = %e, "dropping a settled channel's vouchers")
                }
            }
        }
        Ok(out)
    }

    /// One pass: claim if a rule says so (or always, with `force`).
    async fn pass(&mut self, force: bool) -> PassReport {
        let mut report = PassReport::default();
        let lanes = match self.claimable().await {
            Ok(l) => l,
            Err(e) => {
                report.errors.push(format!("{e:#}"));
                return report;
            }
        };
        report.lanes = lanes.len();
        report.unclaimed = lanes
            .iter()
            .map(|l| l.unclaimed)
            .fold(0, u128::saturating_add);
        if lanes.is_empty() {
            return report;
        }
        report.reason = if force {
            Some("asked to")
        } else if lanes.iter().any(|l| l.urgent) {
            Some("a channel's challenge period ends soon")
        } else if report.unclaimed >= self.args_threshold {
            Some("the unclaimed value reached the threshold")
        } else if self.last_claim.elapsed() >= self.claim_every {
            Some("periodic")
        } else {
            None
        };
        if report.reason.is_none() {
            return report;
        }
        let max = match QueryClient::new(self.channel.clone())
            .params(QueryParamsRequest {})
            .await
        {
            Ok(p) => p
                .into_inner()
                .params
                .map_or(1, |p| p.max_vouchers_per_claim.max(1) as usize),
            Err(e) => {
                report.errors.push(format!("reading params: {e}"));
                return report;
            }
        };
        // The most urgent lanes first.
        let mut lanes = lanes;
        lanes.sort_by_key(|l| (!l.urgent, l.voucher.channel_id));
        for batch in lanes.chunks(max) {
            match self.claim(batch).await {
                Ok(c) => report.claims.push(c),
                Err(e) => report.errors.push(format!("{e:#}")),
            }
        }
        self.last_claim = Instant::now();
        report
    }

    async fn claim(&self, batch: &[Claimable]) -> anyhow::Result<(String, usize, u128, usize)> {
        let msg = to_any(
            weave_channels::MSG_CLAIM,
            &super::msg::claim_msg(
                &self.seeder,
                &batch.iter().map(|l| l.signed.clone()).collect::<Vec<_>>(),
            ),
        );
        let submitted = sign_and_submit(&self.channel, &self.plan, &self.key, vec![msg]).await?;
        submitted.outcome()?;
        let paid: u128 = submitted
            .events("weave.channels.v1.EventClaimPaid")
            .iter()
            .filter_map(|e| {
                e.iter()
                    .find(|(k, _)| k == "amount")
                    .and_then(|(_, v)| v.parse::<u128>().ok())
            })
            .sum();
        let refused = submitted
            .events("weave.channels.v1.EventVoucherRejected")
            .len();
        for l in batch {
            tracing::info!(
                channel = l.voucher.channel_id,
                content = %hex::encode(l.voucher.content_root),
                unclaimed = %l.unclaimed,
                txhash = %submitted.hash,
                "lane claimed"
            );
        }
        Ok((submitted.hash.clone(), batch.len(), paid, refused))
    }
}

/// What [`claim_now`] found and did.
#[derive(Debug, Clone, Default)]
pub struct ClaimNow {
    /// Lanes of the node's vouchers with something unclaimed on chain (before claiming).
    pub lanes: usize,
    /// Their unclaimed value, in uweave.
    pub unclaimed: u128,
    /// Each claim transaction: its hash, vouchers, uweave paid, vouchers refused.
    pub claims: Vec<(String, usize, u128, usize)>,
    /// What went wrong.
    pub errors: Vec<String>,
}

/// One pass of `weaved channels claim-daemon --once` as a library: reads the vouchers
/// this node's sidecar holds for `key`'s seeder (the node's home `home` holds the
/// sidecar's API token) against the chain's lanes, and, unless `count_only`, claims
/// every lane with something unclaimed. `plan` should wait for each block.
pub async fn claim_now(
    channel: Channel,
    home: &std::path::Path,
    plan: TxPlan,
    key: SigningKey,
    count_only: bool,
) -> ClaimNow {
    let seeder = key.address();
    let mut claimer = Claimer {
        sidecar: crate::sidecar_auth::local_sidecar(channel.clone(), home),
        channel,
        plan,
        key,
        seeder,
        args_threshold: u128::MAX,
        claim_every: Duration::from_secs(u64::MAX / 4),
        closing_margin: 0,
        last_claim: Instant::now(),
        warned_payout: true,
    };
    let report = if count_only {
        let mut r = PassReport::default();
        match claimer.claimable().await {
            Ok(lanes) => {
                r.lanes = lanes.len();
                r.unclaimed = lanes
                    .iter()
                    .map(|l| l.unclaimed)
                    .fold(0, u128::saturating_add);
            }
            Err(e) => r.errors.push(format!("{e:#}")),
        }
        r
    } else {
        claimer.pass(true).await
    };
    ClaimNow {
        lanes: report.lanes,
        unclaimed: report.unclaimed,
        claims: report.claims,
        errors: report.errors,
    }
}

/// Runs `weaved channels claim-daemon`.
pub fn run(args: ClaimDaemonArgs, g: &GlobalOpts) -> anyhow::Result<()> {
    crate::content::init_logging();
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
        let seeder = key.address();
        let mut claimer = Claimer {
            sidecar: crate::sidecar_auth::local_sidecar(channel.clone(), &g.home),
            channel,
            plan,
            key,
            seeder,
            args_threshold: args.threshold,
            claim_every: Duration::from_secs(args.claim_every),
            closing_margin: args.closing_margin,
            last_claim: Instant::now(),
            warned_payout: false,
        };
        if args.once {
            let report = claimer.pass(true).await;
            if g.json() {
                render::print_json(&report.json())?;
            } else {
                println!("{}", report.text());
            }
            return if report.errors.is_empty() {
                Ok(())
            } else {
                Err(anyhow!("{} errors", report.errors.len()))
            };
        }
        tracing::info!(%seeder, interval_secs = args.interval, threshold = %args.threshold, "claiming vouchers");
        loop {
            let report = tokio::select! {
                report = claimer.pass(false) => report,
                _ = sigint.recv() => { tracing::info!("SIGINT: stopping"); return Ok(()) }
                _ = sigterm.recv() => { tracing::info!("SIGTERM: stopping"); return Ok(()) }
            };
            for e in &report.errors {
                tracing::error!("{e}");
            }
            if report.reason.is_some() {
                tracing::info!("{}", report.text());
            }
            tokio::select! {
                _ = tokio::time::sleep(interval) => {}
                _ = sigint.recv() => { tracing::info!("SIGINT: stopping"); return Ok(()) }
                _ = sigterm.recv() => { tracing::info!("SIGTERM: stopping"); return Ok(()) }
            }
        }
    })
}
