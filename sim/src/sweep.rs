//! A parameter sweep: one base scenario, a grid over parameters (any TOML path of the
//! scenario, such as `params.seeders.epoch_reward` or `behaviour.self_deal_mib`), one
//! run per point, and for each point whether it is *safe*: self-dealing loses money,
//! free-riders and corrupt seeders earn nothing and are all jailed or slashed within
//! the run, and the community pool never falls below its genesis balance.
//!
//! ```toml
//! scenario = "small.toml"        # relative to the sweep file
//! epochs = 3                     # optional: overrides the scenario's
//! [[axis]]
//! path = "params.seeders.max_reward_fee_bps"
//! values = [5000, 9000, 9999]
//! [[axis]]
//! path = "params.splits.protocol_fee_bps"
//! values = [0, 200, 1000]
//! ```

use std::{io::Write, path::Path};

use serde::Deserialize;

use crate::{run, Report, Scenario, SimError, Strategy};

/// A sweep file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sweep {
    /// The base scenario, relative to the sweep file.
    pub scenario: String,
    /// Overrides the scenario's epochs.
    #[serde(default)]
    pub epochs: Option<u64>,
    /// The grid: every combination of the axes' values is run.
    pub axis: Vec<Axis>,
}

/// One parameter and its values.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Axis {
    /// A dotted TOML path into the scenario.
    pub path: String,
    /// The values to try.
    pub values: Vec<toml::Value>,
}

/// `(path, value)` of each axis at one point.
pub type Values = Vec<(String, String)>;

/// One point of the grid and what its run showed.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    /// `(path, value)` of each axis.
    pub values: Vec<(String, String)>,
    /// Every self-dealer's profit over the run, summed (uweave).
    pub self_dealer_profit: i128,
    /// Every honest seeder's profit, summed.
    pub honest_profit: i128,
    /// Every free-rider's and corrupt seeder's profit, summed.
    pub free_rider_profit: i128,
    /// Every cheating viewer's unpaid bytes, summed.
    pub cheat_unpaid_bytes: u64,
    /// The epoch by which every free-rider and corrupt seeder had been jailed or
    /// slashed (`None` if one never was, or there are none).
    pub cheats_caught_by: Option<u64>,
    /// Honest seeders' slashes, summed (an honest seeder offline for
    /// `probe_fail_jail_threshold` rounds in a row is slashed too).
    pub honest_slashed: u128,
    /// The community pool at genesis, its lowest and at the end.
    pub pool: (u128, u128, u128),
    /// Pearson's r of the honest seeders (profit, bytes) per epoch.
    pub honest_r: Option<f64>,
    /// Self-dealing loses, free-riding earns nothing, the pool is not drained.
    pub safe: bool,
}

/// The CSV header of a sweep.
pub const SWEEP_HEADER: &str =
    "self_dealer_profit,honest_profit,free_rider_profit,cheat_unpaid_bytes,cheats_caught_by,honest_slashed,pool_start,pool_low,pool_end,honest_r,safe";

impl Point {
    fn from_report(values: Vec<(String, String)>, r: &Report) -> Self {
        let total = |st: Strategy| r.last(st).map_or(0, |row| row.profit_total);
        let pool = r.pool();
        let self_dealer_profit = total(Strategy::SelfDealer);
        let free_rider_profit = total(Strategy::FreeRider) + total(Strategy::CorruptSeeder);
        let dealers = r.last(Strategy::SelfDealer).map_or(0, |row| row.agents);
        let riders = r.last(Strategy::FreeRider).map_or(0, |row| row.agents)
            + r.last(Strategy::CorruptSeeder).map_or(0, |row| row.agents);
        let caught: Vec<Option<u64>> = r
            .first_caught(Strategy::FreeRider)
            .into_iter()
            .chain(r.first_caught(Strategy::CorruptSeeder))
            .collect();
        let cheats_caught_by = if caught.is_empty() || caught.iter().any(Option::is_none) {
            None
        } else {
            caught.into_iter().flatten().max()
        };
        let safe = (dealers == 0 || self_dealer_profit < 0)
            && (riders == 0 || (free_rider_profit <= 0 && cheats_caught_by.is_some()))
            && r.pool_low() >= pool.0;
        Self {
            values,
            self_dealer_profit,
            honest_profit: total(Strategy::HonestSeeder),
            free_rider_profit,
            cheat_unpaid_bytes: r
                .rows
                .iter()
                .filter(|row| row.strategy == Strategy::CheatingViewer)
                .map(|row| row.unpaid_bytes)
                .sum(),
            cheats_caught_by,
            honest_slashed: r.last(Strategy::HonestSeeder).map_or(0, |row| row.slashed),
            pool: (pool.0, r.pool_low(), pool.1),
            honest_r: r.honest_correlation(),
            safe,
        }
    }
}

fn set_path(root: &mut toml::Value, path: &str, value: toml::Value) -> Result<(), SimError> {
    let mut at = root;
    let parts: Vec<&str> = path.split('.').collect();
    for (i, part) in parts.iter().enumerate() {
        let table = at
            .as_table_mut()
            .ok_or_else(|| SimError::Config(format!("{path}: {part} is not in a table")))?;
        if i + 1 == parts.len() {
            table.insert((*part).to_string(), value);
            return Ok(());
        }
        at = table
            .entry((*part).to_string())
            .or_insert_with(|| toml::Value::Table(Default::default()));
    }
    Err(SimError::Config(format!("empty path {path:?}")))
}

