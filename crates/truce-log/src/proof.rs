//! Inclusion and consistency proofs (RFC 9162, 2.1.3 and 2.1.4): which nodes
//! a proof is made of, and the verification algorithms, followed step by step.

use crate::hash::{Hash, node_hash};
use crate::tree::{NodeId, fold_subtrees, perfect_subtrees, split_point};
use std::collections::HashMap;

/// Why a proof cannot be made or does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    #[error("leaf index {index} is not in a tree of size {size}")]
    IndexBeyondSize { index: u64, size: u64 },
    #[error("a consistency proof from size 0 proves nothing and is refused")]
    FromEmptyTree,
    #[error("the old size {old_size} is larger than the new size {new_size}")]
    OldSizeBeyondNew { old_size: u64, new_size: u64 },
    #[error("equal tree sizes need an empty proof, found {0} hashes")]
    ProofForEqualSizes(usize),
    #[error("the proof has {found} hashes where {expected} were expected")]
    WrongProofLength { found: usize, expected: usize },
    #[error("the proof leads to root {computed}, not the expected {expected}")]
    RootMismatch { computed: Hash, expected: Hash },
    #[error("the proof leads to old root {computed}, not the expected {expected}")]
    OldRootMismatch { computed: Hash, expected: Hash },
}

/// The nodes a proof is made of: each proof hash is the fold of one or more
/// perfect subtrees (one, unless it covers the ragged right edge).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProofPlan {
    elements: Vec<Vec<NodeId>>,
}

impl ProofPlan {
    /// Every stored node the proof needs, without repeats, in ascending order.
    pub fn nodes(&self) -> Vec<NodeId> {
        let mut nodes: Vec<NodeId> = self.elements.iter().flatten().copied().collect();
        nodes.sort_unstable();
        nodes.dedup();
        nodes
    }

    pub fn len(&self) -> usize {
        self.elements.len()
    }

    pub fn is_empty(&self) -> bool {
        self.elements.is_empty()
    }

    /// The proof hashes, given the hash of every node of [`ProofPlan::nodes`].
    /// Returns the first missing node if `hashes` lacks one.
    pub fn assemble(&self, hashes: &HashMap<NodeId, Hash>) -> Result<Vec<Hash>, NodeId> {
        self.elements
            .iter()
            .map(|element| {
                let subtree_hashes = element
                    .iter()
                    .map(|node| hashes.get(node).copied().ok_or(*node))
                    .collect::<Result<Vec<Hash>, NodeId>>()?;
                Ok(fold_subtrees(&subtree_hashes).expect("a proof element covers at least one leaf"))
            })
            .collect()
    }
}

/// The inclusion proof of leaf `index` in the tree of `size` leaves: RFC 9162's
/// PATH(m, D[n]), innermost sibling first.
pub fn inclusion_plan(index: u64, size: u64) -> Result<ProofPlan, ProofError> {
    if index >= size {
        return Err(ProofError::IndexBeyondSize { index, size });
    }
    let mut elements = Vec::new();
    let (mut start, mut end, mut m) = (0u64, size, index);
    while end - start > 1 {
        let k = split_point(end - start);
        if m < k {
            elements.push(perfect_subtrees(start + k, end));
            end = start + k;
        } else {
            elements.push(perfect_subtrees(start, start + k));
            start += k;
            m -= k;
        }
    }
    elements.reverse();
    Ok(ProofPlan { elements })
}

/// The consistency proof between the trees of `old_size` and `new_size`
/// leaves: RFC 9162's PROOF(m, D[n]) = SUBPROOF(m, D[n], true).
pub fn consistency_plan(old_size: u64, new_size: u64) -> Result<ProofPlan, ProofError> {
    check_consistency_sizes(old_size, new_size)?;
    let mut elements = Vec::new();
    let (mut start, mut end, mut m, mut complete) = (0u64, new_size, old_size, true);
    loop {
        let n = end - start;
        if m == n {
            if !complete {
                elements.push(perfect_subtrees(start, end));
            }
            break;
        }
        let k = split_point(n);
        if m <= k {
            elements.push(perfect_subtrees(start + k, end));
            end = start + k;
        } else {
            elements.push(perfect_subtrees(start, start + k));
            start += k;
            m -= k;
            complete = false;
        }
    }
    elements.reverse();
    Ok(ProofPlan { elements })
}

fn check_consistency_sizes(old_size: u64, new_size: u64) -> Result<(), ProofError> {
    if old_size == 0 {
        return Err(ProofError::FromEmptyTree);
    }
    if old_size > new_size {
        return Err(ProofError::OldSizeBeyondNew { old_size, new_size });
    }
    Ok(())
}

