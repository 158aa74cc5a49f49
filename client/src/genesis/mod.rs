//! `weaved genesis`: building a network's genesis file, `<home>/cometbft/config/genesis.json`.
//!
//! The steps of a multi-validator network, as `localnet/up` runs them: `weaved init`
//! each home; `add-account` every validator's key (and any user) to one genesis; copy
//! it to every home; `gentx` in each home; gather the gentx files and
//! `collect-gentxs` them into the one genesis; copy it to every home. `patch` merges
//! a JSON document into the genesis (parameters for a test, say) and `validate`
//! checks one.
//!
//! Every command that edits the file checks the result first (the `app_state` with
//! the modules' own genesis validation, the chain id, and every gentx: its signature,
//! its operator's funds, no operator or consensus key twice) and then replaces the
//! file atomically, so a failed edit leaves the old file as it was.

pub mod gentx;

use std::{
    collections::BTreeSet,
    io::{Read as _, Write as _},
    os::unix::fs::PermissionsExt as _,
    path::{Path, PathBuf},
};

use anyhow::{anyhow, bail, ensure, Context};
use clap::Subcommand;
use serde_json::{json, Value};
use weave_bank::GenesisBalance;
use weave_genesis::AppState;
use weave_kernel::{Address, Coins, DENOM};

use self::gentx::{inspect_gentx, read_gentx_dir, sign_gentx, GentxFile, GentxSummary};
use crate::{
    cometbft, home::HomeLayout, keys::Keyring, opts::resolve_address, opts::GlobalOpts,
    tx::parse_coins, validators::NewValidatorArgs,
};

/// The longest chain id CometBFT accepts.
const MAX_CHAIN_ID_LEN: usize = 50;

/// `weaved genesis ...`
#[derive(Debug, Subcommand)]
#[allow(clippy::large_enum_variant)] // parsed once per run
pub enum GenesisCmd {
    /// Fund an account in the genesis: add COINS to its balance (creating it if
    /// needed).
    #[command(
        after_help = "Example:\n  weaved genesis add-account weave1pafa9xct2zxsks824wuud2lpygj2vsf4p8dggy 1000000000uweave"
    )]
    AddAccount {
        /// The account: a bech32 address or a key name.
        address: String,
        /// What to add, e.g. `1000000uweave` (several denominations: `10uweave,5ufoo`).
        coins: String,
    },
    /// Sign a genesis transaction creating --from's validator with this home's
    /// consensus key.
    ///
    /// The `MsgCreateValidator` self-bonds --amount, which --from must hold in the
    /// genesis (`add-account` first). It is signed offline for the genesis' chain id,
    /// account number 0 and sequence 0, without a fee, and written as
    /// `{"gen_tx": BASE64}` to `<home>/config/gentx/gentx-<node id>.json` or
    /// --output-document. Commission rates are basis points (1000 = 10%).
    #[command(
        after_help = "Example:\n  weaved genesis gentx --from validator --amount 100000000uweave --moniker node0 --keyring-backend test"
    )]
    Gentx(GentxArgs),
    /// Put every gentx file of a directory into the genesis.
    ///
    /// Reads every `*.json` of --gentx-dir in file-name order, checks each gentx
    /// (signature, chain id, funds, no operator or consensus key twice), replaces
    /// `app_state.validators.gen_txs` with them and empties CometBFT's `validators`:
    /// the set InitChain returns (the gentxs' validators) is the genesis set.
    #[command(after_help = "Example:\n  weaved genesis collect-gentxs --gentx-dir ./gentx")]
    CollectGentxs {
        /// Where the gentx files are (default: `<home>/config/gentx`).
        #[arg(long, value_name = "DIR")]
        gentx_dir: Option<PathBuf>,
    },
    /// Merge a JSON object into the genesis: objects merge key by key, recursively;
    /// anything else (numbers, strings, arrays, null) replaces what was there.
    #[command(
        after_help = "Example:\n  echo '{\"app_state\":{\"validators\":{\"params\":{\"signed_blocks_window\":20}}}}' > p.json\n  weaved genesis patch p.json"
    )]
    Patch {
        /// The JSON document to merge, or `-` for standard input.
        file: PathBuf,
    },
    /// Check a genesis file: chain id, every module's section, and every gentx.
    #[command(after_help = "Example:\n  weaved genesis validate")]
    Validate {
        /// The file (default: `<home>/cometbft/config/genesis.json`).
        file: Option<PathBuf>,
    },
}

