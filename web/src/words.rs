//! Chain errors in words: the `codespace:code` an error carries, what it means for the
//! person in front of the page, and the node's own text as the detail.

/// An error as a page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Explained {
    /// `codespace:code`, when the error carried one.
    pub(crate) code: Option<String>,
    /// What it means, in words.
    pub(crate) words: String,
    /// The full text the client library gave.
    pub(crate) detail: String,
}

/// The meaning of a `codespace:code`.
fn meaning(codespace: &str, code: u32) -> Option<&'static str> {
    Some(match (codespace, code) {
        ("sdk", 2) => "the transaction could not be decoded",
        ("sdk", 4) => "the signature or the chain id is wrong",
        ("sdk", 5) => "insufficient funds: the account cannot pay this and its fee",
        ("sdk", 6) => "the chain does not know this kind of message",
        ("sdk", 7) => "that is not a valid address",
        ("sdk", 10) => "that is not a valid amount",
        ("sdk", 11) => "the transaction ran out of gas",
        ("sdk", 12) => "the memo is too large",
        ("sdk", 13) => "the fee is below the minimum gas price",
        ("sdk", 32) => "another transaction of this account got in first; try again",
        ("bank", 2) => "sending tokens is disabled by governance",
        ("content", 3) => "the metadata is too large or malformed",
        ("content", 4) => "the price or amount must be a positive number",
        ("content", 5) => "the price times the quantity is too large",
        ("content", 6) => "there is no such content",
        ("content", 7) => "only the content's creator may do this",
        ("content", 8) => "this content is retired",
        ("content", 9) => "the account holds fewer access tokens than that",
        ("content", 10) => "the account has no access to this content",
        ("content", 11) => "the account has not registered a buyer key",
        ("content", 13) => "this file is already registered as another content",
        ("content", 14) => "the rights tiers are not valid",
        ("content", 15) => "the split is not valid",
        ("content", 16) => "this creator takes no subscriptions",
        ("content", 17) => "that subscription runs longer than the chain allows",
        ("content", 18) => "the price is now above the total you accepted; reload the page",
        ("content", 19) => "the quantity must be a positive number",
        ("channels", 2) => "the amount must be a positive number",
        ("channels", 5) => "the channel's closing height must be in the future",
        ("channels", 6) => "there is no such payment channel",
        ("channels", 7) => "only the channel's payer may do this",
        ("channels", 8) => "the channel is not open any more",
        ("channels", 9) => "the channel has settled",
        ("seeders", 2) => "the bond must be a positive number",
        ("seeders", 3) => "the bond is below the minimum seeders must bond",
        ("seeders", 4) => "this account is already bonded as a seeder",
        ("seeders", 9) => "the seeder commits to a content the chain does not know",
        ("seeders", 10) | ("seeders", 11) => "this account is not bonded as a seeder",
        ("seeders", 12) => "the seeder is already unbonding",
        ("seeders", 14) => "the seeder is still jailed",
        ("splits", 2) => "the split's basis points must add up to 10000",
        ("splits", 3) => "a recipient appears twice in the split",
        ("splits", 5) => "the split has too many or too few recipients",
        ("splits", 6) => "every recipient of the split needs a share above 0",
        ("gov", 2) => "that is not a valid amount",
        ("gov", 3) => "the proposal is not valid",
        ("gov", 4) => "governance cannot run that message",
        ("gov", 5) => "there is no such proposal",
        ("gov", 6) => "the proposal takes no deposits any more",
        ("gov", 7) => "the proposal is not being voted on any more",
        ("gov", 8) => "that is not a valid vote",
        ("gov", 9) => "only accounts with bonded stake can vote: delegate to a validator first",
        ("social", 2) => {
            "that handle is not valid: use lower-case letters, digits and _, of the allowed length"
        }
        ("social", 3) => "that handle is taken (or still reserved for its last owner)",
        ("social", 4) => "the display name, bio or a link is too long or malformed",
        ("social", 5) => "there is no such content",
        ("social", 6) => "an account cannot follow itself",
        ("social", 7) => "you already follow this account",
        ("social", 8) => "you do not follow this account",
        ("social", 9) => "you follow as many accounts as the chain allows",
        ("social", 10) => "that is not a valid reaction",
        ("social", 11) => "you have no reaction on this content",
        ("social", 12) => "the comment is empty or too long",
        ("social", 13) => "there is no such comment",
        ("social", 14) => "replies go one level deep: reply to the comment, not to a reply",
        ("social", 15) => "that comment belongs to another content",
        ("social", 16) => "only the content's creator may hide its comments",
        ("social", 17) => "you already reacted that way",
        ("gov", 10) => {
            "the initial deposit is below the share of the minimum deposit it must reach"
        }
        ("gov", 11) => "a proposal's messages must name the gov authority",
        ("gov", 12) => "those parameters are not valid",
        ("gov", 16) => "the upgrade plan is not valid",
        ("gov", 17) => "the state the proposal was made against has changed",
        _ => return None,
    })
}

