//! Building and signing transactions in the Cosmos SDK format that the chain decodes
//! (see `weave_app::tx`): a `TxRaw` carrying `TxBody` and `AuthInfo` bytes and one
//! `SIGN_MODE_DIRECT` signature over the `SignDoc`.
//!
//! Nothing here talks to a node, so the load tool signs with the same code as the CLI.

use cosmos_sdk_proto::{
    cosmos::{
        base::v1beta1::Coin as ProtoCoin,
        tx::{
            signing::v1beta1::SignMode,
            v1beta1::{mode_info, AuthInfo, Fee, ModeInfo, SignDoc, SignerInfo, TxBody, TxRaw},
        },
    },
    Any,
};
use prost::Message;
use sha2::{Digest, Sha256};
use weave_kernel::DENOM;

use crate::keys::SigningKey;

/// What a signature binds besides the transaction itself: the signer's account number
/// and sequence, and the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignerData {
    /// The account number the chain assigned to the signer.
    pub account_number: u64,
    /// The signer's next sequence (the number of transactions it has sent).
    pub sequence: u64,
    /// The chain id, as in the genesis.
    pub chain_id: String,
}

/// Builds and signs a transaction with one signer, who also pays the fee, and returns
/// its `TxRaw` bytes: what `BroadcastTx` and CometBFT take.
///
/// The signer's public key always travels in its `SignerInfo` (an account's first
/// transaction needs it; later ones may carry it). The fee is `fee_uweave` in the base
/// denomination; a zero fee is sent as an empty coin list. `timeout_height` 0 means no
/// timeout.
pub fn build_signed_tx(
    key: &SigningKey,
    messages: Vec<Any>,
    signer: &SignerData,
    fee_uweave: u128,
    gas_limit: u64,
    memo: &str,
    timeout_height: u64,
) -> Vec<u8> {
    let body = TxBody {
        messages,
        memo: memo.to_string(),
        timeout_height,
        ..Default::default()
    };
    let public_key = key.public_key_any();
    let fee_amount = if fee_uweave == 0 {
        Vec::new()
    } else {
        vec![ProtoCoin {
            denom: DENOM.to_string(),
            amount: fee_uweave.to_string(),
        }]
    };
    let auth_info = AuthInfo {
        signer_infos: vec![SignerInfo {
            public_key: Some(Any {
                type_url: public_key.type_url,
                value: public_key.value,
            }),
            mode_info: Some(ModeInfo {
                sum: Some(mode_info::Sum::Single(mode_info::Single {
                    mode: SignMode::Direct as i32,
                })),
            }),
            sequence: signer.sequence,
        }],
        fee: Some(Fee {
            amount: fee_amount,
            gas_limit,
            payer: String::new(),
            granter: String::new(),
        }),
        ..Default::default()
    };
    let body_bytes = body.encode_to_vec();
    let auth_info_bytes = auth_info.encode_to_vec();
    let sign_doc = SignDoc {
        body_bytes: body_bytes.clone(),
        auth_info_bytes: auth_info_bytes.clone(),
        chain_id: signer.chain_id.clone(),
        account_number: signer.account_number,
    };
    let signature = key.sign(&sign_doc.encode_to_vec());
    TxRaw {
        body_bytes,
        auth_info_bytes,
        signatures: vec![signature],
    }
    .encode_to_vec()
}

/// The hash of a transaction as CometBFT and `GetTx` name it: SHA-256 of its bytes in
/// upper-case hex.
pub fn tx_hash(tx_bytes: &[u8]) -> String {
    hex::encode_upper(Sha256::digest(tx_bytes))
}

