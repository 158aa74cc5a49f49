//! The client commands as `weaved` mounts them: `weaved tx`, `weaved query`,
//! `weaved content` and `weaved channels`, which talk to a node over gRPC.
//!
//! Each chain module's commands live in its own folder (`bank/`, `splits/`, ...); this
//! file only gathers them into the `tx` and `query` groups and dispatches.
//!
//! Every command reaches the node's gRPC API through `--grpc`; `--node` is CometBFT's
//! RPC, as in every Cosmos CLI (`status`, `query block`), and each flag refuses a URL
//! that answers the other protocol (see [`crate::opts::NodeOpts`]). Errors of the node
//! come back as `Error: <status message>` and exit code 1. Every `tx` command takes
//! `--generate-only` ([`crate::tx_file`]).

use clap::Subcommand;

use crate::{bank, channels, content, gov, query, seeders, social, splits, tx_cmd, validators};
pub use crate::{
    channels::ChannelsCmd,
    content::ContentCmd,
    opts::{GlobalOpts, NodeOpts, OutputFormat},
};

/// `weaved tx ...`: build, sign and broadcast a transaction.
#[derive(Debug, Subcommand)]
pub enum TxCmd {
    /// Bank transactions: send and multi-send.
    #[command(subcommand)]
    Bank(bank::cli::BankTxCmd),
    /// Split tables: create, update, hand over control.
    #[command(subcommand)]
    Splits(splits::SplitsTxCmd),
    /// Content: register, update, retire, purchase, transfer, tip, subscriptions and
    /// key delivery.
    #[command(subcommand)]
    Content(content::ContentTxCmd),
    /// Payment channels: open, top up, close, and claim vouchers.
    #[command(subcommand)]
    Channels(channels::ChannelsTxCmd),
    /// Validators: create, edit, delegate, undelegate, redelegate, unjail, withdraw
    /// rewards.
    #[command(subcommand)]
    Validators(validators::ValidatorsTxCmd),
    /// Governance: draft and submit proposals, deposit, vote.
    #[command(subcommand)]
    Gov(gov::GovTxCmd),
    /// Seeders: bond (with this node's sidecar by default), update, unbond, unjail,
    /// report bad slices.
    #[command(subcommand)]
    Seeders(seeders::SeedersTxCmd),
    /// Social: your profile and handle, follows, reactions, comments, and hiding
    /// comments on your own content.
    #[command(subcommand)]
    Social(social::SocialTxCmd),
    /// Sign a transaction file (from `--generate-only`): online, or `--offline` with
    /// the account number and sequence. A signer not yet in the file is appended.
    #[command(
        after_help = "Example:\n  weaved tx bank send alice weave1pafa9xct2zxsks824wuud2lpygj2vsf4p8dggy 10uweave --gas 100000 --generate-only > tx.json\n  weaved tx sign tx.json --from alice --offline --account-number 3 --sequence 0 > signed.json"
    )]
    Sign(tx_cmd::TxSignArgs),
    /// Broadcast a signed transaction file.
    #[command(after_help = "Example:\n  weaved tx broadcast signed.json --wait")]
    Broadcast(tx_cmd::TxBroadcastArgs),
}