/// Finds `codespace:code` in an error's text: `codespace sdk, code 5: …` as the client
/// reports a failed transaction, or `sdk:5: …` as the node reports a refused
/// simulation.
fn find_code(text: &str) -> Option<(String, u32)> {
    if let Some(at) = text.find("codespace ") {
        let rest = &text[at + "codespace ".len()..];
        let (space, rest) = rest.split_once(", code ")?;
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        return Some((space.to_string(), digits.parse().ok()?));
    }
    text.split_whitespace().find_map(|word| {
        let word = word.strip_suffix(':')?;
        let (space, code) = word.split_once(':')?;
        let ok = space.starts_with(|c: char| c.is_ascii_lowercase())
            && space
                .chars()
                .all(|c| c.is_ascii_lowercase() || c == '_' || c.is_ascii_digit());
        ok.then_some(())?;
        Some((space.to_string(), code.parse().ok()?))
    })
}

/// Explains the text of an error from the client library.
pub(crate) fn explain(text: &str) -> Explained {
    match find_code(text) {
        Some((space, code)) => Explained {
            words: meaning(&space, code)
                .map(str::to_string)
                .unwrap_or_else(|| format!("the chain refused it ({space} error {code})")),
            code: Some(format!("{space}:{code}")),
            detail: text.to_string(),
        },
        None => Explained {
            code: None,
            words: if text.contains("cannot connect") || text.contains("transport error") {
                "the node does not answer".to_string()
            } else {
                // No code: the client library's own sentence says what went wrong.
                text.chars().take(300).collect()
            },
            detail: text.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_found_in_both_shapes_and_explained() {
        let e = explain("transaction AB rejected by CheckTx: codespace sdk, code 5: 10 < 20");
        assert_eq!(e.code.as_deref(), Some("sdk:5"));
        assert!(e.words.contains("insufficient funds"));
        let e = explain("content:8: content 3 is retired; gas wanted: 1, gas used: 2");
        assert_eq!(e.code.as_deref(), Some("content:8"));
        assert_eq!(e.words, "this content is retired");
        let e = explain("channels:77: something new");
        assert_eq!(e.code.as_deref(), Some("channels:77"));
        assert!(e.words.contains("channels error 77"));
        let e = explain("cannot connect to node http://x");
        assert_eq!(e.code, None);
        assert_eq!(e.words, "the node does not answer");
        let e = explain("\"bob\" is neither an address nor a key");
        assert_eq!(
            (e.code, e.words.as_str()),
            (None, "\"bob\" is neither an address nor a key")
        );
        let e = explain("gov:9: weave1x has no bonded stake to vote with");
        assert!(e.words.contains("bonded stake"), "{}", e.words);
        let e = explain("codespace channels, code 8: channel 4 is closing");
        assert_eq!(e.words, "the channel is not open any more");
        assert_eq!(
            explain("seeders:11: weave1x").words,
            "this account is not bonded as a seeder"
        );
        let e = explain("codespace social, code 3: handle \"alice\" is taken");
        assert_eq!(e.code.as_deref(), Some("social:3"));
        assert!(e.words.contains("handle is taken"), "{}", e.words);
        assert_eq!(
            explain("social:16: weave1x is not the creator of content 2").words,
            "only the content's creator may hide its comments"
        );
        // A time of day is not a code.
        assert_eq!(explain("at 12:30: done").code, None);
    }
}
