//! `weaved query`: balances, supply and parameters of the bank module, accounts, and
//! transactions by hash, read over gRPC.

use std::future::Future;

use anyhow::{anyhow, bail, ensure, Context};
use base64::{engine::general_purpose::STANDARD as BASE64, Engine};
use clap::Subcommand;
use cosmos_sdk_proto::cosmos::{
    bank::v1beta1::{
        query_client::QueryClient as CosmosBankClient, QueryAllBalancesRequest, QueryBalanceRequest,
    },
    base::query::v1beta1::PageRequest,
    tx::v1beta1::{service_client::ServiceClient, GetTxRequest},
};
use serde_json::json;
use tonic::transport::Channel;
use weave_kernel::{expected::PubKey, validate_denom, Address};
use weave_proto::weave::bank::v1::{
    query_client::QueryClient as WeaveBankClient, QueryModuleAccountRequest, QueryParamsRequest,
    QueryTotalSupplyRequest,
};

use super::{connect, query_account, render, resolve_address, runtime, status_error, NodeOpts};
use crate::GlobalOpts;

/// The most pages of balances `query bank balances` reads before giving up.
const MAX_PAGES: usize = 10_000;

/// `weaved query bank ...`
#[derive(Debug, Subcommand)]
pub(crate) enum BankQueryCmd {
    /// The balances of an account: all denominations, or one with --denom.
    #[command(
        after_help = "Example:\n  weaved query bank balances weave1pafa9xct2zxsks824wuud2lpygj2vsf4p8dggy --denom uweave"
    )]
    Balances {
        /// The account: a bech32 address, or the name of a key in the key ring.
        address: String,
        /// Only this denomination.
        #[arg(long)]
        denom: Option<String>,
        #[command(flatten)]
        node: NodeOpts,
    },
    /// The total supply of every denomination.
    #[command(after_help = "Example:\n  weaved query bank total-supply --output json")]
    TotalSupply {
        #[command(flatten)]
        node: NodeOpts,
    },
    /// The bank module's parameters.
    #[command(after_help = "Example:\n  weaved query bank params")]
    Params {
        #[command(flatten)]
        node: NodeOpts,
    },
    /// The address of a module account, such as `community_pool` or `fee_collector`.
    #[command(after_help = "Example:\n  weaved query bank module-account community_pool")]
    ModuleAccount {
        /// The module account's name.
        name: String,
        #[command(flatten)]
        node: NodeOpts,
    },
}

/// `weaved query auth ...`
#[derive(Debug, Subcommand)]
pub(crate) enum AuthQueryCmd {
    /// An account: its number, sequence and public key.
    #[command(
        after_help = "Example:\n  weaved query auth account weave1pafa9xct2zxsks824wuud2lpygj2vsf4p8dggy"
    )]
    Account {
        /// The account: a bech32 address, or the name of a key in the key ring.
        address: String,
        #[command(flatten)]
        node: NodeOpts,
    },
}

/// `weaved query tx HASH`
#[derive(Debug, clap::Args)]
pub(crate) struct QueryTxArgs {
    /// The transaction hash: 64 hex digits (SHA-256 of the transaction bytes).
    hash: String,
    #[command(flatten)]
    node: NodeOpts,
}

/// Connects to the node of `node` and runs `query` on the channel.
pub(super) fn with_channel<T, F, Fut>(
    node: &NodeOpts,
    g: &GlobalOpts,
    query: F,
) -> anyhow::Result<T>
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

