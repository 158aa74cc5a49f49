//! `weaved tx bank` and `weaved query bank`: the bank module's commands.

use clap::Subcommand;
use serde_json::json;
use weave_kernel::validate_denom;

use crate::{
    keys::Keyring,
    opts::{resolve_address, AtHeight, GlobalOpts, NodeOpts},
    query::with_channel,
    render,
    tx::{parse_coins, signing_key, submit, TxOpts},
};

use super::{
    msg::{msg_multi_send, msg_send},
    query::{all_balances_at, balance_at, module_account, params, total_supply},
};

/// `weaved tx bank ...`
#[derive(Debug, Subcommand)]
pub enum BankTxCmd {
    /// Send coins from a key to an address (`/weave.bank.v1.MsgSend`).
    #[command(
        after_help = "Example:\n  weaved tx bank send alice weave1pafa9xct2zxsks824wuud2lpygj2vsf4p8dggy 1000uweave --keyring-backend test --wait"
    )]
    Send {
        /// The key that signs and pays: a key name, or the address of a key in the key
        /// ring.
        from_key: String,
        /// The recipient: a bech32 address, or the name of a key in the key ring.
        to_address: String,
        /// What to send, e.g. `1000uweave` (several denominations: `1000uweave,5ufoo`).
        amount: String,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        opts: TxOpts,
    },
    /// Send the same amount from a key to several addresses in one message
    /// (`/weave.bank.v1.MsgMultiSend` with one input).
    #[command(
        after_help = "Example:\n  weaved tx bank multi-send alice weave1pafa9xct2zxsks824wuud2lpygj2vsf4p8dggy,bob 500uweave --keyring-backend test"
    )]
    MultiSend {
        /// The key that signs and pays: a key name, or the address of a key in the key
        /// ring.
        from_key: String,
        /// The recipients, comma-separated: bech32 addresses or key names.
        #[arg(value_name = "TO1,TO2,...")]
        recipients: String,
        /// What each recipient gets, e.g. `500uweave`.
        amount_each: String,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        opts: TxOpts,
    },
}

/// Runs a `weaved tx bank` command.
pub fn run_tx(cmd: BankTxCmd, g: &GlobalOpts) -> anyhow::Result<()> {
    let keyring = Keyring::open(&g.home, g.keyring_backend)?;
    match cmd {
        BankTxCmd::Send {
            from_key,
            to_address,
            amount,
            opts,
        } => {
            let to = resolve_address(&to_address, g)?;
            let amount = parse_coins(&amount)?;
            let key = signing_key(&from_key, &opts, &keyring)?;
            let message = msg_send(&key.address(), &to, &amount);
            submit(&key, vec![message], &opts, g)
        }
        BankTxCmd::MultiSend {
            from_key,
            recipients,
            amount_each,
            opts,
        } => {
            let recipients = recipients
                .split(',')
                .map(|r| resolve_address(r.trim(), g))
                .collect::<anyhow::Result<Vec<_>>>()?;
            let each = parse_coins(&amount_each)?;
            let key = signing_key(&from_key, &opts, &keyring)?;
            let message = msg_multi_send(&key.address(), &recipients, &each)?;
            submit(&key, vec![message], &opts, g)
        }
    }
}

/// `weaved query bank ...`
#[derive(Debug, Subcommand)]
pub enum BankQueryCmd {
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
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        at: AtHeight,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        node: NodeOpts,
    },
    /// The total supply of every denomination.
    #[command(after_help = "Example:\n  weaved query bank total-supply --output json")]
    TotalSupply {
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        node: NodeOpts,
    },
    /// The bank module's parameters.
    #[command(after_help = "Example:\n  weaved query bank params")]
    Params {
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        node: NodeOpts,
    },
    /// The address of a module account, such as `community_pool` or `fee_collector`.
    #[command(after_help = "Example:\n  weaved query bank module-account community_pool")]
    ModuleAccount {
        /// The module account's name.
        name: String,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        node: NodeOpts,
    },
}

/// Runs a `weaved query bank` command.
pub fn run_query(cmd: BankQueryCmd, g: &GlobalOpts) -> anyhow::Result<()> {
    match cmd {
        BankQueryCmd::Balances {
            address,
            denom,
            at,
            node,
        } => {
            let address = resolve_address(&address, g)?;
            match denom {
                Some(denom) => {
                    validate_denom(&denom)?;
                    let (denom, amount) =
                        with_channel(&node, g, |c| balance_at(c, address, denom, at))?;
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
                    let balances = with_channel(&node, g, |c| all_balances_at(c, address, at))?;
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
            let supply = with_channel(&node, g, total_supply)?;
            let pairs = supply.iter().map(|c| (c.denom.as_str(), c.amount.as_str()));
            if g.json() {
                render::print_json(&json!({ "supply": render::coins_json(pairs) }))
            } else {
                print_coin_lines(pairs, "no supply");
                Ok(())
            }
        }
        BankQueryCmd::ModuleAccount { name, node } => {
            let address = with_channel(&node, g, |c| module_account(c, name))?;
            if g.json() {
                render::print_json(&json!({ "address": address }))
            } else {
                println!("{address}");
                Ok(())
            }
        }
        BankQueryCmd::Params { node } => {
            let params = with_channel(&node, g, params)?;
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
