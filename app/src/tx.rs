//! Transactions in the Cosmos SDK format: `TxRaw` carrying `TxBody` and `AuthInfo`,
//! each signer signing in `SIGN_MODE_DIRECT` over a `SignDoc` that binds the chain id and
//! the account number, or in `SIGN_MODE_LEGACY_AMINO_JSON` over the amino JSON
//! `StdSignDoc` ([`crate::amino`]). This file decodes them and checks everything that
//! needs no state.

use cosmos_sdk_proto::cosmos::tx::{
    signing::v1beta1::SignMode,
    v1beta1::{mode_info, AuthInfo, SignDoc, TxBody, TxRaw},
};
use prost::Message;
use sha2::{Digest, Sha256};
use weave_kernel::{
    expected::PubKey, Address, Any, Coins, DecodedMsg, KernelError, TxError, DENOM,
};

use crate::{amino::AminoBody, router::Router};

/// The largest transaction the chain accepts, in bytes.
pub const MAX_TX_BYTES: usize = 1024 * 1024;
/// The most messages one transaction may carry.
pub const MAX_MESSAGES: usize = weave_auth::MAX_TX_MESSAGES;

/// How a signer signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignerMode {
    /// `SIGN_MODE_DIRECT`: the protobuf `SignDoc`.
    Direct,
    /// `SIGN_MODE_LEGACY_AMINO_JSON`: the amino JSON `StdSignDoc`.
    AminoJson,
    /// `SIGN_MODE_UNSPECIFIED`: accepted only by simulation, which checks no signature
    /// (CosmJS simulates with it).
    Unspecified,
}

/// One signer of a transaction, as its `SignerInfo` says.
#[derive(Debug, Clone)]
pub struct SignerInput {
    /// The address the messages require.
    pub address: Address,
    /// The key, if the signer supplied one (required on an account's first tx).
    pub pub_key: Option<PubKey>,
    /// The sequence signed.
    pub sequence: u64,
    /// The signature bytes.
    pub signature: Vec<u8>,
    /// The sign mode it names.
    pub mode: SignerMode,
}

/// A decoded transaction whose shape passed every stateless check. Its messages are
/// decoded once, here, by the modules that own them; execution takes them from
/// [`DecodedTx::decoded`] and never decodes them again.
#[derive(Debug)]
pub struct DecodedTx {
    /// The raw bytes as broadcast.
    pub raw_len: usize,
    /// SHA-256 of the raw bytes: the transaction hash CometBFT uses.
    pub hash: [u8; 32],
    /// `TxRaw.body_bytes`, signed as is.
    pub body_bytes: Vec<u8>,
    /// `TxRaw.auth_info_bytes`, signed as is.
    pub auth_info_bytes: Vec<u8>,
    /// The messages, as they came.
    pub messages: Vec<Any>,
    /// The messages as their modules decoded them, in the same order (execution takes
    /// them, leaving this empty).
    pub decoded: Vec<DecodedMsg>,
    /// The first signer each message names, in message order.
    pub message_senders: Vec<Address>,
    /// The memo.
    pub memo: String,
    /// 0 = no timeout.
    pub timeout_height: u64,
    /// The signers, in the order the messages first name them.
    pub signers: Vec<SignerInput>,
    /// The fee offered.
    pub fee: Coins,
    /// The gas limit.
    pub gas_limit: u64,
    /// The shared part of the amino JSON sign doc, when a signer signs in
    /// `SIGN_MODE_LEGACY_AMINO_JSON`.
    pub amino: Option<AminoBody>,
}

impl DecodedTx {
    /// The bytes each signer signs: the `SignDoc` for this chain and account number.
    pub fn sign_bytes(&self, chain_id: &str, account_number: u64) -> Vec<u8> {
        SignDoc {
            body_bytes: self.body_bytes.clone(),
            auth_info_bytes: self.auth_info_bytes.clone(),
            chain_id: chain_id.to_string(),
            account_number,
        }
        .encode_to_vec()
    }

