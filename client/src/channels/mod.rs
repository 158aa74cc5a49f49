//! `weaved tx channels`, `weaved query channels` and `weaved channels`: payment
//! channels whose signed cumulative vouchers pay seeders.
//!
//! A payer opens a channel with a deposit (and optional collateral) held in escrow and
//! an ed25519 **voucher key**. Off chain it signs cumulative vouchers, one running
//! total per lane (a seeder and a content); a seeder claims a batch of them in one
//! `MsgClaim`, and each voucher pays its lane the increase over what the lane already
//! claimed. `close` (or the expiry height) starts the challenge period; then the
//! remainder returns to the payer.
//!
//! **The voucher key** is derived from the payer's account key, so there is no extra
//! secret file and the same mnemonic restores it: its ed25519 seed is
//! `blake3::derive_key("weave/voucher-key/v1", secret)`, where `secret` is the account
//! key's 32 secret bytes (the secp256k1 scalar or the ed25519 seed, as
//! [`SigningKey::secret_bytes`] returns them), just as the X25519 buyer key of the
//! content commands is derived from the same bytes. The KDF's context string
//! separates the two uses: a voucher signature is never a transaction signature. Every
//! channel of one payer has the same voucher key; vouchers name their channel and
//! chain, so one channel's vouchers cannot be claimed from another.
//!
//! **Voucher files** (`weaved channels sign-voucher -o FILE`, `weaved tx channels
//! claim --voucher-file FILE`) hold one JSON object
//!
//! ```json
//! {"voucher": "<base64>", "signature": "<base64>"}
//! ```
//!
//! where `voucher` is the encoded `weave.channels.v1.Voucher` exactly as signed and
//! `signature` the 64-byte ed25519 signature over `"weave/voucher/v1" || voucher`
//! (standard base64 with padding). A file may also hold a JSON array of such objects,
//! or lines each holding the base64 of an encoded `weave.channels.v1.SignedVoucher`.

pub mod claimd;
pub mod voucher;

pub use voucher::{voucher_key, voucher_public_key, VOUCHER_KEY_CONTEXT};

use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, ensure, Context};
use base64::{engine::general_purpose::STANDARD as BASE64, Engine};
use clap::{ArgGroup, Subcommand};
use cosmos_sdk_proto::Any;
use prost::Message;
use serde::Deserialize;
use serde_json::{json, Value};
use weave_channels::{ChannelsMsg, Voucher, HARD_MAX_VOUCHERS};
use weave_kernel::Address;
use weave_proto::weave::channels::v1::{self as pb, query_client::QueryClient};

use crate::{
    builder::to_any,
    chain::runtime,
    chain::status_error,
    chain::{connect, latest_height},
    content::{next_key, parse_root, print_page, PageArgs},
    opts::resolve_address,
    opts::NodeOpts,
    query::with_channel,
    render,
    tx::{
        from_key, parse_positive, parse_uweave, resolve_chain_id, submit_with, Submitted, TxOpts,
    },
};
use crate::{keys::Keyring, opts::GlobalOpts};

/// The event that names a new channel.
const EVENT_CHANNEL_OPENED: &str = "weave.channels.v1.EventChannelOpened";
/// The event of a close: when the channel settles.
const EVENT_CHANNEL_CLOSING: &str = "weave.channels.v1.EventChannelClosing";
/// One voucher of a claim accepted.
const EVENT_VOUCHER_PAID: &str = "weave.channels.v1.EventVoucherPaid";
/// One voucher of a claim refused.
const EVENT_VOUCHER_REJECTED: &str = "weave.channels.v1.EventVoucherRejected";
/// What a claim paid for one content.
const EVENT_CLAIM_PAID: &str = "weave.channels.v1.EventClaimPaid";

/// A signed voucher in its JSON file form: both fields standard base64.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
struct VoucherJson {
    /// The encoded `weave.channels.v1.Voucher`, exactly as signed.
    voucher: String,
    /// The 64-byte ed25519 signature.
    signature: String,
}

impl VoucherJson {
    fn of(signed: &pb::SignedVoucher) -> Self {
        Self {
            voucher: BASE64.encode(&signed.voucher),
            signature: BASE64.encode(&signed.signature),
        }
    }

    fn decode(&self) -> anyhow::Result<pb::SignedVoucher> {
        let voucher = BASE64
            .decode(self.voucher.trim())
            .context("\"voucher\" is not base64")?;
        let signature = BASE64
            .decode(self.signature.trim())
            .context("\"signature\" is not base64")?;
        ensure!(!voucher.is_empty(), "\"voucher\" is empty");
        ensure!(
            signature.len() == 64,
            "\"signature\" is {} bytes, an ed25519 signature is 64",
            signature.len()
        );
        Ok(pb::SignedVoucher { voucher, signature })
    }
}

/// A signed voucher as the JSON document of a voucher file, on one line, with its
/// fields in the documented order: `{"voucher": BASE64, "signature": BASE64}`.
pub fn voucher_file_text(signed: &pb::SignedVoucher) -> String {
    let v = VoucherJson::of(signed);
    // By hand: a `Value` object would sort the keys, and serializing the struct
    // returns a `Result` for an error two strings cannot cause.
    format!(
        "{{\"voucher\":{},\"signature\":{}}}",
        Value::String(v.voucher),
        Value::String(v.signature)
    )
}