impl Sweep {
    /// Reads a sweep file.
    pub fn load(path: &Path) -> Result<(Self, toml::Value), SimError> {
        let sweep: Sweep = toml::from_str(&std::fs::read_to_string(path)?)
            .map_err(|e| SimError::Config(e.to_string()))?;
        if sweep.axis.is_empty() || sweep.axis.iter().any(|a| a.values.is_empty()) {
            return Err(SimError::Config("a sweep needs axes with values".into()));
        }
        let base_path = path
            .parent()
            .unwrap_or_else(|| Path::new("."))
            .join(&sweep.scenario);
        let base: toml::Value = toml::from_str(&std::fs::read_to_string(&base_path)?)
            .map_err(|e| SimError::Config(format!("{}: {e}", base_path.display())))?;
        Ok((sweep, base))
    }

    /// The scenarios of the grid, in order (the last axis varies fastest).
    pub fn scenarios(&self, base: &toml::Value) -> Result<Vec<(Values, Scenario)>, SimError> {
        let mut out = Vec::new();
        let n: usize = self.axis.iter().map(|a| a.values.len()).product();
        for mut k in 0..n {
            let mut value = base.clone();
            let mut picked = vec![(String::new(), String::new()); self.axis.len()];
            for (ai, axis) in self.axis.iter().enumerate().rev() {
                let v = axis.values[k % axis.values.len()].clone();
                k /= axis.values.len();
                picked[ai] = (axis.path.clone(), v.to_string());
                set_path(&mut value, &axis.path, v)?;
            }
            if let Some(e) = self.epochs {
                set_path(&mut value, "epochs", toml::Value::Integer(e as i64))?;
            }
            out.push((picked, Scenario::from_value(value)?));
        }
        Ok(out)
    }

    /// Runs every point, calling `progress` after each.
    pub fn run(
        &self,
        base: &toml::Value,
        mut progress: impl FnMut(&Point),
    ) -> Result<Vec<Point>, SimError> {
        let mut points = Vec::new();
        for (values, scenario) in self.scenarios(base)? {
            let report = run(&scenario)?;
            let p = Point::from_report(values, &report);
            progress(&p);
            points.push(p);
        }
        Ok(points)
    }
}

/// Writes the points as CSV: one column per axis, then [`SWEEP_HEADER`].
pub fn write_csv(points: &[Point], mut out: impl Write) -> std::io::Result<()> {
    let Some(first) = points.first() else {
        return Ok(());
    };
    let names: Vec<&str> = first.values.iter().map(|(p, _)| p.as_str()).collect();
    writeln!(out, "{},{SWEEP_HEADER}", names.join(","))?;
    for p in points {
        let vals: Vec<&str> = p.values.iter().map(|(_, v)| v.as_str()).collect();
        writeln!(
            out,
            "{},{},{},{},{},{},{},{},{},{},{},{}",
            vals.join(","),
            p.self_dealer_profit,
            p.honest_profit,
            p.free_rider_profit,
            p.cheat_unpaid_bytes,
            p.cheats_caught_by
                .map_or_else(|| "never".into(), |e| e.to_string()),
            p.honest_slashed,
            p.pool.0,
            p.pool.1,
            p.pool.2,
            p.honest_r.map_or_else(String::new, |r| format!("{r:.4}")),
            p.safe
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "seed = 1\nepochs = 4\n[population]\ncreators = 1\nviewers = 1\nhonest_seeders = 1\n[params.seeders]\nepoch_blocks = 20\n";

    #[test]
    fn the_grid_is_every_combination_with_the_last_axis_fastest() {
        let sweep: Sweep = toml::from_str(
            "scenario = \"x.toml\"\nepochs = 2\n[[axis]]\npath = \"params.splits.protocol_fee_bps\"\nvalues = [0, 200]\n[[axis]]\npath = \"behaviour.self_deal_mib\"\nvalues = [1, 2, 3]\n",
        )
        .expect("a sweep");
        let base: toml::Value = toml::from_str(BASE).expect("a scenario");
        let grid = sweep.scenarios(&base).expect("the grid");
        assert_eq!(grid.len(), 6);
        let picked: Vec<(String, String)> = grid
            .iter()
            .map(|(v, _)| (v[0].1.clone(), v[1].1.clone()))
            .collect();
        assert_eq!(picked[0], ("0".into(), "1".into()));
        assert_eq!(picked[1], ("0".into(), "2".into()));
        assert_eq!(picked[5], ("200".into(), "3".into()));
        let (_, s) = &grid[4];
        assert_eq!(s.epochs, 2, "the sweep's epochs override the scenario's");
        assert_eq!(s.behaviour.self_deal_mib, 2);
        assert_eq!(
            s.params["splits"]["protocol_fee_bps"],
            toml::Value::Integer(200)
        );
        assert_eq!(
            s.params["seeders"]["epoch_blocks"],
            toml::Value::Integer(20)
        );
    }

    #[test]
    fn a_path_through_a_value_is_refused() {
        let mut base: toml::Value = toml::from_str(BASE).expect("a scenario");
        assert!(set_path(&mut base, "seed.x", toml::Value::Integer(1)).is_err());
        assert!(set_path(&mut base, "population.viewers", toml::Value::Integer(3)).is_ok());
        let s = Scenario::from_value(base.clone()).expect("still a scenario");
        assert_eq!(s.population.viewers, 3);
        set_path(
            &mut base,
            "population.lazy_validators",
            toml::Value::Integer(1),
        )
        .expect("set");
        assert!(
            Scenario::from_value(base).is_err(),
            "more lazy validators than validators"
        );
    }
}
