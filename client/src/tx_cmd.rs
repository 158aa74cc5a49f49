//! `weaved tx sign` and `weaved tx broadcast`: the commands over transaction files
//! (see [`crate::tx_file`] for the file format and `--generate-only`).

use std::path::PathBuf;

use anyhow::Context;

use crate::{
    builder::SignerData,
    chain::{connect, fetch_signer_data, runtime},
    keys::Keyring,
    opts::{GlobalOpts, NodeOpts},
    tx::{resolve_chain_id, BroadcastModeArg},
    tx_file::TxFile,
};

/// `weaved tx sign FILE --from KEY`
#[derive(Debug, clap::Args)]
pub struct TxSignArgs {
    /// The transaction: Cosmos tx JSON, as `--generate-only` prints it (`-` for stdin).
    pub file: PathBuf,
    /// The key that signs.
    #[arg(long, value_name = "KEY")]
    pub from: String,
    /// Sign without asking the node: give --account-number and --sequence.
    #[arg(long, requires_all = ["account_number", "sequence"])]
    pub offline: bool,
    /// The signer's account number (with --offline).
    #[arg(long, requires = "offline")]
    pub account_number: Option<u64>,
    /// The signer's sequence (with --offline).
    #[arg(long, requires = "offline")]
    pub sequence: Option<u64>,
    /// The chain id to sign for (default: `chain_id` of `<home>/config/weaved.toml`).
    #[arg(long)]
    pub chain_id: Option<String>,
    /// Write the signed transaction here instead of printing it.
    #[arg(long, value_name = "FILE")]
    pub output_document: Option<PathBuf>,
    #[allow(missing_docs)] // flattened: its own fields carry the help
    #[command(flatten)]
    pub node: NodeOpts,
}

/// Runs `weaved tx sign`.
pub fn run_sign(args: TxSignArgs, g: &GlobalOpts) -> anyhow::Result<()> {
    let mut tx = TxFile::read(&args.file)?;
    let chain_id = resolve_chain_id(args.chain_id.as_deref(), g)?;
    let key = Keyring::open(&g.home, g.keyring_backend)?.signing_key(&args.from)?;
    let signer = match (args.offline, args.account_number, args.sequence) {
        (true, Some(account_number), Some(sequence)) => SignerData {
            account_number,
            sequence,
            chain_id,
        },
        _ => {
            let url = args.node.url(&g.home)?;
            runtime()?.block_on(async {
                let channel = connect(&url).await?;
                fetch_signer_data(&channel, &key.address(), &chain_id).await
            })?
        }
    };
    let dropped = tx.sign(&key, &signer);
    if dropped > 0 {
        eprintln!(
            "warning: {dropped} earlier signature(s) dropped: the signer infos changed, so \
             those signers must sign again"
        );
    }
    let text = serde_json::to_string_pretty(&tx.to_json()?)?;
    match &args.output_document {
        Some(path) => {
            std::fs::write(path, text + "\n").with_context(|| format!("writing {}", path.display()))
        }
        None => {
            println!("{text}");
            Ok(())
        }
    }
}

/// `weaved tx broadcast FILE`
#[derive(Debug, clap::Args)]
pub struct TxBroadcastArgs {
    /// The signed transaction: Cosmos tx JSON (`-` for stdin).
    pub file: PathBuf,
    /// Return after CheckTx (`sync`) or at once (`async`).
    #[arg(long, value_enum, default_value = "sync")]
    pub broadcast_mode: BroadcastModeArg,
    /// Wait until the transaction is in a block (at most 30 s), print its result and
    /// fail if it failed.
    #[arg(long)]
    pub wait: bool,
    #[allow(missing_docs)] // flattened: its own fields carry the help
    #[command(flatten)]
    pub node: NodeOpts,
}

/// Runs `weaved tx broadcast`.
pub fn run_broadcast(args: TxBroadcastArgs, g: &GlobalOpts) -> anyhow::Result<()> {
    let tx = TxFile::read(&args.file)?;
    let bytes = tx.tx_raw()?;
    let fee = tx
        .auth_info
        .fee
        .as_ref()
        .and_then(|f| f.amount.first())
        .map(|c| c.amount.parse::<u128>())
        .transpose()
        .context("the fee amount")?
        .unwrap_or(0);
    let gas_limit = tx.auth_info.fee.as_ref().map_or(0, |f| f.gas_limit);
    let url = args.node.url(&g.home)?;
    let submitted = runtime()?.block_on(async {
        let channel = connect(&url).await?;
        crate::tx::broadcast_raw(
            &channel,
            bytes,
            gas_limit,
            fee,
            args.broadcast_mode,
            args.wait,
        )
        .await
    })?;
    crate::tx::report_with(&submitted, false, g.json(), &[])
}
