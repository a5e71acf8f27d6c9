//! Signed-note test vectors of the Go checksum database
//! (golang.org/x/mod/sumdb/note, note_test.go) and the examples of the C2SP
//! signed-note, tlog-checkpoint and tlog-cosignature specs.

use truce_log::checkpoint::{Checkpoint, CheckpointError};
use truce_log::cosignature::{CosignatureError, Cosigner, verify_cosignature};
use truce_log::note::{KeyName, Note, NoteError, SignerKey, VerifierKey};

const PETER_VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const PETER_SKEY: &str = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
const ENOCH_VKEY: &str = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
const TEXT: &str =
    "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const PETER_SIG: &str = "\u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
const ENOCH_SIG: &str =
    "\u{2014} EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

fn peter() -> VerifierKey {
    PETER_VKEY.parse().unwrap()
}

fn enoch() -> VerifierKey {
    ENOCH_VKEY.parse().unwrap()
}

fn open(message: &str, keys: &[VerifierKey]) -> Result<Vec<String>, NoteError> {
    let note = Note::parse(message.as_bytes())?;
    assert_eq!(note.text(), TEXT);
    Ok(note.verify(keys)?.iter().map(|key| key.name().to_string()).collect())
}

/// Every proper substring of `key` and every single-byte increment of it.
fn manglings(key: &str) -> Vec<Vec<u8>> {
    let bytes = key.as_bytes();
    let mut out = Vec::new();
    for i in 0..=bytes.len() {
        for j in i + 1..=bytes.len() {
            if i != 0 || j != bytes.len() {
                out.push(bytes[i..j].to_vec());
            }
        }
    }
    for i in 0..bytes.len() {
        let mut changed = bytes.to_vec();
        changed[i] = changed[i].wrapping_add(1);
        out.push(changed);
    }
    out
}

#[test]
fn go_new_verifier_accepts_the_key_and_refuses_every_mangling() {
    let key = peter();
    assert_eq!(key.to_string(), PETER_VKEY);
    assert_eq!(key.id(), 0xc74f20a3);
    for mangled in manglings(PETER_VKEY) {
        let Ok(text) = String::from_utf8(mangled) else {
            continue;
        };
        assert!(text.parse::<VerifierKey>().is_err(), "{text:?} was accepted");
    }
    for bad in [
        "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==",
        "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
    ] {
        assert!(
            matches!(bad.parse::<VerifierKey>(), Err(NoteError::MalformedVerifierKey(_))),
            "{bad}"
        );
    }
}

#[test]
fn go_new_signer_accepts_the_key_and_refuses_every_mangling() {
    let signer: SignerKey = PETER_SKEY.parse().unwrap();
    assert_eq!(signer.to_secret_string(), PETER_SKEY);
    assert_eq!(signer.verifier().to_string(), PETER_VKEY);
    for mangled in manglings(PETER_SKEY) {
        let Ok(text) = String::from_utf8(mangled) else {
            continue;
        };
        assert!(text.parse::<SignerKey>().is_err(), "{text:?} was accepted");
    }
}

#[test]
fn go_sign_reproduces_the_published_note_byte_for_byte() {
    let signer: SignerKey = PETER_SKEY.parse().unwrap();
    let note = Note::sign(TEXT, &signer).unwrap();
    assert_eq!(note.to_text(), format!("{TEXT}\n{PETER_SIG}"));
    assert!(matches!(Note::sign("abc", &signer), Err(NoteError::MalformedNote(_))));
}

#[test]
fn generated_keys_sign_and_verify_and_a_changed_byte_fails() {
    let signer = SignerKey::generate(KeyName::parse("EnochRoot").unwrap());
    let verifier: VerifierKey = signer.verifier().to_string().parse().unwrap();
    let _: SignerKey = signer.to_secret_string().parse().unwrap();
    let mut signature = signer.sign_bytes(b"hi");
    assert!(verifier.verifies(b"hi", &signature));
    assert!(!verifier.verifies(b"hj", &signature));
    signature[0] ^= 1;
    assert!(!verifier.verifies(b"hi", &signature));
}

