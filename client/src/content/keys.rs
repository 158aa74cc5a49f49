//! Content keys on this machine, and sealing them to buyers.
//!
//! - A creator's content keys live in `<home>/content-keys/<root>.key` (directory 0700,
//!   files 0600): the 32-byte key in hex, named by the content's Merkle root in hex.
//!   `tx content register` writes the file before it broadcasts, so a registered
//!   content never lacks its key.
//! - A buyer's X25519 key is derived from the account's signing key
//!   (`BuyerSecret::from_seed` of its 32 secret bytes): the key ring already guards
//!   that secret, so no extra secret file is needed, and the same mnemonic restores both.
//! - A key is sealed to a holder under the chain's context: the content root (32
//!   bytes) followed by the holder's raw address (20 bytes), so a sealed key cannot be
//!   replayed for another content or another holder.

use std::{
    fs,
    io::{self, Read, Write},
    os::unix::fs::{OpenOptionsExt, PermissionsExt},
    path::{Path, PathBuf},
};

use anyhow::{anyhow, bail, ensure, Context};
use weave_kernel::Address;
use weave_proto::weave::content::v1 as pb;
use weave_slices::{
    encrypt_slice, leaf_hash, BuyerSecret, Cipher, ContentKey, MerkleTree, MetaHash,
    MAX_SLICE_SIZE, MIN_SLICE_SIZE,
};
use zeroize::Zeroizing;

use crate::keys::{ensure_private_dir, write_atomic, SigningKey};

/// The directory of content keys under the home.
const KEY_DIR: &str = "content-keys";

/// The file name suffix of a content key.
const KEY_SUFFIX: &str = ".key";

/// The length of the sealing context: a root and an address.
pub const CONTEXT_LEN: usize = 52;

/// Where content keys are kept under `home`.
pub fn key_dir(home: &Path) -> PathBuf {
    home.join(KEY_DIR)
}

/// The key file of the content with Merkle root `root`.
pub fn key_path(home: &Path, root: &[u8; 32]) -> PathBuf {
    key_dir(home).join(format!("{}{KEY_SUFFIX}", hex::encode(root)))
}

/// Saves the key of the content with root `root` (directory 0700, file 0600, written
/// atomically) and returns the file's path.
pub fn save_key(home: &Path, root: &[u8; 32], key: &ContentKey) -> anyhow::Result<PathBuf> {
    let dir = key_dir(home);
    ensure_private_dir(&dir)?;
    let name = format!("{}{KEY_SUFFIX}", hex::encode(root));
    let text = Zeroizing::new(format!("{}\n", hex::encode(key.as_bytes())));
    write_atomic(&dir, &name, text.as_bytes())?;
    Ok(dir.join(name))
}

/// Reads a key in hex (surrounding whitespace ignored).
fn parse_key(text: &str, path: &Path) -> anyhow::Result<ContentKey> {
    let mut bytes = Zeroizing::new([0u8; 32]);
    hex::decode_to_slice(text.trim(), &mut bytes[..]).map_err(|_| {
        anyhow!(
            "{} is not a content key: want 64 hex digits",
            path.display()
        )
    })?;
    Ok(ContentKey::from_bytes(*bytes))
}

/// Reads a content key file (64 hex digits).
pub fn read_key_file(path: &Path) -> anyhow::Result<ContentKey> {
    let text = Zeroizing::new(
        fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?,
    );
    parse_key(&text, path)
}

