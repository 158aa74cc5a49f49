//! Bank module integration tests (layer 2): genesis, message handlers and queries of
//! [`BankModule`] driven through the `Module` trait over an in-memory overlay, the way
//! the application drives them, plus a property test that transfers conserve supply.
#![allow(clippy::unwrap_used, missing_docs, unreachable_pub)]

use cosmos_sdk_proto::cosmos::{
    auth::v1beta1::{BaseAccount, QueryAccountRequest, QueryAccountResponse},
    bank::v1beta1 as cbank,
    base::query::v1beta1::PageRequest,
};
use prost::Message;
use weave_bank::{
    BankModule, GenesisBalance, GenesisState, Params, MSG_MULTI_SEND, MSG_SEND, MSG_SEND_COSMOS,
    MSG_UPDATE_PARAMS,
};
use weave_kernel::{
    gov_authority, Address, Any, BlockInfo, Coin, Coins, Ctx, Event, GasCosts, GasMeter, Module,
    Overlay, TxError,
};
use weave_proto::weave::{bank::v1 as pb, base::v1 as wbase};

const UWEAVE: &str = "uweave";
const USTAKE: &str = "ustake";

fn addr(n: u8) -> Address {
    Address::new([n; 20])
}

fn coins(list: &[(&str, u128)]) -> Coins {
    Coins::new(
        list.iter()
            .map(|(d, a)| Coin {
                denom: (*d).into(),
                amount: *a,
            })
            .collect(),
    )
    .unwrap()
}

fn wcoins(list: &[(&str, u128)]) -> Vec<wbase::Coin> {
    list.iter()
        .map(|(d, a)| wbase::Coin {
            denom: (*d).into(),
            amount: a.to_string(),
        })
        .collect()
}

fn any(type_url: &str, m: &impl Message) -> Any {
    Any {
        type_url: type_url.into(),
        value: m.encode_to_vec(),
    }
}

fn send(from: Address, to: Address, amount: &[(&str, u128)]) -> Any {
    any(
        MSG_SEND,
        &pb::MsgSend {
            from_address: from.to_string(),
            to_address: to.to_string(),
            amount: wcoins(amount),
        },
    )
}

fn cosmos_send(from: Address, to: Address, amount: u128) -> Any {
    any(
        MSG_SEND_COSMOS,
        &cbank::MsgSend {
            from_address: from.to_string(),
            to_address: to.to_string(),
            amount: vec![cosmos_sdk_proto::cosmos::base::v1beta1::Coin {
                denom: UWEAVE.into(),
                amount: amount.to_string(),
            }],
        },
    )
}

fn multi_send(
    from: Address,
    input: &[(&str, u128)],
    outputs: &[(Address, &[(&str, u128)])],
) -> Any {
    any(
        MSG_MULTI_SEND,
        &pb::MsgMultiSend {
            inputs: vec![pb::Input {
                address: from.to_string(),
                coins: wcoins(input),
            }],
            outputs: outputs
                .iter()
                .map(|(to, c)| pb::Output {
                    address: to.to_string(),
                    coins: wcoins(c),
                })
                .collect(),
        },
    )
}

fn update_params(authority: Address, send_enabled: bool) -> Any {
    any(
        MSG_UPDATE_PARAMS,
        &pb::MsgUpdateParams {
            authority: authority.to_string(),
            params: Some(pb::Params { send_enabled }),
        },
    )
}

/// The bank module over an in-memory overlay, after genesis.
struct Bank {
    module: BankModule,
    state: Overlay,
    block: BlockInfo,
    events: Vec<Event>,
}

impl Bank {
    fn new(balances: &[(Address, &[(&str, u128)])]) -> Self {
        let genesis = GenesisState {
            params: Params::default(),
            balances: balances
                .iter()
                .map(|(a, c)| GenesisBalance {
                    address: *a,
                    coins: coins(c),
                })
                .collect(),
        };
        Self::with_genesis(&serde_json::to_value(genesis).unwrap()).unwrap()
    }

