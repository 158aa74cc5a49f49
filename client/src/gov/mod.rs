//! `weaved tx gov` and `weaved query gov`: proposals, deposits, votes, the tally, the
//! gov parameters and the scheduled upgrade.
//!
//! A proposal carries messages that run as the gov authority (the module account
//! `gov`) if it passes: a module's `MsgUpdateParams`, a `MsgCommunityPoolSpend` or a
//! `MsgSoftwareUpgrade`. The CLI reads and writes a proposal's messages in the
//! protobuf JSON mapping, each with its `"@type"`, through the descriptors of every
//! Weave proto file that `weave_proto` embeds ([`weave_proto::FILE_DESCRIPTOR_SET`]),
//! so any message type of Weave's protos can be written by hand; the messages of the
//! modules this binary knows are checked as the chain would, and must name the gov
//! authority, before anything is signed.
//!
//! `proposal_file_help!` documents the proposal file (in `tx gov submit-proposal
//! --help`).

use anyhow::{anyhow, bail, ensure, Context};
use cosmos_sdk_proto::Any;
use prost::Message;
use serde::Deserialize;
use serde_json::{Map, Value};
use weave_gov::GovMsg;
use weave_kernel::{gov_authority, Address};
use weave_proto::weave::gov::v1 as pb;

pub use cli::{
    query::{run_query, GovQueryCmd},
    tx::{run_tx, GovTxCmd},
};

use crate::{builder::to_any, tx::parse_positive};

/// What `tx gov submit-proposal --help` says about the proposal file, as a macro
/// so that the command's help can `concat!` it after its example.
macro_rules! proposal_file_help {
    () => {
        r#"The proposal file is JSON:

  {
    "title": "Disable sends",
    "summary": "Why, in a few paragraphs.",
    "metadata": "",
    "deposit": "10000000uweave",
    "expedited": false,
    "messages": [
      {
        "@type": "/weave.bank.v1.MsgUpdateParams",
        "authority": "<the gov authority: see `weaved tx gov draft-proposal`>",
        "params": { "send_enabled": false }
      }
    ],
    "preconditions": [ { "key": "bank/params", "expected_hex": "0801" } ],
    "pin_params": ["bank"]
  }

- title (1 to 140 bytes) is required; summary (up to 10000 bytes) and metadata (up
  to 255) are optional.
- deposit: the initial deposit in uweave, "10000000uweave" or "10000000"; paid by
  --from. The proposal votes once its deposits reach the min_deposit of `weaved
  query gov params` (expedited_min_deposit for an expedited proposal).
- expedited: a shorter voting period and a higher threshold.
- messages (at least one): each in the protobuf JSON mapping, field names as in the
  .proto files (or lowerCamelCase), 64-bit integers as numbers or strings, bytes as
  base64, enums by name, and "@type" naming the message. They run in order, all or
  nothing, as the gov authority, so each one's authority field must be the gov
  authority's address. Messages a proposal may carry: /weave.<module>.v1.MsgUpdateParams
  for bank, splits, content, channels, validators, gov and seeders (a full replacement
  of the module's params: write every field), /weave.gov.v1.MsgCommunityPoolSpend {authority,
  recipient, amount} and /weave.gov.v1.MsgSoftwareUpgrade {authority, plan: {name,
  height, info}}.
- preconditions (optional, at most 16): state that must still hold when the proposal
  executes, else it fails and nothing runs. Each is {"key": "<state key, UTF-8>"} or
  {"key_hex": "<state key, hex>"}, with either "expected_hex": "<the raw value, hex>"
  or "absent": true (absent, or holding an empty value: the chain does not tell them
  apart, and params whose every field is at its default encode as empty).
- pin_params (optional): module names (auth, bank, splits, content, channels,
  validators, gov, seeders). For each, the CLI reads the raw value of the key <module>/params
  from the node when it submits, and adds a precondition that it is unchanged at
  execution: a parameter change proposed against params that changed meanwhile fails
  instead of undoing the other change.
- Keys starting with "_" are comments and ignored."#
    };
}

pub mod cli;
pub mod msg;
pub mod query;
pub mod tx;

/// The module account whose address signs a passed proposal's messages.
pub fn authority() -> Address {
    gov_authority()
}

#[cfg(test)]
use crate::anyjson::descriptor;
pub use crate::anyjson::{any_from_json, any_to_json, bytes_json};

