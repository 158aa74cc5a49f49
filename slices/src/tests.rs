use proptest::prelude::*;

use super::*;

fn key(b: u8) -> ContentKey {
    ContentKey::from_bytes([b; 32])
}

#[test]
fn known_answers_pin_the_format() {
    // Values recorded from this implementation when the format was fixed (no external
    // vectors exist for it). Changing any of them changes every registered meta-hash:
    // that is a new format version, not a refactor.
    assert_eq!(hex::encode(nonce(0x0102)), "000000000000000000000102");
    let ct = encrypt_slice(&key(7), 3, b"weave").unwrap();
    assert_eq!(ct.len(), 5 + TAG_LEN);
    assert_eq!(
        hex::encode(leaf_hash(b"")),
        hex::encode(blake3::hash(&[0u8]).as_bytes())
    );
    let plaintext: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
    let (slices, _, meta) = seal(&key(7), &plaintext, MIN_SLICE_SIZE).unwrap();
    assert_eq!(slices.len(), 3);
    assert_eq!(meta.slice_count, 3);
    assert_eq!(
        (hex::encode(&ct), hex::encode(meta.root)),
        (KAT_SLICE.to_string(), KAT_ROOT.to_string()),
        "slice format changed"
    );
}

const KAT_SLICE: &str = "c11db6a5c01e152899be02f02b4db4e64520d5cc7d";
const KAT_ROOT: &str = "df08ec6794419b6ce9ffe68b8aea7af708d03f9078b59e1b84950c0c3157a980";

#[test]
fn decryption_fails_loudly_on_wrong_key_index_or_tampering() {
    let ct = encrypt_slice(&key(1), 5, b"some plaintext").unwrap();
    assert_eq!(decrypt_slice(&key(1), 5, &ct).unwrap(), b"some plaintext");
    assert_eq!(
        decrypt_slice(&key(2), 5, &ct),
        Err(SliceError::Decrypt { index: 5 })
    );
    assert_eq!(
        decrypt_slice(&key(1), 6, &ct),
        Err(SliceError::Decrypt { index: 6 })
    );
    let mut tampered = ct.clone();
    tampered[0] ^= 1;
    assert!(decrypt_slice(&key(1), 5, &tampered).is_err());
    assert!(decrypt_slice(&key(1), 5, &ct[..ct.len() - 1]).is_err());
}

#[test]
fn in_place_decryption_matches_and_fails_the_same_way() {
    let plaintext: Vec<u8> = (0..70_000u32).map(|i| (i % 253) as u8).collect();
    let ct = encrypt_slice(&key(1), 9, &plaintext).unwrap();
    let mut buf = ct.clone();
    decrypt_slice_in_place(&key(1), 9, &mut buf).unwrap();
    assert_eq!(buf, plaintext);
    // A wrong key, a wrong index, a flipped bit, a short buffer: refused, untouched.
    let mut tampered = ct.clone();
    tampered[100] ^= 1;
    for (k, i, bytes) in [
        (2, 9, ct.clone()),
        (1, 8, ct.clone()),
        (1, 9, tampered),
        (1, 9, ct[..TAG_LEN - 1].to_vec()),
    ] {
        let mut buf = bytes.clone();
        assert_eq!(
            decrypt_slice_in_place(&key(k), i, &mut buf),
            Err(SliceError::Decrypt { index: i })
        );
        assert_eq!(buf, bytes);
        assert!(decrypt_slice(&key(k), i, &bytes).is_err());
    }
    let mut empty = encrypt_slice(&key(1), 0, b"").unwrap();
    decrypt_slice_in_place(&key(1), 0, &mut empty).unwrap();
    assert!(empty.is_empty());
}

#[test]
fn meta_hash_validation() {
    let good = MetaHash {
        root: [1; 32],
        slice_size: MIN_SLICE_SIZE,
        slice_count: 3,
        plaintext_len: 2 * MIN_SLICE_SIZE as u64 + 1,
        cipher: Cipher::ChaCha20Poly1305,
    };
    good.validate().unwrap();
    assert!(MetaHash {
        slice_count: 2,
        ..good
    }
    .validate()
    .is_err());
    assert!(MetaHash {
        plaintext_len: 0,
        slice_count: 0,
        ..good
    }
    .validate()
    .is_err());
    assert!(MetaHash {
        slice_size: 1,
        ..good
    }
    .validate()
    .is_err());
    assert_eq!(good.plaintext_len_of(2).unwrap(), 1);
    assert!(good.plaintext_len_of(3).is_err());
    assert_ne!(
        good.id(),
        MetaHash {
            plaintext_len: good.plaintext_len - 1,
            ..good
        }
        .id()
    );
}

