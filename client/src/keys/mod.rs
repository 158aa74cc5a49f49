//! The key ring of `weaved`: named secp256k1 and ed25519 keys kept under the node home, as
//! the Cosmos SDK keeps them for `gaiad keys`.
//!
//! Two backends share one layout, one JSON file per key (see [`key_file`]):
//! - `file`, in `<home>/keyring-file/`: each secret is sealed with ChaCha20-Poly1305 under a
//!   key that Argon2id derives from the key-ring passphrase. The passphrase comes from
//!   `WEAVE_KEYRING_PASSPHRASE` if set, else from the terminal.
//! - `test`, in `<home>/keyring-test/`: secrets in the clear, for scripts and tests.
//!
//! The public part of every key is stored in the clear beside its secret, so listing and
//! showing keys never needs the passphrase; only adding a key and using one does.
//!
//! Keys made by `keys add` come from a BIP39 mnemonic (see [`hd`]): secp256k1 keys by BIP32 at
//! the Cosmos Hub path `m/44'/118'/0'/0/0`, ed25519 keys by SLIP-10 at `m/44'/118'/0'/0'/0'`.

pub mod armor;
pub mod cli;
pub mod hd;
pub mod info;
pub mod key_file;

use std::{
    fmt, fs, io,
    path::{Path, PathBuf},
    sync::OnceLock,
};

use anyhow::{anyhow, bail, ensure, Context};
use cosmos_sdk_proto::cosmos::crypto::{ed25519, secp256k1};
use prost::Message;
#[cfg(test)]
use rand_core::OsRng;
use weave_kernel::Address;
use zeroize::{Zeroize, Zeroizing};

pub use cli::{run_keys, KeysCmd};
use info::address_of;
pub use info::{KeyAlgo, KeyInfo};
pub use key_file::{ensure_private_dir, write_atomic};
use key_file::{KeyFile, Secret, StoredSecret, KEYHASH_FILE, KEY_FILE_SUFFIX};

/// The environment variable that supplies the passphrase of the `file` key ring.
pub const PASSPHRASE_ENV: &str = "WEAVE_KEYRING_PASSPHRASE";

/// The shortest passphrase accepted for a new `file` key ring.
const MIN_PASSPHRASE_CHARS: usize = 8;

/// The longest key name.
const MAX_NAME_LEN: usize = 64;

/// Protobuf type URL of a secp256k1 public key in an `Any`.
const SECP256K1_PUBKEY_TYPE_URL: &str = "/cosmos.crypto.secp256k1.PubKey";

/// Protobuf type URL of an ed25519 public key in an `Any`.
const ED25519_PUBKEY_TYPE_URL: &str = "/cosmos.crypto.ed25519.PubKey";

/// Where and how the key ring keeps its secrets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum KeyringBackend {
    /// Secrets sealed under a passphrase, in `<home>/keyring-file`.
    #[default]
    File,
    /// Secrets in the clear, in `<home>/keyring-test`: for scripts and tests only.
    Test,
}

impl KeyringBackend {
    /// The lowercase name used on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::File => "file",
            Self::Test => "test",
        }
    }

    /// The directory of this backend under the node home.
    fn dir_name(self) -> &'static str {
        match self {
            Self::File => "keyring-file",
            Self::Test => "keyring-test",
        }
    }
}

impl fmt::Display for KeyringBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl KeyInfo {
    /// The public facts of `key` filed under `name`.
    fn of(name: &str, key: &SigningKey) -> Self {
        Self {
            name: name.to_string(),
            address: key.address(),
            algo: key.algo(),
            pubkey: key.public_key_bytes(),
        }
    }
}

/// A private key that signs transactions.
///
/// Its `Debug` shows the scheme and address only, never the secret.
pub enum SigningKey {
    /// A secp256k1 key.
    Secp256k1(k256::ecdsa::SigningKey),
    /// An ed25519 key.
    Ed25519(ed25519_consensus::SigningKey),
}