/// The key of the content with root `root`, or `None` if this home has no key file
/// for it.
pub fn load_key(home: &Path, root: &[u8; 32]) -> anyhow::Result<Option<ContentKey>> {
    let path = key_path(home, root);
    let text = match fs::read_to_string(&path) {
        Ok(text) => Zeroizing::new(text),
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    parse_key(&text, &path).map(Some)
}

/// Writes a key in hex to `path` with mode 0600 (an existing file is replaced and
/// made 0600).
pub fn write_key_file(path: &Path, key: &ContentKey) -> anyhow::Result<()> {
    let text = Zeroizing::new(format!("{}\n", hex::encode(key.as_bytes())));
    let write = || -> io::Result<()> {
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(path)?;
        // The mode above applies to a new file only.
        file.set_permissions(fs::Permissions::from_mode(0o600))?;
        file.write_all(text.as_bytes())?;
        file.sync_all()
    };
    write().with_context(|| format!("writing {}", path.display()))
}

/// The account's X25519 buyer secret, derived from its signing key's secret bytes.
pub fn buyer_secret(key: &SigningKey) -> BuyerSecret {
    BuyerSecret::from_seed(&key.secret_bytes()[..])
}

/// What a key is sealed under: the content root, then the holder's raw address.
pub fn sealing_context(root: &[u8; 32], holder: &Address) -> [u8; CONTEXT_LEN] {
    let mut context = [0u8; CONTEXT_LEN];
    context[..32].copy_from_slice(root);
    context[32..].copy_from_slice(holder.as_bytes());
    context
}

/// The Merkle root of a content, as the chain returned it.
pub fn root_of(content: &pb::Content) -> anyhow::Result<[u8; 32]> {
    content
        .meta_hash
        .as_ref()
        .and_then(|m| <[u8; 32]>::try_from(m.root.as_slice()).ok())
        .ok_or_else(|| anyhow!("content {} has no 32-byte root", content.id))
}

/// Parses a Merkle root given in hex (64 digits, an optional `0x`).
pub fn parse_root(s: &str) -> anyhow::Result<[u8; 32]> {
    let s = s.trim();
    let s = s.strip_prefix("0x").unwrap_or(s);
    let mut root = [0u8; 32];
    hex::decode_to_slice(s, &mut root)
        .map_err(|_| anyhow!("invalid root {s:?}: want 64 hex digits"))?;
    Ok(root)
}

/// The meta-hash of `reader`'s bytes encrypted under `key` in slices of `slice_size`:
/// exactly what `weave_slices::seal` computes, read one slice at a time so that a large
/// file is never held in memory (only the 32-byte leaf hashes are kept).
pub fn meta_hash_of(
    mut reader: impl Read,
    key: &ContentKey,
    slice_size: u32,
) -> anyhow::Result<MetaHash> {
    ensure!(
        (MIN_SLICE_SIZE..=MAX_SLICE_SIZE).contains(&slice_size),
        "the slice size must be {MIN_SLICE_SIZE} to {MAX_SLICE_SIZE} bytes, got {slice_size}"
    );
    let mut buf = vec![0u8; slice_size as usize];
    let mut leaves = Vec::new();
    let mut plaintext_len = 0u64;
    loop {
        let n = read_full(&mut reader, &mut buf)?;
        if n == 0 {
            break;
        }
        let index = leaves.len() as u64;
        let ciphertext = encrypt_slice(key, index, &buf[..n])?;
        leaves.push(leaf_hash(&ciphertext));
        plaintext_len += n as u64;
        if n < buf.len() {
            break;
        }
    }
    if plaintext_len == 0 {
        bail!("the file is empty: there is nothing to register");
    }
    let slice_count = leaves.len() as u64;
    Ok(MetaHash {
        root: MerkleTree::new(leaves).root(),
        slice_size,
        slice_count,
        plaintext_len,
        cipher: Cipher::ChaCha20Poly1305,
    })
}

/// Reads until `buf` is full or the input ends; the number of bytes read.
fn read_full(reader: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use weave_slices::{open_key, seal, seal_key_os};

    use super::*;
    use crate::keys::KeyAlgo;

    #[test]
    fn key_files_round_trip_privately() {
        let home = tempfile::tempdir().unwrap();
        let root = [0xab; 32];
        assert!(load_key(home.path(), &root).unwrap().is_none());
        let key = ContentKey::generate();
        let path = save_key(home.path(), &root, &key).unwrap();
        assert_eq!(path, key_path(home.path(), &root));
        assert_eq!(
            path.file_name().unwrap().to_str().unwrap(),
            format!("{}.key", "ab".repeat(32))
        );
        let text = fs::read_to_string(&path).unwrap();
        assert_eq!(text.trim(), hex::encode(key.as_bytes()));
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&key_dir(home.path())), 0o700);
        let loaded = load_key(home.path(), &root).unwrap().unwrap();
        assert_eq!(loaded.as_bytes(), key.as_bytes());
        // Another root has no key; a damaged file is an error, not a missing key.
        assert!(load_key(home.path(), &[0xcd; 32]).unwrap().is_none());
        fs::write(&path, "not hex").unwrap();
        assert!(load_key(home.path(), &root).is_err());

        let out = home.path().join("exported.key");
        fs::write(&out, "old").unwrap();
        fs::set_permissions(&out, fs::Permissions::from_mode(0o644)).unwrap();
        write_key_file(&out, &key).unwrap();
        assert_eq!(mode(&out), 0o600);
        assert_eq!(
            parse_key(&fs::read_to_string(&out).unwrap(), &out)
                .unwrap()
                .as_bytes(),
            key.as_bytes()
        );
    }

    #[test]
    fn streamed_meta_hash_equals_seal() {
        let key = ContentKey::generate();
        let size = MIN_SLICE_SIZE;
        for len in [1usize, 4095, 4096, 4097, 3 * 4096, 3 * 4096 + 17] {
            let data: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8).collect();
            let (_, _, sealed) = seal(&key, &data, size).unwrap();
            // A reader that returns a few bytes at a time, as pipes do.
            let streamed =
                meta_hash_of(io::BufReader::with_capacity(100, &data[..]), &key, size).unwrap();
            assert_eq!(streamed, sealed, "length {len}");
        }
        assert!(meta_hash_of(&[][..], &key, size).is_err());
        assert!(meta_hash_of(&[1u8][..], &key, MIN_SLICE_SIZE - 1).is_err());
    }

    #[test]
    fn a_key_sealed_to_the_derived_buyer_key_opens_with_it() {
        let account = SigningKey::from_secret_bytes(KeyAlgo::Secp256k1, &[5; 32]).unwrap();
        let buyer = buyer_secret(&account);
        // Deterministic: the same account key gives the same buyer key.
        let again = SigningKey::from_secret_bytes(KeyAlgo::Secp256k1, &[5; 32]).unwrap();
        assert_eq!(buyer_secret(&again).public_key(), buyer.public_key());
        let root = [9; 32];
        let holder = account.address();
        let context = sealing_context(&root, &holder);
        assert_eq!(&context[..32], &root);
        assert_eq!(&context[32..], holder.as_bytes());
        let key = ContentKey::generate();
        let sealed = seal_key_os(&key, &buyer.public_key(), &context).unwrap();
        let opened = open_key(&buyer, &sealed, &context).unwrap();
        assert_eq!(opened.as_bytes(), key.as_bytes());
        // Bound to the holder.
        let other = sealing_context(&root, &Address::new([1; 20]));
        assert!(open_key(&buyer, &sealed, &other).is_err());
    }

    #[test]
    fn roots_parse_from_hex() {
        let hex64 = "ab".repeat(32);
        assert_eq!(parse_root(&hex64).unwrap(), [0xab; 32]);
        assert_eq!(parse_root(&format!("0x{hex64}")).unwrap(), [0xab; 32]);
        assert!(parse_root("abcd").is_err());
        assert!(parse_root(&"zz".repeat(32)).is_err());
    }
}
