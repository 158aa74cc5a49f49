//! Layer-3 app tests: the real ABCI application driven through whole blocks (InitChain,
//! CheckTx, PrepareProposal, ProcessProposal, FinalizeBlock, Commit, Query, Info) on a
//! temporary RocksDB directory, with no CometBFT. The property tests of money (layer 5)
//! run through the same harness.
#![allow(clippy::unwrap_used, missing_docs, unreachable_pub)]

mod amino;
mod authz;
mod bad_input;
mod content;
mod failed_message;
mod golden;
mod gov;
mod happy_path;
mod harness;
mod proofs;
mod proposal;
mod random_ops;
mod replay;
mod simulate;
mod supply_prop;
mod validators;
mod vote_ext;
