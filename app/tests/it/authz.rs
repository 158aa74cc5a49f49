//! The authorization matrix (issue 19, item 6): every message type the chain routes,
//! naming one account as its signer and signed with another account's key, is refused
//! with a stable code by CheckTx and by FinalizeBlock, and leaves no trace in the state.
//!
//! One table entry per routed type URL ([`rows`]); [`the_matrix_covers_every_routed_message`]
//! fails when a new message type has no entry. Messages come from the golden replay's
//! builders (`golden::m`), which build a valid instance of each.
//!
//! For every message, with account A named as its signer and account B holding the only
//! key used:
//! - B's public key in the `SignerInfo`: the key does not belong to A, `sdk:8`
//!   (invalid public key), before any state is read.
//! - no public key (A's stored one applies), A's account number and sequence, B's
//!   signature: `sdk:4` (unauthorized, signature verification failed).
//!
//! For the gov-only messages (every `MsgUpdateParams`, the community pool spend, the
//! software upgrade) also:
//! - the gov authority named, B's key: `sdk:8` as above; without a key, `sdk:8` too (the
//!   gov module account, funded here so that its fee is not what stops the transaction,
//!   has no public key, and no key hashes to a module address);
//! - B named as the authority and B's valid signature: the module's invalid-authority
//!   code, nothing but the fee and sequence charged.
//!
//! "No trace" is checked against a twin chain that gets empty blocks where this one gets
//! the refused transactions: the app hashes must agree at every height.

use std::collections::BTreeSet;

use weave_kernel::{gov_authority, Address, Any};
use weave_proto::weave::{
    auth::v1 as auth, bank::v1 as bank, channels::v1 as chan, content::v1 as content,
    gov::v1 as gov, seeders::v1 as seed, social::v1 as soc, splits::v1 as splits,
    validators::v1 as val,
};

use crate::{golden::m, harness::*};

const A: usize = 0;
const B: usize = 1;
const C: usize = 2;

/// The gov-only messages: the module's invalid-authority (codespace, code) when a normal
/// account names itself as the authority.
const GOV_ONLY: &[(&str, (&str, u32))] = &[
    ("/weave.auth.v1.MsgUpdateParams", ("sdk", 4)),
    ("/weave.bank.v1.MsgUpdateParams", ("bank", 6)),
    ("/weave.channels.v1.MsgUpdateParams", ("channels", 19)),
    ("/weave.content.v1.MsgUpdateParams", ("content", 21)),
    ("/weave.gov.v1.MsgUpdateParams", ("gov", 11)),
    ("/weave.gov.v1.MsgCommunityPoolSpend", ("gov", 11)),
    ("/weave.gov.v1.MsgSoftwareUpgrade", ("gov", 11)),
    ("/weave.seeders.v1.MsgUpdateParams", ("seeders", 21)),
    ("/weave.social.v1.MsgUpdateParams", ("social", 19)),
    ("/weave.splits.v1.MsgUpdateParams", ("splits", 12)),
    ("/weave.validators.v1.MsgUpdateParams", ("validators", 26)),
];

fn any(type_url: &str, msg: &impl prost::Message) -> Any {
    Any {
        type_url: type_url.into(),
        value: msg.encode_to_vec(),
    }
}