    fn with_genesis(genesis: &serde_json::Value) -> Result<Self, TxError> {
        let mut bank = Self {
            module: BankModule::new(),
            state: Overlay::empty(),
            block: BlockInfo {
                chain_id: "weave-test-1".into(),
                ..BlockInfo::default()
            },
            events: Vec::new(),
        };
        let mut gas = GasMeter::infinite();
        let mut ctx = Ctx::new(&bank.block, &mut bank.state, &mut gas, &mut bank.events);
        bank.module.init_genesis(&mut ctx, genesis)?;
        bank.block.height = 1;
        bank.events.clear();
        Ok(bank)
    }

    /// Runs a message as the application does: shape check, then the handler inside
    /// `Ctx::atomically`, with unlimited gas.
    fn exec(&mut self, msg: &Any) -> Result<(), TxError> {
        self.exec_with_gas(msg, u64::MAX)
    }

    fn exec_with_gas(&mut self, msg: &Any, limit: u64) -> Result<(), TxError> {
        self.module.check_message(msg)?;
        let mut gas = GasMeter::new(limit, GasCosts::default());
        let mut ctx = Ctx::new(&self.block, &mut self.state, &mut gas, &mut self.events);
        let module = &self.module;
        ctx.atomically(|ctx| module.handle(ctx, msg))
    }

    /// Runs the handler directly, with no checkpoint around it.
    fn exec_bare(&mut self, msg: &Any) -> Result<(), TxError> {
        let mut gas = GasMeter::infinite();
        let mut ctx = Ctx::new(&self.block, &mut self.state, &mut gas, &mut self.events);
        self.module.handle(&mut ctx, msg)
    }

    fn query_raw(&self, path: &str, request: &[u8]) -> Result<Vec<u8>, TxError> {
        self.module.query(&self.state, path, request)
    }

    fn query<R: Message + Default>(&self, path: &str, request: &impl Message) -> R {
        R::decode(
            self.query_raw(path, &request.encode_to_vec())
                .unwrap()
                .as_slice(),
        )
        .unwrap()
    }

    fn balance(&self, a: Address, denom: &str) -> u128 {
        let r: pb::QueryBalanceResponse = self.query(
            "/weave.bank.v1.Query/Balance",
            &pb::QueryBalanceRequest {
                address: a.to_string(),
                denom: denom.into(),
            },
        );
        let c = r.balance.unwrap();
        assert_eq!(c.denom, denom);
        c.amount.parse().unwrap()
    }

    fn supply(&self, denom: &str) -> u128 {
        let r: pb::QueryTotalSupplyResponse = self.query(
            "/weave.bank.v1.Query/TotalSupply",
            &pb::QueryTotalSupplyRequest {},
        );
        r.supply
            .iter()
            .find(|c| c.denom == denom)
            .map_or(0, |c| c.amount.parse().unwrap())
    }

    fn account(&self, a: Address) -> Result<BaseAccount, TxError> {
        let bytes = self.query_raw(
            "/cosmos.auth.v1beta1.Query/Account",
            &QueryAccountRequest {
                address: a.to_string(),
            }
            .encode_to_vec(),
        )?;
        let any = QueryAccountResponse::decode(bytes.as_slice())
            .unwrap()
            .account
            .unwrap();
        assert_eq!(any.type_url, "/cosmos.auth.v1beta1.BaseAccount");
        Ok(BaseAccount::decode(any.value.as_slice()).unwrap())
    }

    fn send_enabled(&self) -> bool {
        let r: pb::QueryParamsResponse =
            self.query("/weave.bank.v1.Query/Params", &pb::QueryParamsRequest {});
        r.params.unwrap().send_enabled
    }
}

fn code(e: &TxError) -> (&'static str, u32) {
    (e.codespace, e.code)
}

