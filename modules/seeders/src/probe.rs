//! Availability probes, chain side.
//!
//! **Rounds.** At the end of every height `H` divisible by `probe_interval_blocks`
//! (in FinalizeBlock, when the block hash is known) the module stores a
//! [`ProbeRound`]: `H`, the block hash, the height `H + probe_report_delay_blocks` at
//! which it is reported, the challenges per validator, and every bonded, unjailed
//! seeder with its committed `(root, slice_count)` list. Only the latest
//! [`PROBE_ROUNDS_KEPT`](crate::params::PROBE_ROUNDS_KEPT) rounds are kept.
//!
//! **Challenges.** Each validator derives its own [`challenges`] from the round and its
//! consensus address, probes the seeders' sidecars for those slices and reports in its
//! vote extension at the report height: a [`ProbeReport`] with the round, the
//! [`challenges_digest`] of its challenges and two bitfields (probed, passed).
//! [`verify_report`] checks such an extension (VerifyVoteExtension);
//! [`expected_round`] tells a validator's prober which round to probe for a vote.
//!
//! **Verdicts.** The application hands the verified reports of a vote height to
//! [`crate::SeedersModule::apply_probe_reports`] in the next block, with the power of
//! the whole validator set that voted at that height (every vote of the block's last
//! commit, present or not). Per seeder, each validator that probed any of its
//! challenges counts its power once as *probed*, and once as *failed* if any challenge
//! on that seeder it probed did not pass; the rest of the probed power *passed* it.
//! Both verdicts are judged against the *whole set's* power, so that validators
//! holding less than a third of it, lazy (passing without probing) or colluding, can
//! decide neither:
//! - the seeder **fails** the round if the failed power is more than a third of the
//!   whole set's (failed × 3 > total: at least one honest validator saw it fail,
//!   whatever the proposer left out and whichever reporters collude below a third)
//!   and at least `min_probe_failers` distinct validators saw a failure (a lone
//!   validator never fails a seeder), **whatever the passes**;
//! - it **passes** if it did not fail and the passed power is more than a third of the
//!   whole set's (at least one honest validator saw it serve);
//! - otherwise the round is **inconclusive** for it and changes nothing: neither a
//!   pass nor a fail is counted and its failures in a row are kept. A seeder probed by
//!   too few validators in a round (at most a third of the power) is always
//!   inconclusive, so a lazy validator's rubber-stamp pass can never cancel an honest
//!   failure nor reset the count, and colluders' failures can never fail a seeder
//!   that served the honest ones.
//!
//! Passes and fails feed the epoch's reputation inputs; failing
//! `probe_fail_jail_threshold` conclusive rounds in a row (inconclusive rounds in
//! between neither break nor extend the run; a pass does) jails and slashes (burned).
//! An honest seeder that is offline now and then fails the rounds in which more than a
//! third of the power found it offline and passes those in which more than a third
//! found it serving, so only a run of `probe_fail_jail_threshold` offline verdicts with
//! no serving verdict in between jails it. Coverage is what makes rounds conclusive:
//! each validator draws `challenges_per_validator` challenges over the bonded seeders,
//! so that number must grow with the seeder set (`challenges_per_validator ×
//! validators` several times the seeders; see `docs/economics.md`).

use std::collections::{BTreeMap, BTreeSet};

use prost::Message;
use sha2::{Digest, Sha256};
use weave_kernel::{Address, StateRead, StateView, Store, TxError};
use weave_proto::weave::seeders::v1 as pb;
use weave_slices::Bitfield;

pub use crate::record::{ProbeRound, ProbeTarget};
use crate::{keeper, params::MAX_CHALLENGES_PER_VALIDATOR, SeedersError};

/// The largest probe report (vote extension) accepted, in bytes.
pub const MAX_REPORT_LEN: usize = 128;

/// Domain of the seed each challenge is drawn from.
const CHALLENGE_DOMAIN: &[u8] = b"weave/probe/v1";
/// Domain of a validator's challenges digest.
const DIGEST_DOMAIN: &[u8] = b"weave/probe-challenges/v1";

/// One challenge: the seeder must serve this slice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Challenge {
    /// Who is probed (the node looks up its peer id and addresses).
    pub seeder: Address,
    /// The content.
    pub root: [u8; 32],
    /// The slice.
    pub slice_index: u64,
}

fn word(seed: &[u8], at: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&seed[at..at + 8]);
    u64::from_be_bytes(w)
}