/// `weaved query ...`: read the chain's state over gRPC.
#[derive(Debug, Subcommand)]
pub enum QueryCmd {
    /// Balances, total supply and parameters of the bank module.
    #[command(subcommand)]
    Bank(bank::cli::BankQueryCmd),
    /// Accounts: number, sequence and public key.
    #[command(subcommand)]
    Auth(query::AuthQueryCmd),
    /// Split tables, payout previews and the splits parameters.
    #[command(subcommand)]
    Splits(splits::SplitsQueryCmd),
    /// Content, access, prices, subscriptions, buyer keys and sealed keys.
    #[command(subcommand)]
    Content(content::ContentQueryCmd),
    /// Payment channels, their lanes, seeders' earnings and the channels parameters.
    #[command(subcommand)]
    Channels(channels::ChannelsQueryCmd),
    /// Validators, the active set, delegations, rewards, liveness and the validators
    /// parameters.
    #[command(subcommand)]
    Validators(validators::ValidatorsQueryCmd),
    /// Governance: proposals, votes, deposits, the tally, the gov parameters and the
    /// scheduled upgrade.
    #[command(subcommand)]
    Gov(gov::GovQueryCmd),
    /// Seeders by address or reputation, one seeder (by address or sidecar peer id), a
    /// seeder's epoch inputs, probe rounds, the seeders parameters, and this node's
    /// evidence of bad slices.
    #[command(subcommand)]
    Seeders(seeders::SeedersQueryCmd),
    /// Profiles (by address or @handle), follows, reactions, comments and a content's
    /// verified (paid) views.
    #[command(subcommand)]
    Social(social::SocialQueryCmd),
    /// A transaction in a block, by hash: its height, result, gas, events and messages.
    #[command(
        after_help = "Example:\n  weaved query tx 9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08"
    )]
    Tx(query::QueryTxArgs),
    /// Transactions found by their events (`cosmos.tx.v1beta1.Service/GetTxsEvent`,
    /// CometBFT's `tx_search`), oldest first unless `--desc`.
    #[command(
        after_help = "Example:\n  weaved query txs --events 'message.sender=weave1pafa9xct2zxsks824wuud2lpygj2vsf4p8dggy&message.action=/weave.bank.v1.MsgSend'"
    )]
    Txs(query::QueryTxsArgs),
    /// A block from CometBFT's RPC (`--node`): the latest, or the one at HEIGHT.
    #[command(after_help = "Example:\n  weaved query block 42 --node tcp://localhost:26657")]
    Block(query::QueryBlockArgs),
}

/// `weaved status`: CometBFT's status (node, latest block, catching up) from its RPC.
pub use crate::query::{run_status, StatusArgs};

/// Runs a `weaved tx` command.
pub fn run_tx(cmd: TxCmd, g: &GlobalOpts) -> anyhow::Result<()> {
    match cmd {
        TxCmd::Bank(cmd) => bank::cli::run_tx(cmd, g),
        TxCmd::Splits(cmd) => splits::run_tx(cmd, g),
        TxCmd::Content(cmd) => content::run_tx(cmd, g),
        TxCmd::Channels(cmd) => channels::run_tx(cmd, g),
        TxCmd::Validators(cmd) => validators::run_tx(cmd, g),
        TxCmd::Seeders(cmd) => seeders::run_tx(cmd, g),
        TxCmd::Social(cmd) => social::run_tx(cmd, g),
        TxCmd::Gov(cmd) => gov::run_tx(cmd, g),
        TxCmd::Sign(args) => tx_cmd::run_sign(args, g),
        TxCmd::Broadcast(args) => tx_cmd::run_broadcast(args, g),
    }
}

/// Runs a `weaved query` command.
pub fn run_query(cmd: QueryCmd, g: &GlobalOpts) -> anyhow::Result<()> {
    match cmd {
        QueryCmd::Bank(cmd) => bank::cli::run_query(cmd, g),
        QueryCmd::Auth(cmd) => query::run_auth(cmd, g),
        QueryCmd::Tx(args) => query::run_tx(args, g),
        QueryCmd::Txs(args) => query::run_txs(args, g),
        QueryCmd::Block(args) => query::run_block(args, g),
        QueryCmd::Splits(cmd) => splits::run_query(cmd, g),
        QueryCmd::Content(cmd) => content::run_query(cmd, g),
        QueryCmd::Channels(cmd) => channels::run_query(cmd, g),
        QueryCmd::Validators(cmd) => validators::run_query(cmd, g),
        QueryCmd::Seeders(cmd) => seeders::run_query(cmd, g),
        QueryCmd::Social(cmd) => social::run_query(cmd, g),
        QueryCmd::Gov(cmd) => gov::run_query(cmd, g),
    }
}

/// Runs a `weaved content` command.
pub fn run_content(cmd: ContentCmd, g: &GlobalOpts) -> anyhow::Result<()> {
    content::run(cmd, g)
}

/// Runs a `weaved channels` command.
pub fn run_channels(cmd: ChannelsCmd, g: &GlobalOpts) -> anyhow::Result<()> {
    channels::run(cmd, g)
}

#[cfg(test)]
mod tests {
    use clap::{CommandFactory, Parser};

    use super::*;

    /// The client commands as `main` mounts them.
    #[derive(Debug, Parser)]
    #[allow(clippy::large_enum_variant)] // parsed once per test
    enum Cli {
        #[command(subcommand)]
        Tx(TxCmd),
        #[command(subcommand)]
        Query(QueryCmd),
        #[command(subcommand)]
        Content(ContentCmd),
        #[command(subcommand)]
        Channels(ChannelsCmd),
    }

