//! Genesis transactions (gentxs): how a genesis validator is created.
//!
//! A gentx is a transaction signed offline by a validator's operator carrying exactly
//! one `/weave.validators.v1.MsgCreateValidator`, signed in `SIGN_MODE_DIRECT` for the
//! genesis' chain id with account number 0 and sequence 0, without a fee. InitChain
//! delivers every gentx of `app_state.validators.gen_txs` after all of genesis is
//! written, and the validators they create are the genesis validator set.
//!
//! **A gentx file** (what `weaved genesis gentx` writes and `collect-gentxs` reads)
//! holds one JSON object, `{"gen_tx": "<base64 of the signed TxRaw>"}` (standard
//! base64 with padding): exactly the string that goes into `gen_txs`.

use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, ensure, Context};
use cosmos_sdk_proto::cosmos::tx::{
    signing::v1beta1::SignMode,
    v1beta1::{mode_info, AuthInfo, SignDoc, TxBody, TxRaw},
};
use prost::Message;
use serde::{Deserialize, Serialize};
use weave_kernel::{Address, Any, Coins, DENOM};
use weave_validators::{GenesisState, ValidatorsMsg, MSG_CREATE_VALIDATOR};

use crate::{builder::build_signed_tx, builder::SignerData, keys::SigningKey};

/// The gas limit of a gentx. InitChain charges gas like any block but asks no fee for
/// it, so the limit only has to be ample: creating a validator uses a small fraction.
pub const GENTX_GAS_LIMIT: u64 = 1_000_000;

/// A gentx file: `{"gen_tx": BASE64}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GentxFile {
    /// The base64 of the signed `TxRaw`, as `gen_txs` holds it.
    pub gen_tx: String,
}

impl GentxFile {
    /// The file of a signed transaction.
    pub fn of(tx: &[u8]) -> Self {
        Self {
            gen_tx: GenesisState::encode_gen_tx(tx),
        }
    }

    /// The document as written: one line of JSON and a newline.
    pub fn text(&self) -> anyhow::Result<String> {
        Ok(format!("{}\n", serde_json::to_string(self)?))
    }

    /// Parses a gentx file.
    pub fn parse(text: &str) -> anyhow::Result<Self> {
        let file: Self = serde_json::from_str(text)
            .context("not a gentx file: want {\"gen_tx\": \"<base64 of a signed TxRaw>\"}")?;
        ensure!(!file.gen_tx.trim().is_empty(), "\"gen_tx\" is empty");
        Ok(file)
    }

    /// The transaction bytes, checked for shape as the genesis check does.
    pub fn tx_bytes(&self) -> anyhow::Result<Vec<u8>> {
        let state = GenesisState {
            gen_txs: vec![self.gen_tx.clone()],
            ..GenesisState::default()
        };
        let mut txs = state.decoded_gen_txs().map_err(|e| anyhow!("{e}"))?;
        txs.pop().ok_or_else(|| anyhow!("no transaction decoded"))
    }
}

/// Signs a gentx: `msg` alone, for `chain_id`, account number 0, sequence 0, no fee,
/// [`GENTX_GAS_LIMIT`].
pub fn sign_gentx(key: &SigningKey, msg: Any, chain_id: &str) -> Vec<u8> {
    let signer = SignerData {
        account_number: 0,
        sequence: 0,
        chain_id: chain_id.to_string(),
    };
    build_signed_tx(key, vec![msg], &signer, 0, GENTX_GAS_LIMIT, "", 0)
}

/// What a gentx creates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GentxSummary {
    /// The operator, who signed it.
    pub operator: Address,
    /// The consensus key.
    pub consensus_pubkey: [u8; 32],
    /// The self-bond, in uweave.
    pub self_bond: u128,
    /// The fee it pays, in uweave (0 for the gentxs `weaved genesis gentx` signs).
    pub fee: u128,
    /// The validator's name.
    pub moniker: String,
}

impl GentxSummary {
    /// The voting power the self-bond gives.
    pub fn power(&self) -> i64 {
        weave_validators::power_of(self.self_bond)
    }
}

/// The largest transaction the chain accepts, in bytes (`weave_app::tx::MAX_TX_BYTES`).
const MAX_TX_BYTES: usize = 1024 * 1024;

