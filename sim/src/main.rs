//! `weave-sim SCENARIO.toml [--out FILE.csv]`: plays a scenario on the real Weave
//! application in process and writes one CSV row per epoch and strategy (profit,
//! reputation, community pool). Without `--out` the CSV is `<scenario name>.csv` in the
//! current directory.

use std::path::PathBuf;

use anyhow::{bail, Context};

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let mut scenario: Option<PathBuf> = None;
    let mut out: Option<PathBuf> = None;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--out" | "-o" => out = Some(args.next().context("--out needs a file")?.into()),
            "--help" | "-h" => {
                println!("usage: weave-sim SCENARIO.toml [--out FILE.csv]");
                return Ok(());
            }
            _ if scenario.is_none() => scenario = Some(a.into()),
            _ => bail!("unexpected argument {a:?}"),
        }
    }
    let Some(path) = scenario else {
        bail!("usage: weave-sim SCENARIO.toml [--out FILE.csv]");
    };
    let scenario =
        weave_sim::Scenario::load(&path).with_context(|| format!("reading {}", path.display()))?;
    let report = weave_sim::run(&scenario)?;
    let out = out.unwrap_or_else(|| PathBuf::from(format!("{}.csv", scenario.name)));
    let file =
        std::fs::File::create(&out).with_context(|| format!("creating {}", out.display()))?;
    report.write_csv(std::io::BufWriter::new(file))?;
    print!("{}", report.summary());
    println!("wrote {}", out.display());
    Ok(())
}