/// A proposal's message as this binary's module would check it: well formed, and
/// signed by the gov authority alone. Types of modules this binary does not know are
/// left to the chain, which refuses at submission what a proposal may not carry.
fn check_governance_message(any: &Any) -> anyhow::Result<()> {
    let t = any.type_url.as_str();
    let signers = if t.starts_with("/weave.bank.") {
        weave_bank::BankMsg::decode(any).map(|m| m.signers())
    } else if t.starts_with("/weave.splits.") {
        weave_splits::SplitsMsg::decode(any).map(|m| m.signers())
    } else if t.starts_with("/weave.content.") {
        weave_content::ContentMsg::decode(any).map(|m| m.signers())
    } else if t.starts_with("/weave.channels.") {
        weave_channels::ChannelsMsg::decode(any).map(|m| m.signers())
    } else if t.starts_with("/weave.validators.") {
        weave_validators::ValidatorsMsg::decode(any).map(|m| m.signers())
    } else if t.starts_with("/weave.gov.") {
        GovMsg::decode(any).map(|m| m.signers())
    } else if t.starts_with("/weave.seeders.") {
        weave_seeders::SeedersMsg::decode(any).map(|m| m.signers())
    } else if t.starts_with("/weave.social.") {
        weave_social::SocialMsg::decode(any).map(|m| m.signers())
    } else {
        return Ok(());
    };
    let signers = signers.map_err(|e| anyhow!("{}:{}: {}", e.codespace, e.code, e.log))?;
    let authority = authority();
    ensure!(
        signers == [authority],
        "it would be signed by {}, but a proposal's messages run as the gov authority {authority} alone: set its authority field to that address",
        signers
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    );
    Ok(())
}

/// The modules whose parameters a proposal can replace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ParamsModule {
    /// `weave.auth.v1` (the ante checks: gas price, limits, gas costs).
    Auth,
    /// `weave.bank.v1`.
    Bank,
    /// `weave.splits.v1`.
    Splits,
    /// `weave.content.v1`.
    Content,
    /// `weave.channels.v1`.
    Channels,
    /// `weave.validators.v1`.
    Validators,
    /// `weave.gov.v1`.
    Gov,
    /// `weave.seeders.v1` (bonds, reputation epochs, probes, slashing).
    Seeders,
    /// `weave.social.v1` (handles, text limits, follows, the comment fee, views).
    Social,
}

impl ParamsModule {
    /// The module's name, as in its proto package and state keys.
    pub fn name(self) -> &'static str {
        match self {
            Self::Auth => "auth",
            Self::Bank => "bank",
            Self::Splits => "splits",
            Self::Content => "content",
            Self::Channels => "channels",
            Self::Validators => "validators",
            Self::Gov => "gov",
            Self::Seeders => "seeders",
            Self::Social => "social",
        }
    }

    /// The type URL of its `MsgUpdateParams`.
    fn update_params_type(self) -> &'static str {
        match self {
            Self::Auth => weave_auth::MSG_UPDATE_PARAMS,
            Self::Bank => weave_bank::MSG_UPDATE_PARAMS,
            Self::Splits => weave_splits::MSG_UPDATE_PARAMS,
            Self::Content => weave_content::MSG_UPDATE_PARAMS,
            Self::Channels => weave_channels::MSG_UPDATE_PARAMS,
            Self::Validators => weave_validators::MSG_UPDATE_PARAMS,
            Self::Gov => weave_gov::MSG_UPDATE_PARAMS,
            Self::Seeders => weave_seeders::MSG_UPDATE_PARAMS,
            Self::Social => weave_social::MSG_UPDATE_PARAMS,
        }
    }

    /// The full name of its `Params` message.
    fn params_type(self) -> String {
        format!("weave.{}.v1.Params", self.name())
    }

    /// The gRPC method path of its `Params` query.
    fn params_query_path(self) -> String {
        format!("/weave.{}.v1.Query/Params", self.name())
    }

    /// The full name of its `QueryParamsResponse`.
    fn params_response_type(self) -> String {
        format!("weave.{}.v1.QueryParamsResponse", self.name())
    }

    /// Its default parameters (those of a genesis that sets none), as protobuf bytes.
    fn default_params(self) -> Vec<u8> {
        match self {
            Self::Auth => weave_auth::AuthParams::default().to_proto().encode_to_vec(),
            Self::Bank => {
                weave_proto::weave::bank::v1::Params::from(&weave_bank::Params::default())
                    .encode_to_vec()
            }
            Self::Splits => {
                weave_proto::weave::splits::v1::Params::from(&weave_splits::Params::default())
                    .encode_to_vec()
            }
            Self::Content => {
                weave_proto::weave::content::v1::Params::from(&weave_content::Params::default())
                    .encode_to_vec()
            }
            Self::Channels => {
                weave_proto::weave::channels::v1::Params::from(&weave_channels::Params::default())
                    .encode_to_vec()
            }
            Self::Validators => weave_proto::weave::validators::v1::Params::from(
                &weave_validators::Params::default(),
            )
            .encode_to_vec(),
            Self::Gov => weave_gov::Params::default().to_proto().encode_to_vec(),
            Self::Seeders => weave_seeders::Params::default().to_proto().encode_to_vec(),
            Self::Social => {
                weave_proto::weave::social::v1::Params::from(&weave_social::Params::default())
                    .encode_to_vec()
            }
        }
    }

    /// Its `MsgUpdateParams` as JSON with `"@type"`, signed by the gov authority,
    /// carrying `params` (JSON of its `Params`).
    fn update_params_json(self, params: Value) -> Value {
        let mut map = Map::new();
        map.insert(
            "@type".into(),
            Value::String(self.update_params_type().into()),
        );
        map.insert("authority".into(), Value::String(authority().to_string()));
        map.insert("params".into(), params);
        Value::Object(map)
    }
}

