//! What a run produced: per epoch and strategy ([`Row`], the CSV), per epoch and agent
//! ([`AgentEpoch`]), and what the mechanism refused ([`Counters`]).

use std::io::Write;

/// An agent's strategy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Strategy {
    /// Registers content, is paid by purchases and by the split of streaming payments.
    Creator,
    /// Buys access and pays for what it streams.
    Viewer,
    /// Buys access and tries to stream without paying: an overspending voucher beyond a
    /// short deposit, a replayed voucher, a short channel, one tactic per epoch in turn.
    CheatingViewer,
    /// Bonds, serves (with its bandwidth and uptime) and claims its viewers' vouchers.
    HonestSeeder,
    /// Owns a content, seeds it and pays itself through a sybil viewer.
    SelfDealer,
    /// Bonds and never serves; tops its bond up and unjails whenever it can.
    FreeRider,
    /// Bonds and serves slices that do not verify; tops its bond up and unjails
    /// whenever it can.
    CorruptSeeder,
}

impl Strategy {
    /// Every strategy, in output order.
    pub const ALL: [Strategy; 7] = [
        Strategy::Creator,
        Strategy::Viewer,
        Strategy::CheatingViewer,
        Strategy::HonestSeeder,
        Strategy::SelfDealer,
        Strategy::FreeRider,
        Strategy::CorruptSeeder,
    ];

    /// The name in the CSV.
    pub fn name(self) -> &'static str {
        match self {
            Strategy::Creator => "creator",
            Strategy::Viewer => "viewer",
            Strategy::CheatingViewer => "cheating_viewer",
            Strategy::HonestSeeder => "honest_seeder",
            Strategy::SelfDealer => "self_dealer",
            Strategy::FreeRider => "free_rider",
            Strategy::CorruptSeeder => "corrupt_seeder",
        }
    }

    /// Whether the strategy bonds a seeder.
    pub fn seeds(self) -> bool {
        matches!(
            self,
            Strategy::HonestSeeder
                | Strategy::SelfDealer
                | Strategy::FreeRider
                | Strategy::CorruptSeeder
        )
    }
}

/// One line of the CSV: a strategy's totals at the end of an epoch (epoch 0: genesis).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The epoch just ended (0: genesis).
    pub epoch: u64,
    /// The height of the snapshot.
    pub height: i64,
    /// The strategy.
    pub strategy: Strategy,
    /// Agents following it.
    pub agents: usize,
    /// Their wealth (balances plus seeder bonds), uweave.
    pub wealth: u128,
    /// Wealth change over this epoch.
    pub profit_epoch: i128,
    /// Wealth change since genesis.
    pub profit_total: i128,
    /// Their seeders' reputation, summed.
    pub reputation: u128,
    /// Their seeders' bonds, summed.
    pub bond: u128,
    /// Bytes this epoch: verified by a successful claim (seeders), received (viewers).
    pub bytes: u64,
    /// Bytes this epoch that no voucher paid for (served by a seeder, received by a viewer).
    pub unpaid_bytes: u64,
    /// Their seeders jailed at the snapshot.
    pub jailed: usize,
    /// Their seeders' slashes since genesis, summed.
    pub slashed: u128,
    /// The community pool's balance.
    pub community_pool: u128,
}

/// One agent at the end of an epoch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentEpoch {
    /// The epoch just ended.
    pub epoch: u64,
    /// Its strategy.
    pub strategy: Strategy,
    /// Its index among the agents of that strategy.
    pub index: usize,
    /// Wealth change over this epoch.
    pub profit_epoch: i128,
    /// Wealth change since genesis.
    pub profit_total: i128,
    /// Its seeder's reputation.
    pub reputation: u128,
    /// Its seeder's bond.
    pub bond: u128,
    /// Bytes this epoch (see [`Row::bytes`]).
    pub bytes: u64,
    /// Unpaid bytes this epoch (see [`Row::unpaid_bytes`]).
    pub unpaid_bytes: u64,
    /// Whether its seeder is jailed.
    pub jailed: bool,
    /// Its seeder's slashes since genesis.
    pub slashed: u128,
}

/// What the mechanism did to the cheats over the run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counters {
    /// Replayed vouchers claimed and refused by the channels module (code 14 or 15).
    pub replays_refused: u64,
    /// Replayed vouchers the channels module accepted (should stay 0).
    pub replays_accepted: u64,
    /// Overspend vouchers claimed: the claim pays only what the deposit held.
    pub overspends: u64,
    /// Short channels whose vouchers were claimed in full all the same.
    pub short_channels_paid: u64,
    /// Bad-slice reports accepted (the seeder slashed and jailed).
    pub bad_slice_reports: u64,
    /// Bad-slice reports refused (already jailed or reported).
    pub bad_slice_refused: u64,
    /// Probe rounds reported by the validators.
    pub probe_rounds: u64,
    /// Unjails (after topping the bond up to `min_bond`) that succeeded.
    pub unjails: u64,
}

/// What a run produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The scenario's name.
    pub name: String,
    /// Per epoch and strategy.
    pub rows: Vec<Row>,
    /// Per epoch and agent.
    pub agents: Vec<AgentEpoch>,
    /// What the mechanism refused.
    pub counters: Counters,
}

/// The header of the CSV.
pub const CSV_HEADER: &str = "epoch,height,strategy,agents,wealth,profit_epoch,profit_total,reputation,bond,bytes,unpaid_bytes,jailed,slashed,community_pool";

