//! Constructors for the seeders module's typed events (see
//! `weave/seeders/v1/event.proto`).

use weave_kernel::{Address, Event};
use weave_proto::weave::seeders::v1 as ev;

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
    Event::from_proto(&ev::EventSeederBonded {
        seeder: s.address.to_string(),
        bond: s.bond.to_string(),
        peer_id: hex::encode(&s.peer_id),
        contents: u32::try_from(s.contents.len()).unwrap_or(u32::MAX),
    })
}

pub(crate) fn updated(s: &SeederRecord) -> Event {
    Event::from_proto(&ev::EventSeederUpdated {
        seeder: s.address.to_string(),
        bond: s.bond.to_string(),
        peer_id: hex::encode(&s.peer_id),
        contents: u32::try_from(s.contents.len()).unwrap_or(u32::MAX),
    })
}

pub(crate) fn unbonding(seeder: &Address, completes_height: u64) -> Event {
    Event::from_proto(&ev::EventSeederUnbonding {
        seeder: seeder.to_string(),
        completes_height,
    })
}

pub(crate) fn unbonded(seeder: &Address, returned: u128) -> Event {
    Event::from_proto(&ev::EventSeederUnbonded {
        seeder: seeder.to_string(),
        returned: returned.to_string(),
    })
}

pub(crate) fn jailed(seeder: &Address, until: u64, reason: &str) -> Event {
    Event::from_proto(&ev::EventSeederJailed {
        seeder: seeder.to_string(),
        jailed_until: until,
        reason: reason.to_string(),
    })
}

pub(crate) fn unjailed(seeder: &Address) -> Event {
    Event::from_proto(&ev::EventSeederUnjailed {
        seeder: seeder.to_string(),
    })
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
    Event::from_proto(&ev::EventSeederSlashed {
        seeder: s.seeder.to_string(),
        amount: s.amount.to_string(),
        burned: s.burned.to_string(),
        reporter: s.reporter.map(ToString::to_string).unwrap_or_default(),
        reporter_reward: s.reporter_reward.to_string(),
        reason: s.reason.to_string(),
    })
}

pub(crate) fn bad_slice_reported(
    seeder: &Address,
    reporter: &Address,
    root: &[u8; 32],
    index: u64,
    ciphertext_hash: &[u8; 32],
) -> Event {
    Event::from_proto(&ev::EventBadSliceReported {
        seeder: seeder.to_string(),
        reporter: reporter.to_string(),
        content_root: hex::encode(root),
        slice_index: index,
        ciphertext_hash: hex::encode(ciphertext_hash),
    })
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
    Event::from_proto(&ev::EventReputationUpdated {
        epoch: r.epoch,
        seeder: r.seeder.to_string(),
        reputation: r.reputation.to_string(),
        bandwidth_points: r.bandwidth_points.to_string(),
        probe_passes: r.probe_passes,
        probe_fails: r.probe_fails,
    })
}

pub(crate) fn epoch_reward(epoch: u64, seeder: &Address, amount: u128, reputation: u128) -> Event {
    Event::from_proto(&ev::EventEpochReward {
        epoch,
        seeder: seeder.to_string(),
        amount: amount.to_string(),
        reputation: reputation.to_string(),
    })
}

pub(crate) fn epoch_ended(epoch: u64, height: u64, reward: u128, paid: u128) -> Event {
    Event::from_proto(&ev::EventEpochEnded {
        epoch,
        height,
        reward: reward.to_string(),
        paid: paid.to_string(),
    })
}

pub(crate) fn probe_round(height: u64, seeders: usize, report_height: u64) -> Event {
    Event::from_proto(&ev::EventProbeRound {
        height,
        seeders: u32::try_from(seeders).unwrap_or(u32::MAX),
        report_height,
    })
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
    Event::from_proto(&ev::EventProbeResult {
        round_height: r.round_height,
        seeder: r.seeder.to_string(),
        power_probed: r.power_probed.to_string(),
        power_failed: r.power_failed.to_string(),
        passed: r.passed,
        failed_rounds: r.failed_rounds,
    })
}

pub(crate) fn params_updated() -> Event {
    Event::from_proto(&ev::EventParamsUpdated {})
}

#[cfg(test)]
mod tests {
    use prost::Name;

    use super::*;

    /// The type strings clients match are the full names of the proto events.
    #[test]
    fn event_types_are_the_proto_full_names() {
        assert_eq!(types::SEEDER_BONDED, ev::EventSeederBonded::full_name());
        assert_eq!(types::SEEDER_UPDATED, ev::EventSeederUpdated::full_name());
        assert_eq!(
            types::SEEDER_UNBONDING,
            ev::EventSeederUnbonding::full_name()
        );
        assert_eq!(types::SEEDER_UNBONDED, ev::EventSeederUnbonded::full_name());
        assert_eq!(types::SEEDER_JAILED, ev::EventSeederJailed::full_name());
        assert_eq!(types::SEEDER_UNJAILED, ev::EventSeederUnjailed::full_name());
        assert_eq!(types::SEEDER_SLASHED, ev::EventSeederSlashed::full_name());
        assert_eq!(
            types::BAD_SLICE_REPORTED,
            ev::EventBadSliceReported::full_name()
        );
        assert_eq!(
            types::REPUTATION_UPDATED,
            ev::EventReputationUpdated::full_name()
        );
        assert_eq!(types::EPOCH_REWARD, ev::EventEpochReward::full_name());
        assert_eq!(types::EPOCH_ENDED, ev::EventEpochEnded::full_name());
        assert_eq!(types::PROBE_ROUND, ev::EventProbeRound::full_name());
        assert_eq!(types::PROBE_RESULT, ev::EventProbeResult::full_name());
        assert_eq!(types::PARAMS_UPDATED, ev::EventParamsUpdated::full_name());
    }
}
