//! Bech32 (BIP 173) encoding of consensus addresses (`weavevalcons1...`), as the
//! Cosmos SDK prints validator and proposer addresses. Account addresses go through
//! `weave_kernel::Address`; this covers the other prefixes without another dependency.

use weave_kernel::BECH32_PREFIX;

const CHARSET: &[u8; 32] = b"qpzry9x8gf2tvdw0s3jn54khce6mua7l";
const GENERATOR: [u32; 5] = [
    0x3b6a_57b2,
    0x2650_8e6d,
    0x1ea1_19fa,
    0x3d42_33dd,
    0x2a14_62b3,
];

/// The prefix of a validator's consensus address.
pub(super) fn valcons_prefix() -> String {
    format!("{BECH32_PREFIX}valcons")
}

/// A consensus address in bech32 with the `weavevalcons` prefix.
pub(super) fn valcons(address: &[u8]) -> String {
    encode(&valcons_prefix(), address)
}

fn polymod(values: impl IntoIterator<Item = u8>) -> u32 {
    let mut chk: u32 = 1;
    for v in values {
        let top = chk >> 25;
        chk = ((chk & 0x01ff_ffff) << 5) ^ u32::from(v);
        for (i, g) in GENERATOR.iter().enumerate() {
            if (top >> i) & 1 == 1 {
                chk ^= g;
            }
        }
    }
    chk
}

/// Regroups bytes into 5-bit groups, padding the last one with zeros.
fn to_five_bits(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() * 8 / 5 + 1);
    let mut acc: u32 = 0;
    let mut bits: u32 = 0;
    for &b in data {
        acc = (acc << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(((acc >> bits) & 31) as u8);
        }
        acc &= (1 << bits) - 1;
    }
    if bits > 0 {
        out.push(((acc << (5 - bits)) & 31) as u8);
    }
    out
}

/// Encodes `data` under a lowercase ASCII `hrp`.
pub(super) fn encode(hrp: &str, data: &[u8]) -> String {
    let hrp = hrp.to_ascii_lowercase();
    let words = to_five_bits(data);
    let expanded = hrp
        .bytes()
        .map(|c| c >> 5)
        .chain(std::iter::once(0))
        .chain(hrp.bytes().map(|c| c & 31));
    let pm = polymod(expanded.chain(words.iter().copied()).chain([0u8; 6])) ^ 1;
    let mut s = String::with_capacity(hrp.len() + 1 + words.len() + 6);
    s.push_str(&hrp);
    s.push('1');
    for w in words
        .iter()
        .copied()
        .chain((0..6).map(|i| ((pm >> (5 * (5 - i))) & 31) as u8))
    {
        s.push(char::from(CHARSET[usize::from(w)]));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use weave_kernel::Address;

    #[test]
    fn matches_bip173_vectors() {
        // Valid strings from BIP 173 with empty data.
        assert_eq!(encode("a", &[]), "a12uel5l");
        assert_eq!(
            encode(
                "abcdef",
                &[
                    0x00, 0x44, 0x32, 0x14, 0xc7, 0x42, 0x54, 0xb6, 0x35, 0xcf, 0x84, 0x65, 0x3a,
                    0x56, 0xd7, 0xc6, 0x75, 0xbe, 0x77, 0xdf
                ]
            ),
            "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw"
        );
    }

    #[test]
    fn matches_the_account_address_encoder() {
        for seed in [0u8, 1, 0x5a, 0xff] {
            let bytes: [u8; 20] = std::array::from_fn(|i| seed.wrapping_add(i as u8 * 13));
            assert_eq!(
                encode(BECH32_PREFIX, &bytes),
                Address::new(bytes).to_string()
            );
        }
    }

    #[test]
    fn valcons_has_the_prefix() {
        assert!(valcons(&[1u8; 20]).starts_with("weavevalcons1"));
    }
}
