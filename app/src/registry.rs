//! The one list of the chain's modules, in the order their genesis, begin-block and
//! end-block hooks run, and the wiring between them (each module reaches another only
//! through the narrow traits of `weave_kernel::expected`).
//!
//! Everything else is derived from this list through the [`Router`](crate::router::Router)
//! it feeds: message routing by type URL, query routing by path, gov's table of the
//! messages a proposal may execute, the gRPC services the node forwards and reflects.
//! A new module is its crate plus its line here.

use std::sync::Arc;

use weave_bank::{BankModule, Keeper as BankKeeper};
use weave_channels::ChannelsModule;
use weave_content::ContentModule;
use weave_gov::GovModule;
use weave_kernel::Module;
use weave_seeders::SeedersModule;
use weave_splits::SplitsModule;
use weave_validators::{StakeView, ValidatorsModule};

use crate::{auth::AuthModule, gov_exec::GovExecutor};

/// The chain's modules, wired, with what the application itself keeps of them.
pub(crate) struct Registry {
    /// The modules, in hook order.
    pub(crate) modules: Vec<Arc<dyn Module>>,
    /// The bank keeper, for the ante checks (fees, accounts, sequences).
    pub(crate) bank: BankKeeper,
    /// Gov's executor of passed proposals, to bind once the router exists.
    pub(crate) gov_exec: Arc<GovExecutor>,
}

/// Builds and wires every module.
pub(crate) fn registry() -> Registry {
    let bank = BankModule::new();
    let keeper = bank.keeper();
    let splits = SplitsModule::new(Arc::new(keeper));
    let content = ContentModule::new(Arc::new(splits.keeper()));
    let channels = ChannelsModule::new(
        Arc::new(keeper),
        Arc::new(splits.keeper()),
        Arc::new(weave_content::Registry),
    )
    .with_paid_bandwidth(Arc::new(weave_seeders::BandwidthLedger))
    .with_seeders_params(Arc::new(weave_seeders::ParamsView));
    let seeders = SeedersModule::new(
        Arc::new(keeper),
        Arc::new(weave_content::Registry),
        Arc::new(weave_channels::ParamsView),
    );
    let validators = ValidatorsModule::new(Arc::new(keeper));
    let gov_exec = Arc::new(GovExecutor::default());
    let gov = GovModule::new(Arc::new(keeper), Arc::new(StakeView), gov_exec.clone());
    let modules: Vec<Arc<dyn Module>> = vec![
        Arc::new(AuthModule),
        Arc::new(bank),
        Arc::new(splits),
        Arc::new(content),
        Arc::new(channels),
        // After channels: its genesis checks the unbonding period against the
        // channels challenge period.
        Arc::new(seeders),
        Arc::new(validators),
        Arc::new(gov),
    ];
    Registry {
        modules,
        bank: keeper,
        gov_exec,
    }
}