impl Report {
    /// The strategy's row of the last epoch.
    pub fn last(&self, strategy: Strategy) -> Option<&Row> {
        self.rows.iter().rev().find(|r| r.strategy == strategy)
    }

    /// The agents of a strategy at the last epoch.
    pub fn final_agents(&self, strategy: Strategy) -> Vec<&AgentEpoch> {
        let last = self.agents.iter().map(|a| a.epoch).max().unwrap_or(0);
        self.agents
            .iter()
            .filter(|a| a.epoch == last && a.strategy == strategy)
            .collect()
    }

    /// The community pool at genesis and at the end.
    pub fn pool(&self) -> (u128, u128) {
        let first = self.rows.first().map_or(0, |r| r.community_pool);
        let last = self.rows.last().map_or(0, |r| r.community_pool);
        (first, last)
    }

    /// The lowest the community pool was at any snapshot.
    pub fn pool_low(&self) -> u128 {
        self.rows
            .iter()
            .map(|r| r.community_pool)
            .min()
            .unwrap_or(0)
    }

    /// Pearson's r between an honest seeder's profit in an epoch and the bytes a claim
    /// verified for it that epoch, over every (honest seeder, epoch ≥ 1); `None` with
    /// fewer than three points or no variance.
    pub fn honest_correlation(&self) -> Option<f64> {
        let points: Vec<(f64, f64)> = self
            .agents
            .iter()
            .filter(|a| a.strategy == Strategy::HonestSeeder && a.epoch >= 1)
            .map(|a| (a.bytes as f64, a.profit_epoch as f64))
            .collect();
        crate::stats::pearson(&points)
    }

    /// The first epoch at which each agent of `strategy` was jailed or slashed (`None`
    /// for an agent never caught).
    pub fn first_caught(&self, strategy: Strategy) -> Vec<Option<u64>> {
        let n = self
            .agents
            .iter()
            .filter(|a| a.strategy == strategy)
            .map(|a| a.index + 1)
            .max()
            .unwrap_or(0);
        (0..n)
            .map(|i| {
                self.agents
                    .iter()
                    .filter(|a| a.strategy == strategy && a.index == i)
                    .find(|a| a.jailed || a.slashed > 0)
                    .map(|a| a.epoch)
            })
            .collect()
    }

    /// Writes the rows as CSV.
    pub fn write_csv(&self, mut out: impl Write) -> std::io::Result<()> {
        writeln!(out, "{CSV_HEADER}")?;
        for r in &self.rows {
            writeln!(
                out,
                "{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
                r.epoch,
                r.height,
                r.strategy.name(),
                r.agents,
                r.wealth,
                r.profit_epoch,
                r.profit_total,
                r.reputation,
                r.bond,
                r.bytes,
                r.unpaid_bytes,
                r.jailed,
                r.slashed,
                r.community_pool
            )?;
        }
        Ok(())
    }

    /// Writes one row per agent and epoch: `epoch,strategy,index,profit_epoch,
    /// profit_total,reputation,bond,bytes,unpaid_bytes,jailed,slashed`.
    pub fn write_agents_csv(&self, mut out: impl Write) -> std::io::Result<()> {
        writeln!(
            out,
            "epoch,strategy,index,profit_epoch,profit_total,reputation,bond,bytes,unpaid_bytes,jailed,slashed"
        )?;
        for a in &self.agents {
            writeln!(
                out,
                "{},{},{},{},{},{},{},{},{},{},{}",
                a.epoch,
                a.strategy.name(),
                a.index,
                a.profit_epoch,
                a.profit_total,
                a.reputation,
                a.bond,
                a.bytes,
                a.unpaid_bytes,
                a.jailed,
                a.slashed
            )?;
        }
        Ok(())
    }

    /// The CSV as a string.
    pub fn csv(&self) -> String {
        let mut out = Vec::new();
        // Writing to a Vec cannot fail.
        let _ = self.write_csv(&mut out);
        String::from_utf8_lossy(&out).into_owned()
    }

    /// A short human-readable summary of the last epoch.
    pub fn summary(&self) -> String {
        let mut s = String::new();
        let (pool0, pool1) = self.pool();
        s.push_str(&format!(
            "{}: community pool {pool0} -> {pool1} uweave (lowest {})\n",
            self.name,
            self.pool_low()
        ));
        for st in Strategy::ALL {
            if let Some(r) = self.last(st) {
                if r.agents == 0 {
                    continue;
                }
                s.push_str(&format!(
                    "  {:<15} agents {:>3}  profit {:>14} uweave  reputation {:>10}  bond {:>10}  jailed {}  slashed {}\n",
                    st.name(),
                    r.agents,
                    r.profit_total,
                    r.reputation,
                    r.bond,
                    r.jailed,
                    r.slashed
                ));
            }
        }
        match self.honest_correlation() {
            Some(r) => s.push_str(&format!(
                "  honest seeders: Pearson r(profit per epoch, verified bytes per epoch) = {r:.4}\n"
            )),
            None => s.push_str("  honest seeders: too few points for a correlation\n"),
        }
        for st in [Strategy::FreeRider, Strategy::CorruptSeeder] {
            let caught = self.first_caught(st);
            if !caught.is_empty() {
                s.push_str(&format!(
                    "  {} first jailed or slashed at epochs {:?}\n",
                    st.name(),
                    caught
                ));
            }
        }
        s.push_str(&format!("  {:?}\n", self.counters));
        s
    }
}
