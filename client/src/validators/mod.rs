//! The validators module from the client's side: proof-of-stake validators,
//! delegations, unbonding, redelegation, jailing and rewards.
//!
//! The library (no clap, no printing): [`msg`] builds the messages, [`query`] reads
//! validators, delegations, rewards and signing info, [`tx`] runs the flows (create,
//! edit, delegate, undelegate, redelegate, unjail, withdraw rewards). A new
//! validator's message comes from [`NewValidatorArgs::message`], which `weaved
//! genesis gentx` shares (it is also the clap flag group of both commands). [`cli`]
//! holds `weaved tx validators` and `weaved query validators`.
//!
//! A validator is named by its **operator**: the account that created it and signs
//! its messages. Every VALIDATOR argument takes the operator's bech32 address or the
//! name of a key in the key ring. Amounts are uweave, written `1000` or `1000uweave`.
//!
//! **Commission rates are basis points** everywhere, as in the chain's messages and
//! the splits commands: `1000` is 10%, `10000` is 100%. A decimal such as `0.10` is
//! refused rather than guessed at.
//!
//! **The consensus key** of a new validator is the ed25519 key CometBFT signs blocks
//! with. By default it is read from `<home>/cometbft/config/priv_validator_key.json`,
//! so `create` (and `weaved genesis gentx`) run on the validator's own machine need no
//! `--pubkey`.

pub mod cli;
pub mod msg;
pub mod query;
pub mod tx;

use std::path::Path;

use anyhow::{anyhow, Context};
use base64::{engine::general_purpose::STANDARD as BASE64, Engine};
use cosmos_sdk_proto::Any;
use weave_kernel::Address;
use weave_proto::weave::validators::v1 as pb;

pub use cli::{
    query::{run_query, ValidatorsQueryCmd},
    tx::{run_tx, ValidatorsTxCmd},
};
pub use msg::validators_msg;

use crate::tx::parse_positive;
use crate::{cometbft, home::HomeLayout};

/// The default commission rate of a new validator: 10%.
const DEFAULT_COMMISSION_RATE: &str = "1000";
/// The default highest commission rate: 20%.
const DEFAULT_COMMISSION_MAX_RATE: &str = "2000";
/// The default largest change of the rate in one edit: 1%.
const DEFAULT_COMMISSION_MAX_CHANGE_RATE: &str = "100";

/// Parses a commission rate in basis points, 0 to 10000.
pub fn parse_bps(s: &str) -> Result<u32, String> {
    let s = s.trim();
    if s.contains(['.', '%']) {
        return Err(format!(
            "commission rates are basis points (1000 is 10%, 10000 is 100%), got {s:?}"
        ));
    }
    match s.parse::<u32>() {
        Ok(bps) if bps <= 10_000 => Ok(bps),
        Ok(bps) => Err(format!("{bps} basis points is above 100% (10000)")),
        Err(_) => Err(format!(
            "invalid rate {s:?}: want basis points from 0 to 10000, e.g. 1000 for 10%"
        )),
    }
}

/// Parses a consensus public key: 64 hex digits or the base64 of 32 bytes (as
/// `priv_validator_key.json` and CometBFT's RPC show it), an ed25519 point.
pub fn parse_consensus_pubkey(s: &str) -> anyhow::Result<[u8; 32]> {
    let s = s.trim();
    let bytes = if s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit()) {
        hex::decode(s).context("invalid hex")?
    } else {
        BASE64.decode(s).map_err(|_| {
            anyhow!("invalid consensus key {s:?}: want 64 hex digits or the base64 of 32 bytes")
        })?
    };
    weave_validators::consensus_key(&bytes).map_err(|e| anyhow!("invalid consensus key: {e}"))
}