impl SigningKey {
    /// A new random key from the operating system's random source.
    #[cfg(test)]
    pub fn generate(algo: KeyAlgo) -> Self {
        match algo {
            KeyAlgo::Secp256k1 => Self::Secp256k1(k256::ecdsa::SigningKey::random(&mut OsRng)),
            KeyAlgo::Ed25519 => Self::Ed25519(ed25519_consensus::SigningKey::new(OsRng)),
        }
    }

    /// The key of a BIP39 mnemonic: secp256k1 by BIP32 at `m/44'/118'/0'/0/0` (what Cosmos
    /// wallets derive), ed25519 by SLIP-10 at `m/44'/118'/0'/0'/0'`.
    pub fn from_mnemonic(algo: KeyAlgo, phrase: &str) -> anyhow::Result<Self> {
        let seed = hd::seed_from_mnemonic(phrase)?;
        Ok(match algo {
            KeyAlgo::Secp256k1 => {
                Self::Secp256k1(hd::secp256k1_from_seed(&seed[..], &hd::SECP256K1_PATH)?)
            }
            KeyAlgo::Ed25519 => Self::Ed25519(hd::ed25519_from_seed(&seed[..], &hd::ED25519_PATH)?),
        })
    }

    /// The key whose 32-byte secret (secp256k1 scalar or ed25519 seed) is `bytes`.
    pub fn from_secret_bytes(algo: KeyAlgo, bytes: &[u8]) -> anyhow::Result<Self> {
        ensure!(
            bytes.len() == 32,
            "a {algo} secret key is 32 bytes, got {}",
            bytes.len()
        );
        Ok(match algo {
            KeyAlgo::Secp256k1 => Self::Secp256k1(
                k256::ecdsa::SigningKey::from_slice(bytes)
                    .map_err(|_| anyhow!("invalid secp256k1 secret key"))?,
            ),
            KeyAlgo::Ed25519 => Self::Ed25519(
                ed25519_consensus::SigningKey::try_from(bytes)
                    .map_err(|e| anyhow!("invalid ed25519 secret key: {e}"))?,
            ),
        })
    }

    /// The 32-byte secret: the secp256k1 scalar (big-endian) or the ed25519 seed.
    ///
    /// Besides the key file, the content commands use it as the seed of the account's
    /// X25519 buyer key (`weave_slices::BuyerSecret::from_seed`), and the channels
    /// commands derive the account's ed25519 voucher key from it
    /// (`blake3::derive_key("weave/voucher-key/v1", ..)`), so neither key needs a secret
    /// file of its own.
    pub fn secret_bytes(&self) -> Zeroizing<[u8; 32]> {
        let mut out = Zeroizing::new([0u8; 32]);
        match self {
            Self::Secp256k1(k) => out.copy_from_slice(&k.to_bytes()),
            Self::Ed25519(k) => out.copy_from_slice(k.as_bytes()),
        }
        out
    }

    /// The signature scheme of this key.
    pub fn algo(&self) -> KeyAlgo {
        match self {
            Self::Secp256k1(_) => KeyAlgo::Secp256k1,
            Self::Ed25519(_) => KeyAlgo::Ed25519,
        }
    }

    /// The public key: 33-byte compressed SEC1 for secp256k1, 32 bytes for ed25519.
    pub fn public_key_bytes(&self) -> Vec<u8> {
        match self {
            Self::Secp256k1(k) => k.verifying_key().to_encoded_point(true).as_bytes().to_vec(),
            Self::Ed25519(k) => k.verification_key().as_bytes().to_vec(),
        }
    }

    /// The account address of this key.
    pub fn address(&self) -> Address {
        address_of(self.algo(), &self.public_key_bytes())
    }

    /// The public key as a protobuf `Any`, as it goes into a transaction's `SignerInfo`:
    /// `/cosmos.crypto.secp256k1.PubKey` or `/cosmos.crypto.ed25519.PubKey`.
    pub fn public_key_any(&self) -> prost_types::Any {
        let key = self.public_key_bytes();
        match self {
            Self::Secp256k1(_) => prost_types::Any {
                type_url: SECP256K1_PUBKEY_TYPE_URL.to_string(),
                value: secp256k1::PubKey { key }.encode_to_vec(),
            },
            Self::Ed25519(_) => prost_types::Any {
                type_url: ED25519_PUBKEY_TYPE_URL.to_string(),
                value: ed25519::PubKey { key }.encode_to_vec(),
            },
        }
    }

