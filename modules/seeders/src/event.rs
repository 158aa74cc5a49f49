//! Constructors for the seeders module's typed events (see
//! `weave/seeders/v1/event.proto`).

use weave_kernel::{Address, Event};

use crate::SeederRecord;

/// The type strings of the module's events: the full names of the messages of
/// `weave/seeders/v1/event.proto`. Clients match events by these.
pub mod types {
    /// `EventSeederBonded`.
    pub const SEEDER_BONDED: &str = "weave.seeders.v1.EventSeederBonded";
    /// `EventSeederUpdated`.
    pub const SEEDER_UPDATED: &str = "weave.seeders.v1.EventSeederUpdated";
    /// `EventSeederUnbonding`.
    pub const SEEDER_UNBONDING: &str = "weave.seeders.v1.EventSeederUnbonding";
    /// `EventSeederUnbonded`.
    pub const SEEDER_UNBONDED: &str = "weave.seeders.v1.EventSeederUnbonded";
    /// `EventSeederJailed`.
    pub const SEEDER_JAILED: &str = "weave.seeders.v1.EventSeederJailed";
    /// `EventSeederUnjailed`.
    pub const SEEDER_UNJAILED: &str = "weave.seeders.v1.EventSeederUnjailed";
    /// `EventSeederSlashed`.
    pub const SEEDER_SLASHED: &str = "weave.seeders.v1.EventSeederSlashed";
    /// `EventBadSliceReported`.
    pub const BAD_SLICE_REPORTED: &str = "weave.seeders.v1.EventBadSliceReported";
    /// `EventReputationUpdated`.
    pub const REPUTATION_UPDATED: &str = "weave.seeders.v1.EventReputationUpdated";
    /// `EventEpochReward`.
    pub const EPOCH_REWARD: &str = "weave.seeders.v1.EventEpochReward";
    /// `EventEpochEnded`.
    pub const EPOCH_ENDED: &str = "weave.seeders.v1.EventEpochEnded";
    /// `EventProbeRound`.
    pub const PROBE_ROUND: &str = "weave.seeders.v1.EventProbeRound";
    /// `EventProbeResult`.
    pub const PROBE_RESULT: &str = "weave.seeders.v1.EventProbeResult";
    /// `EventParamsUpdated`.
    pub const PARAMS_UPDATED: &str = "weave.seeders.v1.EventParamsUpdated";
}

pub(crate) fn bonded(s: &SeederRecord) -> Event {
    Event::new(types::SEEDER_BONDED)
        .attr("seeder", s.address)
        .attr("bond", s.bond)
        .attr("peer_id", hex::encode(&s.peer_id))
        .attr("contents", s.contents.len())
}

pub(crate) fn updated(s: &SeederRecord) -> Event {
    Event::new(types::SEEDER_UPDATED)
        .attr("seeder", s.address)
        .attr("bond", s.bond)
        .attr("peer_id", hex::encode(&s.peer_id))
        .attr("contents", s.contents.len())
}

pub(crate) fn unbonding(seeder: &Address, completes_height: u64) -> Event {
    Event::new(types::SEEDER_UNBONDING)
        .attr("seeder", seeder)
        .attr("completes_height", completes_height)
}

pub(crate) fn unbonded(seeder: &Address, returned: u128) -> Event {
    Event::new(types::SEEDER_UNBONDED)
        .attr("seeder", seeder)
        .attr("returned", returned)
}

pub(crate) fn jailed(seeder: &Address, until: u64, reason: &str) -> Event {
    Event::new(types::SEEDER_JAILED)
        .attr("seeder", seeder)
        .attr("jailed_until", until)
        .attr("reason", reason)
}

pub(crate) fn unjailed(seeder: &Address) -> Event {
    Event::new(types::SEEDER_UNJAILED).attr("seeder", seeder)
}

/// One slash: what left the bond and where it went.
pub(crate) struct Slash<'a> {
    pub(crate) seeder: &'a Address,
    pub(crate) amount: u128,
    pub(crate) burned: u128,
    pub(crate) reporter: Option<&'a Address>,
    pub(crate) reporter_reward: u128,
    pub(crate) reason: &'a str,
}

pub(crate) fn slashed(s: &Slash<'_>) -> Event {
    Event::new(types::SEEDER_SLASHED)
        .attr("seeder", s.seeder)
        .attr("amount", s.amount)
        .attr("burned", s.burned)
        .attr(
            "reporter",
            s.reporter.map(ToString::to_string).unwrap_or_default(),
        )
        .attr("reporter_reward", s.reporter_reward)
        .attr("reason", s.reason)
}

pub(crate) fn bad_slice_reported(
    seeder: &Address,
    reporter: &Address,
    root: &[u8; 32],
    index: u64,
    ciphertext_hash: &[u8; 32],
) -> Event {
    Event::new(types::BAD_SLICE_REPORTED)
        .attr("seeder", seeder)
        .attr("reporter", reporter)
        .attr("content_root", hex::encode(root))
        .attr("slice_index", index)
        .attr("ciphertext_hash", hex::encode(ciphertext_hash))
}

pub(crate) struct ReputationUpdate<'a> {
    pub(crate) epoch: u64,
    pub(crate) seeder: &'a Address,
    pub(crate) reputation: u128,
    pub(crate) bandwidth_points: u128,
    pub(crate) probe_passes: u64,
    pub(crate) probe_fails: u64,
}

pub(crate) fn reputation_updated(r: &ReputationUpdate<'_>) -> Event {
    Event::new(types::REPUTATION_UPDATED)
        .attr("epoch", r.epoch)
        .attr("seeder", r.seeder)
        .attr("reputation", r.reputation)
        .attr("bandwidth_points", r.bandwidth_points)
        .attr("probe_passes", r.probe_passes)
        .attr("probe_fails", r.probe_fails)
}

pub(crate) fn epoch_reward(epoch: u64, seeder: &Address, amount: u128, reputation: u128) -> Event {
    Event::new(types::EPOCH_REWARD)
        .attr("epoch", epoch)
        .attr("seeder", seeder)
        .attr("amount", amount)
        .attr("reputation", reputation)
}

pub(crate) fn epoch_ended(epoch: u64, height: u64, reward: u128, paid: u128) -> Event {
    Event::new(types::EPOCH_ENDED)
        .attr("epoch", epoch)
        .attr("height", height)
        .attr("reward", reward)
        .attr("paid", paid)
}

pub(crate) fn probe_round(height: u64, seeders: usize, report_height: u64) -> Event {
    Event::new(types::PROBE_ROUND)
        .attr("height", height)
        .attr("seeders", seeders)
        .attr("report_height", report_height)
}

pub(crate) struct ProbeResult<'a> {
    pub(crate) round_height: u64,
    pub(crate) seeder: &'a Address,
    pub(crate) power_probed: u128,
    pub(crate) power_failed: u128,
    pub(crate) passed: bool,
    pub(crate) failed_rounds: u32,
}

pub(crate) fn probe_result(r: &ProbeResult<'_>) -> Event {
    Event::new(types::PROBE_RESULT)
        .attr("round_height", r.round_height)
        .attr("seeder", r.seeder)
        .attr("power_probed", r.power_probed)
        .attr("power_failed", r.power_failed)
        .attr("passed", r.passed)
        .attr("failed_rounds", r.failed_rounds)
}

pub(crate) fn params_updated() -> Event {
    Event::new(types::PARAMS_UPDATED)
}