#[test]
fn genesis_funds_accounts_numbers_them_and_sets_the_supply() {
    let bank = Bank::new(&[
        (addr(1), &[(UWEAVE, 100), (USTAKE, 7)]),
        (addr(2), &[(UWEAVE, 50)]),
    ]);
    assert_eq!(bank.balance(addr(1), UWEAVE), 100);
    assert_eq!(bank.balance(addr(1), USTAKE), 7);
    assert_eq!(bank.balance(addr(2), USTAKE), 0);
    assert_eq!(bank.supply(UWEAVE), 150);
    assert_eq!(bank.supply(USTAKE), 7);
    assert_eq!(bank.account(addr(1)).unwrap().account_number, 0);
    assert_eq!(bank.account(addr(2)).unwrap().account_number, 1);
    assert_eq!(bank.account(addr(2)).unwrap().sequence, 0);
    assert!(bank.send_enabled());

    // No section at all is an empty bank.
    let empty = Bank::with_genesis(&serde_json::Value::Null).unwrap();
    assert_eq!(empty.supply(UWEAVE), 0);
    assert!(empty.send_enabled());
}

#[test]
fn invalid_genesis_is_refused_with_a_bank_code() {
    let a = addr(1).to_string();
    let dup = serde_json::json!({
        "balances": [
            {"address": a, "coins": [{"denom": "uweave", "amount": "1"}]},
            {"address": a, "coins": [{"denom": "uweave", "amount": "2"}]},
        ]
    });
    let e = Bank::with_genesis(&dup).err().unwrap();
    assert_eq!(code(&e), ("bank", 8));
    let overflow = serde_json::json!({
        "balances": [
            {"address": addr(1).to_string(), "coins": [{"denom": "uweave", "amount": u128::MAX.to_string()}]},
            {"address": addr(2).to_string(), "coins": [{"denom": "uweave", "amount": "1"}]},
        ]
    });
    assert_eq!(
        code(&Bank::with_genesis(&overflow).err().unwrap()),
        ("bank", 8)
    );
    assert!(Bank::with_genesis(&serde_json::json!({"balances": "nope"})).is_err());
}

#[test]
fn send_moves_coins_emits_an_event_and_creates_the_recipient_account() {
    let mut bank = Bank::new(&[(addr(1), &[(UWEAVE, 100), (USTAKE, 10)])]);
    let msg = send(addr(1), addr(9), &[(UWEAVE, 30), (USTAKE, 10)]);
    assert_eq!(bank.module.check_message(&msg).unwrap(), vec![addr(1)]);
    assert!(bank.account(addr(9)).is_err());
    bank.exec(&msg).unwrap();
    assert_eq!(bank.balance(addr(1), UWEAVE), 70);
    assert_eq!(bank.balance(addr(1), USTAKE), 0);
    assert_eq!(bank.balance(addr(9), UWEAVE), 30);
    assert_eq!(bank.balance(addr(9), USTAKE), 10);
    assert_eq!(bank.supply(UWEAVE), 100);
    assert_eq!(bank.supply(USTAKE), 10);
    let new = bank.account(addr(9)).unwrap();
    assert_eq!((new.account_number, new.sequence), (1, 0));
    assert!(new.pub_key.is_none());

    let ev = bank
        .events
        .iter()
        .find(|e| e.kind == "weave.bank.v1.EventTransfer")
        .unwrap();
    assert_eq!(ev.get("sender"), Some(addr(1).to_string().as_str()));
    assert_eq!(ev.get("recipient"), Some(addr(9).to_string().as_str()));
    assert_eq!(ev.get("amount"), Some("10ustake,30uweave"));

    // The Cosmos SDK's MsgSend does the same.
    bank.exec(&cosmos_send(addr(9), addr(1), 5)).unwrap();
    assert_eq!(bank.balance(addr(1), UWEAVE), 75);
    // A zero balance is deleted, not stored as zero: AllBalances lists only held coins.
    let all: cbank::QueryAllBalancesResponse = bank.query(
        "/cosmos.bank.v1beta1.Query/AllBalances",
        &cbank::QueryAllBalancesRequest {
            address: addr(1).to_string(),
            pagination: None,
            resolve_denom: false,
        },
    );
    assert_eq!(all.balances.len(), 1);
    assert_eq!(all.balances[0].denom, UWEAVE);
}