/// `weaved genesis gentx` flags.
#[derive(Debug, clap::Args)]
pub struct GentxArgs {
    /// The operator's key (a key name): it signs, and self-bonds --amount.
    #[arg(long, value_name = "KEY")]
    from: String,
    #[command(flatten)]
    validator: NewValidatorArgs,
    /// Write the gentx file here instead of `<home>/config/gentx/gentx-<node id>.json`.
    #[arg(long, value_name = "FILE")]
    output_document: Option<PathBuf>,
}

/// Merges `patch` into `base`: objects key by key, recursively; any other value of
/// `patch` replaces the one in `base`.
pub fn deep_merge(base: &mut Value, patch: Value) {
    match (base, patch) {
        (Value::Object(base), Value::Object(patch)) => {
            for (key, value) in patch {
                match base.get_mut(&key) {
                    Some(slot) => deep_merge(slot, value),
                    None => {
                        base.insert(key, value);
                    }
                }
            }
        }
        (slot, value) => *slot = value,
    }
}

/// Writes `bytes` to `path` atomically: a temporary file in the same directory is
/// written, synced and renamed over it (keeping the old file's permissions), and the
/// directory is synced.
fn write_atomic(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let context = || format!("writing {}", path.display());
    let mut tmp = tempfile::NamedTempFile::new_in(dir).with_context(context)?;
    tmp.write_all(bytes).with_context(context)?;
    tmp.as_file().sync_all().with_context(context)?;
    let permissions = std::fs::metadata(path)
        .map(|m| m.permissions())
        .unwrap_or_else(|_| std::fs::Permissions::from_mode(0o644));
    tmp.as_file()
        .set_permissions(permissions)
        .with_context(context)?;
    tmp.persist(path)
        .map_err(|e| e.error)
        .with_context(context)?;
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .with_context(context)
}

/// What a valid genesis holds, for printing.
#[derive(Debug, Clone)]
struct Checked {
    /// The chain id.
    chain_id: String,
    /// The parsed `app_state`.
    state: AppState,
    /// What each gentx creates, in order.
    gentxs: Vec<GentxSummary>,
    /// How many validators CometBFT's own list names.
    cometbft_validators: usize,
}

/// A genesis document read from its file.
#[derive(Debug, Clone)]
struct GenesisDoc {
    /// Where it is.
    path: PathBuf,
    /// The whole document.
    doc: Value,
}

impl GenesisDoc {
    /// Reads a genesis file.
    fn load(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading {} (run `weaved init` first)", path.display()))?;
        let doc: Value =
            serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
        ensure!(doc.is_object(), "{} is not a JSON object", path.display());
        Ok(Self {
            path: path.to_path_buf(),
            doc,
        })
    }

    /// The chain id.
    fn chain_id(&self) -> anyhow::Result<&str> {
        let id = self.doc["chain_id"]
            .as_str()
            .ok_or_else(|| anyhow!("the genesis has no chain_id string"))?;
        ensure!(!id.is_empty(), "the genesis chain_id is empty");
        ensure!(
            id.len() <= MAX_CHAIN_ID_LEN,
            "the genesis chain_id is {} bytes, CometBFT allows {MAX_CHAIN_ID_LEN}",
            id.len()
        );
        Ok(id)
    }