/// The signed vouchers in the text of a voucher file: one JSON object, a JSON array of
/// them, or lines of base64-encoded `SignedVoucher`s.
fn parse_vouchers(text: &str) -> anyhow::Result<Vec<pb::SignedVoucher>> {
    let text = text.trim();
    if text.starts_with('{') {
        let v: VoucherJson = serde_json::from_str(text)
            .context("not a voucher: want {\"voucher\": BASE64, \"signature\": BASE64}")?;
        return Ok(vec![v.decode()?]);
    }
    if text.starts_with('[') {
        let all: Vec<VoucherJson> = serde_json::from_str(text).context(
            "not a list of vouchers: want [{\"voucher\": BASE64, \"signature\": BASE64}, ...]",
        )?;
        ensure!(!all.is_empty(), "the list holds no voucher");
        return all
            .iter()
            .enumerate()
            .map(|(i, v)| {
                v.decode()
                    .with_context(|| format!("voucher {i} of the list"))
            })
            .collect();
    }
    let vouchers = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .enumerate()
        .map(|(i, line)| {
            let bytes = BASE64
                .decode(line)
                .with_context(|| format!("line {}: neither JSON nor base64", i + 1))?;
            let signed = pb::SignedVoucher::decode(bytes.as_slice()).with_context(|| {
                format!(
                    "line {}: not an encoded weave.channels.v1.SignedVoucher",
                    i + 1
                )
            })?;
            ensure!(
                signed.signature.len() == 64,
                "line {}: the signature is {} bytes, an ed25519 signature is 64",
                i + 1,
                signed.signature.len()
            );
            Ok(signed)
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    ensure!(!vouchers.is_empty(), "the file holds no voucher");
    Ok(vouchers)
}

/// Every voucher of the given files, in order.
fn read_voucher_files(paths: &[PathBuf]) -> anyhow::Result<Vec<pb::SignedVoucher>> {
    let mut all = Vec::new();
    for path in paths {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        all.extend(parse_vouchers(&text).with_context(|| format!("in {}", path.display()))?);
    }
    ensure!(
        all.len() <= HARD_MAX_VOUCHERS,
        "{} vouchers: a claim carries at most {HARD_MAX_VOUCHERS}",
        all.len()
    );
    Ok(all)
}

/// A voucher's fields as JSON (the root in hex, the amount as a string), or its
/// bytes in base64 when they do not decode.
fn voucher_fields_json(bytes: &[u8]) -> Value {
    match Voucher::decode(bytes) {
        Ok(v) => json!({
            "chain_id": v.chain_id,
            "channel_id": v.channel_id,
            "seeder": v.seeder.to_string(),
            "content_root": hex::encode(v.content_root),
            "cumulative_bytes": v.cumulative_bytes,
            "cumulative_amount": v.cumulative_amount.to_string(),
            "nonce": v.nonce,
        }),
        Err(e) => json!({ "undecodable": BASE64.encode(bytes), "error": e.to_string() }),
    }
}

/// Checks a message as the chain's CheckTx would without state, so that a mistake is
/// reported before anything is signed.
fn channels_msg(type_url: &str, msg: &impl Message) -> anyhow::Result<Any> {
    let any = to_any(type_url, msg);
    ChannelsMsg::decode(&any).map_err(|e| anyhow!("{e}"))?;
    Ok(any)
}

/// `weaved tx channels ...`
#[derive(Debug, Subcommand)]
pub enum ChannelsTxCmd {
    /// Open a payment channel (`/weave.channels.v1.MsgOpenChannel`).
    ///
    /// The deposit and the collateral move from --from to escrow. The channel's voucher
    /// key is derived from --from's account key (nothing new to keep secret): vouchers
    /// signed with `weaved channels sign-voucher --from` the same key pay from it. The
    /// channel expires at --expiry-height, or --expires-in blocks after the current
    /// height; from then (or from `close`) seeders have the challenge period to claim
    /// before the remainder returns. Once the deposit is spent, vouchers draw on the
    /// collateral. With --wait the new channel's id is printed.
    #[command(
        group(ArgGroup::new("expiry").required(true).args(["expiry_height", "expires_in"])),
        after_help = "Example:\n  weaved tx channels open --deposit 1000000uweave --expires-in 100000 --collateral 100000 --from alice --wait"
    )]
    Open {
        /// The deposit vouchers are paid from, in uweave (`1000000` or `1000000uweave`).
        #[arg(long, value_name = "AMOUNT", value_parser = parse_positive)]
        deposit: u128,
        /// The height at which the channel starts closing.
        #[arg(long, value_name = "HEIGHT")]
        expiry_height: Option<u64>,
        /// Expire this many blocks after the current height instead.
        #[arg(long, value_name = "BLOCKS", value_parser = clap::value_parser!(u64).range(1..))]
        expires_in: Option<u64>,
        /// Collateral held beside the deposit, slashed for vouchers beyond it, in uweave.
        #[arg(long, value_name = "AMOUNT", value_parser = parse_uweave, default_value = "0")]
        collateral: u128,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        opts: TxOpts,
    },
    /// Add to an open channel's deposit (`/weave.channels.v1.MsgTopUp`); signed by its
    /// payer.
    #[command(
        after_help = "Example:\n  weaved tx channels top-up 1 500000uweave --from alice --wait"
    )]
    TopUp {
        /// The channel's id.
        channel_id: u64,
        /// What to add, in uweave.
        #[arg(value_parser = parse_positive)]
        amount: u128,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        opts: TxOpts,
    },
    /// Close a channel (`/weave.channels.v1.MsgCloseChannel`); signed by its payer.
    ///
    /// Starts the challenge period, during which seeders can still claim; at the settle
    /// height (printed with --wait) the remaining deposit and collateral return to the
    /// payer.
    #[command(after_help = "Example:\n  weaved tx channels close 1 --from alice --wait")]
    Close {
        /// The channel's id.
        channel_id: u64,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        opts: TxOpts,
    },
    /// Claim vouchers (`/weave.channels.v1.MsgClaim`); signed by the seeder they name.
    ///
    /// Every voucher of every file goes into one claim. Each pays its lane the increase
    /// of its cumulative amount over what the lane already claimed: the seeder's share
    /// to the seeder, the rest through the content's split. Vouchers that fail (a bad
    /// signature, a stale nonce, another seeder or chain...) pay nothing and are
    /// listed with --wait, with their position, code and reason; the others still pay.
    /// A claim in which no voucher pays fails.
    ///
    /// A voucher file holds `{"voucher": BASE64, "signature": BASE64}` (what `weaved
    /// channels sign-voucher` writes), a JSON array of those, or lines of base64-encoded
    /// `weave.channels.v1.SignedVoucher`s.
    #[command(
        after_help = "Example:\n  weaved tx channels claim --voucher-file v1.json --voucher-file v2.json --from seeder --wait"
    )]
    Claim {
        /// A voucher file (repeat the flag, or give several files after it).
        #[arg(long = "voucher-file", value_name = "FILE", required = true, num_args = 1..)]
        voucher_files: Vec<PathBuf>,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        opts: TxOpts,
    },
}