#[test]
fn insufficient_funds_leave_no_write_and_no_event() {
    let mut bank = Bank::new(&[(addr(1), &[(UWEAVE, 100), (USTAKE, 5)])]);
    let before = bank.state.changes();
    // One denomination is affordable, the other is not: the handler writes neither,
    // even without a checkpoint around it.
    let msg = send(addr(1), addr(2), &[(UWEAVE, 50), (USTAKE, 6)]);
    let e = bank.exec_bare(&msg).unwrap_err();
    assert_eq!(code(&e), ("sdk", 5));
    assert!(e.log.contains("insufficient funds"), "{}", e.log);
    assert_eq!(bank.state.changes(), before);
    assert!(bank.events.is_empty());

    let e = bank
        .exec(&send(addr(1), addr(2), &[(UWEAVE, 101)]))
        .unwrap_err();
    assert_eq!(code(&e), ("sdk", 5));
    assert_eq!(bank.state.changes(), before);
    assert!(bank.events.is_empty());

    // An account that does not exist has nothing to send.
    let e = bank
        .exec(&send(addr(3), addr(1), &[(UWEAVE, 1)]))
        .unwrap_err();
    assert_eq!(code(&e), ("sdk", 5));
    assert_eq!(bank.state.changes(), before);
}

#[test]
fn running_out_of_gas_midway_leaves_no_write() {
    let genesis: &[(Address, &[(&str, u128)])] = &[(addr(1), &[(UWEAVE, 100)])];
    let msg = send(addr(1), addr(2), &[(UWEAVE, 1)]);
    // What the send costs in full: reads, the debit, the credit and the new account.
    let mut measure = Bank::new(genesis);
    let mut gas = GasMeter::infinite();
    let mut ctx = Ctx::new(
        &measure.block,
        &mut measure.state,
        &mut gas,
        &mut measure.events,
    );
    measure.module.handle(&mut ctx, &msg).unwrap();
    let full = gas.used();

    // One unit short: the last write fails after the others were made.
    let mut bank = Bank::new(genesis);
    let before = bank.state.changes();
    let e = bank.exec_with_gas(&msg, full - 1).unwrap_err();
    assert_eq!(code(&e), ("sdk", 11));
    assert_eq!(bank.state.changes(), before);
    assert!(bank.events.is_empty());
    bank.exec_with_gas(&msg, full).unwrap();
    assert_eq!(bank.balance(addr(2), UWEAVE), 1);
}

#[test]
fn multisend_pays_every_output() {
    let mut bank = Bank::new(&[(addr(1), &[(UWEAVE, 100), (USTAKE, 10)])]);
    let msg = multi_send(
        addr(1),
        &[(UWEAVE, 60), (USTAKE, 4)],
        &[
            (addr(2), &[(UWEAVE, 10)]),
            (addr(3), &[(UWEAVE, 20), (USTAKE, 4)]),
            (addr(2), &[(UWEAVE, 30)]),
        ],
    );
    assert_eq!(bank.module.check_message(&msg).unwrap(), vec![addr(1)]);
    bank.exec(&msg).unwrap();
    assert_eq!(bank.balance(addr(1), UWEAVE), 40);
    assert_eq!(bank.balance(addr(1), USTAKE), 6);
    assert_eq!(bank.balance(addr(2), UWEAVE), 40);
    assert_eq!(bank.balance(addr(3), UWEAVE), 20);
    assert_eq!(bank.balance(addr(3), USTAKE), 4);
    assert_eq!(bank.supply(UWEAVE), 100);
    let transfers = bank
        .events
        .iter()
        .filter(|e| e.kind == "weave.bank.v1.EventTransfer")
        .count();
    assert_eq!(transfers, 3);
}