#[test]
fn go_open_cases() {
    let both = format!("{TEXT}\n{PETER_SIG}{ENOCH_SIG}");
    assert_eq!(open(&both, &[peter()]), Ok(vec!["PeterNeumann".to_string()]));
    assert_eq!(
        open(&both, &[peter(), enoch()]),
        Ok(vec!["PeterNeumann".to_string(), "EnochRoot".to_string()])
    );
    assert_eq!(open(&both, &[]), Err(NoteError::NoTrustedSignature));
    assert_eq!(
        open(&format!("{TEXT}\n{PETER_SIG}"), &[enoch(), peter()]),
        Ok(vec!["PeterNeumann".to_string()])
    );

    let hundred = format!("{TEXT}\n{}", PETER_SIG.repeat(100));
    assert!(open(&hundred, &[peter()]).is_ok());
    let too_many = format!("{TEXT}\n{}", PETER_SIG.repeat(101));
    assert!(matches!(open(&too_many, &[peter()]), Err(NoteError::MalformedNote(_))));
    assert!(matches!(open(&too_many, &[]), Err(NoteError::MalformedNote(_))));

    let corrupt = |sig: &str| format!("{}ABCD{}", &sig[..60], &sig[60..]);
    assert_eq!(
        open(&format!("{TEXT}\n{}", corrupt(PETER_SIG)), &[peter()]),
        Err(NoteError::InvalidSignature {
            name: "PeterNeumann".into(),
            key_id: 0xc74f20a3
        })
    );
    // A corrupt signature by an unknown key is ignored.
    let with_unknown = format!(
        "{TEXT}\n{PETER_SIG}{PETER_SIG}{ENOCH_SIG}{ENOCH_SIG}{}",
        corrupt(ENOCH_SIG)
    );
    assert_eq!(open(&with_unknown, &[peter()]), Ok(vec!["PeterNeumann".to_string()]));
    // A signature whose name or key ID is not a trusted key's is not a trusted signature.
    let misnamed = PETER_SIG.replace("PeterNeumann", "CarmenSandiego");
    assert_eq!(
        open(&format!("{TEXT}\n{misnamed}"), &[peter()]),
        Err(NoteError::NoTrustedSignature)
    );
    let wrong_id = PETER_SIG.replace("x08g", "xxxx");
    assert_eq!(
        open(&format!("{TEXT}\n{wrong_id}"), &[peter()]),
        Err(NoteError::NoTrustedSignature)
    );
}

#[test]
fn go_open_refuses_malformed_notes() {
    let bad_messages: Vec<Vec<u8>> = vec![
        TEXT.into(),
        format!("{TEXT}\n").into(),
        format!("{TEXT}\n{}", &PETER_SIG[..PETER_SIG.len() - 1]).into(),
        format!("\x01{TEXT}\n{PETER_SIG}").into(),
        [b"\xff".as_slice(), format!("{TEXT}\n{PETER_SIG}").as_bytes()].concat(),
        format!("{TEXT}\n\u{2014} Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=").into(),
        format!("{TEXT}\n{PETER_SIG}Unexpected line.\n").into(),
        // Beyond Go's list: a tab, a carriage return, a signature of four bytes, bad base64.
        format!("{TEXT}\t\n{PETER_SIG}").into(),
        format!("{TEXT}\n{}", PETER_SIG.replace('\n', "\r\n")).into(),
        format!("{TEXT}\n\u{2014} PeterNeumann AAAAAA==\n").into(),
        format!("{TEXT}\n\u{2014} PeterNeumann x08go_ZJ\n").into(),
        format!("{TEXT}\n- PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n").into(),
    ];
    for message in bad_messages {
        assert!(
            matches!(Note::parse(&message), Err(NoteError::MalformedNote(_))),
            "{:?} was accepted",
            String::from_utf8_lossy(&message)
        );
    }
}

