//! A harness for module integration tests (layer 2 of the test pyramid): a set of
//! modules over one in-memory [`Overlay`], with genesis, message execution the way the
//! application runs it (shape check, then the handler inside `Ctx::atomically`), block
//! advancement with begin/end-block work, queries, and bank helpers.

use std::sync::Arc;

use prost::Message;
use weave_bank::BankModule;
use weave_kernel::{
    Address, Any, BlockInfo, Ctx, Event, GasCosts, GasMeter, Misbehavior, Module, Overlay, TxError,
    ValidatorUpdate, VoteInfo, DENOM,
};

/// Modules over an in-memory overlay.
pub struct Harness {
    modules: Vec<Arc<dyn Module>>,
    bank: BankModule,
    /// The state every module reads and writes.
    pub state: Overlay,
    /// The block being executed.
    pub block: BlockInfo,
    /// Events emitted since the last [`Harness::take_events`].
    pub events: Vec<Event>,
    /// The validator updates the modules returned at the end of the last block.
    pub validator_updates: Vec<ValidatorUpdate>,
}

impl std::fmt::Debug for Harness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Harness")
            .field("block", &self.block)
            .finish_non_exhaustive()
    }
}

/// Wraps a message into an `Any`.
pub fn any(type_url: &str, m: &impl Message) -> Any {
    Any {
        type_url: type_url.into(),
        value: m.encode_to_vec(),
    }
}

/// A deterministic test address.
pub fn addr(n: u8) -> Address {
    Address::new([n; 20])
}

impl Harness {
    /// The bank module plus `others`, in that order, after a genesis that gives each
    /// `(address, amount)` its uweave and hands each module its section of `app_state`.
    pub fn new(
        others: Vec<Arc<dyn Module>>,
        funded: &[(Address, u128)],
        app_state: serde_json::Value,
    ) -> Result<Self, TxError> {
        let bank = BankModule::new();
        let mut modules: Vec<Arc<dyn Module>> = vec![Arc::new(bank.clone())];
        modules.extend(others);
        let mut h = Self {
            modules,
            bank,
            state: Overlay::empty(),
            block: BlockInfo {
                chain_id: "weave-test-1".into(),
                height: 0,
                time_seconds: 1_700_000_000,
                ..BlockInfo::default()
            },
            events: Vec::new(),
            validator_updates: Vec::new(),
        };
        let balances: Vec<serde_json::Value> = funded
            .iter()
            .map(|(a, amount)| {
                serde_json::json!({
                    "address": a.to_string(),
                    "coins": [{"denom": DENOM, "amount": amount.to_string()}],
                })
            })
            .collect();
        let mut gas = GasMeter::infinite();
        for m in h.modules.clone() {
            let section = if m.name() == "bank" {
                serde_json::json!({ "balances": balances })
            } else {
                app_state
                    .get(m.name())
                    .cloned()
                    .unwrap_or(serde_json::Value::Null)
            };
            let mut ctx = Ctx::new(&h.block, &mut h.state, &mut gas, &mut h.events);
            m.init_genesis(&mut ctx, &section)?;
        }
        h.block.height = 1;
        h.events.clear();
        Ok(h)
    }

    fn route(&self, msg: &Any) -> Result<Arc<dyn Module>, TxError> {
        self.modules
            .iter()
            .find(|m| m.message_types().contains(&msg.type_url.as_str()))
            .cloned()
            .ok_or_else(|| weave_kernel::KernelError::UnknownMessage(msg.type_url.clone()).into())
    }

    /// Runs a message signed by `signer` as the application does: the shape check
    /// (which must name `signer`), then the handler atomically with unlimited gas.
    pub fn exec(&mut self, signer: Address, msg: &Any) -> Result<(), TxError> {
        let module = self.route(msg)?;
        let decoded = module.decode_message(msg)?;
        self.exec_decoded(signer, msg, decoded)
    }

    /// [`Harness::exec`] of a message already decoded (`decoded`, from `msg`): the
    /// application decodes a block's transactions once, for block preparation and
    /// execution alike.
    pub fn exec_decoded(
        &mut self,
        signer: Address,
        msg: &Any,
        decoded: weave_kernel::DecodedMsg,
    ) -> Result<(), TxError> {
        let module = self.route(msg)?;
        if !decoded.signers().contains(&signer) {
            return Err(weave_kernel::KernelError::Unauthorized(format!(
                "{signer} is not a signer of {}",
                msg.type_url
            ))
            .into());
        }
        let mut gas = GasMeter::new(u64::MAX, GasCosts::default());
        let mut ctx = Ctx::new(&self.block, &mut self.state, &mut gas, &mut self.events);
        ctx.atomically(|ctx| module.handle_message(ctx, decoded))
    }