/// Decodes a gentx and checks everything InitChain will, short of state: the
/// stateless checks the chain's transaction decoder runs on any transaction (size,
/// encoding, no extension options, memo size, fee in uweave with a nonzero gas limit,
/// one `SIGN_MODE_DIRECT` signature per signer, keys matching their signers), then one
/// well-formed `MsgCreateValidator`, one signer at sequence 0 who carries its public
/// key, and a signature for `chain_id` with account number 0.
pub fn inspect_gentx(tx: &[u8], chain_id: &str, max_memo: usize) -> anyhow::Result<GentxSummary> {
    ensure!(
        tx.len() <= MAX_TX_BYTES,
        "is {} bytes, the chain accepts at most {MAX_TX_BYTES}",
        tx.len()
    );
    let raw = TxRaw::decode(tx).context("not a TxRaw")?;
    let body = TxBody::decode(raw.body_bytes.as_slice()).context("not a TxBody")?;
    let auth = AuthInfo::decode(raw.auth_info_bytes.as_slice()).context("not an AuthInfo")?;
    ensure!(
        body.extension_options.is_empty() && body.non_critical_extension_options.is_empty(),
        "carries extension options, which the chain does not support"
    );
    ensure!(
        body.memo.len() <= max_memo,
        "its memo is {} bytes, the chain allows {max_memo}",
        body.memo.len()
    );
    let [msg] = body.messages.as_slice() else {
        bail!(
            "carries {} messages, a gentx carries one {MSG_CREATE_VALIDATOR}",
            body.messages.len()
        );
    };
    let decoded = ValidatorsMsg::decode(msg).map_err(|e| anyhow!("{}", e.log))?;
    let signers = decoded.signers();
    let ValidatorsMsg::CreateValidator {
        operator,
        consensus_pubkey,
        self_bond,
        description,
        ..
    } = decoded
    else {
        bail!("carries {}, not {MSG_CREATE_VALIDATOR}", msg.type_url);
    };
    let fee = auth.fee.as_ref().ok_or_else(|| anyhow!("carries no fee"))?;
    ensure!(
        fee.payer.is_empty() && fee.granter.is_empty(),
        "names a fee payer or granter, which the chain does not support"
    );
    let fee_coins = Coins::parse(
        fee.amount
            .iter()
            .map(|c| (c.denom.as_str(), c.amount.as_str())),
    )
    .map_err(|e| anyhow!("its fee: {e}"))?;
    if let Some(c) = fee_coins.iter().find(|c| c.denom != DENOM) {
        bail!("its fee is in {}, fees are paid in {DENOM}", c.denom);
    }
    ensure!(fee.gas_limit != 0, "its gas limit is 0");
    let ([signer_address], [info], [signature]) = (
        signers.as_slice(),
        auth.signer_infos.as_slice(),
        raw.signatures.as_slice(),
    ) else {
        bail!(
            "has {} signer infos and {} signatures for {} signers, a gentx has one",
            auth.signer_infos.len(),
            raw.signatures.len(),
            signers.len()
        );
    };
    match info.mode_info.as_ref().and_then(|m| m.sum.as_ref()) {
        Some(mode_info::Sum::Single(s)) if s.mode == SignMode::Direct as i32 => {}
        _ => bail!("is not signed with one SIGN_MODE_DIRECT signature"),
    }
    ensure!(
        info.sequence == 0,
        "is signed with sequence {}; a gentx uses 0",
        info.sequence
    );
    let pub_key = info
        .public_key
        .as_ref()
        .ok_or_else(|| anyhow!("carries no public key for {operator}"))?;
    let pub_key = weave_bank::decode_pubkey(pub_key).map_err(|e| anyhow!("{e}"))?;
    ensure!(
        pub_key.address() == *signer_address,
        "its public key belongs to {}, the signer is {signer_address}",
        pub_key.address()
    );
    let sign_bytes = SignDoc {
        body_bytes: raw.body_bytes.clone(),
        auth_info_bytes: raw.auth_info_bytes.clone(),
        chain_id: chain_id.to_string(),
        account_number: 0,
    }
    .encode_to_vec();
    pub_key.verify(&sign_bytes, signature).map_err(|_| {
        anyhow!(
            "its signature does not verify for chain {chain_id:?} and account number 0 (signed for another chain?)"
        )
    })?;
    Ok(GentxSummary {
        operator,
        consensus_pubkey,
        self_bond,
        fee: fee_coins.amount_of(DENOM),
        moniker: description.moniker,
    })
}

