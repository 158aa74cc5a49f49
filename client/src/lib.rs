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

// Wall-clock time is fine outside the state machine (timeouts, waiting for blocks).
#![allow(clippy::disallowed_methods)]

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
pub mod seeders;
pub mod sidecar_auth;
pub mod splits;
pub mod tx;
pub mod validators;