/// Verifies that `leaf` is at `index` in the tree of `size` leaves whose head
/// is `root`: RFC 9162, 2.1.3.2, step by step.
pub fn verify_inclusion(leaf: &Hash, index: u64, size: u64, proof: &[Hash], root: &Hash) -> Result<(), ProofError> {
    if index >= size {
        return Err(ProofError::IndexBeyondSize { index, size });
    }
    let expected = expected_inclusion_length(index, size);
    let (mut fn_, mut sn) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if sn == 0 {
            return Err(ProofError::WrongProofLength {
                found: proof.len(),
                expected,
            });
        }
        if fn_ & 1 == 1 || fn_ == sn {
            r = node_hash(p, &r);
            if fn_ & 1 == 0 {
                while fn_ & 1 == 0 && fn_ != 0 {
                    fn_ >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    if sn != 0 {
        return Err(ProofError::WrongProofLength {
            found: proof.len(),
            expected,
        });
    }
    if r != *root {
        return Err(ProofError::RootMismatch {
            computed: r,
            expected: *root,
        });
    }
    Ok(())
}

/// Verifies that the tree of `old_size` leaves with head `old_root` is a
/// prefix of the tree of `new_size` leaves with head `new_root`: RFC 9162,
/// 2.1.4.2, step by step. Size 0 is refused; equal sizes need an empty proof.
pub fn verify_consistency(
    old_size: u64,
    new_size: u64,
    proof: &[Hash],
    old_root: &Hash,
    new_root: &Hash,
) -> Result<(), ProofError> {
    check_consistency_sizes(old_size, new_size)?;
    if old_size == new_size {
        if !proof.is_empty() {
            return Err(ProofError::ProofForEqualSizes(proof.len()));
        }
        if old_root != new_root {
            return Err(ProofError::RootMismatch {
                computed: *old_root,
                expected: *new_root,
            });
        }
        return Ok(());
    }
    let expected = consistency_plan(old_size, new_size)?.len();
    if proof.is_empty() {
        return Err(ProofError::WrongProofLength { found: 0, expected });
    }
    // Step 1: if the old size is a power of two, its root is the first node.
    let mut path: Vec<Hash> = Vec::with_capacity(proof.len() + 1);
    if old_size.is_power_of_two() {
        path.push(*old_root);
    }
    path.extend_from_slice(proof);
    let (mut fn_, mut sn) = (old_size - 1, new_size - 1);
    while fn_ & 1 == 1 {
        fn_ >>= 1;
        sn >>= 1;
    }
    let (mut fr, mut sr) = (path[0], path[0]);
    for c in &path[1..] {
        if sn == 0 {
            return Err(ProofError::WrongProofLength {
                found: proof.len(),
                expected,
            });
        }
        if fn_ & 1 == 1 || fn_ == sn {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if fn_ & 1 == 0 {
                while fn_ & 1 == 0 && fn_ != 0 {
                    fn_ >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    if sn != 0 {
        return Err(ProofError::WrongProofLength {
            found: proof.len(),
            expected,
        });
    }
    if fr != *old_root {
        return Err(ProofError::OldRootMismatch {
            computed: fr,
            expected: *old_root,
        });
    }
    if sr != *new_root {
        return Err(ProofError::RootMismatch {
            computed: sr,
            expected: *new_root,
        });
    }
    Ok(())
}

fn expected_inclusion_length(index: u64, size: u64) -> usize {
    inclusion_plan(index, size).map(|plan| plan.len()).unwrap_or(0)
}

/// Proofs built from an in-memory list of leaf hashes by the recursive
/// definitions of RFC 9162. Slow and simple: the reference for tests.
pub mod reference {
    use super::*;
    use crate::tree::reference_root;

    pub fn inclusion_proof(index: usize, leaves: &[Hash]) -> Vec<Hash> {
        if leaves.len() <= 1 {
            return Vec::new();
        }
        let k = split_point(leaves.len() as u64) as usize;
        if index < k {
            let mut path = inclusion_proof(index, &leaves[..k]);
            path.push(reference_root(&leaves[k..]));
            path
        } else {
            let mut path = inclusion_proof(index - k, &leaves[k..]);
            path.push(reference_root(&leaves[..k]));
            path
        }
    }

    pub fn consistency_proof(old_size: usize, leaves: &[Hash]) -> Vec<Hash> {
        subproof(old_size, leaves, true)
    }

    fn subproof(m: usize, leaves: &[Hash], complete: bool) -> Vec<Hash> {
        let n = leaves.len();
        if m == n {
            return if complete {
                Vec::new()
            } else {
                vec![reference_root(leaves)]
            };
        }
        let k = split_point(n as u64) as usize;
        if m <= k {
            let mut path = subproof(m, &leaves[..k], complete);
            path.push(reference_root(&leaves[k..]));
            path
        } else {
            let mut path = subproof(m - k, &leaves[k..], false);
            path.push(reference_root(&leaves[..k]));
            path
        }
    }
}