/// A validator's challenges in a round: for counter `i` in `0..n` (n capped at 32), the
/// seed `SHA-256("weave/probe/v1" || block_hash || validator_address || i as u32 BE)`
/// picks a seeder (first 8 bytes, big-endian, modulo the seeders), one of its contents
/// (next 8, modulo its contents) and a slice (next 8, modulo the slice count).
pub fn challenges(round: &ProbeRound, validator_address: &[u8], n: u32) -> Vec<Challenge> {
    let mut out = Vec::new();
    let Ok(count) = u64::try_from(round.seeders.len()) else {
        return out;
    };
    if count == 0 {
        return out;
    }
    for i in 0..n.min(MAX_CHALLENGES_PER_VALIDATOR) {
        let mut h = Sha256::new();
        h.update(CHALLENGE_DOMAIN);
        h.update(&round.block_hash);
        h.update(validator_address);
        h.update(i.to_be_bytes());
        let seed = h.finalize();
        // The modulus is below the length, so the index fits.
        let target = &round.seeders[(word(&seed, 0) % count) as usize];
        let Ok(contents) = u64::try_from(target.contents.len()) else {
            continue;
        };
        if contents == 0 {
            continue;
        }
        let content = target.contents[(word(&seed, 8) % contents) as usize];
        if content.slice_count == 0 {
            continue;
        }
        out.push(Challenge {
            seeder: target.seeder,
            root: content.root,
            slice_index: word(&seed, 16) % content.slice_count,
        });
    }
    out
}

/// The first 8 bytes of `SHA-256("weave/probe-challenges/v1" || for each challenge:
/// seeder (20) || root (32) || slice index (u64 BE))`.
pub fn challenges_digest(challenges: &[Challenge]) -> [u8; 8] {
    let mut h = Sha256::new();
    h.update(DIGEST_DOMAIN);
    for c in challenges {
        h.update(c.seeder.as_bytes());
        h.update(c.root);
        h.update(c.slice_index.to_be_bytes());
    }
    let d = h.finalize();
    let mut out = [0u8; 8];
    out.copy_from_slice(&d[..8]);
    out
}

/// What a validator found for one challenge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProbeOutcome {
    /// It did not get to probe it.
    NotProbed,
    /// The seeder served the slice and it verified.
    Passed,
    /// The seeder did not serve it, or served something that did not verify.
    Failed,
}

/// A validator's probe report, the payload of its vote extension.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeReport {
    /// The round probed.
    pub round_height: u64,
    /// The digest of the validator's challenges in that round.
    pub challenges_digest: [u8; 8],
    /// Bit `i`: challenge `i` was probed.
    pub probed: Bitfield,
    /// Bit `i`: challenge `i` passed (a subset of `probed`).
    pub passed: Bitfield,
}

impl ProbeReport {
    /// The report of `outcomes`, one per challenge, in order.
    pub fn new(round_height: u64, challenges: &[Challenge], outcomes: &[ProbeOutcome]) -> Self {
        let n = challenges.len() as u64;
        let mut probed = Bitfield::new(n);
        let mut passed = Bitfield::new(n);
        for (i, o) in outcomes.iter().enumerate().take(challenges.len()) {
            let i = i as u64;
            match o {
                ProbeOutcome::NotProbed => {}
                ProbeOutcome::Passed => {
                    probed.set(i);
                    passed.set(i);
                }
                ProbeOutcome::Failed => {
                    probed.set(i);
                }
            }
        }
        Self {
            round_height,
            challenges_digest: challenges_digest(challenges),
            probed,
            passed,
        }
    }

    /// The wire form.
    pub fn to_wire(&self) -> pb::ProbeReport {
        pb::ProbeReport {
            round_height: self.round_height,
            challenges_digest: self.challenges_digest.to_vec(),
            probed: self.probed.as_bytes().to_vec(),
            passed: self.passed.as_bytes().to_vec(),
        }
    }

