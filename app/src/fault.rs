//! Deliberate consensus misbehaviour, for end-to-end tests of Byzantine validators
//! only.
//!
//! A node started with `WEAVE_CONSENSUS_FAULT=<fault>` (see [`FAULT_ENV`]) misbehaves in
//! one way, so that the tests can show the honest validators refuse it without losing
//! liveness. It is never set by configuration and `weaved start` warns loudly when it
//! is. Each fault is one thing a Byzantine validator could do through ABCI:
//! - [`ConsensusFault::GarbageExtensions`]: extend its votes with bytes that are no
//!   probe report;
//! - [`ConsensusFault::OversizedExtensions`]: extend its votes with more than
//!   [`crate::vote_ext::MAX_EXTENSION_BYTES`];
//! - [`ConsensusFault::OmitInjection`]: propose blocks without the previous height's
//!   extended commit;
//! - [`ConsensusFault::BlankInjection`]: propose blocks whose injected extended commit
//!   has every extension and extension signature blanked (dropping the other
//!   validators' probe reports).

use std::str::FromStr;

/// The environment variable `weaved start` reads the fault from.
pub const FAULT_ENV: &str = "WEAVE_CONSENSUS_FAULT";

/// One way to misbehave; see the module docs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConsensusFault {
    /// Vote extensions that do not decode.
    GarbageExtensions,
    /// Vote extensions over the size bound.
    OversizedExtensions,
    /// Proposals without the extended commit.
    OmitInjection,
    /// Proposals with the extended commit's extensions blanked.
    BlankInjection,
}

impl ConsensusFault {
    /// Every fault, by the name [`FAULT_ENV`] takes.
    pub const ALL: [(&'static str, ConsensusFault); 4] = [
        ("garbage-extensions", ConsensusFault::GarbageExtensions),
        ("oversized-extensions", ConsensusFault::OversizedExtensions),
        ("omit-injection", ConsensusFault::OmitInjection),
        ("blank-injection", ConsensusFault::BlankInjection),
    ];

    /// The extension a node with this fault sends instead of its own, if the fault
    /// is about extensions.
    pub fn extension(self) -> Option<Vec<u8>> {
        match self {
            // 0xff bytes: a varint that never ends, so no protobuf decoder accepts it.
            ConsensusFault::GarbageExtensions => Some(vec![0xff; 64]),
            ConsensusFault::OversizedExtensions => {
                Some(vec![0x0a; 4 * crate::vote_ext::MAX_EXTENSION_BYTES])
            }
            ConsensusFault::OmitInjection | ConsensusFault::BlankInjection => None,
        }
    }
}

impl FromStr for ConsensusFault {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .iter()
            .find(|(name, _)| *name == s)
            .map(|(_, f)| *f)
            .ok_or_else(|| {
                let names: Vec<&str> = Self::ALL.iter().map(|(n, _)| *n).collect();
                format!("unknown consensus fault {s:?}: one of {}", names.join(", "))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fault_parses_by_its_name_and_unknown_names_are_refused() {
        for (name, fault) in ConsensusFault::ALL {
            assert_eq!(name.parse::<ConsensusFault>(), Ok(fault));
        }
        let err = "double-sign".parse::<ConsensusFault>().unwrap_err();
        assert!(err.contains("garbage-extensions"), "{err}");
    }

    #[test]
    fn faulty_extensions_are_refused_by_the_extension_rules() {
        let garbage = ConsensusFault::GarbageExtensions.extension().unwrap();
        assert!(
            <weave_proto::weave::seeders::v1::ProbeReport as prost::Message>::decode(
                garbage.as_slice()
            )
            .is_err()
        );
        let big = ConsensusFault::OversizedExtensions.extension().unwrap();
        assert!(big.len() > crate::vote_ext::MAX_EXTENSION_BYTES);
        assert_eq!(ConsensusFault::OmitInjection.extension(), None);
    }
}
