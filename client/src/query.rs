//! `weaved query`: balances, supply and parameters of the bank module, accounts, and
//! transactions by hash, read over gRPC.

use std::future::Future;

use anyhow::{anyhow, ensure, Context};
use base64::{engine::general_purpose::STANDARD as BASE64, Engine};
use clap::Subcommand;
use cosmos_sdk_proto::cosmos::tx::v1beta1::{
    service_client::ServiceClient, GetTxRequest, GetTxsEventRequest, OrderBy,
};
use serde_json::{json, Value};
use tonic::transport::Channel;
use weave_kernel::expected::PubKey;

use crate::opts::GlobalOpts;
use crate::{
    chain::connect, chain::query_account_at, chain::runtime, chain::status_error,
    opts::resolve_address, opts::AtHeight, opts::NodeOpts, render,
};

/// `weaved query auth ...`
#[derive(Debug, Subcommand)]
pub enum AuthQueryCmd {
    /// An account: its number, sequence and public key.
    #[command(
        after_help = "Example:\n  weaved query auth account weave1pafa9xct2zxsks824wuud2lpygj2vsf4p8dggy"
    )]
    Account {
        /// The account: a bech32 address, or the name of a key in the key ring.
        address: String,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        at: AtHeight,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        node: NodeOpts,
    },
}

/// `weaved query tx HASH`
#[derive(Debug, clap::Args)]
pub struct QueryTxArgs {
    /// The transaction hash: 64 hex digits (SHA-256 of the transaction bytes).
    hash: String,
    #[command(flatten)]
    node: NodeOpts,
}

/// Connects to the node of `node` and runs `query` on the channel.
pub fn with_channel<T, F, Fut>(node: &NodeOpts, g: &GlobalOpts, query: F) -> anyhow::Result<T>
where
    F: FnOnce(Channel) -> Fut,
    Fut: Future<Output = anyhow::Result<T>>,
{
    let url = node.url(&g.home)?;
    runtime()?.block_on(async {
        let channel = connect(&url).await?;
        query(channel).await
    })
}

/// Runs a `weaved query auth` command.
pub fn run_auth(cmd: AuthQueryCmd, g: &GlobalOpts) -> anyhow::Result<()> {
    match cmd {
        AuthQueryCmd::Account { address, at, node } => {
            let address = resolve_address(&address, g)?;
            let account = with_channel(&node, g, |c| async move {
                query_account_at(&c, &address, at).await
            })?
            .ok_or_else(|| anyhow!("account {address} not found on chain"))?;
            let pub_key = account
                .pub_key
                .as_ref()
                .map(|any| {
                    let key = weave_bank::decode_pubkey(any)
                        .map_err(|e| anyhow!("the account's public key: {e}"))?;
                    let bytes = match &key {
                        PubKey::Secp256k1(k) | PubKey::Ed25519(k) => k,
                    };
                    Ok::<_, anyhow::Error>((any.type_url.clone(), BASE64.encode(bytes)))
                })
                .transpose()?;
            if g.json() {
                let pub_key =
                    pub_key.map(|(type_url, key)| json!({ "@type": type_url, "key": key }));
                render::print_json(&json!({
                    "account": {
                        "address": account.address,
                        "account_number": account.account_number,
                        "sequence": account.sequence,
                        "pub_key": pub_key,
                    },
                }))
            } else {
                println!("address: {}", account.address);
                println!("account_number: {}", account.account_number);
                println!("sequence: {}", account.sequence);
                match pub_key {
                    Some((type_url, key)) => println!("pub_key: {type_url} {key}"),
                    None => println!("pub_key: (none yet: the account has not signed)"),
                }
                Ok(())
            }
        }
    }
}

/// A transaction hash as `GetTx` takes it: 64 hex digits, upper case.
fn normalize_hash(hash: &str) -> anyhow::Result<String> {
    let hash = hash.trim().trim_start_matches("0x");
    let bytes = hex::decode(hash).with_context(|| format!("invalid transaction hash {hash:?}"))?;
    ensure!(
        bytes.len() == 32,
        "invalid transaction hash {hash:?}: want 64 hex digits"
    );
    Ok(hex::encode_upper(bytes))
}