#[test]
fn multisend_that_runs_dry_midway_leaves_no_write_when_run_atomically() {
    let mut bank = Bank::new(&[(addr(1), &[(UWEAVE, 100)])]);
    let before = bank.state.changes();
    let msg = multi_send(
        addr(1),
        &[(UWEAVE, 120)],
        &[(addr(2), &[(UWEAVE, 60)]), (addr(3), &[(UWEAVE, 60)])],
    );
    let e = bank.exec(&msg).unwrap_err();
    assert_eq!(code(&e), ("sdk", 5));
    assert_eq!(bank.state.changes(), before);
    assert!(bank.events.is_empty());
    assert_eq!(bank.balance(addr(2), UWEAVE), 0);
}

#[test]
fn multisend_needs_the_whole_input_even_when_paying_itself() {
    // 100 held, 150 input: paying 75 back to itself must not make the rest affordable.
    let mut bank = Bank::new(&[(addr(1), &[(UWEAVE, 100)])]);
    let msg = multi_send(
        addr(1),
        &[(UWEAVE, 150)],
        &[(addr(1), &[(UWEAVE, 75)]), (addr(2), &[(UWEAVE, 75)])],
    );
    let e = bank.exec(&msg).unwrap_err();
    assert_eq!(code(&e), ("sdk", 5));
    assert_eq!(bank.balance(addr(1), UWEAVE), 100);
    assert_eq!(bank.balance(addr(2), UWEAVE), 0);
}

#[test]
fn malformed_multisends_have_bank_codes() {
    let bank = Bank::new(&[(addr(1), &[(UWEAVE, 100)])]);
    let check = |m: &Any| code(&bank.module.check_message(m).unwrap_err());
    let mismatch = multi_send(addr(1), &[(UWEAVE, 10)], &[(addr(2), &[(UWEAVE, 9)])]);
    assert_eq!(check(&mismatch), ("bank", 3));
    let no_input = any(
        MSG_MULTI_SEND,
        &pb::MsgMultiSend {
            inputs: vec![],
            outputs: vec![pb::Output {
                address: addr(2).to_string(),
                coins: wcoins(&[(UWEAVE, 1)]),
            }],
        },
    );
    assert_eq!(check(&no_input), ("bank", 4));
    let two_inputs = any(
        MSG_MULTI_SEND,
        &pb::MsgMultiSend {
            inputs: vec![
                pb::Input {
                    address: addr(1).to_string(),
                    coins: wcoins(&[(UWEAVE, 1)]),
                },
                pb::Input {
                    address: addr(3).to_string(),
                    coins: wcoins(&[(UWEAVE, 1)]),
                },
            ],
            outputs: vec![pb::Output {
                address: addr(2).to_string(),
                coins: wcoins(&[(UWEAVE, 2)]),
            }],
        },
    );
    assert_eq!(check(&two_inputs), ("bank", 4));
    let no_outputs = multi_send(addr(1), &[(UWEAVE, 1)], &[]);
    assert_eq!(check(&no_outputs), ("bank", 5));
    let bad_output = any(
        MSG_MULTI_SEND,
        &pb::MsgMultiSend {
            inputs: vec![pb::Input {
                address: addr(1).to_string(),
                coins: wcoins(&[(UWEAVE, 1)]),
            }],
            outputs: vec![pb::Output {
                address: "weave1bad".into(),
                coins: wcoins(&[(UWEAVE, 1)]),
            }],
        },
    );
    assert_eq!(check(&bad_output), ("sdk", 7));
    let zero = send(addr(1), addr(2), &[(UWEAVE, 0)]);
    assert_eq!(check(&zero), ("sdk", 10));
    let garbage = Any {
        type_url: MSG_SEND.into(),
        value: vec![0xff; 4],
    };
    assert_eq!(check(&garbage), ("sdk", 2));
    let unknown = Any {
        type_url: "/weave.bank.v1.MsgBurnEverything".into(),
        value: vec![],
    };
    assert_eq!(check(&unknown), ("sdk", 6));
}