/// What a new validator is: flags shared by `tx validators create` and `weaved
/// genesis gentx`.
#[derive(Debug, Clone, clap::Args)]
pub struct NewValidatorArgs {
    /// The self-bond, in uweave (`100000000` or `100000000uweave`). Voting power is
    /// tokens / 10^6, so at least 1000000 to enter the active set.
    #[arg(long, value_name = "AMOUNT", value_parser = parse_positive)]
    pub amount: u128,
    /// The ed25519 consensus public key, 64 hex digits or base64 (default: the key of
    /// `<home>/cometbft/config/priv_validator_key.json`).
    #[arg(long, value_name = "HEX|BASE64")]
    pub pubkey: Option<String>,
    /// The validator's name, 1 to 70 characters (default: the moniker of
    /// `<home>/cometbft/config/config.toml`).
    #[arg(long)]
    pub moniker: Option<String>,
    /// An identity, such as a keybase fingerprint (up to 64 characters).
    #[arg(long, default_value = "")]
    pub identity: String,
    /// A website (up to 140 characters).
    #[arg(long, default_value = "")]
    pub website: String,
    /// A description (up to 280 characters).
    #[arg(long, default_value = "")]
    pub details: String,
    /// The commission on delegators' rewards, in basis points (1000 = 10%).
    #[arg(long, value_name = "BPS", default_value = DEFAULT_COMMISSION_RATE, value_parser = parse_bps)]
    pub commission_rate: u32,
    /// The highest rate the validator may ever set, in basis points; fixed for life.
    #[arg(long, value_name = "BPS", default_value = DEFAULT_COMMISSION_MAX_RATE, value_parser = parse_bps)]
    pub commission_max_rate: u32,
    /// The largest change of the rate in one edit, in basis points; fixed for life.
    #[arg(long, value_name = "BPS", default_value = DEFAULT_COMMISSION_MAX_CHANGE_RATE, value_parser = parse_bps)]
    pub commission_max_change_rate: u32,
    /// The least the operator's own delegation may fall to, in uweave; below it the
    /// validator is jailed.
    #[arg(long, value_name = "AMOUNT", default_value = "1", value_parser = parse_positive)]
    pub min_self_delegation: u128,
}

/// A checked `MsgCreateValidator` and what it says, for printing.
#[derive(Debug, Clone)]
pub struct NewValidator {
    /// The message, checked as CheckTx would without state.
    pub msg: Any,
    /// The consensus key.
    pub consensus_pubkey: [u8; 32],
}

impl NewValidatorArgs {
    /// The `MsgCreateValidator` of `operator`. The consensus key and the moniker fall
    /// back to the CometBFT home of `home`.
    pub fn message(&self, operator: &Address, home: &Path) -> anyhow::Result<NewValidator> {
        let layout = HomeLayout::new(home);
        let consensus_pubkey = match &self.pubkey {
            Some(given) => parse_consensus_pubkey(given)?,
            None => cometbft::consensus_public_key(&layout.cometbft_home())
                .context("reading the consensus key (or pass --pubkey)")?,
        };
        let moniker = match &self.moniker {
            Some(m) => m.clone(),
            None => cometbft::moniker(&layout.cometbft_config())
                .context("reading the moniker (or pass --moniker)")?,
        };
        let msg = validators_msg(
            weave_validators::MSG_CREATE_VALIDATOR,
            &pb::MsgCreateValidator {
                operator: operator.to_string(),
                consensus_pubkey: consensus_pubkey.to_vec(),
                self_bond: self.amount.to_string(),
                commission: Some(pb::Commission {
                    rate_bps: self.commission_rate,
                    max_rate_bps: self.commission_max_rate,
                    max_change_rate_bps: self.commission_max_change_rate,
                    updated_at_seconds: 0,
                }),
                description: Some(pb::Description {
                    moniker,
                    identity: self.identity.clone(),
                    website: self.website.clone(),
                    details: self.details.clone(),
                }),
                min_self_delegation: self.min_self_delegation.to_string(),
            },
        )?;
        Ok(NewValidator {
            msg,
            consensus_pubkey,
        })
    }
}