    /// The vote extension bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.to_wire().encode_to_vec()
    }

    /// The outcome of challenge `i`.
    pub fn outcome(&self, i: u64) -> ProbeOutcome {
        match (self.probed.get(i), self.passed.get(i)) {
            (false, _) => ProbeOutcome::NotProbed,
            (true, true) => ProbeOutcome::Passed,
            (true, false) => ProbeOutcome::Failed,
        }
    }

    /// Parses vote extension bytes with `n` challenges: bounded size, exact bitfield
    /// lengths with unused bits zero, passed ⊆ probed. The digest is not checked here.
    pub fn decode(bytes: &[u8], n: u64) -> Result<Self, SeedersError> {
        Self::from_wire(decode_wire(bytes)?, n)
    }

    fn from_wire(w: pb::ProbeReport, n: u64) -> Result<Self, SeedersError> {
        let challenges_digest: [u8; 8] =
            w.challenges_digest.as_slice().try_into().map_err(|_| {
                SeedersError::MalformedProbeReport(format!(
                    "challenges_digest has {} bytes, not 8",
                    w.challenges_digest.len()
                ))
            })?;
        let field = |name: &str, bytes: &[u8]| {
            Bitfield::from_bytes(n, bytes)
                .map_err(|e| SeedersError::InvalidBitfield(format!("{name}: {e}")))
        };
        let probed = field("probed", &w.probed)?;
        let passed = field("passed", &w.passed)?;
        if let Some(i) = passed.ones().find(|i| !probed.get(*i)) {
            return Err(SeedersError::InvalidBitfield(format!(
                "challenge {i} passed but was not probed"
            )));
        }
        Ok(Self {
            round_height: w.round_height,
            challenges_digest,
            probed,
            passed,
        })
    }
}

fn state_error(e: TxError) -> SeedersError {
    SeedersError::CorruptState(e.log)
}

/// Checks a decoded report against its round, for the vote at `vote_height` by
/// `validator_address`.
pub(crate) fn check_report(
    round: &ProbeRound,
    vote_height: u64,
    validator_address: &[u8],
    w: pb::ProbeReport,
) -> Result<ProbeReport, SeedersError> {
    if w.round_height != round.height || round.report_height != vote_height {
        return Err(SeedersError::WrongRound {
            round_height: w.round_height,
            vote_height,
        });
    }
    let mine = challenges(round, validator_address, round.challenges_per_validator);
    let report = ProbeReport::from_wire(w, mine.len() as u64)?;
    if report.challenges_digest != challenges_digest(&mine) {
        return Err(SeedersError::WrongDigest);
    }
    Ok(report)
}

/// Decodes vote extension bytes, bounded.
pub(crate) fn decode_wire(bytes: &[u8]) -> Result<pb::ProbeReport, SeedersError> {
    if bytes.len() > MAX_REPORT_LEN {
        return Err(SeedersError::ReportTooLarge {
            len: bytes.len(),
            max: MAX_REPORT_LEN,
        });
    }
    pb::ProbeReport::decode(bytes).map_err(|e| SeedersError::MalformedProbeReport(e.to_string()))
}

/// Checks a validator's vote extension for `vote_height` against committed state.
/// Empty bytes (the validator did not probe) are always acceptable and give `None`.
/// Otherwise: at most [`MAX_REPORT_LEN`] bytes, a report that decodes, of a round that
/// exists and is reported at `vote_height` (its height + `probe_report_delay_blocks`
/// when it opened), carrying the digest of this validator's challenges in it and
/// bitfields of exactly that many bits, unused bits zero, with passed ⊆ probed.
pub fn verify_report(
    state: &dyn StateRead,
    vote_height: u64,
    validator_address: &[u8],
    bytes: &[u8],
) -> Result<Option<ProbeReport>, SeedersError> {
    if bytes.is_empty() {
        return Ok(None);
    }
    let w = decode_wire(bytes)?;
    let round = keeper::round(&mut StateView(state), w.round_height)
        .map_err(state_error)?
        .ok_or(SeedersError::UnknownRound(w.round_height))?;
    check_report(&round, vote_height, validator_address, w).map(Some)
}

/// The kept round reported at `vote_height`, if any.
pub(crate) fn round_for_vote(
    r: &mut impl Store,
    vote_height: u64,
) -> Result<Option<ProbeRound>, TxError> {
    for h in keeper::round_heights(r)?.into_iter().rev() {
        if let Some(round) = keeper::round(r, h)? {
            if round.report_height == vote_height {
                return Ok(Some(round));
            }
        }
    }
    Ok(None)
}

/// The round whose report belongs in the vote extension at `vote_height`, if any: what
/// a validator's prober probes (with its [`challenges`]) for that vote.
pub fn expected_round(
    state: &dyn StateRead,
    vote_height: u64,
) -> Result<Option<ProbeRound>, SeedersError> {
    round_for_vote(&mut StateView(state), vote_height).map_err(state_error)
}

