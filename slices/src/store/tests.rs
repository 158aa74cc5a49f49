use proptest::prelude::*;

use super::*;
use crate::{decrypt_slice, seal, ContentKey, MIN_SLICE_SIZE};

/// Deterministic pseudo-random bytes (BLAKE3's XOF), so no RNG crate is needed.
fn bytes(seed: u8, len: usize) -> Vec<u8> {
    let mut out = vec![0u8; len];
    blake3::Hasher::new()
        .update(&[seed])
        .finalize_xof()
        .fill(&mut out);
    out
}

struct Sealed {
    key: ContentKey,
    plaintext: Vec<u8>,
    slices: Vec<Vec<u8>>,
    tree: MerkleTree,
    meta: MetaHash,
}

/// Content of `n` slices of the smallest size, the last one short.
fn sealed(seed: u8, n: usize) -> Sealed {
    let key = ContentKey::from_bytes([seed; 32]);
    let plaintext = bytes(seed, (n - 1) * MIN_SLICE_SIZE as usize + 100);
    let (slices, tree, meta) = seal(&key, &plaintext, MIN_SLICE_SIZE).unwrap();
    Sealed {
        key,
        plaintext,
        slices,
        tree,
        meta,
    }
}

impl Sealed {
    fn put(&self, store: &SliceStore, index: u64) -> Result<bool, StoreError> {
        let proof = self.tree.proof(index).unwrap();
        store.put_slice(&self.meta.root, index, &self.slices[index as usize], &proof)
    }
}

fn content_dir(store: &SliceStore, root: &[u8; 32]) -> PathBuf {
    store.dir().join(hex::encode(root))
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

#[test]
fn round_trip_and_status() {
    let tmp = tempfile::tempdir().unwrap();
    let store = SliceStore::open(tmp.path()).unwrap();
    let c = sealed(1, 5);
    assert!(store.create(&c.meta).unwrap());
    assert!(!store.create(&c.meta).unwrap(), "create is idempotent");
    assert_eq!(store.missing(&c.meta.root).unwrap(), vec![0, 1, 2, 3, 4]);
    for i in 0..5 {
        assert!(c.put(&store, i).unwrap());
    }
    assert!(!c.put(&store, 2).unwrap(), "a second put is a no-op");
    assert!(store.is_complete(&c.meta.root).unwrap());

    let mut plaintext = Vec::new();
    for i in 0..5u64 {
        let (ct, proof) = store.get_slice(&c.meta.root, i).unwrap().unwrap();
        assert_eq!(ct, c.slices[i as usize]);
        assert_eq!(proof, c.tree.proof(i).unwrap());
        plaintext.extend(decrypt_slice(&c.key, i, &ct).unwrap());
    }
    assert_eq!(plaintext, c.plaintext);

    let status = store.list();
    assert_eq!(status.len(), 1);
    let s = &status[0];
    assert_eq!((s.present, s.total), (5, 5));
    let all: u64 = c.slices.iter().map(|s| s.len() as u64).sum();
    assert_eq!((s.bytes_present, s.bytes_total), (all, all));
    assert!(s.is_complete());

    // Everything survives a reopen.
    drop(store);
    let store = SliceStore::open(tmp.path()).unwrap();
    assert!(store.is_complete(&c.meta.root).unwrap());
    assert_eq!(store.meta(&c.meta.root).unwrap(), c.meta);
    assert_eq!(
        store.get_slice(&c.meta.root, 4).unwrap().unwrap().0,
        c.slices[4]
    );
}

#[test]
fn import_sealed_stores_everything_and_remove_deletes_it() {
    let tmp = tempfile::tempdir().unwrap();
    let store = SliceStore::open(tmp.path()).unwrap();
    let c = sealed(2, 4);
    store.import_sealed(&c.meta, &c.slices, &c.tree).unwrap();
    assert!(store.is_complete(&c.meta.root).unwrap());
    let other = sealed(3, 3);
    assert!(matches!(
        store.import_sealed(&other.meta, &c.slices, &other.tree),
        Err(StoreError::SealedMismatch { .. })
    ));
    assert!(matches!(
        store.import_sealed(&c.meta, &c.slices, &other.tree),
        Err(StoreError::SealedMismatch { .. })
    ));
    assert!(store.remove(&c.meta.root).unwrap());
    assert!(!store.remove(&c.meta.root).unwrap());
    assert!(!content_dir(&store, &c.meta.root).exists());
    assert!(matches!(
        store.bitfield(&c.meta.root),
        Err(StoreError::UnknownContent { .. })
    ));
    assert!(store.list().is_empty());
}

#[test]
fn a_tampered_or_misplaced_slice_is_refused_and_nothing_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let store = SliceStore::open(tmp.path()).unwrap();
    let c = sealed(4, 4);
    store.create(&c.meta).unwrap();
    let dir = content_dir(&store, &c.meta.root);
    let before = files_in(&dir);

    let mut bad = c.slices[1].clone();
    bad[7] ^= 1;
    let proof = c.tree.proof(1).unwrap();
    assert!(matches!(
        store.put_slice(&c.meta.root, 1, &bad, &proof),
        Err(StoreError::Rejected { index: 1, .. })
    ));
    // The right slice under another index, a truncated slice, an out-of-range index.
    assert!(store
        .put_slice(&c.meta.root, 2, &c.slices[1], &proof)
        .is_err());
    assert!(store
        .put_slice(&c.meta.root, 1, &c.slices[1][..10], &proof)
        .is_err());
    assert!(store
        .put_slice(&c.meta.root, 9, &c.slices[1], &proof)
        .is_err());
    assert_eq!(files_in(&dir), before, "a refused slice writes nothing");
    assert_eq!(store.bitfield(&c.meta.root).unwrap().count_ones(), 0);

    // Unknown content, and a meta-hash that conflicts with the stored one.
    let other = sealed(5, 2);
    assert!(matches!(
        other.put(&store, 0),
        Err(StoreError::UnknownContent { .. })
    ));
    assert!(matches!(
        store.create(&MetaHash {
            plaintext_len: c.meta.plaintext_len - 1,
            ..c.meta
        }),
        Err(StoreError::MetaConflict { .. })
    ));
    assert!(matches!(
        store.create(&MetaHash {
            slice_count: 1,
            ..other.meta
        }),
        Err(StoreError::InvalidMeta { .. })
    ));
}