/// The state key that holds a module's parameters, for `pin_params`. Every module
/// keeps them at `<module>/params`; the names are checked against the modules' own
/// key functions.
pub fn params_key(module: &str) -> anyhow::Result<Vec<u8>> {
    Ok(match module {
        // The application's auth parameters (fees, signature limits).
        "auth" => b"auth/params".to_vec(),
        "bank" => weave_bank::state_key::params(),
        "splits" => weave_splits::state_key::params(),
        "content" => weave_content::state_key::params(),
        "channels" => weave_channels::state_key::params(),
        "validators" => weave_validators::state_key::params(),
        "gov" => weave_gov::state_key::params(),
        "seeders" => weave_seeders::state_key::params(),
        "social" => weave_social::state_key::params(),
        other => bail!(
            "unknown module {other:?} in pin_params: want auth, bank, splits, content, channels, validators, gov, seeders or social"
        ),
    })
}

/// A filled proposal file (the JSON [`Proposal::parse`] reads) that replaces `module`'s
/// parameters with `params` (JSON of its `Params`, e.g. its current ones edited) and pins
/// them: what `tx gov draft-proposal --module M` drafts, with the fields given. For the
/// web application's *Submit a proposal*.
pub fn update_params_proposal(
    module: ParamsModule,
    params: Value,
    title: &str,
    summary: &str,
    deposit: u128,
    expedited: bool,
) -> Value {
    serde_json::json!({
        "title": title,
        "summary": summary,
        "deposit": format!("{deposit}uweave"),
        "expedited": expedited,
        "messages": [module.update_params_json(params)],
        "pin_params": [module.name()],
    })
}

/// A filled proposal file that pays `amount` uweave from the community pool to
/// `recipient` (`/weave.gov.v1.MsgCommunityPoolSpend`), as `tx gov draft-proposal --type
/// community-pool-spend` drafts it, with the fields given.
pub fn community_pool_spend_proposal(
    recipient: &Address,
    amount: u128,
    title: &str,
    summary: &str,
    deposit: u128,
    expedited: bool,
) -> Value {
    serde_json::json!({
        "title": title,
        "summary": summary,
        "deposit": format!("{deposit}uweave"),
        "expedited": expedited,
        "messages": [{
            "@type": weave_gov::MSG_COMMUNITY_POOL_SPEND,
            "authority": authority().to_string(),
            "recipient": recipient.to_string(),
            "amount": amount.to_string(),
        }],
    })
}

/// A precondition as the proposal file writes it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PreconditionFile {
    /// The state key, as UTF-8.
    #[serde(default)]
    key: Option<String>,
    /// The state key, as hex.
    #[serde(default)]
    key_hex: Option<String>,
    /// The value the key must hold, as hex.
    #[serde(default)]
    expected_hex: Option<String>,
    /// Whether the key must be absent.
    #[serde(default)]
    absent: bool,
}

impl PreconditionFile {
    fn precondition(self) -> anyhow::Result<pb::Precondition> {
        let key = match (self.key, self.key_hex) {
            (Some(key), None) => key.into_bytes(),
            (None, Some(hex_key)) => hex::decode(hex_key.trim())
                .with_context(|| format!("key_hex {hex_key:?} is not hex"))?,
            _ => bail!("give either \"key\" (UTF-8) or \"key_hex\""),
        };
        ensure!(!key.is_empty(), "the key is empty");
        let expected = match (self.expected_hex, self.absent) {
            (Some(expected), false) => {
                let bytes = hex::decode(expected.trim())
                    .with_context(|| format!("expected_hex {expected:?} is not hex"))?;
                ensure!(
                    !bytes.is_empty(),
                    "expected_hex is empty: write \"absent\": true for a key that must be absent"
                );
                bytes
            }
            (None, true) => Vec::new(),
            _ => bail!("give either \"expected_hex\" or \"absent\": true"),
        };
        Ok(pb::Precondition { key, expected })
    }
}

/// The proposal file, as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProposalFile {
    title: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    metadata: String,
    deposit: Value,
    #[serde(default)]
    expedited: bool,
    messages: Vec<Value>,
    #[serde(default)]
    preconditions: Vec<PreconditionFile>,
    #[serde(default)]
    pin_params: Vec<String>,
}

/// A proposal read from its file and checked, before the pinned params are read.
#[derive(Debug, Clone, PartialEq)]
pub struct Proposal {
    /// The proposal's title.
    pub title: String,
    /// What the proposal does and why.
    pub summary: String,
    /// Free-form metadata (a link, a hash).
    pub metadata: String,
    /// The initial deposit, uweave.
    pub deposit: u128,
    /// Whether the proposal asks for the shorter, expedited voting period.
    pub expedited: bool,
    /// The messages, packed and checked.
    pub messages: Vec<Any>,
    /// The preconditions written out in the file.
    pub preconditions: Vec<pb::Precondition>,
    /// The state keys of `pin_params`, each once, in order.
    pub pinned_keys: Vec<Vec<u8>>,
}

