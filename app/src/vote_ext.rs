//! Vote extensions (ABCI++): what a validator adds to its precommit, how the others
//! check it, and how the next proposer carries the extended commit into its block.
//!
//! - **ExtendVote**: the node's [`VoteExtender`] (its availability prober) supplies the
//!   bytes for a height. The app checks them with the modules first and sends an empty
//!   extension rather than one the others would reject.
//! - **VerifyVoteExtension**: at most [`MAX_EXTENSION_BYTES`], and every module accepts
//!   it ([`Module::verify_vote_extension`]); an empty extension is always accepted.
//! - **PrepareProposal**: whenever the previous height's votes carry extensions
//!   (CometBFT's `vote_extensions_enable_height` is reached, see
//!   [`extensions_enabled`]), and also when any vote carries one, the proposer puts
//!   the whole extended commit first in its block as an *injected transaction*:
//!   [`INJECTED_PREFIX`] then the protobuf `ExtendedCommitInfo`. The prefix starts
//!   with a zero byte, which no protobuf `TxRaw` can, so it never decodes as a
//!   transaction and never enters a mempool.
//! - **ProcessProposal** and **FinalizeBlock**: the injected commit must match the
//!   block's last commit vote for vote (address, power, flag, round); every committed
//!   vote's extension, *empty or not*, must be signed by its validator's consensus key
//!   over CometBFT's canonical vote extension bytes (so a proposer can neither alter
//!   nor blank a report); the verified votes must hold more than two thirds of the
//!   last commit's power (as the Cosmos SDK's `ValidateVoteExtensions`). A signed
//!   extension that a module refuses is ignored (its validator's report is lost and
//!   its power does not count as verified) rather than voiding the injection: CometBFT
//!   does not verify every late precommit's extension, so a Byzantine validator's
//!   garbage reaches honest proposers' extended commits, and refusing them would halt
//!   the chain (found by `tests/tests/byzantine.rs`). A committed vote of a validator the state no
//!   longer knows (removed in the previous block) is left out rather than voiding the
//!   whole injection. ProcessProposal rejects a block that fails, and a block that
//!   omits the injection when one is due; FinalizeBlock (which also runs for blocks
//!   this node never voted on) skips an injection that fails and reports it in that
//!   transaction's result. The verified extensions then reach
//!   [`Module::apply_vote_extensions`].

use std::sync::Arc;

use prost::Message;
use tendermint_proto::v0_38::{
    abci::{CommitInfo, ExtendedCommitInfo},
    types::{BlockIdFlag, CanonicalVoteExtension},
};
use weave_kernel::{ConsensusAddress, ExtendedVote, StateRead};

use crate::router::Router;

/// The first bytes of the injected transaction that carries an extended commit.
pub const INJECTED_PREFIX: &[u8] = b"\0weave/extended-commit/v1\0";

/// The largest vote extension any validator may send.
pub const MAX_EXTENSION_BYTES: usize = 1024;

/// The node's source of vote extensions: the bytes to attach to its precommit at a
/// height (empty for none). It must answer quickly: it runs inside consensus.
pub type VoteExtender = Arc<dyn Fn(u64) -> Vec<u8> + Send + Sync>;

/// Whether a block transaction is an injected extended commit.
pub fn is_injected(tx: &[u8]) -> bool {
    tx.starts_with(INJECTED_PREFIX)
}

/// Whether the votes of `vote_height` carry extensions, given CometBFT's
/// `vote_extensions_enable_height` (0: never).
pub fn extensions_enabled(enable_height: u64, vote_height: u64) -> bool {
    enable_height > 0 && vote_height >= enable_height
}

/// The injected transaction for an extended commit: always when `due` (extensions
/// are enabled and the commit has votes), else only when a vote carries an extension.
pub fn injection(commit: &ExtendedCommitInfo, due: bool) -> Option<Vec<u8>> {
    if commit.votes.is_empty() || (!due && commit.votes.iter().all(|v| v.vote_extension.is_empty()))
    {
        return None;
    }
    let mut tx = INJECTED_PREFIX.to_vec();
    commit.encode(&mut tx).ok()?;
    Some(tx)
}

/// Checks one extension against the modules, for `vote_height`.
pub fn verify_extension(
    router: &Router,
    state: &dyn StateRead,
    vote_height: u64,
    validator: &ConsensusAddress,
    extension: &[u8],
) -> Result<(), String> {
    if extension.is_empty() {
        return Ok(());
    }
    if extension.len() > MAX_EXTENSION_BYTES {
        return Err(format!(
            "vote extension of {} bytes, at most {MAX_EXTENSION_BYTES}",
            extension.len()
        ));
    }
    for module in router.modules() {
        if let Some(h) = module.hooks().vote_extensions {
            h.verify_vote_extension(state, vote_height, validator, extension)
                .map_err(|e| format!("{}:{}: {}", e.codespace, e.code, e.log))?;
        }
    }
    Ok(())
}