    const ADDR: &str = "weave1pafa9xct2zxsks824wuud2lpygj2vsf4p8dggy";

    /// Parses a command line as `weaved` would, with `ADDR` standing for an address.
    fn parse(line: &str) -> Result<Cli, clap::Error> {
        let args = line
            .split_whitespace()
            .map(|a| if a == "ADDR" { ADDR } else { a });
        Cli::try_parse_from(std::iter::once("weaved").chain(args))
    }

    #[test]
    fn commands_are_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn send_parses_with_defaults() {
        let cli = Cli::try_parse_from(["weaved", "tx", "bank", "send", "alice", ADDR, "10uweave"])
            .unwrap();
        let Cli::Tx(TxCmd::Bank(bank::cli::BankTxCmd::Send {
            from_key,
            to_address,
            amount,
            opts,
        })) = cli
        else {
            panic!("parsed as {cli:?}");
        };
        assert_eq!(
            (from_key.as_str(), to_address.as_str(), amount.as_str()),
            ("alice", ADDR, "10uweave")
        );
        assert_eq!(opts.gas, crate::tx::GasSetting::Auto);
        assert_eq!(opts.fees, None);
        assert_eq!(opts.gas_prices.to_string(), "0.025");
        assert_eq!(opts.timeout_height, 0);
        assert_eq!(opts.broadcast_mode, crate::tx::BroadcastModeArg::Sync);
        assert!(!opts.wait && !opts.yes);
    }

    #[test]
    fn send_parses_every_flag() {
        let cli = Cli::try_parse_from([
            "weaved",
            "tx",
            "bank",
            "send",
            "alice",
            ADDR,
            "10uweave",
            "--fees",
            "5000uweave",
            "--gas",
            "90000",
            "--memo",
            "hi",
            "--timeout-height",
            "99",
            "-y",
            "--broadcast-mode",
            "async",
            "--wait",
            "--chain-id",
            "c-1",
            "--from",
            "alice",
            "--node",
            "tcp://localhost:2",
            "--grpc",
            "localhost:1",
        ])
        .unwrap();
        let Cli::Tx(TxCmd::Bank(bank::cli::BankTxCmd::Send { opts, .. })) = cli else {
            panic!("parsed as {cli:?}");
        };
        assert_eq!(opts.fees, Some(5000));
        assert_eq!(opts.gas, crate::tx::GasSetting::Fixed(90_000));
        assert_eq!(opts.memo, "hi");
        assert_eq!(opts.timeout_height, 99);
        assert!(opts.yes && opts.wait);
        assert_eq!(opts.broadcast_mode, crate::tx::BroadcastModeArg::Async);
        assert_eq!(opts.chain_id.as_deref(), Some("c-1"));
        assert_eq!(
            opts.node.url(std::path::Path::new("/nonexistent")).unwrap(),
            "http://localhost:1"
        );
        assert_eq!(
            opts.node
                .rpc_url(std::path::Path::new("/nonexistent"))
                .unwrap(),
            "http://localhost:2"
        );
    }

    #[test]
    fn bad_tx_flags_are_refused() {
        let send = ["weaved", "tx", "bank", "send", "alice", ADDR, "10uweave"];
        let with = |extra: &[&str]| {
            let mut args = send.to_vec();
            args.extend_from_slice(extra);
            Cli::try_parse_from(args)
        };
        assert!(with(&["--fees", "5000uatom"]).is_err());
        assert!(with(&["--fees", "5000"]).is_err());
        assert!(with(&["--gas", "0"]).is_err());
        assert!(with(&["--gas", "lots"]).is_err());
        assert!(with(&["--gas-prices", "0.025"]).is_err());
        assert!(with(&["--gas-adjustment", "0"]).is_err());
        assert!(with(&["--broadcast-mode", "block"]).is_err());
        assert!(with(&["--fees", "1uweave", "--gas-prices", "1uweave"]).is_err());
        assert!(with(&["--fees", "1uweave"]).is_ok());
    }

