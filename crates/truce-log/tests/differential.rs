//! Differential property tests: truce's incremental tree and its proofs
//! against the `ct-merkle` crate (a second, independent implementation) and
//! against the recursive definitions of RFC 9162, on random trees and sizes.

use ct_merkle::mem_backed_tree::MemoryBackedTree;
use proptest::prelude::*;
use sha2::Sha256;
use std::collections::HashMap;
use truce_log::proof::reference;
use truce_log::tree::reference_root;
use truce_log::{
    Hash, NodeId, RightEdge, consistency_plan, inclusion_plan, leaf_hash, verify_consistency, verify_inclusion,
};

/// Builds the tree incrementally, keeping every completed node as storage would.
fn build(entries: &[Vec<u8>]) -> (RightEdge, HashMap<NodeId, Hash>) {
    let mut edge = RightEdge::new();
    let mut nodes = HashMap::new();
    for entry in entries {
        edge.append(leaf_hash(entry), |node, hash| {
            nodes.insert(node, hash);
        });
    }
    (edge, nodes)
}

fn ct_merkle_tree(entries: &[Vec<u8>]) -> MemoryBackedTree<Sha256, Vec<u8>> {
    let mut tree = MemoryBackedTree::new();
    for entry in entries {
        tree.push(entry.clone());
    }
    tree
}

fn split(bytes: &[u8]) -> Vec<Hash> {
    bytes.chunks(32).map(|chunk| Hash::from_slice(chunk).unwrap()).collect()
}

fn entries_strategy() -> impl Strategy<Value = Vec<Vec<u8>>> {
    prop::collection::vec(prop::collection::vec(any::<u8>(), 0..40), 1..300)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn roots_match_ct_merkle_and_the_rfc_definition(entries in entries_strategy()) {
        let (edge, _) = build(&entries);
        let tree = ct_merkle_tree(&entries);
        let leaves: Vec<Hash> = entries.iter().map(|e| leaf_hash(e)).collect();
        let theirs = Hash::from_slice(tree.root().as_bytes()).unwrap();
        prop_assert_eq!(edge.root(), theirs);
        prop_assert_eq!(edge.root(), reference_root(&leaves));
    }

    #[test]
    fn inclusion_proofs_from_stored_nodes_match_ct_merkle(entries in entries_strategy(), pick in any::<prop::sample::Index>()) {
        let (edge, nodes) = build(&entries);
        let size = entries.len();
        let index = pick.index(size);
        let proof = inclusion_plan(index as u64, size as u64).unwrap().assemble(&nodes).unwrap();
        let theirs = ct_merkle_tree(&entries).prove_inclusion(index);
        prop_assert_eq!(&proof, &split(theirs.as_bytes()));
        let leaves: Vec<Hash> = entries.iter().map(|e| leaf_hash(e)).collect();
        prop_assert_eq!(&proof, &reference::inclusion_proof(index, &leaves));
        prop_assert!(verify_inclusion(&leaves[index], index as u64, size as u64, &proof, &edge.root()).is_ok());
    }

    #[test]
    fn consistency_proofs_from_stored_nodes_match_ct_merkle(entries in entries_strategy(), pick in any::<prop::sample::Index>()) {
        let (edge, nodes) = build(&entries);
        let size = entries.len();
        let old_size = 1 + pick.index(size);
        let proof = consistency_plan(old_size as u64, size as u64).unwrap().assemble(&nodes).unwrap();
        let leaves: Vec<Hash> = entries.iter().map(|e| leaf_hash(e)).collect();
        prop_assert_eq!(&proof, &reference::consistency_proof(old_size, &leaves));
        if old_size < size {
            let theirs = ct_merkle_tree(&entries).prove_consistency(size - old_size);
            prop_assert_eq!(&proof, &split(theirs.as_bytes()));
        }
        let old_root = reference_root(&leaves[..old_size]);
        prop_assert!(verify_consistency(old_size as u64, size as u64, &proof, &old_root, &edge.root()).is_ok());
    }

    #[test]
    fn a_proof_for_another_index_or_root_never_verifies(entries in entries_strategy(), pick in any::<prop::sample::Index>(), flip in any::<prop::sample::Index>()) {
        let (edge, nodes) = build(&entries);
        let size = entries.len() as u64;
        let index = pick.index(entries.len()) as u64;
        let mut proof = inclusion_plan(index, size).unwrap().assemble(&nodes).unwrap();
        let leaf = leaf_hash(&entries[index as usize]);
        if !proof.is_empty() {
            let i = flip.index(proof.len());
            proof[i].0[flip.index(32)] ^= 1;
            prop_assert!(verify_inclusion(&leaf, index, size, &proof, &edge.root()).is_err());
        }
        let other = leaf_hash(b"not an entry of this tree");
        prop_assert!(verify_inclusion(&other, index, size, &proof, &edge.root()).is_err());
    }
}
