//! `weaved keys`: add, list, show and delete keys of the key ring.
//!
//! Output is human-readable by default and one JSON value per command with `--output json`.
//! Prompts and warnings go to stderr so that stdout stays parseable.

use std::{
    io::{self, BufRead, IsTerminal, Write},
    path::Path,
};

use anyhow::{bail, ensure};
use base64::{engine::general_purpose::STANDARD as BASE64, Engine};
use serde::Serialize;
use zeroize::Zeroizing;

use super::{KeyAlgo, KeyInfo, Keyring, KeyringBackend};

/// The `weaved keys` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum KeysCmd {
    /// Create a key from a new mnemonic, or recover one from a mnemonic with --recover.
    Add {
        /// The name to file the key under (1 to 64 of A-Z a-z 0-9 _ . -).
        name: String,
        /// The signature scheme of the key.
        #[arg(long, value_enum, default_value = "secp256k1")]
        algo: KeyAlgo,
        /// Read a BIP39 mnemonic from stdin instead of generating one.
        #[arg(long)]
        recover: bool,
    },
    /// List all keys.
    List,
    /// Show one key.
    Show {
        /// The name of the key.
        name: String,
        /// Print only the address.
        #[arg(long)]
        address: bool,
    },
    /// Print a private key as ASCII armor, encrypted under a passphrase of its own
    /// (`WEAVE_EXPORT_PASSPHRASE`, else asked twice at the terminal).
    Export {
        /// The name of the key.
        name: String,
    },
    /// Import a private key from the armor `keys export` wrote (`-` for stdin), asking
    /// for its passphrase (`WEAVE_EXPORT_PASSPHRASE`, else the terminal).
    Import {
        /// The name to file the key under.
        name: String,
        /// The armor file.
        file: std::path::PathBuf,
    },
    /// Delete a key (its mnemonic is the only way back).
    Delete {
        /// The name of the key.
        name: String,
        /// Do not ask for confirmation.
        #[arg(long, short = 'y')]
        yes: bool,
    },
}

/// Runs a `weaved keys` subcommand on the key ring of `backend` under `home`, printing
/// JSON when `json`.
pub fn run_keys(
    cmd: KeysCmd,
    home: &Path,
    backend: KeyringBackend,
    json: bool,
) -> anyhow::Result<()> {
    let keyring = Keyring::open(home, backend)?;
    let stdin = io::stdin();
    let prompt_on_stderr = stdin.is_terminal();
    run(
        cmd,
        &keyring,
        json,
        &mut stdin.lock(),
        prompt_on_stderr,
        &mut io::stdout().lock(),
        &mut io::stderr().lock(),
    )
}

/// What `keys add --output json` prints: the key and, when one was generated, its mnemonic.
#[derive(Serialize)]
struct AddOutput<'a> {
    /// The new key.
    #[serde(flatten)]
    info: &'a KeyInfo,
    /// The generated mnemonic.
    #[serde(skip_serializing_if = "Option::is_none")]
    mnemonic: Option<&'a str>,
}