/// `weaved query channels ...`
#[derive(Debug, Subcommand)]
pub enum ChannelsQueryCmd {
    /// The channels module's parameters.
    #[command(after_help = "Example:\n  weaved query channels params")]
    Params {
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        node: NodeOpts,
    },
    /// One channel: payer, voucher key, deposit, what was paid and what remains,
    /// collateral, overspend, status and heights.
    #[command(after_help = "Example:\n  weaved query channels channel 1 --output json")]
    Channel {
        /// The channel's id.
        channel_id: u64,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        node: NodeOpts,
    },
    /// A channel's lanes (one per seeder and content): what each claimed.
    #[command(after_help = "Example:\n  weaved query channels lanes 1 --limit 50")]
    Lanes {
        /// The channel's id.
        channel_id: u64,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        page: PageArgs,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        node: NodeOpts,
    },
    /// One lane: what a seeder claimed from a channel for one content.
    #[command(
        after_help = "Example:\n  weaved query channels lane 1 weave1pafa9xct2zxsks824wuud2lpygj2vsf4p8dggy 6f1ed002ab5595859014ebf0951522d9a2dd2f1e5e8a4fa19c4a0d5e4a4b3c2d"
    )]
    Lane {
        /// The channel's id.
        channel_id: u64,
        /// The seeder: a bech32 address or a key name.
        seeder: String,
        /// The content's Merkle root: 64 hex digits.
        content_root: String,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        node: NodeOpts,
    },
    /// What a seeder earned through vouchers, and the bytes they prove it served.
    #[command(after_help = "Example:\n  weaved query channels earnings seeder")]
    Earnings {
        /// The seeder: a bech32 address or a key name.
        seeder: String,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        node: NodeOpts,
    },
}

/// `weaved channels ...`: vouchers on this machine.
#[derive(Debug, Subcommand)]
pub enum ChannelsCmd {
    /// Sign a voucher with the voucher key derived from --from (the channel's payer).
    ///
    /// A voucher promises a seeder a cumulative amount for the bytes it has served of
    /// one content over one channel; each new voucher of a lane needs a higher nonce
    /// and amount. The chain id comes from --chain-id or `<home>/config/weaved.toml`.
    /// The voucher is printed, or written to --out, as `{"voucher": BASE64,
    /// "signature": BASE64}`, the form `weaved tx channels claim --voucher-file` reads.
    /// Nothing is sent to a node.
    #[command(
        after_help = "Example:\n  weaved channels sign-voucher --from alice --channel 1 --seeder weave1pafa9xct2zxsks824wuud2lpygj2vsf4p8dggy --content-root 6f1ed002ab5595859014ebf0951522d9a2dd2f1e5e8a4fa19c4a0d5e4a4b3c2d --bytes 1048576 --amount 100 --nonce 1 -o v1.json"
    )]
    SignVoucher(SignVoucherArgs),
    /// A paid seeder's claimer: claim the vouchers this node holds, on its own.
    ///
    /// Every --interval seconds, reads the best voucher of each lane from the node
    /// (`[sidecar] payout_address` must be --from's address) and each lane's claimed
    /// amount from the chain, and claims when the unclaimed value reaches --threshold,
    /// every --claim-every seconds, and always before a closing channel settles
    /// (--closing-margin blocks ahead). --once claims everything unclaimed and exits.
    #[command(
        after_help = "Example:\n  weaved channels claim-daemon --from seeder --interval 10 --threshold 1000000 --keyring-backend test"
    )]
    ClaimDaemon(claimd::ClaimDaemonArgs),
}