/// Runs `weaved query tx`.
pub fn run_tx(args: QueryTxArgs, g: &GlobalOpts) -> anyhow::Result<()> {
    let hash = normalize_hash(&args.hash)?;
    let response = with_channel(&args.node, g, |c| async move {
        let response = ServiceClient::new(c)
            .get_tx(GetTxRequest { hash })
            .await
            .map_err(status_error)?
            .into_inner();
        Ok(response)
    })?;
    let result = response
        .tx_response
        .as_ref()
        .ok_or_else(|| anyhow!("the node returned no result for the transaction"))?;
    if g.json() {
        render::print_json(&render::tx_response_json(result, response.tx.as_ref()))
    } else {
        println!("{}", render::tx_result_text(result, response.tx.as_ref()));
        Ok(())
    }
}

/// `weaved query txs`: transactions found by the attributes of their events.
#[derive(Debug, clap::Args)]
pub struct QueryTxsArgs {
    /// Conditions `type.attribute=value`, joined with `&` or repeated; all must hold.
    /// E.g. `message.sender=weave1...`, `message.action=/weave.bank.v1.MsgSend`,
    /// `weave.bank.v1.EventTransfer.recipient=weave1...`, `tx.height=42`.
    #[arg(
        long = "events",
        value_name = "EVENTS",
        required_unless_present = "query"
    )]
    pub events: Vec<String>,
    /// A query in CometBFT's query language instead, e.g.
    /// `message.sender='weave1...' AND tx.height>5`.
    #[arg(long, conflicts_with = "events")]
    pub query: Option<String>,
    /// The page, counting from 1.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..))]
    pub page: u64,
    /// Transactions per page (at most 100).
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=100))]
    pub limit: u64,
    /// Newest first.
    #[arg(long)]
    pub desc: bool,
    #[allow(missing_docs)] // flattened: its own fields carry the help
    #[command(flatten)]
    pub node: NodeOpts,
}

/// The CometBFT query that `--events` conditions mean: each `key=value` becomes
/// `key='value'` (`tx.height` stays a number), joined with `AND`.
pub fn events_query(events: &[String]) -> anyhow::Result<String> {
    let mut conditions = Vec::new();
    for condition in events.iter().flat_map(|e| e.split('&')) {
        let condition = condition.trim();
        if condition.is_empty() {
            continue;
        }
        let (key, value) = condition.split_once('=').ok_or_else(|| {
            anyhow!("invalid event condition {condition:?}: want type.attribute=value")
        })?;
        let (key, value) = (key.trim(), value.trim().trim_matches('\''));
        ensure!(
            key.contains('.') && !value.is_empty(),
            "invalid event condition {condition:?}: want type.attribute=value"
        );
        ensure!(
            !value.contains('\''),
            "invalid event condition {condition:?}: a value cannot hold a quote"
        );
        conditions.push(if key == "tx.height" {
            format!("{key}={value}")
        } else {
            format!("{key}='{value}'")
        });
    }
    ensure!(!conditions.is_empty(), "--events names no condition");
    Ok(conditions.join(" AND "))
}

/// Runs `weaved query txs` (`cosmos.tx.v1beta1.Service/GetTxsEvent`).
pub fn run_txs(args: QueryTxsArgs, g: &GlobalOpts) -> anyhow::Result<()> {
    let query = match &args.query {
        Some(query) => query.clone(),
        None => events_query(&args.events)?,
    };
    let request = GetTxsEventRequest {
        query,
        page: args.page,
        limit: args.limit,
        order_by: if args.desc {
            OrderBy::Desc
        } else {
            OrderBy::Asc
        } as i32,
        ..Default::default()
    };
    let response = with_channel(&args.node, g, |c| async move {
        Ok(ServiceClient::new(c)
            .get_txs_event(request)
            .await
            .map_err(status_error)?
            .into_inner())
    })?;
    if g.json() {
        let txs: Vec<Value> = response
            .tx_responses
            .iter()
            .enumerate()
            .map(|(i, r)| render::tx_response_json(r, response.txs.get(i)))
            .collect();
        render::print_json(&json!({
            "total": response.total.to_string(),
            "page": args.page.to_string(),
            "limit": args.limit.to_string(),
            "txs": txs,
        }))
    } else {
        println!(
            "total: {} (page {}, {} per page)",
            response.total, args.page, args.limit
        );
        for (i, r) in response.tx_responses.iter().enumerate() {
            println!("---\n{}", render::tx_result_text(r, response.txs.get(i)));
        }
        Ok(())
    }
}

