//! A scenario: populations, length, seed, behaviour and parameter overrides, read
//! from TOML.
//!
//! ```toml
//! name = "small"
//! seed = 7
//! epochs = 4
//!
//! [population]
//! creators = 2
//! viewers = 4
//! honest_seeders = 2
//! self_dealers = 1
//! free_riders = 1             # bond, never serve
//! corrupt_seeders = 1         # serve slices that do not verify
//! cheating_viewers = 1        # overspend, replay vouchers, short channels
//! validators = 4              # probe rounds need validators
//! lazy_validators = 1         # pass everything without probing
//! colluding_validators = 1    # pass the cheats, fail the honest
//!
//! [behaviour]
//! price_per_gib = 1000000     # uweave per GiB streamed
//! access_price = 10000        # uweave per purchase
//! viewer_mib = [512, 4096]    # MiB each viewer streams per epoch, uniform in the range
//! self_deal_mib = 10240       # MiB the self-dealer's sybil "streams" per epoch
//! seeder_bond = 10000000
//! seeder_bandwidth = [1, 8]   # honest seeders' relative bandwidth
//! seeder_uptime_bps = [9000, 10000]
//! community_pool = 100000000  # the community pool at genesis
//!
//! [params.seeders]            # genesis overrides: /<module>/params/<name>
//! epoch_blocks = 20
//! ```

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::SimError;

/// A whole scenario.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// A name for the output.
    #[serde(default = "default_name")]
    pub name: String,
    /// The seed of every random choice.
    pub seed: u64,
    /// Epochs to run (each `seeders.epoch_blocks` blocks).
    pub epochs: u64,
    /// How many agents of each kind.
    pub population: Population,
    /// What the agents do.
    #[serde(default)]
    pub behaviour: Behaviour,
    /// Genesis parameter overrides: module → parameter → value.
    #[serde(default)]
    pub params: BTreeMap<String, BTreeMap<String, toml::Value>>,
}

fn default_name() -> String {
    "scenario".into()
}

/// How many agents of each kind.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Population {
    /// Honest creators, each registering one content.
    pub creators: u32,
    /// Honest viewers: buy one content, stream it every epoch from an honest seeder.
    pub viewers: u32,
    /// Honest seeders: bond on every honest content and claim what they served.
    pub honest_seeders: u32,
    /// Self-dealers: each owns a content, seeds it and pays itself through a sybil.
    #[serde(default)]
    pub self_dealers: u32,
    /// Free-riders: bond on every honest content and never serve (they fail probes and
    /// viewers get nothing from them); they unjail whenever the chain lets them.
    #[serde(default)]
    pub free_riders: u32,
    /// Corrupt seeders: bond on every honest content and serve slices that do not
    /// verify; a viewer that gets one reports it (`MsgReportBadSlice`).
    #[serde(default)]
    pub corrupt_seeders: u32,
    /// Viewers that try not to pay: each epoch one tactic in turn (an overspending
    /// voucher beyond a short deposit, a replayed voucher, a short channel closed at once).
    #[serde(default)]
    pub cheating_viewers: u32,
    /// Validators in the genesis, equal power; 0: no validators, so no probe rounds.
    #[serde(default)]
    pub validators: u32,
    /// Of them, lazy ones: report every challenge passed without probing.
    #[serde(default)]
    pub lazy_validators: u32,
    /// Of them, colluding ones: pass the free-riders and corrupt seeders, fail the
    /// honest seeders.
    #[serde(default)]
    pub colluding_validators: u32,
}