    #[test]
    fn queries_parse() {
        for args in [
            vec![
                "weaved", "query", "bank", "balances", ADDR, "--denom", "uweave",
            ],
            vec!["weaved", "query", "bank", "total-supply"],
            vec!["weaved", "query", "bank", "params"],
            vec!["weaved", "query", "auth", "account", ADDR],
            vec!["weaved", "query", "tx", "AB"],
            vec![
                "weaved",
                "tx",
                "bank",
                "multi-send",
                "alice",
                "a,b",
                "1uweave",
            ],
        ] {
            Cli::try_parse_from(&args).unwrap_or_else(|e| panic!("{args:?}: {e}"));
        }
    }

    #[test]
    fn splits_and_content_commands_parse() {
        /// `weaved` and `line` split at spaces, with `ADDR` replaced by an address.
        const REGISTER: &str =
            "tx content register --file f.mp4 --title T --price 10 --price-per-gib 1";
        for line in [
            "tx splits create --recipient alice:7000 --recipient bob:3000 --controller alice --from alice",
            "tx splits update 3 --recipient alice:10000 --from alice",
            "tx splits propose-controller 3 ADDR --from alice",
            "tx splits propose-controller 3 --cancel --from alice",
            "tx splits accept-controller 3 --from bob",
            &format!("{REGISTER} --from alice"),
            &format!("{REGISTER} --split-id 4 --tier personal:1 --slice-size 4096 --from alice"),
            &format!("{REGISTER} --recipient alice:10000 --split-controller alice --tag a --tag b"),
            "tx content update 1 --title New --tag x --price 5uweave --from alice",
            "tx content retire 1 --from alice",
            "tx content purchase 1 --quantity 2 --max-total-price 100 --from bob",
            "tx content transfer 1 ADDR --quantity 1 --from bob",
            "tx content tip --content 1 5uweave --from bob",
            "tx content tip --creator ADDR 5 --from bob",
            "tx content set-subscription --price 0 --from alice",
            "tx content set-subscription --price 10 --period-blocks 100 --split-id 2 --from alice",
            "tx content subscribe ADDR --periods 2 --from bob",
            "tx content register-key --from bob",
            "tx content deliver-key 1 ADDR --from alice",
            "query splits params",
            "query splits split 3",
            "query splits preview 3 1000uweave",
            "query content params",
            "query content get 1",
            "query content by-root ab",
            "query content by-creator ADDR --page-key 00ff --limit 5",
            "query content by-tag film",
            "query content feed --limit 3",
            "query content access 1 ADDR",
            "query content price-history 1",
            "query content terms ADDR",
            "query content subscription ADDR ADDR",
            "query content subscriptions ADDR",
            "query content buyer-key ADDR",
            "query content sealed-key 1 ADDR",
            "query content pending-keys ADDR",
            "content key 1 --from bob --out k.hex",
            "content serve-keys --from alice --once",
            "content serve-keys --from alice --interval 5",
            "tx channels open --deposit 1000uweave --expiry-height 500 --from alice",
            "tx channels open --deposit 1000 --expires-in 100 --collateral 50 --from alice --wait",
            "tx channels top-up 1 500uweave --from alice",
            "tx channels close 1 --from alice",
            "tx channels claim --voucher-file a.json --from bob",
            "tx channels claim --voucher-file a.json b.json --voucher-file c.json --from bob",
            "query channels params",
            "query channels channel 1",
            "query channels lanes 1 --page-key 00ff --limit 5",
            "query channels lane 1 ADDR ab",
            "query channels earnings ADDR",
            "channels sign-voucher --from alice --channel 1 --seeder ADDR --content-root ab --bytes 10 --amount 5 --nonce 1",
            "channels sign-voucher --from alice --channel 1 --seeder bob --content-root ab --bytes 0 --amount 5uweave --nonce 2 --out v.json --chain-id c",
        ] {
            parse(line).unwrap_or_else(|e| panic!("{line}: {e}"));
        }
        for line in [
            // A recipient without a share, a share out of range, no recipients.
            "tx splits create --recipient alice --from a",
            "tx splits create --recipient alice:0 --from a",
            "tx splits create --from a",
            // A new controller and --cancel, or neither.
            "tx splits propose-controller 3 ADDR --cancel",
            "tx splits propose-controller 3",
            // An existing split with new recipients or a controller for them.
            &format!("{REGISTER} --split-id 4 --recipient alice:10000"),
            &format!("{REGISTER} --split-id 4 --split-controller alice"),
            // A zero price, a tier without a threshold.
            "tx content register --file f --title T --price 0 --price-per-gib 1",
            &format!("{REGISTER} --tier personal"),
            // A tip needs exactly one target.
            "tx content tip 5uweave",
            "tx content tip --content 1 --creator ADDR 5uweave",
            "tx content purchase 1 --quantity 0",
            "tx content update 1 --tag a --clear-tags",
            "content serve-keys --from alice --interval 0",
            // A channel needs a deposit and exactly one way to give its expiry.
            "tx channels open --expiry-height 500 --from alice",
            "tx channels open --deposit 0 --expiry-height 500 --from alice",
            "tx channels open --deposit 10",
            "tx channels open --deposit 10 --expiry-height 5 --expires-in 5",
            "tx channels open --deposit 10 --expires-in 0",
            "tx channels top-up 1 0",
            "tx channels claim --from bob",
            "channels sign-voucher --from alice --channel 1 --seeder ADDR --content-root ab --bytes 1 --amount 1 --nonce 0",
            "channels sign-voucher --channel 1 --seeder ADDR --content-root ab --bytes 1 --amount 1 --nonce 1",
        ] {
            assert!(parse(line).is_err(), "{line} accepted");
        }
    }

