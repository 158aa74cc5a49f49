//! `weave-sim SCENARIO.toml [--out FILE.csv] [--charts DIR]`: plays a scenario on the
//! real Weave application in process, writes one CSV row per epoch and strategy
//! (profit, reputation, bond, bytes, jailed, slashed, community pool) and three SVG
//! charts (profit per epoch, reputation, community pool), and one row per agent and
//! epoch in `<out>.agents.csv`. Without `--out` the CSV is
//! `<scenario name>.csv` in the current directory; the charts go next to the CSV unless
//! `--charts` says where.
//!
//! `weave-sim sweep SWEEP.toml [--out FILE.csv]`: runs a scenario over a grid of
//! parameters and writes one CSV row per point, with whether it is safe.

use std::path::PathBuf;

use anyhow::{bail, Context};

const USAGE: &str = "usage: weave-sim SCENARIO.toml [--out FILE.csv] [--charts DIR]\n       weave-sim sweep SWEEP.toml [--out FILE.csv]";

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1).peekable();
    let sweep = args.peek().is_some_and(|a| a == "sweep");
    if sweep {
        args.next();
    }
    let mut input: Option<PathBuf> = None;
    let mut out: Option<PathBuf> = None;
    let mut charts: Option<PathBuf> = None;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--out" | "-o" => out = Some(args.next().context("--out needs a file")?.into()),
            "--charts" => charts = Some(args.next().context("--charts needs a directory")?.into()),
            "--help" | "-h" => {
                println!("{USAGE}");
                return Ok(());
            }
            _ if input.is_none() => input = Some(a.into()),
            _ => bail!("unexpected argument {a:?}\n{USAGE}"),
        }
    }
    let Some(path) = input else {
        bail!("{USAGE}");
    };
    if sweep {
        let (sweep, base) = weave_sim::sweep::Sweep::load(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        let points = sweep.run(&base, |p| {
            println!(
                "{:?}: self-dealer {} honest {} free-riders {} caught by {:?} honest slashed {} pool {:?} r {:?} safe {}",
                p.values,
                p.self_dealer_profit,
                p.honest_profit,
                p.free_rider_profit,
                p.cheats_caught_by,
                p.honest_slashed,
                p.pool,
                p.honest_r,
                p.safe
            );
        })?;
        let out = out.unwrap_or_else(|| PathBuf::from("sweep.csv"));
        let file =
            std::fs::File::create(&out).with_context(|| format!("creating {}", out.display()))?;
        weave_sim::sweep::write_csv(&points, std::io::BufWriter::new(file))?;
        println!("wrote {}", out.display());
        return Ok(());
    }
    let scenario =
        weave_sim::Scenario::load(&path).with_context(|| format!("reading {}", path.display()))?;
    let report = weave_sim::run(&scenario)?;
    let out = out.unwrap_or_else(|| PathBuf::from(format!("{}.csv", scenario.name)));
    let file =
        std::fs::File::create(&out).with_context(|| format!("creating {}", out.display()))?;
    report.write_csv(std::io::BufWriter::new(file))?;
    let agents_out = out.with_extension("agents.csv");
    let file = std::fs::File::create(&agents_out)
        .with_context(|| format!("creating {}", agents_out.display()))?;
    report.write_agents_csv(std::io::BufWriter::new(file))?;
    let dir = charts.unwrap_or_else(|| {
        out.parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), PathBuf::from)
    });
    std::fs::create_dir_all(&dir)?;
    let svgs = weave_sim::chart::write_charts(&report, &dir)?;
    print!("{}", report.summary());
    println!("wrote {}", out.display());
    println!("wrote {}", agents_out.display());
    for s in svgs {
        println!("wrote {}", s.display());
    }
    Ok(())
}