    /// Signs the bytes of a sign doc. secp256k1: ECDSA over SHA-256 of the bytes, 64 bytes
    /// `r || s` with low S, as the Cosmos SDK verifies. ed25519: the 64-byte signature of
    /// the bytes themselves.
    pub fn sign(&self, sign_doc_bytes: &[u8]) -> Vec<u8> {
        match self {
            Self::Secp256k1(k) => {
                use k256::ecdsa::{signature::Signer, Signature};
                let sig: Signature = k.sign(sign_doc_bytes);
                // k256 already signs with low S; normalizing again costs nothing and makes
                // the guarantee local.
                sig.normalize_s().unwrap_or(sig).to_bytes().to_vec()
            }
            Self::Ed25519(k) => k.sign(sign_doc_bytes).to_bytes().to_vec(),
        }
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SigningKey({}, {})", self.algo(), self.address())
    }
}

impl Drop for SigningKey {
    fn drop(&mut self) {
        // k256 keys zeroize themselves on drop; ed25519-consensus keys only on request.
        if let Self::Ed25519(k) = self {
            k.zeroize();
        }
    }
}

/// Whether `name` is a valid key name: 1 to 64 of `A-Z a-z 0-9 _ . -`.
fn validate_name(name: &str) -> anyhow::Result<()> {
    ensure!(
        !name.is_empty()
            && name.len() <= MAX_NAME_LEN
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-')),
        "invalid key name {name:?}: use 1 to {MAX_NAME_LEN} of the characters A-Z a-z 0-9 _ . -"
    );
    Ok(())
}

/// Where the passphrase of a `file` key ring comes from.
enum PassphraseSource {
    /// Given by the caller.
    Given(Zeroizing<String>),
    /// `WEAVE_KEYRING_PASSPHRASE`, else the terminal; remembered once read.
    EnvOrPrompt(OnceLock<Zeroizing<String>>),
}

/// Named keys under one node home, in one backend.
pub struct Keyring {
    /// `<home>/keyring-file` or `<home>/keyring-test`.
    dir: PathBuf,
    /// How secrets are stored.
    backend: KeyringBackend,
    /// Where the passphrase comes from (used by the `file` backend only).
    passphrase: PassphraseSource,
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keyring")
            .field("dir", &self.dir)
            .field("backend", &self.backend)
            .finish_non_exhaustive()
    }
}

impl Keyring {
    /// The key ring of `backend` under `home`. The passphrase of a `file` key ring, when
    /// needed, comes from `WEAVE_KEYRING_PASSPHRASE`, else from the terminal.
    pub fn open(home: &Path, backend: KeyringBackend) -> anyhow::Result<Self> {
        Self::open_with_passphrase(home, backend, None)
    }

    /// Like [`Keyring::open`], with the passphrase given by the caller when `Some`.
    /// Nothing is read or created until a key is added, read or deleted.
    pub fn open_with_passphrase(
        home: &Path,
        backend: KeyringBackend,
        passphrase: Option<String>,
    ) -> anyhow::Result<Self> {
        let dir = home.join(backend.dir_name());
        if dir.exists() && !dir.is_dir() {
            bail!("{} is not a directory", dir.display());
        }
        let passphrase = match passphrase {
            Some(p) => PassphraseSource::Given(Zeroizing::new(p)),
            None => PassphraseSource::EnvOrPrompt(OnceLock::new()),
        };
        Ok(Self {
            dir,
            backend,
            passphrase,
        })
    }