/// Wraps a protobuf message into the `Any` a `TxBody` carries.
pub fn to_any(type_url: &str, message: &impl Message) -> Any {
    Any {
        type_url: type_url.to_string(),
        value: message.encode_to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use cosmos_sdk_proto::cosmos::tx::v1beta1::{AuthInfo, TxRaw};
    use weave_app::{router::Router, tx::decode_tx};
    use weave_kernel::{expected::PubKey, Address, Coin};
    use weave_proto::weave::{bank::v1::MsgSend, base::v1::Coin as WeaveCoin};

    use super::*;
    use crate::keys::KeyAlgo;

    fn router() -> Router {
        Router::new(vec![Arc::new(weave_bank::BankModule::new())]).unwrap()
    }

    fn send(from: Address, to: Address, amount: u128) -> Any {
        to_any(
            weave_bank::MSG_SEND,
            &MsgSend {
                from_address: from.to_string(),
                to_address: to.to_string(),
                amount: vec![WeaveCoin {
                    denom: DENOM.into(),
                    amount: amount.to_string(),
                }],
            },
        )
    }

    fn signer() -> SignerData {
        SignerData {
            account_number: 7,
            sequence: 3,
            chain_id: "test-1".into(),
        }
    }

    /// Builds a send signed by `key`, decodes it as the chain does and checks every field
    /// and the signature.
    fn round_trip(key: &SigningKey) {
        let to = Address::new([9; 20]);
        let tx = build_signed_tx(
            key,
            vec![send(key.address(), to, 1_000)],
            &signer(),
            5_000,
            200_000,
            "hello",
            42,
        );
        let decoded = decode_tx(&tx, &router(), 256).unwrap();
        assert_eq!(hex::encode_upper(decoded.hash), tx_hash(&tx));
        assert_eq!(decoded.memo, "hello");
        assert_eq!(decoded.timeout_height, 42);
        assert_eq!(decoded.gas_limit, 200_000);
        assert_eq!(
            decoded.fee.iter().collect::<Vec<_>>(),
            vec![&Coin::base(5_000)]
        );
        assert_eq!(decoded.messages.len(), 1);
        assert_eq!(decoded.signers.len(), 1);
        let s = &decoded.signers[0];
        assert_eq!(s.address, key.address());
        assert_eq!(s.sequence, 3);
        let pub_key = s.pub_key.clone().unwrap();
        let expected_key = match key.algo() {
            KeyAlgo::Secp256k1 => PubKey::Secp256k1(key.public_key_bytes()),
            KeyAlgo::Ed25519 => PubKey::Ed25519(key.public_key_bytes()),
        };
        assert_eq!(pub_key, expected_key);

        let sign_bytes = decoded.sign_bytes("test-1", 7);
        weave_app::tx::verify_signature(&pub_key, &sign_bytes, &s.signature).unwrap();
        // The signature binds the chain id and the account number.
        let other_chain = decoded.sign_bytes("test-2", 7);
        assert!(weave_app::tx::verify_signature(&pub_key, &other_chain, &s.signature).is_err());
        let other_account = decoded.sign_bytes("test-1", 8);
        assert!(weave_app::tx::verify_signature(&pub_key, &other_account, &s.signature).is_err());
    }

    #[test]
    fn secp256k1_tx_decodes_and_verifies() {
        round_trip(&SigningKey::from_secret_bytes(KeyAlgo::Secp256k1, &[7; 32]).unwrap());
    }

    #[test]
    fn ed25519_tx_decodes_and_verifies() {
        round_trip(&SigningKey::from_secret_bytes(KeyAlgo::Ed25519, &[8; 32]).unwrap());
    }

    #[test]
    fn zero_fee_is_an_empty_coin_list() {
        let key = SigningKey::from_secret_bytes(KeyAlgo::Secp256k1, &[7; 32]).unwrap();
        let tx = build_signed_tx(
            &key,
            vec![send(key.address(), key.address(), 1)],
            &signer(),
            0,
            1,
            "",
            0,
        );
        let raw = TxRaw::decode(tx.as_slice()).unwrap();
        let auth = AuthInfo::decode(raw.auth_info_bytes.as_slice()).unwrap();
        assert!(auth.fee.unwrap().amount.is_empty());
        let decoded = decode_tx(&tx, &router(), 256).unwrap();
        assert!(decoded.fee.is_empty());
    }

    #[test]
    fn tx_hash_is_upper_hex_sha256() {
        assert_eq!(
            tx_hash(b""),
            "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"
        );
    }
}
