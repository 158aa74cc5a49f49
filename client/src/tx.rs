//! `weaved tx`: from flags to a transaction in a block.
//!
//! The steps, in order: load the signing key; look up the signer's account number and
//! sequence (`cosmos.auth.v1beta1.Query/Account`); with `--gas auto`, sign a draft and
//! simulate it (`cosmos.tx.v1beta1.Service/Simulate`) and scale the gas used by
//! `--gas-adjustment`; take `--fees` or compute ceil(gas × `--gas-prices`); sign and
//! `BroadcastTx`; with `--wait`, poll `GetTx` until the transaction is in a block.
//! A CheckTx rejection or a failed transaction is an error (exit code 1).

use std::time::Duration;

use anyhow::{anyhow, bail, ensure, Context};
use cosmos_sdk_proto::{
    cosmos::{
        base::abci::v1beta1::TxResponse,
        tx::v1beta1::{
            service_client::ServiceClient, BroadcastMode, BroadcastTxRequest, GetTxRequest,
            GetTxResponse, SimulateRequest,
        },
    },
    Any,
};
use serde_json::Value;
use tonic::{transport::Channel, Code};
use weave_auth::GasPrice;
use weave_kernel::{Address, Coin, Coins, DENOM};

use crate::{
    builder::build_signed_tx, builder::tx_hash, chain::connect, chain::fetch_signer_data,
    chain::runtime, chain::status_error, opts::NodeOpts, render,
};
use crate::{
    home::{ClientConfig, HomeLayout},
    keys::{Keyring, SigningKey},
    opts::GlobalOpts,
};

/// The gas limit written into the draft that `--gas auto` simulates. Simulation runs
/// with the chain's maximum gas whatever the draft says; this only sizes the draft like
/// a real transaction.
const SIMULATION_GAS_LIMIT: u64 = 200_000;

/// How long `--wait` polls for the transaction to land in a block.
const WAIT_TIMEOUT: Duration = Duration::from_secs(60);

/// How often `--wait` asks.
const WAIT_INTERVAL: Duration = Duration::from_millis(500);

/// How much gas a transaction may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GasSetting {
    /// Simulate the transaction and scale the gas it used by `--gas-adjustment`.
    Auto,
    /// This many units.
    Fixed(u64),
}

/// A decimal factor with up to six places, such as `1.3`, applied to gas with
/// rounding up. It reuses the chain's fixed-point gas price arithmetic: no floats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GasAdjustment(GasPrice);

impl GasAdjustment {
    /// ceil(`gas` × factor), at least 1 and at most `u64::MAX`.
    fn apply(self, gas: u64) -> u64 {
        u64::try_from(self.0.fee_for(gas))
            .unwrap_or(u64::MAX)
            .max(1)
    }
}

/// How `BroadcastTx` waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BroadcastModeArg {
    /// Return after CheckTx accepted or rejected the transaction.
    Sync,
    /// Return as soon as the node has the transaction, before CheckTx.
    Async,
}

impl BroadcastModeArg {
    /// The protobuf broadcast mode.
    fn proto(self) -> BroadcastMode {
        match self {
            Self::Sync => BroadcastMode::Sync,
            Self::Async => BroadcastMode::Async,
        }
    }
}

/// Flags shared by every `weaved tx` command.
#[derive(Debug, Clone, clap::Args)]
pub struct TxOpts {
    #[allow(missing_docs)] // flattened: its own fields carry the help
    #[command(flatten)]
    pub node: NodeOpts,
    /// The chain id to sign for (default: `chain_id` of `<home>/config/weaved.toml`)
    #[arg(long)]
    pub chain_id: Option<String>,
    /// The key that signs (a key name). The splits and content commands need it; `tx
    /// bank` takes FROM_KEY, which it must agree with when both are given.
    #[arg(long, value_name = "KEY")]
    pub from: Option<String>,
    /// The fee, e.g. `5000uweave` (default: ceil(gas × `--gas-prices`))
    #[arg(long, value_parser = parse_fee, value_name = "COIN", conflicts_with = "gas_prices")]
    pub fees: Option<u128>,
    /// The gas limit: a number, or `auto` to simulate the transaction and multiply the
    /// gas it used by --gas-adjustment.
    #[arg(long, default_value = "auto", value_parser = parse_gas)]
    pub gas: GasSetting,
    /// What `--gas auto` multiplies the simulated gas by.
    #[arg(long, default_value = "1.3", value_parser = parse_gas_adjustment)]
    pub gas_adjustment: GasAdjustment,
    /// The price of gas when the fee is computed, in uweave per unit.
    #[arg(long, default_value = "0.025uweave", value_parser = parse_gas_prices)]
    pub gas_prices: GasPrice,
    /// A note carried in the transaction.
    #[arg(long, default_value = "")]
    pub memo: String,
    /// The last block height that may include the transaction; 0 for none.
    #[arg(long, default_value_t = 0)]
    pub timeout_height: u64,
    /// Skip confirmation (accepted for compatibility; weaved never asks).
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Return after CheckTx (`sync`) or at once (`async`).
    #[arg(long, value_enum, default_value = "sync")]
    pub broadcast_mode: BroadcastModeArg,
    /// Wait until the transaction is in a block (at most 30 s), print its result and
    /// fail if it failed.
    #[arg(long)]
    pub wait: bool,
    /// Print the unsigned transaction as Cosmos tx JSON instead of signing and
    /// broadcasting it, for `weaved tx sign` and `weaved tx broadcast`. With `--gas auto`
    /// the node is asked to simulate it; with `--gas N` no node is needed.
    #[arg(long, conflicts_with = "wait")]
    pub generate_only: bool,
}

