//! `weaved query`: balances, supply and parameters of the bank module, accounts, and
//! transactions by hash, read over gRPC.

use std::future::Future;

use anyhow::{anyhow, ensure, Context};
use base64::{engine::general_purpose::STANDARD as BASE64, Engine};
use clap::Subcommand;
use cosmos_sdk_proto::cosmos::tx::v1beta1::{service_client::ServiceClient, GetTxRequest};
use serde_json::json;
use tonic::transport::Channel;
use weave_kernel::expected::PubKey;

use crate::opts::GlobalOpts;
use crate::{
    chain::connect, chain::query_account, chain::runtime, chain::status_error,
    opts::resolve_address, opts::NodeOpts, render,
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
}