#[test]
fn a_slice_from_elsewhere_is_caught() {
    let data = vec![9u8; 3 * MIN_SLICE_SIZE as usize];
    let (slices, tree, meta) = seal(&key(3), &data, MIN_SLICE_SIZE).unwrap();
    let proof = tree.proof(1).unwrap();
    meta.verify_slice(1, &slices[1], &proof).unwrap();
    assert!(meta.verify_slice(1, &slices[2], &proof).is_err());
    assert!(meta.verify_slice(2, &slices[1], &proof).is_err());
    let mut bad = slices[1].clone();
    bad[10] ^= 0x80;
    assert!(meta.verify_slice(1, &bad, &proof).is_err());
    let mut short = proof.clone();
    short.siblings.pop();
    assert!(meta.verify_slice(1, &slices[1], &short).is_err());
}

#[test]
fn proof_encoding_is_compact_and_strict() {
    let leaves: Vec<[u8; 32]> = (0..5u64).map(|i| leaf_hash(&i.to_be_bytes())).collect();
    let tree = MerkleTree::new(leaves);
    // Leaf 4 of 5 moves up unpaired twice: one sibling only.
    let p = tree.proof(4).unwrap();
    assert_eq!(p.siblings.len(), 1);
    let b = p.to_bytes();
    assert_eq!(b.len(), MerkleProof::HEADER_LEN + 32);
    assert_eq!(
        &b[..17],
        &[0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 5, 1]
    );
    assert_eq!(MerkleProof::from_bytes(&b).unwrap(), p);
    let malformed = |b: &[u8]| {
        matches!(
            MerkleProof::from_bytes(b),
            Err(SliceError::MalformedProof { .. })
        )
    };
    // Truncated, extended, empty.
    assert!(malformed(&b[..b.len() - 1]));
    assert!(malformed(&[b.as_slice(), &[0]].concat()));
    assert!(malformed(&[]));
    // A sibling count that leaf's path does not have, even with matching bytes.
    let mut extra = p.clone();
    extra.siblings.push([0; 32]);
    assert!(malformed(&extra.to_bytes()));
    // An index outside the tree.
    let mut outside = b.clone();
    outside[7] = 5;
    assert!(malformed(&outside));
    // Far too long.
    assert!(malformed(&vec![0u8; MerkleProof::MAX_ENCODED_LEN + 1]));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn every_proof_round_trips_through_its_encoding(n in 1u64..300, pick in any::<u64>(), cut in any::<usize>()) {
        let leaves: Vec<[u8; 32]> = (0..n).map(|i| leaf_hash(&i.to_be_bytes())).collect();
        let tree = MerkleTree::new(leaves);
        let p = tree.proof(pick % n).unwrap();
        prop_assert_eq!(Some(p.siblings.len()), MerkleProof::sibling_count(p.index, n));
        let b = p.to_bytes();
        prop_assert_eq!(MerkleProof::from_bytes(&b).unwrap(), p);
        let cut = cut % b.len();
        prop_assert!(MerkleProof::from_bytes(&b[..cut]).is_err());
    }

    #[test]
    fn seal_then_open_round_trips(data in proptest::collection::vec(any::<u8>(), 1..40_000), k in any::<[u8; 32]>()) {
        let key = ContentKey::from_bytes(k);
        let (slices, tree, meta) = seal(&key, &data, MIN_SLICE_SIZE).unwrap();
        meta.validate().unwrap();
        let mut out = Vec::new();
        for (i, s) in slices.iter().enumerate() {
            let proof = tree.proof(i as u64).unwrap();
            meta.verify_slice(i as u64, s, &proof).unwrap();
            out.extend(decrypt_slice(&key, i as u64, s).unwrap());
        }
        prop_assert_eq!(out, data);
    }

    #[test]
    fn every_leaf_proves_and_no_other_leaf_does(n in 1usize..70, pick in any::<usize>()) {
        let leaves: Vec<[u8; 32]> = (0..n).map(|i| leaf_hash(&(i as u64).to_be_bytes())).collect();
        let tree = MerkleTree::new(leaves.clone());
        for (i, leaf) in leaves.iter().enumerate() {
            let p = tree.proof(i as u64).unwrap();
            prop_assert!(p.verify(&tree.root(), leaf));
        }
        if n > 1 {
            let i = pick % n;
            let j = (i + 1) % n;
            let p = tree.proof(i as u64).unwrap();
            prop_assert!(!p.verify(&tree.root(), &leaves[j]));
        }
        prop_assert!(tree.proof(n as u64).is_none());
    }
}