#[test]
fn only_the_gov_authority_updates_params_and_disabled_sends_fail_with_bank_2() {
    let mut bank = Bank::new(&[(addr(1), &[(UWEAVE, 100)])]);
    let before = bank.state.changes();

    let forged = update_params(addr(1), false);
    assert_eq!(bank.module.check_message(&forged).unwrap(), vec![addr(1)]);
    let e = bank.exec(&forged).unwrap_err();
    assert_eq!(code(&e), ("bank", 6));
    assert!(e.log.contains(&gov_authority().to_string()), "{}", e.log);
    assert_eq!(bank.state.changes(), before);
    assert!(bank.send_enabled());

    let disable = update_params(gov_authority(), false);
    assert_eq!(
        bank.module.check_message(&disable).unwrap(),
        vec![gov_authority()]
    );
    bank.exec(&disable).unwrap();
    assert!(!bank.send_enabled());
    let ev = bank
        .events
        .iter()
        .find(|e| e.kind == "weave.bank.v1.EventParamsUpdated")
        .unwrap();
    assert_eq!(ev.get("send_enabled"), Some("false"));

    let frozen = bank.state.changes();
    for msg in [
        send(addr(1), addr(2), &[(UWEAVE, 1)]),
        cosmos_send(addr(1), addr(2), 1),
        multi_send(addr(1), &[(UWEAVE, 1)], &[(addr(2), &[(UWEAVE, 1)])]),
    ] {
        let e = bank.exec(&msg).unwrap_err();
        assert_eq!(code(&e), ("bank", 2), "{}", msg.type_url);
    }
    assert_eq!(bank.state.changes(), frozen);

    bank.exec(&update_params(gov_authority(), true)).unwrap();
    bank.exec(&send(addr(1), addr(2), &[(UWEAVE, 1)])).unwrap();
    assert_eq!(bank.balance(addr(2), UWEAVE), 1);

    let missing = any(
        MSG_UPDATE_PARAMS,
        &pb::MsgUpdateParams {
            authority: gov_authority().to_string(),
            params: None,
        },
    );
    assert_eq!(
        code(&bank.module.check_message(&missing).unwrap_err()),
        ("bank", 7)
    );
}