    #[test]
    fn social_commands_parse() {
        for line in [
            "tx social set-profile alice --display-name Alice --bio hi --link https://a.example --link https://b.example --avatar 3 --from alice",
            "tx social set-profile bob --from bob --wait",
            "tx social follow ADDR --from alice",
            "tx social unfollow bob --from alice",
            "tx social react 1 love --from alice",
            "tx social react 1 REACTION_KIND_WOW --from alice",
            "tx social unreact 1 --from alice",
            "tx social comment 1 hello --from alice --wait",
            "tx social comment 1 thanks --reply-to 4 --from bob",
            "tx social hide-comment 4 --from alice",
            "tx social hide-comment 4 --unhide --from alice",
            "query social params",
            "query social profile @alice",
            "query social profile ADDR",
            "query social following alice --limit 5",
            "query social followers ADDR --page-key 00ff",
            "query social reactions 1 --reactor bob",
            "query social comments 1 --limit 10",
            "query social comments 1 --replies-to 4",
            "query social views 1 --viewer bob",
        ] {
            parse(line).unwrap_or_else(|e| panic!("{line}: {e}"));
        }
        for line in [
            "tx social react 1 meh --from alice",
            "tx social react 1 unspecified --from alice",
            "tx social comment 1 --from alice",
            "tx social follow --from alice",
            "query social views",
        ] {
            assert!(parse(line).is_err(), "{line} accepted");
        }
    }

    #[test]
    fn validators_commands_parse() {
        for line in [
            "tx validators create --amount 100000000uweave --from v",
            "tx validators create --amount 100000000 --pubkey AAAA --moniker n --identity i --website w --details d --commission-rate 500 --commission-max-rate 1000 --commission-max-change-rate 50 --min-self-delegation 10 --from v --wait",
            "tx validators edit --moniker m --from v",
            "tx validators edit --commission-rate 600 --from v",
            "tx validators edit --min-self-delegation 5uweave --from v",
            "tx validators edit --website w --details d --identity i --from v",
            "tx validators delegate ADDR 10uweave --from alice",
            "tx validators delegate node1 10 --from alice",
            "tx validators undelegate ADDR 10 --from alice",
            "tx validators redelegate ADDR node2 10 --from alice",
            "tx validators unjail --from v",
            "tx validators withdraw-rewards --from alice",
            "tx validators withdraw-rewards ADDR --from alice",
            "query validators list",
            "query validators list --status bonded --limit 5 --page-key 00ff",
            "query validators show ADDR",
            "query validators set",
            "query validators delegations alice",
            "query validators rewards alice",
            "query validators rewards alice ADDR",
            "query validators signing-info ADDR",
            "query validators params",
            "query validators totals",
        ] {
            parse(line).unwrap_or_else(|e| panic!("{line}: {e}"));
        }
        for line in [
            // A self-bond is required and positive; rates are basis points.
            "tx validators create --from v",
            "tx validators create --amount 0 --from v",
            "tx validators create --amount 1 --commission-rate 0.1 --from v",
            "tx validators create --amount 1 --commission-rate 10001 --from v",
            // An edit changes something.
            "tx validators edit --from v",
            "tx validators delegate ADDR 0 --from alice",
            "tx validators undelegate ADDR --from alice",
            "tx validators redelegate ADDR 10 --from alice",
            "query validators list --status jailed",
            "query validators show",
        ] {
            assert!(parse(line).is_err(), "{line} accepted");
        }
    }