    /// Creates a key from `mnemonic`, or from a new 24-word mnemonic when `None`, and files
    /// it under `name`. Returns its public facts and the mnemonic if one was generated.
    /// Fails if the name is taken or another key has the same address.
    pub fn add(
        &self,
        name: &str,
        algo: KeyAlgo,
        mnemonic: Option<&str>,
    ) -> anyhow::Result<(KeyInfo, Option<String>)> {
        validate_name(name)?;
        self.ensure_absent(name)?;
        let (phrase, generated) = match mnemonic {
            Some(m) => (hd::normalize_mnemonic(m), false),
            None => (hd::new_mnemonic()?, true),
        };
        let key = SigningKey::from_mnemonic(algo, &phrase)?;
        let info = self.store(name, &key, Some(phrase.clone()))?;
        Ok((info, generated.then(|| phrase.to_string())))
    }

    /// Files an existing key (with no mnemonic) under `name` (`keys import`).
    pub fn import_signing_key(&self, name: &str, key: &SigningKey) -> anyhow::Result<KeyInfo> {
        validate_name(name)?;
        self.ensure_absent(name)?;
        self.store(name, key, None)
    }

    /// Every key, sorted by name. Needs no passphrase.
    pub fn list(&self) -> anyhow::Result<Vec<KeyInfo>> {
        let entries = match fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e).with_context(|| format!("reading {}", self.dir.display())),
        };
        let mut keys = Vec::new();
        for entry in entries {
            let entry = entry.with_context(|| format!("reading {}", self.dir.display()))?;
            let file_name = entry.file_name();
            let Some(name) = file_name
                .to_str()
                .and_then(|f| f.strip_suffix(KEY_FILE_SUFFIX))
            else {
                continue;
            };
            if validate_name(name).is_ok() {
                keys.push(self.load(name)?.info);
            }
        }
        keys.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(keys)
    }

    /// The public facts of the key `name`. Needs no passphrase.
    pub fn show(&self, name: &str) -> anyhow::Result<KeyInfo> {
        validate_name(name)?;
        Ok(self.load(name)?.info)
    }

    /// Removes the key `name`. Needs no passphrase.
    pub fn delete(&self, name: &str) -> anyhow::Result<()> {
        validate_name(name)?;
        if !key_file::remove(&self.dir, &key_file_name(name))? {
            bail!(self.not_found(name));
        }
        Ok(())
    }

    /// The private key `name`. The `file` backend needs the passphrase.
    pub fn signing_key(&self, name: &str) -> anyhow::Result<SigningKey> {
        validate_name(name)?;
        let file = self.load(name)?;
        let info = &file.info;
        let passphrase = if file.secret.is_sealed() {
            Some(self.passphrase(false)?)
        } else {
            None
        };
        let secret = file.secret.open(
            passphrase.as_ref().map(|p| p.as_str()),
            &key_file::associated_data(info.algo, &info.pubkey),
        )?;
        let key = SigningKey::from_secret_bytes(info.algo, &secret.key[..])?;
        ensure!(
            key.public_key_bytes() == info.pubkey,
            "the key file of {name:?} is corrupt: its secret does not match its public key"
        );
        Ok(key)
    }

    /// The path of the key file of `name`.
    fn key_path(&self, name: &str) -> PathBuf {
        self.dir.join(key_file_name(name))
    }

    /// The error for a key that is not there.
    fn not_found(&self, name: &str) -> String {
        format!("key {name:?} not found in the {} key ring", self.backend)
    }

    /// Fails if a key is filed under `name`.
    fn ensure_absent(&self, name: &str) -> anyhow::Result<()> {
        ensure!(
            !self.key_path(name).exists(),
            "key {name:?} already exists in the {} key ring",
            self.backend
        );
        Ok(())
    }

    /// Reads and checks the key file of `name`.
    fn load(&self, name: &str) -> anyhow::Result<KeyFile> {
        let path = self.key_path(name);
        let bytes = match fs::read(&path) {
            Ok(bytes) => Zeroizing::new(bytes),
            Err(e) if e.kind() == io::ErrorKind::NotFound => bail!(self.not_found(name)),
            Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
        };
        let file: KeyFile = serde_json::from_slice(&bytes)
            .with_context(|| format!("the key file {} is corrupt", path.display()))?;
        ensure!(
            file.version == key_file::FORMAT_VERSION,
            "the key file {} has version {}; this weaved reads version {}",
            path.display(),
            file.version,
            key_file::FORMAT_VERSION
        );
        let info = &file.info;
        ensure!(
            info.name == name && info.address == address_of(info.algo, &info.pubkey),
            "the key file {} is corrupt: its name or address does not match",
            path.display()
        );
        Ok(file)
    }

    /// Writes the key file of a new key.
    fn store(
        &self,
        name: &str,
        key: &SigningKey,
        mnemonic: Option<Zeroizing<String>>,
    ) -> anyhow::Result<KeyInfo> {
        let info = KeyInfo::of(name, key);
        if let Some(twin) = self.list()?.into_iter().find(|k| k.address == info.address) {
            bail!(
                "key {:?} already holds address {}; not adding it again as {name:?}",
                twin.name,
                info.address
            );
        }
        key_file::ensure_private_dir(&self.dir)?;
        let secret = Secret {
            key: key.secret_bytes(),
            mnemonic,
        };
        let stored = match self.backend {
            KeyringBackend::Test => StoredSecret::plain(&secret),
            KeyringBackend::File => {
                let passphrase = self.passphrase_for_new_key()?;
                StoredSecret::seal(
                    &secret,
                    &passphrase,
                    &key_file::associated_data(info.algo, &info.pubkey),
                )?
            }
        };
        let file = KeyFile {
            version: key_file::FORMAT_VERSION,
            info,
            secret: stored,
        };
        let mut json = Zeroizing::new(serde_json::to_vec_pretty(&file)?);
        json.push(b'\n');
        key_file::write_atomic(&self.dir, &key_file_name(name), &json)?;
        Ok(file.info)
    }

    /// The passphrase to seal a new key with: checked against `keyhash`, or, for the first
    /// key of the ring, confirmed and recorded in a new `keyhash`.
    fn passphrase_for_new_key(&self) -> anyhow::Result<Zeroizing<String>> {
        let keyhash = self.dir.join(KEYHASH_FILE);
        match fs::read_to_string(&keyhash) {
            Ok(phc) => {
                let passphrase = self.passphrase(false)?;
                key_file::verify_passphrase(&phc, &passphrase)?;
                Ok(passphrase)
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let passphrase = self.passphrase(true)?;
                ensure!(
                    passphrase.chars().count() >= MIN_PASSPHRASE_CHARS,
                    "the key ring passphrase must have at least {MIN_PASSPHRASE_CHARS} characters"
                );
                let phc = key_file::hash_passphrase(&passphrase)?;
                key_file::write_atomic(&self.dir, KEYHASH_FILE, format!("{phc}\n").as_bytes())?;
                Ok(passphrase)
            }
            Err(e) => Err(e).with_context(|| format!("reading {}", keyhash.display())),
        }
    }

    /// The passphrase from its source; `new` asks twice at the terminal.
    fn passphrase(&self, new: bool) -> anyhow::Result<Zeroizing<String>> {
        let cache = match &self.passphrase {
            PassphraseSource::Given(p) => return Ok(p.clone()),
            PassphraseSource::EnvOrPrompt(cache) => cache,
        };
        if let Some(p) = cache.get() {
            return Ok(p.clone());
        }
        let passphrase = match std::env::var(PASSPHRASE_ENV) {
            Ok(p) => Zeroizing::new(p),
            Err(std::env::VarError::NotPresent) => prompt_passphrase(new)?,
            Err(std::env::VarError::NotUnicode(_)) => bail!("{PASSPHRASE_ENV} is not UTF-8"),
        };
        Ok(cache.get_or_init(|| passphrase).clone())
    }
}