/// `weaved query block [HEIGHT]`
#[derive(Debug, clap::Args)]
pub struct QueryBlockArgs {
    /// The height (default: the latest block).
    pub height: Option<u64>,
    #[allow(missing_docs)] // flattened: its own fields carry the help
    #[command(flatten)]
    pub node: NodeOpts,
}

/// Runs `weaved query block`: the block from CometBFT's RPC (`/block`), as CometBFT
/// renders it.
pub fn run_block(args: QueryBlockArgs, g: &GlobalOpts) -> anyhow::Result<()> {
    let path = match args.height {
        Some(height) => format!("/block?height={height}"),
        None => "/block".to_string(),
    };
    let block = crate::rpc::get(&args.node.rpc_url(&g.home)?, &path)?;
    if g.json() {
        return render::print_json(&block);
    }
    let header = &block["block"]["header"];
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    println!("height: {}", text(&header["height"]));
    println!("hash: {}", text(&block["block_id"]["hash"]));
    println!("time: {}", text(&header["time"]));
    println!("chain_id: {}", text(&header["chain_id"]));
    println!("proposer: {}", text(&header["proposer_address"]));
    println!("app_hash: {}", text(&header["app_hash"]));
    let txs = block["block"]["data"]["txs"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    println!("txs: {}", txs.len());
    for tx in txs {
        let bytes = BASE64
            .decode(tx.as_str().unwrap_or_default())
            .context("a transaction of the block is not base64")?;
        println!("  - {}", crate::builder::tx_hash(&bytes));
    }
    Ok(())
}

/// `weaved status`
#[derive(Debug, clap::Args)]
pub struct StatusArgs {
    #[allow(missing_docs)] // flattened: its own fields carry the help
    #[command(flatten)]
    pub node: NodeOpts,
}

/// Runs `weaved status`: CometBFT's `/status` (node info, sync info, validator info).
pub fn run_status(args: StatusArgs, g: &GlobalOpts) -> anyhow::Result<()> {
    let status = crate::rpc::get(&args.node.rpc_url(&g.home)?, "/status")?;
    if g.json() {
        return render::print_json(&status);
    }
    let text = |p: &str| {
        status
            .pointer(p)
            .map(|v| v.as_str().map(str::to_string).unwrap_or(v.to_string()))
            .unwrap_or_default()
    };
    println!("moniker: {}", text("/node_info/moniker"));
    println!("network: {}", text("/node_info/network"));
    println!("node_id: {}", text("/node_info/id"));
    println!("version: {}", text("/node_info/version"));
    println!(
        "latest_block_height: {}",
        text("/sync_info/latest_block_height")
    );
    println!(
        "latest_block_hash: {}",
        text("/sync_info/latest_block_hash")
    );
    println!(
        "latest_block_time: {}",
        text("/sync_info/latest_block_time")
    );
    println!("catching_up: {}", text("/sync_info/catching_up"));
    println!("voting_power: {}", text("/validator_info/voting_power"));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_normalized_and_checked() {
        let lower = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        assert_eq!(normalize_hash(lower).unwrap(), lower.to_uppercase());
        assert_eq!(
            normalize_hash(&format!("0x{lower}")).unwrap(),
            lower.to_uppercase()
        );
        assert!(normalize_hash("abcd").is_err());
        assert!(normalize_hash(&"zz".repeat(32)).is_err());
    }

    #[test]
    fn events_become_a_cometbft_query() {
        let q = |e: &[&str]| events_query(&e.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(
            q(&["message.sender=weave1x&message.action=/weave.bank.v1.MsgSend"]).unwrap(),
            "message.sender='weave1x' AND message.action='/weave.bank.v1.MsgSend'"
        );
        assert_eq!(
            q(&["tx.height=5", "a.b='c'"]).unwrap(),
            "tx.height=5 AND a.b='c'"
        );
        assert!(q(&["sender"]).is_err());
        assert!(q(&["sender=x"]).is_err());
        assert!(q(&["a.b="]).is_err());
        assert!(q(&["a.b=x'y"]).is_err());
        assert!(q(&["&"]).is_err());
    }
}