/// One valid message of every routed type with `signer` as the account that must sign
/// it (the authority of the gov-only ones); `other` is any second account.
fn rows(chain: &TestChain, signer: &Address, other: &Address) -> Vec<Any> {
    let authority = signer.to_string();
    macro_rules! update {
        ($module:ident, $name:literal) => {{
            let res: $module::QueryParamsResponse = chain.query(
                concat!("/weave.", $name, ".v1.Query/Params"),
                &$module::QueryParamsRequest {},
            );
            any(
                concat!("/weave.", $name, ".v1.MsgUpdateParams"),
                &$module::MsgUpdateParams {
                    authority: authority.clone(),
                    params: res.params,
                },
            )
        }};
    }
    let root = [0x11; 32];
    let (s, o) = (signer, other);
    vec![
        // bank
        m::send(s, o, 1),
        msg::cosmos_send(s, o, 1),
        msg::multi_send(s, &[(*o, 1)]),
        // validators
        m::create_validator(s, 101, 10_000_000),
        m::edit_validator(s),
        m::delegate(s, o, 1),
        m::undelegate(s, o, 1),
        m::redelegate(s, o, &chain.addr(C), 1),
        m::unjail(s),
        m::withdraw_rewards(s, o),
        // content
        m::register_content(s, root, 100, &[(*s, 10_000)]),
        m::update_content(s, 1),
        m::retire_content(s, 1),
        m::purchase(s, 1, 1),
        m::transfer_access(s, o, 1, 1),
        m::tip(s, 1, 1),
        m::set_subscription_terms(s, 100, 10),
        m::subscribe(s, o, 1),
        m::register_buyer_key(s, [7; 32]),
        m::deliver_key(s, 1, o),
        // splits
        m::create_split(s, &[(*s, 5_000), (*o, 5_000)], s),
        m::update_split(s, 1, &[(*s, 5_000), (*o, 5_000)]),
        m::propose_controller(s, 1, o),
        m::accept_controller(s, 1),
        // channels
        m::open_channel(s, 1_000, 100, 0),
        m::top_up(s, 1, 1),
        m::close_channel(s, 1),
        m::claim(s, vec![m::voucher(1, s, root, 1, 1, 1)]),
        // seeders
        m::bond_seeder(s, 10_000_000, &[root]),
        m::update_seeder(s, &[root], 1),
        m::unbond_seeder(s),
        m::unjail_seeder(s),
        m::report_bad_slice(s, o),
        // gov
        m::submit_proposal(s, vec![m::send(&gov_authority(), o, 1)], 1, false),
        m::deposit(s, 1, 1),
        m::vote(s, 1, gov::VoteOption::Yes),
        m::vote_weighted(s, 1, &[(gov::VoteOption::Yes, 10_000)]),
        any(
            "/weave.gov.v1.MsgCommunityPoolSpend",
            &gov::MsgCommunityPoolSpend {
                authority: authority.clone(),
                recipient: o.to_string(),
                amount: "1".into(),
            },
        ),
        any(
            "/weave.gov.v1.MsgSoftwareUpgrade",
            &gov::MsgSoftwareUpgrade {
                authority: authority.clone(),
                plan: Some(gov::UpgradePlan {
                    name: "authz".into(),
                    height: 1_000,
                    info: String::new(),
                }),
            },
        ),
        // every module's params
        update!(auth, "auth"),
        update!(bank, "bank"),
        update!(splits, "splits"),
        update!(content, "content"),
        update!(chan, "channels"),
        update!(val, "validators"),
        update!(gov, "gov"),
        update!(seed, "seeders"),
        update!(soc, "social"),
        // social
        m::set_profile(s, "someone"),
        m::follow(s, o),
        m::unfollow(s, o),
        m::react(s, 1),
        m::remove_reaction(s, 1),
        m::comment(s, 1, 0),
        m::hide_comment(s, 1),
    ]
}

fn routed(chain: &TestChain) -> BTreeSet<String> {
    chain
        .app()
        .router()
        .modules()
        .iter()
        .flat_map(|m| m.message_types().iter().map(|t| t.to_string()))
        .collect()
}

fn gov_only(type_url: &str) -> Option<(&'static str, u32)> {
    GOV_ONLY
        .iter()
        .find(|(t, _)| *t == type_url)
        .map(|(_, code)| *code)
}

#[test]
fn the_matrix_covers_every_routed_message() {
    let chain = TestChain::new();
    let rows = rows(&chain, &chain.addr(A), &chain.addr(B));
    let listed: Vec<String> = rows.iter().map(|r| r.type_url.clone()).collect();
    let set: BTreeSet<String> = listed.iter().cloned().collect();
    assert_eq!(set.len(), listed.len(), "a type URL listed twice");
    let routed = routed(&chain);
    let missing: Vec<&String> = routed.difference(&set).collect();
    assert!(
        missing.is_empty(),
        "routed but not in the matrix: {missing:?}"
    );
    let stale: Vec<&String> = set.difference(&routed).collect();
    assert!(stale.is_empty(), "in the matrix but not routed: {stale:?}");
    for (t, _) in GOV_ONLY {
        assert!(routed.contains(*t), "gov-only {t} is not routed");
    }
}

/// A chain where A has used its key once (so it is stored), and its twin.
fn chain_pair() -> (TestChain, TestChain) {
    let mut chains = (TestChain::new(), TestChain::new());
    for chain in [&mut chains.0, &mut chains.1] {
        // A uses its key; the gov authority gets funds, so that its fee is not what
        // stops a transaction in its name.
        let txs = [
            chain.send(A, &chain.addr(C), 1),
            chain.send(C, &gov_authority(), 1_000_000),
        ];
        for r in &chain.deliver_block(&txs).tx_results {
            assert_ok(r);
        }
        assert!(chain.account(&chain.addr(A)).unwrap().pub_key.is_some());
    }
    (chains.0, chains.1)
}