/// The bytes a validator's consensus key signs for a vote extension (CometBFT's
/// `VoteExtensionSignBytes`: the length-prefixed `CanonicalVoteExtension`).
pub fn sign_bytes(extension: &[u8], height: i64, round: i64, chain_id: &str) -> Vec<u8> {
    CanonicalVoteExtension {
        extension: extension.to_vec(),
        height,
        round,
        chain_id: chain_id.to_string(),
    }
    .encode_length_delimited_to_vec()
}

/// Decodes and verifies an injected extended commit for the block at `height`, whose
/// last commit (from CometBFT) is `last_commit`. Every committed vote's extension
/// signature is checked, empty extension or not; the votes that verify must hold more
/// than two thirds of the last commit's power. Returns the verified, non-empty
/// extensions of the votes that committed.
pub fn verify_injection(
    router: &Router,
    state: &dyn StateRead,
    chain_id: &str,
    height: u64,
    tx: &[u8],
    last_commit: Option<&CommitInfo>,
) -> Result<Vec<ExtendedVote>, String> {
    let body = tx
        .strip_prefix(INJECTED_PREFIX)
        .ok_or("not an injected extended commit")?;
    let injected = ExtendedCommitInfo::decode(body)
        .map_err(|e| format!("injected extended commit does not decode: {e}"))?;
    let last = last_commit.ok_or("the block carries no last commit")?;
    let vote_height = height
        .checked_sub(1)
        .filter(|h| *h > 0)
        .ok_or("no previous height to extend")?;
    if injected.round != last.round || injected.votes.len() != last.votes.len() {
        return Err(format!(
            "injected commit (round {}, {} votes) is not the last commit (round {}, {} votes)",
            injected.round,
            injected.votes.len(),
            last.round,
            last.votes.len()
        ));
    }
    let mut out = Vec::new();
    let mut total_power: u128 = 0;
    let mut verified_power: u128 = 0;
    let height_i64 = i64::try_from(vote_height).map_err(|_| "height overflow".to_string())?;
    for (i, (ext, vote)) in injected.votes.iter().zip(&last.votes).enumerate() {
        let (Some(ev), Some(v)) = (&ext.validator, &vote.validator) else {
            return Err(format!("vote {i} names no validator"));
        };
        if ev.address != v.address || ev.power != v.power || ext.block_id_flag != vote.block_id_flag
        {
            return Err(format!("vote {i} differs from the last commit"));
        }
        let power = u128::try_from(ev.power).map_err(|_| format!("vote {i}: negative power"))?;
        total_power = total_power.saturating_add(power);
        if ext.block_id_flag != BlockIdFlag::Commit as i32 {
            if !ext.vote_extension.is_empty() || !ext.extension_signature.is_empty() {
                return Err(format!("vote {i} carries an extension but did not commit"));
            }
            continue;
        }
        let address: ConsensusAddress = ev
            .address
            .as_ref()
            .try_into()
            .map_err(|_| format!("vote {i}: address is not 20 bytes"))?;
        let Some(pubkey) = weave_validators::consensus_pubkey(state, &address)
            .map_err(|e| format!("vote {i}: {}", e.log))?
        else {
            // A validator the state no longer knows (removed in the previous block):
            // its vote cannot be checked, so it is left out and its power does not
            // count as verified; the others still do.
            continue;
        };
        let key = ed25519_consensus::VerificationKey::try_from(pubkey)
            .map_err(|e| format!("vote {i}: bad consensus key: {e}"))?;
        let signature = ed25519_consensus::Signature::try_from(ext.extension_signature.as_ref())
            .map_err(|_| format!("vote {i}: missing or malformed extension signature"))?;
        key.verify(
            &signature,
            &sign_bytes(
                &ext.vote_extension,
                height_i64,
                i64::from(injected.round),
                chain_id,
            ),
        )
        .map_err(|_| format!("vote {i}: extension signature does not verify"))?;
        if ext.vote_extension.is_empty() {
            verified_power = verified_power.saturating_add(power);
            continue;
        }
        // The validator itself signed these bytes, so no proposer made them up: if the
        // modules refuse them, only that validator's report is lost (and its power does
        // not count as verified). Refusing the whole injection instead would let one
        // validator's garbage halt the chain: CometBFT does not run VerifyVoteExtension
        // on every precommit that reaches a proposer's extended commit (late ones), so
        // every proposer would carry it, and every block would be refused.
        if let Err(e) = verify_extension(router, state, vote_height, &address, &ext.vote_extension)
        {
            tracing::warn!(
                vote = i,
                validator = %hex::encode(address),
                "ignoring a signed vote extension the modules refuse: {e}"
            );
            continue;
        }
        verified_power = verified_power.saturating_add(power);
        out.push(ExtendedVote {
            validator_address: address,
            power: ev.power,
            extension: ext.vote_extension.to_vec(),
        });
    }
    // More than two thirds: verified × 3 > total × 2 (both below 2^127).
    if verified_power.saturating_mul(3) <= total_power.saturating_mul(2) {
        return Err(format!(
            "verified vote extensions hold {verified_power} of {total_power} power, \
             not more than two thirds"
        ));
    }
    Ok(out)
}