/// The file name of the key `name`.
fn key_file_name(name: &str) -> String {
    format!("{name}{KEY_FILE_SUFFIX}")
}

/// Reads the passphrase at the terminal, twice when `new`.
fn prompt_passphrase(new: bool) -> anyhow::Result<Zeroizing<String>> {
    let read = |prompt: &str| {
        rpassword::prompt_password(prompt)
            .map(Zeroizing::new)
            .map_err(|e| anyhow!("cannot read the key ring passphrase ({e}); set {PASSPHRASE_ENV}"))
    };
    if !new {
        return read("Enter key ring passphrase: ");
    }
    let first = read("Enter a passphrase to encrypt the key ring: ")?;
    let second = read("Re-enter the passphrase: ")?;
    ensure!(*first == *second, "the passphrases do not match");
    Ok(first)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use k256::ecdsa::signature::{hazmat::PrehashVerifier, Verifier};
    use prost::Name;
    use sha2::{Digest, Sha256};

    use super::*;

    const PASSPHRASE: &str = "correct horse battery";

    /// The public BIP39 test mnemonic; never hold funds with it.
    const ABANDON: &str = "abandon abandon abandon abandon abandon abandon abandon abandon \
                           abandon abandon abandon about";

    fn keyring(home: &Path, backend: KeyringBackend) -> Keyring {
        Keyring::open_with_passphrase(home, backend, Some(PASSPHRASE.to_string())).unwrap()
    }

    fn round_trip(backend: KeyringBackend) {
        let home = tempfile::tempdir().unwrap();
        let ring = keyring(home.path(), backend);
        assert!(ring.list().unwrap().is_empty());

        let (alice, mnemonic) = ring.add("alice", KeyAlgo::Secp256k1, None).unwrap();
        let mnemonic = mnemonic.unwrap();
        assert_eq!(mnemonic.split(' ').count(), 24);
        assert_eq!(alice.pubkey.len(), 33);
        assert!(alice.address.to_string().starts_with("weave1"));

        let (bob, none) = ring.add("bob", KeyAlgo::Ed25519, Some(ABANDON)).unwrap();
        assert!(none.is_none());
        assert_eq!(bob.pubkey.len(), 32);
        let carol = ring
            .import_signing_key("carol", &SigningKey::generate(KeyAlgo::Ed25519))
            .unwrap();

        let err = ring.add("alice", KeyAlgo::Ed25519, None).unwrap_err();
        assert!(err.to_string().contains("already exists"), "{err}");
        // The same key under a second name is refused.
        let err = ring
            .add("bob2", KeyAlgo::Ed25519, Some(ABANDON))
            .unwrap_err();
        assert!(err.to_string().contains("already holds address"), "{err}");

        assert_eq!(
            ring.list().unwrap(),
            [alice.clone(), bob.clone(), carol.clone()]
        );
        assert_eq!(ring.show("bob").unwrap(), bob);
        // A reopened key ring reads the same keys.
        let reopened = keyring(home.path(), backend);
        assert_eq!(reopened.show("alice").unwrap(), alice);
        for info in [&alice, &bob, &carol] {
            let key = reopened.signing_key(&info.name).unwrap();
            assert_eq!(key.address(), info.address);
            assert_eq!(key.public_key_bytes(), info.pubkey);
        }
        assert_eq!(
            reopened.signing_key("alice").unwrap().address(),
            SigningKey::from_mnemonic(KeyAlgo::Secp256k1, &mnemonic)
                .unwrap()
                .address()
        );

        ring.delete("alice").unwrap();
        assert_eq!(ring.list().unwrap(), [bob, carol]);
        let err = ring.show("alice").unwrap_err();
        assert!(err.to_string().contains("not found"), "{err}");
        assert!(ring.delete("alice").is_err());
        assert!(ring.signing_key("alice").is_err());

        let dir = home.path().join(backend.dir_name());
        let mode = fs::metadata(&dir).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
        let mode = fs::metadata(dir.join("bob.json"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn round_trip_test_backend() {
        round_trip(KeyringBackend::Test);
    }

    #[test]
    fn round_trip_file_backend() {
        round_trip(KeyringBackend::File);
    }

    #[test]
    fn file_backend_keeps_secrets_sealed_and_test_backend_does_not() {
        let home = tempfile::tempdir().unwrap();
        for backend in [KeyringBackend::File, KeyringBackend::Test] {
            let ring = keyring(home.path(), backend);
            ring.add("k", KeyAlgo::Secp256k1, Some(ABANDON)).unwrap();
            let secret = hex::encode(&ring.signing_key("k").unwrap().secret_bytes()[..]);
            let text =
                fs::read_to_string(home.path().join(backend.dir_name()).join("k.json")).unwrap();
            assert!(text.contains(&ring.show("k").unwrap().address.to_string()));
            let in_clear = text.contains(&secret) || text.contains("abandon");
            assert_eq!(in_clear, backend == KeyringBackend::Test, "{text}");
        }
    }

    #[test]
    fn wrong_passphrase_is_refused_but_listing_needs_none() {
        let home = tempfile::tempdir().unwrap();
        let ring = keyring(home.path(), KeyringBackend::File);
        let (alice, _) = ring.add("alice", KeyAlgo::Secp256k1, None).unwrap();

        let wrong = Keyring::open_with_passphrase(
            home.path(),
            KeyringBackend::File,
            Some("not the passphrase".to_string()),
        )
        .unwrap();
        assert_eq!(wrong.list().unwrap(), std::slice::from_ref(&alice));
        assert_eq!(wrong.show("alice").unwrap(), alice);
        let err = wrong.signing_key("alice").unwrap_err();
        assert_eq!(err.to_string(), "wrong passphrase for key ring");
        let err = wrong.add("bob", KeyAlgo::Secp256k1, None).unwrap_err();
        assert_eq!(err.to_string(), "wrong passphrase for key ring");
        assert!(wrong.show("bob").is_err());
    }

    #[test]
    fn new_file_key_ring_refuses_a_short_passphrase() {
        let home = tempfile::tempdir().unwrap();
        let ring = Keyring::open_with_passphrase(
            home.path(),
            KeyringBackend::File,
            Some("short".to_string()),
        )
        .unwrap();
        assert!(ring.add("alice", KeyAlgo::Secp256k1, None).is_err());
        assert!(ring.list().unwrap().is_empty());
    }

    #[test]
    fn secp256k1_mnemonic_gives_the_cosmos_hub_address() {
        // cosmos19rl4cm2hmr8afy4kldpxz3fka4jguq0auqdal4 is the Cosmos Hub address of this
        // mnemonic at m/44'/118'/0'/0/0 (cosmjs, Keplr and others agree).
        let key = SigningKey::from_mnemonic(KeyAlgo::Secp256k1, ABANDON).unwrap();
        assert_eq!(
            key.address().to_hex(),
            "28ff5c6d57d8cfd492b6fb42614536ed648e01fd"
        );
        assert_eq!(
            key.address().to_string(),
            "weave19rl4cm2hmr8afy4kldpxz3fka4jguq0a5qahld"
        );
    }

    #[test]
    fn mnemonic_recovery_gives_the_same_key_in_another_key_ring() {
        for algo in [KeyAlgo::Secp256k1, KeyAlgo::Ed25519] {
            let first = tempfile::tempdir().unwrap();
            let second = tempfile::tempdir().unwrap();
            let (made, mnemonic) = keyring(first.path(), KeyringBackend::Test)
                .add("a", algo, None)
                .unwrap();
            let (recovered, _) = keyring(second.path(), KeyringBackend::File)
                .add("b", algo, Some(&mnemonic.unwrap()))
                .unwrap();
            assert_eq!(made.address, recovered.address);
            assert_eq!(made.pubkey, recovered.pubkey);
            assert_eq!(recovered.algo, algo);
        }
        assert_ne!(
            SigningKey::from_mnemonic(KeyAlgo::Secp256k1, ABANDON)
                .unwrap()
                .address(),
            SigningKey::from_mnemonic(KeyAlgo::Ed25519, ABANDON)
                .unwrap()
                .address()
        );
        assert!(SigningKey::from_mnemonic(KeyAlgo::Ed25519, "not a mnemonic").is_err());
    }

    #[test]
    fn secp256k1_signatures_verify_over_sha256_with_low_s() {
        let key = SigningKey::generate(KeyAlgo::Secp256k1);
        let vk = k256::ecdsa::VerifyingKey::from_sec1_bytes(&key.public_key_bytes()).unwrap();
        for i in 0u32..64 {
            let doc = format!("sign doc {i}").into_bytes();
            let sig = key.sign(&doc);
            assert_eq!(sig.len(), 64);
            let sig = k256::ecdsa::Signature::from_slice(&sig).unwrap();
            assert!(sig.normalize_s().is_none(), "high S in signature {i}");
            vk.verify_prehash(&Sha256::digest(&doc), &sig).unwrap();
            vk.verify(&doc, &sig).unwrap();
            assert!(vk.verify(b"another doc", &sig).is_err());
        }
    }

    #[test]
    fn ed25519_signatures_verify() {
        let key = SigningKey::generate(KeyAlgo::Ed25519);
        let vk = ed25519_consensus::VerificationKey::try_from(&key.public_key_bytes()[..]).unwrap();
        let doc = b"sign doc";
        let sig: [u8; 64] = key.sign(doc).try_into().unwrap();
        let sig = ed25519_consensus::Signature::from(sig);
        vk.verify(&sig, doc).unwrap();
        assert!(vk.verify(&sig, b"another doc").is_err());
    }

    #[test]
    fn public_key_any_decodes() {
        let secp = SigningKey::generate(KeyAlgo::Secp256k1);
        let any = secp.public_key_any();
        assert_eq!(any.type_url, secp256k1::PubKey::type_url());
        assert_eq!(any.type_url, "/cosmos.crypto.secp256k1.PubKey");
        let decoded = secp256k1::PubKey::decode(&any.value[..]).unwrap();
        assert_eq!(decoded.key, secp.public_key_bytes());

        let ed = SigningKey::generate(KeyAlgo::Ed25519);
        let any = ed.public_key_any();
        assert_eq!(any.type_url, ed25519::PubKey::type_url());
        assert_eq!(any.type_url, "/cosmos.crypto.ed25519.PubKey");
        let decoded = ed25519::PubKey::decode(&any.value[..]).unwrap();
        assert_eq!(decoded.key, ed.public_key_bytes());
    }

    #[test]
    fn secret_bytes_round_trip_and_debug_hides_them() {
        for algo in [KeyAlgo::Secp256k1, KeyAlgo::Ed25519] {
            let key = SigningKey::generate(algo);
            let secret = key.secret_bytes();
            let again = SigningKey::from_secret_bytes(algo, &secret[..]).unwrap();
            assert_eq!(again.public_key_bytes(), key.public_key_bytes());
            let debug = format!("{key:?}");
            assert!(!debug.contains(&hex::encode(&secret[..])), "{debug}");
            assert!(debug.contains(&key.address().to_string()));
        }
        assert!(SigningKey::from_secret_bytes(KeyAlgo::Secp256k1, &[0u8; 32]).is_err());
        assert!(SigningKey::from_secret_bytes(KeyAlgo::Ed25519, &[1u8; 31]).is_err());
    }

    #[test]
    fn key_names_are_checked() {
        for good in ["a", "alice", "Val-0.key_1", &"x".repeat(64)] {
            validate_name(good).unwrap();
        }
        for bad in ["", "a/b", "../x", "a b", "ünï", &"x".repeat(65)] {
            assert!(validate_name(bad).is_err(), "{bad:?}");
        }
        let home = tempfile::tempdir().unwrap();
        let ring = keyring(home.path(), KeyringBackend::Test);
        assert!(ring.add("../escape", KeyAlgo::Secp256k1, None).is_err());
        assert!(ring.show("../escape").is_err());
    }

    #[test]
    fn key_info_json_has_bech32_address_and_base64_pubkey() {
        let key = SigningKey::from_mnemonic(KeyAlgo::Secp256k1, ABANDON).unwrap();
        let info = KeyInfo::of("alice", &key);
        let json = serde_json::to_value(&info).unwrap();
        assert_eq!(json["name"], "alice");
        assert_eq!(json["algo"], "secp256k1");
        assert_eq!(
            json["address"],
            "weave19rl4cm2hmr8afy4kldpxz3fka4jguq0a5qahld"
        );
        use base64::{engine::general_purpose::STANDARD, Engine};
        assert_eq!(json["pubkey"], STANDARD.encode(key.public_key_bytes()));
        assert_eq!(serde_json::from_value::<KeyInfo>(json).unwrap(), info);
    }
}