#[test]
fn a_crash_before_the_bitfield_write_loses_no_verified_slice() {
    let tmp = tempfile::tempdir().unwrap();
    let c = sealed(6, 10);
    let root = c.meta.root;
    let dir;
    {
        let store = SliceStore::open(tmp.path()).unwrap();
        store.create(&c.meta).unwrap();
        dir = content_dir(&store, &root);
        for i in 0..4 {
            c.put(&store, i).unwrap();
        }
        let bits_after_four = fs::read(dir.join(BITFIELD_FILE)).unwrap();
        c.put(&store, 5).unwrap();
        c.put(&store, 8).unwrap();
        // The crash: slice files 5 and 8 were renamed into place, but the bitfield
        // file still says only 0..4.
        fs::write(dir.join(BITFIELD_FILE), &bits_after_four).unwrap();
    }
    // Leftovers a crash can leave: a temporary file mid-write, and (from a damaged
    // disk) a slice file whose bytes are wrong and one beyond the content.
    let tmp_file = dir.join(format!("{}.999-0{TMP_SUFFIX}", slice_file_name(6)));
    fs::write(&tmp_file, b"half a slice").unwrap();
    let mut garbage = fs::read(dir.join(slice_file_name(1))).unwrap();
    let last = garbage.len() - 1;
    garbage[last] ^= 0xff;
    fs::write(dir.join(slice_file_name(7)), &garbage).unwrap();
    fs::write(dir.join(slice_file_name(99)), b"x").unwrap();

    let store = SliceStore::open(tmp.path()).unwrap();
    let present: Vec<u64> = store.bitfield(&root).unwrap().ones().collect();
    assert_eq!(present, vec![0, 1, 2, 3, 5, 8]);
    assert!(!tmp_file.exists(), "temporary files are removed on open");
    assert!(!dir.join(slice_file_name(7)).exists());
    assert!(!dir.join(slice_file_name(99)).exists());
    // The reconciled bitfield was written back.
    let on_disk = Bitfield::from_bytes(10, &fs::read(dir.join(BITFIELD_FILE)).unwrap()).unwrap();
    assert_eq!(on_disk.ones().collect::<Vec<_>>(), present);
    assert_eq!(store.get_slice(&root, 8).unwrap().unwrap().0, c.slices[8]);
}