/// The power that probed a seeder in a round, the part of it that saw a failure and
/// how many distinct validators that part is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Verdict {
    pub(crate) power_probed: u128,
    pub(crate) power_failed: u128,
    pub(crate) failers: u32,
}

/// What a round decided for one seeder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RoundOutcome {
    /// It passed: counts a pass and resets the failures in a row.
    Passed,
    /// It failed: counts a failure.
    Failed,
    /// Neither: at most a third of the whole set's power saw it fail (or too few
    /// validators did) and at most a third saw it pass. Changes nothing.
    Inconclusive,
}

impl Verdict {
    /// The power that probed the seeder and saw every challenge on it pass.
    pub(crate) fn power_passed(&self) -> u128 {
        self.power_probed.saturating_sub(self.power_failed)
    }

    /// Fails iff more than a third of the whole set's power (`total_power`, at least
    /// the probed power) failed it, from at least `min_failers` distinct validators:
    /// failed × 3 > total, whatever the passes. Passes iff not failed and more than a
    /// third of the whole set's power passed it: passed × 3 > total. Otherwise
    /// inconclusive.
    pub(crate) fn outcome(&self, total_power: u128, min_failers: u32) -> RoundOutcome {
        let total = total_power.max(self.power_probed);
        // x · 3 > total, without overflow: with total = 3q + r (r < 3), x · 3 > 3q + r
        // iff x ≥ q + 1, i.e. x > q.
        let third = total / 3;
        let failed = self.power_failed > third
            && self.failers >= min_failers.max(1)
            && self.power_probed > 0;
        if failed {
            RoundOutcome::Failed
        } else if self.power_passed() > third {
            RoundOutcome::Passed
        } else {
            RoundOutcome::Inconclusive
        }
    }
}