    /// The `app_state`, parsed (unknown sections and fields refused) but not yet
    /// validated.
    fn app_state(&self) -> anyhow::Result<AppState> {
        let section = self.doc.get("app_state").cloned().unwrap_or(Value::Null);
        let section = if section.is_null() {
            json!({})
        } else {
            section
        };
        serde_json::from_value(section).context("the genesis app_state does not parse")
    }

    /// Replaces the `app_state`.
    fn set_app_state(&mut self, state: &AppState) -> anyhow::Result<()> {
        self.doc["app_state"] = state.to_json()?;
        Ok(())
    }

    /// Checks the whole document: the chain id, CometBFT's validator list, every
    /// module's section, and every gentx against the chain id and the balances.
    fn check(&self) -> anyhow::Result<Checked> {
        let chain_id = self.chain_id()?.to_string();
        let cometbft_validators = match self.doc.get("validators") {
            None | Some(Value::Null) => 0,
            Some(Value::Array(list)) => list.len(),
            Some(_) => bail!("the genesis validators is not a list"),
        };
        let state = self.app_state()?;
        state.validate()?;
        let max_memo = usize::try_from(state.auth.params.max_memo_chars).unwrap_or(usize::MAX);
        let txs = state
            .validators
            .decoded_gen_txs()
            .map_err(|e| anyhow!("genesis section validators: {e}"))?;
        let mut gentxs = Vec::with_capacity(txs.len());
        for (i, tx) in txs.iter().enumerate() {
            let summary = inspect_gentx(tx, &chain_id, max_memo)
                .with_context(|| format!("app_state.validators.gen_txs[{i}]"))?;
            gentxs.push(summary);
        }
        check_gentxs(&state, &gentxs)?;
        if cometbft_validators == 0 {
            ensure!(
                gentxs.iter().any(|g| g.power() > 0),
                "the genesis has no validator: CometBFT's validators list is empty and no gentx \
                 bonds at least {}{DENOM} (voting power 1)",
                weave_validators::POWER_REDUCTION
            );
        }
        Ok(Checked {
            chain_id,
            state,
            gentxs,
            cometbft_validators,
        })
    }

    /// Checks the document and replaces the file with it.
    fn save(&self) -> anyhow::Result<Checked> {
        let checked = self
            .check()
            .with_context(|| format!("{} was not changed", self.path.display()))?;
        let mut text = serde_json::to_string_pretty(&self.doc)?;
        text.push('\n');
        write_atomic(&self.path, text.as_bytes())?;
        Ok(checked)
    }
}

/// The `uweave` an account holds in the genesis.
fn genesis_balance(state: &AppState, address: &Address) -> u128 {
    state
        .bank
        .balances
        .iter()
        .find(|b| b.address == *address)
        .map_or(0, |b| b.coins.amount_of(DENOM))
}

/// Checks gentxs against each other and the genesis balances: each operator and
/// consensus key at most once, and each operator funded for its self-bond and fee.
fn check_gentxs(state: &AppState, gentxs: &[GentxSummary]) -> anyhow::Result<()> {
    let mut operators = BTreeSet::new();
    let mut keys = BTreeSet::new();
    for (i, g) in gentxs.iter().enumerate() {
        ensure!(
            operators.insert(g.operator),
            "gen_txs[{i}]: {} already has a gentx ({})",
            g.operator,
            g.moniker
        );
        ensure!(
            keys.insert(g.consensus_pubkey),
            "gen_txs[{i}] ({}): the consensus key {} is already used by another gentx",
            g.moniker,
            hex::encode(g.consensus_pubkey)
        );
        let needed = g.self_bond.saturating_add(g.fee);
        let held = genesis_balance(state, &g.operator);
        ensure!(
            held >= needed,
            "gen_txs[{i}] ({}): {} bonds {}{DENOM}{} but holds {held}{DENOM} in the genesis; \
             fund it with `weaved genesis add-account`",
            g.moniker,
            g.operator,
            g.self_bond,
            if g.fee > 0 {
                format!(" and pays a {}{DENOM} fee", g.fee)
            } else {
                String::new()
            }
        );
    }
    Ok(())
}