    #[test]
    fn gov_commands_parse() {
        for line in [
            "tx gov draft-proposal",
            "tx gov draft-proposal --type update-params --module validators --out p.json",
            "tx gov draft-proposal --module auth",
            "tx gov draft-proposal --type update-params --module seeders",
            "tx gov draft-proposal --type community-pool-spend --recipient ADDR --amount 5uweave",
            "tx gov draft-proposal --type software-upgrade --upgrade-name v2 --upgrade-height 900",
            "tx gov submit-proposal p.json --from alice",
            "tx gov submit-proposal p.json --from alice --wait --gas 400000",
            "tx gov deposit 1 5000000uweave --from alice",
            "tx gov deposit 1 5000000 --from alice --wait",
            "tx gov vote 1 yes --from validator",
            "tx gov vote 1 no-with-veto --from validator --metadata why",
            "tx gov vote-weighted 1 yes=0.6,no=0.4 --from alice",
            "tx gov vote-weighted 1 yes=6000,no=4000 --from alice",
            "query gov proposals",
            "query gov proposals --status voting --limit 5 --page-key 00ff",
            "query gov proposal 1",
            "query gov votes 1",
            "query gov votes 1 --voter ADDR",
            "query gov deposits 1 --depositor alice",
            "query gov tally 1",
            "query gov params",
            "query gov upgrade-plan",
        ] {
            parse(line).unwrap_or_else(|e| panic!("{line}: {e}"));
        }
        for line in [
            "tx gov draft-proposal --type text",
            "tx gov draft-proposal --module nothing",
            "tx gov submit-proposal --from alice",
            "tx gov deposit 1 0 --from alice",
            "tx gov deposit 1 --from alice",
            "tx gov vote 1 maybe --from alice",
            "tx gov vote 1 --from alice",
            "tx gov vote-weighted 1 yes=0.6,no=0.3 --from alice",
            "tx gov vote-weighted 1 yes=6000 --from alice",
            "query gov proposals --status open",
            "query gov proposal",
            "query gov proposal x",
        ] {
            assert!(parse(line).is_err(), "{line} accepted");
        }
    }

