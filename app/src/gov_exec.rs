//! How passed proposals reach the modules: the gov module's [`MessageRouter`].
//!
//! A proposal may only carry the messages a module lists in
//! [`Module::governance_message_types`], and each must name the gov authority as its
//! only signer. The executor holds weak references to the modules, so the gov module
//! (which holds the executor) and the router (which holds the gov module) form no
//! cycle.

use std::{
    collections::BTreeMap,
    sync::{Arc, OnceLock, Weak},
};

use weave_kernel::{
    expected::MessageRouter, gov_authority, Any, Ctx, KernelError, Module, TxError,
};

use crate::router::Router;

/// Routes a passed proposal's messages to their modules, as the gov authority.
#[derive(Default)]
pub(crate) struct GovExecutor {
    routes: OnceLock<BTreeMap<&'static str, Weak<dyn Module>>>,
}

impl std::fmt::Debug for GovExecutor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let types: Vec<_> = self
            .routes
            .get()
            .map(|r| r.keys().copied().collect())
            .unwrap_or_default();
        f.debug_struct("GovExecutor")
            .field("types", &types)
            .finish()
    }
}

impl GovExecutor {
    /// Binds the executor to the application's modules, once they all exist.
    pub(crate) fn bind(&self, router: &Router) {
        let mut routes = BTreeMap::new();
        for module in router.modules() {
            for &t in module.governance_message_types() {
                // Only types the module really handles can be executed.
                if module.message_types().contains(&t) {
                    routes.insert(t, Arc::downgrade(module));
                }
            }
        }
        // Bound once, at application start; a second bind changes nothing.
        let _ = self.routes.set(routes);
    }

    fn module(&self, type_url: &str) -> Option<Arc<dyn Module>> {
        self.routes.get()?.get(type_url)?.upgrade()
    }
}

impl MessageRouter for GovExecutor {
    fn can_execute(&self, type_url: &str) -> bool {
        self.module(type_url).is_some()
    }

    fn execute(&self, ctx: &mut Ctx<'_>, msg: &Any) -> Result<(), TxError> {
        let module = self
            .module(&msg.type_url)
            .ok_or_else(|| KernelError::UnknownMessage(msg.type_url.clone()))?;
        let decoded = module.decode_message(msg)?;
        let authority = gov_authority();
        if decoded.signers() != [authority].as_slice() {
            return Err(KernelError::Unauthorized(format!(
                "{}: a proposal's message must be signed by the gov authority {authority} alone",
                msg.type_url
            ))
            .into());
        }
        module.handle_message(ctx, decoded)
    }
}
