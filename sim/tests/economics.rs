//! The small scenario at default economic params (issue 21): self-dealing loses money,
//! honest seeders earn in proportion to the bytes claims verified for them, free-riders
//! and corrupt seeders earn nothing and are jailed or slashed within a bounded number
//! of epochs, cheating viewers get at most one unpaid chunk a channel, no strategy
//! drains the community pool, and a run is deterministic for its seed. Run with
//! `--nocapture` to see the figures.

use weave_sim::{run, Report, Scenario, Strategy};

fn small() -> Scenario {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/small.toml");
    Scenario::load(&path).expect("the small scenario loads")
}

/// Epochs within which every free-rider and corrupt seeder must be jailed or slashed.
const CAUGHT_WITHIN: u64 = 3;
/// The seeders params that decide whether and when a free-rider is caught; the small
/// scenario leaves every one of them at its default, so the bound above holds at
/// default params.
const PROBE_PARAMS: [&str; 7] = [
    "probe_interval_blocks",
    "probe_report_delay_blocks",
    "challenges_per_validator",
    "probe_fail_jail_threshold",
    "min_probe_failers",
    "probe_fail_slash_bps",
    "jail_blocks",
];
/// The least Pearson r between an honest seeder's profit and its verified bytes.
const MIN_R: f64 = 0.9;

fn check(report: &Report, epochs: u64) {
    // Self-dealing loses money, though it does earn reputation.
    let dealer = report
        .last(Strategy::SelfDealer)
        .expect("a self-dealer row");
    assert_eq!(dealer.epoch, epochs);
    assert!(
        dealer.profit_total < 0,
        "self-dealing gained {}",
        dealer.profit_total
    );
    assert!(
        dealer.reputation > 0,
        "the self-dealer earned no reputation"
    );

    // Honest seeders earn, each of them, in proportion to verified bytes.
    for a in report.final_agents(Strategy::HonestSeeder) {
        assert!(
            a.profit_total > 0,
            "honest seeder {} lost {}",
            a.index,
            a.profit_total
        );
        assert!(
            a.reputation > 0,
            "honest seeder {} has no reputation",
            a.index
        );
        assert!(
            !a.jailed && a.slashed == 0,
            "honest seeder {} was punished",
            a.index
        );
    }
    let r = report.honest_correlation().expect("enough honest points");
    assert!(r >= MIN_R, "Pearson r {r} below {MIN_R}");

    // Free-riders and corrupt seeders earn nothing and are caught in time: a
    // free-rider (bonds, never serves) has no bad slice to be reported for, so only the
    // probes can catch it, and they must jail and slash it within CAUGHT_WITHIN epochs
    // although a lazy validator passes everything and a colluding one passes it.
    for st in [Strategy::FreeRider, Strategy::CorruptSeeder] {
        let agents = report.final_agents(st);
        assert!(!agents.is_empty(), "no {}", st.name());
        for a in &agents {
            assert!(
                a.profit_total < 0,
                "{} {} earned {}",
                st.name(),
                a.index,
                a.profit_total
            );
            assert_eq!(a.bytes, 0);
        }
        for (i, caught) in report.first_caught(st).iter().enumerate() {
            let e =
                caught.unwrap_or_else(|| panic!("{} {i} was never jailed or slashed", st.name()));
            assert!(
                e <= CAUGHT_WITHIN,
                "{} {i} caught only at epoch {e}",
                st.name()
            );
        }
        let row = report.last(st).expect("a row");
        assert!(row.slashed > 0, "{} never slashed", st.name());
    }
    // Every epoch a free-rider or corrupt seeder earned nothing from the pool: its
    // profit in an epoch is never positive.
    for a in report
        .agents
        .iter()
        .filter(|a| matches!(a.strategy, Strategy::FreeRider | Strategy::CorruptSeeder))
    {
        assert!(
            a.profit_epoch <= 0,
            "{} earned {} in epoch {}",
            a.strategy.name(),
            a.profit_epoch,
            a.epoch
        );
    }

    // Cheating viewers get at most one unpaid MiB a channel, and the chain refused the
    // replayed voucher.
    for a in report
        .agents
        .iter()
        .filter(|a| a.strategy == Strategy::CheatingViewer)
    {
        assert!(
            a.unpaid_bytes <= 1 << 20,
            "cheater got {} unpaid bytes in epoch {}",
            a.unpaid_bytes,
            a.epoch
        );
    }
    assert!(report.counters.replays_refused > 0, "no replay was tried");
    assert_eq!(
        report.counters.replays_accepted, 0,
        "a replayed voucher paid"
    );
    assert!(
        report.counters.probe_rounds > 0,
        "no probe round was reported"
    );

    // The pool never falls.
    let (pool0, _) = report.pool();
    assert_eq!(
        report.pool_low(),
        pool0,
        "the pool fell below its genesis balance"
    );
    let mut prev = pool0;
    for r in report
        .rows
        .iter()
        .filter(|r| r.strategy == Strategy::Creator)
    {
        assert!(r.community_pool >= prev, "pool fell at epoch {}", r.epoch);
        prev = r.community_pool;
    }
}

#[test]
fn the_small_scenario_holds_and_is_deterministic_for_its_seed() {
    let scenario = small();
    let seeders = scenario.params.get("seeders").cloned().unwrap_or_default();
    for p in PROBE_PARAMS {
        assert!(
            !seeders.contains_key(p),
            "the small scenario sets seeders.{p}: free-riders must be caught at default params"
        );
    }
    let report = run(&scenario).expect("the scenario runs");
    println!("{}", report.csv());
    println!("{}", report.summary());
    check(&report, scenario.epochs);

    let again = run(&scenario).expect("runs again");
    assert_eq!(report.csv(), again.csv(), "same seed, different CSV");
    assert_eq!(report, again);

    let dir = tempfile::tempdir().expect("a temp dir");
    let svgs = weave_sim::chart::write_charts(&report, dir.path()).expect("charts");
    assert_eq!(svgs.len(), 3);
    for svg in svgs {
        let text = std::fs::read_to_string(&svg).expect("an svg");
        assert!(
            text.starts_with("<svg") && text.contains("polyline"),
            "{}",
            svg.display()
        );
    }
}

#[test]
fn another_seed_changes_the_run() {
    let scenario = Scenario {
        epochs: 2,
        ..small()
    };
    let a = run(&scenario).expect("runs");
    let other = run(&Scenario {
        seed: scenario.seed + 1,
        ..scenario.clone()
    })
    .expect("runs with another seed");
    assert_ne!(a.csv(), other.csv(), "the seed changes the run");
}

#[test]
fn bad_scenarios_are_refused() {
    assert!(Scenario::from_toml("seed = 1\nepochs = 1\n").is_err());
    let text =
        "seed = 1\nepochs = 1\n[population]\ncreators = 1\nviewers = 1\nhonest_seeders = 1\n";
    assert!(Scenario::from_toml(text).is_ok());
    let lazy = text.replace(
        "honest_seeders = 1\n",
        "honest_seeders = 1\nvalidators = 1\nlazy_validators = 2\n",
    );
    assert!(Scenario::from_toml(&lazy).is_err());
    let unknown = format!("{text}[params.seeders]\nno_such_param = 3\n");
    let s = Scenario::from_toml(&unknown).expect("parses");
    assert!(run(&s).is_err(), "an unknown param is refused");
}