/// `weaved channels sign-voucher` flags.
#[derive(Debug, clap::Args)]
pub struct SignVoucherArgs {
    /// The payer's key (a key name): the voucher key is derived from it.
    #[arg(long, value_name = "KEY")]
    from: String,
    /// The channel that pays.
    #[arg(long = "channel", value_name = "ID")]
    channel_id: u64,
    /// The seeder paid: a bech32 address or a key name.
    #[arg(long, value_name = "ADDR")]
    seeder: String,
    /// The Merkle root of the content served: 64 hex digits.
    #[arg(long, value_name = "HEX")]
    content_root: String,
    /// Bytes served on this lane so far (cumulative).
    #[arg(long = "bytes", value_name = "N")]
    cumulative_bytes: u64,
    /// uweave owed on this lane so far (cumulative); at least the content's price per
    /// GiB for the bytes.
    #[arg(long = "amount", value_name = "AMOUNT", value_parser = parse_uweave)]
    cumulative_amount: u128,
    /// The voucher's nonce: above the lane's last.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    nonce: u64,
    /// Write the voucher to this file instead of printing it.
    #[arg(long, short = 'o', value_name = "FILE")]
    out: Option<PathBuf>,
    /// The chain id the voucher is valid on (default: `chain_id` of
    /// `<home>/config/weaved.toml`).
    #[arg(long)]
    chain_id: Option<String>,
}

/// The value of attribute `key` among an event's attributes.
pub fn attr<'a>(attrs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    attrs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// One voucher of a claim refused.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Rejection {
    /// Its position in the claim (from 0).
    index: u32,
    /// The error code (the channels codespace, for the channels' own checks).
    code: u32,
    /// Why.
    reason: String,
}

/// What a claim did, read off its events.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct ClaimSummary {
    /// Drawn from the channels in all (seeder share and split).
    paid: u128,
    /// The seeder's share of it.
    seeder_share: u128,
    /// Vouchers accepted.
    accepted: usize,
    /// Vouchers refused.
    rejected: Vec<Rejection>,
}

impl ClaimSummary {
    /// Sums the events of a claim: `EventClaimPaid` (amounts), `EventVoucherPaid`
    /// (accepted vouchers) and `EventVoucherRejected`.
    fn from_events(
        claim_paid: &[Vec<(String, String)>],
        voucher_paid: &[Vec<(String, String)>],
        rejected: &[Vec<(String, String)>],
    ) -> Self {
        let amount = |attrs: &[(String, String)], key: &str| {
            attr(attrs, key)
                .and_then(|v| v.parse::<u128>().ok())
                .unwrap_or(0)
        };
        Self {
            paid: claim_paid.iter().map(|e| amount(e, "amount")).sum(),
            seeder_share: claim_paid.iter().map(|e| amount(e, "seeder_share")).sum(),
            accepted: voucher_paid.len(),
            rejected: rejected
                .iter()
                .map(|e| Rejection {
                    index: attr(e, "index").and_then(|v| v.parse().ok()).unwrap_or(0),
                    code: attr(e, "code").and_then(|v| v.parse().ok()).unwrap_or(0),
                    reason: attr(e, "reason").unwrap_or_default().to_string(),
                })
                .collect(),
        }
    }

    /// What `tx channels claim` prints after the transaction's result: fields of the
    /// JSON document, or `key: value` lines (one `rejected:` line per refused voucher).
    fn extras(&self, json: bool) -> Vec<(&'static str, Value)> {
        let mut extras = vec![
            ("paid", json!(format_amount(self.paid, json))),
            (
                "seeder_share",
                json!(format_amount(self.seeder_share, json)),
            ),
            ("accepted", json!(self.accepted)),
        ];
        if json {
            extras.push((
                "rejected",
                Value::Array(
                    self.rejected
                        .iter()
                        .map(|r| json!({ "index": r.index, "code": r.code, "reason": r.reason }))
                        .collect(),
                ),
            ));
        } else {
            extras.push(("rejected", json!(self.rejected.len())));
            extras.extend(self.rejected.iter().map(|r| {
                (
                    "rejected",
                    json!(format!(
                        "voucher {}: code {}: {}",
                        r.index, r.code, r.reason
                    )),
                )
            }));
        }
        extras
    }
}

/// An amount as printed: `1000uweave` in text, `"1000"` in JSON.
pub fn format_amount(amount: u128, json: bool) -> String {
    if json {
        amount.to_string()
    } else {
        format!("{amount}uweave")
    }
}

/// The summary lines of a claim in its block (nothing before inclusion).
fn claim_extras(s: &Submitted, json: bool) -> Vec<(&'static str, Value)> {
    if !s.is_included() {
        return Vec::new();
    }
    ClaimSummary::from_events(
        &s.events(EVENT_CLAIM_PAID),
        &s.events(EVENT_VOUCHER_PAID),
        &s.events(EVENT_VOUCHER_REJECTED),
    )
    .extras(json)
}

