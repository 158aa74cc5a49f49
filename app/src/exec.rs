//! The one path every transaction takes, in CheckTx, PrepareProposal, FinalizeBlock
//! and Simulate alike: decode, ante checks (size gas, timeout, fee, sequence,
//! signatures), then the messages, each layer on its own checkpoint of the overlay.

use weave_bank::{Keeper as BankKeeper, FEE_COLLECTOR};
use weave_kernel::{
    expected::{Accounts, Bank},
    Address, BlockInfo, Ctx, DecodedMsg, Event, GasMeter, KernelError, Overlay, TxError,
};

use crate::{
    auth::{AuthParams, ParamsCache},
    router::Router,
    sigcache::{self, SigCache},
    tx::{decode_tx, unsupported_mode, verify_signature, DecodedTx, Predecoded, SignerMode},
};

/// Why a transaction is being run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// First admission to the mempool.
    Check,
    /// Re-admission after a block: signatures were already checked.
    Recheck,
    /// Execution in a block. A failing message still pays its fee.
    Deliver,
    /// Gas estimation: signatures are not checked but are charged for.
    Simulate,
    /// A genesis transaction (gentx) at InitChain: signatures are checked against
    /// account number 0, as the Cosmos SDK signs gentxs, and no minimum fee is asked.
    /// A failing message fails InitChain, so nothing of it is kept.
    Genesis,
}

/// What running one transaction produced.
#[derive(Debug)]
pub struct TxOutcome {
    /// Success, or the error with its stable code.
    pub result: Result<(), TxError>,
    /// The gas limit the transaction asked for.
    pub gas_wanted: u64,
    /// The gas it used.
    pub gas_used: u64,
    /// Events of what it changed (the fee's, even if its messages failed).
    pub events: Vec<Event>,
    /// The decoded transaction, when it decoded.
    pub tx: Option<DecodedTx>,
}

/// Everything the path needs besides the state.
#[derive(Debug, Clone, Copy)]
pub struct Executor<'a> {
    /// The modules.
    pub router: &'a Router,
    /// The bank keeper, for accounts and fees.
    pub bank: &'a BankKeeper,
    /// Verified-signature cache.
    pub sig_cache: &'a SigCache,
    /// The auth params as last parsed ([`ParamsCache`]: the stored bytes are read on
    /// every transaction, parsed only when they change).
    pub params: &'a ParamsCache,
}