/// Adds `coins` to an account's genesis balance, creating it if needed.
fn add_account(state: &mut AppState, address: Address, coins: &Coins) -> anyhow::Result<Coins> {
    match state
        .bank
        .balances
        .iter_mut()
        .find(|b| b.address == address)
    {
        Some(b) => {
            b.coins = Coins::sum([&b.coins, coins])
                .with_context(|| format!("adding {coins} to {address}"))?;
            Ok(b.coins.clone())
        }
        None => {
            state.bank.balances.push(GenesisBalance {
                address,
                coins: coins.clone(),
            });
            Ok(coins.clone())
        }
    }
}

/// Makes a new chain's own validator a staked one: `key` self-bonds `self_bond` with
/// the consensus key of the home at `home`, default commission, in a gentx that
/// becomes the genesis' only one (CometBFT's validator list is emptied: InitChain's
/// answer is the set). Returns the validator's power.
pub fn self_bond_at_genesis(
    home: &Path,
    key: &crate::keys::SigningKey,
    self_bond: u128,
) -> anyhow::Result<i64> {
    #[derive(clap::Parser)]
    struct Defaults {
        #[command(flatten)]
        validator: crate::validators::NewValidatorArgs,
    }
    let amount = self_bond.to_string();
    let args = <Defaults as clap::Parser>::try_parse_from(["init", "--amount", amount.as_str()])
        .map_err(|e| anyhow!("the default validator: {e}"))?
        .validator;
    let layout = HomeLayout::new(home);
    let mut doc = GenesisDoc::load(&layout.genesis())?;
    let chain_id = doc.chain_id()?.to_string();
    let new = args.message(&key.address(), home)?;
    let tx = sign_gentx(key, new.msg, &chain_id);
    let summary = inspect_gentx(&tx, &chain_id, usize::MAX).context("the validator's gentx")?;
    set_gentxs(&mut doc, vec![GentxFile::of(&tx).gen_tx])?;
    doc.save()?;
    Ok(summary.power())
}

/// Sets the gentxs of a genesis and empties CometBFT's validator list, so that the
/// set InitChain returns is the genesis set.
fn set_gentxs(doc: &mut GenesisDoc, gen_txs: Vec<String>) -> anyhow::Result<()> {
    let mut state = doc.app_state()?;
    state.validators.gen_txs = gen_txs;
    doc.set_app_state(&state)?;
    doc.doc["validators"] = json!([]);
    Ok(())
}

/// Coins as JSON: `[{"denom": "uweave", "amount": "1000"}]`.
fn coins_json(coins: &Coins) -> Value {
    Value::Array(
        coins
            .iter()
            .map(|c| json!({ "denom": c.denom, "amount": c.amount.to_string() }))
            .collect(),
    )
}

/// A gentx summary as JSON.
fn gentx_json(g: &GentxSummary) -> Value {
    use base64::Engine as _;
    json!({
        "operator": g.operator.to_string(),
        "moniker": g.moniker,
        "self_bond": g.self_bond.to_string(),
        "power": g.power(),
        "consensus_pubkey": base64::engine::general_purpose::STANDARD.encode(g.consensus_pubkey),
    })
}

/// A gentx summary as one line.
fn gentx_line(g: &GentxSummary) -> String {
    format!(
        "{}\t{}\t{}{DENOM}\tpower {}",
        g.operator,
        g.moniker,
        g.self_bond,
        g.power()
    )
}