#[test]
fn queries_answer_from_state_with_stable_error_codes() {
    let mut bank = Bank::new(&[
        (addr(1), &[(UWEAVE, 100), (USTAKE, 7), ("uzzz", 3)]),
        (addr(2), &[(UWEAVE, 1)]),
    ]);
    bank.exec(&send(addr(1), addr(2), &[(UWEAVE, 10)])).unwrap();

    for path in [
        "/weave.bank.v1.Query/Params",
        "/weave.bank.v1.Query/Balance",
        "/weave.bank.v1.Query/TotalSupply",
        "/weave.bank.v1.Query/ModuleAccount",
        "/cosmos.bank.v1beta1.Query/Balance",
        "/cosmos.bank.v1beta1.Query/AllBalances",
        "/cosmos.bank.v1beta1.Query/TotalSupply",
        "/cosmos.auth.v1beta1.Query/Account",
    ] {
        assert!(bank.module.query_paths().contains(&path), "{path}");
    }

    let c: cbank::QueryBalanceResponse = bank.query(
        "/cosmos.bank.v1beta1.Query/Balance",
        &cbank::QueryBalanceRequest {
            address: addr(2).to_string(),
            denom: UWEAVE.into(),
        },
    );
    assert_eq!(c.balance.unwrap().amount, "11");
    assert_eq!(bank.balance(addr(1), UWEAVE), 90);

    // AllBalances pages in denom order.
    let page = |key: Vec<u8>, limit: u64| -> cbank::QueryAllBalancesResponse {
        bank.query(
            "/cosmos.bank.v1beta1.Query/AllBalances",
            &cbank::QueryAllBalancesRequest {
                address: addr(1).to_string(),
                pagination: Some(PageRequest {
                    key,
                    offset: 0,
                    limit,
                    count_total: false,
                    reverse: false,
                }),
                resolve_denom: false,
            },
        )
    };
    let first = page(vec![], 2);
    let denoms: Vec<&str> = first.balances.iter().map(|c| c.denom.as_str()).collect();
    assert_eq!(denoms, vec![USTAKE, UWEAVE]);
    let next = first.pagination.unwrap().next_key;
    assert_eq!(next, b"uzzz".to_vec());
    let second = page(next, 2);
    assert_eq!(second.balances.len(), 1);
    assert_eq!(
        (
            second.balances[0].denom.as_str(),
            second.balances[0].amount.as_str()
        ),
        ("uzzz", "3")
    );
    assert!(second.pagination.unwrap().next_key.is_empty());

    let supply: cbank::QueryTotalSupplyResponse = bank.query(
        "/cosmos.bank.v1beta1.Query/TotalSupply",
        &cbank::QueryTotalSupplyRequest { pagination: None },
    );
    let supply: Vec<(String, String)> = supply
        .supply
        .into_iter()
        .map(|c| (c.denom, c.amount))
        .collect();
    assert_eq!(
        supply,
        vec![
            (USTAKE.into(), "7".into()),
            (UWEAVE.into(), "101".into()),
            ("uzzz".into(), "3".into())
        ]
    );

    let module: pb::QueryModuleAccountResponse = bank.query(
        "/weave.bank.v1.Query/ModuleAccount",
        &pb::QueryModuleAccountRequest {
            name: "fee_collector".into(),
        },
    );
    assert_eq!(
        module.address,
        Address::module(weave_bank::FEE_COLLECTOR).to_string()
    );

    let account = bank.account(addr(2)).unwrap();
    assert_eq!(account.address, addr(2).to_string());
    assert_eq!(account.account_number, 1);

    // Errors.
    assert_eq!(code(&bank.account(addr(7)).unwrap_err()), ("sdk", 22));
    let bad_address = pb::QueryBalanceRequest {
        address: "weave1nope".into(),
        denom: UWEAVE.into(),
    };
    let e = bank
        .query_raw("/weave.bank.v1.Query/Balance", &bad_address.encode_to_vec())
        .unwrap_err();
    assert_eq!(code(&e), ("sdk", 7));
    let bad_denom = pb::QueryBalanceRequest {
        address: addr(1).to_string(),
        denom: "u".into(),
    };
    let e = bank
        .query_raw("/weave.bank.v1.Query/Balance", &bad_denom.encode_to_vec())
        .unwrap_err();
    assert_eq!(code(&e), ("sdk", 10));
    let e = bank
        .query_raw("/cosmos.bank.v1beta1.Query/Balance", &[0xff, 0xff, 0xff])
        .unwrap_err();
    assert_eq!(code(&e), ("sdk", 18));
    let e = bank
        .query_raw(
            "/weave.bank.v1.Query/ModuleAccount",
            &pb::QueryModuleAccountRequest {
                name: String::new(),
            }
            .encode_to_vec(),
        )
        .unwrap_err();
    assert_eq!(code(&e), ("sdk", 18));
    let e = bank
        .query_raw("/weave.bank.v1.Query/Nope", &[])
        .unwrap_err();
    assert_eq!(code(&e), ("sdk", 6));
}

mod supply {
    use proptest::prelude::*;

    use super::*;

    const DENOMS: [&str; 2] = [UWEAVE, USTAKE];

    #[derive(Debug, Clone)]
    enum Op {
        Send {
            from: u8,
            to: u8,
            amounts: Vec<(usize, u128)>,
        },
        MultiSend {
            from: u8,
            outputs: Vec<(u8, usize, u128)>,
        },
    }