    /// Runs `exec` and asserts that the state did not change if it failed.
    pub fn exec_checked(&mut self, signer: Address, msg: &Any) -> Result<(), TxError> {
        let before = self.state.changes();
        let events = self.events.len();
        let result = self.exec(signer, msg);
        if result.is_err() {
            assert_eq!(before, self.state.changes(), "a failed message left writes");
            assert_eq!(events, self.events.len(), "a failed message left events");
        }
        result
    }

    /// Ends the current block (every module's end-block work, then the validator
    /// updates, kept in [`Harness::validator_updates`]) and begins the next. The next
    /// block keeps this one's `last_commit` and `misbehavior`; see
    /// [`Harness::next_block_with`] to give it others.
    pub fn next_block(&mut self) -> Result<(), TxError> {
        let (commit, evidence) = (
            self.block.last_commit.clone(),
            self.block.misbehavior.clone(),
        );
        self.next_block_with(commit, evidence).map(|_| ())
    }

    /// Ends the current block and begins the next, whose FinalizeBlock carries this
    /// commit of the previous block and this misbehaviour. Returns the validator
    /// updates of the block that ended.
    pub fn next_block_with(
        &mut self,
        last_commit: Vec<VoteInfo>,
        misbehavior: Vec<Misbehavior>,
    ) -> Result<Vec<ValidatorUpdate>, TxError> {
        let mut gas = GasMeter::infinite();
        for m in self.modules.clone() {
            let mut ctx = Ctx::new(&self.block, &mut self.state, &mut gas, &mut self.events);
            if let Some(h) = m.hooks().block {
                h.end_block(&mut ctx)?;
            }
        }
        let mut updates = Vec::new();
        for m in self.modules.clone() {
            let mut ctx = Ctx::new(&self.block, &mut self.state, &mut gas, &mut self.events);
            if let Some(h) = m.hooks().validator_set {
                updates.extend(h.validator_updates(&mut ctx)?);
            }
        }
        self.validator_updates = updates.clone();
        self.block.height += 1;
        self.block.time_seconds += 5;
        self.block.last_commit = last_commit;
        self.block.misbehavior = misbehavior;
        for m in self.modules.clone() {
            let mut ctx = Ctx::new(&self.block, &mut self.state, &mut gas, &mut self.events);
            if let Some(h) = m.hooks().block {
                h.begin_block(&mut ctx)?;
            }
        }
        Ok(updates)
    }

    /// The total supply of uweave.
    pub fn supply(&mut self) -> u128 {
        let mut gas = GasMeter::infinite();
        let mut ctx = Ctx::new(&self.block, &mut self.state, &mut gas, &mut self.events);
        self.bank
            .keeper()
            .supply(&mut ctx, DENOM)
            .unwrap_or_else(|e| panic!("supply: {}", e.log))
    }

    /// Advances `n` blocks.
    pub fn advance(&mut self, n: u64) -> Result<(), TxError> {
        for _ in 0..n {
            self.next_block()?;
        }
        Ok(())
    }

    /// Answers a query by gRPC path.
    pub fn query<Req: Message, Resp: Message + Default>(
        &self,
        path: &str,
        request: &Req,
    ) -> Result<Resp, TxError> {
        let module = self
            .modules
            .iter()
            .find(|m| m.query_paths().contains(&path))
            .ok_or_else(|| weave_kernel::KernelError::UnknownMessage(path.to_string()))?;
        let bytes = module.query(&self.state, path, &request.encode_to_vec())?;
        Ok(Resp::decode(bytes.as_slice())
            .map_err(|e| weave_kernel::KernelError::TxDecode(format!("{path} response: {e}")))?)
    }

    /// A uweave balance.
    pub fn balance(&mut self, address: &Address) -> u128 {
        let mut gas = GasMeter::infinite();
        let mut ctx = Ctx::new(&self.block, &mut self.state, &mut gas, &mut self.events);
        weave_kernel::expected::Bank::balance(&self.bank.keeper(), &mut ctx, address, DENOM)
            .unwrap_or_else(|e| panic!("balance of {address}: {}", e.log))
    }

    /// Runs `f` with a context on the current block, for calling keepers directly.
    pub fn with_ctx<T>(&mut self, f: impl FnOnce(&mut Ctx<'_>) -> T) -> T {
        let mut gas = GasMeter::infinite();
        let mut ctx = Ctx::new(&self.block, &mut self.state, &mut gas, &mut self.events);
        f(&mut ctx)
    }

    /// The bank keeper, as the kernel's `Bank` trait object other modules take.
    pub fn bank(&self) -> Arc<dyn weave_kernel::expected::Bank> {
        Arc::new(self.bank.keeper())
    }

    /// Takes the events emitted so far.
    pub fn take_events(&mut self) -> Vec<Event> {
        std::mem::take(&mut self.events)
    }
}
