//! The load tool (placeholder until it lands).

use crate::GlobalOpts;

/// `weaved load` arguments.
#[derive(Debug, clap::Args)]
pub(crate) struct LoadArgs {}

pub(crate) fn run(_args: LoadArgs, _g: &GlobalOpts) -> anyhow::Result<()> {
    anyhow::bail!("the load tool is not built yet")
}