    fn op() -> impl Strategy<Value = Op> {
        let amount = prop_oneof![4 => 1..=60u128, 1 => 61..=u128::MAX / 8];
        prop_oneof![
            (
                1..=4u8,
                1..=5u8,
                prop::collection::vec((0..2usize, amount.clone()), 1..3)
            )
                .prop_map(|(from, to, amounts)| Op::Send { from, to, amounts }),
            (
                1..=4u8,
                prop::collection::vec((1..=5u8, 0..2usize, amount), 1..4)
            )
                .prop_map(|(from, outputs)| Op::MultiSend { from, outputs }),
        ]
    }

    fn total(list: &[(usize, u128)]) -> Vec<(&'static str, u128)> {
        let mut sums = [0u128; 2];
        for (d, a) in list {
            sums[*d] = sums[*d].saturating_add(*a);
        }
        let mut out: Vec<(&str, u128)> = (0..2)
            .filter(|d| sums[*d] > 0)
            .map(|d| (DENOMS[d], sums[d]))
            .collect();
        out.sort();
        out
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

        /// Every transfer either moves exactly what it says or changes nothing, and the
        /// supply of each denomination always equals the sum of its balances.
        #[test]
        fn transfers_conserve_supply(ops in prop::collection::vec(op(), 1..24)) {
            let funded: Vec<(Address, Vec<(&str, u128)>)> =
                (1..=4u8).map(|i| (addr(i), vec![(UWEAVE, 100), (USTAKE, 50)])).collect();
            let genesis: Vec<(Address, &[(&str, u128)])> =
                funded.iter().map(|(a, c)| (*a, c.as_slice())).collect();
            let mut bank = Bank::new(&genesis);
            let supply: Vec<u128> = DENOMS.iter().map(|d| bank.supply(d)).collect();

            for op in ops {
                let before: Vec<Vec<u128>> = (1..=5u8)
                    .map(|i| DENOMS.iter().map(|d| bank.balance(addr(i), d)).collect())
                    .collect();
                let (from, moves, msg) = match &op {
                    Op::Send { from, to, amounts } => {
                        let sum = total(amounts);
                        let moves: Vec<(u8, usize, u128)> = (0..2)
                            .filter_map(|d| sum.iter().find(|(n, _)| *n == DENOMS[d]).map(|(_, a)| (*to, d, *a)))
                            .collect();
                        (*from, moves, send(addr(*from), addr(*to), &sum))
                    }
                    Op::MultiSend { from, outputs } => {
                        let flat: Vec<(usize, u128)> = outputs.iter().map(|(_, d, a)| (*d, *a)).collect();
                        let input = total(&flat);
                        let outs: Vec<(Address, Vec<(&str, u128)>)> =
                            outputs.iter().map(|(to, d, a)| (addr(*to), vec![(DENOMS[*d], *a)])).collect();
                        let outs_ref: Vec<(Address, &[(&str, u128)])> =
                            outs.iter().map(|(a, c)| (*a, c.as_slice())).collect();
                        (*from, outputs.clone(), multi_send(addr(*from), &input, &outs_ref))
                    }
                };
                let result = bank.exec(&msg);
                let after: Vec<Vec<u128>> = (1..=5u8)
                    .map(|i| DENOMS.iter().map(|d| bank.balance(addr(i), d)).collect())
                    .collect();
                match result {
                    Ok(()) => {
                        let mut expected = before.clone();
                        for (to, d, a) in &moves {
                            let f = usize::from(from - 1);
                            expected[f][*d] = expected[f][*d].checked_sub(*a).unwrap();
                            expected[usize::from(to - 1)][*d] += a;
                        }
                        prop_assert_eq!(&after, &expected);
                    }
                    Err(e) => {
                        prop_assert_eq!(code(&e), ("sdk", 5), "{}", e.log);
                        prop_assert_eq!(&after, &before);
                    }
                }
                for (d, denom) in DENOMS.iter().enumerate() {
                    let sum: u128 = after.iter().map(|b| b[d]).sum();
                    prop_assert_eq!(sum, supply[d]);
                    prop_assert_eq!(bank.supply(denom), supply[d]);
                }
            }
        }
    }
}