/// Runs a `weaved tx channels` command.
pub fn run_tx(cmd: ChannelsTxCmd, g: &GlobalOpts) -> anyhow::Result<()> {
    let keyring = Keyring::open(&g.home, g.keyring_backend)?;
    match cmd {
        ChannelsTxCmd::Open {
            deposit,
            expiry_height,
            expires_in,
            collateral,
            opts,
        } => {
            let key = from_key(&opts, &keyring)?;
            let expiry_height = match (expiry_height, expires_in) {
                (Some(h), _) => h,
                (None, Some(blocks)) => {
                    let url = opts.node.url(&g.home)?;
                    let height = runtime()?.block_on(async {
                        let channel = connect(&url).await?;
                        latest_height(&channel).await
                    })?;
                    height
                        .checked_add(blocks)
                        .ok_or_else(|| anyhow!("height {height} + {blocks} overflows"))?
                }
                (None, None) => bail!("give --expiry-height or --expires-in"),
            };
            let voucher_key = voucher_public_key(&key);
            let msg = channels_msg(
                weave_channels::MSG_OPEN_CHANNEL,
                &pb::MsgOpenChannel {
                    payer: key.address().to_string(),
                    deposit: deposit.to_string(),
                    voucher_key: voucher_key.to_vec(),
                    expiry_height,
                    collateral: if collateral == 0 {
                        String::new()
                    } else {
                        collateral.to_string()
                    },
                },
            )?;
            submit_with(&key, vec![msg], &opts, g, |s| {
                let mut extras = Vec::new();
                if let Some(id) = s.event_number(EVENT_CHANNEL_OPENED, "channel_id") {
                    extras.push(("channel_id", json!(id)));
                }
                extras.push(("voucher_key", json!(hex::encode(voucher_key))));
                extras.push(("expiry_height", json!(expiry_height)));
                extras
            })
        }
        ChannelsTxCmd::TopUp {
            channel_id,
            amount,
            opts,
        } => {
            let key = from_key(&opts, &keyring)?;
            let msg = channels_msg(
                weave_channels::MSG_TOP_UP,
                &pb::MsgTopUp {
                    payer: key.address().to_string(),
                    channel_id,
                    amount: amount.to_string(),
                },
            )?;
            submit_with(&key, vec![msg], &opts, g, |_| Vec::new())
        }
        ChannelsTxCmd::Close { channel_id, opts } => {
            let key = from_key(&opts, &keyring)?;
            let msg = channels_msg(
                weave_channels::MSG_CLOSE_CHANNEL,
                &pb::MsgCloseChannel {
                    payer: key.address().to_string(),
                    channel_id,
                },
            )?;
            submit_with(&key, vec![msg], &opts, g, |s| {
                s.event_number(EVENT_CHANNEL_CLOSING, "settle_height")
                    .map(|h| vec![("settle_height", json!(h))])
                    .unwrap_or_default()
            })
        }
        ChannelsTxCmd::Claim {
            voucher_files,
            opts,
        } => {
            let vouchers = read_voucher_files(&voucher_files)?;
            let key = from_key(&opts, &keyring)?;
            let msg = channels_msg(
                weave_channels::MSG_CLAIM,
                &pb::MsgClaim {
                    seeder: key.address().to_string(),
                    vouchers,
                },
            )?;
            let json = g.json();
            submit_with(&key, vec![msg], &opts, g, |s| claim_extras(s, json))
        }
    }
}

/// Runs a `weaved channels` command.
pub fn run(cmd: ChannelsCmd, g: &GlobalOpts) -> anyhow::Result<()> {
    match cmd {
        ChannelsCmd::SignVoucher(args) => sign_voucher(&args, g),
        ChannelsCmd::ClaimDaemon(args) => claimd::run(args, g),
    }
}

/// Runs `weaved channels sign-voucher`.
fn sign_voucher(args: &SignVoucherArgs, g: &GlobalOpts) -> anyhow::Result<()> {
    let chain_id = resolve_chain_id(args.chain_id.as_deref(), g)?;
    let seeder = resolve_address(&args.seeder, g)?;
    let content_root = parse_root(&args.content_root)?;
    let keyring = Keyring::open(&g.home, g.keyring_backend)?;
    let key = keyring.signing_key(&args.from)?;
    let voucher = Voucher {
        chain_id,
        channel_id: args.channel_id,
        seeder,
        content_root,
        cumulative_bytes: args.cumulative_bytes,
        cumulative_amount: args.cumulative_amount,
        nonce: args.nonce,
    };
    let signed = voucher.sign(&voucher_key(&key));
    let document = voucher_file_text(&signed);
    match &args.out {
        None => {
            println!("{document}");
            Ok(())
        }
        Some(path) => {
            write_voucher_file(path, &document)?;
            if g.json() {
                render::print_json(&json!({
                    "file": path.display().to_string(),
                    "voucher": voucher_fields_json(&signed.voucher),
                    "voucher_key": hex::encode(voucher_public_key(&key)),
                }))
            } else {
                println!(
                    "wrote a voucher of channel {} to {}: seeder {}, content {}, {} bytes, {}uweave, nonce {}",
                    voucher.channel_id,
                    path.display(),
                    voucher.seeder,
                    hex::encode(voucher.content_root),
                    voucher.cumulative_bytes,
                    voucher.cumulative_amount,
                    voucher.nonce,
                );
                Ok(())
            }
        }
    }
}

