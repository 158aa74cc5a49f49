//! The one list of the chain's modules, in the order their genesis, begin-block and
//! end-block hooks run, and the wiring between them (each module reaches another only
//! through the narrow traits of `weave_kernel::expected`).
//!
//! Everything per module is derived from this list: the application's message routing
//! by type URL and query routing by path, gov's table of the messages a proposal may
//! execute, the gRPC services the node forwards and reflects, and the genesis
//! document's sections (each module parses, validates and defaults its own). A new
//! module is its crate plus its line here (and its dependency line in this crate's
//! `Cargo.toml`).

use std::sync::Arc;

use weave_bank::{BankModule, Keeper as BankKeeper};
use weave_channels::ChannelsModule;
use weave_content::ContentModule;
use weave_gov::GovModule;
use weave_kernel::{expected::MessageRouter, Module};
use weave_seeders::SeedersModule;
use weave_social::SocialModule;
use weave_splits::SplitsModule;
use weave_validators::{StakeView, ValidatorsModule};

/// The chain's modules, wired, with what the application keeps of them besides.
pub struct Registry {
    /// The modules, in hook order.
    pub modules: Vec<Arc<dyn Module>>,
    /// The bank keeper, for the ante checks (fees, accounts, sequences).
    pub bank: BankKeeper,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<_> = self.modules.iter().map(|m| m.name()).collect();
        f.debug_struct("Registry").field("modules", &names).finish()
    }
}

/// Builds and wires every module. `proposals` routes the messages of passed gov
/// proposals back to the modules (the application binds it to its router once that
/// exists).
pub fn registry(proposals: Arc<dyn MessageRouter>) -> Registry {
    let bank = BankModule::new();
    let keeper = bank.keeper();
    let splits = SplitsModule::new(Arc::new(keeper));
    // Verified views: purchases (content) and claimed vouchers (channels) report to
    // the social module's ledger through the kernel's `PaidViews` trait, so neither
    // depends on the social crate.
    let views = Arc::new(weave_social::ViewLedger::new(Arc::new(
        weave_content::Registry,
    )));
    let content = ContentModule::new(Arc::new(splits.keeper())).with_paid_views(views.clone());
    let channels = ChannelsModule::new(
        Arc::new(keeper),
        Arc::new(splits.keeper()),
        Arc::new(weave_content::Registry),
    )
    .with_paid_bandwidth(Arc::new(weave_seeders::BandwidthLedger))
    .with_seeders_params(Arc::new(weave_seeders::ParamsView))
    .with_paid_views(views);
    let seeders = SeedersModule::new(
        Arc::new(keeper),
        Arc::new(weave_content::Registry),
        Arc::new(weave_channels::ParamsView),
    );
    let social = SocialModule::new(Arc::new(keeper), Arc::new(weave_content::Registry));
    let validators = ValidatorsModule::new(Arc::new(keeper));
    let gov = GovModule::new(Arc::new(keeper), Arc::new(StakeView), proposals);
    let modules: Vec<Arc<dyn Module>> = vec![
        Arc::new(weave_auth::AuthModule),
        Arc::new(bank),
        Arc::new(splits),
        Arc::new(content),
        Arc::new(channels),
        // After channels: its genesis checks the unbonding period against the
        // channels challenge period.
        Arc::new(seeders),
        Arc::new(social),
        Arc::new(validators),
        Arc::new(gov),
    ];
    Registry {
        modules,
        bank: keeper,
    }
}

/// The modules for work that routes no proposal (checking a genesis document, listing
/// names): gov's proposals route nowhere.
pub fn modules() -> Vec<Arc<dyn Module>> {
    registry(Arc::new(NoProposals)).modules
}

/// A proposal router that executes nothing.
#[derive(Debug, Clone, Copy)]
struct NoProposals;

impl MessageRouter for NoProposals {
    fn can_execute(&self, _type_url: &str) -> bool {
        false
    }

    fn execute(
        &self,
        _ctx: &mut weave_kernel::Ctx<'_>,
        msg: &weave_kernel::Any,
    ) -> Result<(), weave_kernel::TxError> {
        Err(weave_kernel::KernelError::UnknownMessage(msg.type_url.clone()).into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_modules_are_listed_once_in_hook_order() {
        let names: Vec<_> = modules().iter().map(|m| m.name()).collect();
        assert_eq!(
            names,
            [
                "auth",
                "bank",
                "splits",
                "content",
                "channels",
                "seeders",
                "social",
                "validators",
                "gov"
            ]
        );
    }
}