impl Proposal {
    /// Reads a proposal file's JSON.
    pub fn parse(text: &str) -> anyhow::Result<Self> {
        let mut value: Value =
            serde_json::from_str(text).context("the proposal file is not valid JSON")?;
        let Value::Object(map) = &mut value else {
            bail!("the proposal file must hold a JSON object");
        };
        map.retain(|k, _| !k.starts_with('_'));
        let file: ProposalFile =
            serde_json::from_value(value).context("reading the proposal file")?;
        let deposit = match &file.deposit {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            other => bail!("deposit must be an amount such as \"10000000uweave\", got {other}"),
        };
        let deposit = parse_positive(&deposit).map_err(|e| anyhow!("deposit: {e}"))?;
        ensure!(
            !file.messages.is_empty(),
            "a proposal must carry at least one message"
        );
        let messages = file
            .messages
            .iter()
            .enumerate()
            .map(|(i, m)| {
                let any = any_from_json(m).with_context(|| format!("message {i}"))?;
                check_governance_message(&any)
                    .with_context(|| format!("message {i} ({})", any.type_url))?;
                Ok(any)
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let preconditions = file
            .preconditions
            .into_iter()
            .enumerate()
            .map(|(i, p)| {
                p.precondition()
                    .with_context(|| format!("precondition {i}"))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let mut pinned_keys: Vec<Vec<u8>> = Vec::new();
        for module in &file.pin_params {
            let key = params_key(module.trim())?;
            if !pinned_keys.contains(&key) {
                pinned_keys.push(key);
            }
        }
        Ok(Self {
            title: file.title,
            summary: file.summary,
            metadata: file.metadata,
            deposit,
            expedited: file.expedited,
            messages,
            preconditions,
            pinned_keys,
        })
    }

    /// The `MsgSubmitProposal` of `proposer`, with `pinned` (the current values of
    /// [`Proposal::pinned_keys`], in order; empty for an absent key) added to the
    /// preconditions; checked as the chain would.
    pub fn message(&self, proposer: &Address, pinned: &[Vec<u8>]) -> anyhow::Result<Any> {
        ensure!(
            pinned.len() == self.pinned_keys.len(),
            "{} pinned values for {} pinned keys",
            pinned.len(),
            self.pinned_keys.len()
        );
        let mut preconditions = self.preconditions.clone();
        preconditions.extend(self.pinned_keys.iter().zip(pinned).map(|(key, value)| {
            pb::Precondition {
                key: key.clone(),
                expected: value.clone(),
            }
        }));
        let msg = pb::MsgSubmitProposal {
            messages: self
                .messages
                .iter()
                .map(|m| prost_types::Any {
                    type_url: m.type_url.clone(),
                    value: m.value.clone(),
                })
                .collect(),
            initial_deposit: self.deposit.to_string(),
            proposer: proposer.to_string(),
            metadata: self.metadata.clone(),
            title: self.title.clone(),
            summary: self.summary.clone(),
            expedited: self.expedited,
            preconditions,
        };
        let any = to_any(weave_gov::MSG_SUBMIT_PROPOSAL, &msg);
        GovMsg::decode(&any).map_err(|e| anyhow!("{}", e.log))?;
        Ok(any)
    }
}

/// A vote option by name: `yes`, `no`, `abstain`, `no-with-veto` (or
/// `no_with_veto`, `veto`).
fn parse_option(s: &str) -> Result<pb::VoteOption, String> {
    match s.trim().to_ascii_lowercase().as_str() {
        "yes" => Ok(pb::VoteOption::Yes),
        "no" => Ok(pb::VoteOption::No),
        "abstain" => Ok(pb::VoteOption::Abstain),
        "no-with-veto" | "no_with_veto" | "veto" => Ok(pb::VoteOption::NoWithVeto),
        other => Err(format!(
            "unknown vote option {other:?}: want yes, no, abstain or no-with-veto"
        )),
    }
}

/// The name of a vote option, as the command line writes it.
pub fn option_name(option: i32) -> &'static str {
    match pb::VoteOption::try_from(option) {
        Ok(pb::VoteOption::Yes) => "yes",
        Ok(pb::VoteOption::No) => "no",
        Ok(pb::VoteOption::Abstain) => "abstain",
        Ok(pb::VoteOption::NoWithVeto) => "no-with-veto",
        _ => "unspecified",
    }
}

/// A fraction from 0 to 1 (`0.6`, `1`, `.25`) in basis points; finer than a basis
/// point is refused.
fn fraction_bps(s: &str) -> Result<u32, String> {
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    let digits = |d: &str| d.bytes().all(|b| b.is_ascii_digit());
    if (whole.is_empty() && frac.is_empty()) || !digits(whole) || !digits(frac) {
        return Err(format!("invalid weight {s:?}"));
    }
    let whole: u32 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| format!("invalid weight {s:?}"))?
    };
    let (kept, rest) = frac.split_at(frac.len().min(4));
    if rest.bytes().any(|b| b != b'0') {
        return Err(format!(
            "weight {s:?} is finer than a basis point (4 decimal places)"
        ));
    }
    let frac_bps: u32 = format!("{kept:0<4}")
        .parse()
        .map_err(|_| format!("invalid weight {s:?}"))?;
    match whole {
        0 => Ok(frac_bps),
        1 if frac_bps == 0 => Ok(10_000),
        _ => Err(format!("weight {s:?} is above 1")),
    }
}

/// Parses weighted vote options: `yes=0.6,no=0.4` (fractions summing to 1) or
/// `yes=6000,no=4000` (basis points summing to 10000). A weight with a decimal point
/// makes every weight a fraction; `yes=1` alone is the whole vote.
pub fn parse_weighted(s: &str) -> Result<Vec<pb::WeightedVoteOption>, String> {
    let pairs = s
        .split(',')
        .map(|part| {
            let (option, weight) = part.split_once('=').ok_or_else(|| {
                format!("invalid weighted option {part:?}: want OPTION=WEIGHT, e.g. yes=0.6")
            })?;
            Ok((parse_option(option)?, weight.trim().to_string()))
        })
        .collect::<Result<Vec<_>, String>>()?;
    let integers: Option<Vec<u32>> = pairs.iter().map(|(_, w)| w.parse::<u32>().ok()).collect();
    let fractions = match &integers {
        Some(ints) => ints.iter().map(|&w| u64::from(w)).sum::<u64>() == 1,
        None => true,
    };
    let mut options = pairs
        .iter()
        .map(|(option, weight)| {
            let weight_bps = if fractions {
                fraction_bps(weight)?
            } else {
                weight
                    .parse::<u32>()
                    .map_err(|_| format!("invalid weight {weight:?}"))?
            };
            Ok(pb::WeightedVoteOption {
                option: *option as i32,
                weight_bps,
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    let sum: u64 = options.iter().map(|o| u64::from(o.weight_bps)).sum();
    if sum != 10_000 {
        return Err(if fractions {
            format!(
                "the weights sum to {}, not 1",
                bps_decimal(u32::try_from(sum).unwrap_or(u32::MAX))
            )
        } else {
            format!("the weights sum to {sum} basis points, not 10000")
        });
    }
    weave_gov::check_options(&options).map_err(|e| e.to_string())?;
    options.sort_by_key(|o| o.option);
    Ok(options)
}

/// Basis points as a decimal fraction: 6000 is `0.6`.
fn bps_decimal(bps: u32) -> String {
    let whole = bps / 10_000;
    let frac = format!("{:04}", bps % 10_000);
    let frac = frac.trim_end_matches('0');
    if frac.is_empty() {
        whole.to_string()
    } else {
        format!("{whole}.{frac}")
    }
}

/// Basis points as a percentage with two decimals: 3340 is `33.40%`.
pub fn percent(bps: u32) -> String {
    format!("{}.{:02}%", bps / 100, bps % 100)
}

/// `part` as a share of `whole`, in basis points (rounded down); 0 when `whole` is.
pub fn share_bps(part: u128, whole: u128) -> u32 {
    if whole == 0 {
        return 0;
    }
    let bps = match part.checked_mul(10_000) {
        Some(scaled) => scaled / whole,
        None => part / (whole / 10_000).max(1),
    };
    u32::try_from(bps).unwrap_or(u32::MAX)
}

/// A block time in seconds as RFC 3339 (`2026-01-01T00:00:00Z`); `-` for 0 (not
/// set), the number itself if out of range.
pub fn time_text(seconds: i64) -> String {
    if seconds == 0 {
        return "-".into();
    }
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

/// A duration in seconds, with days, hours, minutes and seconds: `172800 s (2d)`.
pub fn duration_text(seconds: i64) -> String {
    if seconds < 60 {
        return format!("{seconds} s");
    }
    let mut parts = Vec::new();
    let mut rest = seconds;
    for (unit, size) in [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)] {
        if rest >= size {
            parts.push(format!("{}{unit}", rest / size));
            rest %= size;
        }
    }
    format!("{seconds} s ({})", parts.join(" "))
}

/// The name of a proposal status, as `--status` writes it.
pub fn status_name(status: i32) -> &'static str {
    match pb::ProposalStatus::try_from(status) {
        Ok(pb::ProposalStatus::DepositPeriod) => "deposit",
        Ok(pb::ProposalStatus::VotingPeriod) => "voting",
        Ok(pb::ProposalStatus::Passed) => "passed",
        Ok(pb::ProposalStatus::Rejected) => "rejected",
        Ok(pb::ProposalStatus::Failed) => "failed",
        Ok(pb::ProposalStatus::Vetoed) => "vetoed",
        _ => "unspecified",
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use weave_proto::weave::bank::v1 as bank;

    use super::*;

    fn proposer() -> Address {
        Address::new([9; 20])
    }

    fn bank_proposal(send_enabled: bool) -> Value {
        json!({
            "_note": "ignored",
            "title": "Disable sends",
            "summary": "s",
            "deposit": "10000000uweave",
            "messages": [{
                "@type": "/weave.bank.v1.MsgUpdateParams",
                "authority": authority().to_string(),
                "params": { "send_enabled": send_enabled },
            }],
            "preconditions": [
                { "key": "bank/params", "expected_hex": "0801" },
                { "key_hex": "00ff", "absent": true },
            ],
            "pin_params": ["bank", "gov", "bank"],
        })
    }

    #[test]
    fn the_descriptors_know_every_governance_message() {
        for module in [
            ParamsModule::Bank,
            ParamsModule::Splits,
            ParamsModule::Content,
            ParamsModule::Channels,
            ParamsModule::Validators,
            ParamsModule::Gov,
            ParamsModule::Seeders,
            ParamsModule::Social,
        ] {
            descriptor(module.update_params_type()).unwrap();
            descriptor(&module.params_response_type()).unwrap();
            // The defaults decode as the module's Params and pass its checks when
            // carried by its MsgUpdateParams.
            let params = bytes_json(&module.params_type(), &module.default_params()).unwrap();
            let any = any_from_json(&module.update_params_json(params)).unwrap();
            check_governance_message(&any).unwrap_or_else(|e| panic!("{module:?}: {e:#}"));
        }
        descriptor(weave_gov::MSG_COMMUNITY_POOL_SPEND).unwrap();
        descriptor(weave_gov::MSG_SOFTWARE_UPGRADE).unwrap();
    }

    #[test]
    fn a_bank_params_proposal_round_trips() {
        let proposal = Proposal::parse(&bank_proposal(false).to_string()).unwrap();
        assert_eq!(proposal.deposit, 10_000_000);
        assert_eq!(proposal.title, "Disable sends");
        assert!(!proposal.expedited);
        assert_eq!(proposal.messages.len(), 1);
        let any = &proposal.messages[0];
        assert_eq!(any.type_url, "/weave.bank.v1.MsgUpdateParams");
        let decoded = bank::MsgUpdateParams::decode(any.value.as_slice()).unwrap();
        assert_eq!(decoded.authority, authority().to_string());
        assert_eq!(
            decoded.params,
            Some(bank::Params {
                send_enabled: false
            })
        );
        assert_eq!(
            proposal.preconditions,
            vec![
                pb::Precondition {
                    key: b"bank/params".to_vec(),
                    expected: vec![0x08, 0x01],
                },
                pb::Precondition {
                    key: vec![0x00, 0xff],
                    expected: Vec::new(),
                },
            ]
        );
        // Pinned once each, in order.
        assert_eq!(
            proposal.pinned_keys,
            vec![b"bank/params".to_vec(), b"gov/params".to_vec()]
        );

        // Back to JSON, as `query gov proposal` shows it.
        let back = any_to_json(&any.type_url, &any.value);
        assert_eq!(back["@type"], "/weave.bank.v1.MsgUpdateParams");
        assert_eq!(back["authority"], authority().to_string());
        assert_eq!(back["params"], json!({ "send_enabled": false }));

        // The submit message carries the pinned values after the written ones.
        let pinned = vec![vec![0x08, 0x01], Vec::new()];
        let msg = proposal.message(&proposer(), &pinned).unwrap();
        assert_eq!(msg.type_url, weave_gov::MSG_SUBMIT_PROPOSAL);
        let submit = pb::MsgSubmitProposal::decode(msg.value.as_slice()).unwrap();
        assert_eq!(submit.proposer, proposer().to_string());
        assert_eq!(submit.initial_deposit, "10000000");
        assert_eq!(submit.messages[0].type_url, any.type_url);
        assert_eq!(submit.messages[0].value, any.value);
        assert_eq!(submit.preconditions.len(), 4);
        assert_eq!(submit.preconditions[2].key, b"bank/params");
        assert_eq!(submit.preconditions[3].key, b"gov/params");
        assert!(submit.preconditions[3].expected.is_empty());
        assert!(proposal.message(&proposer(), &[]).is_err());
    }

    #[test]
    fn a_community_pool_spend_round_trips() {
        let recipient = Address::new([3; 20]).to_string();
        let file = json!({
            "title": "Pay for the audit",
            "deposit": 50_000_000,
            "expedited": true,
            "messages": [{
                "@type": "/weave.gov.v1.MsgCommunityPoolSpend",
                "authority": authority().to_string(),
                "recipient": recipient,
                "amount": "1234",
            }],
        });
        let proposal = Proposal::parse(&file.to_string()).unwrap();
        assert!(proposal.expedited);
        assert_eq!(proposal.deposit, 50_000_000);
        assert!(proposal.preconditions.is_empty() && proposal.pinned_keys.is_empty());
        let spend =
            pb::MsgCommunityPoolSpend::decode(proposal.messages[0].value.as_slice()).unwrap();
        assert_eq!(
            spend,
            pb::MsgCommunityPoolSpend {
                authority: authority().to_string(),
                recipient: recipient.clone(),
                amount: "1234".into(),
            }
        );
        let back = any_to_json(&proposal.messages[0].type_url, &proposal.messages[0].value);
        assert_eq!(back["recipient"], recipient);
        assert_eq!(back["amount"], "1234");
        proposal.message(&proposer(), &[]).unwrap();

        // A software upgrade, with a 64-bit height written as a string or a number.
        for height in [json!("900"), json!(900)] {
            let file = json!({
                "title": "v2",
                "deposit": "10000000",
                "messages": [{
                    "@type": "/weave.gov.v1.MsgSoftwareUpgrade",
                    "authority": authority().to_string(),
                    "plan": { "name": "v2", "height": height, "info": "" },
                }],
            });
            let p = Proposal::parse(&file.to_string()).unwrap();
            let up = pb::MsgSoftwareUpgrade::decode(p.messages[0].value.as_slice()).unwrap();
            assert_eq!(up.plan.unwrap().height, 900);
        }
    }

    #[test]
    fn bad_proposals_name_what_is_wrong() {
        let err = |file: Value| format!("{:#}", Proposal::parse(&file.to_string()).unwrap_err());

        let mut file = bank_proposal(true);
        file["messages"][0]["@type"] = json!("/weave.bank.v1.MsgNope");
        let e = err(file);
        assert!(
            e.contains("message 0") && e.contains("unknown message type"),
            "{e}"
        );

        let mut file = bank_proposal(true);
        file["messages"] = json!([file["messages"][0].clone(), { "authority": "x" }]);
        let e = err(file);
        assert!(e.contains("message 1") && e.contains("@type"), "{e}");

        let mut file = bank_proposal(true);
        file["messages"][0]["params"]["sends"] = json!(true);
        let e = err(file);
        assert!(e.contains("message 0") && e.contains("sends"), "{e}");

        // Signed by someone else than the gov authority.
        let mut file = bank_proposal(true);
        file["messages"][0]["authority"] = json!(proposer().to_string());
        let e = err(file);
        assert!(
            e.contains("message 0") && e.contains("gov authority"),
            "{e}"
        );

        // The module's own checks: invalid gov params.
        let mut params = bytes_json(
            &ParamsModule::Gov.params_type(),
            &ParamsModule::Gov.default_params(),
        )
        .unwrap();
        params["quorum_bps"] = json!(0);
        let mut file = bank_proposal(true);
        file["messages"][0] = ParamsModule::Gov.update_params_json(params);
        let e = err(file);
        assert!(e.contains("message 0") && e.contains("quorum_bps"), "{e}");

        let mut file = bank_proposal(true);
        file["messages"] = json!([]);
        assert!(err(file).contains("at least one message"));

        let mut file = bank_proposal(true);
        file["deposit"] = json!("0uweave");
        assert!(err(file).contains("deposit"));

        let mut file = bank_proposal(true);
        file["depost"] = json!("1");
        assert!(err(file).contains("depost"));

        let mut file = bank_proposal(true);
        file["pin_params"] = json!(["bnak"]);
        assert!(err(file).contains("bnak"));

        for bad in [
            json!({ "key": "a", "expected_hex": "zz" }),
            json!({ "key": "a", "expected_hex": "" }),
            json!({ "key": "a" }),
            json!({ "key": "a", "expected_hex": "01", "absent": true }),
            json!({ "expected_hex": "01" }),
            json!({ "key": "a", "key_hex": "61", "absent": true }),
            json!({ "key": "", "absent": true }),
        ] {
            let mut file = bank_proposal(true);
            file["preconditions"] = json!([bad.clone()]);
            let e = err(file);
            assert!(e.contains("precondition 0"), "{bad}: {e}");
        }

        // The chain's own checks of the submit message.
        let mut file = bank_proposal(true);
        file["title"] = json!("");
        let p = Proposal::parse(&file.to_string()).unwrap();
        assert!(p.message(&proposer(), &[vec![], vec![]]).is_err());
    }

    #[test]
    fn filled_drafts_parse_into_the_proposals_they_describe() {
        for module in <ParamsModule as clap::ValueEnum>::value_variants() {
            let params = bytes_json(&module.params_type(), &module.default_params()).unwrap();
            let file = update_params_proposal(*module, params, "t", "s", 7, true);
            let p = Proposal::parse(&file.to_string()).unwrap();
            assert_eq!((p.title.as_str(), p.deposit, p.expedited), ("t", 7, true));
            assert_eq!(p.messages[0].type_url, module.update_params_type());
            assert_eq!(p.pinned_keys, vec![params_key(module.name()).unwrap()]);
        }
        let file = community_pool_spend_proposal(&proposer(), 5, "pay", "", 1, false);
        let p = Proposal::parse(&file.to_string()).unwrap();
        assert_eq!(p.messages[0].type_url, weave_gov::MSG_COMMUNITY_POOL_SPEND);
        let m = pb::MsgCommunityPoolSpend::decode(p.messages[0].value.as_slice()).unwrap();
        assert_eq!(m.recipient, proposer().to_string());
        assert_eq!(m.amount, "5");
        assert!(p.pinned_keys.is_empty());
        // A params edit that is not the module's params is refused before signing.
        let bad = update_params_proposal(
            ParamsModule::Bank,
            json!({ "no_such_field": 1 }),
            "t",
            "",
            1,
            false,
        );
        assert!(Proposal::parse(&bad.to_string()).is_err());
    }

    #[test]
    fn the_help_example_parses() {
        let help: &str = proposal_file_help!();
        let start = help.find("\n  {").unwrap();
        let end = help.find("\n  }\n").unwrap() + 4;
        let example = help[start..end].replace(
            "<the gov authority: see `weaved tx gov draft-proposal`>",
            &authority().to_string(),
        );
        let proposal = Proposal::parse(&example).unwrap_or_else(|e| panic!("{e:#}"));
        assert_eq!(proposal.messages.len(), 1);
        assert_eq!(proposal.pinned_keys, vec![b"bank/params".to_vec()]);
    }

    #[test]
    fn unknown_types_render_as_base64() {
        let v = any_to_json("/x.y.Z", &[1, 2]);
        assert_eq!(v, json!({ "@type": "/x.y.Z", "value": "AQI=" }));
    }

    #[test]
    fn every_module_keeps_its_params_at_module_slash_params() {
        for module in [
            "auth",
            "bank",
            "splits",
            "content",
            "channels",
            "validators",
            "gov",
            "seeders",
            "social",
        ] {
            assert_eq!(
                params_key(module).unwrap(),
                format!("{module}/params").into_bytes()
            );
        }
        assert!(params_key("slices").is_err());
    }

    #[test]
    fn weights_parse_as_fractions_or_basis_points() {
        let w = |s: &str| {
            parse_weighted(s).map(|o| {
                o.into_iter()
                    .map(|o| (option_name(o.option), o.weight_bps))
                    .collect::<Vec<_>>()
            })
        };
        assert_eq!(
            w("yes=0.6,no=0.4").unwrap(),
            vec![("yes", 6_000), ("no", 4_000)]
        );
        assert_eq!(
            w("no=4000, yes=6000").unwrap(),
            vec![("yes", 6_000), ("no", 4_000)]
        );
        assert_eq!(w("yes=1").unwrap(), vec![("yes", 10_000)]);
        assert_eq!(w("abstain=1.0").unwrap(), vec![("abstain", 10_000)]);
        assert_eq!(w("yes=10000").unwrap(), vec![("yes", 10_000)]);
        assert_eq!(
            w("yes=.25,no=0.25,abstain=0.2500,veto=0.25").unwrap(),
            vec![
                ("yes", 2_500),
                ("abstain", 2_500),
                ("no", 2_500),
                ("no-with-veto", 2_500)
            ]
        );
        assert_eq!(
            w("yes=0.9999,no-with-veto=0.0001").unwrap(),
            vec![("yes", 9_999), ("no-with-veto", 1)]
        );
        // Mixed forms: a decimal point makes every weight a fraction.
        assert_eq!(
            w("yes=0.5,no=1").unwrap_err(),
            "the weights sum to 1.5, not 1"
        );
        assert_eq!(
            w("yes=0.6,no=0.3").unwrap_err(),
            "the weights sum to 0.9, not 1"
        );
        assert_eq!(
            w("yes=6000,no=3000").unwrap_err(),
            "the weights sum to 9000 basis points, not 10000"
        );
        assert!(w("yes=0.00001,no=0.99999")
            .unwrap_err()
            .contains("basis point"));
        assert!(w("yes=0.5,yes=0.5").unwrap_err().contains("twice"));
        assert!(w("yes=1,no=0").is_err());
        assert!(w("maybe=1").unwrap_err().contains("maybe"));
        assert!(w("yes").is_err());
        assert!(w("yes=-1").is_err());
        assert!(w("yes=2.0").unwrap_err().contains("above 1"));
        assert!(w("").is_err());
    }

    #[test]
    fn numbers_render() {
        assert_eq!(percent(3_340), "33.40%");
        assert_eq!(share_bps(1, 3), 3_333);
        assert_eq!(share_bps(5, 0), 0);
        assert_eq!(share_bps(u128::MAX, u128::MAX), 10_000);
        assert_eq!(bps_decimal(6_000), "0.6");
        assert_eq!(bps_decimal(10_000), "1");
        assert_eq!(time_text(0), "-");
        assert_eq!(time_text(1_800_000_000), "2027-01-15T08:00:00Z");
        assert_eq!(duration_text(172_800), "172800 s (2d)");
        assert_eq!(duration_text(90), "90 s (1m 30s)");
        assert_eq!(duration_text(0), "0 s");
        assert_eq!(duration_text(20), "20 s");
        assert_eq!(status_name(2), "voting");
    }
}