impl Executor<'_> {
    /// Runs one transaction on `state`. On failure, nothing it wrote remains, except
    /// that in `Deliver` mode a transaction whose ante checks passed keeps its fee
    /// payment and sequence increment.
    pub fn run_tx(
        &self,
        block: &BlockInfo,
        state: &mut Overlay,
        bytes: &[u8],
        mode: Mode,
    ) -> TxOutcome {
        self.run_decoded(block, state, bytes, None, mode)
    }

    /// [`Executor::run_tx`] for a transaction already decoded (`predecoded`, from
    /// `bytes`), so that a block's transactions are decoded once: it is used when it
    /// was decoded under the memo limit in force, and `bytes` are decoded again
    /// otherwise.
    pub fn run_decoded(
        &self,
        block: &BlockInfo,
        state: &mut Overlay,
        bytes: &[u8],
        predecoded: Option<Predecoded>,
        mode: Mode,
    ) -> TxOutcome {
        let params = match self.params.load(state) {
            Ok(p) => p,
            Err(e) => return failed(e, 0, None),
        };
        let max_memo = params.max_memo_chars as usize;
        let decoded = match predecoded {
            Some(p) if p.max_memo == max_memo => p.tx,
            _ => decode_tx(bytes, self.router, max_memo),
        };
        let mut tx = match decoded {
            Ok(tx) => tx,
            Err(e) => return failed(e, 0, None),
        };
        let gas_wanted = tx.gas_limit;
        let limit = if mode == Mode::Simulate {
            params.max_tx_gas
        } else {
            tx.gas_limit
        };
        // A simulation takes a zero gas limit and signers without a sign mode (CosmJS
        // simulates so); nothing else does.
        if mode != Mode::Simulate {
            if tx.gas_limit == 0 {
                return failed(KernelError::InvalidGasLimit(0).into(), 0, Some(tx));
            }
            if tx.signers.iter().any(|s| s.mode == SignerMode::Unspecified) {
                return failed(unsupported_mode().into(), 0, Some(tx));
            }
        }
        if mode != Mode::Simulate && tx.gas_limit > params.max_tx_gas {
            return failed(
                KernelError::InvalidGasLimit(tx.gas_limit).into(),
                0,
                Some(tx),
            );
        }
        let mut gas = GasMeter::new(limit, params.gas_costs);
        let mut events = Vec::new();

        state.checkpoint(); // the whole transaction
        let ante = {
            let mut ctx = Ctx::new(block, state, &mut gas, &mut events);
            self.ante(&mut ctx, &tx, &params, mode)
        };
        if let Err(e) = ante {
            state.discard_checkpoint();
            let used = gas.used();
            return TxOutcome {
                result: Err(e),
                gas_wanted,
                gas_used: used,
                events: Vec::new(),
                tx: Some(tx),
            };
        }
        let ante_events = events.len();

        // A recheck runs the ante checks only, as the Cosmos SDK's does: the
        // transaction's messages were run when it was admitted, and PrepareProposal
        // runs them again before a block carries it.
        if mode == Mode::Recheck {
            state.commit_checkpoint();
            return TxOutcome {
                result: Ok(()),
                gas_wanted,
                gas_used: gas.used(),
                events,
                tx: Some(tx),
            };
        }

        state.checkpoint(); // the messages
        let decoded = std::mem::take(&mut tx.decoded);
        let msgs = {
            let mut ctx = Ctx::new(block, state, &mut gas, &mut events);
            self.run_messages(&mut ctx, &tx, decoded, keeps_events(mode))
        };
        match msgs {
            Ok(()) => {
                state.commit_checkpoint();
                state.commit_checkpoint();
            }
            Err(_) => {
                state.discard_checkpoint();
                events.truncate(ante_events);
                if mode == Mode::Deliver {
                    state.commit_checkpoint();
                } else {
                    state.discard_checkpoint();
                    events.clear();
                }
            }
        }
        TxOutcome {
            result: msgs,
            gas_wanted,
            gas_used: gas.used(),
            events,
            tx: Some(tx),
        }
    }

    fn run_messages(
        &self,
        ctx: &mut Ctx<'_>,
        tx: &DecodedTx,
        decoded: Vec<DecodedMsg>,
        message_events: bool,
    ) -> Result<(), TxError> {
        for (i, (msg, decoded)) in tx.messages.iter().zip(decoded).enumerate() {
            let module = self
                .router
                .module_for(&msg.type_url)
                .ok_or_else(|| KernelError::UnknownMessage(msg.type_url.clone()))?;
            module.handle_message(ctx, decoded).map_err(|e| TxError {
                log: format!("message {i} ({}): {}", msg.type_url, e.log),
                ..e
            })?;
            if !message_events {
                continue;
            }
            let sender = tx
                .message_senders
                .get(i)
                .map(Address::to_string)
                .unwrap_or_default();
            ctx.emit(
                Event::new("message")
                    .attr("action", &msg.type_url)
                    .attr("module", module.name())
                    .attr("sender", sender)
                    .attr("msg_index", i),
            );
        }
        Ok(())
    }

    fn ante(
        &self,
        ctx: &mut Ctx<'_>,
        tx: &DecodedTx,
        params: &AuthParams,
        mode: Mode,
    ) -> Result<(), TxError> {
        let size_gas = params
            .gas_costs
            .tx_size_per_byte
            .saturating_mul(tx.raw_len as u64);
        ctx.consume_gas(size_gas, "txSize")?;

        if tx.timeout_height != 0 && ctx.block.height > tx.timeout_height {
            return Err(KernelError::TimeoutHeight {
                timeout: tx.timeout_height,
                height: ctx.block.height,
            }
            .into());
        }
        if tx.signers.len() as u64 > params.tx_sig_limit {
            return Err(KernelError::WrongSignatureCount {
                expected: params.tx_sig_limit as usize,
                got: tx.signers.len(),
            }
            .into());
        }

        let required = params.min_gas_price.fee_for(tx.gas_limit);
        let offered = tx.fee.amount_of(weave_kernel::DENOM);
        if !matches!(mode, Mode::Simulate | Mode::Genesis) && offered < required {
            return Err(KernelError::InsufficientFee {
                got: format!("{offered}{}", weave_kernel::DENOM),
                required: format!(
                    "{required}{} (gas {} x price {})",
                    weave_kernel::DENOM,
                    tx.gas_limit,
                    params.min_gas_price
                ),
            }
            .into());
        }

        // The fee payer pays first, as in the Cosmos SDK: a transaction that fails later
        // in the block has still paid for the space it took.
        let payer = tx.fee_payer().ok_or(KernelError::NoSignatures)?;
        if !tx.fee.is_empty() {
            let collector = Address::module(FEE_COLLECTOR);
            self.bank
                .transfer(ctx, &payer, &collector, &tx.fee)
                .map_err(|e| TxError {
                    log: format!("fee payment failed: {}", e.log),
                    ..e
                })?;
            if keeps_events(mode) {
                ctx.emit(
                    Event::new("tx")
                        .attr("fee", &tx.fee)
                        .attr("fee_payer", payer),
                );
            }
        } else if mode == Mode::Simulate {
            // CosmJS simulates with an empty fee, but the transaction it then sends pays
            // one: a nominal payment on the simulation's throwaway overlay charges the
            // gas of that payment, so that the estimate covers it.
            let collector = Address::module(FEE_COLLECTOR);
            let nominal = weave_kernel::Coins::new(vec![weave_kernel::Coin::base(1)])
                .map_err(KernelError::from)?;
            self.bank
                .transfer(ctx, &payer, &collector, &nominal)
                .map_err(|e| TxError {
                    log: format!("fee payment failed: {}", e.log),
                    ..e
                })?;
        }

        for signer in &tx.signers {
            let mut account = self.bank.account(ctx, &signer.address)?.ok_or_else(|| {
                KernelError::UnknownAddress(format!(
                    "account {} does not exist; fund it first",
                    signer.address
                ))
            })?;
            if signer.sequence != account.sequence {
                return Err(KernelError::WrongSequence {
                    expected: account.sequence,
                    got: signer.sequence,
                }
                .into());
            }
            let key = match (&account.pub_key, &signer.pub_key) {
                (Some(stored), Some(given)) if stored != given => {
                    return Err(KernelError::InvalidPubKey(format!(
                        "public key does not match the one stored for {}",
                        signer.address
                    ))
                    .into())
                }
                (Some(stored), _) => stored.clone(),
                (None, Some(given)) => given.clone(),
                (None, None) => {
                    return Err(KernelError::InvalidPubKey(format!(
                        "{} has no public key on chain; its first transaction must carry one",
                        signer.address
                    ))
                    .into())
                }
            };
            let (cost, key_bytes) = match &key {
                weave_kernel::expected::PubKey::Secp256k1(k) => {
                    (params.gas_costs.sig_verify_secp256k1, k)
                }
                weave_kernel::expected::PubKey::Ed25519(k) => {
                    (params.gas_costs.sig_verify_ed25519, k)
                }
            };
            ctx.consume_gas(cost, "sigVerify")?;
            if matches!(mode, Mode::Check | Mode::Deliver | Mode::Genesis) {
                let account_number = if mode == Mode::Genesis {
                    0
                } else {
                    account.account_number
                };
                let sign_bytes =
                    tx.signer_sign_bytes(signer, &ctx.block.chain_id, account_number)?;
                let cache_key = sigcache::key(key_bytes, &sign_bytes, &signer.signature);
                if !self.sig_cache.contains(&cache_key) {
                    verify_signature(&key, &sign_bytes, &signer.signature)?;
                    self.sig_cache.insert(cache_key);
                }
            }
            if keeps_events(mode) {
                ctx.emit(Event::new("tx").attr(
                    "acc_seq",
                    format!("{}/{}", signer.address, account.sequence),
                ));
            }
            account.pub_key = Some(key);
            account.sequence = account
                .sequence
                .checked_add(1)
                .ok_or_else(|| KernelError::InvalidRequest("sequence overflow".into()))?;
            self.bank.set_account(ctx, &account)?;
        }
        Ok(())
    }
}

/// Whether the events the application itself emits (fee, sequence, message) are built:
/// not in CheckTx, recheck or PrepareProposal (both `Check`), which throw them away;
/// emitting costs no gas, so nothing else changes. Modules' own events still are.
fn keeps_events(mode: Mode) -> bool {
    !matches!(mode, Mode::Check | Mode::Recheck)
}

fn failed(e: TxError, gas_used: u64, tx: Option<DecodedTx>) -> TxOutcome {
    TxOutcome {
        gas_wanted: tx.as_ref().map_or(0, |t| t.gas_limit),
        result: Err(e),
        gas_used,
        events: Vec::new(),
        tx,
    }
}