/// Aggregates the reports of a round per seeder. A validator counts once (its first
/// report), with positive power only, and once per seeder: probed if it probed any of
/// its challenges on the seeder, failed if any of those did not pass. Reports of
/// another round or with the wrong number of bits are ignored.
pub(crate) fn tally_reports(
    round: &ProbeRound,
    reports: &[([u8; 20], i64, ProbeReport)],
) -> BTreeMap<Address, Verdict> {
    let mut verdicts: BTreeMap<Address, Verdict> = BTreeMap::new();
    let mut seen: BTreeSet<[u8; 20]> = BTreeSet::new();
    for (validator, power, report) in reports {
        if *power <= 0 || report.round_height != round.height || !seen.insert(*validator) {
            continue;
        }
        let power = u128::from(power.unsigned_abs());
        let mine = challenges(round, validator, round.challenges_per_validator);
        if report.probed.len() != mine.len() as u64 {
            continue;
        }
        // (probed, failed) per seeder for this validator.
        let mut own: BTreeMap<Address, (bool, bool)> = BTreeMap::new();
        for (i, c) in mine.iter().enumerate() {
            match report.outcome(i as u64) {
                ProbeOutcome::NotProbed => {}
                ProbeOutcome::Passed => own.entry(c.seeder).or_default().0 = true,
                ProbeOutcome::Failed => *own.entry(c.seeder).or_default() = (true, true),
            }
        }
        for (seeder, (probed, failed)) in own {
            if !probed {
                continue;
            }
            let v = verdicts.entry(seeder).or_default();
            v.power_probed = v.power_probed.saturating_add(power);
            if failed {
                v.power_failed = v.power_failed.saturating_add(power);
                v.failers = v.failers.saturating_add(1);
            }
        }
    }
    verdicts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::CommittedContent;

    fn round(seeders: usize, contents: usize, slices: u64) -> ProbeRound {
        ProbeRound {
            height: 10,
            block_hash: vec![0xab; 32],
            report_height: 12,
            challenges_per_validator: 4,
            seeders: (0..seeders)
                .map(|s| ProbeTarget {
                    seeder: Address::new([s as u8 + 1; 20]),
                    contents: (0..contents)
                        .map(|c| CommittedContent {
                            root: [c as u8; 32],
                            slice_count: slices,
                        })
                        .collect(),
                })
                .collect(),
        }
    }

    #[test]
    fn challenges_are_deterministic_in_range_and_per_validator() {
        let r = round(5, 3, 7);
        let a = challenges(&r, &[1; 20], 8);
        assert_eq!(a, challenges(&r, &[1; 20], 8));
        assert_eq!(a.len(), 8);
        assert_ne!(a, challenges(&r, &[2; 20], 8));
        assert!(a.iter().all(|c| c.slice_index < 7 && c.root[0] < 3));
        // The first challenges do not depend on n; n is capped at 32.
        assert_eq!(challenges(&r, &[1; 20], 3)[..], a[..3]);
        assert_eq!(challenges(&r, &[1; 20], 1000).len(), 32);
        assert!(challenges(&round(0, 1, 1), &[1; 20], 4).is_empty());
        // Another block hash, other challenges and digest.
        let mut r2 = r.clone();
        r2.block_hash = vec![0xac; 32];
        let b = challenges(&r2, &[1; 20], 8);
        assert_ne!(challenges_digest(&a), challenges_digest(&b));
    }

    #[test]
    fn reports_round_trip_and_refuse_bad_bitfields() {
        use ProbeOutcome::*;
        let r = round(2, 1, 4);
        let cs = challenges(&r, &[9; 20], 10);
        let outcomes = [
            Passed, Failed, NotProbed, Passed, Passed, Failed, NotProbed, Passed, Failed, Passed,
        ];
        let report = ProbeReport::new(10, &cs, &outcomes);
        let bytes = report.to_bytes();
        assert!(bytes.len() <= MAX_REPORT_LEN);
        let back = ProbeReport::decode(&bytes, 10).unwrap();
        assert_eq!(back, report);
        for (i, o) in outcomes.iter().enumerate() {
            assert_eq!(back.outcome(i as u64), *o);
        }
        let mut w = report.to_wire();
        w.passed[1] |= 0x20; // challenge 10: beyond n, a stray bit
        assert!(matches!(
            ProbeReport::decode(&w.encode_to_vec(), 10),
            Err(SeedersError::InvalidBitfield(_))
        ));
        let mut w = report.to_wire();
        w.passed[0] |= 0x20; // challenge 2 passed, never probed
        assert!(matches!(
            ProbeReport::decode(&w.encode_to_vec(), 10),
            Err(SeedersError::InvalidBitfield(_))
        ));
        assert!(matches!(
            ProbeReport::decode(&bytes, 17),
            Err(SeedersError::InvalidBitfield(_))
        ));
        assert!(matches!(
            ProbeReport::decode(&[0xff; 129], 10),
            Err(SeedersError::ReportTooLarge { .. })
        ));
        assert!(matches!(
            ProbeReport::decode(&[0xff, 0xff], 10),
            Err(SeedersError::MalformedProbeReport(_))
        ));
    }

    #[test]
    fn more_than_a_third_of_the_whole_set_from_enough_validators_fails() {
        use RoundOutcome::*;
        let v = |probed, failed, failers| Verdict {
            power_probed: probed,
            power_failed: failed,
            failers,
        };
        // Of a set of 300: 101 failing from two validators fails, 100 does not.
        assert_eq!(v(101, 101, 2).outcome(300, 2), Failed);
        assert_eq!(v(100, 100, 2).outcome(300, 2), Inconclusive);
        assert_eq!(v(300, 100, 2).outcome(300, 2), Passed);
        // A lone validator never fails a seeder, whatever its power.
        assert_eq!(v(290, 290, 1).outcome(300, 2), Inconclusive);
        assert_eq!(v(290, 290, 1).outcome(300, 1), Failed);
        // The failing power is judged against the whole set, not those who reported.
        assert_eq!(v(20, 20, 2).outcome(100, 2), Inconclusive);
        assert_eq!(v(34, 34, 2).outcome(100, 2), Failed);
        assert_eq!(v(34, 33, 2).outcome(100, 2), Inconclusive);
        assert_eq!(v(67, 33, 2).outcome(100, 2), Passed);
        assert_eq!(v(34, 33, 2).outcome(0, 2), Failed);
        assert_eq!(v(0, 0, 0).outcome(100, 2), Inconclusive);
        assert_eq!(v(u128::MAX, u128::MAX, 9).outcome(u128::MAX, 2), Failed);
        // 1/3 exactly is not more than a third.
        assert_eq!(v(3, 1, 2).outcome(3, 2), Passed);
        assert_eq!(v(6, 2, 2).outcome(6, 2), Passed);
        assert_eq!(v(7, 3, 2).outcome(7, 2), Failed);
    }

    #[test]
    fn a_pass_needs_more_than_a_third_of_the_whole_set_so_a_lazy_pass_cancels_nothing() {
        use RoundOutcome::*;
        let v = |probed, failed, failers| Verdict {
            power_probed: probed,
            power_failed: failed,
            failers,
        };
        // Seven validators of power 1; a lazy one passes everything. One honest
        // failure against one lazy pass: inconclusive (the old rule passed it, as the
        // passing power was at least the failing power, and reset its failures).
        assert_eq!(v(2, 1, 1).outcome(7, 2), Inconclusive);
        // Two lazy passes against one honest failure: still inconclusive.
        assert_eq!(v(3, 1, 1).outcome(7, 2), Inconclusive);
        // Lazy and colluding passes (2 of 7) alone never pass a seeder.
        assert_eq!(v(2, 0, 0).outcome(7, 2), Inconclusive);
        // Three honest failures fail it, whatever the passes (four of them here).
        assert_eq!(v(7, 3, 3).outcome(7, 2), Failed);
        // Two colluders failing a seeder three honest validators saw serve: a pass.
        assert_eq!(v(5, 2, 2).outcome(7, 2), Passed);
        // Two colluders alone: inconclusive, never a failure.
        assert_eq!(v(2, 2, 2).outcome(7, 2), Inconclusive);
        // Exactly a third passing is not more than a third.
        assert_eq!(v(1, 0, 0).outcome(3, 2), Inconclusive);
        assert_eq!(v(2, 0, 0).outcome(3, 2), Passed);
        assert_eq!(v(u128::MAX, 0, 0).outcome(u128::MAX, 2), Passed);
        assert_eq!(v(0, 0, 0).outcome(0, 2), Inconclusive);
    }

    proptest::proptest! {
        /// Whatever validators holding less than a third of the power report, they
        /// decide no verdict: with the honest ones all seeing the seeder serve it never
        /// fails, and with the honest ones all seeing it fail it never passes.
        #[test]
        fn less_than_a_third_decides_nothing(
            total in 3u128..1_000_000,
            honest_share in 0u128..=1_000,
            adversary_share in 0u128..=1_000,
            honest_failers in 1u32..10,
            adversary_failers in 0u32..10,
        ) {
            // Adversary power strictly below a third of the set.
            let adversary = (total - 1) / 3 * adversary_share / 1_000;
            // The honest validators that probed, out of the rest.
            let honest = (total - adversary) * honest_share / 1_000;
            // Serving seeder: honest pass, adversary fails.
            let serving = Verdict {
                power_probed: honest + adversary,
                power_failed: adversary,
                failers: adversary_failers,
            };
            proptest::prop_assert_ne!(serving.outcome(total, 1), RoundOutcome::Failed);
            // Free-rider: honest fail, adversary passes.
            let free_rider = Verdict {
                power_probed: honest + adversary,
                power_failed: honest,
                failers: honest_failers,
            };
            proptest::prop_assert_ne!(free_rider.outcome(total, 1), RoundOutcome::Passed);
        }
    }

    #[test]
    fn a_validator_counts_once_per_seeder_and_only_if_it_probed() {
        use ProbeOutcome::*;
        // One seeder: every challenge lands on it.
        let r = round(1, 2, 5);
        let report = |v: u8, outcomes: &[ProbeOutcome]| {
            let cs = challenges(&r, &[v; 20], r.challenges_per_validator);
            ([v; 20], 10i64, ProbeReport::new(r.height, &cs, outcomes))
        };
        let seeder = r.seeders[0].seeder;
        let reports = vec![
            report(1, &[Passed, Passed, Failed, NotProbed]),
            report(2, &[Passed, Passed, Passed, Passed]),
            report(3, &[NotProbed, NotProbed, NotProbed, NotProbed]),
            // A second report of validator 1 and one of another round are ignored.
            report(1, &[Failed, Failed, Failed, Failed]),
            {
                let (v, p, mut rep) = report(4, &[Failed; 4]);
                rep.round_height = 11;
                (v, p, rep)
            },
            // No power, no say.
            {
                let (v, _, rep) = report(5, &[Failed; 4]);
                (v, 0, rep)
            },
        ];
        let t = tally_reports(&r, &reports);
        assert_eq!(
            t.get(&seeder),
            Some(&Verdict {
                power_probed: 20,
                power_failed: 10,
                failers: 1,
            })
        );
    }
}
