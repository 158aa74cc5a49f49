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

use std::{
    path::{Path, PathBuf},
    sync::Arc,
};

use anyhow::{anyhow, bail, ensure, Context};
use serde::{Deserialize, Serialize};
use weave_app::{
    router::Router,
    tx::{decode_tx, verify_signature},
};
use weave_kernel::{Address, Any, DENOM};
use weave_validators::{GenesisState, ValidatorsModule, ValidatorsMsg, MSG_CREATE_VALIDATOR};

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

/// Decodes a gentx and checks everything InitChain will, short of state: one
/// well-formed `MsgCreateValidator`, one signer at sequence 0 who carries its public
/// key, and a signature for `chain_id` with account number 0.
pub fn inspect_gentx(tx: &[u8], chain_id: &str, max_memo: usize) -> anyhow::Result<GentxSummary> {
    let bank = weave_bank::BankModule::new();
    let router = Router::new(vec![Arc::new(ValidatorsModule::new(Arc::new(
        bank.keeper(),
    )))])
    .map_err(|e| anyhow!("{e}"))?;
    let decoded = decode_tx(tx, &router, max_memo).map_err(|e| anyhow!("{}", e.log))?;
    let [msg] = decoded.messages.as_slice() else {
        bail!(
            "carries {} messages, a gentx carries one {MSG_CREATE_VALIDATOR}",
            decoded.messages.len()
        );
    };
    let ValidatorsMsg::CreateValidator {
        operator,
        consensus_pubkey,
        self_bond,
        description,
        ..
    } = ValidatorsMsg::decode(msg).map_err(|e| anyhow!("{}", e.log))?
    else {
        bail!("carries {}, not {MSG_CREATE_VALIDATOR}", msg.type_url);
    };
    let [signer] = decoded.signers.as_slice() else {
        bail!("has {} signers, a gentx has one", decoded.signers.len());
    };
    ensure!(
        signer.sequence == 0,
        "is signed with sequence {}; a gentx uses 0",
        signer.sequence
    );
    let pub_key = signer
        .pub_key
        .as_ref()
        .ok_or_else(|| anyhow!("carries no public key for {operator}"))?;
    verify_signature(
        pub_key,
        &decoded.sign_bytes(chain_id, 0),
        &signer.signature,
    )
    .map_err(|_| {
        anyhow!(
            "its signature does not verify for chain {chain_id:?} and account number 0 (signed for another chain?)"
        )
    })?;
    Ok(GentxSummary {
        operator,
        consensus_pubkey,
        self_bond,
        fee: decoded.fee.amount_of(DENOM),
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
    use prost::Message;
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
}