/// Splits `1000uweave` into its amount and denomination.
fn split_coin(s: &str) -> Result<Coin, String> {
    let s = s.trim();
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    let (amount, denom) = s.split_at(digits);
    if amount.is_empty() || denom.is_empty() {
        return Err(format!(
            "invalid coin {s:?}: want an amount followed by a denomination, e.g. 1000{DENOM}"
        ));
    }
    Coin::parse(denom, amount).map_err(|e| format!("invalid coin {s:?}: {e}"))
}

/// Parses an amount of uweave, as a plain number (`1000`) or a coin (`1000uweave`).
/// Zero is accepted; whether it means anything is the message's business.
pub fn parse_uweave(s: &str) -> Result<u128, String> {
    let s = s.trim();
    let digits = s.strip_suffix(DENOM).unwrap_or(s);
    weave_kernel::parse_amount(digits)
        .map_err(|_| format!("invalid amount {s:?}: want uweave, e.g. 1000 or 1000{DENOM}"))
}

/// Parses a positive amount of uweave (a price, a tip, a deposit).
pub fn parse_positive(s: &str) -> Result<u128, String> {
    match parse_uweave(s)? {
        0 => Err(format!("the amount must be positive, got {s:?}")),
        v => Ok(v),
    }
}

/// Parses `1000uweave` or `1000uweave,5ufoo`: positive amounts, distinct denominations.
pub fn parse_coins(s: &str) -> anyhow::Result<Coins> {
    let coins = s
        .split(',')
        .map(split_coin)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| anyhow!(e))?;
    Coins::new(coins).with_context(|| format!("invalid amount {s:?}"))
}

/// Parses `--fees`: one amount of the fee denomination, e.g. `5000uweave`.
fn parse_fee(s: &str) -> Result<u128, String> {
    let coin = split_coin(s)?;
    if coin.denom != DENOM {
        return Err(format!("fees are paid in {DENOM}, got {}", coin.denom));
    }
    Ok(coin.amount)
}

/// Parses `--gas`: `auto` or a positive number.
fn parse_gas(s: &str) -> Result<GasSetting, String> {
    if s == "auto" {
        return Ok(GasSetting::Auto);
    }
    match s.parse::<u64>() {
        Ok(0) => Err("the gas limit must be positive".into()),
        Ok(gas) => Ok(GasSetting::Fixed(gas)),
        Err(_) => Err(format!("invalid gas {s:?}: want a number or `auto`")),
    }
}

/// Parses `--gas-adjustment`: a positive decimal with up to six places.
fn parse_gas_adjustment(s: &str) -> Result<GasAdjustment, String> {
    let factor = GasPrice::parse(s).map_err(|_| {
        format!("invalid gas adjustment {s:?}: want a positive decimal such as 1.3")
    })?;
    if factor.fee_for(1_000_000) == 0 {
        return Err("the gas adjustment must be positive".into());
    }
    Ok(GasAdjustment(factor))
}

/// Parses `--gas-prices`: a decimal price in the fee denomination, e.g. `0.025uweave`.
fn parse_gas_prices(s: &str) -> Result<GasPrice, String> {
    let price = s
        .strip_suffix(DENOM)
        .ok_or_else(|| format!("invalid gas price {s:?}: want e.g. 0.025{DENOM}"))?;
    GasPrice::parse(price)
}

/// The chain id to sign for: `given` (`--chain-id`), else `chain_id` of the home's
/// `weaved.toml`.
pub fn resolve_chain_id(given: Option<&str>, g: &GlobalOpts) -> anyhow::Result<String> {
    let chain_id = match given {
        Some(id) => id.to_string(),
        None => match ClientConfig::load(&g.home)? {
            Some(config) => config.chain_id,
            None => bail!(
                "--chain-id is required: there is no {} to read it from",
                HomeLayout::new(&g.home).config_file().display()
            ),
        },
    };
    ensure!(!chain_id.is_empty(), "the chain id is empty");
    Ok(chain_id)
}

/// Everything needed to sign and broadcast, resolved from the flags and the home.
#[derive(Debug, Clone)]
pub struct TxPlan {
    /// The chain to sign for.
    chain_id: String,
    /// The fee given with `--fees`.
    fees: Option<u128>,
    /// The gas limit, or `auto`.
    gas: GasSetting,
    /// The factor on simulated gas.
    gas_adjustment: GasAdjustment,
    /// The price that turns gas into a fee.
    gas_price: GasPrice,
    /// The memo.
    memo: String,
    /// The timeout height, 0 for none.
    timeout_height: u64,
    /// The broadcast mode.
    mode: BroadcastMode,
    /// With `--wait`: how long to poll, and how often.
    wait: Option<(Duration, Duration)>,
    /// Gas added to a `--gas auto` estimate, for messages whose cost depends on state
    /// that may change between the simulation and the block (such as rewards paid).
    gas_margin: u64,
    /// `--generate-only`: print the unsigned transaction and end the process.
    generate_only: bool,
}

impl TxPlan {
    /// A plan for a program without flags (the web application): gas by simulation
    /// (× 1.3), the fee at 0.025 uweave per unit of gas, no memo, no timeout,
    /// broadcast in sync mode and wait (at most 30 s) for the block, so that the
    /// result carries the transaction's events.
    pub fn new(chain_id: impl Into<String>) -> Self {
        Self {
            chain_id: chain_id.into(),
            fees: None,
            gas: GasSetting::Auto,
            gas_adjustment: GasAdjustment(GasPrice::from_micro(1_300_000)),
            gas_price: GasPrice::from_micro(25_000),
            memo: String::new(),
            timeout_height: 0,
            mode: BroadcastMode::Sync,
            wait: Some((WAIT_TIMEOUT, WAIT_INTERVAL)),
            gas_margin: 0,
            generate_only: false,
        }
    }