/// The gentx files of a directory: every `*.json` in it, sorted by file name, with
/// the `gen_tx` string of each.
pub fn read_gentx_dir(dir: &Path) -> anyhow::Result<Vec<(PathBuf, String)>> {
    let entries = std::fs::read_dir(dir)
        .with_context(|| format!("reading the directory {}", dir.display()))?;
    let mut paths = Vec::new();
    for entry in entries {
        let path = entry
            .with_context(|| format!("reading the directory {}", dir.display()))?
            .path();
        if path.is_file() && path.extension().is_some_and(|e| e == "json") {
            paths.push(path);
        }
    }
    paths.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
    paths
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("reading {}", path.display()))?;
            let file = GentxFile::parse(&text).with_context(|| format!("in {}", path.display()))?;
            Ok((path, file.gen_tx))
        })
        .collect()
}

#[cfg(test)]
pub(super) mod tests {
    use weave_proto::weave::validators::v1 as pb;

    use super::*;
    use crate::keys::KeyAlgo;

    pub(crate) fn operator(seed: u8) -> SigningKey {
        SigningKey::from_secret_bytes(KeyAlgo::Secp256k1, &[seed; 32]).unwrap()
    }

    pub(crate) fn consensus(seed: u8) -> [u8; 32] {
        ed25519_consensus::SigningKey::from([seed; 32])
            .verification_key()
            .to_bytes()
    }

    pub(crate) fn create(key: &SigningKey, consensus: [u8; 32], self_bond: u128) -> Any {
        crate::builder::to_any(
            MSG_CREATE_VALIDATOR,
            &pb::MsgCreateValidator {
                operator: key.address().to_string(),
                consensus_pubkey: consensus.to_vec(),
                self_bond: self_bond.to_string(),
                commission: Some(pb::Commission {
                    rate_bps: 1_000,
                    max_rate_bps: 2_000,
                    max_change_rate_bps: 100,
                    updated_at_seconds: 0,
                }),
                description: Some(pb::Description {
                    moniker: "node0".into(),
                    ..Default::default()
                }),
                min_self_delegation: "1".into(),
            },
        )
    }

    #[test]
    fn a_gentx_round_trips_through_its_file_and_the_genesis_check() {
        let key = operator(5);
        let tx = sign_gentx(&key, create(&key, consensus(1), 100_000_000), "weave-x");
        let file = GentxFile::of(&tx);
        let text = file.text().unwrap();
        assert!(text.starts_with("{\"gen_tx\":\""), "{text}");
        assert!(text.ends_with("\"}\n"), "{text}");
        let parsed = GentxFile::parse(&text).unwrap();
        assert_eq!(parsed, file);
        assert_eq!(parsed.tx_bytes().unwrap(), tx);

        // What the chain's genesis check accepts, and what InitChain delivers.
        let state = GenesisState {
            gen_txs: vec![parsed.gen_tx.clone()],
            ..GenesisState::default()
        };
        state.validate().unwrap();
        assert_eq!(state.decoded_gen_txs().unwrap(), vec![tx.clone()]);

        let summary = inspect_gentx(&tx, "weave-x", 256).unwrap();
        assert_eq!(
            summary,
            GentxSummary {
                operator: key.address(),
                consensus_pubkey: consensus(1),
                self_bond: 100_000_000,
                fee: 0,
                moniker: "node0".into(),
            }
        );
        assert_eq!(summary.power(), 100);

        // Signed as the Cosmos SDK signs gentxs: account 0, sequence 0, no fee.
        let raw = cosmos_sdk_proto::cosmos::tx::v1beta1::TxRaw::decode(tx.as_slice()).unwrap();
        let auth =
            cosmos_sdk_proto::cosmos::tx::v1beta1::AuthInfo::decode(raw.auth_info_bytes.as_slice())
                .unwrap();
        let fee = auth.fee.unwrap();
        assert!(fee.amount.is_empty());
        assert_eq!(fee.gas_limit, GENTX_GAS_LIMIT);
        assert_eq!(auth.signer_infos[0].sequence, 0);
    }