/// Runs a `weaved query bank` command.
pub(crate) fn run_bank(cmd: BankQueryCmd, g: &GlobalOpts) -> anyhow::Result<()> {
    match cmd {
        BankQueryCmd::Balances {
            address,
            denom,
            node,
        } => {
            let address = resolve_address(&address, g)?;
            match denom {
                Some(denom) => {
                    validate_denom(&denom)?;
                    let (denom, amount) = with_channel(&node, g, |c| balance(c, address, denom))?;
                    if g.json() {
                        render::print_json(&json!({
                            "address": address.to_string(),
                            "balance": { "denom": denom, "amount": amount },
                        }))
                    } else {
                        println!("{amount}{denom}");
                        Ok(())
                    }
                }
                None => {
                    let balances = with_channel(&node, g, |c| all_balances(c, address))?;
                    let pairs = balances.iter().map(|(d, a)| (d.as_str(), a.as_str()));
                    if g.json() {
                        render::print_json(&json!({
                            "address": address.to_string(),
                            "balances": render::coins_json(pairs),
                        }))
                    } else {
                        print_coin_lines(pairs, "no balances");
                        Ok(())
                    }
                }
            }
        }
        BankQueryCmd::TotalSupply { node } => {
            let supply = with_channel(&node, g, |c| async move {
                let response = WeaveBankClient::new(c)
                    .total_supply(QueryTotalSupplyRequest {})
                    .await
                    .map_err(status_error)?
                    .into_inner();
                Ok(response.supply)
            })?;
            let pairs = supply.iter().map(|c| (c.denom.as_str(), c.amount.as_str()));
            if g.json() {
                render::print_json(&json!({ "supply": render::coins_json(pairs) }))
            } else {
                print_coin_lines(pairs, "no supply");
                Ok(())
            }
        }
        BankQueryCmd::ModuleAccount { name, node } => {
            let address = with_channel(&node, g, |c| async move {
                let response = WeaveBankClient::new(c)
                    .module_account(QueryModuleAccountRequest { name })
                    .await
                    .map_err(status_error)?
                    .into_inner();
                Ok(response.address)
            })?;
            if g.json() {
                render::print_json(&json!({ "address": address }))
            } else {
                println!("{address}");
                Ok(())
            }
        }
        BankQueryCmd::Params { node } => {
            let params = with_channel(&node, g, |c| async move {
                let response = WeaveBankClient::new(c)
                    .params(QueryParamsRequest {})
                    .await
                    .map_err(status_error)?
                    .into_inner();
                response
                    .params
                    .ok_or_else(|| anyhow!("the node returned no parameters"))
            })?;
            if g.json() {
                render::print_json(&json!({
                    "params": { "send_enabled": params.send_enabled },
                }))
            } else {
                println!("send_enabled: {}", params.send_enabled);
                Ok(())
            }
        }
    }
}

/// Prints one coin per line, or `empty` when there are none.
fn print_coin_lines<'a>(coins: impl Iterator<Item = (&'a str, &'a str)>, empty: &str) {
    let mut any = false;
    for (denom, amount) in coins {
        println!("{amount}{denom}");
        any = true;
    }
    if !any {
        println!("({empty})");
    }
}

/// One balance (`cosmos.bank.v1beta1.Query/Balance`) as `(denom, amount)`.
async fn balance(
    channel: Channel,
    address: Address,
    denom: String,
) -> anyhow::Result<(String, String)> {
    let request = QueryBalanceRequest {
        address: address.to_string(),
        denom: denom.clone(),
    };
    let response = CosmosBankClient::new(channel)
        .balance(request)
        .await
        .map_err(status_error)?
        .into_inner();
    Ok(match response.balance {
        Some(coin) => (coin.denom, coin.amount),
        None => (denom, "0".into()),
    })
}

/// Every balance (`cosmos.bank.v1beta1.Query/AllBalances`, all pages) as
/// `(denom, amount)` pairs.
async fn all_balances(channel: Channel, address: Address) -> anyhow::Result<Vec<(String, String)>> {
    let mut client = CosmosBankClient::new(channel);
    let mut balances = Vec::new();
    let mut key = Vec::new();
    for _ in 0..MAX_PAGES {
        let request = QueryAllBalancesRequest {
            address: address.to_string(),
            pagination: Some(PageRequest {
                key: key.clone(),
                ..Default::default()
            }),
            resolve_denom: false,
        };
        let response = client
            .all_balances(request)
            .await
            .map_err(status_error)?
            .into_inner();
        balances.extend(response.balances.into_iter().map(|c| (c.denom, c.amount)));
        let next = response.pagination.map(|p| p.next_key).unwrap_or_default();
        if next.is_empty() {
            return Ok(balances);
        }
        ensure!(next != key, "the node repeated a page of balances");
        key = next;
    }
    bail!("more than {MAX_PAGES} pages of balances")
}

/// Runs a `weaved query auth` command.
pub(crate) fn run_auth(cmd: AuthQueryCmd, g: &GlobalOpts) -> anyhow::Result<()> {
    match cmd {
        AuthQueryCmd::Account { address, node } => {
            let address = resolve_address(&address, g)?;
            let account = with_channel(
                &node,
                g,
                |c| async move { query_account(&c, &address).await },
            )?
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
pub(crate) fn run_tx(args: QueryTxArgs, g: &GlobalOpts) -> anyhow::Result<()> {
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

    #[tokio::test]
    async fn all_balances_reads_every_page() {
        let mut state = crate::client::mock::ChainState::new();
        let page = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .map(|(d, a)| (d.to_string(), a.to_string()))
                .collect::<Vec<_>>()
        };
        state.balance_pages = vec![
            page(&[("ua", "1"), ("ub", "2")]),
            page(&[("uc", "3")]),
            page(&[("uweave", "4")]),
        ];
        let (_chain, channel) = crate::client::mock::serve(state).await;
        let balances = all_balances(channel, Address::new([1; 20])).await.unwrap();
        assert_eq!(
            balances,
            page(&[("ua", "1"), ("ub", "2"), ("uc", "3"), ("uweave", "4")])
        );
    }
}