    /// The same plan paying exactly `fee` uweave instead of gas × price.
    pub fn with_fee(self, fee: u128) -> Self {
        Self {
            fees: Some(fee),
            ..self
        }
    }

    /// The same plan carrying `memo`.
    pub fn with_memo(self, memo: impl Into<String>) -> Self {
        Self {
            memo: memo.into(),
            ..self
        }
    }

    /// The chain id the plan signs for.
    pub fn chain_id(&self) -> &str {
        &self.chain_id
    }

    /// Whether the gas limit comes from a simulation (`--gas auto`).
    pub fn estimates_gas(&self) -> bool {
        self.gas == GasSetting::Auto
    }

    /// Resolves the flags; the chain id falls back to the home's `weaved.toml`.
    pub fn resolve(opts: &TxOpts, g: &GlobalOpts) -> anyhow::Result<Self> {
        let chain_id = resolve_chain_id(opts.chain_id.as_deref(), g)?;
        Ok(Self {
            chain_id,
            fees: opts.fees,
            gas: opts.gas,
            gas_adjustment: opts.gas_adjustment,
            gas_price: opts.gas_prices,
            memo: opts.memo.clone(),
            timeout_height: opts.timeout_height,
            mode: opts.broadcast_mode.proto(),
            wait: opts.wait.then_some((WAIT_TIMEOUT, WAIT_INTERVAL)),
            gas_margin: 0,
            generate_only: opts.generate_only,
        })
    }

    /// The same plan, adding `margin` gas to a `--gas auto` estimate.
    pub fn with_gas_margin(self, margin: u64) -> Self {
        Self {
            gas_margin: margin,
            ..self
        }
    }

    /// The same plan, waiting for every transaction to be in a block whatever
    /// `--wait` said.
    pub fn waiting(self) -> Self {
        Self {
            wait: Some((WAIT_TIMEOUT, WAIT_INTERVAL)),
            ..self
        }
    }

    /// The fee of the draft that `--gas auto` simulates. A fee is paid in simulation
    /// too, and paying costs gas, so the draft pays one if the real one will: `--fees`,
    /// or 1 uweave standing in for the computed fee (0 when gas is free).
    fn simulation_fee(&self) -> u128 {
        match self.fees {
            Some(fee) => fee,
            None if self.gas_price.fee_for(1) == 0 => 0,
            None => 1,
        }
    }
}

/// A signed transaction after broadcast.
#[derive(Debug, Clone)]
pub struct Submitted {
    /// Its hash.
    pub hash: String,
    /// The gas limit it carries.
    gas_limit: u64,
    /// The fee it pays, in uweave.
    fee: u128,
    /// What `BroadcastTx` answered.
    broadcast: TxResponse,
    /// With `--wait` and a CheckTx success: the transaction in its block.
    included: Option<GetTxResponse>,
}

/// What became of a transaction, as a page shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TxSummary {
    /// The transaction hash (hex).
    pub txhash: String,
    /// The block height, 0 while it is not known to be in a block.
    pub height: i64,
    /// 0 on success; otherwise the error code in `codespace`.
    pub code: u32,
    /// The module whose error `code` is.
    pub codespace: String,
    /// The log: the error message on failure.
    pub raw_log: String,
    /// The gas limit the transaction carries.
    pub gas_wanted: u64,
    /// The gas it used, once in a block.
    pub gas_used: i64,
    /// The fee it paid, in uweave.
    pub fee: String,
    /// Whether it is known to be in a block.
    pub included: bool,
}

impl serde::Serialize for Submitted {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.summary().serialize(serializer)
    }
}

impl Submitted {
    /// The transaction's result: from its block if it is known to be in one, else
    /// from the broadcast.
    pub fn summary(&self) -> TxSummary {
        let response = self
            .included
            .as_ref()
            .and_then(|i| i.tx_response.as_ref())
            .unwrap_or(&self.broadcast);
        TxSummary {
            txhash: self.hash.clone(),
            height: response.height,
            code: response.code,
            codespace: response.codespace.clone(),
            raw_log: response.raw_log.clone(),
            gas_wanted: self.gas_limit,
            gas_used: response.gas_used,
            fee: self.fee.to_string(),
            included: self.included.is_some(),
        }
    }

    /// Like [`Submitted::event_attribute`], for an attribute that holds an id or a
    /// height, so that JSON output shows it as a number.
    pub fn event_number(&self, event_type: &str, key: &str) -> Option<u64> {
        self.event_attribute(event_type, key)?.parse().ok()
    }