/// Runs a `weaved genesis` command.
pub fn run(cmd: GenesisCmd, g: &GlobalOpts) -> anyhow::Result<()> {
    let layout = HomeLayout::new(&g.home);
    match cmd {
        GenesisCmd::AddAccount { address, coins } => {
            let address = resolve_address(&address, g)?;
            let coins = parse_coins(&coins)?;
            let mut doc = GenesisDoc::load(&layout.genesis())?;
            let mut state = doc.app_state()?;
            let balance = add_account(&mut state, address, &coins)?;
            doc.set_app_state(&state)?;
            doc.save()?;
            if g.json() {
                println!(
                    "{}",
                    json!({
                        "genesis": doc.path.display().to_string(),
                        "address": address.to_string(),
                        "added": coins_json(&coins),
                        "balance": coins_json(&balance),
                    })
                );
            } else {
                println!(
                    "added {coins} to {address} in {} (balance {balance})",
                    doc.path.display()
                );
            }
            Ok(())
        }
        GenesisCmd::Gentx(args) => gentx(args, g, &layout),
        GenesisCmd::CollectGentxs { gentx_dir } => {
            let dir = gentx_dir.unwrap_or_else(|| layout.root().join("config").join("gentx"));
            let files = read_gentx_dir(&dir)?;
            ensure!(
                !files.is_empty(),
                "no gentx files (*.json) in {}: run `weaved genesis gentx` first",
                dir.display()
            );
            let mut doc = GenesisDoc::load(&layout.genesis())?;
            let chain_id = doc.chain_id()?.to_string();
            let max_memo =
                usize::try_from(doc.app_state()?.auth.params.max_memo_chars).unwrap_or(usize::MAX);
            for (path, gen_tx) in &files {
                let bytes = GentxFile {
                    gen_tx: gen_tx.clone(),
                }
                .tx_bytes()
                .with_context(|| format!("in {}", path.display()))?;
                inspect_gentx(&bytes, &chain_id, max_memo)
                    .with_context(|| format!("the gentx in {}", path.display()))?;
            }
            set_gentxs(&mut doc, files.iter().map(|(_, t)| t.clone()).collect())?;
            let checked = doc.save()?;
            if g.json() {
                println!(
                    "{}",
                    json!({
                        "genesis": doc.path.display().to_string(),
                        "chain_id": checked.chain_id,
                        "files": files.iter().map(|(p, _)| p.display().to_string()).collect::<Vec<_>>(),
                        "gen_txs": checked.gentxs.iter().map(gentx_json).collect::<Vec<_>>(),
                    })
                );
            } else {
                println!(
                    "collected {} gentxs from {} into {}:",
                    checked.gentxs.len(),
                    dir.display(),
                    doc.path.display()
                );
                for (summary, (path, _)) in checked.gentxs.iter().zip(&files) {
                    let name = path.file_name().map_or_else(
                        || path.display().to_string(),
                        |n| n.to_string_lossy().into_owned(),
                    );
                    println!("  {name}\t{}", gentx_line(summary));
                }
                println!("CometBFT's genesis validators: [] (the gentxs' validators are the genesis set)");
            }
            Ok(())
        }
        GenesisCmd::Patch { file } => {
            let text = if file.as_os_str() == "-" {
                let mut text = String::new();
                std::io::stdin()
                    .read_to_string(&mut text)
                    .context("reading the patch from standard input")?;
                text
            } else {
                std::fs::read_to_string(&file)
                    .with_context(|| format!("reading {}", file.display()))?
            };
            let patch: Value = serde_json::from_str(&text)
                .with_context(|| format!("parsing the patch {}", file.display()))?;
            ensure!(
                patch.is_object(),
                "the patch must be a JSON object, such as {{\"app_state\": {{...}}}}"
            );
            let mut doc = GenesisDoc::load(&layout.genesis())?;
            deep_merge(&mut doc.doc, patch);
            doc.save()?;
            if g.json() {
                println!(
                    "{}",
                    json!({ "genesis": doc.path.display().to_string(), "patched": true })
                );
            } else {
                println!("patched {}", doc.path.display());
            }
            Ok(())
        }
        GenesisCmd::Validate { file } => {
            let path = file.unwrap_or_else(|| layout.genesis());
            let doc = GenesisDoc::load(&path)?;
            let checked = doc
                .check()
                .with_context(|| format!("{} is not a valid genesis", path.display()))?;
            if g.json() {
                println!(
                    "{}",
                    json!({
                        "genesis": path.display().to_string(),
                        "valid": true,
                        "chain_id": checked.chain_id,
                        "accounts": checked.state.bank.balances.len(),
                        "cometbft_validators": checked.cometbft_validators,
                        "gen_txs": checked.gentxs.iter().map(gentx_json).collect::<Vec<_>>(),
                    })
                );
            } else {
                println!(
                    "{} is valid: chain {}, {} funded accounts, {} gentxs, {} CometBFT validators",
                    path.display(),
                    checked.chain_id,
                    checked.state.bank.balances.len(),
                    checked.gentxs.len(),
                    checked.cometbft_validators
                );
                for summary in &checked.gentxs {
                    println!("  {}", gentx_line(summary));
                }
            }
            Ok(())
        }
    }
}

