//! The repository's own samples: the eight test leaves of
//! transparency-dev/merkle (testonly/constants.go) and their known root, with
//! every inclusion and consistency proof of that tree checked both ways.

use truce_log::proof::reference;
use truce_log::tree::reference_root;
use truce_log::{Hash, ProofError, leaf_hash, verify_consistency, verify_inclusion};

fn leaves() -> Vec<Hash> {
    [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ]
    .iter()
    .map(|h| leaf_hash(&hex::decode(h).unwrap()))
    .collect()
}

#[test]
fn root_of_the_eight_test_leaves_is_the_published_one() {
    assert_eq!(
        reference_root(&leaves()).to_hex(),
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"
    );
}

#[test]
fn every_proof_of_the_test_tree_verifies_and_a_flipped_bit_does_not() {
    let leaves = leaves();
    for size in 1..=leaves.len() {
        let root = reference_root(&leaves[..size]);
        for index in 0..size {
            let proof = reference::inclusion_proof(index, &leaves[..size]);
            verify_inclusion(&leaves[index], index as u64, size as u64, &proof, &root).unwrap();
            for i in 0..proof.len() {
                let mut broken = proof.clone();
                broken[i].0[0] ^= 1;
                assert!(verify_inclusion(&leaves[index], index as u64, size as u64, &broken, &root).is_err());
            }
        }
        for old in 1..=size {
            let proof = reference::consistency_proof(old, &leaves[..size]);
            let old_root = reference_root(&leaves[..old]);
            verify_consistency(old as u64, size as u64, &proof, &old_root, &root).unwrap();
            if old < size {
                let mut longer = proof.clone();
                longer.push(root);
                assert!(verify_consistency(old as u64, size as u64, &longer, &old_root, &root).is_err());
            }
        }
    }
}

#[test]
fn consistency_edge_cases_are_refused_with_the_right_error() {
    let root = Hash::empty_tree_root();
    let check = |old, new, proof: &[Hash], expected: ProofError| {
        assert_eq!(verify_consistency(old, new, proof, &root, &root), Err(expected));
    };
    check(0, 0, &[], ProofError::FromEmptyTree);
    check(0, 5, &[], ProofError::FromEmptyTree);
    check(
        3,
        2,
        &[],
        ProofError::OldSizeBeyondNew {
            old_size: 3,
            new_size: 2,
        },
    );
    check(2, 2, &[root], ProofError::ProofForEqualSizes(1));
    check(1, 2, &[], ProofError::WrongProofLength { found: 0, expected: 1 });
    assert_eq!(
        verify_inclusion(&root, 4, 4, &[], &root),
        Err(ProofError::IndexBeyondSize { index: 4, size: 4 })
    );
}