    /// The value of attribute `key` of the first event of type `event_type` the
    /// transaction emitted in its block; `None` before inclusion or if there is none.
    pub fn event_attribute(&self, event_type: &str, key: &str) -> Option<String> {
        self.included
            .as_ref()?
            .tx_response
            .as_ref()?
            .events
            .iter()
            .filter(|e| e.r#type == event_type)
            .flat_map(|e| e.attributes.iter())
            .find(|a| a.key == key)
            .map(|a| a.value.clone())
    }

    /// The attributes, as `(key, value)` pairs, of every event of type `event_type`
    /// the transaction emitted in its block, in order; empty before inclusion.
    pub fn events(&self, event_type: &str) -> Vec<Vec<(String, String)>> {
        let Some(response) = self.included.as_ref().and_then(|i| i.tx_response.as_ref()) else {
            return Vec::new();
        };
        response
            .events
            .iter()
            .filter(|e| e.r#type == event_type)
            .map(|e| {
                e.attributes
                    .iter()
                    .map(|a| (a.key.clone(), a.value.clone()))
                    .collect()
            })
            .collect()
    }

    /// Whether the transaction is known to be in a block (with `--wait`), whatever its
    /// result.
    pub fn is_included(&self) -> bool {
        self.included.is_some()
    }

    /// Whether the transaction is known to have failed: refused by CheckTx, or failed
    /// in its block. The error reads as `report` prints it.
    pub fn outcome(&self) -> anyhow::Result<()> {
        if let Some(included) = &self.included {
            let response = included
                .tx_response
                .as_ref()
                .ok_or_else(|| anyhow!("the node returned no result for {}", self.hash))?;
            if response.code != 0 {
                bail!(
                    "transaction {} failed in block {}: {}",
                    self.hash,
                    response.height,
                    render::failure(response)
                );
            }
            return Ok(());
        }
        if self.broadcast.code != 0 {
            bail!(
                "transaction {} rejected by CheckTx: {}",
                self.hash,
                render::failure(&self.broadcast)
            );
        }
        Ok(())
    }
}

/// Signs `messages` with `key` as `plan` says, broadcasts them and, if asked, waits for
/// the block.
///
/// With `--generate-only` (a plan from the command line's flags only), it prints the
/// unsigned transaction as Cosmos tx JSON instead and ends the process with success, so
/// that every command built on it takes the flag.
pub async fn sign_and_submit(
    channel: &Channel,
    plan: &TxPlan,
    key: &SigningKey,
    messages: Vec<Any>,
) -> anyhow::Result<Submitted> {
    if plan.generate_only {
        let gas_limit = match plan.gas {
            GasSetting::Fixed(gas) => gas,
            GasSetting::Auto => {
                let signer = fetch_signer_data(channel, &key.address(), &plan.chain_id).await?;
                let draft = build_signed_tx(
                    key,
                    messages.clone(),
                    &signer,
                    plan.simulation_fee(),
                    SIMULATION_GAS_LIMIT,
                    &plan.memo,
                    plan.timeout_height,
                );
                plan.gas_adjustment
                    .apply(simulate(channel, draft).await?)
                    .saturating_add(plan.gas_margin)
            }
        };
        let fee = plan
            .fees
            .unwrap_or_else(|| plan.gas_price.fee_for(gas_limit));
        let tx = crate::tx_file::TxFile::unsigned(
            cosmos_sdk_proto::cosmos::tx::v1beta1::TxBody {
                messages,
                memo: plan.memo.clone(),
                timeout_height: plan.timeout_height,
                ..Default::default()
            },
            cosmos_sdk_proto::cosmos::tx::v1beta1::Fee {
                amount: if fee == 0 {
                    Vec::new()
                } else {
                    vec![cosmos_sdk_proto::cosmos::base::v1beta1::Coin {
                        denom: DENOM.to_string(),
                        amount: fee.to_string(),
                    }]
                },
                gas_limit,
                payer: String::new(),
                granter: String::new(),
            },
        );
        crate::tx_file::print_generated(&tx)?;
        std::process::exit(0);
    }
    let signer = fetch_signer_data(channel, &key.address(), &plan.chain_id).await?;
    let gas_limit = match plan.gas {
        GasSetting::Fixed(gas) => gas,
        GasSetting::Auto => {
            let draft = build_signed_tx(
                key,
                messages.clone(),
                &signer,
                plan.simulation_fee(),
                SIMULATION_GAS_LIMIT,
                &plan.memo,
                plan.timeout_height,
            );
            let used = simulate(channel, draft).await?;
            plan.gas_adjustment
                .apply(used)
                .saturating_add(plan.gas_margin)
        }
    };
    let fee = plan
        .fees
        .unwrap_or_else(|| plan.gas_price.fee_for(gas_limit));
    let tx = build_signed_tx(
        key,
        messages,
        &signer,
        fee,
        gas_limit,
        &plan.memo,
        plan.timeout_height,
    );
    let hash = tx_hash(&tx);
    let mut broadcast = broadcast_tx(channel, tx, plan.mode).await?;
    if broadcast.txhash.is_empty() {
        broadcast.txhash = hash.clone();
    }
    let included = match plan.wait {
        Some((timeout, interval)) if broadcast.code == 0 => {
            Some(wait_for_tx(channel, &hash, timeout, interval).await?)
        }
        _ => None,
    };
    Ok(Submitted {
        hash,
        gas_limit,
        fee,
        broadcast,
        included,
    })
}

/// Broadcasts signed `TxRaw` bytes (which carry `gas_limit` and pay `fee`) in `mode`
/// and, with `wait`, waits for the block.
pub async fn broadcast_raw(
    channel: &Channel,
    tx: Vec<u8>,
    gas_limit: u64,
    fee: u128,
    mode: BroadcastModeArg,
    wait: bool,
) -> anyhow::Result<Submitted> {
    let hash = tx_hash(&tx);
    let mut broadcast = broadcast_tx(channel, tx, mode.proto()).await?;
    if broadcast.txhash.is_empty() {
        broadcast.txhash = hash.clone();
    }
    let included = if wait && broadcast.code == 0 {
        Some(wait_for_tx(channel, &hash, WAIT_TIMEOUT, WAIT_INTERVAL).await?)
    } else {
        None
    };
    Ok(Submitted {
        hash,
        gas_limit,
        fee,
        broadcast,
        included,
    })
}

/// The gas a transaction would use (`Simulate`).
async fn simulate(channel: &Channel, tx_bytes: Vec<u8>) -> anyhow::Result<u64> {
    let request = SimulateRequest {
        tx_bytes,
        ..Default::default()
    };
    let response = ServiceClient::new(channel.clone())
        .simulate(request)
        .await
        .map_err(status_error)?
        .into_inner();
    response
        .gas_info
        .map(|g| g.gas_used)
        .ok_or_else(|| anyhow!("the node's simulation returned no gas information"))
}

/// Broadcasts a signed transaction and returns the node's answer.
async fn broadcast_tx(
    channel: &Channel,
    tx_bytes: Vec<u8>,
    mode: BroadcastMode,
) -> anyhow::Result<TxResponse> {
    let request = BroadcastTxRequest {
        tx_bytes,
        mode: mode as i32,
    };
    ServiceClient::new(channel.clone())
        .broadcast_tx(request)
        .await
        .map_err(status_error)?
        .into_inner()
        .tx_response
        .ok_or_else(|| anyhow!("the node returned no broadcast result"))
}

/// Whether a `GetTx` error means "not in a block (yet)".
fn is_pending(status: &tonic::Status) -> bool {
    matches!(status.code(), Code::NotFound | Code::Unavailable)
        || status.message().contains("not found")
}

/// Polls `GetTx` every `interval` until the transaction `hash` is in a block, for at
/// most `timeout`.
async fn wait_for_tx(
    channel: &Channel,
    hash: &str,
    timeout: Duration,
    interval: Duration,
) -> anyhow::Result<GetTxResponse> {
    let deadline = tokio::time::Instant::now() + timeout;
    let mut client = ServiceClient::new(channel.clone());
    loop {
        let request = GetTxRequest {
            hash: hash.to_string(),
        };
        match client.get_tx(request).await {
            Ok(response) => {
                let response = response.into_inner();
                if response.tx_response.as_ref().is_some_and(|r| r.height > 0) {
                    return Ok(response);
                }
            }
            Err(status) if is_pending(&status) => {}
            Err(status) => return Err(status_error(status)),
        }
        if tokio::time::Instant::now() + interval > deadline {
            bail!(
                "transaction {hash} was broadcast but is not in a block after {} s",
                timeout.as_secs()
            );
        }
        tokio::time::sleep(interval).await;
    }
}

/// Prints what became of a transaction; fails if CheckTx rejected it or it failed in
/// its block.
#[cfg(test)]
fn report(submitted: &Submitted, estimated: bool, json: bool) -> anyhow::Result<()> {
    report_with(submitted, estimated, json, &[])
}

/// A value as a line of text: strings without quotes.
fn text_value(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Like `report`, adding `extras` (such as the id a transaction created) to what is
/// printed when the transaction succeeded: `key: value` lines in text, fields of the
/// document in JSON.
pub fn report_with(
    submitted: &Submitted,
    estimated: bool,
    json: bool,
    extras: &[(&str, Value)],
) -> anyhow::Result<()> {
    if estimated && !json {
        eprintln!(
            "gas estimate: {} (fee {}{DENOM})",
            submitted.gas_limit, submitted.fee
        );
    }
    let (response, tx) = match &submitted.included {
        Some(included) => (
            included
                .tx_response
                .as_ref()
                .ok_or_else(|| anyhow!("the node returned no result for {}", submitted.hash))?,
            Some(included),
        ),
        None => (&submitted.broadcast, None),
    };
    let ok = response.code == 0;
    if json {
        let mut value = render::tx_response_json(response, tx.and_then(|t| t.tx.as_ref()));
        if let (true, Some(map)) = (ok, value.as_object_mut()) {
            for (key, extra) in extras {
                map.insert((*key).to_string(), extra.clone());
            }
        }
        render::print_json(&value)?;
    } else if tx.is_some() || ok {
        match tx {
            Some(t) => println!("{}", render::tx_result_text(response, t.tx.as_ref())),
            None => println!("{}", render::broadcast_text(response)),
        }
        if ok {
            for (key, extra) in extras {
                println!("{key}: {}", text_value(extra));
            }
        }
    }
    submitted.outcome()
}

/// Runs a library transaction flow for a command: resolves the plan from the flags,
/// connects to the node and runs `flow` with the channel and the plan.
pub fn run_flow<T, F, Fut>(opts: &TxOpts, g: &GlobalOpts, flow: F) -> anyhow::Result<T>
where
    F: FnOnce(Channel, TxPlan) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<T>>,
{
    let plan = TxPlan::resolve(opts, g)?;
    let url = opts.node.url(&g.home)?;
    runtime()?.block_on(async {
        let channel = connect(&url).await?;
        flow(channel, plan).await
    })
}

/// Prints a transaction a library flow submitted, as [`submit_with`] does, adding
/// `extras`; fails if the transaction failed.
pub fn report_submitted(
    submitted: &Submitted,
    opts: &TxOpts,
    g: &GlobalOpts,
    extras: &[(&str, Value)],
) -> anyhow::Result<()> {
    report_with(submitted, opts.gas == GasSetting::Auto, g.json(), extras)
}

/// The key named by FROM_KEY (a key name, or the address of a key in the key ring),
/// checked against `--from`.
pub fn signing_key(from_key: &str, opts: &TxOpts, keyring: &Keyring) -> anyhow::Result<SigningKey> {
    if let Some(from) = &opts.from {
        ensure!(
            from == from_key,
            "FROM_KEY {from_key:?} and --from {from:?} name different keys"
        );
    }
    let name = match from_key.parse::<Address>() {
        Ok(address) => keyring
            .list()?
            .into_iter()
            .find(|k| k.address == address)
            .map(|k| k.name)
            .ok_or_else(|| anyhow!("no key in the key ring has the address {address}"))?,
        Err(_) => from_key.to_string(),
    };
    keyring.signing_key(&name)
}

/// The key named by `--from`, which the module commands require (they have no
/// FROM_KEY argument).
pub fn from_key(opts: &TxOpts, keyring: &Keyring) -> anyhow::Result<SigningKey> {
    let from = opts
        .from
        .as_deref()
        .ok_or_else(|| anyhow!("--from KEY is required: the key that signs"))?;
    signing_key(from, opts, keyring)
}

/// Signs, broadcasts and reports a transaction of `messages` built for `key`.
pub fn submit(
    key: &SigningKey,
    messages: Vec<Any>,
    opts: &TxOpts,
    g: &GlobalOpts,
) -> anyhow::Result<()> {
    submit_with(key, messages, opts, g, |_| Vec::new())
}

/// [`submit`], reporting the `extras` that `extras` reads off the submitted
/// transaction (its events, once it is in a block).
pub fn submit_with(
    key: &SigningKey,
    messages: Vec<Any>,
    opts: &TxOpts,
    g: &GlobalOpts,
    extras: impl FnOnce(&Submitted) -> Vec<(&'static str, Value)>,
) -> anyhow::Result<()> {
    submit_planned(key, messages, TxPlan::resolve(opts, g)?, opts, g, extras)
}

/// [`submit_with`] for a plan already resolved (and perhaps adjusted) from `opts`.
pub fn submit_planned(
    key: &SigningKey,
    messages: Vec<Any>,
    plan: TxPlan,
    opts: &TxOpts,
    g: &GlobalOpts,
    extras: impl FnOnce(&Submitted) -> Vec<(&'static str, Value)>,
) -> anyhow::Result<()> {
    let url = opts.node.url(&g.home)?;
    let submitted = runtime()?.block_on(async {
        let channel = connect(&url).await?;
        sign_and_submit(&channel, &plan, key, messages).await
    })?;
    let extras = extras(&submitted);
    report_with(&submitted, plan.gas == GasSetting::Auto, g.json(), &extras)
}

#[cfg(test)]
mod tests {
    use cosmos_sdk_proto::cosmos::tx::v1beta1::{AuthInfo, TxRaw};
    use prost::Message;
    use weave_app::router::Router;
    use weave_bank::BankMsg;

    use super::*;
    use crate::{
        bank::msg::{msg_multi_send, msg_send},
        keys::KeyAlgo,
        mock::{self, ChainState, Rejection},
    };

    fn key() -> SigningKey {
        SigningKey::from_secret_bytes(KeyAlgo::Secp256k1, &[5; 32]).unwrap()
    }

    fn plan() -> TxPlan {
        TxPlan {
            chain_id: "test-1".into(),
            fees: None,
            gas: GasSetting::Auto,
            gas_adjustment: parse_gas_adjustment("1.3").unwrap(),
            gas_price: parse_gas_prices("0.025uweave").unwrap(),
            memo: "m".into(),
            timeout_height: 0,
            mode: BroadcastMode::Sync,
            wait: None,
            gas_margin: 0,
            generate_only: false,
        }
    }

    /// A chain where `key()` has account number 4 and sequence 2.
    fn chain() -> ChainState {
        let mut state = ChainState::new();
        state.accounts.insert(key().address().to_string(), (4, 2));
        state
    }

    fn send_to_self(amount: u128) -> Vec<Any> {
        let k = key();
        vec![msg_send(
            &k.address(),
            &k.address(),
            &Coins::new(vec![Coin::base(amount)]).unwrap(),
        )]
    }

    /// The gas limit and fee of a transaction.
    fn gas_and_fee(tx: &[u8]) -> (u64, Vec<(String, String)>) {
        let raw = TxRaw::decode(tx).unwrap();
        let fee = AuthInfo::decode(raw.auth_info_bytes.as_slice())
            .unwrap()
            .fee
            .unwrap();
        (
            fee.gas_limit,
            fee.amount
                .into_iter()
                .map(|c| (c.denom, c.amount))
                .collect(),
        )
    }

    #[test]
    fn coins_and_fees_parse() {
        let coins = parse_coins("10uweave,5ufoo").unwrap();
        assert_eq!(coins.amount_of("uweave"), 10);
        assert_eq!(coins.amount_of("ufoo"), 5);
        assert!(parse_coins("0uweave").is_err());
        assert!(parse_coins("10").is_err());
        assert!(parse_coins("uweave").is_err());
        assert!(parse_coins("10uweave,3uweave").is_err());
        assert!(parse_coins("-1uweave").is_err());
        assert_eq!(parse_fee("5000uweave"), Ok(5000));
        assert_eq!(parse_fee("0uweave"), Ok(0));
        assert!(parse_fee("5000ufoo").is_err());
        assert_eq!(parse_gas("auto"), Ok(GasSetting::Auto));
        assert_eq!(parse_gas("7"), Ok(GasSetting::Fixed(7)));
    }

    #[test]
    fn gas_adjustment_rounds_up() {
        let adj = parse_gas_adjustment("1.3").unwrap();
        assert_eq!(adj.apply(40_000), 52_000);
        assert_eq!(adj.apply(1), 2);
        assert_eq!(adj.apply(0), 1);
        assert_eq!(parse_gas_adjustment("1").unwrap().apply(7), 7);
        assert!(parse_gas_adjustment("1.1234567").is_err());
        assert!(parse_gas_adjustment("-1").is_err());
        assert_eq!(
            parse_gas_prices("0.025uweave").unwrap().fee_for(52_000),
            1_300
        );
        assert_eq!(parse_gas_prices("0.025uweave").unwrap().fee_for(1), 1);
    }

    #[test]
    fn bank_messages_pass_the_chain_checks() {
        let from = key().address();
        let to = [Address::new([1; 20]), Address::new([2; 20])];
        let each = parse_coins("7uweave").unwrap();
        let send = msg_send(&from, &to[0], &each);
        assert_eq!(
            BankMsg::decode(&send).unwrap(),
            BankMsg::Send {
                from,
                to: to[0],
                amount: each.clone()
            }
        );
        let multi = msg_multi_send(&from, &to, &each).unwrap();
        let BankMsg::MultiSend { input, outputs } = BankMsg::decode(&multi).unwrap() else {
            panic!("not a multi-send");
        };
        assert_eq!(input, (from, parse_coins("14uweave").unwrap()));
        assert_eq!(outputs, vec![(to[0], each.clone()), (to[1], each.clone())]);
        assert!(msg_multi_send(&from, &[], &each).is_err());
        let huge = Coins::new(vec![Coin::base(u128::MAX)]).unwrap();
        assert!(msg_multi_send(&from, &to, &huge).is_err());
    }

    #[tokio::test]
    async fn auto_gas_simulates_then_pays_the_computed_fee() {
        let (chain, channel) = mock::serve(chain()).await;
        let submitted = sign_and_submit(&channel, &plan(), &key(), send_to_self(10))
            .await
            .unwrap();
        assert_eq!(submitted.broadcast.code, 0);
        assert_eq!((submitted.gas_limit, submitted.fee), (52_000, 1_300));
        let state = chain.0.lock().unwrap();
        assert_eq!(state.simulated.len(), 1);
        // The draft pays a stand-in fee, so that simulation charges for paying one.
        assert_eq!(
            gas_and_fee(&state.simulated[0]).1,
            vec![("uweave".into(), "1".into())]
        );
        assert_eq!(state.broadcast.len(), 1);
        let tx = &state.broadcast[0];
        assert_eq!(tx_hash(tx), submitted.hash);
        assert_eq!(submitted.broadcast.txhash, submitted.hash);
        assert_eq!(
            gas_and_fee(tx),
            (52_000, vec![("uweave".into(), "1300".into())])
        );
        let router = Router::new(vec![std::sync::Arc::new(weave_bank::BankModule::new())]).unwrap();
        let decoded = weave_app::tx::decode_tx(tx, &router, 256).unwrap();
        assert_eq!(
            (decoded.memo.as_str(), decoded.signers[0].sequence),
            ("m", 2)
        );
        assert!(report(&submitted, true, false).is_ok());
        assert!(report(&submitted, true, true).is_ok());
    }

    #[tokio::test]
    async fn a_gas_margin_is_added_to_the_estimate_only() {
        let (_chain, channel) = mock::serve(chain()).await;
        let submitted = sign_and_submit(
            &channel,
            &plan().with_gas_margin(8_000),
            &key(),
            send_to_self(10),
        )
        .await
        .unwrap();
        assert_eq!((submitted.gas_limit, submitted.fee), (60_000, 1_500));
        let (_chain, channel) = mock::serve(chain()).await;
        let fixed = TxPlan {
            gas: GasSetting::Fixed(100_000),
            ..plan().with_gas_margin(8_000)
        };
        let submitted = sign_and_submit(&channel, &fixed, &key(), send_to_self(10))
            .await
            .unwrap();
        assert_eq!(submitted.gas_limit, 100_000);
    }

    #[tokio::test]
    async fn fixed_gas_and_fees_skip_simulation() {
        let (chain, channel) = mock::serve(chain()).await;
        let plan = TxPlan {
            fees: Some(9_999),
            gas: GasSetting::Fixed(100_000),
            ..plan()
        };
        let submitted = sign_and_submit(&channel, &plan, &key(), send_to_self(10))
            .await
            .unwrap();
        assert_eq!(submitted.broadcast.code, 0);
        let state = chain.0.lock().unwrap();
        assert!(state.simulated.is_empty());
        assert_eq!(
            gas_and_fee(&state.broadcast[0]),
            (100_000, vec![("uweave".into(), "9999".into())])
        );
    }

    #[tokio::test]
    async fn a_fee_below_the_minimum_is_rejected_by_checktx_and_reported() {
        let (chain, channel) = mock::serve(chain()).await;
        let plan = TxPlan {
            fees: Some(1),
            gas: GasSetting::Fixed(100_000),
            ..plan()
        };
        let submitted = sign_and_submit(&channel, &plan, &key(), send_to_self(10))
            .await
            .unwrap();
        assert_eq!(submitted.broadcast.code, 4);
        assert!(chain.0.lock().unwrap().broadcast.is_empty());
        let e = report(&submitted, false, false).unwrap_err().to_string();
        assert!(
            e.contains("rejected by CheckTx: codespace sdk, code 4: insufficient fee"),
            "{e}"
        );
        assert!(report(&submitted, false, true).is_err());
    }

    #[tokio::test]
    async fn a_checktx_rejection_is_an_error_with_its_code() {
        let mut state = chain();
        state.rejection = Some(Rejection {
            codespace: "bank".into(),
            code: 5,
            log: "insufficient funds".into(),
        });
        let (_chain, channel) = mock::serve(state).await;
        let plan = TxPlan {
            wait: Some((WAIT_TIMEOUT, WAIT_INTERVAL)),
            ..plan()
        };
        let submitted = sign_and_submit(&channel, &plan, &key(), send_to_self(10))
            .await
            .unwrap();
        // A rejected transaction is not waited for.
        assert!(submitted.included.is_none());
        let e = report(&submitted, false, false).unwrap_err().to_string();
        assert_eq!(
            e,
            format!(
                "transaction {} rejected by CheckTx: codespace bank, code 5: insufficient funds",
                submitted.hash
            )
        );
    }

    #[tokio::test]
    async fn a_failed_simulation_shows_the_node_message() {
        let mut state = chain();
        state.simulate_error = Some("insufficient funds: 0uweave < 10uweave".into());
        let (_chain, channel) = mock::serve(state).await;
        let e = sign_and_submit(&channel, &plan(), &key(), send_to_self(10))
            .await
            .unwrap_err();
        assert_eq!(e.to_string(), "insufficient funds: 0uweave < 10uweave");
    }

    #[tokio::test]
    async fn an_unfunded_sender_is_told_to_fund_the_account() {
        let (_chain, channel) = mock::serve(ChainState::new()).await;
        let e = sign_and_submit(&channel, &plan(), &key(), send_to_self(10))
            .await
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "account {} not found on chain: fund it first",
                key().address()
            )
        );
    }

    #[tokio::test]
    async fn wait_polls_until_the_tx_is_in_a_block() {
        let mut state = chain();
        state.pending_polls = 3;
        let (chain, channel) = mock::serve(state).await;
        let plan = TxPlan {
            wait: Some((Duration::from_secs(10), Duration::from_millis(10))),
            ..plan()
        };
        let submitted = sign_and_submit(&channel, &plan, &key(), send_to_self(10))
            .await
            .unwrap();
        let included = submitted.included.as_ref().unwrap();
        let response = included.tx_response.as_ref().unwrap();
        assert_eq!((response.height, response.code), (5, 0));
        assert_eq!(response.txhash, submitted.hash);
        assert_eq!(chain.0.lock().unwrap().pending_polls, 0);
        assert!(report(&submitted, false, false).is_ok());
    }

    #[tokio::test]
    async fn a_tx_that_fails_in_its_block_is_an_error() {
        let mut state = chain();
        state.deliver_code = 5;
        let (_chain, channel) = mock::serve(state).await;
        let plan = TxPlan {
            wait: Some((Duration::from_secs(10), Duration::from_millis(10))),
            ..plan()
        };
        let submitted = sign_and_submit(&channel, &plan, &key(), send_to_self(10))
            .await
            .unwrap();
        assert_eq!(submitted.broadcast.code, 0);
        let e = report(&submitted, false, true).unwrap_err().to_string();
        assert_eq!(
            e,
            format!(
                "transaction {} failed in block 5: codespace bank, code 5: insufficient funds",
                submitted.hash
            )
        );
    }

    #[test]
    fn a_plan_for_a_program_estimates_gas_and_waits() {
        let plan = TxPlan::new("weave-9");
        assert_eq!(plan.chain_id(), "weave-9");
        assert!(plan.estimates_gas());
        assert_eq!(plan.wait, Some((WAIT_TIMEOUT, WAIT_INTERVAL)));
        // The same defaults as the command line's flags.
        assert_eq!(plan.gas_adjustment, parse_gas_adjustment("1.3").unwrap());
        assert_eq!(plan.gas_price, parse_gas_prices("0.025uweave").unwrap());
        let plan = plan.with_fee(7).with_memo("hi");
        assert_eq!((plan.fees, plan.memo.as_str()), (Some(7), "hi"));
    }

    #[tokio::test]
    async fn a_submitted_tx_serializes_as_its_summary() {
        let mut state = chain();
        state.deliver_code = 5;
        let (_chain, channel) = mock::serve(state).await;
        let plan = TxPlan {
            wait: Some((Duration::from_secs(10), Duration::from_millis(10))),
            ..plan()
        };
        let submitted = sign_and_submit(&channel, &plan, &key(), send_to_self(10))
            .await
            .unwrap();
        let summary = submitted.summary();
        assert_eq!(summary.txhash, submitted.hash);
        assert!(summary.included);
        assert_eq!((summary.height, summary.code), (5, 5));
        assert_eq!(summary.fee, submitted.fee.to_string());
        assert!(submitted.fee > 0);
        let json = serde_json::to_value(&submitted).unwrap();
        assert_eq!(json["code"], 5);
        assert_eq!(json["codespace"], "bank");
        assert_eq!(json["fee"], submitted.fee.to_string());
        assert_eq!(json["txhash"], submitted.hash.as_str());
    }

    #[tokio::test]
    async fn wait_gives_up_after_its_timeout() {
        let mut state = chain();
        state.pending_polls = u32::MAX;
        let (_chain, channel) = mock::serve(state).await;
        let plan = TxPlan {
            wait: Some((Duration::from_millis(100), Duration::from_millis(10))),
            ..plan()
        };
        let e = sign_and_submit(&channel, &plan, &key(), send_to_self(10))
            .await
            .unwrap_err();
        assert!(
            e.to_string()
                .contains("was broadcast but is not in a block"),
            "{e}"
        );
    }

    #[test]
    fn from_must_agree_with_from_key() {
        let home = tempfile::tempdir().unwrap();
        let keyring = Keyring::open(home.path(), crate::keys::KeyringBackend::Test).unwrap();
        let info = keyring.import_signing_key("alice", &key()).unwrap();
        /// The tx flags alone, to get their defaults.
        #[derive(clap::Parser)]
        struct Flags {
            #[command(flatten)]
            opts: TxOpts,
        }
        let opts = |from: Option<&str>| {
            let mut opts = <Flags as clap::Parser>::try_parse_from(["x"]).unwrap().opts;
            opts.from = from.map(str::to_string);
            opts
        };
        assert_eq!(
            signing_key("alice", &opts(None), &keyring)
                .unwrap()
                .address(),
            info.address
        );
        assert_eq!(
            signing_key(&info.address.to_string(), &opts(None), &keyring)
                .unwrap()
                .address(),
            info.address
        );
        assert!(signing_key("alice", &opts(Some("alice")), &keyring).is_ok());
        assert!(signing_key("alice", &opts(Some("bob")), &keyring).is_err());
        assert!(signing_key("bob", &opts(None), &keyring).is_err());
        assert!(signing_key(&Address::new([3; 20]).to_string(), &opts(None), &keyring).is_err());
    }
}