    #[test]
    fn bad_gentxs_are_refused_with_the_reason() {
        let key = operator(5);
        let tx = sign_gentx(&key, create(&key, consensus(1), 100), "weave-x");
        let e = inspect_gentx(&tx, "weave-y", 256).unwrap_err().to_string();
        assert!(e.contains("another chain"), "{e}");

        // Signed with a sequence other than 0.
        let signer = SignerData {
            account_number: 0,
            sequence: 3,
            chain_id: "weave-x".into(),
        };
        let seq = build_signed_tx(
            &key,
            vec![create(&key, consensus(1), 100)],
            &signer,
            0,
            1,
            "",
            0,
        );
        assert!(inspect_gentx(&seq, "weave-x", 256)
            .unwrap_err()
            .to_string()
            .contains("sequence 3"));

        // A message that is not a MsgCreateValidator, or two of them.
        let two = build_signed_tx(
            &key,
            vec![
                create(&key, consensus(1), 100),
                create(&key, consensus(2), 100),
            ],
            &SignerData {
                sequence: 0,
                ..signer
            },
            0,
            1,
            "",
            0,
        );
        assert!(GentxFile::of(&two).tx_bytes().is_err());
        assert!(inspect_gentx(&two, "weave-x", 256).is_err());

        for bad in [
            "",
            "{}",
            "{\"gen_tx\": \"\"}",
            "{\"gen_tx\": \"AAAA\", \"x\": 1}",
        ] {
            assert!(GentxFile::parse(bad).is_err(), "{bad:?} accepted");
        }
        assert!(GentxFile::parse("{\"gen_tx\": \"%%%\"}")
            .unwrap()
            .tx_bytes()
            .is_err());
    }

    #[test]
    fn a_gentx_directory_is_read_in_file_name_order() {
        let dir = tempfile::tempdir().unwrap();
        let mut expected = Vec::new();
        for (name, seed) in [
            ("gentx-b.json", 2u8),
            ("gentx-a.json", 1),
            ("gentx-c.json", 3),
        ] {
            let key = operator(seed);
            let tx = sign_gentx(&key, create(&key, consensus(seed), 100), "weave-x");
            let file = GentxFile::of(&tx);
            std::fs::write(dir.path().join(name), file.text().unwrap()).unwrap();
            expected.push((name, file.gen_tx));
        }
        // Not a gentx file: ignored.
        std::fs::write(dir.path().join("notes.txt"), "hello").unwrap();
        expected.sort();
        let read = read_gentx_dir(dir.path()).unwrap();
        let names: Vec<String> = read
            .iter()
            .map(|(p, _)| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["gentx-a.json", "gentx-b.json", "gentx-c.json"]);
        let txs: Vec<&String> = read.iter().map(|(_, t)| t).collect();
        assert_eq!(txs, expected.iter().map(|(_, t)| t).collect::<Vec<_>>());

        std::fs::write(dir.path().join("gentx-d.json"), "{}").unwrap();
        let e = read_gentx_dir(dir.path()).unwrap_err();
        assert!(format!("{e:#}").contains("gentx-d.json"), "{e:#}");
    }

    /// What the chain's own decoder says of a gentx: the check `inspect_gentx` made
    /// before it stopped depending on the application crate.
    fn chain_accepts(tx: &[u8], chain_id: &str, max_memo: usize) -> bool {
        use std::sync::Arc;
        use weave_app::{router::Router, tx::decode_tx};
        let bank = weave_bank::BankModule::new();
        let router = Router::new(vec![Arc::new(weave_validators::ValidatorsModule::new(
            Arc::new(bank.keeper()),
        ))])
        .unwrap();
        let Ok(decoded) = decode_tx(tx, &router, max_memo) else {
            return false;
        };
        let [signer] = decoded.signers.as_slice() else {
            return false;
        };
        // A gas limit of 0 decodes (simulation sends it) and is refused by the ante
        // step, which InitChain runs on every gentx as on any transaction.
        decoded.messages.len() == 1
            && decoded.gas_limit != 0
            && signer.sequence == 0
            && signer.pub_key.as_ref().is_some_and(|k| {
                weave_app::tx::verify_signature(
                    k,
                    &decoded.sign_bytes(chain_id, 0),
                    &signer.signature,
                )
                .is_ok()
            })
    }