    /// The bytes `signer` signs in its sign mode, for this chain and account number.
    pub fn signer_sign_bytes(
        &self,
        signer: &SignerInput,
        chain_id: &str,
        account_number: u64,
    ) -> Result<Vec<u8>, KernelError> {
        match (signer.mode, &self.amino) {
            (SignerMode::Direct, _) => Ok(self.sign_bytes(chain_id, account_number)),
            (SignerMode::AminoJson, Some(amino)) => {
                Ok(amino.sign_bytes(chain_id, account_number, signer.sequence))
            }
            (SignerMode::AminoJson, None) | (SignerMode::Unspecified, _) => Err(unsupported_mode()),
        }
    }

    /// The first signer pays the fee.
    pub fn fee_payer(&self) -> Option<Address> {
        self.signers.first().map(|s| s.address)
    }
}

/// A transaction decoded ahead of its execution (once per block, for the block's
/// preparation hooks), with the memo limit it was decoded under: execution reuses it
/// when the limit in force then is the same, and decodes again otherwise.
#[derive(Debug)]
pub struct Predecoded {
    /// The memo limit `tx` was decoded under.
    pub max_memo: usize,
    /// What [`decode_tx`] answered.
    pub tx: Result<DecodedTx, TxError>,
}

/// Decodes transaction bytes and runs every stateless check: size, decoding, known
/// message types and their shape, signer/signature counts, sign modes and fee denom.
pub fn decode_tx(bytes: &[u8], router: &Router, max_memo: usize) -> Result<DecodedTx, TxError> {
    if bytes.len() > MAX_TX_BYTES {
        return Err(KernelError::TxTooLarge {
            len: bytes.len(),
            max: MAX_TX_BYTES,
        }
        .into());
    }
    let raw = TxRaw::decode(bytes).map_err(|e| KernelError::TxDecode(format!("TxRaw: {e}")))?;
    let body = TxBody::decode(raw.body_bytes.as_slice())
        .map_err(|e| KernelError::TxDecode(format!("TxBody: {e}")))?;
    let auth = AuthInfo::decode(raw.auth_info_bytes.as_slice())
        .map_err(|e| KernelError::TxDecode(format!("AuthInfo: {e}")))?;

    if !body.extension_options.is_empty() || !body.non_critical_extension_options.is_empty() {
        return Err(KernelError::NotSupported("extension options".into()).into());
    }
    if body.messages.is_empty() {
        return Err(KernelError::InvalidRequest("transaction has no messages".into()).into());
    }
    if body.messages.len() > MAX_MESSAGES {
        return Err(KernelError::InvalidRequest(format!(
            "transaction has {} messages, limit {MAX_MESSAGES}",
            body.messages.len()
        ))
        .into());
    }
    if body.memo.len() > max_memo {
        return Err(KernelError::MemoTooLarge {
            len: body.memo.len(),
            max: max_memo,
        }
        .into());
    }

    // Every message must be known and well-formed; collect the required signers in
    // the order they first appear.
    let mut required: Vec<Address> = Vec::new();
    let mut message_senders = Vec::with_capacity(body.messages.len());
    let mut decoded = Vec::with_capacity(body.messages.len());
    for msg in &body.messages {
        let module = router
            .module_for(&msg.type_url)
            .ok_or_else(|| KernelError::UnknownMessage(msg.type_url.clone()))?;
        let message = module.decode_message(msg)?;
        let first = *message.signers().first().ok_or_else(|| {
            KernelError::InvalidRequest(format!("message {} names no signer", msg.type_url))
        })?;
        message_senders.push(first);
        for signer in message.signers() {
            if !required.contains(signer) {
                required.push(*signer);
            }
        }
        decoded.push(message);
    }

    let fee = auth
        .fee
        .as_ref()
        .ok_or_else(|| KernelError::InsufficientFee {
            got: "no fee".into(),
            required: "a fee".into(),
        })?;
    if !fee.payer.is_empty() || !fee.granter.is_empty() {
        return Err(KernelError::NotSupported("fee payer and fee granter".into()).into());
    }
    let fee_coins = Coins::parse(
        fee.amount
            .iter()
            .map(|c| (c.denom.as_str(), c.amount.as_str())),
    )
    .map_err(KernelError::from)?;
    if let Some(c) = fee_coins.iter().find(|c| c.denom != DENOM) {
        return Err(KernelError::InvalidCoins(format!(
            "fees are paid in {DENOM}, got {}",
            c.denom
        ))
        .into());
    }
    // A zero gas limit is refused by the ante handler, except in a simulation (CosmJS
    // simulates with an empty fee).

    if raw.signatures.is_empty() {
        return Err(KernelError::NoSignatures.into());
    }
    if auth.signer_infos.len() != required.len() {
        return Err(KernelError::WrongSignatureCount {
            expected: required.len(),
            got: auth.signer_infos.len(),
        }
        .into());
    }
    if raw.signatures.len() != auth.signer_infos.len() {
        return Err(KernelError::WrongSignatureCount {
            expected: auth.signer_infos.len(),
            got: raw.signatures.len(),
        }
        .into());
    }

    let mut signers = Vec::with_capacity(required.len());
    for ((address, info), signature) in required.iter().zip(&auth.signer_infos).zip(&raw.signatures)
    {
        let mode = match info.mode_info.as_ref().and_then(|m| m.sum.as_ref()) {
            Some(mode_info::Sum::Single(s)) if s.mode == SignMode::Direct as i32 => {
                SignerMode::Direct
            }
            Some(mode_info::Sum::Single(s)) if s.mode == SignMode::LegacyAminoJson as i32 => {
                SignerMode::AminoJson
            }
            Some(mode_info::Sum::Single(s)) if s.mode == SignMode::Unspecified as i32 => {
                SignerMode::Unspecified
            }
            _ => return Err(unsupported_mode().into()),
        };
        let pub_key = match &info.public_key {
            Some(any) => {
                let k = weave_bank::decode_pubkey(any)?;
                if k.address() != *address {
                    return Err(KernelError::InvalidPubKey(format!(
                        "public key belongs to {}, signer is {address}",
                        k.address()
                    ))
                    .into());
                }
                Some(k)
            }
            None => None,
        };
        signers.push(SignerInput {
            address: *address,
            pub_key,
            sequence: info.sequence,
            signature: signature.clone(),
            mode,
        });
    }

    let amino = if signers.iter().any(|s| s.mode == SignerMode::AminoJson) {
        Some(AminoBody::new(
            &body.messages,
            &body.memo,
            fee.amount
                .iter()
                .map(|c| (c.denom.as_str(), c.amount.as_str())),
            fee.gas_limit,
            body.timeout_height,
        )?)
    } else {
        None
    };

    Ok(DecodedTx {
        raw_len: bytes.len(),
        hash: Sha256::digest(bytes).into(),
        body_bytes: raw.body_bytes,
        auth_info_bytes: raw.auth_info_bytes,
        messages: body.messages,
        decoded,
        message_senders,
        memo: body.memo,
        timeout_height: body.timeout_height,
        signers,
        fee: fee_coins,
        gas_limit: fee.gas_limit,
        amino,
    })
}

/// The error for a sign mode the chain does not take.
pub fn unsupported_mode() -> KernelError {
    KernelError::NotSupported(
        "only SIGN_MODE_DIRECT and SIGN_MODE_LEGACY_AMINO_JSON single signatures".into(),
    )
}

/// Verifies one signature over `sign_bytes` ([`PubKey::verify`]).
pub fn verify_signature(
    pub_key: &PubKey,
    sign_bytes: &[u8],
    signature: &[u8],
) -> Result<(), KernelError> {
    pub_key.verify(sign_bytes, signature)
}