/// [`run_keys`] with its input and outputs given, so tests can drive it.
fn run(
    cmd: KeysCmd,
    keyring: &Keyring,
    json: bool,
    input: &mut dyn BufRead,
    prompt: bool,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> anyhow::Result<()> {
    match cmd {
        KeysCmd::Add {
            name,
            algo,
            recover,
        } => {
            let recovered = if recover {
                if prompt {
                    writeln!(err, "> Enter your BIP39 mnemonic")?;
                }
                let line = read_line(input)?;
                ensure!(!line.trim().is_empty(), "no mnemonic on stdin");
                Some(line)
            } else {
                None
            };
            let (info, mnemonic) =
                keyring.add(&name, algo, recovered.as_deref().map(|s| s.as_str()))?;
            let mnemonic = mnemonic.map(Zeroizing::new);
            if json {
                let output = AddOutput {
                    info: &info,
                    mnemonic: mnemonic.as_deref().map(|s| s.as_str()),
                };
                writeln!(out, "{}", serde_json::to_string(&output)?)?;
            } else {
                write_key(out, &info)?;
                if let Some(mnemonic) = mnemonic {
                    writeln!(
                        err,
                        "\n**Important** write this mnemonic phrase in a safe place.\n\
                         It is the only way to recover your account if you ever forget your \
                         password.\n\n{}",
                        mnemonic.as_str()
                    )?;
                }
            }
        }
        KeysCmd::List => {
            let keys = keyring.list()?;
            if json {
                writeln!(out, "{}", serde_json::to_string(&keys)?)?;
            } else if keys.is_empty() {
                writeln!(err, "no keys in the {} key ring", keyring.backend)?;
            } else {
                for info in &keys {
                    write_key(out, info)?;
                }
            }
        }
        KeysCmd::Show { name, address } => {
            let info = keyring.show(&name)?;
            if address {
                writeln!(out, "{}", info.address)?;
            } else if json {
                writeln!(out, "{}", serde_json::to_string(&info)?)?;
            } else {
                write_key(out, &info)?;
            }
        }
        KeysCmd::Export { name } => {
            let key = keyring.signing_key(&name)?;
            let passphrase = export_passphrase(true)?;
            write!(out, "{}", super::armor::export_armor(&key, &passphrase)?)?;
        }
        KeysCmd::Import { name, file } => {
            let armor = if file.as_os_str() == "-" {
                io::read_to_string(input)?
            } else {
                std::fs::read_to_string(&file)
                    .map_err(|e| anyhow::anyhow!("reading {}: {e}", file.display()))?
            };
            let passphrase = export_passphrase(false)?;
            let key = super::armor::import_armor(&armor, &passphrase)?;
            let info = keyring.import_signing_key(&name, &key)?;
            if json {
                writeln!(out, "{}", serde_json::to_string(&info)?)?;
            } else {
                write_key(out, &info)?;
            }
        }
        KeysCmd::Delete { name, yes } => {
            keyring.show(&name)?;
            if !yes {
                write!(err, "Key {name:?} will be deleted. Continue? [y/N]: ")?;
                err.flush()?;
                let answer = read_line(input)?;
                if !matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes") {
                    bail!("aborted; key {name:?} was not deleted");
                }
            }
            keyring.delete(&name)?;
            writeln!(err, "Key {name:?} deleted")?;
        }
    }
    Ok(())
}

/// The passphrase of an exported key: `WEAVE_EXPORT_PASSPHRASE`, else the terminal
/// (twice when `new`).
fn export_passphrase(new: bool) -> anyhow::Result<Zeroizing<String>> {
    use super::armor::EXPORT_PASSPHRASE_ENV;
    if let Ok(p) = std::env::var(EXPORT_PASSPHRASE_ENV) {
        return Ok(Zeroizing::new(p));
    }
    let read = |prompt: &str| {
        rpassword::prompt_password(prompt)
            .map(Zeroizing::new)
            .map_err(|e| {
                anyhow::anyhow!("cannot read the passphrase ({e}); set {EXPORT_PASSPHRASE_ENV}")
            })
    };
    let first = read("Passphrase of the exported key: ")?;
    if new {
        let again = read("Repeat the passphrase: ")?;
        ensure!(*first == *again, "the passphrases differ");
    }
    Ok(first)
}

/// Reads one line of `input`.
fn read_line(input: &mut dyn BufRead) -> anyhow::Result<Zeroizing<String>> {
    let mut line = Zeroizing::new(String::new());
    input.read_line(&mut line)?;
    Ok(line)
}

