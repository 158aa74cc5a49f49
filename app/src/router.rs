//! Routes messages and queries to the module that owns them.

use std::{collections::BTreeMap, sync::Arc};

use weave_kernel::Module;

/// The modules of the chain, in the order their genesis, begin-block and end-block
/// hooks run, with lookup tables for message types and query paths.
#[derive(Clone, Default)]
pub struct Router {
    modules: Vec<Arc<dyn Module>>,
    by_type: BTreeMap<&'static str, usize>,
    by_query: BTreeMap<&'static str, usize>,
}

impl std::fmt::Debug for Router {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<_> = self.modules.iter().map(|m| m.name()).collect();
        f.debug_struct("Router").field("modules", &names).finish()
    }
}

/// Why a set of modules cannot form a router.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RouterError {
    /// Two modules claim the same message type or query path, or the same name.
    #[error("{what} {name:?} is claimed by modules {first:?} and {second:?}")]
    Conflict {
        /// "message type", "query path" or "module name".
        what: &'static str,
        /// The contested name.
        name: String,
        /// The first module.
        first: &'static str,
        /// The second module.
        second: &'static str,
    },
}

impl Router {
    /// Builds a router, refusing modules that claim the same names.
    pub fn new(modules: Vec<Arc<dyn Module>>) -> Result<Self, RouterError> {
        let mut r = Router::default();
        let mut names: BTreeMap<&'static str, usize> = BTreeMap::new();
        for (i, m) in modules.iter().enumerate() {
            if let Some(&j) = names.get(m.name()) {
                return Err(RouterError::Conflict {
                    what: "module name",
                    name: m.name().into(),
                    first: modules[j].name(),
                    second: m.name(),
                });
            }
            names.insert(m.name(), i);
            for t in m.message_types() {
                if let Some(&j) = r.by_type.get(t) {
                    return Err(RouterError::Conflict {
                        what: "message type",
                        name: (*t).into(),
                        first: modules[j].name(),
                        second: m.name(),
                    });
                }
                r.by_type.insert(t, i);
            }
            for p in m.query_paths() {
                if let Some(&j) = r.by_query.get(p) {
                    return Err(RouterError::Conflict {
                        what: "query path",
                        name: (*p).into(),
                        first: modules[j].name(),
                        second: m.name(),
                    });
                }
                r.by_query.insert(p, i);
            }
        }
        r.modules = modules;
        Ok(r)
    }

    /// The modules, in hook order.
    pub fn modules(&self) -> &[Arc<dyn Module>] {
        &self.modules
    }

    /// The module that handles a message type.
    pub fn module_for(&self, type_url: &str) -> Option<&Arc<dyn Module>> {
        self.by_type.get(type_url).map(|&i| &self.modules[i])
    }

    /// The module that answers a query path.
    pub fn module_for_query(&self, path: &str) -> Option<&Arc<dyn Module>> {
        self.by_query.get(path).map(|&i| &self.modules[i])
    }

    /// Every query path served, sorted.
    pub fn query_paths(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.by_query.keys().copied()
    }
}