    #[test]
    fn accepts_exactly_what_the_chains_decoder_accepts() {
        use cosmos_sdk_proto::cosmos::tx::v1beta1::{AuthInfo, TxBody, TxRaw};
        let key = operator(5);
        let signer = |sequence| SignerData {
            account_number: 0,
            sequence,
            chain_id: "weave-x".into(),
        };
        let good = sign_gentx(&key, create(&key, consensus(1), 100), "weave-x");
        // Re-encodes a transaction's parts without re-signing it.
        let edit = |f: &dyn Fn(&mut TxRaw, &mut TxBody, &mut AuthInfo)| {
            let mut raw = TxRaw::decode(good.as_slice()).unwrap();
            let mut body = TxBody::decode(raw.body_bytes.as_slice()).unwrap();
            let mut auth = AuthInfo::decode(raw.auth_info_bytes.as_slice()).unwrap();
            f(&mut raw, &mut body, &mut auth);
            raw.body_bytes = body.encode_to_vec();
            raw.auth_info_bytes = auth.encode_to_vec();
            raw.encode_to_vec()
        };
        let other_key = operator(6);
        let cases: Vec<(&str, Vec<u8>, usize)> = vec![
            ("good", good.clone(), 256),
            (
                "memo over the limit",
                {
                    build_signed_tx(
                        &key,
                        vec![create(&key, consensus(1), 100)],
                        &signer(0),
                        0,
                        1,
                        "hello",
                        0,
                    )
                },
                4,
            ),
            (
                "memo within the limit",
                {
                    build_signed_tx(
                        &key,
                        vec![create(&key, consensus(1), 100)],
                        &signer(0),
                        0,
                        1,
                        "hello",
                        0,
                    )
                },
                5,
            ),
            (
                "with a fee",
                {
                    build_signed_tx(
                        &key,
                        vec![create(&key, consensus(1), 100)],
                        &signer(0),
                        7,
                        1,
                        "",
                        0,
                    )
                },
                256,
            ),
            (
                "sequence 1",
                {
                    build_signed_tx(
                        &key,
                        vec![create(&key, consensus(1), 100)],
                        &signer(1),
                        0,
                        1,
                        "",
                        0,
                    )
                },
                256,
            ),
            (
                "no messages",
                build_signed_tx(&key, vec![], &signer(0), 0, 1, "", 0),
                256,
            ),
            (
                "two messages",
                {
                    build_signed_tx(
                        &key,
                        vec![
                            create(&key, consensus(1), 100),
                            create(&key, consensus(2), 100),
                        ],
                        &signer(0),
                        0,
                        1,
                        "",
                        0,
                    )
                },
                256,
            ),
            (
                "signed by someone else",
                {
                    build_signed_tx(
                        &other_key,
                        vec![create(&key, consensus(1), 100)],
                        &signer(0),
                        0,
                        1,
                        "",
                        0,
                    )
                },
                256,
            ),
            (
                "gas limit 0",
                {
                    build_signed_tx(
                        &key,
                        vec![create(&key, consensus(1), 100)],
                        &signer(0),
                        0,
                        0,
                        "",
                        0,
                    )
                },
                256,
            ),
            (
                "not a validators message",
                {
                    let m = crate::builder::to_any(
                        "/weave.bank.v1.MsgSend",
                        &pb::MsgCreateValidator::default(),
                    );
                    build_signed_tx(&key, vec![m], &signer(0), 0, 1, "", 0)
                },
                256,
            ),
            (
                "no signature",
                edit(&|raw, _, _| raw.signatures.clear()),
                256,
            ),
            (
                "two signatures",
                edit(&|raw, _, _| raw.signatures.push(raw.signatures[0].clone())),
                256,
            ),
            (
                "no public key",
                edit(&|_, _, auth| auth.signer_infos[0].public_key = None),
                256,
            ),
            (
                "another key",
                edit(&|_, _, auth| {
                    let k = other_key.public_key_any();
                    auth.signer_infos[0].public_key = Some(Any {
                        type_url: k.type_url,
                        value: k.value,
                    })
                }),
                256,
            ),
            ("no fee", edit(&|_, _, auth| auth.fee = None), 256),
            (
                "fee in another denom",
                edit(&|_, _, auth| {
                    auth.fee.as_mut().unwrap().amount =
                        vec![cosmos_sdk_proto::cosmos::base::v1beta1::Coin {
                            denom: "uatom".into(),
                            amount: "1".into(),
                        }]
                }),
                256,
            ),
            (
                "fee granter",
                edit(&|_, _, auth| auth.fee.as_mut().unwrap().granter = "x".into()),
                256,
            ),
            (
                "no sign mode",
                edit(&|_, _, auth| auth.signer_infos[0].mode_info = None),
                256,
            ),
            (
                "extension option",
                edit(&|_, body, _| body.extension_options.push(Default::default())),
                256,
            ),
            ("garbage", vec![0xff; 10], 256),
            ("too large", vec![0; MAX_TX_BYTES + 1], 256),
        ];
        for (name, tx, max_memo) in cases {
            let ours = inspect_gentx(&tx, "weave-x", max_memo);
            assert_eq!(
                ours.is_ok(),
                chain_accepts(&tx, "weave-x", max_memo),
                "{name}: {ours:?}"
            );
        }
        assert!(inspect_gentx(&good, "weave-x", 256).is_ok());
    }
}