#[test]
fn the_bitfield_file_follows_every_put_in_place_and_is_rebuilt_if_damaged() {
    let tmp = tempfile::tempdir().unwrap();
    let c = sealed(11, 20);
    let root = c.meta.root;
    let store = SliceStore::open(tmp.path()).unwrap();
    store.create(&c.meta).unwrap();
    let dir = content_dir(&store, &root);
    let on_disk = || Bitfield::from_bytes(20, &fs::read(dir.join(BITFIELD_FILE)).unwrap());
    for i in [0, 9, 3, 19, 8, 1] {
        c.put(&store, i).unwrap();
        assert_eq!(on_disk().unwrap(), store.bitfield(&root).unwrap());
    }
    // Lost, or cut short: the next put writes it whole again.
    fs::remove_file(dir.join(BITFIELD_FILE)).unwrap();
    c.put(&store, 12).unwrap();
    assert_eq!(on_disk().unwrap(), store.bitfield(&root).unwrap());
    fs::write(dir.join(BITFIELD_FILE), [0xff]).unwrap();
    c.put(&store, 13).unwrap();
    assert_eq!(on_disk().unwrap(), store.bitfield(&root).unwrap());
    drop(store);
    let store = SliceStore::open(tmp.path()).unwrap();
    let present: Vec<u64> = store.bitfield(&root).unwrap().ones().collect();
    assert_eq!(present, vec![0, 1, 3, 8, 9, 12, 13, 19]);
    assert_eq!(files_in(&dir).len(), present.len() + 2);
}

#[test]
fn a_bit_whose_file_is_gone_or_truncated_is_cleared_on_open() {
    let tmp = tempfile::tempdir().unwrap();
    let c = sealed(7, 6);
    let dir = {
        let store = SliceStore::open(tmp.path()).unwrap();
        store.import_sealed(&c.meta, &c.slices, &c.tree).unwrap();
        content_dir(&store, &c.meta.root)
    };
    fs::remove_file(dir.join(slice_file_name(2))).unwrap();
    let f = OpenOptions::new()
        .write(true)
        .open(dir.join(slice_file_name(4)))
        .unwrap();
    f.set_len(40).unwrap();
    let store = SliceStore::open(tmp.path()).unwrap();
    assert_eq!(store.missing(&c.meta.root).unwrap(), vec![2, 4]);
    assert_eq!(store.get_slice(&c.meta.root, 2).unwrap(), None);
}

#[test]
fn a_slice_rotting_on_disk_is_never_served() {
    let tmp = tempfile::tempdir().unwrap();
    let store = SliceStore::open(tmp.path()).unwrap();
    let c = sealed(8, 3);
    store.import_sealed(&c.meta, &c.slices, &c.tree).unwrap();
    let path = content_dir(&store, &c.meta.root).join(slice_file_name(1));
    let mut b = fs::read(&path).unwrap();
    let last = b.len() - 1;
    b[last] ^= 1;
    fs::write(&path, &b).unwrap();
    assert!(matches!(
        store.get_slice(&c.meta.root, 1),
        Err(StoreError::Corrupt { .. })
    ));
    assert_eq!(store.missing(&c.meta.root).unwrap(), vec![1]);
    assert!(!path.exists());
    // It can be fetched again.
    assert!(c.put(&store, 1).unwrap());
    assert!(store.is_complete(&c.meta.root).unwrap());
}