/// Writes a voucher file: the JSON document and a newline.
fn write_voucher_file(path: &Path, document: &str) -> anyhow::Result<()> {
    std::fs::write(path, format!("{document}\n"))
        .with_context(|| format!("writing {}", path.display()))
}

/// The name of a channel status: `open`, `closing`, `settled` or `unspecified`.
fn status_name(status: i32) -> &'static str {
    match pb::ChannelStatus::try_from(status) {
        Ok(pb::ChannelStatus::Open) => "open",
        Ok(pb::ChannelStatus::Closing) => "closing",
        Ok(pb::ChannelStatus::Settled) => "settled",
        _ => "unspecified",
    }
}

/// A channel as JSON: amounts as strings, the voucher key in hex.
fn channel_json(c: &pb::Channel, remaining: &str) -> Value {
    json!({
        "id": c.id,
        "payer": c.payer,
        "voucher_key": hex::encode(&c.voucher_key),
        "status": status_name(c.status),
        "deposit": c.deposit,
        "paid": c.paid,
        "remaining": remaining,
        "collateral": c.collateral,
        "collateral_slashed": c.collateral_slashed,
        "overspend": c.overspend,
        "expiry_height": c.expiry_height,
        "settle_height": c.settle_height,
    })
}

/// A channel as text, one field per line.
fn channel_text(c: &pb::Channel, remaining: &str) -> String {
    let mut lines = vec![
        format!("id: {}", c.id),
        format!("payer: {}", c.payer),
        format!("voucher_key: {}", hex::encode(&c.voucher_key)),
        format!("status: {}", status_name(c.status)),
        format!("deposit: {}uweave", c.deposit),
        format!("paid: {}uweave", c.paid),
        format!("remaining: {remaining}uweave"),
        format!(
            "collateral: {}uweave ({}uweave slashed)",
            c.collateral, c.collateral_slashed
        ),
    ];
    if c.overspend != "0" && !c.overspend.is_empty() {
        lines.push(format!("overspend: {}uweave", c.overspend));
    }
    lines.push(format!("expiry_height: {}", c.expiry_height));
    if c.settle_height != 0 {
        lines.push(format!("settle_height: {}", c.settle_height));
    }
    lines.join("\n")
}

/// A lane as JSON.
fn lane_json(l: &pb::Lane) -> Value {
    json!({
        "channel_id": l.channel_id,
        "seeder": l.seeder,
        "content_root": hex::encode(&l.content_root),
        "claimed_amount": l.claimed_amount,
        "claimed_bytes": l.claimed_bytes,
        "last_nonce": l.last_nonce,
    })
}

/// A lane as one line of a listing.
fn lane_line(l: &pb::Lane) -> String {
    format!(
        "{}\t{}\t{}uweave\t{} bytes\tnonce {}",
        l.seeder,
        hex::encode(&l.content_root),
        l.claimed_amount,
        l.claimed_bytes,
        l.last_nonce
    )
}

/// A lane as text, one field per line.
fn lane_text(l: &pb::Lane) -> String {
    [
        format!("channel_id: {}", l.channel_id),
        format!("seeder: {}", l.seeder),
        format!("content_root: {}", hex::encode(&l.content_root)),
        format!("claimed_amount: {}uweave", l.claimed_amount),
        format!("claimed_bytes: {}", l.claimed_bytes),
        format!("last_nonce: {}", l.last_nonce),
    ]
    .join("\n")
}

/// Prints one value: JSON under `field`, or the text.
fn print_one(g: &GlobalOpts, field: &str, value: Value, text: String) -> anyhow::Result<()> {
    if g.json() {
        render::print_json(&json!({ field: value }))
    } else {
        println!("{text}");
        Ok(())
    }
}