#[test]
fn c2sp_signed_note_examples() {
    let vkey: VerifierKey = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
        .parse()
        .unwrap();
    let message = "This is an example message.\n\n\u{2014} example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n";
    let note = Note::parse(message.as_bytes()).unwrap();
    assert_eq!(note.verify(&[vkey]).unwrap().len(), 1);
    assert_eq!(note.to_text(), message);

    // A text may hold blank lines: the split is at the last one.
    let poem = "Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned \u{e8} subito sera.\n\n\u{2014} quasimodo.example/salvatore NnugSzTjtVAewIS+Z/iJhUPeFDkO/5QQ2i5ddnGITLlC+EhfLW9oJKONrMouFSQU0xMcXxj99ihAQwaqP3ZekRwNtIc=\n";
    let note = Note::parse(poem.as_bytes()).unwrap();
    assert!(note.text().ends_with("\ned \u{e8} subito sera.\n"));
    assert_eq!(note.signatures()[0].key_id, 0x367ba04b);
}

#[test]
fn c2sp_checkpoint_example_and_malformed_bodies() {
    let text = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
    let checkpoint = Checkpoint::parse(text).unwrap();
    assert_eq!(
        (checkpoint.origin.as_str(), checkpoint.size),
        ("example.com/behind-the-sofa", 20852163)
    );
    assert_eq!(checkpoint.to_text(), text);
    let with_extension = format!("{text}ext line\n");
    assert_eq!(Checkpoint::parse(&with_extension).unwrap().extensions, ["ext line"]);
    let root = "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=";
    for bad in [
        "origin\n5\n".to_string(),
        format!("\n5\n{root}\n"),
        format!("o\n05\n{root}\n"),
        format!("o\n+5\n{root}\n"),
        format!("o\n-1\n{root}\n"),
        format!("o\n 5\n{root}\n"),
        format!("o\n0x5\n{root}\n"),
        format!("o\n18446744073709551616\n{root}\n"),
        "o\n5\nZG9uJ3QgY2FyZSAy\n".to_string(),
        "o\n5\nnot base64\n".to_string(),
        format!("o\n5\n{root}\n\n"),
        format!("o\n5\n{root}"),
        format!("o\n5\n{root}\next\n\nmore\n"),
    ] {
        assert!(
            matches!(Checkpoint::parse(&bad), Err(CheckpointError::Malformed(_))),
            "{bad:?} was accepted"
        );
    }
}

#[test]
fn c2sp_cosignature_example_decodes_and_cosignatures_verify() {
    let signed = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n\u{2014} example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n\u{2014} witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n";
    let note = Note::parse(signed.as_bytes()).unwrap();
    let witness_line = &note.signatures()[1];
    assert_eq!(witness_line.key_id, 0x8d66cf3f);
    assert_eq!(
        u64::from_be_bytes(witness_line.signature[..8].try_into().unwrap()),
        1679315147
    );

    let cosigner = Cosigner::from_seed(KeyName::parse("witness.example/afghanistan").unwrap(), [7; 32]);
    let vkey: VerifierKey = cosigner.verifier().to_string().parse().unwrap();
    let mut note = Note::parse(signed.as_bytes()).unwrap();
    note.add_signature(cosigner.cosign(note.text(), 1679315147));
    assert_eq!(verify_cosignature(&note, &vkey), Ok(1679315147));

    let reparsed = Note::parse(note.to_text().replace("20852163", "20852164").as_bytes()).unwrap();
    assert!(matches!(
        verify_cosignature(&reparsed, &vkey),
        Err(CosignatureError::Invalid { .. })
    ));
    let other = Cosigner::from_seed(KeyName::parse("witness.example/pakistan").unwrap(), [8; 32]);
    assert!(matches!(
        verify_cosignature(&note, &other.verifier()),
        Err(CosignatureError::Missing(_))
    ));
    assert!(matches!(
        verify_cosignature(&note, &peter()),
        Err(CosignatureError::NotACosignerKey(_))
    ));
}
