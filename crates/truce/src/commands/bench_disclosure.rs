//! The peer of the benchmarks that measure the log's public form: the same
//! agreement with every group of fields public at intake, so each event's
//! entry is written whole, with no commitment and no opening (the form
//! entries had before commitments), in the same run as the default policy.

use truce_domain::disclosure::Group;

/// The example agreement's TOML with its `[disclosure]` section replaced
/// by one that makes every group public at intake.
pub fn all_in_clear(agreement: &str) -> String {
    let (before, after) = agreement.split_once("\n[disclosure]\n").unwrap_or((agreement, ""));
    // What follows the section: from its next table header on, if any.
    let rest = after.find("\n[").map_or("", |at| &after[at..]);
    let mut text = format!("{before}\n[disclosure]\n");
    for group in Group::ALL {
        text.push_str(&format!("{} = \"intake\"\n", group.as_str()));
    }
    text.push_str(rest);
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use truce_domain::agreement::Agreement;
    use truce_domain::disclosure::{Disclosure, When};

    #[test]
    fn the_peer_agreement_is_the_example_with_everything_public_at_intake() {
        let example = include_str!("../../../../examples/doha-ceasefire.toml");
        let peer = Agreement::from_toml(&all_in_clear(example)).unwrap();
        let default = Agreement::from_toml(example).unwrap();
        assert_eq!(peer.disclosure, Disclosure::all_at_intake());
        assert_eq!(default.disclosure.when(Group::Narrative), When::Final);
        assert_eq!(peer.parties, default.parties);
    }
}
