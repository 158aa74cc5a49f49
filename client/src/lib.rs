//! The Weave client library: everything a program needs to talk to a Weave chain, used by
//! the `weaved` command line and the web application.
//!
//! - [`builder`] builds and signs transactions offline; [`chain`] connects to a node over
//!   gRPC and reads the signer's account; [`tx`] turns transaction options into a signed,
//!   broadcast transaction (gas by simulation, fees, waiting for the block).
//! - [`keys`] is the key ring (encrypted key files, HD derivation, the `keys` commands).
//! - [`render`] prints results: text for humans, or one JSON document.
//! - One folder per chain module ([`bank`], [`splits`], [`content`], [`channels`],
//!   [`validators`], [`gov`], [`seeders`]) with its messages, queries and commands.
//! - [`genesis`] builds a network's genesis (accounts, gentxs); [`cometbft`] and [`home`]
//!   read and edit the files of a node's home.
//! - [`cli`] mounts the commands of every module as `weaved` shows them; [`opts`] holds
//!   the options every command shares.
//!
//! Library functions return `anyhow::Result`: their errors are shown to a person as they
//! are.
//!
//! # Using the library from another program
//!
//! All a program needs is a gRPC channel and a key:
//!
//! ```no_run
//! # async fn example(key: weave_client::keys::SigningKey) -> anyhow::Result<()> {
//! use weave_client::{chain, content, tx::TxPlan};
//!
//! let channel = chain::connect("http://127.0.0.1:9090").await?;
//! // Defaults for a program: gas by simulation, 0.025 uweave per gas, wait for the block.
//! let plan = TxPlan::new("weave-local");
//! let feed = content::query::feed(&channel, Default::default()).await?;
//! let bought = content::tx::purchase(&channel, &plan, &key, 1, 1, None).await?;
//! bought.tx.outcome()?; // Ok even if the chain refused it: check the outcome.
//! println!("{}", serde_json::to_string(&bought)?); // {"tx": {"txhash": ...}, "paid": ...}
//! # let _ = feed; Ok(()) }
//! ```
//!
//! Keys: [`keys::Keyring::open`] then [`keys::Keyring::signing_key`], or
//! [`keys::SigningKey::from_secret_bytes`]. A transaction result is a
//! [`tx::Submitted`]; it serializes as a [`tx::TxSummary`] (hash, height, code, log,
//! gas, fee). A listing returns a [`page::Page`] (entries and the next page's key).
//!
//! Every module folder has the same layers: `msg` (build a message from Rust values,
//! checked as the chain's CheckTx checks it), `query` (one function per gRPC query,
//! returning proto values or `Serialize` views), `tx` (the flows, each signing and
//! broadcasting and returning what it created), and `cli` (clap arguments and
//! rendering only). The public API per module:
//!
//! - [`bank`]: `msg::{msg_send, msg_multi_send}`; `query::{balance, all_balances,
//!   total_supply, module_account, params}`. Sign the messages with
//!   [`tx::sign_and_submit`].
//! - [`splits`]: `msg::{create_split, update_split, sorted_recipients, ...}`;
//!   `query::*` (tables, payout previews).
//! - [`content`]: `msg::{register_content, update_content, retire_content,
//!   purchase_access, transfer_access, tip, set_subscription_terms, subscribe,
//!   register_buyer_key, msg_deliver_key, guess_mime, sorted_tiers}`;
//!   `query::{params, fetch_content, content_by_root, content_by_creator,
//!   content_by_tag, feed, access, price_history, subscription_terms, subscription,
//!   subscriptions, fetch_buyer_key, fetch_sealed_key, pending_keys}` with the views
//!   `ContentView` and `AccessView`; `tx::{register_file, register_sealed, seal_file,
//!   update, retire, purchase, current_total_price, transfer, tip, set_subscription,
//!   subscribe, register_buyer_key, deliver_key}`; `keys` (content key files, the
//!   buyer key) and `holder::holder_key`.
//! - [`channels`]: `msg::{open_channel, top_up, close_channel, claim}`;
//!   `query::{params, channel, lanes, lane, earnings}` with the views `ChannelView`,
//!   `LaneView`, `EarningsView`; `tx::{open, top_up, close, claim}` (results `Opened`,
//!   `Closed`, `Claimed` with a `ClaimSummary`); `voucher::{voucher_key,
//!   voucher_public_key, sign_voucher, voucher_file_text, parse_vouchers,
//!   read_voucher_files, write_voucher_file}`.
//! - [`gov`]: `Proposal::parse` (a proposal file) and `Proposal::message`;
//!   `msg::{deposit, vote, vote_weighted}`; `query::{fetch_proposal, proposals, vote,
//!   votes, deposit, deposits, tally, gov_params, current_params, upgrade_plan,
//!   read_store_key}`; `tx::{submit_proposal, deposit, vote, vote_weighted}`;
//!   `any_to_json`/`any_from_json` (messages in the protobuf JSON mapping, through
//!   `prost-reflect`).
//! - [`seeders`]: `msg::{bond_seeder, update_seeder, unbond_seeder, unjail_seeder,
//!   report_bad_slice}`; `query::{seeders, seeder, seeder_by_peer, epoch_inputs,
//!   probe_round, params, node_evidence}`; `tx::{bond, update, unbond, unjail,
//!   report}`; `evidence::{parse_evidence, EvidenceRecord}`; `peer_id_bytes`,
//!   `peer_id_text`, `ContentRef`.
//! - [`validators`]: `NewValidatorArgs::message` (create); `msg::{edit_validator,
//!   delegate, undelegate, redelegate, unjail, withdraw_rewards}`;
//!   `query::{validator, validators, validator_set, all_delegations, all_unbondings,
//!   all_redelegations, rewards, reward_totals, signing_info, params, totals}`;
//!   `tx::{create, edit, delegate, undelegate, redelegate, unjail, withdraw_rewards}`
//!   (each a `ValidatorsTx` with the rewards it paid).

// Wall-clock time is fine outside the state machine (timeouts, waiting for blocks).
#![allow(clippy::disallowed_methods)]

pub mod anyjson;
pub mod bank;
pub mod builder;
pub mod chain;
pub mod channels;
pub mod cli;
pub mod cometbft;
pub mod content;
pub mod genesis;
pub mod gov;
pub mod home;
pub mod keys;
#[cfg(test)]
mod mock;
pub mod opts;
pub mod page;
pub mod query;
pub mod render;
pub mod rpc;
pub mod search;
pub mod seeders;
pub mod sidecar_auth;
pub mod social;
pub mod splits;
pub mod tx;
pub mod tx_cmd;
pub mod tx_file;
pub mod validators;