/// Prints a key as one item of a YAML-like list.
fn write_key(out: &mut dyn Write, info: &KeyInfo) -> io::Result<()> {
    writeln!(out, "- name: {}", info.name)?;
    writeln!(out, "  address: {}", info.address)?;
    writeln!(out, "  algo: {}", info.algo)?;
    writeln!(out, "  pubkey: {}", BASE64.encode(&info.pubkey))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use clap::Parser;

    use super::*;

    const ABANDON: &str = "abandon abandon abandon abandon abandon abandon abandon abandon \
                           abandon abandon abandon about";

    /// A stand-in for the `weaved` command line, to check that the subcommands parse.
    #[derive(Parser)]
    struct Cli {
        #[command(subcommand)]
        keys: KeysCmd,
    }

    /// Runs `args` on `keyring` with `input` on stdin; returns the result, stdout, stderr.
    fn exec(
        keyring: &Keyring,
        args: &[&str],
        json: bool,
        input: &str,
    ) -> (anyhow::Result<()>, String, String) {
        let cmd = Cli::try_parse_from(std::iter::once("keys").chain(args.iter().copied()))
            .unwrap()
            .keys;
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let result = run(
            cmd,
            keyring,
            json,
            &mut input.as_bytes(),
            false,
            &mut out,
            &mut err,
        );
        (
            result,
            String::from_utf8(out).unwrap(),
            String::from_utf8(err).unwrap(),
        )
    }

    fn test_keyring(home: &Path) -> Keyring {
        Keyring::open_with_passphrase(home, KeyringBackend::Test, None).unwrap()
    }

    #[test]
    fn add_prints_the_key_and_the_mnemonic() {
        let home = tempfile::tempdir().unwrap();
        let ring = test_keyring(home.path());

        let (result, out, err) = exec(&ring, &["add", "alice"], false, "");
        result.unwrap();
        let alice = ring.show("alice").unwrap();
        assert!(out.starts_with(&format!("- name: alice\n  address: {}\n", alice.address)));
        assert!(out.contains("  algo: secp256k1\n"));
        assert!(err.contains("**Important**"));
        let mnemonic = err.trim_end().rsplit('\n').next().unwrap();
        assert_eq!(mnemonic.split(' ').count(), 24);

        let (result, out, _) = exec(&ring, &["add", "bob", "--algo", "ed25519"], true, "");
        result.unwrap();
        let json: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(json["name"], "bob");
        assert_eq!(json["algo"], "ed25519");
        assert_eq!(
            json["address"],
            ring.show("bob").unwrap().address.to_string()
        );
        assert_eq!(json["mnemonic"].as_str().unwrap().split(' ').count(), 24);
    }

    #[test]
    fn add_recover_reads_the_mnemonic_from_stdin() {
        let home = tempfile::tempdir().unwrap();
        let ring = test_keyring(home.path());
        let (result, out, _) = exec(
            &ring,
            &["add", "r", "--recover"],
            true,
            &format!("{ABANDON}\n"),
        );
        result.unwrap();
        let json: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(
            json["address"],
            "weave19rl4cm2hmr8afy4kldpxz3fka4jguq0a5qahld"
        );
        assert!(json.get("mnemonic").is_none());

        let (result, _, _) = exec(&ring, &["add", "s", "--recover"], false, "\n");
        assert!(result.is_err());
        let (result, _, _) = exec(&ring, &["add", "s", "--recover"], false, "no such words\n");
        assert!(result.is_err());
        assert!(ring.show("s").is_err());
    }

    #[test]
    fn list_and_show_print_human_and_json() {
        let home = tempfile::tempdir().unwrap();
        let ring = test_keyring(home.path());
        let (result, out, err) = exec(&ring, &["list"], false, "");
        result.unwrap();
        assert!(out.is_empty());
        assert!(err.contains("no keys"));
        let (_, out, _) = exec(&ring, &["list"], true, "");
        assert_eq!(out, "[]\n");

        ring.add("b", KeyAlgo::Secp256k1, None).unwrap();
        ring.add("a", KeyAlgo::Ed25519, None).unwrap();
        let (a, b) = (ring.show("a").unwrap(), ring.show("b").unwrap());

        let (_, out, _) = exec(&ring, &["list"], false, "");
        let names: Vec<_> = out.lines().filter(|l| l.starts_with("- name: ")).collect();
        assert_eq!(names, ["- name: a", "- name: b"]);
        let (_, out, _) = exec(&ring, &["list"], true, "");
        let listed: Vec<KeyInfo> = serde_json::from_str(&out).unwrap();
        assert_eq!(listed, [a.clone(), b]);

        let (_, out, _) = exec(&ring, &["show", "a", "--address"], false, "");
        assert_eq!(out, format!("{}\n", a.address));
        let (_, out, _) = exec(&ring, &["show", "a"], true, "");
        assert_eq!(serde_json::from_str::<KeyInfo>(&out).unwrap(), a);
        let (_, out, _) = exec(&ring, &["show", "a"], false, "");
        assert_eq!(
            out,
            format!(
                "- name: a\n  address: {}\n  algo: ed25519\n  pubkey: {}\n",
                a.address,
                BASE64.encode(&a.pubkey)
            )
        );
        let (result, _, _) = exec(&ring, &["show", "nobody"], false, "");
        assert!(result.is_err());
    }

    #[test]
    fn delete_asks_unless_yes() {
        let home = tempfile::tempdir().unwrap();
        let ring = test_keyring(home.path());
        ring.add("a", KeyAlgo::Secp256k1, None).unwrap();

        let (result, _, err) = exec(&ring, &["delete", "a"], false, "n\n");
        assert!(result.is_err());
        assert!(err.contains("Continue? [y/N]"));
        let (result, _, _) = exec(&ring, &["delete", "a"], false, "");
        assert!(result.is_err());
        ring.show("a").unwrap();

        let (result, _, _) = exec(&ring, &["delete", "a"], false, "y\n");
        result.unwrap();
        assert!(ring.show("a").is_err());

        ring.add("b", KeyAlgo::Secp256k1, None).unwrap();
        let (result, _, _) = exec(&ring, &["delete", "b", "-y"], false, "");
        result.unwrap();
        assert!(ring.list().unwrap().is_empty());
        let (result, _, _) = exec(&ring, &["delete", "b", "--yes"], false, "");
        assert!(result.is_err());
    }
}