/// Runs `weaved genesis gentx`.
fn gentx(args: GentxArgs, g: &GlobalOpts, layout: &HomeLayout) -> anyhow::Result<()> {
    let doc = GenesisDoc::load(&layout.genesis())?;
    let chain_id = doc.chain_id()?.to_string();
    let state = doc.app_state()?;
    state
        .validate()
        .with_context(|| format!("{} is not a valid genesis", doc.path.display()))?;
    let keyring = Keyring::open(&g.home, g.keyring_backend)?;
    let key = keyring.signing_key(&args.from)?;
    let operator = key.address();
    let held = genesis_balance(&state, &operator);
    ensure!(
        held >= args.validator.amount,
        "{} ({}) holds {held}{DENOM} in {}, less than the self-bond {}{DENOM}: fund it first \
         with `weaved genesis add-account {operator} <COINS>`",
        args.from,
        operator,
        doc.path.display(),
        args.validator.amount
    );
    let new = args.validator.message(&operator, &g.home)?;
    let tx = sign_gentx(&key, new.msg, &chain_id);
    let max_memo = usize::try_from(state.auth.params.max_memo_chars).unwrap_or(usize::MAX);
    let summary = inspect_gentx(&tx, &chain_id, max_memo).context("the new gentx")?;
    let path = match args.output_document {
        Some(path) => path,
        None => {
            let name =
                cometbft::node_id(&layout.cometbft_home()).unwrap_or_else(|_| operator.to_string());
            layout
                .root()
                .join("config")
                .join("gentx")
                .join(format!("gentx-{name}.json"))
        }
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    write_atomic(&path, GentxFile::of(&tx).text()?.as_bytes())?;
    if g.json() {
        let mut value = gentx_json(&summary);
        if let Some(map) = value.as_object_mut() {
            map.insert("file".into(), json!(path.display().to_string()));
            map.insert("chain_id".into(), json!(chain_id));
        }
        println!("{value}");
    } else {
        println!(
            "wrote the gentx of {} ({}, self-bond {}{DENOM}, power {}) for chain {chain_id} to {}",
            summary.operator,
            summary.moniker,
            summary.self_bond,
            summary.power(),
            path.display()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use weave_kernel::Coin;

    use super::{
        gentx::tests::{consensus, create, operator},
        *,
    };

    #[test]
    fn deep_merge_merges_objects_and_replaces_the_rest() {
        let mut base = json!({
            "chain_id": "a",
            "validators": [{"power": "10"}],
            "app_state": {
                "validators": {"params": {"signed_blocks_window": 100, "max_validators": 100}},
                "bank": {"balances": [1, 2]},
            },
        });
        deep_merge(
            &mut base,
            json!({
                "validators": [],
                "app_state": {
                    "validators": {"params": {"signed_blocks_window": 20}},
                    "bank": {"balances": [3]},
                    "content": {"x": null},
                },
                "new": {"deep": true},
            }),
        );
        assert_eq!(
            base,
            json!({
                "chain_id": "a",
                "validators": [],
                "app_state": {
                    "validators": {"params": {"signed_blocks_window": 20, "max_validators": 100}},
                    "bank": {"balances": [3]},
                    "content": {"x": null},
                },
                "new": {"deep": true},
            })
        );
        // A non-object replaces an object, and the other way round.
        let mut base = json!({"a": {"b": 1}});
        deep_merge(&mut base, json!({"a": 5}));
        assert_eq!(base, json!({"a": 5}));
        deep_merge(&mut base, json!({"a": {"c": 2}}));
        assert_eq!(base, json!({"a": {"c": 2}}));
    }

    /// A genesis file in a temporary directory: chain `weave-x`, CometBFT's own
    /// validator, and `funded` accounts with 10^9 uweave each.
    fn genesis_file(funded: &[Address]) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("genesis.json");
        let state = AppState::with_funded(funded, 1_000_000_000).unwrap();
        let doc = json!({
            "chain_id": "weave-x",
            "validators": [{"address": "AB", "pub_key": {}, "power": "10", "name": ""}],
            "app_state": state.to_json().unwrap(),
        });
        std::fs::write(&path, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
        (dir, path)
    }

    fn coins(amount: u128) -> Coins {
        Coins::new(vec![Coin::base(amount)]).unwrap()
    }

    #[test]
    fn accounts_are_added_and_merged() {
        let a = Address::new([1; 20]);
        let b = Address::new([2; 20]);
        let (_dir, path) = genesis_file(&[a]);
        let mut doc = GenesisDoc::load(&path).unwrap();
        let mut state = doc.app_state().unwrap();
        assert_eq!(
            add_account(&mut state, a, &coins(5)).unwrap(),
            coins(1_000_000_005)
        );
        let foo = Coins::new(vec![Coin::parse("ufoo", "7").unwrap()]).unwrap();
        assert_eq!(add_account(&mut state, b, &foo).unwrap(), foo);
        doc.set_app_state(&state).unwrap();
        doc.save().unwrap();
        let again = GenesisDoc::load(&path).unwrap().check().unwrap();
        assert_eq!(genesis_balance(&again.state, &a), 1_000_000_005);
        assert_eq!(again.state.bank.balances.len(), 2);
        assert_eq!(again.state.bank.balances[1].coins.amount_of("ufoo"), 7);
        // The rest of the document is kept.
        let raw: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(raw["validators"][0]["power"], "10");
    }

    #[test]
    fn a_failed_edit_leaves_the_file_alone() {
        let (_dir, path) = genesis_file(&[Address::new([1; 20])]);
        let before = std::fs::read(&path).unwrap();
        let mut doc = GenesisDoc::load(&path).unwrap();
        deep_merge(
            &mut doc.doc,
            json!({"app_state": {"validators": {"params": {"signed_blocks_window": 1}}}}),
        );
        let e = doc.save().unwrap_err();
        assert!(format!("{e:#}").contains("signed_blocks_window"), "{e:#}");
        deep_merge(&mut doc.doc, json!({"app_state": {"nope": {}}}));
        assert!(doc.save().is_err());
        assert_eq!(std::fs::read(&path).unwrap(), before);
        // And a good patch goes through.
        let mut doc = GenesisDoc::load(&path).unwrap();
        deep_merge(
            &mut doc.doc,
            json!({"app_state": {"validators": {"params": {"signed_blocks_window": 20}}}}),
        );
        let checked = doc.save().unwrap();
        assert_eq!(checked.state.validators.params.signed_blocks_window, 20);
    }

    #[test]
    fn collected_gentxs_keep_their_order_and_replace_cometbfts_validators() {
        let keys = [operator(1), operator(2), operator(3)];
        let addrs: Vec<Address> = keys.iter().map(SigningKey::address).collect();
        let (_dir, path) = genesis_file(&addrs);
        let gentxs: Vec<String> = keys
            .iter()
            .zip([3u8, 1, 2])
            .map(|(k, seed)| {
                let tx = sign_gentx(k, create(k, consensus(seed), 100_000_000), "weave-x");
                GentxFile::of(&tx).gen_tx
            })
            .collect();
        let mut doc = GenesisDoc::load(&path).unwrap();
        set_gentxs(&mut doc, gentxs.clone()).unwrap();
        let checked = doc.save().unwrap();
        assert_eq!(checked.state.validators.gen_txs, gentxs);
        assert_eq!(
            checked
                .gentxs
                .iter()
                .map(|g| g.operator)
                .collect::<Vec<_>>(),
            addrs
        );
        assert_eq!(checked.cometbft_validators, 0);
        let raw: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(raw["validators"], json!([]));
        // The genesis crate's own validation accepts what was written.
        AppState::from_json(&serde_json::to_vec(&raw["app_state"]).unwrap()).unwrap();
    }

    #[test]
    fn gentxs_are_checked_against_each_other_the_funds_and_the_chain() {
        let keys = [operator(1), operator(2)];
        let (_dir, path) = genesis_file(&[keys[0].address(), keys[1].address()]);
        let gentx = |k: &SigningKey, seed: u8, bond: u128, chain: &str| {
            GentxFile::of(&sign_gentx(k, create(k, consensus(seed), bond), chain)).gen_tx
        };
        let attempt = |txs: Vec<String>| {
            let mut doc = GenesisDoc::load(&path).unwrap();
            set_gentxs(&mut doc, txs).unwrap();
            format!("{:#}", doc.save().unwrap_err())
        };
        let e = attempt(vec![
            gentx(&keys[0], 1, 100_000_000, "weave-x"),
            gentx(&keys[1], 1, 100_000_000, "weave-x"),
        ]);
        assert!(e.contains("consensus key"), "{e}");
        let e = attempt(vec![
            gentx(&keys[0], 1, 100_000_000, "weave-x"),
            gentx(&keys[0], 2, 100_000_000, "weave-x"),
        ]);
        assert!(e.contains("already has a gentx"), "{e}");
        let e = attempt(vec![gentx(&keys[0], 1, 2_000_000_000, "weave-x")]);
        assert!(e.contains("holds 1000000000uweave"), "{e}");
        let e = attempt(vec![gentx(&keys[0], 1, 100_000_000, "weave-y")]);
        assert!(e.contains("another chain"), "{e}");
        // With CometBFT's list emptied, some gentx must give voting power.
        let e = attempt(vec![gentx(&keys[0], 1, 999_999, "weave-x")]);
        assert!(e.contains("no validator"), "{e}");
    }

    #[test]
    fn genesis_commands_parse() {
        use clap::Parser;
        #[derive(Debug, Parser)]
        struct Cli {
            #[command(subcommand)]
            cmd: GenesisCmd,
        }
        for line in [
            "add-account weave1pafa9xct2zxsks824wuud2lpygj2vsf4p8dggy 10uweave",
            "gentx --from validator --amount 100000000uweave",
            "gentx --from v --amount 1000000 --moniker n --commission-rate 500 --commission-max-rate 1000 --commission-max-change-rate 50 --min-self-delegation 10 --output-document g.json --pubkey AAAA --identity i --website w --details d",
            "collect-gentxs",
            "collect-gentxs --gentx-dir d",
            "patch p.json",
            "patch -",
            "validate",
            "validate g.json",
        ] {
            Cli::try_parse_from(std::iter::once("genesis").chain(line.split_whitespace()))
                .unwrap_or_else(|e| panic!("{line}: {e}"));
        }
        for line in [
            "gentx --amount 1",
            "gentx --from v",
            "gentx --from v --amount 0",
            "gentx --from v --amount 1 --commission-rate 0.1",
            "add-account a",
            "patch",
        ] {
            assert!(
                Cli::try_parse_from(std::iter::once("genesis").chain(line.split_whitespace()))
                    .is_err(),
                "{line} accepted"
            );
        }
        <Cli as clap::CommandFactory>::command().debug_assert();
    }

    use crate::keys::SigningKey;
}