/// A block time in seconds as RFC 3339 (`2026-01-01T00:00:00Z`); the number itself
/// if it is out of range.
pub fn time_text(seconds: i64) -> String {
    tendermint::Time::from_unix_timestamp(seconds, 0)
        .map(|t| {
            let full = t.to_rfc3339();
            match full.find('.') {
                Some(dot) => format!("{}Z", &full[..dot]),
                None => full,
            }
        })
        .unwrap_or_else(|_| seconds.to_string())
}

#[cfg(test)]
mod tests {
    use weave_validators::ValidatorsMsg;

    use super::*;
    use crate::keys::{KeyAlgo, SigningKey};

    fn args() -> NewValidatorArgs {
        NewValidatorArgs {
            amount: 100_000_000,
            pubkey: Some(hex::encode(consensus(3))),
            moniker: Some("node0".into()),
            identity: String::new(),
            website: String::new(),
            details: String::new(),
            commission_rate: 1_000,
            commission_max_rate: 2_000,
            commission_max_change_rate: 100,
            min_self_delegation: 1,
        }
    }

    fn consensus(seed: u8) -> [u8; 32] {
        ed25519_consensus::SigningKey::from([seed; 32])
            .verification_key()
            .to_bytes()
    }

    #[test]
    fn rates_are_basis_points() {
        assert_eq!(parse_bps("1000"), Ok(1_000));
        assert_eq!(parse_bps("0"), Ok(0));
        assert_eq!(parse_bps("10000"), Ok(10_000));
        assert!(parse_bps("10001").is_err());
        let e = parse_bps("0.10").unwrap_err();
        assert!(e.contains("basis points"), "{e}");
        assert!(parse_bps("10%").is_err());
        assert!(parse_bps("-1").is_err());
    }

    #[test]
    fn consensus_keys_parse_from_hex_and_base64() {
        let key = consensus(7);
        assert_eq!(parse_consensus_pubkey(&hex::encode(key)).unwrap(), key);
        assert_eq!(
            parse_consensus_pubkey(&hex::encode_upper(key)).unwrap(),
            key
        );
        assert_eq!(parse_consensus_pubkey(&BASE64.encode(key)).unwrap(), key);
        assert!(parse_consensus_pubkey(&BASE64.encode([1u8; 31])).is_err());
        assert!(parse_consensus_pubkey("not a key").is_err());
    }

    #[test]
    fn create_builds_a_checked_message() {
        let operator = SigningKey::from_secret_bytes(KeyAlgo::Secp256k1, &[5; 32])
            .unwrap()
            .address();
        let home = tempfile::tempdir().unwrap();
        let new = args().message(&operator, home.path()).unwrap();
        assert_eq!(new.consensus_pubkey, consensus(3));
        let ValidatorsMsg::CreateValidator {
            operator: op,
            self_bond,
            commission,
            description,
            ..
        } = ValidatorsMsg::decode(&new.msg).unwrap()
        else {
            panic!("not a create");
        };
        assert_eq!((op, self_bond), (operator, 100_000_000));
        assert_eq!(commission.rate_bps, 1_000);
        assert_eq!(description.moniker, "node0");

        // The chain's own checks run before anything is signed.
        let bad = NewValidatorArgs {
            commission_rate: 3_000,
            ..args()
        };
        assert!(bad.message(&operator, home.path()).is_err());
        let bad = NewValidatorArgs {
            min_self_delegation: 200_000_000,
            ..args()
        };
        assert!(bad.message(&operator, home.path()).is_err());
        // Without --pubkey and --moniker, the CometBFT home is read; here it has none.
        let e = NewValidatorArgs {
            pubkey: None,
            ..args()
        }
        .message(&operator, home.path())
        .unwrap_err();
        assert!(format!("{e:#}").contains("--pubkey"), "{e:#}");
    }
}