/// What the agents do.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Behaviour {
    /// Every content's streaming price, uweave per GiB.
    pub price_per_gib: u64,
    /// Every content's access price, uweave.
    pub access_price: u64,
    /// MiB an honest viewer streams per epoch, uniform in `[lo, hi]`.
    pub viewer_mib: [u64; 2],
    /// MiB the self-dealer's sybil pays its own seeder for per epoch.
    pub self_deal_mib: u64,
    /// Every seeder's bond, uweave.
    pub seeder_bond: u64,
    /// An honest seeder's bandwidth (its weight when a viewer picks a seeder), uniform
    /// in `[lo, hi]` per seeder.
    pub seeder_bandwidth: [u64; 2],
    /// An honest seeder's uptime in basis points, uniform in `[lo, hi]` per seeder: the
    /// chance it is online when a viewer or a probe comes.
    pub seeder_uptime_bps: [u64; 2],
    /// Every agent's balance at genesis, uweave.
    pub initial_balance: u64,
    /// The community pool's balance at genesis, uweave.
    pub community_pool: u64,
}

impl Default for Behaviour {
    fn default() -> Self {
        Self {
            price_per_gib: 1_000_000,
            access_price: 10_000,
            viewer_mib: [512, 4_096],
            self_deal_mib: 10_240,
            seeder_bond: 10_000_000,
            seeder_bandwidth: [1, 8],
            seeder_uptime_bps: [9_000, 10_000],
            initial_balance: 1_000_000_000_000,
            community_pool: 100_000_000,
        }
    }
}

impl Scenario {
    /// Parses and checks a scenario.
    pub fn from_toml(text: &str) -> Result<Self, SimError> {
        let s: Self = toml::from_str(text).map_err(|e| SimError::Config(e.to_string()))?;
        s.validate()?;
        Ok(s)
    }

    /// Checks a scenario given as a TOML value (a sweep edits one).
    pub fn from_value(value: toml::Value) -> Result<Self, SimError> {
        let s: Self = value
            .try_into()
            .map_err(|e: toml::de::Error| SimError::Config(e.to_string()))?;
        s.validate()?;
        Ok(s)
    }

    /// Reads a scenario file.
    pub fn load(path: &std::path::Path) -> Result<Self, SimError> {
        Self::from_toml(&std::fs::read_to_string(path)?)
    }

    fn validate(&self) -> Result<(), SimError> {
        let bad = |m: &str| Err(SimError::Config(m.into()));
        let p = &self.population;
        if p.creators == 0 || p.creators > 16 {
            return bad("population.creators must be 1..=16 (a seeder holds at most 16 contents)");
        }
        if p.honest_seeders == 0 {
            return bad("population.honest_seeders must be at least 1");
        }
        if self.epochs == 0 {
            return bad("epochs must be at least 1");
        }
        let [lo, hi] = self.behaviour.viewer_mib;
        if lo > hi {
            return bad("behaviour.viewer_mib must be [lo, hi] with lo <= hi");
        }
        let [lo, hi] = self.behaviour.seeder_bandwidth;
        if lo == 0 || lo > hi {
            return bad("behaviour.seeder_bandwidth must be [lo, hi] with 1 <= lo <= hi");
        }
        let [lo, hi] = self.behaviour.seeder_uptime_bps;
        if lo > hi || hi > 10_000 {
            return bad("behaviour.seeder_uptime_bps must be [lo, hi] with lo <= hi <= 10000");
        }
        if p.lazy_validators + p.colluding_validators > p.validators {
            return bad("lazy_validators + colluding_validators must not exceed validators");
        }
        Ok(())
    }

    /// Applies the parameter overrides to a genesis `app_state`: each value replaces
    /// `/<module>/params/<name>`, which must exist; an integer given for a field the
    /// genesis writes as a decimal string is written as a string.
    pub fn apply_overrides(&self, state: &mut serde_json::Value) -> Result<(), SimError> {
        for (module, params) in &self.params {
            for (name, value) in params {
                let pointer = format!("/{module}/params/{name}");
                let slot = state
                    .pointer_mut(&pointer)
                    .ok_or_else(|| SimError::Config(format!("genesis has no {pointer}")))?;
                let value = serde_json::to_value(value)?;
                *slot = match (&*slot, value) {
                    (serde_json::Value::String(_), serde_json::Value::Number(n)) => {
                        serde_json::Value::String(n.to_string())
                    }
                    (_, v) => v,
                };
            }
        }
        Ok(())
    }
}