/// Each transaction is refused with its code by CheckTx and by FinalizeBlock (one block
/// of them all, not committed); returns the mismatches.
fn assert_refused(chain: &TestChain, txs: &[(String, Vec<u8>, (&str, u32))]) -> String {
    let mut errors = String::new();
    for (what, tx, code) in txs {
        let check = chain.check(tx);
        let got = (check.codespace.as_str(), check.code);
        if got != *code {
            errors += &format!("{what}: CheckTx {got:?} ({}), want {code:?}\n", check.log);
        }
    }
    let bytes: Vec<Vec<u8>> = txs.iter().map(|(_, tx, _)| tx.clone()).collect();
    let res = chain.finalize(&bytes);
    for ((what, _, code), r) in txs.iter().zip(&res.tx_results) {
        let got = (r.codespace.as_str(), r.code);
        if got != *code {
            errors += &format!("{what}: FinalizeBlock {got:?} ({}), want {code:?}\n", r.log);
        }
    }
    errors
}

#[test]
fn a_message_signed_by_another_account_is_refused_and_changes_nothing() {
    let (mut chain, mut twin) = chain_pair();
    let (a, b) = (chain.addr(A), chain.addr(B));
    let key_b = chain.keys[B].clone();
    let a_account = chain.account(&a).unwrap();
    let mut errors = String::new();
    let mut count = 0;
    let mut named = vec![(a, "A")];
    let gov_rows: Vec<Any> = rows(&chain, &gov_authority(), &b)
        .into_iter()
        .filter(|r| gov_only(&r.type_url).is_some())
        .collect();
    named.push((gov_authority(), "the gov authority"));
    for (who, name) in named {
        let msgs = if who == a {
            rows(&chain, &a, &b)
        } else {
            gov_rows.clone()
        };
        for msg in msgs {
            let what = format!("{} naming {name}", msg.type_url);
            // B's key in the SignerInfo: not A's key.
            let with_key = chain.tx(&key_b, vec![msg.clone()]).sign(&key_b);
            // No key (A's stored one applies), A's account number and sequence, B's
            // signature.
            let mut b_tx = TxBuilder::new(vec![msg.clone()]).without_pub_key();
            let code = if who == a {
                b_tx.account_number = a_account.account_number;
                b_tx.sequence = a_account.sequence;
                ("sdk", 4)
            } else {
                // The authority's account (funded above) has no key, and none can
                // be supplied: no key's address is a module address.
                ("sdk", 8)
            };
            let without_key = b_tx.sign(&key_b);
            errors += &assert_refused(
                &chain,
                &[
                    (format!("{what}, B's key"), with_key, ("sdk", 8)),
                    (format!("{what}, no key"), without_key, code),
                ],
            );
            chain.commit();
            twin.deliver_block(&[]);
            count += 2;
            if chain.info().last_block_app_hash != twin.info().last_block_app_hash {
                errors += &format!("{what}: the refused transactions changed the state\n");
            }
        }
    }
    assert!(errors.is_empty(), "not refused as expected:\n{errors}");
    assert_eq!(chain.account(&a).unwrap(), a_account);
    // 47 routed types naming A twice each, 10 gov-only ones naming the authority twice.
    assert_eq!(count, 2 * routed(&chain).len() + 2 * GOV_ONLY.len());
}

#[test]
fn a_gov_only_message_with_a_normal_account_as_authority_is_refused() {
    let mut chain = TestChain::new();
    let b = chain.addr(B);
    let key_b = chain.keys[B].clone();
    let gov_rows: Vec<Any> = rows(&chain, &b, &chain.addr(C))
        .into_iter()
        .filter(|r| gov_only(&r.type_url).is_some())
        .collect();
    assert_eq!(gov_rows.len(), GOV_ONLY.len());
    let params_before = rows(&chain, &b, &chain.addr(C));
    let mut errors = String::new();
    for msg in gov_rows {
        let code = gov_only(&msg.type_url).unwrap();
        let before = chain.balance(&b);
        let tx = chain.tx(&key_b, vec![msg.clone()]).sign(&key_b);
        errors += &assert_refused(&chain, &[(msg.type_url.clone(), tx, code)]);
        chain.commit();
        // The fee is all it cost: the message's writes were discarded.
        if chain.balance(&b) != before - FEE {
            errors += &format!("{}: B paid more than the fee\n", msg.type_url);
        }
    }
    assert!(errors.is_empty(), "not refused as expected:\n{errors}");
    // Every module's params are what they were (the rows encode them).
    assert_eq!(rows(&chain, &b, &chain.addr(C)), params_before);
}