#[test]
fn an_io_failure_is_an_error_and_sets_no_bit() {
    let tmp = tempfile::tempdir().unwrap();
    let store = SliceStore::open(tmp.path()).unwrap();
    let c = sealed(9, 3);
    store.create(&c.meta).unwrap();
    c.put(&store, 0).unwrap();
    // The content's directory vanishes underneath the store (like a failing disk).
    fs::remove_dir_all(content_dir(&store, &c.meta.root)).unwrap();
    assert!(matches!(c.put(&store, 1), Err(StoreError::Io { .. })));
    let bits = store.bitfield(&c.meta.root).unwrap();
    assert!(!bits.get(1));
    assert!(matches!(
        store.get_slice(&c.meta.root, 0),
        Err(StoreError::Io { .. })
    ));
}

#[test]
fn a_download_resumes_from_what_is_on_disk() {
    let tmp = tempfile::tempdir().unwrap();
    let c = sealed(10, 9);
    {
        let store = SliceStore::open_with(tmp.path(), StoreOptions { fsync: false }).unwrap();
        store.create(&c.meta).unwrap();
        for i in [0, 1, 2, 6] {
            c.put(&store, i).unwrap();
        }
    }
    let store = SliceStore::open(tmp.path()).unwrap();
    let missing = store.missing(&c.meta.root).unwrap();
    assert_eq!(missing, vec![3, 4, 5, 7, 8]);
    for i in missing {
        c.put(&store, i).unwrap();
    }
    assert!(store.is_complete(&c.meta.root).unwrap());
}

#[test]
fn a_directory_without_a_meta_hash_is_ignored() {
    let tmp = tempfile::tempdir().unwrap();
    let half_created = tmp.path().join(hex::encode([7u8; 32]));
    fs::create_dir(&half_created).unwrap();
    fs::write(half_created.join("meta.json.1-0.tmp"), b"{").unwrap();
    fs::write(tmp.path().join("not-a-content"), b"x").unwrap();
    let store = SliceStore::open(tmp.path()).unwrap();
    assert!(store.list().is_empty());
    assert!(files_in(&half_created).is_empty());
}

#[test]
fn a_meta_hash_in_the_wrong_directory_is_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let c = sealed(11, 2);
    {
        let store = SliceStore::open(tmp.path()).unwrap();
        store.create(&c.meta).unwrap();
    }
    fs::rename(
        tmp.path().join(hex::encode(c.meta.root)),
        tmp.path().join(hex::encode([1u8; 32])),
    )
    .unwrap();
    assert!(matches!(
        SliceStore::open(tmp.path()),
        Err(StoreError::Corrupt { .. })
    ));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    #[test]
    fn any_subset_survives_a_reopen(n in 1usize..24, picks in proptest::collection::vec(any::<usize>(), 0..24), drop_bits in any::<bool>()) {
        let tmp = tempfile::tempdir().unwrap();
        let c = sealed(12, n);
        let mut expected = Bitfield::new(n as u64);
        {
            let store = SliceStore::open_with(tmp.path(), StoreOptions { fsync: false }).unwrap();
            store.create(&c.meta).unwrap();
            for p in &picks {
                let i = (p % n) as u64;
                prop_assert_eq!(c.put(&store, i).unwrap(), expected.set(i));
            }
        }
        if drop_bits {
            // The bitfield file lost entirely: rebuilt from the slice files.
            fs::remove_file(tmp.path().join(hex::encode(c.meta.root)).join(BITFIELD_FILE)).unwrap();
        }
        let store = SliceStore::open(tmp.path()).unwrap();
        prop_assert_eq!(store.bitfield(&c.meta.root).unwrap(), expected.clone());
        prop_assert_eq!(store.missing(&c.meta.root).unwrap(), expected.zeros().collect::<Vec<_>>());
        let status = store.status(&c.meta.root).unwrap();
        let bytes: u64 = expected.ones().map(|i| c.slices[i as usize].len() as u64).sum();
        prop_assert_eq!(status.bytes_present, bytes);
    }
}