    #[test]
    fn seeders_commands_parse() {
        fn parse(line: &str) -> Result<Cli, clap::Error> {
            let root = "ab".repeat(32);
            let args = line.split_whitespace().map(|a| match a {
                "ADDR" => ADDR.to_string(),
                "ROOT" => root.clone(),
                other => other.to_string(),
            });
            Cli::try_parse_from(std::iter::once("weaved".to_string()).chain(args))
        }
        const PEER: &str = "12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN";
        for line in [
            "tx seeders bond 10000000uweave --content 1 --from alice",
            "tx seeders bond 10000000 --content 1 --content ROOT --from alice --wait",
            &format!("tx seeders bond 10000000 --content 1 --peer-id {PEER} --addr /ip4/1.2.3.4/tcp/4001 --addr /dns4/x/tcp/1 --from alice"),
            "tx seeders update --add-bond 5000000uweave --from alice",
            "tx seeders update --content 2 --content ROOT --from alice",
            &format!("tx seeders update --peer-id {PEER} --from alice"),
            "tx seeders update --addr /ip4/1.2.3.4/tcp/4001 --from alice",
            "tx seeders update --sidecar --content 1 --from alice",
            "tx seeders unbond --from alice --wait",
            "tx seeders unjail --from alice",
            "tx seeders report-bad-slice --seeder ADDR --root ROOT --index 3 --ciphertext-hash ROOT --proof 0102 --signature ab --from carol",
            "tx seeders report-bad-slices --evidence e.json --from carol",
            "tx seeders report-bad-slices --from carol --gas 300000",
            "query seeders list",
            "query seeders list --sort reputation --active-only --limit 5 --page-key 0000000000000005",
            "query seeders list --sort address",
            "query seeders show alice",
            "query seeders show ADDR",
            &format!("query seeders by-peer {PEER}"),
            "query seeders epoch alice",
            "query seeders probe-round",
            "query seeders probe-round --height 120",
            "query seeders params",
            "query seeders evidence",
        ] {
            parse(line).unwrap_or_else(|e| panic!("{line}: {e}"));
        }
        let cli = parse("tx seeders bond 10uweave --content 7 --content ROOT --from a").unwrap();
        let Cli::Tx(TxCmd::Seeders(seeders::SeedersTxCmd::Bond {
            amount, contents, ..
        })) = cli
        else {
            panic!("parsed as {cli:?}");
        };
        assert_eq!(amount, 10);
        assert_eq!(
            contents,
            vec![
                seeders::ContentRef::Id(7),
                seeders::ContentRef::Root([0xab; 32])
            ]
        );
        for line in [
            // A bond is positive and names at least one content, each an id or a root.
            "tx seeders bond --content 1 --from alice",
            "tx seeders bond 0 --content 1 --from alice",
            "tx seeders bond 10 --from alice",
            "tx seeders bond 10 --content abc --from alice",
            "tx seeders bond 10 --content -1 --from alice",
            // An update changes something; the sidecar's identity or a given one.
            "tx seeders update --from alice",
            "tx seeders update --add-bond 0 --from alice",
            &format!("tx seeders update --sidecar --peer-id {PEER} --from alice"),
            "tx seeders update --sidecar --addr /ip4/1.2.3.4/tcp/1 --from alice",
            "tx seeders unbond ADDR --from alice",
            // A report needs every field.
            "tx seeders report-bad-slice --seeder ADDR --root ROOT --index 3 --ciphertext-hash ROOT --proof 01 --from carol",
            "tx seeders report-bad-slice --seeder ADDR --root ROOT --index x --ciphertext-hash ROOT --proof 01 --signature ab --from carol",
            "tx seeders report-bad-slices --evidence",
            "query seeders list --sort bond",
            "query seeders list --limit x",
            "query seeders show",
            "query seeders by-peer",
            "query seeders epoch",
            "query seeders probe-round --height x",
        ] {
            assert!(parse(line).is_err(), "{line} accepted");
        }
    }

    #[test]
    fn cosmos_conventions_parse() {
        for line in [
            "query txs --events message.sender=ADDR",
            "query txs --events message.sender=ADDR&message.action=/weave.bank.v1.MsgSend --page 2 --limit 5 --desc",
            "query txs --events message.sender=ADDR --events tx.height=5",
            "query txs --query tx.height>5",
            "query block",
            "query block 42 --node tcp://localhost:26657",
            "query bank balances ADDR --height 7 --grpc localhost:9090",
            "query bank balances ADDR --denom uweave --height 7",
            "query auth account ADDR --height 7",
            "query content get 1 --node http://127.0.0.1:26657 --grpc http://127.0.0.1:9090",
        ] {
            parse(line).unwrap_or_else(|e| panic!("{line}: {e}"));
        }
        for line in [
            "query txs",
            "query txs --events a.b=c --query a.b=c",
            "query txs --events a.b=c --limit 101",
            "query txs --events a.b=c --page 0",
            "query block x",
            "query bank balances ADDR --height 0",
            "query bank balances ADDR --height x",
            // --height only where the node answers at past heights.
            "query content feed --height 5",
            "tx bank send alice ADDR 1uweave --height 5",
        ] {
            assert!(parse(line).is_err(), "{line} accepted");
        }
        let Cli::Query(QueryCmd::Bank(bank::cli::BankQueryCmd::Balances { at, .. })) =
            parse("query bank balances ADDR --height 7").unwrap()
        else {
            panic!("not balances");
        };
        assert_eq!(at.height, Some(7));
    }

    #[test]
    fn every_command_has_an_example() {
        fn walk(cmd: &clap::Command, path: &str) {
            let path = format!("{path} {}", cmd.get_name());
            if cmd.has_subcommands() {
                for sub in cmd.get_subcommands() {
                    walk(sub, &path);
                }
            } else {
                let help = cmd
                    .get_after_help()
                    .map(|h| h.to_string())
                    .unwrap_or_default();
                assert!(
                    help.starts_with("Example:\n  weaved "),
                    "{path} has no example"
                );
            }
        }
        walk(&Cli::command(), "");
    }
}