/// Runs a `weaved query channels` command.
pub fn run_query(cmd: ChannelsQueryCmd, g: &GlobalOpts) -> anyhow::Result<()> {
    match cmd {
        ChannelsQueryCmd::Params { node } => {
            let p = with_channel(&node, g, |c| async move {
                QueryClient::new(c)
                    .params(pb::QueryParamsRequest {})
                    .await
                    .map_err(status_error)?
                    .into_inner()
                    .params
                    .ok_or_else(|| anyhow!("the node returned no parameters"))
            })?;
            print_one(
                g,
                "params",
                json!({
                    "seeder_share_bps": p.seeder_share_bps,
                    "challenge_period_blocks": p.challenge_period_blocks,
                    "max_vouchers_per_claim": p.max_vouchers_per_claim,
                    "max_settlements_per_block": p.max_settlements_per_block,
                }),
                format!(
                    "seeder_share_bps: {} ({})\nchallenge_period_blocks: {}\nmax_vouchers_per_claim: {}\nmax_settlements_per_block: {}",
                    p.seeder_share_bps,
                    crate::render::percent(p.seeder_share_bps),
                    p.challenge_period_blocks,
                    p.max_vouchers_per_claim,
                    p.max_settlements_per_block
                ),
            )
        }
        ChannelsQueryCmd::Channel { channel_id, node } => {
            let r = with_channel(&node, g, |c| async move {
                Ok(QueryClient::new(c)
                    .channel(pb::QueryChannelRequest { channel_id })
                    .await
                    .map_err(status_error)?
                    .into_inner())
            })?;
            let channel = r
                .channel
                .ok_or_else(|| anyhow!("the node returned no channel {channel_id}"))?;
            print_one(
                g,
                "channel",
                channel_json(&channel, &r.remaining),
                channel_text(&channel, &r.remaining),
            )
        }
        ChannelsQueryCmd::Lanes {
            channel_id,
            page,
            node,
        } => {
            let page = page.request()?;
            let r = with_channel(&node, g, |c| async move {
                Ok(QueryClient::new(c)
                    .lanes(pb::QueryLanesRequest {
                        channel_id,
                        page: Some(page),
                    })
                    .await
                    .map_err(status_error)?
                    .into_inner())
            })?;
            let entries = r
                .lanes
                .iter()
                .map(|l| (lane_json(l), lane_line(l)))
                .collect();
            print_page(g, "lanes", entries, &next_key(r.page), "no lanes")
        }
        ChannelsQueryCmd::Lane {
            channel_id,
            seeder,
            content_root,
            node,
        } => {
            let seeder = resolve_address(&seeder, g)?;
            let root = parse_root(&content_root)?;
            let lane = with_channel(&node, g, |c| async move {
                QueryClient::new(c)
                    .lane(pb::QueryLaneRequest {
                        channel_id,
                        seeder: seeder.to_string(),
                        content_root: root.to_vec(),
                    })
                    .await
                    .map_err(status_error)?
                    .into_inner()
                    .lane
                    .ok_or_else(|| anyhow!("the node returned no lane"))
            })?;
            print_one(g, "lane", lane_json(&lane), lane_text(&lane))
        }
        ChannelsQueryCmd::Earnings { seeder, node } => {
            let seeder: Address = resolve_address(&seeder, g)?;
            let e = with_channel(&node, g, |c| async move {
                QueryClient::new(c)
                    .seeder_earnings(pb::QuerySeederEarningsRequest {
                        seeder: seeder.to_string(),
                    })
                    .await
                    .map_err(status_error)?
                    .into_inner()
                    .earnings
                    .ok_or_else(|| anyhow!("the node returned no earnings"))
            })?;
            print_one(
                g,
                "earnings",
                json!({
                    "seeder": e.seeder,
                    "earned": e.earned,
                    "verified_bytes": e.verified_bytes,
                }),
                format!(
                    "seeder: {}\nearned: {}uweave\nverified_bytes: {}",
                    e.seeder, e.earned, e.verified_bytes
                ),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use weave_channels::SignatureItem;

    use super::*;
    use crate::keys::KeyAlgo;
    use crate::keys::SigningKey;

    fn account(seed: u8) -> SigningKey {
        SigningKey::from_secret_bytes(KeyAlgo::Secp256k1, &[seed; 32]).unwrap()
    }

    fn voucher(nonce: u64) -> Voucher {
        Voucher {
            chain_id: "weave-test".into(),
            channel_id: 1,
            seeder: Address::new([3; 20]),
            content_root: [9; 32],
            cumulative_bytes: 1 << 20,
            cumulative_amount: 100 * u128::from(nonce),
            nonce,
        }
    }

    #[test]
    fn the_voucher_key_is_derived_from_the_account_key() {
        let alice = account(5);
        // As documented: blake3's KDF over the account key's secret bytes.
        let seed = blake3::derive_key("weave/voucher-key/v1", &[5; 32]);
        assert_eq!(
            voucher_public_key(&alice),
            ed25519_consensus::VerificationKey::from(&ed25519_consensus::SigningKey::from(seed))
                .to_bytes()
        );
        // Deterministic, distinct per account, and distinct for ed25519 accounts too.
        assert_eq!(voucher_public_key(&account(5)), voucher_public_key(&alice));
        assert_ne!(voucher_public_key(&account(6)), voucher_public_key(&alice));
        let ed = SigningKey::from_secret_bytes(KeyAlgo::Ed25519, &[5; 32]).unwrap();
        assert_eq!(voucher_public_key(&ed), voucher_public_key(&alice));
        assert_ne!(ed.public_key_bytes(), voucher_public_key(&ed).to_vec());

        // A voucher it signs verifies under the key `open` registers, and not under
        // another payer's.
        let signed = voucher(1).sign(&voucher_key(&alice));
        assert!(SignatureItem::new(voucher_public_key(&alice), &signed)
            .unwrap()
            .verify());
        assert!(
            !SignatureItem::new(voucher_public_key(&account(6)), &signed)
                .unwrap()
                .verify()
        );
    }

    #[test]
    fn voucher_files_round_trip_in_every_form() {
        let key = voucher_key(&account(5));
        let one = voucher(1).sign(&key);
        let two = voucher(2).sign(&key);
        let text = voucher_file_text(&one);
        assert!(text.starts_with("{\"voucher\":\""), "{text}");
        let doc: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(doc["voucher"], BASE64.encode(&one.voucher));
        assert_eq!(doc["signature"], BASE64.encode(&one.signature));
        assert_eq!(
            parse_vouchers(&format!("{doc}\n")).unwrap(),
            vec![one.clone()]
        );
        let list = format!("[{text}, {}]", voucher_file_text(&two));
        assert_eq!(
            parse_vouchers(&list).unwrap(),
            vec![one.clone(), two.clone()]
        );
        let lines = format!(
            "{}\n\n{}\n",
            BASE64.encode(one.encode_to_vec()),
            BASE64.encode(two.encode_to_vec())
        );
        assert_eq!(parse_vouchers(&lines).unwrap(), vec![one.clone(), two]);
        assert_eq!(
            voucher_fields_json(&one.voucher)["cumulative_amount"],
            "100"
        );

        for bad in [
            "",
            "{}",
            "[]",
            "not base64!",
            "{\"voucher\": \"AAAA\", \"signature\": \"AAAA\"}",
            "{\"voucher\": \"\", \"signature\": \"AAAA\"}",
            "{\"voucher\": \"AAAA\", \"signature\": \"AAAA\", \"extra\": 1}",
        ] {
            assert!(parse_vouchers(bad).is_err(), "{bad:?} accepted");
        }

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v.json");
        write_voucher_file(&path, &text).unwrap();
        assert_eq!(read_voucher_files(&[path.clone(), path]).unwrap().len(), 2);
    }

    #[test]
    fn messages_pass_the_chain_checks() {
        let payer = account(5);
        let open = channels_msg(
            weave_channels::MSG_OPEN_CHANNEL,
            &pb::MsgOpenChannel {
                payer: payer.address().to_string(),
                deposit: "1000".into(),
                voucher_key: voucher_public_key(&payer).to_vec(),
                expiry_height: 100,
                collateral: String::new(),
            },
        );
        assert!(matches!(
            ChannelsMsg::decode(&open.unwrap()).unwrap(),
            ChannelsMsg::Open { collateral: 0, .. }
        ));
        let claim = channels_msg(
            weave_channels::MSG_CLAIM,
            &pb::MsgClaim {
                seeder: Address::new([3; 20]).to_string(),
                vouchers: vec![voucher(1).sign(&voucher_key(&payer))],
            },
        );
        assert!(claim.is_ok(), "{claim:?}");
        // Refused before anything is signed: a zero deposit, an empty claim.
        assert!(channels_msg(
            weave_channels::MSG_OPEN_CHANNEL,
            &pb::MsgOpenChannel {
                payer: payer.address().to_string(),
                deposit: "0".into(),
                voucher_key: voucher_public_key(&payer).to_vec(),
                expiry_height: 100,
                collateral: String::new(),
            },
        )
        .is_err());
        assert!(channels_msg(
            weave_channels::MSG_CLAIM,
            &pb::MsgClaim {
                seeder: Address::new([3; 20]).to_string(),
                vouchers: Vec::new(),
            },
        )
        .is_err());
    }

    fn event(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn claims_are_summed_from_their_events() {
        let s = ClaimSummary::from_events(
            &[
                event(&[("amount", "1000"), ("seeder_share", "700")]),
                event(&[("amount", "10"), ("seeder_share", "7")]),
            ],
            &[event(&[("amount", "600")]), event(&[("amount", "410")])],
            &[event(&[
                ("index", "2"),
                ("code", "13"),
                ("reason", "voucher signature does not verify"),
            ])],
        );
        assert_eq!((s.paid, s.seeder_share, s.accepted), (1010, 707, 2));
        assert_eq!(
            s.rejected,
            vec![Rejection {
                index: 2,
                code: 13,
                reason: "voucher signature does not verify".into()
            }]
        );
        let text = s.extras(false);
        assert_eq!(text[0], ("paid", json!("1010uweave")));
        assert_eq!(
            text.last().unwrap(),
            &(
                "rejected",
                json!("voucher 2: code 13: voucher signature does not verify")
            )
        );
        let doc = s.extras(true);
        assert_eq!(doc[0], ("paid", json!("1010")));
        assert_eq!(doc[3].1[0]["code"], 13);
    }

    #[test]
    fn channels_render() {
        let c = pb::Channel {
            id: 1,
            payer: "weave1p".into(),
            voucher_key: vec![0xab; 32],
            deposit: "1000".into(),
            paid: "400".into(),
            collateral: "50".into(),
            collateral_slashed: "0".into(),
            overspend: "0".into(),
            expiry_height: 99,
            status: pb::ChannelStatus::Closing as i32,
            settle_height: 120,
        };
        let text = channel_text(&c, "600");
        assert!(text.contains("status: closing"), "{text}");
        assert!(text.contains("remaining: 600uweave"), "{text}");
        assert!(text.contains("settle_height: 120"), "{text}");
        assert!(!text.contains("overspend"), "{text}");
        let v = channel_json(&c, "600");
        assert_eq!(v["voucher_key"], "ab".repeat(32));
        assert_eq!(v["remaining"], "600");
        assert_eq!(status_name(3), "settled");
        assert_eq!(status_name(9), "unspecified");
        let l = pb::Lane {
            channel_id: 1,
            seeder: "weave1s".into(),
            content_root: vec![1; 32],
            claimed_amount: "300".into(),
            claimed_bytes: 4096,
            last_nonce: 3,
        };
        assert!(lane_line(&l).ends_with("300uweave\t4096 bytes\tnonce 3"));
        assert_eq!(lane_json(&l)["last_nonce"], 3);
        assert!(lane_text(&l).contains("claimed_amount: 300uweave"));
    }
}
